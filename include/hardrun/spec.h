/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_SPEC_H
#define HARDRUN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "hardrun/error.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

#define HR_SPEC_MAX_SIZE  (16u * 1024 * 1024)
#define HR_SPEC_MAX_DEPTH 64u

/* Read <bundle>/config.json (a regular file, not a symlink, bounded), parse
 * it as runc would, apply `policy`, and, when anything changed, replace it
 * atomically.  On any failure config.json is byte-identical to before and no
 * temp file remains.  `bundle` NULL means the current directory. */
int hr_spec_harden_bundle(const char *bundle, const struct hr_policy *policy,
                          struct hr_changes *changes, struct hr_error *err);

/* The same on a config.json already read by hr_spec_read_bundle() (`dirfd`,
 * `*buf`, `len`, `st`), so that the profile is chosen on the very bytes
 * that are hardened.  The buffer is taken over: *buf is NULL after. */
int hr_spec_harden_read(const char *bundle, int dirfd, char **buf, size_t len,
                        const struct stat *st, const struct hr_policy *policy,
                        struct hr_changes *changes, struct hr_error *err);

/* The in-memory half: parse a config.json held in `buf` and apply `policy`.
 * On success *ret_out holds the new document (NULL when nothing changed). */
int hr_spec_harden_buffer(const char *buf, size_t len, const char *name,
                          const struct hr_policy *policy, struct hr_changes *changes,
                          char **ret_out, size_t *ret_out_len, struct hr_error *err);

/* policy explain's half: the same parse, then hr_policy_explain() (every
 * refusal recorded, nothing kept).  *ret_rewrite tells whether create
 * would rewrite config.json. */
struct hr_refusal_list;
int hr_spec_explain_buffer(const char *buf, size_t len, const char *name,
                           const struct hr_policy *policy, struct hr_changes *changes,
                           struct hr_refusal_list *refusals, bool *ret_rewrite,
                           struct hr_error *err);

/* The profile for a new container whose config.json is `buf`, when the
 * command line names none: hardrun.conf's profileRules on its
 * annotations, else defaultProfile (hardrun/select.h).  *ret is
 * malloc'ed.  A choice the rules refuse is HR_ERR_REFUSED, prefixed with
 * rule "profile-selection". */
int hr_spec_choose_profile(const struct hr_conf *conf, const char *buf, size_t len, char **ret,
                           struct hr_error *err);

/* Open the bundle directory (O_PATH, kept in *ret_dirfd) and read its
 * config.json (a regular file, not a symlink, at most HR_SPEC_MAX_SIZE). */
struct stat;
int hr_spec_read_bundle(const char *bundle, int *ret_dirfd, char **ret_buf, size_t *ret_len,
                        struct stat *ret_st, struct hr_error *err);

#endif
