/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "runtime-annotations" rule: annotations the runtime itself acts on.
 *
 * The spec's other fields are hardened, but runc and crun also read
 * instructions from annotations, where no other control looks:
 *
 * - crun's run.oci.*: seccomp_bpf_data replaces the spec's seccomp filter
 *   with raw BPF, seccomp.plugins dlopen()s host libraries in crun,
 *   hooks.stdout/stderr create host files as root, keep_original_groups
 *   keeps the caller's supplementary groups, handler swaps the executor;
 * - org.systemd.property.* (runc and crun, systemd cgroup driver): unit
 *   properties that override the limits (TasksMax, MemoryMax, ...);
 * - org.criu.config (runc checkpoint/restore): CRIU's configuration file,
 *   whose action-script runs on the host as root;
 * - module.wasm.image/variant (crun): the wasm handler.
 *
 * And runc 1.1 keeps annotations as "key=value" labels beside its own
 * "bundle=DIR", and splits them at the first '='.  A key "bundle" (or
 * "bundle=...") comes first in that list, so `runc exec` without --process
 * loads the process, capabilities and all, from the config.json of a
 * directory the spec chose; any key with a '=' means another key to runc.
 * Those two are refused whatever the allowlist says. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/refusals.h"
#include "hardrun/seccomp.h"
#include "hardrun/utils.h"

/* An entry ending in '.' or '/' is a prefix, any other an exact key. */
static const char *const default_deny[] = {
    "run.oci.",
    "org.systemd.property.",
    "org.criu.config",
    "module.wasm.image/variant",
};

/* What the daemons add themselves, each harmless: CRI-O (systemd cgroup
 * manager) and podman set the unit's stop timeout, garbage collection,
 * ordering and kill signal; none of them touches a limit. */
static const char *const default_allow[] = {
    "org.systemd.property.TimeoutStopUSec",     "org.systemd.property.CollectMode",
    "org.systemd.property.DefaultDependencies", "org.systemd.property.After",
    "org.systemd.property.KillSignal",
};

static bool is_prefix_entry(const char *s, size_t n)
{
  return n > 0 && (s[n - 1] == '.' || s[n - 1] == '/');
}

int hr_annotations_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                         struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "deny", "allow", NULL};
  struct hr_rule_annotations *r = &p->refusals.annotations;
  const struct hr_json *obj;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, true, &mode, &obj, err) < 0 ||
      hr_rule_strv_or_default(profile, obj, "deny", default_deny, HR_ARRAY_SIZE(default_deny),
                              &r->deny, &r->n_deny, err) < 0 ||
      hr_rule_strv_or_default(profile, obj, "allow", default_allow, HR_ARRAY_SIZE(default_allow),
                              &r->allow, &r->n_allow, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_deny; i++)
    if (r->deny[i][0] == '\0')
      return hr_profile_error(profile, hr_json_get(obj, "deny"), err,
                              "runtimeAnnotations.deny: an empty entry would match nothing");
  for (size_t i = 0; i < r->n_allow; i++)
    if (strcmp(r->allow[i], "bundle") == 0 || strchr(r->allow[i], '=') != NULL)
      return hr_profile_error(profile, hr_json_get(obj, "allow"), err,
                              "runtimeAnnotations.allow: \"%.120s\" cannot be allowed: runc "
                              "reads it as its own bundle label or as another key",
                              r->allow[i]);
  r->mode = mode;
  return 0;
}

bool hr_annotations_enabled(const struct hr_policy *p)
{
  return p->refusals.annotations.mode != HR_MODE_OFF;
}

void hr_annotations_release(struct hr_policy *p)
{
  struct hr_rule_annotations *r = &p->refusals.annotations;

  hr_rule_strv_free(&r->deny, &r->n_deny);
  hr_rule_strv_free(&r->allow, &r->n_allow);
}

/* The deny entry `key` falls under, or NULL. */
static const char *denied(const struct hr_rule_annotations *r, const char *key, size_t len)
{
  if (hr_rule_strv_contains(r->allow, r->n_allow, key))
    return NULL;
  for (size_t i = 0; i < r->n_deny; i++) {
    const char *d = r->deny[i];
    size_t n = strlen(d);
    if (is_prefix_entry(d, n) ? len >= n && memcmp(key, d, n) == 0 : strcmp(key, d) == 0)
      return d;
  }
  return NULL;
}

/* Why runc or crun would act on `key`, or NULL. */
static const char *reason(const struct hr_rule_annotations *r, const char *key, size_t len,
                          char *buf, size_t size)
{
  const char *d;

  if (strcmp(key, "bundle") == 0)
    return "is runc's own label for the bundle directory (runc exec would load its "
           "process from there)";
  if (memchr(key, '=', len) != NULL)
    return "holds a '=': runc splits annotations into labels at the first '=' and would "
           "read another key";
  d = denied(r, key, len);
  if (d == NULL)
    return NULL;
  snprintf(buf, size, "is read by the runtime itself (\"%.64s\" in runtimeAnnotations.deny)", d);
  return buf;
}

/* The compiled filter hardrun itself writes for crun (a create run again
 * on a bundle it hardened finds it): the seccomp control, which comes
 * later, keeps it only beside the very filter it was compiled from. */
static bool hardrun_bpf(const struct hr_policy *p, const struct hr_json *spec,
                        const struct hr_json_member *m)
{
  return strcmp(m->key, HR_SECCOMP_BPF_ANNOTATION) == 0 &&
         hr_seccomp_bpf_is_ours(p, spec, m->value);
}

int hr_annotations_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_annotations *r = &ctx->policy->refusals.annotations;
  struct hr_json *map;
  size_t kept = 0;
  bool drop = false;

  if (hr_rule_spec_get(ctx->spec, "annotations", HR_JSON_OBJECT, "annotations", &map, err) < 0)
    return -1;
  for (size_t i = 0; map != NULL && i < map->u.object.len;
       hr_rule_squeeze(map, i++, &drop, &kept)) {
    const struct hr_json_member *m = &map->u.object.items[i];
    size_t len = strlen(m->key);
    char q[HR_QUOTE_MAX], path[HR_QUOTE_MAX + 32], why[160];
    const char *because = reason(r, m->key, len, why, sizeof(why));
    bool typed = m->value->type == HR_JSON_STRING || m->value->type == HR_JSON_NULL;
    int rc;

    if ((because == NULL && typed) || hardrun_bpf(ctx->policy, ctx->spec, m))
      continue;
    hr_quote(q, sizeof(q), m->key, len);
    snprintf(path, sizeof(path), "annotations[%s]", q);
    /* map[string]string: runc's decode fails on anything else. */
    if (!typed)
      return hr_error_input(err, "%s: expected a string", path);
    rc = hr_rule_breach(ctx, r->mode, path, err, "annotation %s %s", q, because);
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    if (hr_changes_add(ctx->changes, ctx->rule, path, m->value, NULL, err) < 0)
      return -1;
    drop = true;
  }
  hr_rule_squeeze_end(map, kept);
  return 0;
}
