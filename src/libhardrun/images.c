/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "images" rule: image provenance, where the runtime can see it.
 *
 * containerd's CRI plugin names the image of each container in an
 * annotation (io.kubernetes.cri.image-name).  dockerd passes nothing of the
 * kind, so under docker the rule can only see that the name is missing;
 * there, docker's own content trust is the tool. */
#include "config.h"

#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/refusals.h"
#include "hardrun/utils.h"

#define IMAGE_ANNOTATION "io.kubernetes.cri.image-name"
#define IMAGE_MAX        4096

int hr_images_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                    struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode",          "allow", "annotation",
                                     "missing", "requireDigest", NULL};
  struct hr_rule_images *r = &p->refusals.images;
  const struct hr_json *obj, *v;
  enum hr_rule_mode mode;

  hr_images_release(p);
  *r = (struct hr_rule_images){.missing = HR_MODE_AUDIT};
  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, false, &mode, &obj, err) < 0)
    return -1;
  r->mode = mode;
  if (obj == NULL && mode == HR_MODE_OFF)
    return 0;
  if (obj == NULL)
    return hr_profile_error(profile, section, err,
                            "images: an \"allow\" list is required (registries as \"host/\", "
                            "namespaces as \"host/path/\", repositories as \"host/path/name\")");
  if ((v = hr_json_get(obj, "allow")) == NULL)
    return hr_profile_error(profile, obj, err, "images: \"allow\" is required");
  if (hr_profile_get_strv(profile, v, &r->allow, &r->n_allow, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_allow; i++)
    if (r->allow[i][0] == '\0' || strpbrk(r->allow[i], ":@ ") != NULL)
      return hr_profile_error(profile, v, err,
                              "images.allow: \"%.120s\" is not a registry, namespace or "
                              "repository (no tag or digest)",
                              r->allow[i]);
  if ((v = hr_json_get(obj, "annotation")) != NULL) {
    const char *s;
    if (hr_profile_get_string(profile, v, &s, err) < 0 ||
        (r->annotation = hr_strdup(s, err)) == NULL)
      return -1;
  }
  if ((v = hr_json_get(obj, "missing")) != NULL &&
      hr_rule_parse_mode(profile, v, false, &r->missing, err) < 0)
    return -1;
  if ((v = hr_json_get(obj, "requireDigest")) != NULL &&
      hr_profile_get_bool(profile, v, &r->require_digest, err) < 0)
    return -1;
  return 0;
}

bool hr_images_enabled(const struct hr_policy *p)
{
  return p->refusals.images.mode != HR_MODE_OFF;
}

void hr_images_release(struct hr_policy *p)
{
  struct hr_rule_images *r = &p->refusals.images;

  hr_rule_strv_free(&r->allow, &r->n_allow);
  free(r->annotation);
  r->annotation = NULL;
}

/* "host/" and "host/path/" cover what lies below them; "host/path/name"
 * is one repository, with any tag or digest and nothing else: a name
 * that merely starts with it ("name-evil", "name/sub") is another one. */
static bool allowed(const struct hr_rule_images *r, const char *ref)
{
  size_t n = strlen(ref);

  for (size_t i = 0; i < r->n_allow; i++) {
    const char *a = r->allow[i];
    size_t m = strlen(a);
    if (m > n || memcmp(ref, a, m) != 0)
      continue;
    if (a[m - 1] == '/' || ref[m] == '\0' || ref[m] == ':' || ref[m] == '@')
      return true;
  }
  return false;
}

int hr_images_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_images *r = &ctx->policy->refusals.images;
  const char *key = r->annotation != NULL ? r->annotation : IMAGE_ANNOTATION;
  const struct hr_json *ann = hr_json_get(ctx->spec, "annotations"), *v = NULL;
  char q[HR_QUOTE_MAX];

  /* annotations is a Go map: keys match exactly; the last one wins. */
  for (size_t i = 0; ann != NULL && ann->type == HR_JSON_OBJECT && i < ann->u.object.len; i++)
    if (strcmp(ann->u.object.items[i].key, key) == 0)
      v = ann->u.object.items[i].value;
  if (v == NULL || v->type != HR_JSON_STRING || v->u.string.s[0] == '\0')
    return hr_rule_breach(ctx, r->missing, "annotations", err,
                          "no image name in annotation \"%s\" (dockerd passes none; use docker "
                          "content trust there)",
                          key) < 0
               ? -1
               : 0;
  hr_quote(q, sizeof(q), v->u.string.s, v->u.string.len);
  if (v->u.string.len > IMAGE_MAX || !allowed(r, v->u.string.s))
    return hr_rule_breach(ctx, r->mode, "annotations", err,
                          "image %s is not from an allowed registry or repository", q) < 0
               ? -1
               : 0;
  if (r->require_digest && strstr(v->u.string.s, "@sha256:") == NULL)
    return hr_rule_breach(ctx, r->mode, "annotations", err,
                          "image %s is not pinned by digest (@sha256:...)", q) < 0
               ? -1
               : 0;
  return 0;
}
