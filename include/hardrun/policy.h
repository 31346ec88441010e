/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_POLICY_H
#define HARDRUN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"
#include "hardrun/json.h"
#include "hardrun/lsm.h"
#include "hardrun/refusals.h"
#include "hardrun/seccomp.h"
#include "hardrun/select.h"
#include "hardrun/userns.h"

/* ---- hardrun.conf ------------------------------------------------------ */

/* The admin's configuration.  A missing file at the default path means
 * built-in defaults; a missing file named with --hardrun-config is an error,
 * and so is any unknown key or wrong type (file:line:col in the message). */
/* hardrun.conf's runtimeSeccompBpf: whether config.json also carries the
 * seccomp filter hardrun wrote as a compiled program, for a runtime that
 * loads it instead of compiling the filter on every start (crun's
 * run.oci.seccomp_bpf_data). */
enum hr_runtime_bpf {
  HR_RUNTIME_BPF_AUTO = 0, /* when the runtime's file name is "crun" */
  HR_RUNTIME_BPF_ALWAYS,
  HR_RUNTIME_BPF_NEVER,
};

struct hr_conf {
  char *path;                    /* the file read, or NULL when none existed */
  char *default_profile;         /* "defaultProfile", default "default" */
  char *runtime;                 /* "runtime", absolute; default: configure's --with-runtime */
  char **profile_dirs;           /* "profileDirs", searched in order; default:
                                    $(sysconfdir)/hardrun/profiles, $(datadir)/hardrun/profiles */
  char *audit_socket;            /* "auditSocket": syslog datagram socket, default "/dev/log";
                                    "" disables syslog */
  char *audit_file;              /* "auditFile": append one JSON line per decision; NULL = none */
  char *state_dir;               /* "stateDir": per-container records (profile of each container,
                                    for exec and update), default "/run/hardrun" */
  struct hr_profile_rule *rules; /* "profileRules" (select.h) */
  size_t n_rules;
  char *profile_annotation;        /* "profileAnnotation"; NULL: "org.hardrun.profile" */
  enum hr_runtime_bpf runtime_bpf; /* "runtimeSeccompBpf": "auto", "always" or "never" */
  char *src;                       /* hr_conf_load(): the bytes parsed, NULL when none were */
  size_t src_len;
};

int hr_conf_load(const char *path, struct hr_conf *ret, struct hr_error *err);
/* The same for a file held in memory; `name` is used in messages and
 * becomes conf->path. */
int hr_conf_parse(const char *buf, size_t len, const char *name, struct hr_conf *ret,
                  struct hr_error *err);
/* hardrun.conf's top-level keys (NULL-terminated), and the parse of one
 * member over `c`, as hr_conf_parse() does for each: for `policy check`,
 * which parses them one at a time to report every problem. */
extern const char *const hr_conf_keys[];
int hr_conf_parse_member(const struct hr_json_doc *doc, const struct hr_json_member *m,
                         struct hr_conf *c, struct hr_error *err);
/* Whether `runtime` (the path hardrun will exec) gets the compiled
 * filter, as `c` says. */
bool hr_conf_runtime_bpf(const struct hr_conf *c, const char *runtime);
/* Whether the runtime path names crun (its file name is "crun"): what
 * "auto" above goes by, and when hardrun refuses what crun 1.8 reads
 * otherwise than runc (argv, exec's user; see hardrun.c). */
bool hr_runtime_is_crun(const char *runtime);
/* The built-in configuration, as when no hardrun.conf exists. */
int hr_conf_defaults(struct hr_conf *ret, struct hr_error *err);
void hr_conf_free(struct hr_conf *conf);

/* ---- profiles ---------------------------------------------------------- */

/* A default applied when the spec sets nothing, and a ceiling that clamps
 * anything larger, "unlimited" included. */
struct hr_limit {
  bool has_default;
  int64_t def;
  bool has_ceiling;
  int64_t ceiling;
};

struct hr_policy_rootfs {
  bool enabled;
  char **tmpfs; /* clean absolute paths */
  size_t n_tmpfs;
  int64_t tmpfs_size;  /* bytes, > 0 */
  unsigned tmpfs_mode; /* e.g. 01777 */
};

struct hr_policy_caps {
  bool enabled;
  char **allow; /* normalised "CAP_XXX" names, validated with libcap-ng */
  size_t n_allow;
};

struct hr_policy_memory {
  bool enabled;
  struct hr_limit limit; /* linux.resources.memory.limit, bytes */
  struct hr_limit swap;  /* linux.resources.memory.swap (memory+swap), bytes */
};

struct hr_policy_cpu {
  bool enabled;
  struct hr_limit mcpus;  /* quota/period ratio in thousandths of a CPU */
  uint64_t period;        /* period to use when the spec has none (µs) */
  struct hr_limit shares; /* linux.resources.cpu.shares */
};

struct hr_policy_pids {
  bool enabled;
  struct hr_limit limit; /* linux.resources.pids.limit */
};

struct hr_policy_propagation {
  bool enabled;
  char *rootfs; /* value for linux.rootfsPropagation: "private" or "rprivate" */
};

struct hr_policy_user {
  bool enabled;
  enum hr_rule_mode root; /* a process running as uid 0: refuse, audit or off */
};

struct hr_policy {
  char *name; /* profile name */
  char *path; /* file it was read from */
  char *description;
  /* false ("enforce": false): every control runs and what it would change
   * or refuse is recorded, but config.json is left as it is. */
  bool enforce;
  /* Per row of hr_controls: the profile file its section came from (with
   * "extends", a parent's), NULL when the profile leaves it out. */
  char **sources;
  bool no_new_privileges;
  struct hr_policy_rootfs rootfs;
  struct hr_policy_caps caps;
  struct hr_policy_pids pids;
  struct hr_policy_memory memory;
  struct hr_policy_cpu cpu;
  struct hr_policy_propagation propagation;
  struct hr_policy_seccomp seccomp;
  struct hr_policy_apparmor apparmor;
  struct hr_policy_selinux selinux;
  struct hr_policy_refusals refusals;
  struct hr_policy_user user;
  struct hr_policy_userns userns;
};

/* Profile names are [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes; never a
 * path, so --hardrun-profile cannot point outside the profile directories. */
bool hr_policy_name_valid(const char *name);

/* Find NAME.json in conf->profile_dirs (first hit wins) and parse it. */
int hr_policy_load(const struct hr_conf *conf, const char *name, struct hr_policy **ret,
                   struct hr_error *err);
/* Parse a profile from memory; `filename` is used in messages.  A profile
 * that "extends" another is refused here: use hr_policy_parse_with(). */
int hr_policy_parse(const char *buf, size_t len, const char *filename, const char *name,
                    struct hr_policy **ret, struct hr_error *err);
/* The same, following "extends" through conf's profile directories. */
int hr_policy_parse_with(const struct hr_conf *conf, const char *buf, size_t len,
                         const char *filename, const char *name, struct hr_policy **ret,
                         struct hr_error *err);
void hr_policy_free(struct hr_policy *p);
void hr_policy_freep(struct hr_policy **p);
#define cleanup_policy __attribute__((cleanup(hr_policy_freep)))

/* ---- applying ---------------------------------------------------------- */

/* One change made to the spec, for the audit record: "path: old -> new". */
struct hr_change {
  const char *rule; /* control name (static) */
  char *path;       /* JSON path, e.g. "process.capabilities.bounding" */
  char *old_value;  /* compact JSON, or "(absent)" */
  char *new_value;
  bool audit_only; /* a finding of a rule in audit mode: nothing was changed,
                      old_value holds the finding, new_value is "" */
};

struct hr_changes {
  struct hr_change *items;
  size_t len, cap;
};

void hr_changes_free(struct hr_changes *c);
/* Drop the entries after the first `len` (a failed apply rolls back its
 * records; c may be NULL). */
void hr_changes_truncate(struct hr_changes *c, size_t len);

/* Apply every enabled control of `p` to the spec in `doc`, in table order.
 * On failure the error names the profile, the rule and the JSON path, and
 * the document must be discarded (it may be half edited in memory; nothing
 * is written by this function). */
int hr_policy_apply(const struct hr_policy *p, struct hr_json_doc *doc, struct hr_changes *changes,
                    struct hr_error *err);

/* The objects of an OCI config that Go decodes into maps, for
 * hr_json_check_go_keys(). */
extern const char *const hr_spec_map_paths[];
/* The runtime-spec's field names, for the same check (see controls.c). */
extern struct hr_json_fields hr_spec_fields;

#endif
