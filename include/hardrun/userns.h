/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_USERNS_H
#define HARDRUN_USERNS_H

/* User namespaces with an exclusive slice of host ids per container.
 *
 * The pool comes from the profile or from /etc/subuid and /etc/subgid.  It
 * is cut into slices of `size` ids; each container gets one that no other
 * live container holds, so two containers never share a host uid or gid.
 * The slices in use are one table, <stateDir>/userns/slices.json, read and
 * rewritten under <stateDir>/userns/lock.  A slice belongs to the runc
 * container (root, id): it is live while runc's state directory <root>/<id>
 * exists, or while the create that took it is still running.  `delete`
 * releases it; after a crash, the next allocation reclaims every slice that
 * nothing owns any more. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hardrun/error.h"

struct hr_apply_ctx;

#define HR_USERNS_DEFAULT_SIZE    65536u
#define HR_USERNS_DEFAULT_USER    "hardrun"
#define HR_USERNS_DEFAULT_SUBUID  "/etc/subuid"
#define HR_USERNS_DEFAULT_SUBGID  "/etc/subgid"
#define HR_USERNS_MAX_SLICES      65536u /* per pool, and live in the table */
#define HR_USERNS_MAX_RANGES      256u   /* subid lines of one user */
#define HR_USERNS_MAX_ACL_ENTRIES 64u    /* directories granted per slice */

/* ---- profile ------------------------------------------------------------ */

struct hr_policy_userns {
  bool enabled;
  /* Identity mappings, mappings that reach host root, and namespaces that
   * cannot be checked are refused (true) or only recorded (false). */
  bool required;
  uint32_t size; /* ids per container */
  bool has_pool; /* "pool" given: the ids below, else the subid files */
  uint32_t pool_uid, pool_gid, pool_size;
  char *subid_user; /* name in the subid files */
  char *subuid_file, *subgid_file;
};

/* ---- pools (userns-pool.c) ------------------------------------------------ */

struct hr_idrange {
  uint32_t start, count; /* host ids start .. start + count - 1 */
};

/* The ranges of `user` in a subuid(5)/subgid(5) file held in `buf`
 * ("name:start:count" lines).  A malformed line, a range that reaches id 0
 * or 4294967295, or more than HR_USERNS_MAX_RANGES ranges is an error that
 * names `file` and the line.  No range is not an error (*ret_n = 0). */
int hr_subid_parse(const char *buf, size_t len, const char *file, const char *user,
                   struct hr_idrange **ret, size_t *ret_n, struct hr_error *err);

/* A slice: the host uid and gid that container id 0 maps to. */
struct hr_userns_slot {
  uint32_t uid, gid;
};

/* Cut uid and gid ranges into slices of `size` (whole slices only; the
 * n-th uid slice pairs with the n-th gid slice), at most
 * HR_USERNS_MAX_SLICES. */
int hr_userns_slots(const struct hr_idrange *uids, size_t n_uids, const struct hr_idrange *gids,
                    size_t n_gids, uint32_t size, struct hr_userns_slot **ret, size_t *ret_n,
                    struct hr_error *err);

/* A directory whose ACL hardrun extended so the slice's root can reach the
 * rootfs; dev and ino make sure the revoke hits the same directory. */
struct hr_userns_grant {
  char *path;
  uint64_t dev, ino;
};

struct hr_userns_slice {
  uint32_t uid, gid, size;
  char *root, *id;    /* the runc container that owns it */
  int64_t pid;        /* the create that took it, with its start time */
  uint64_t pid_start; /* (field 22 of /proc/PID/stat) */
  struct hr_userns_grant *grants;
  size_t n_grants;
};

struct hr_userns_table {
  struct hr_userns_slice *items;
  size_t len;
};

void hr_userns_table_free(struct hr_userns_table *t);
int hr_userns_table_parse(const char *buf, size_t len, const char *name,
                          struct hr_userns_table *ret, struct hr_error *err);
int hr_userns_table_serialize(const struct hr_userns_table *t, char **ret, size_t *ret_len,
                              struct hr_error *err);

/* Is the slice still owned: runc's <root>/<id> exists, or its create runs. */
bool hr_userns_slice_live(const struct hr_userns_slice *s);

/* Is process `pid` alive (not a zombie) and the one that started at `start`? */
bool hr_userns_pid_live(int64_t pid, uint64_t start);
/* The start time of this process, as hr_userns_slice_live() compares it. */
int hr_userns_current_start(uint64_t *ret);

/* The first slot (lowest) whose uid and gid ranges meet no entry of `t`
 * for which `live` is true (NULL: every entry is live).  Returns 1 and the
 * index, or 0 when the pool is exhausted. */
int hr_userns_choose(const struct hr_userns_table *t, const struct hr_userns_slot *slots,
                     size_t n_slots, uint32_t size, bool (*live)(const struct hr_userns_slice *),
                     size_t *ret_index);

/* The locked table under <stateDir>/userns/.  open takes the lock (making
 * the directories when `create`) and reads the table; save replaces it
 * atomically; close drops the lock.  Returns -2 from open when the
 * directory is absent and not to be made (nothing was ever allocated). */
struct hr_userns_state {
  int dirfd, lockfd;
  struct hr_userns_table table;
};
int hr_userns_state_open(const char *state_dir, bool create, struct hr_userns_state *ret,
                         struct hr_error *err);
int hr_userns_state_save(struct hr_userns_state *st, struct hr_error *err);
void hr_userns_state_close(struct hr_userns_state *st);

/* Revoke the slice's ACL grants, then drop entry `i` from the table.  When
 * a revoke fails the entry stays (its ids are not handed out while an
 * entry for them may remain) and -1 is returned. */
int hr_userns_table_drop(struct hr_userns_table *t, size_t i, struct hr_error *err);
/* Drop every entry that is no longer live and whose grants could be
 * revoked; 1 when any was dropped. */
int hr_userns_reclaim(struct hr_userns_table *t, struct hr_error *err);

/* ---- ACLs (userns-acl.c) -------------------------------------------------- */

/* Can `uid` with group `gid` search the directory `fd` (mode bits and
 * POSIX ACL, as the kernel decides)?  1 yes, 0 no, -1 error. */
int hr_acl_can_search(int fd, uid_t uid, gid_t gid, struct hr_error *err);
/* Add "user:uid:--x" to the directory's access ACL (a named entry and the
 * mask: no other entry gets more).  Refused when an entry for uid or the
 * ACL's mask already denies search: that is the admin's decision. */
int hr_acl_grant_search(int fd, const char *path, uid_t uid, struct hr_error *err);
/* The refusals hr_acl_grant_search() would make, without writing: 0 when
 * the entry can be added. */
int hr_acl_grant_check(int fd, const char *path, uid_t uid, struct hr_error *err);
/* Remove the named entry of uid again; an ACL left without named entries
 * becomes the plain mode bits it was. */
int hr_acl_revoke(int fd, const char *path, uid_t uid, struct hr_error *err);

/* ---- the container being created (userns.c) ------------------------------- */

/* Who the create is for.  Without a binding the control runs dry: it maps
 * the pool's first slice and changes nothing on the host (unit tests of
 * the spec rewrite). */
struct hr_userns_host {
  const char *state_dir; /* absolute */
  const char *root;      /* runc --root, absolute and clean */
  const char *id;
  const char *bundle; /* absolute */
  /* Read the table to show the slice the container would get, but take
   * nothing and change nothing (`policy explain`). */
  bool dry_run;
};

void hr_userns_bind(const struct hr_userns_host *h);
/* The bound create's bundle (absolute), NULL when unknown: host-mounts
 * resolves a relative root.path against it, as runc does. */
const char *hr_userns_bound_bundle(void);
/* The create failed after the control ran: give back the slice it took and
 * the ACL entries it added.  Nothing when it took none. */
void hr_userns_abort(void);

/* `runc delete [--force] ID`: release the slice of (root, id) unless the
 * container is running and not forced (runc will then refuse the delete
 * and the container keeps its ids).  Dead slices are reclaimed too. */
int hr_userns_forget(const char *state_dir, const char *root, const char *id, bool force,
                     struct hr_error *err);

#endif
