/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_SELECT_H
#define HARDRUN_SELECT_H

/* Which profile a container gets.
 *
 * --hardrun-profile (dockerd's runtimeArgs) names it outright.  Otherwise
 * hardrun.conf's "profileRules" are tried in order on the spec's
 * annotations, first match wins, and defaultProfile applies when none
 * matches.  A container's own annotation (profileAnnotation, default
 * "org.hardrun.profile") may then pick another profile, but only one that
 * the matching rule lists in "allow": a container can never choose a
 * profile the admin did not allow for it, and a request that cannot be
 * honoured refuses the container rather than running it under another. */

#include <stdbool.h>
#include <stddef.h>

#include "hardrun/error.h"
#include "hardrun/json.h"

#define HR_PROFILE_ANNOTATION "org.hardrun.profile"
#define HR_PROFILE_RULES_MAX  256u
#define HR_PROFILE_MATCH_MAX  16u

struct hr_profile_match {
  char *key;
  char **values; /* any of them, exactly */
  size_t n_values;
};

struct hr_profile_rule {
  struct hr_profile_match *match; /* every one must hold; none: always */
  size_t n_match;
  char *profile;
  char **allow; /* what the container's annotation may pick */
  size_t n_allow;
};

struct hr_conf;

/* "profileRules" of hardrun.conf (errors carry file:line:col). */
int hr_conf_parse_rules(const struct hr_json_doc *doc, const struct hr_json *node,
                        struct hr_conf *c, struct hr_error *err);
void hr_conf_free_rules(struct hr_conf *c);

/* True when the choice depends on the spec: rules exist, or the spec's
 * text mentions the profile annotation (`buf` is config.json). */
bool hr_profile_select_needs_spec(const struct hr_conf *conf, const char *buf, size_t len);

/* The profile for a spec whose annotations object is `annotations` (NULL
 * when it has none).  *ret_name points into conf or the annotations;
 * *ret_rule is the rule's index, or -1.  A refusal is HR_ERR_REFUSED and
 * names the annotation. */
int hr_profile_select(const struct hr_conf *conf, const char *cli_profile,
                      const struct hr_json *annotations, const char **ret_name, long *ret_rule,
                      struct hr_error *err);

#endif
