/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing a container's profile (see hardrun/select.h). */
#include "config.h"

#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/policy.h"
#include "hardrun/select.h"
#include "hardrun/utils.h"

/* ---- hardrun.conf's "profileRules" ----------------------------------------------- */

static void rule_free(struct hr_profile_rule *r)
{
  for (size_t i = 0; i < r->n_match; i++) {
    free(r->match[i].key);
    hr_strv_free(r->match[i].values);
  }
  free(r->match);
  free(r->profile);
  hr_strv_free(r->allow);
}

void hr_conf_free_rules(struct hr_conf *c)
{
  for (size_t i = 0; i < c->n_rules; i++)
    rule_free(&c->rules[i]);
  free(c->rules);
  c->rules = NULL;
  c->n_rules = 0;
}

static int profile_name(const struct hr_json_doc *doc, const struct hr_json *node, char **ret,
                        struct hr_error *err)
{
  const char *s;

  if (hr_profile_get_string(doc, node, &s, err) < 0)
    return -1;
  if (!hr_policy_name_valid(s))
    return hr_profile_path_error(doc, node, err, "invalid profile name \"%.80s\"", s);
  *ret = hr_strdup(s, err);
  return *ret != NULL ? 0 : -1;
}

static int parse_match(const struct hr_json_doc *doc, const struct hr_json *obj,
                       struct hr_profile_rule *r, struct hr_error *err)
{
  if (hr_profile_expect(doc, obj, HR_JSON_OBJECT, "an object of annotation values", err) < 0)
    return -1;
  if (obj->u.object.len > HR_PROFILE_MATCH_MAX)
    return hr_profile_path_error(doc, obj, err, "at most %u annotations per rule",
                                 HR_PROFILE_MATCH_MAX);
  r->match = hr_calloc(obj->u.object.len + 1, sizeof(*r->match), err);
  if (r->match == NULL)
    return -1;
  for (size_t i = 0; i < obj->u.object.len; i++) {
    const struct hr_json_member *m = &obj->u.object.items[i];
    struct hr_profile_match *out = &r->match[r->n_match++];

    if ((out->key = hr_strdup(m->key, err)) == NULL)
      return -1;
    /* One value, or any of several. */
    if (m->value->type == HR_JSON_STRING) {
      out->values = hr_calloc(2, sizeof(char *), err);
      if (out->values == NULL || (out->values[0] = hr_strdup(m->value->u.string.s, err)) == NULL)
        return -1;
      out->n_values = 1;
    } else if (hr_profile_get_strv(doc, m->value, &out->values, &out->n_values, err) < 0) {
      return -1;
    }
  }
  return 0;
}

static int parse_rule(const struct hr_json_doc *doc, const struct hr_json *node,
                      struct hr_profile_rule *r, struct hr_error *err)
{
  static const char *const keys[] = {"match", "profile", "allow", NULL};
  const struct hr_json *v;

  if (hr_profile_expect(doc, node, HR_JSON_OBJECT, "an object", err) < 0 ||
      hr_profile_check_keys(doc, node, keys, err) < 0)
    return -1;
  if ((v = hr_json_get(node, "match")) != NULL && parse_match(doc, v, r, err) < 0)
    return -1;
  if ((v = hr_json_get(node, "allow")) != NULL) {
    if (hr_profile_get_strv(doc, v, &r->allow, &r->n_allow, err) < 0)
      return -1;
    for (size_t i = 0; i < r->n_allow; i++)
      if (!hr_policy_name_valid(r->allow[i]))
        return hr_profile_path_error(doc, v->u.array.items[i], err,
                                     "invalid profile name \"%.80s\"", r->allow[i]);
  }
  /* Last: `policy check` removes what an error points at and parses the
   * rule again, and a rule without "profile" is dropped whole, so the
   * problems of its other members must come first. */
  if ((v = hr_json_get(node, "profile")) == NULL)
    return hr_profile_path_error(doc, node, err, "\"profile\" is required");
  return profile_name(doc, v, &r->profile, err);
}

int hr_conf_parse_rules(const struct hr_json_doc *doc, const struct hr_json *node,
                        struct hr_conf *c, struct hr_error *err)
{
  hr_conf_free_rules(c);
  if (hr_profile_expect(doc, node, HR_JSON_ARRAY, "an array of rules", err) < 0)
    return -1;
  if (node->u.array.len > HR_PROFILE_RULES_MAX)
    return hr_profile_path_error(doc, node, err, "at most %u rules", HR_PROFILE_RULES_MAX);
  c->rules = hr_calloc(node->u.array.len + 1, sizeof(*c->rules), err);
  if (c->rules == NULL)
    return -1;
  for (size_t i = 0; i < node->u.array.len; i++) {
    int r = parse_rule(doc, node->u.array.items[i], &c->rules[c->n_rules], err);
    c->n_rules++;
    if (r < 0)
      return -1;
  }
  return 0;
}

/* ---- selection ----------------------------------------------------------------- */

bool hr_profile_select_needs_spec(const struct hr_conf *conf, const char *buf, size_t len)
{
  const char *key = conf->profile_annotation ? conf->profile_annotation : HR_PROFILE_ANNOTATION;

  /* Without rules only the annotation can change the choice, and a spec
   * whose text does not hold its key cannot carry it.  (A key spelled with
   * \u escapes is missed: that only leaves a container under the profile
   * the admin chose anyway.) */
  return conf->n_rules > 0 || memmem(buf, len, key, strlen(key)) != NULL;
}

/* annotations is a Go map: keys match exactly. */
static const char *annotation(const struct hr_json *annotations, const char *key)
{
  if (annotations == NULL || annotations->type != HR_JSON_OBJECT)
    return NULL;
  for (size_t i = annotations->u.object.len; i-- > 0;) {
    const struct hr_json_member *m = &annotations->u.object.items[i];
    if (strcmp(m->key, key) == 0)
      return m->value->type == HR_JSON_STRING ? m->value->u.string.s : NULL;
  }
  return NULL;
}

static bool rule_matches(const struct hr_profile_rule *r, const struct hr_json *annotations)
{
  for (size_t i = 0; i < r->n_match; i++) {
    const char *v = annotation(annotations, r->match[i].key);
    bool any = false;
    for (size_t k = 0; v != NULL && k < r->match[i].n_values && !any; k++)
      any = strcmp(v, r->match[i].values[k]) == 0;
    if (!any)
      return false;
  }
  return true;
}

int hr_profile_select(const struct hr_conf *conf, const char *cli_profile,
                      const struct hr_json *annotations, const char **ret_name, long *ret_rule,
                      struct hr_error *err)
{
  const char *key = conf->profile_annotation ? conf->profile_annotation : HR_PROFILE_ANNOTATION;
  const struct hr_profile_rule *rule = NULL;
  const char *asked;
  char q[128];

  *ret_rule = -1;
  /* The runtime entry's own choice is the admin's, made per runtime. */
  if (cli_profile != NULL) {
    *ret_name = cli_profile;
    return 0;
  }
  *ret_name = conf->default_profile;
  for (size_t i = 0; i < conf->n_rules && rule == NULL; i++)
    if (rule_matches(&conf->rules[i], annotations)) {
      rule = &conf->rules[i];
      *ret_name = rule->profile;
      *ret_rule = (long)i;
    }
  asked = annotation(annotations, key);
  if (asked == NULL || strcmp(asked, *ret_name) == 0)
    return 0;
  for (size_t i = 0; rule != NULL && i < rule->n_allow; i++)
    if (strcmp(asked, rule->allow[i]) == 0) {
      *ret_name = rule->allow[i];
      return 0;
    }
  hr_quote(q, sizeof(q), asked, strlen(asked));
  if (rule == NULL)
    return hr_error_refused(err,
                            "annotations.\"%s\": profile %s is not allowed: no profileRules rule "
                            "matches this container, so it runs under \"%s\" or not at all",
                            key, q, *ret_name);
  return hr_error_refused(err,
                          "annotations.\"%s\": profile %s is not allowed by profileRules[%ld] "
                          "(profile \"%s\"%s)",
                          key, q, *ret_rule, rule->profile,
                          rule->n_allow ? ", see its \"allow\" list" : ", which allows no other");
}
