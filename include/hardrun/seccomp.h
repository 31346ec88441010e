/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_SECCOMP_H
#define HARDRUN_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hr_error;
struct hr_json;
struct hr_json_doc;
struct hr_policy;

/* When the control writes its filter into linux.seccomp. */
enum hr_seccomp_mode {
  HR_SECCOMP_FILL = 0, /* only when the spec has none, or one that allows everything */
  HR_SECCOMP_REPLACE,  /* always */
};

/* The actions and operators runc 1.1 accepts, in the order of the name
 * tables in seccomp.c (hr_seccomp_action_name(), hr_seccomp_op_name()). */
enum hr_seccomp_action {
  HR_SCMP_ACT_KILL,
  HR_SCMP_ACT_KILL_THREAD,
  HR_SCMP_ACT_KILL_PROCESS,
  HR_SCMP_ACT_TRAP,
  HR_SCMP_ACT_ERRNO,
  HR_SCMP_ACT_TRACE,
  HR_SCMP_ACT_ALLOW,
  HR_SCMP_ACT_LOG,
};

enum hr_seccomp_op {
  HR_SCMP_CMP_NE,
  HR_SCMP_CMP_LT,
  HR_SCMP_CMP_LE,
  HR_SCMP_CMP_EQ,
  HR_SCMP_CMP_GE,
  HR_SCMP_CMP_GT,
  HR_SCMP_CMP_MASKED_EQ,
};

struct hr_seccomp_arg {
  unsigned index; /* 0..5 */
  enum hr_seccomp_op op;
  uint64_t value;
  uint64_t value_two;
};

/* One entry of "syscalls": the same action for every name. */
struct hr_seccomp_rule {
  const char **names; /* point into the filter's document */
  int *nrs;           /* their native numbers (libseccomp's negative pseudo
                         numbers for syscalls the native arch lacks) */
  size_t n_names;
  enum hr_seccomp_action action;
  bool has_errno_ret;
  unsigned errno_ret;
  struct hr_seccomp_arg *args;
  size_t n_args;
  size_t index;               /* position in the file's "syscalls", for messages */
  const struct hr_json *node; /* the entry in the file, for line:col */
};

/* A validated OCI linux.seccomp object, read from a seccomp profile file.
 * Names libseccomp does not know were removed from the rules (a rule left
 * without names is gone) and are listed in `dropped`. */
struct hr_seccomp_filter {
  /* The strings (names, dropped) point into one of these: the parsed file,
   * or, for a filter read back from the validation cache, its entry (the
   * rules then have no `node`). */
  struct hr_json_doc *doc;
  char *blob;
  bool from_cache;
  enum hr_seccomp_action default_action;
  bool has_default_errno_ret;
  unsigned default_errno_ret;
  const char **archs;    /* OCI names, "SCMP_ARCH_X86_64" (static strings) */
  uint32_t *arch_tokens; /* libseccomp's SCMP_ARCH_* for each */
  size_t n_archs;
  struct hr_seccomp_rule *rules;
  size_t n_rules;
  const char **dropped;
  size_t n_dropped;
  /* The classic BPF program libseccomp compiles the filter into, as runc
   * and crun do (hr_seccomp_filter_export), kept for a runtime that takes
   * it precompiled (see hr_seccomp_apply); NULL when the program is longer
   * than the kernel loads. */
  unsigned char *bpf;
  size_t bpf_len;
};

/* Profile settings of the "seccomp" control (owned by seccomp.c):
 *   "seccomp": true | false | {"enabled": bool, "profile": NAME, "mode": "fill" | "replace"}
 * NAME (default "default") names <profileDir>/seccomp/NAME.json, looked up
 * in hardrun.conf's profileDirs by hr_seccomp_load(). */
struct hr_policy_seccomp {
  bool enabled;
  /* Set by the caller, not by the profile: the runtime loads
   * HR_SECCOMP_BPF_ANNOTATION instead of compiling linux.seccomp
   * (hardrun.conf's runtimeSeccompBpf). */
  bool runtime_bpf;
  enum hr_seccomp_mode mode;
  char *profile;   /* NAME */
  char *path;      /* the file the filter was read from, once loaded */
  char *cache_dir; /* the validation cache, <stateDir>/seccomp; NULL for none */
  struct hr_seccomp_filter *filter;
};

/* Find, read and validate the seccomp profile named by an enabled seccomp
 * control of `p`: first hit of <dir>/seccomp/NAME.json over `profile_dirs`
 * (NULL terminated).  `state_dir` (hardrun.conf's stateDir; NULL for none)
 * holds the validation cache in <state_dir>/seccomp.  A no-op when the
 * control is disabled.
 * hr_policy_load() calls it; without it hr_seccomp_apply fails. */
int hr_seccomp_load(struct hr_policy *p, const char *const *profile_dirs, const char *state_dir,
                    struct hr_error *err);

/* Parse and validate a seccomp profile held in memory; `filename` is used
 * in messages ("FILE:LINE:COL: syscalls[3].action: ...").  Every name is
 * resolved with libseccomp for every listed architecture (unknown ones are
 * dropped, see hr_seccomp_filter.dropped), and the whole filter is compiled
 * with libseccomp into a memfd, never installed.  With `cache_dir` (NULL:
 * no cache), a filter that passed all of this is remembered there, and a
 * later call with the very same bytes (and the same hardrun, libseccomp and
 * kernel) reads it back instead of validating again; see seccomp-cache.c. */
int hr_seccomp_filter_parse(const char *buf, size_t len, const char *filename,
                            const char *cache_dir, struct hr_seccomp_filter **ret,
                            struct hr_error *err);
/* Compile the filter with libseccomp the way runc 1.1 does and write the
 * classic BPF program to `fd` (seccomp_export_bpf). */
int hr_seccomp_filter_export(const struct hr_seccomp_filter *f, int fd, struct hr_error *err);
void hr_seccomp_filter_free(struct hr_seccomp_filter *f);

/* The OCI linux.seccomp object of a filter, as a new node of `doc`. */
struct hr_json *hr_seccomp_filter_to_json(const struct hr_seccomp_filter *f,
                                          struct hr_json_doc *doc, struct hr_error *err);

/* Whether a spec's linux.seccomp (absent or null included) confines
 * nothing as runc would install it, so that "fill" writes the profile's
 * filter: absent, disabled ({} or an empty defaultAction with no rules),
 * an allowing default action (SCMP_ACT_ALLOW, SCMP_ACT_LOG) whatever its
 * rules deny, SCMP_ACT_NOTIFY, or an allowlist that lets through a system
 * call of a fixed set that Docker's default filter blocks too (mount,
 * unshare, setns, keyctl, bpf, clone with CLONE_NEWUSER...; see
 * must_block[] in seccomp.c).  Wrong types are HR_ERR_INPUT naming the
 * JSON path. */
int hr_seccomp_spec_unconfined(const struct hr_json *seccomp, bool *ret, struct hr_error *err);
/* The same, with the reason: *leak is the call of that set the allowlist
 * lets through, or NULL (the whole filter lets every call through, or it
 * confines). */
int hr_seccomp_spec_leak(const struct hr_json *seccomp, bool *ret, const char **leak,
                         struct hr_error *err);

/* crun's annotation: base64 of a classic BPF program it loads in place of
 * compiling linux.seccomp. */
#define HR_SECCOMP_BPF_ANNOTATION "run.oci.seccomp_bpf_data"
/* Whether `value` (an annotation's value node) is exactly what the seccomp
 * control of `p` may write under HR_SECCOMP_BPF_ANNOTATION: the base64 of
 * the program of the profile's filter, or, for a runtime that takes the
 * program (runtime_bpf), of the filter in `spec`'s linux.seccomp.  The
 * runtime-annotations rule lets that one through; the seccomp control then
 * keeps it only beside the filter it was compiled from. */
bool hr_seccomp_bpf_is_ours(const struct hr_policy *p, const struct hr_json *spec,
                            const struct hr_json *value);

const char *hr_seccomp_action_name(enum hr_seccomp_action a);
const char *hr_seccomp_op_name(enum hr_seccomp_op op);

#endif
