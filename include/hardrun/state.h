/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_STATE_H
#define HARDRUN_STATE_H

/* What hardrun keeps about a running container, and the later commands
 * that need it: `runc exec` and `runc update` must be held to the profile
 * the container was created with, which only create knows. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/argv.h"
#include "hardrun/error.h"
#include "hardrun/policy.h"

/* ---- per-container records (state.c) ---------------------------------------
 *
 * One JSON file per container: <stateDir>/<root key>/<id>.json, where the
 * root key is 16 hex digits of a hash of runc's --root (absolute, as runc
 * makes it), so that two runc roots holding the same id do not meet; the
 * record repeats the root and a record of another root is ignored.  The
 * directories are made 0700 and must be owned by hardrun's user and
 * writable by nobody else: whoever can write a record chooses the profile
 * of the next exec. */

/* runc's own check (libcontainer validateID): ^[\w+-\.]+$ (the class holds
 * the range '+'..'.', so ',' too), and not "." or "..".  hardrun also needs
 * <id>.json and its temporary name to fit in a file name. */
#define HR_STATE_ID_MAX 230
bool hr_state_id_valid(const char *id);

/* The CPU bandwidth hardrun last passed to runc update, which runc keeps
 * and reuses when a later update gives only a quota or only a period. */
struct hr_state_cpu {
  bool known;
  int64_t quota;
  uint64_t period;
};

struct hr_state_record {
  char *id;
  char *root;         /* absolute runc root */
  char *profile;      /* profile name */
  char *profile_path; /* the file it was read from at create */
  char *bundle;       /* absolute bundle path */
  char *created;      /* RFC 3339 UTC time of the create */
  struct hr_state_cpu cpu;
};

void hr_state_record_free(struct hr_state_record *r);

/* runc's --root as runc resolves it: "/run/runc" when absent, a relative
 * one (even "") against the current directory, then cleaned lexically. */
int hr_state_root_abs(const char *root, char **ret, struct hr_error *err);

/* Write `rec` (id and root from the record) atomically, mode 0600, making
 * the directories.  Fails on an id runc would refuse or that is too long. */
int hr_state_save(const char *state_dir, const struct hr_state_record *rec, struct hr_error *err);

/* Read the record of (root, id).  Returns 1 and fills *ret when there is
 * one, 0 when there is none (or it belongs to another root), -1 on error
 * (including a record that is not well formed: it is never guessed). */
int hr_state_load(const char *state_dir, const char *root, const char *id,
                  struct hr_state_record *ret, struct hr_error *err);

/* Remove the record of (root, id); an absent one is not an error. */
int hr_state_remove(const char *state_dir, const char *root, const char *id, struct hr_error *err);

/* ---- wrapping (process.c, shared with update.c) ------------------------------
 *
 * A later command's document is shown to the controls as a spec, so that
 * the rows that harden config.json work on it unchanged: the text becomes
 * head + document + tail ({"process": P}, {"linux":{"resources": R}}).
 * The document is first parsed alone (one object, the bounds of
 * config.json); after the controls, the wrapper is stripped again and the
 * whitespace around the original object is kept, so an untouched subtree
 * keeps its bytes. */
struct hr_wrap {
  const char *head, *tail;      /* compact, without whitespace */
  size_t max_size;              /* bound of the document alone */
  const char *const *map_paths; /* its Go maps, for hr_json_check_go_keys() */
};

/* Errors are prefixed `profile "P": rule "spec-syntax"` (or "spec-keys"),
 * with line:col of the document alone. */
int hr_wrap_parse(const struct hr_wrap *w, const char *buf, size_t len, const char *name,
                  const char *profile, struct hr_json_doc **ret, struct hr_error *err);
int hr_wrap_serialize(const struct hr_wrap *w, const struct hr_json_doc *doc, const char *orig,
                      size_t orig_len, char **ret, size_t *ret_len, struct hr_error *err);

/* ---- exec (process.c) ---------------------------------------------------------
 *
 * The controls whose scope has HR_SCOPE_PROCESS, applied to what runc exec
 * will run. */

/* The process JSON of `exec --process` held in `buf` ("name" for messages),
 * with the bounds of config.json.  On success *ret_out is the new document,
 * or NULL when nothing changed. */
int hr_exec_harden_buffer(const char *buf, size_t len, const char *name,
                          const struct hr_policy *policy, struct hr_changes *changes,
                          char **ret_out, size_t *ret_out_len, struct hr_error *err);

/* Rewrite the `--process` file at `path` in place, atomically (same mode and
 * owner), when anything changed.  A symlink, a FIFO or a device is refused. */
int hr_exec_harden_file(const char *path, const struct hr_policy *policy,
                        struct hr_changes *changes, struct hr_error *err);

/* exec without --process: runc starts from the bundle's config.json (which
 * create hardened) and applies --cap, --no-new-privs, --apparmor,
 * --process-label and --user on top.  Those flags are checked with the same
 * controls and rewritten in a->runtime_argv: --cap values outside the
 * allowlist are dropped, --no-new-privs is added, a --user the profile
 * forbids is refused. */
int hr_exec_harden_flags(struct hr_argv *a, const struct hr_policy *policy,
                         struct hr_changes *changes, struct hr_error *err);

/* runc's <root_abs>/<id>/state.json, parsed, in *ret (read without
 * following a symlink); NULL when runc has none for the id (not runc, or
 * no such container: runc then fails on its own).  Both checks below take
 * it, so that exec reads it once. */
int hr_exec_read_state(const char *root_abs, const char *id, struct hr_json_doc **ret,
                       struct hr_error *err);
/* runc 1.1's exec without --process takes config.json from the directory of
 * the first "bundle" label in runc's `state` (hr_exec_read_state), and a
 * spec's annotations come before runc's own label there: a container
 * created with an annotation "bundle" (or "bundle=...") would exec with a
 * process from any directory.  Refused (HR_ERR_REFUSED, naming the label)
 * when a label before the last one has the key "bundle"; 0 when there is
 * none or `state` is NULL.  `what` prefixes the message. */
int hr_exec_check_bundle_label(const struct hr_json_doc *state, const char *what,
                               struct hr_error *err);
/* runc 1.1's exec without --process reads the process from the config.json
 * of the bundle its state names (runc's own "bundle" label) as that file is
 * then, not as create left it: a config.json rewritten since (every
 * capability, no no_new_privs) would be the new process.  Refused
 * (HR_ERR_REFUSED, naming the profile, the rule and the field) when a
 * process control of `policy` would change that process as it would a
 * --process file; 0 when nothing would change or `state` is NULL. */
int hr_exec_check_bundle_process(const struct hr_json_doc *state, const struct hr_policy *policy,
                                 struct hr_error *err);
/* exec's --cgroup (PATH or CONTROLLERS:PATH) puts the process in a cgroup
 * below the container's.  runc refuses a path that climbs out of it; crun
 * 1.8 joins it as given, so "../../.." is the host's root cgroup, past the
 * limits.  Refused (HR_ERR_REFUSED, after `what`): any ".." component. */
int hr_exec_check_cgroup(const struct hr_argv *a, const char *what, struct hr_error *err);

/* ---- update (update.c) --------------------------------------------------------
 *
 * The controls whose scope has HR_SCOPE_RESOURCES, in ceiling-only mode:
 * to runc update an absent or 0 value means "unchanged", so only what is
 * given is clamped, and lowering a limit always passes. */

#define HR_UPDATE_MAX_SIZE HR_JSON_DEFAULT_MAX_SIZE

/* A LinuxResources body (`update --resources`).  `now` is the container's
 * current CPU bandwidth when known, used when the body gives only a quota
 * or only a period.  *ret_out is the new body or NULL when unchanged;
 * *ret_cpu the bandwidth runc will be left with, when the body sets it. */
int hr_update_harden_buffer(const char *buf, size_t len, const char *name,
                            const struct hr_policy *policy, const struct hr_state_cpu *now,
                            struct hr_changes *changes, char **ret_out, size_t *ret_out_len,
                            struct hr_state_cpu *ret_cpu, struct hr_error *err);

/* `update` with --resources FILE or -: read the body (stdin, or FILE
 * following symlinks as runc does), clamp it, and hand it to runc in a
 * sealed memfd that becomes runc's stdin: *ret_stdin_fd (the caller
 * dup2()s it to 0), and the flag in runtime_argv becomes "--resources=-".
 * runc reads the body only after the exec, so the caller's file is never
 * read twice and nothing is left behind.
 *
 * Without --resources: the limit flags (--pids-limit, --memory,
 * --memory-swap, --cpu-quota, --cpu-period, --cpu-share) are read the way
 * runc reads them and rewritten in runtime_argv (*ret_stdin_fd = -1). */
int hr_update_harden(struct hr_argv *a, const struct hr_policy *policy,
                     const struct hr_state_cpu *now, struct hr_changes *changes,
                     struct hr_state_cpu *ret_cpu, int *ret_stdin_fd, struct hr_error *err);

/* The flag form alone, for tests. */
int hr_update_harden_flags(struct hr_argv *a, const struct hr_policy *policy,
                           const struct hr_state_cpu *now, struct hr_changes *changes,
                           struct hr_state_cpu *ret_cpu, struct hr_error *err);

/* The CPU bandwidth of a spec (`linux.resources.cpu` quota and period, both
 * set) in `buf`, e.g. the bundle's config.json that create hardened. */
int hr_update_cpu_from_spec(const char *buf, size_t len, struct hr_state_cpu *ret,
                            struct hr_error *err);

#endif
