/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_CONTROLS_H
#define HARDRUN_CONTROLS_H

#include "hardrun/json.h"
#include "hardrun/policy.h"

struct hr_refusal_list;

/* The policy is a table: one row per control.  Loading a profile, applying
 * it on create, and (later) explaining it all walk this same table, so
 * enforcement and the dry run cannot drift apart. */

struct hr_apply_ctx {
  struct hr_json_doc *doc;
  struct hr_json *spec; /* root object of config.json */
  const struct hr_policy *policy;
  struct hr_changes *changes;
  const char *rule; /* name of the control being applied */
  /* The document holds only what a later command changes (runc update's
   * resources, runc exec's flags): an absent field, and for the limits a
   * 0, keeps the container's current value, so no default may be applied
   * and only what is given is checked against the ceilings. */
  bool overrides_only;
  /* With overrides_only on runc exec: the process came from --process.
   * runc reads a few fields from that file alone, an absent one being Go's
   * zero value (user: uid 0, noNewPrivileges: false); without --process it
   * takes them from the bundle's config.json, which create checked. */
  bool process_file;
  /* `policy explain`: a refusal is recorded here and the rule goes on as
   * in audit mode, so that every breach is reported.  NULL on create,
   * exec and update, where the first refusal ends the command. */
  struct hr_refusal_list *refusals;
  /* The id of the container being created, run or restored (or exec'ed
   * into), as hr_lsm_set_container() was given it; NULL where none is
   * known (`policy explain`). */
  const char *container_id;
};

/* Where a control applies besides config.json on create, run and restore,
 * where every row applies.  The driver presents the later command's
 * document as a spec: exec's process as {"process": P}, update's resources
 * as {"linux": {"resources": R}}; a row with one of these bits must look
 * only under that path. */
enum hr_scope {
  HR_SCOPE_PROCESS = 1 << 0,   /* runc exec: --process file or the flags */
  HR_SCOPE_RESOURCES = 1 << 1, /* runc update: --resources body or the flags */
};

struct hr_control {
  const char *name;        /* rule name in messages and audit: "capabilities" */
  const char *profile_key; /* top-level key in a profile: "capabilities" */
  const char *spec_path;   /* what it owns in config.json: "process.capabilities" */
  /* Read this control's section of a profile into `p`; errors carry the
   * profile's file:line:col. */
  int (*parse)(const struct hr_json_doc *profile, const struct hr_json *section,
               struct hr_policy *p, struct hr_error *err);
  bool (*enabled)(const struct hr_policy *p);
  int (*apply)(struct hr_apply_ctx *ctx, struct hr_error *err);
  /* Free what parse allocated in `p` (NULL when it allocates nothing). */
  void (*release)(struct hr_policy *p);
  const char *test; /* the unit test that covers it */
  unsigned scope;   /* enum hr_scope bits */
};

extern const struct hr_control hr_controls[];
extern const size_t hr_n_controls;

/* hr_policy_apply() for a later command: the enabled rows whose scope has
 * `scope`, in table order, on `doc` (the wrapped document), with the mode
 * bits (overrides_only, process_file) of `mode`.  Same errors and Go key
 * checks; on failure the entries added to `changes` are dropped.
 * (Implemented in process.c.) */
int hr_policy_apply_scope(const struct hr_policy *p, const struct hr_apply_ctx *mode,
                          unsigned scope, struct hr_json_doc *doc, struct hr_changes *changes,
                          struct hr_error *err);

/* Record a change (renders both nodes; `old` may be NULL = absent) and
 * replace obj[field] with `value`.  No change is recorded when old and new
 * render identically. */
int hr_apply_set(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field, const char *path,
                 struct hr_json *value, struct hr_error *err);
int hr_changes_add(struct hr_changes *c, const char *rule, const char *path,
                   const struct hr_json *old_value, const struct hr_json *new_value,
                   struct hr_error *err);
/* Record a finding of a rule in audit mode at `path` (nothing changes). */
int hr_apply_audit(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Fail with HR_ERR_REFUSED: "PATH: message".  The driver prefixes the
 * profile and the rule. */
int hr_apply_refuse(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A rule's refusal: with ctx->refusals (policy explain) it is recorded and
 * 0 is returned, so that the rule leaves the spec alone and goes on as in
 * audit mode; otherwise as hr_apply_refuse. */
int hr_apply_breach_refuse(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                           const char *msg);
int hr_changes_add_text(struct hr_changes *c, const char *rule, const char *path,
                        const char *old_value, const char *new_value, struct hr_error *err);

/* Profile-parsing helpers shared by the controls (implemented in policy.c).
 * Every error is HR_ERR_PROFILE and starts with "FILE:LINE:COL: ". */
int hr_profile_error(const struct hr_json_doc *profile, const struct hr_json *node,
                     struct hr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with the node's path in front of the message:
 * "FILE:LINE:COL: profileRules[2].allow[0]: message". */
int hr_profile_path_error(const struct hr_json_doc *profile, const struct hr_json *node,
                          struct hr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Refuse keys of `obj` not in the NULL-terminated `allowed` list (exact,
 * case-sensitive: profiles are ours, not Go's), suggesting the closest
 * allowed key ("did you mean"). */
int hr_profile_check_keys(const struct hr_json_doc *profile, const struct hr_json *obj,
                          const char *const *allowed, struct hr_error *err);
/* Type checks that report "expected X, got Y" at the node's position. */
int hr_profile_expect(const struct hr_json_doc *profile, const struct hr_json *node,
                      enum hr_json_type type, const char *what, struct hr_error *err);
int hr_profile_get_bool(const struct hr_json_doc *profile, const struct hr_json *node, bool *ret,
                        struct hr_error *err);
/* A string; the result points into the profile document. */
int hr_profile_get_string(const struct hr_json_doc *profile, const struct hr_json *node,
                          const char **ret, struct hr_error *err);
/* A non-negative integer (JSON integer), or, when `sizes`, also a size
 * string such as "64m" (binary units, exact). */
int hr_profile_get_int(const struct hr_json_doc *profile, const struct hr_json *node, bool sizes,
                       int64_t *ret, struct hr_error *err);
/* {"default": N, "ceiling": N}, both optional; refuses default > ceiling. */
int hr_profile_get_limit(const struct hr_json_doc *profile, const struct hr_json *node, bool sizes,
                         struct hr_limit *ret, struct hr_error *err);
/* A rule mode: "refuse", "fix", "audit" or "off". */
int hr_profile_get_mode(const struct hr_json_doc *profile, const struct hr_json *node,
                        enum hr_rule_mode *ret, struct hr_error *err);
/* Every control section is `false`, `true` (built-in defaults) or an object
 * whose keys must be in `keys` and may hold "enabled": bool.  Sets *on and
 * returns 1 when the caller must read the object's members, 0 for a
 * boolean, -1 on error. */
int hr_profile_section_begin(const struct hr_json_doc *profile, const struct hr_json *section,
                             const char *const *keys, bool *on, struct hr_error *err);
/* An array of strings, copied (NULL-terminated strv plus count). */
int hr_profile_get_strv(const struct hr_json_doc *profile, const struct hr_json *node, char ***ret,
                        size_t *ret_len, struct hr_error *err);

/* Per-control entry points (one file each under src/libhardrun/). */
int hr_rootfs_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                    struct hr_error *);
bool hr_rootfs_enabled(const struct hr_policy *);
int hr_rootfs_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_nnp_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                 struct hr_error *);
bool hr_nnp_enabled(const struct hr_policy *);
int hr_nnp_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_caps_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                  struct hr_error *);
bool hr_caps_enabled(const struct hr_policy *);
int hr_caps_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_pids_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                  struct hr_error *);
bool hr_pids_enabled(const struct hr_policy *);
int hr_pids_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_memory_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                    struct hr_error *);
bool hr_memory_enabled(const struct hr_policy *);
int hr_memory_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_cpu_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                 struct hr_error *);
bool hr_cpu_enabled(const struct hr_policy *);
int hr_cpu_apply(struct hr_apply_ctx *, struct hr_error *);

int hr_propagation_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,
                         struct hr_error *);
bool hr_propagation_enabled(const struct hr_policy *);
int hr_propagation_apply(struct hr_apply_ctx *, struct hr_error *);

/* Issue 3: kernel-facing controls. */
#define HR_CONTROL_DECL(prefix)                                                                    \
  int prefix##_parse(const struct hr_json_doc *, const struct hr_json *, struct hr_policy *,       \
                     struct hr_error *);                                                           \
  bool prefix##_enabled(const struct hr_policy *);                                                 \
  int prefix##_apply(struct hr_apply_ctx *, struct hr_error *);                                    \
  void prefix##_release(struct hr_policy *)

HR_CONTROL_DECL(hr_seccomp);
HR_CONTROL_DECL(hr_apparmor);
HR_CONTROL_DECL(hr_selinux);

/* Issue 4: refusals of what cannot be made safe. */
HR_CONTROL_DECL(hr_privileged);
HR_CONTROL_DECL(hr_hostns);
HR_CONTROL_DECL(hr_hostmounts);
HR_CONTROL_DECL(hr_hostdevices);
HR_CONTROL_DECL(hr_sysctls);
HR_CONTROL_DECL(hr_hooks);
HR_CONTROL_DECL(hr_rlimits);
HR_CONTROL_DECL(hr_oom);
HR_CONTROL_DECL(hr_secretenv);
HR_CONTROL_DECL(hr_sshd);
HR_CONTROL_DECL(hr_restore);
HR_CONTROL_DECL(hr_images);
HR_CONTROL_DECL(hr_annotations);

/* Issue 4: the user a process runs as (process.c). */
HR_CONTROL_DECL(hr_user);

/* Issue 3: user namespaces (userns.c). */
HR_CONTROL_DECL(hr_userns);

#endif
