/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_EXPLAIN_H
#define HARDRUN_EXPLAIN_H

/* `hardrun policy explain`: what create would do to a config.json, with
 * nothing written.  It walks the same control table with the same apply
 * functions as create (hr_policy_explain beside hr_policy_apply in
 * controls.c); the one difference is that a refusal is recorded instead
 * of ending the walk, so that every refusal is shown. */

#include <stdbool.h>
#include <stddef.h>

#include "hardrun/error.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

struct hr_refusal {
  const char *rule; /* control name (static) */
  char *message;    /* "json.path: problem", as the rule words it */
  char *full;       /* `profile "P": rule "R": json.path: problem`, create's error */
};

struct hr_refusal_list {
  struct hr_refusal *items;
  size_t len, cap;
};

void hr_refusal_list_free(struct hr_refusal_list *l);

/* hr_policy_apply() as a dry run: the enabled controls in table order on
 * `doc`, each refusal recorded in `refusals` (the rule then leaves the
 * spec alone, as in audit mode, and goes on).  The first refusal is the
 * one create would fail with, word for word.  Fails only on what is not a
 * refusal (a malformed spec, a system error), as create would. */
int hr_policy_explain(const struct hr_policy *p, struct hr_json_doc *doc,
                      struct hr_changes *changes, struct hr_refusal_list *refusals,
                      struct hr_error *err);

/* The result of explaining one config.json. */
struct hr_explain {
  char *config;              /* what was read: "<bundle>/config.json", FILE, or "-" */
  char *profile;             /* the profile create would apply; NULL when none was chosen */
  char *profile_path;        /* its file */
  struct hr_changes changes; /* in table order, so grouped by rule */
  struct hr_refusal_list refusals;
  bool rewrite; /* create would rewrite config.json (allowed, enforcing, something changed) */
};

/* Explain on <bundle>/config.json (read exactly as create reads it) or on
 * `file` ("-": standard input), whichever is non-NULL, under `profile`, or
 * when that is NULL under the profile create would choose (hardrun.conf's
 * profileRules, else defaultProfile).  A choice the rules refuse is the
 * one refusal, of rule "profile-selection".  Nothing is written anywhere:
 * no seccomp cache, and the user-namespace control only reads the slices
 * in use under conf->state_dir to show the one a container would get.
 * Fails with HR_ERR_INPUT, HR_ERR_PROFILE or HR_ERR_SYSTEM when the
 * document or the profile cannot be read (create would fail the same
 * way). */
int hr_explain_config(const struct hr_conf *conf, const char *profile, const char *bundle,
                      const char *file, struct hr_explain *ret, struct hr_error *err);
void hr_explain_free(struct hr_explain *e);

/* The stable JSON form (documented in hardrun(8)), one line, malloc'ed. */
int hr_explain_format_json(const struct hr_explain *e, char **ret, struct hr_error *err);

#endif
