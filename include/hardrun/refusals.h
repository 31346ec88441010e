/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_REFUSALS_H
#define HARDRUN_REFUSALS_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"

/* What a rule does when a spec breaks it. */
enum hr_rule_mode {
  HR_MODE_OFF = 0,
  HR_MODE_REFUSE, /* fail the create, naming the rule and the JSON path */
  HR_MODE_FIX,    /* rewrite the spec into the safe form, recorded as a change */
  HR_MODE_AUDIT,  /* change nothing; record a finding in the audit record */
};

/* ---- profile settings, one struct per rule -------------------------------
 * A rule is enabled when its mode is not HR_MODE_OFF.  Every string list is
 * NULL-terminated and counted. */

/* "privileged": an allow-all device cgroup rule (`mode`), and /proc and
 * /sys paths the spec no longer masks or makes read-only (`paths_mode`). */
struct hr_rule_privileged {
  enum hr_rule_mode mode;
  enum hr_rule_mode paths_mode;
  char **masked; /* clean absolute paths; default: runc's maskedPaths */
  size_t n_masked;
  char **readonly; /* default: runc's readonlyPaths */
  size_t n_readonly;
};

/* The namespaces "host-namespaces" checks, in this order. */
enum hr_ns {
  HR_NS_NETWORK,
  HR_NS_PID,
  HR_NS_IPC,
  HR_NS_UTS,
  HR_NS_MOUNT,
  HR_NS_CGROUP,
  HR_NS_COUNT,
};

/* "host-namespaces": one mode per namespace type, for a namespace that is
 * missing or whose path is one of the host's own. */
struct hr_rule_hostns {
  enum hr_rule_mode mode[HR_NS_COUNT];
};

/* A device pattern: type 'c', 'b' or 'a' (both); -1 is the wildcard. */
struct hr_device_pattern {
  char type;
  int64_t major, minor;
};

/* "host-devices": linux.devices entries and device cgroup allow rules
 * (with r or w access) must fall within `allow`. */
struct hr_rule_hostdevices {
  enum hr_rule_mode mode;
  struct hr_device_pattern *allow; /* default: null zero full random urandom
                                      tty console ptmx and the pts range */
  size_t n_allow;
};

/* "host-mounts" (hostmounts.c). */
struct hr_rule_hostmounts {
  enum hr_rule_mode mode;
  char **sensitive; /* clean absolute paths; "/" matches itself only */
  size_t n_sensitive;
  char **allow; /* exact paths allowed as a source */
  size_t n_allow;
  char **allow_ro; /* exact paths allowed as a source of a read-only mount */
  size_t n_allow_ro;
  char **sockets; /* file names of container-daemon sockets */
  size_t n_sockets;
};

/* "sysctls": names allowed in linux.sysctl. */
struct hr_rule_sysctls {
  enum hr_rule_mode mode;
  char **allow; /* dotted names; default: Kubernetes' "baseline" safe set */
  size_t n_allow;
};

/* "hooks": every hook path must be in `allow`, except dockerd's own
 * libnetwork-setkey hook (/proc/PID/exe of a binary in `dockerd`) and
 * containerd's oci-hook relay (a binary in `containerd`) to an allowed
 * program. */
struct hr_rule_hooks {
  enum hr_rule_mode mode;
  char **allow;
  size_t n_allow;
  char **dockerd;
  size_t n_dockerd;
  char **containerd;
  size_t n_containerd;
};

/* One resource of "rlimits". */
struct hr_rlimit_rule {
  const char *type; /* "RLIMIT_NOFILE" (static) */
  bool has_default;
  uint64_t def_hard, def_soft;
  bool has_ceiling;
  uint64_t ceiling;
};

struct hr_rule_rlimits {
  enum hr_rule_mode mode;
  struct hr_rlimit_rule *limits;
  size_t n_limits;
};

/* "oom": disableOOMKiller, and oomScoreAdj below `min_score_adj`. */
struct hr_rule_oom {
  enum hr_rule_mode mode;
  int64_t min_score_adj;
};

/* "secret-env": variables whose names match a pattern (fnmatch, any case)
 * and are not in `allow`. */
struct hr_rule_secretenv {
  enum hr_rule_mode mode;
  char **patterns;
  size_t n_patterns;
  char **allow;
  size_t n_allow;
};

/* "sshd": an sshd as the container's process (CIS Docker 5.7). */
struct hr_rule_sshd {
  enum hr_rule_mode mode;
};

/* "checkpoint-restore": runc restore.  CRIU gives the restored processes
 * the credentials (capability sets, securebits, no_new_privs) and seccomp
 * filters its checkpoint image holds, not config.json's, and hardrun does
 * not read the image. */
struct hr_rule_restore {
  enum hr_rule_mode mode;
  bool restoring; /* set by the driver for the restore command */
};

/* Profile settings of the refusal rules (owned by refusals.c and
 * hostmounts.c). */
/* "images" (images.c): the image named in a CRI annotation must come from
 * an allowed registry, namespace or repository. */
struct hr_rule_images {
  enum hr_rule_mode mode;    /* refuse | audit | off */
  enum hr_rule_mode missing; /* no image name (dockerd): audit by default */
  char **allow;
  size_t n_allow;
  char *annotation; /* NULL: io.kubernetes.cri.image-name */
  bool require_digest;
};

/* "runtime-annotations" (annotations.c): annotations runc or crun act on
 * themselves.  A `deny` entry ending in '.' or '/' is a prefix; `allow`
 * holds exact keys exempted from it.  "bundle" and keys with a '=' are
 * refused whatever the lists say. */
struct hr_rule_annotations {
  enum hr_rule_mode mode;
  char **deny;
  size_t n_deny;
  char **allow;
  size_t n_allow;
};

struct hr_policy_refusals {
  struct hr_rule_privileged privileged;
  struct hr_rule_hostns hostns;
  struct hr_rule_hostmounts hostmounts;
  struct hr_rule_hostdevices hostdevices;
  struct hr_rule_sysctls sysctls;
  struct hr_rule_hooks hooks;
  struct hr_rule_rlimits rlimits;
  struct hr_rule_oom oom;
  struct hr_rule_secretenv secretenv;
  struct hr_rule_sshd sshd;
  struct hr_rule_restore restore;
  struct hr_rule_images images;
  struct hr_rule_annotations annotations;
};

/* ---- helpers shared by refusals.c and hostmounts.c ----------------------- */

struct hr_apply_ctx;
struct hr_json_doc;
struct hr_json;

/* A breach of a rule in `mode`: refuse fails with "PATH: message" (returns
 * -1), audit records the finding (returns 0: leave the spec alone), fix
 * returns 1 (the caller rewrites).  -1 also on out-of-memory. */
int hr_rule_breach(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, const char *path,
                   struct hr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define HR_QUOTE_MAX 160

/* Read an optional "mode" member of a rule's section into *mode; modes the
 * rule cannot honour (`fix_ok` false: "fix") are profile errors. */
int hr_rule_parse_mode(const struct hr_json_doc *profile, const struct hr_json *node, bool fix_ok,
                       enum hr_rule_mode *mode, struct hr_error *err);

/* A profile array of absolute paths, cleaned; `what` names it in errors. */
int hr_rule_parse_paths(const struct hr_json_doc *profile, const struct hr_json *node,
                        const char *what, char ***ret, size_t *ret_len, struct hr_error *err);

/* Copy a built-in list. */
int hr_rule_strv_dup(const char *const *src, size_t n, char ***ret, size_t *ret_len,
                     struct hr_error *err);
void hr_rule_strv_free(char ***v, size_t *n);
bool hr_rule_strv_contains(char *const *v, size_t n, const char *s);

/* Spec readers shared by refusals.c and refusals-process.c (each error
 * names the JSON path; absent and null read as absent, as Go decodes). */
int hr_rule_spec_get_array_of(const struct hr_json *obj, const char *field, enum hr_json_type item,
                              const char *path, struct hr_json **ret, struct hr_error *err);
int hr_rule_spec_get(const struct hr_json *obj, const char *field, enum hr_json_type type,
                     const char *path, struct hr_json **ret, struct hr_error *err);
/* Whether linux.namespaces (any node, absent included) has an entry of
 * type "user", with or without a path. */
bool hr_rule_spec_names_userns(const struct hr_json *namespaces);
int hr_rule_spec_linux(struct hr_apply_ctx *ctx, bool create, struct hr_json **ret,
                       struct hr_error *err);
int hr_rule_spec_process(struct hr_apply_ctx *ctx, struct hr_json **ret, struct hr_error *err);
int hr_rule_spec_string(const struct hr_json *obj, const char *field, const char *path,
                        const char **ret, struct hr_error *err);
int hr_rule_spec_i64(const struct hr_json *obj, const char *field, const char *path, bool *present,
                     int64_t *ret, struct hr_error *err);
int hr_rule_append_item(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                        const char *path, struct hr_json *value, struct hr_error *err);
int hr_rule_set_bool(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                     const char *path, bool v, struct hr_error *err);
int hr_rule_strv_or_default(const struct hr_json_doc *profile, const struct hr_json *section,
                            const char *key, const char *const *def, size_t n_def, char ***ret,
                            size_t *ret_len, struct hr_error *err);
/* A host path resolved as the kernel will when runc mounts it (hostmounts.c):
 * symlinks and ".." followed, a missing end appended cleaned. */
int hr_host_resolve(const char *path, char **ret, struct hr_error *err);
/* root.path `path` as the host directory runc will use, resolved as
 * above: relative to the bound bundle (hr_userns_bound_bundle); *ret NULL
 * when that cannot be known (relative, no bundle: policy explain) or the
 * path cannot be resolved (host-mounts refuses that). */
int hr_rootfs_host_path(const char *path, char **ret, struct hr_error *err);
/* A path inside the container as runc 1.1 resolves a mount destination
 * in the host directory `rootfs` (filepath-securejoin): symlinks followed
 * without leaving rootfs (an absolute target starts at its root), ".."
 * stopping at its root, a missing component kept as written.  *ret is the
 * clean path inside the rootfs; kept like the two below. */
int hr_rootfs_resolve(const char *rootfs, const char *path, char **ret, struct hr_error *err);
/* realpath(3) into `ret` (PATH_MAX bytes): 0 or a negative errno.  The
 * kernel's answers are kept between hr_host_resolve_begin() and
 * hr_host_resolve_end() (one apply). */
int hr_host_realpath(const char *path, char *ret);
/* The same, and in `ret_proc_link` (PATH_MAX bytes, "" when none) the
 * first link followed that lies on procfs, such as "/proc/self". */
int hr_host_realpath_via(const char *path, char *ret, char *ret_proc_link);
/* 1 when `path` (absolute, resolved) is a mount point in the mount table,
 * 0 when not, or a negative errno when the table cannot be read; read
 * once per apply, like hr_host_fs_path(). */
int hr_host_mount_point(const char *path);
/* Calls fn for each mount of the mount table strictly below `path`
 * (absolute, resolved): its mount point, device and the directory of its
 * filesystem it shows.  Stops at fn's first non-zero value and returns
 * it; 0, or a negative errno when the table cannot be read. */
int hr_host_submounts(const char *path,
                      int (*fn)(void *arg, const char *point, dev_t dev, const char *root),
                      void *arg);
/* Fails (HR_ERR_REFUSED) when a user other than root and this process's
 * effective uid could put another file in place of `path` (relative to
 * the working directory, or absolute) or change it, between hardrun's
 * check and the runtime's open of that name: a directory on the way to it,
 * symbolic links followed, owned by another user or writable by its group
 * or others (a sticky one only when the entry in it is another's), or the
 * file itself owned by another user or writable by its group or others.
 * `what` names the file in the message ("config.json").  A path that does
 * not resolve passes: its reader reports that. */
int hr_host_sole_writer(const char *path, const char *what, struct hr_error *err);
/* The S_IFMT bits of `path` (absolute, no symlink in its directories) as
 * lstat(2) sees it, 0 when it cannot be looked up; kept like the above. */
mode_t hr_host_file_type(const char *path);
/* A file as the kernel tells files apart: two paths with the same id are
 * one file, whatever their names (a bind mount, a hard link). */
struct hr_file_id {
  dev_t dev;
  ino_t ino;
};
/* The id of `path` as lstat(2) sees it, kept like the above; false when it
 * cannot be looked up. */
bool hr_host_file_id(const char *path, struct hr_file_id *ret);
/* Where `path` (absolute, resolved) lies in its filesystem, as the mount
 * table tells it: the device of the mount it is in, in *ret_dev, and the
 * mount's root joined with the rest of the path, in `ret` (PATH_MAX
 * bytes).  Two paths of one device and one such path are one file,
 * however each is mounted.  0 or a negative errno; the table is read once
 * per apply. */
int hr_host_fs_path(const char *path, dev_t *ret_dev, char *ret);
/* The text of /proc/self/mountinfo, read once per apply: in *ret, valid
 * until the apply ends; outside one also in *ret_owned, for the caller to
 * free.  0 or a negative errno. */
int hr_host_mountinfo(const char **ret, char **ret_owned);
/* 0 when the mount table can be read, else a negative errno. */
int hr_host_mounts_ready(void);
/* For tests: `text` as the mount table until hr_host_resolve_end(). */
int hr_host__mounts_use(const char *text);
void hr_host_resolve_begin(void);
void hr_host_resolve_end(void);
/* mounts[i] read as runc reads it: its source ("" when absent), options
 * (array of strings or NULL) and whether runc binds it. */
int hr_mount_is_bind(const struct hr_json *m, size_t i, const char **ret_source,
                     struct hr_json **ret_options, bool *ret_bind, struct hr_error *err);
/* privileged's system paths, in hostmounts.c: proc mounted outside /proc,
 * sysfs and cgroupfs mounted writable. */
int hr_privileged_mounts(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err);
/* linux.resources.devices of a runc update body ({"linux": {"resources":
 * R}}), judged as at create by privileged's rule against "every device"
 * and host-devices' allowlist, each in its own mode; errors carry the
 * profile and the rule. */
int hr_update_devices_apply(struct hr_apply_ctx *ctx, struct hr_error *err);
/* host-namespaces' check of linux.cgroupsPath, in refusals-cgroup.c, in
 * the pid namespace's mode. */
int hr_hostns_cgroup_path(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err);
/* linux.resources.unified keys of the cgroup's core files ("cgroup.procs",
 * "cgroup.kill", ...), in `mode`; shared by host-namespaces on create and
 * pids-limit on update. */
int hr_cgroup_unified_core(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err);
/* Loops that take some items out of an array (or members out of an
 * object) leave item i where it is while they judge it and squeeze as
 * they go: a removal each would move the rest of the array every time,
 * quadratic in a hostile spec of 200,000 mounts or keys.  Use as the
 * loop's step, with *drop set by the body when item i goes:
 *
 *   for (i = 0; i < n; hr_rule_squeeze(node, i++, &drop, &kept)) ...
 *   hr_rule_squeeze_end(node, kept);
 *
 * Items at and after i are untouched until i is stepped over.  On an
 * error return in the middle the node is left half squeezed: callers drop
 * the document then. */
void hr_rule_squeeze(struct hr_json *node, size_t i, bool *drop, size_t *kept);
void hr_rule_squeeze_end(struct hr_json *node, size_t kept);
/* 1 with *ret_dir when runc's cgroupfs driver would put a container whose
 * cgroupsPath is `path` into a cgroup directory that holds a process or a
 * child cgroup, in any cgroup hierarchy `mountinfo` (the text of
 * /proc/self/mountinfo) lists; a relative path is cleaned as runc's
 * utils.CleanPath cleans it ("../x" is "x") and counts from the cgroups
 * of `self_cgroup` (the text of /proc/self/cgroup), on a cgroup2
 * hierarchy also from their parent (runc's v2 driver). */
int hr_cgroup_path_occupied(const char *mountinfo, const char *self_cgroup, const char *path,
                            char **ret_dir, struct hr_error *err);
int hr_rule_begin(const struct hr_json_doc *profile, const struct hr_json *section,
                  const char *const *keys, enum hr_rule_mode def, bool fix_ok,
                  enum hr_rule_mode *mode, const struct hr_json **ret_obj, struct hr_error *err);

#endif
