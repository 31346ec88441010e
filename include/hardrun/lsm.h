/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_LSM_H
#define HARDRUN_LSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"

/* The "apparmor" and "selinux" controls (lsm.c).
 *
 * Every #ifdef HAVE_SELINUX / HAVE_APPARMOR lives in the tiny hr_lsm_*
 * wrappers below; everything else calls them unconditionally.  The rewrite
 * of config.json never calls them directly: it takes the host's answers
 * from a struct hr_lsm_host, which hr_lsm_host_probe() fills from the real
 * library calls (the controls' apply functions do exactly that) and which
 * unit tests fill by hand to exercise an AppArmor or SELinux host on a
 * kernel that has neither. */

#define HR_APPARMOR_DEFAULT_PROFILE "hardrun-default"
/* Used when libselinux's lxc_contexts file is missing or lacks the key. */
#define HR_SELINUX_FALLBACK_PROCESS "system_u:system_r:container_t:s0"
#define HR_SELINUX_FALLBACK_FILE    "system_u:object_r:container_file_t:s0"
/* MCS categories handed out: c0 .. c(HR_MCS_CATEGORIES - 1). */
#define HR_MCS_CATEGORIES 1024u
/* What a dry run (`policy explain`) shows in place of the "cA,cB" of a
 * label create would give a fresh pair: that pair does not exist until
 * create reserves it, and a made-up one would be a lie. */
#define HR_MCS_DRY_RUN_PAIR "<unique MCS pair reserved at create>"
#ifndef HR_RUN_DIR
#define HR_RUN_DIR "/run/hardrun"
#endif

struct hr_apply_ctx;

/* ---- profile settings ------------------------------------------------- */

struct hr_policy_apparmor {
  bool enabled;
  char *profile; /* set when the spec names none or "unconfined" */
  bool require;  /* AppArmor enabled but `profile` not loaded: refuse (true)
                    or record a finding and leave the spec (false) */
};

struct hr_policy_selinux {
  bool enabled;
  char *type;      /* process type; NULL: lxc_contexts' "process" */
  char *file_type; /* mount label type; NULL: lxc_contexts' "file" */
};

/* ---- the wrappers: the only code that knows whether the libraries are
 * built in --------------------------------------------------------------- */

/* aa_is_enabled(); without libapparmor, the same test runc makes
 * (/sys/module/apparmor/parameters/enabled is "Y"). */
bool hr_lsm_apparmor_enabled(void);
/* 1 when `name` is a loaded AppArmor profile (listed in the securityfs
 * "profiles" file), 0 when it is not or AppArmor is absent, -1 on error. */
int hr_lsm_apparmor_profile_loaded(const char *name, struct hr_error *err);
/* is_selinux_enabled() > 0; false without libselinux. */
bool hr_lsm_selinux_enabled(void);
/* security_check_context(): 0 when the loaded policy accepts `context`,
 * -1 with errno set otherwise (also without libselinux: ENOTSUP). */
int hr_lsm_selinux_check_context(const char *context);
/* The "process" and "file" contexts of selinux_lxc_contexts_path(), each
 * NULL when the file or the key is absent.  Without libselinux both NULL. */
int hr_lsm_selinux_container_contexts(char **ret_process, char **ret_file, struct hr_error *err);

/* Parse an lxc_contexts file (lines `key = "context"`, `#` comments) into
 * its "process" and "file" contexts (NULL when absent); exposed for tests. */
int hr_lsm_parse_lxc_contexts(const char *buf, size_t len, char **ret_process, char **ret_file,
                              struct hr_error *err);

/* ---- host facts --------------------------------------------------------- */

struct hr_lsm_host {
  bool apparmor;
  bool selinux;
  char *selinux_process; /* lxc_contexts "process", NULL when unknown */
  char *selinux_file;    /* lxc_contexts "file", NULL when unknown */
  /* 1 loaded, 0 not loaded, -1 error (err filled) */
  int (*apparmor_loaded)(const struct hr_lsm_host *h, const char *name, struct hr_error *err);
  /* 0 valid in the loaded policy, -1 invalid */
  int (*selinux_check)(const struct hr_lsm_host *h, const char *context);
  /* MCS state: the run directory and the container being created */
  const char *run_dir;
  const char *container_id;
  /* random source for the MCS allocator; NULL means getrandom() */
  uint32_t (*random)(void *data);
  void *data; /* for the callbacks (tests) */
  /* `policy explain`: reserve no pair and write nothing.  A label the spec
   * brings is still checked, and the table is read (never locked, never
   * created) to tell whether another container holds its pair; a fresh
   * label shows HR_MCS_DRY_RUN_PAIR and is checked against the policy at
   * the pair c0,c(HR_MCS_CATEGORIES - 1), the bounds of the pairs create
   * may reserve. */
  bool dry_run;
};

#define HR_LSM_PROBE_APPARMOR 1u
#define HR_LSM_PROBE_SELINUX  2u

/* Ask the real libraries (only about the LSMs in `what`); the callbacks are
 * the real wrappers, run_dir and container_id come from
 * hr_lsm_set_container().  With a host bound by hr_lsm_bind_host() its
 * facts and callbacks are copied instead. */
int hr_lsm_host_probe(struct hr_lsm_host *ret, unsigned what, struct hr_error *err);
void hr_lsm_host_release(struct hr_lsm_host *h);

/* Tests: make the controls' apply functions (so create and `policy
 * explain` end to end) see the host `h` describes instead of asking the
 * libraries; NULL asks them again.  Only the LSM facts and callbacks of `h`
 * are used: run_dir and container_id still come from
 * hr_lsm_set_container(), dry_run from the apply context. */
void hr_lsm_bind_host(const struct hr_lsm_host *h);

/* The container being created (or exec'ed into), for the MCS state: main
 * calls this before applying the policy on create, run, restore and exec.
 * `run_dir` NULL means HR_RUN_DIR.  Both strings must outlive the apply.
 * Without it an SELinux host fails the create: categories that are not
 * recorded could be handed to a second container. */
void hr_lsm_set_container(const char *id, const char *run_dir);
/* The id last given to hr_lsm_set_container(), or NULL. */
const char *hr_lsm_container(void);

/* The rewrites, with the host's facts given (what the controls' apply
 * functions call after hr_lsm_host_probe).  With ctx->overrides_only (runc
 * exec's process) an absent profile or label keeps the container's; a
 * label given must carry the container's recorded categories. */
int hr_lsm_apparmor_rewrite(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                            struct hr_error *err);
int hr_lsm_selinux_rewrite(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                           struct hr_error *err);

/* ---- restore's own LSM flags --------------------------------------------- */

struct hr_argv;
struct hr_policy;

/* runc restore --lsm-profile TYPE:NAME and --lsm-mount-context CONTEXT give
 * CRIU a profile or SELinux label for the restored processes and mounts in
 * place of the checkpointed ones, past what the apparmor and selinux
 * controls decided.  Refused (HR_ERR_REFUSED, naming the rule and the
 * flag) when the profile enables the control they would override; an
 * empty value is runc's "absent". */
int hr_lsm_restore_flags(const struct hr_argv *a, const struct hr_policy *p, struct hr_error *err);

/* ---- MCS category pairs --------------------------------------------------
 * RUN_DIR/selinux-mcs holds one line per container, "ID cA,cB" (A < B),
 * replaced atomically under an flock on RUN_DIR/selinux-mcs.lock.  A new
 * pair is chosen at random among the pairs no line holds. */

struct hr_mcs_pair {
  unsigned a, b; /* a < b < HR_MCS_CATEGORIES */
};

/* Record a pair for `id`, replacing any line `id` already had.  With
 * `want` non-NULL that pair is recorded (a label the spec already carries)
 * and *ret_shared tells whether another container holds it too; otherwise a
 * free pair is chosen and returned in *ret.  `random` NULL: getrandom(). */
int hr_mcs_reserve(const char *run_dir, const char *id, const struct hr_mcs_pair *want,
                   uint32_t (*random)(void *), void *data, struct hr_mcs_pair *ret,
                   bool *ret_shared, struct hr_error *err);
/* 1 when a container other than `id` (NULL: any container) has `pair`
 * recorded, 0 when none has or there is no table, -1 on error.  A dry
 * run's read: no lock is taken and nothing is created (the file is only
 * ever replaced whole, by rename, so an unlocked read sees one version). */
int hr_mcs_held_by_other(const char *run_dir, const char *id, const struct hr_mcs_pair *pair,
                         struct hr_error *err);
/* The pair recorded for `id`: 1 and *ret set, 0 when none, -1 on error. */
int hr_mcs_lookup(const char *run_dir, const char *id, struct hr_mcs_pair *ret,
                  struct hr_error *err);
/* Drop the line of `id` (on delete).  A missing directory, file or line is
 * not an error. */
int hr_mcs_release(const char *run_dir, const char *id, struct hr_error *err);

#endif
