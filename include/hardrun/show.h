/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_SHOW_H
#define HARDRUN_SHOW_H

/* `hardrun policy show`: the effective profile, every built-in default
 * filled in, and where each value comes from. */

#include <stddef.h>

#include "hardrun/error.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

/* The effective settings of a parsed profile as a profile object, every
 * key written out: parsing the result gives the same policy.  A control
 * that is off is `false`.  The object is a new node of `doc`. */
struct hr_json *hr_policy_effective(const struct hr_policy *p, struct hr_json_doc *doc,
                                    struct hr_error *err);

/* One value of the effective profile or of hardrun.conf. */
struct hr_show_value {
  char *key;    /* "pids.ceiling", "hostNamespaces.namespaces.cgroup", "runtime" */
  char *value;  /* compact JSON */
  char *source; /* "FILE:LINE:COL", "built-in", or "absent" (a control left out: off) */
};

struct hr_show {
  char *conf_path; /* hardrun.conf read, NULL when there was none */
  struct hr_show_value *conf;
  size_t n_conf;
  char *profile, *profile_path;
  char **shadowed; /* files of the same name in later profileDirs, unused */
  size_t n_shadowed;
  char **inherited; /* the files of profiles it "extends" that give sections */
  size_t n_inherited;
  char *seccomp_path; /* the seccomp profile the profile names, or NULL */
  struct hr_json_doc *doc;
  struct hr_json *effective; /* hr_policy_effective() of the profile, in doc */
  struct hr_show_value *items;
  size_t n_items;
};

/* Load profile `name` as create would (conf's profileDirs, first hit) and
 * describe it.  Writes nothing (no seccomp cache).  Fails as loading the
 * profile would. */
int hr_policy_show(const struct hr_conf *conf, const char *name, struct hr_show *ret,
                   struct hr_error *err);
void hr_show_free(struct hr_show *s);

/* The stable JSON form (documented in hardrun(8)), one line, malloc'ed. */
int hr_show_format_json(const struct hr_show *s, char **ret, struct hr_error *err);

#endif
