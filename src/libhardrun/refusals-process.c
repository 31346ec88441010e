/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refusal rules that look at the container's process: rlimits, oom,
 * secret-env and sshd.  The rules about the host (devices, namespaces,
 * sysctls, hooks, privileged) are in refusals.c, host mounts in
 * hostmounts.c. */
#include "config.h"
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hardrun/controls.h"
#include "hardrun/utils.h"

/* ---- rlimits ---------------------------------------------------------------------------- */

/* The names runc 1.1 accepts (exactly, case-sensitive). */
static const char *const rlimit_types[] = {
    "RLIMIT_AS",
    "RLIMIT_CORE",
    "RLIMIT_CPU",
    "RLIMIT_DATA",
    "RLIMIT_FSIZE",
    "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_NOFILE",
    "RLIMIT_NPROC",
    "RLIMIT_RSS",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
    "RLIMIT_SIGPENDING",
    "RLIMIT_STACK",
    NULL,
};

/* Built-in ceilings only: a default would have to be raised above the
 * caller's hard limit on some hosts, which fails without CAP_SYS_RESOURCE.
 * 1048576 is the kernel's default fs.nr_open.  RLIMIT_RTPRIO lets a process
 * without CAP_SYS_NICE take a real-time policy, whose threads the CFS quota
 * of the cpu control does not bound (and, without RT group scheduling,
 * nothing does): 0, the kernel's default, keeps them out. */
static const struct hr_rlimit_rule default_rlimits[] = {
    {.type = "RLIMIT_NOFILE", .has_ceiling = true, .ceiling = 1048576},
    {.type = "RLIMIT_NPROC", .has_ceiling = true, .ceiling = 65536},
    {.type = "RLIMIT_RTPRIO", .has_ceiling = true, .ceiling = 0},
};

static const char *rlimit_static_name(const char *name)
{
  for (size_t i = 0; rlimit_types[i] != NULL; i++)
    if (strcmp(rlimit_types[i], name) == 0)
      return rlimit_types[i];
  return NULL;
}

static int rlimit_rule(const struct hr_json_doc *profile, const struct hr_json_member *m,
                       struct hr_rlimit_rule *ret, struct hr_error *err)
{
  static const char *const keys[] = {"default", "defaultSoft", "ceiling", NULL};
  const struct hr_json *def, *soft, *ceil;
  int64_t v;

  if (hr_profile_check_keys(profile, m->value, keys, err) < 0)
    return -1;
  *ret = (struct hr_rlimit_rule){.type = rlimit_static_name(m->key)};
  def = hr_json_get(m->value, "default");
  soft = hr_json_get(m->value, "defaultSoft");
  ceil = hr_json_get(m->value, "ceiling");
  if (def != NULL) {
    if (hr_profile_get_int(profile, def, false, &v, err) < 0)
      return -1;
    ret->has_default = true;
    ret->def_hard = ret->def_soft = (uint64_t)v;
  }
  if (soft != NULL) {
    if (def == NULL)
      return hr_profile_error(profile, soft, err, "rlimits.limits.%s: defaultSoft needs a default",
                              m->key);
    if (hr_profile_get_int(profile, soft, false, &v, err) < 0)
      return -1;
    if ((uint64_t)v > ret->def_hard)
      return hr_profile_error(profile, soft, err,
                              "rlimits.limits.%s: defaultSoft is above the default (hard) limit",
                              m->key);
    ret->def_soft = (uint64_t)v;
  }
  if (ceil != NULL) {
    if (hr_profile_get_int(profile, ceil, false, &v, err) < 0)
      return -1;
    ret->has_ceiling = true;
    ret->ceiling = (uint64_t)v;
    if (ret->has_default && ret->def_hard > ret->ceiling)
      return hr_profile_error(profile, def, err, "rlimits.limits.%s: default is above the ceiling",
                              m->key);
  }
  return 0;
}

static int rlimit_rules(const struct hr_json_doc *profile, const struct hr_json *node,
                        struct hr_rule_rlimits *r, struct hr_error *err)
{
  if (node == NULL) {
    r->limits = hr_calloc(HR_ARRAY_SIZE(default_rlimits), sizeof(*r->limits), err);
    if (r->limits == NULL)
      return -1;
    memcpy(r->limits, default_rlimits, sizeof(default_rlimits));
    r->n_limits = HR_ARRAY_SIZE(default_rlimits);
    return 0;
  }
  if (hr_profile_check_keys(profile, node, rlimit_types, err) < 0)
    return -1;
  r->limits = hr_calloc(node->u.object.len + 1, sizeof(*r->limits), err);
  if (r->limits == NULL)
    return -1;
  for (size_t i = 0; i < node->u.object.len; i++) {
    if (hr_profile_expect(profile, node->u.object.items[i].value, HR_JSON_OBJECT,
                          "an object {\"default\", \"defaultSoft\", \"ceiling\"}", err) < 0 ||
        rlimit_rule(profile, &node->u.object.items[i], &r->limits[i], err) < 0)
      return -1;
    r->n_limits++;
  }
  return 0;
}

int hr_rlimits_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "limits", NULL};
  struct hr_rule_rlimits *r = &p->refusals.rlimits;
  const struct hr_json *obj;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_FIX, true, &mode, &obj, err) < 0)
    return -1;
  hr_rlimits_release(p);
  if (rlimit_rules(profile, obj != NULL ? hr_json_get(obj, "limits") : NULL, r, err) < 0)
    return -1;
  r->mode = mode;
  return 0;
}

bool hr_rlimits_enabled(const struct hr_policy *p)
{
  return p->refusals.rlimits.mode != HR_MODE_OFF;
}

void hr_rlimits_release(struct hr_policy *p)
{
  free(p->refusals.rlimits.limits);
  p->refusals.rlimits.limits = NULL;
  p->refusals.rlimits.n_limits = 0;
}

static int spec_u64(const struct hr_json *obj, const char *field, const char *path, uint64_t *ret,
                    struct hr_error *err)
{
  struct hr_json *v;

  if (hr_rule_spec_get(obj, field, HR_JSON_NUMBER, path, &v, err) < 0)
    return -1;
  *ret = 0;
  if (v != NULL && hr_json_get_u64(v, ret) < 0)
    return hr_error_input(err, "%s: expected an unsigned integer, got %.64s", path,
                          v->u.number.text);
  return 0;
}

static int set_u64(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                   const char *path, uint64_t v, struct hr_error *err)
{
  struct hr_json *node = hr_json_new_u64(ctx->doc, v, err);

  return node == NULL ? -1 : hr_apply_set(ctx, obj, field, path, node, err);
}

static int rlimit_ceiling(struct hr_apply_ctx *ctx, struct hr_json *e, size_t i,
                          const struct hr_rlimit_rule *rule, struct hr_error *err)
{
  char path[64], p[80];
  uint64_t hard, soft;
  int rc;

  hr_field_path(path, sizeof(path), "process.rlimits", i, "");
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".hard");
  if (spec_u64(e, "hard", p, &hard, err) < 0)
    return -1;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".soft");
  if (spec_u64(e, "soft", p, &soft, err) < 0)
    return -1;
  if (!rule->has_ceiling || (hard <= rule->ceiling && soft <= rule->ceiling))
    return 0;
  rc = hr_rule_breach(ctx, ctx->policy->refusals.rlimits.mode, path, err,
                      "%s (soft %" PRIu64 ", hard %" PRIu64 ") is above the ceiling %" PRIu64,
                      rule->type, soft, hard, rule->ceiling);
  if (rc <= 0)
    return rc;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".hard");
  if (hard > rule->ceiling && set_u64(ctx, e, "hard", p, rule->ceiling, err) < 0)
    return -1;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".soft");
  if (soft > rule->ceiling && set_u64(ctx, e, "soft", p, rule->ceiling, err) < 0)
    return -1;
  return 0;
}

static int rlimit_default(struct hr_apply_ctx *ctx, struct hr_json *process,
                          const struct hr_rlimit_rule *rule, struct hr_error *err)
{
  char text[128];
  struct hr_json *e;

  snprintf(text, sizeof(text), "{\"type\":\"%s\",\"hard\":%" PRIu64 ",\"soft\":%" PRIu64 "}",
           rule->type, rule->def_hard, rule->def_soft);
  e = hr_json_new_from_text(ctx->doc, text, err);
  return e == NULL ? -1 : hr_rule_append_item(ctx, process, "rlimits", "process.rlimits", e, err);
}

int hr_rlimits_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_rlimits *r = &ctx->policy->refusals.rlimits;
  struct hr_json *process, *list;

  if (hr_rule_spec_process(ctx, &process, err) < 0)
    return -1;
  if (process == NULL)
    return 0;
  if (hr_rule_spec_get_array_of(process, "rlimits", HR_JSON_OBJECT, "process.rlimits", &list, err) <
      0)
    return -1;
  for (size_t k = 0; k < r->n_limits; k++) {
    const struct hr_rlimit_rule *rule = &r->limits[k];
    bool seen = false;
    for (size_t i = 0; list != NULL && i < list->u.array.len; i++) {
      const char *type;
      char p[64];
      hr_field_path(p, sizeof(p), "process.rlimits", i, ".type");
      if (hr_rule_spec_string(list->u.array.items[i], "type", p, &type, err) < 0)
        return -1;
      if (strcmp(type, rule->type) != 0)
        continue;
      seen = true;
      if (rlimit_ceiling(ctx, list->u.array.items[i], i, rule, err) < 0)
        return -1;
    }
    /* A default is no breach: it is what the profile gives a container
     * that asks for nothing, so only an audit leaves it out. */
    if (!seen && rule->has_default && r->mode != HR_MODE_AUDIT) {
      if (rlimit_default(ctx, process, rule, err) < 0)
        return -1;
      if (hr_rule_spec_get(process, "rlimits", HR_JSON_ARRAY, "process.rlimits", &list, err) < 0)
        return -1;
    }
  }
  return 0;
}

/* ---- oom ---------------------------------------------------------------------------------- */

int hr_oom_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                 struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "minScoreAdj", NULL};
  struct hr_rule_oom *r = &p->refusals.oom;
  const struct hr_json *obj, *min;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_FIX, true, &mode, &obj, err) < 0)
    return -1;
  r->min_score_adj = 0;
  min = obj != NULL ? hr_json_get(obj, "minScoreAdj") : NULL;
  if (min != NULL) {
    if (hr_profile_expect(profile, min, HR_JSON_NUMBER, "an integer from -1000 to 1000", err) < 0)
      return -1;
    if (hr_json_get_i64(min, &r->min_score_adj) < 0 || r->min_score_adj < -1000 ||
        r->min_score_adj > 1000)
      return hr_profile_error(profile, min, err,
                              "oom.minScoreAdj: expected an integer from -1000 to 1000");
  }
  r->mode = mode;
  return 0;
}

bool hr_oom_enabled(const struct hr_policy *p)
{
  return p->refusals.oom.mode != HR_MODE_OFF;
}

void hr_oom_release(struct hr_policy *p)
{
  (void)p;
}

static int oom_killer(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err)
{
  const char *path = "linux.resources.memory.disableOOMKiller";
  struct hr_json *linux_obj, *res = NULL, *mem = NULL, *v = NULL;
  int rc;

  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0 ||
      (linux_obj != NULL && hr_rule_spec_get(linux_obj, "resources", HR_JSON_OBJECT,
                                             "linux.resources", &res, err) < 0) ||
      (res != NULL &&
       hr_rule_spec_get(res, "memory", HR_JSON_OBJECT, "linux.resources.memory", &mem, err) < 0) ||
      (mem != NULL && hr_rule_spec_get(mem, "disableOOMKiller", HR_JSON_BOOL, path, &v, err) < 0))
    return -1;
  if (v == NULL || !v->u.boolean)
    return 0;
  rc = hr_rule_breach(ctx, mode, path, err,
                      "a container out of memory would hang holding its memory instead of "
                      "being killed");
  return rc <= 0 ? rc : hr_rule_set_bool(ctx, mem, "disableOOMKiller", path, false, err);
}

int hr_oom_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_oom *r = &ctx->policy->refusals.oom;
  struct hr_json *process, *v;
  int64_t adj;
  bool present;
  int rc;

  if (oom_killer(ctx, r->mode, err) < 0 || hr_rule_spec_process(ctx, &process, err) < 0)
    return -1;
  if (process == NULL ||
      hr_rule_spec_i64(process, "oomScoreAdj", "process.oomScoreAdj", &present, &adj, err) < 0)
    return process == NULL ? 0 : -1;
  if (!present || adj >= r->min_score_adj)
    return 0;
  rc = hr_rule_breach(ctx, r->mode, "process.oomScoreAdj", err,
                      "%" PRId64 " is below %" PRId64
                      ": the host's OOM killer would pick other processes first",
                      adj, r->min_score_adj);
  if (rc <= 0)
    return rc;
  v = hr_json_new_i64(ctx->doc, r->min_score_adj, err);
  return v == NULL ? -1 : hr_apply_set(ctx, process, "oomScoreAdj", "process.oomScoreAdj", v, err);
}

/* ---- secret-env ------------------------------------------------------------------------- */

static const char *const default_secret_patterns[] = {"*PASSWORD*", "*SECRET*", "*TOKEN*", "*_KEY"};

int hr_secretenv_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                       struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "patterns", "allow", NULL};
  struct hr_rule_secretenv *r = &p->refusals.secretenv;
  const struct hr_json *obj;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_AUDIT, true, &mode, &obj, err) < 0 ||
      hr_rule_strv_or_default(profile, obj, "patterns", default_secret_patterns,
                              HR_ARRAY_SIZE(default_secret_patterns), &r->patterns, &r->n_patterns,
                              err) < 0 ||
      hr_rule_strv_or_default(profile, obj, "allow", NULL, 0, &r->allow, &r->n_allow, err) < 0)
    return -1;
  r->mode = mode;
  return 0;
}

bool hr_secretenv_enabled(const struct hr_policy *p)
{
  return p->refusals.secretenv.mode != HR_MODE_OFF;
}

void hr_secretenv_release(struct hr_policy *p)
{
  hr_rule_strv_free(&p->refusals.secretenv.patterns, &p->refusals.secretenv.n_patterns);
  hr_rule_strv_free(&p->refusals.secretenv.allow, &p->refusals.secretenv.n_allow);
}

/* The pattern the variable's name matches, or NULL.  Only the name is
 * looked at, and only the name ever reaches a message or the audit
 * record: the value is the secret. */
static const char *secret_pattern(const struct hr_rule_secretenv *r, const char *name)
{
  if (hr_rule_strv_contains(r->allow, r->n_allow, name))
    return NULL;
  for (size_t i = 0; i < r->n_patterns; i++)
    if (fnmatch(r->patterns[i], name, FNM_CASEFOLD) == 0)
      return r->patterns[i];
  return NULL;
}

int hr_secretenv_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_secretenv *r = &ctx->policy->refusals.secretenv;
  struct hr_json *process, *env;
  size_t kept = 0;
  bool drop = false;

  if (hr_rule_spec_process(ctx, &process, err) < 0)
    return -1;
  if (process == NULL)
    return 0;
  if (hr_rule_spec_get_array_of(process, "env", HR_JSON_STRING, "process.env", &env, err) < 0)
    return -1;
  for (size_t i = 0; env != NULL && i < env->u.array.len; hr_rule_squeeze(env, i++, &drop, &kept)) {
    const char *s = env->u.array.items[i]->u.string.s, *eq = strchr(s, '='), *pat;
    cleanup_free char *name = hr_strndup(s, eq != NULL ? (size_t)(eq - s) : strlen(s), err);
    char path[64], q[HR_QUOTE_MAX], qp[HR_QUOTE_MAX];
    int rc;

    if (name == NULL)
      return -1;
    pat = secret_pattern(r, name);
    if (pat == NULL)
      continue;
    hr_field_path(path, sizeof(path), "process.env", i, "");
    rc = hr_rule_breach(ctx, r->mode, path, err,
                        "variable %s looks like a secret (matches %s); pass secrets as files",
                        hr_quote(q, sizeof(q), name, strlen(name)),
                        hr_quote(qp, sizeof(qp), pat, strlen(pat)));
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    /* The change record names the variable, never its value. */
    if (hr_changes_add_text(ctx->changes, ctx->rule, path, q, NULL, err) < 0)
      return -1;
    drop = true;
  }
  hr_rule_squeeze_end(env, kept);
  return 0;
}

/* ---- sshd ---------------------------------------------------------------------------------- */

int hr_sshd_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                  struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", NULL};
  const struct hr_json *obj;

  return hr_rule_begin(profile, section, keys, HR_MODE_AUDIT, false, &p->refusals.sshd.mode, &obj,
                       err);
}

bool hr_sshd_enabled(const struct hr_policy *p)
{
  return p->refusals.sshd.mode != HR_MODE_OFF;
}

void hr_sshd_release(struct hr_policy *p)
{
  (void)p;
}

/* ---- checkpoint-restore --------------------------------------------------------------------- */

int hr_restore_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", NULL};
  const struct hr_json *obj;

  return hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, false, &p->refusals.restore.mode,
                       &obj, err);
}

bool hr_restore_enabled(const struct hr_policy *p)
{
  return p->refusals.restore.mode != HR_MODE_OFF;
}

void hr_restore_release(struct hr_policy *p)
{
  (void)p;
}

/* Nothing in config.json says how a restored process runs: the spec's
 * namespaces, mounts and cgroups are hardened as on create, but CRIU puts
 * back the capability sets, securebits, no_new_privs and seccomp filters
 * of the checkpoint image, whoever made it. */
int hr_restore_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_restore *r = &ctx->policy->refusals.restore;

  if (!r->restoring)
    return 0;
  return hr_rule_breach(ctx, r->mode, "process", err,
                        "runc restore gives the restored processes the capabilities, "
                        "no_new_privs and seccomp filters stored in the checkpoint image, not "
                        "those of config.json, and hardrun cannot check the image") < 0
             ? -1
             : 0;
}

/* True when a word of `arg` (split as a shell would split a simple command
 * line) is a program named sshd: "/usr/sbin/sshd -D", "exec sshd". */
static bool runs_sshd(const char *arg)
{
  static const char *const seps = " \t\n;&|()<>`'\"$";
  const char *w = arg;

  while (*w != '\0') {
    size_t n;
    w += strspn(w, seps);
    n = strcspn(w, seps);
    if (n == 0)
      break;
    const char *base = w + n;
    while (base > w && base[-1] != '/')
      base--;
    if ((size_t)(w + n - base) == 4 && strncmp(base, "sshd", 4) == 0)
      return true;
    w += n;
  }
  return false;
}

int hr_sshd_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *process, *args;

  if (hr_rule_spec_process(ctx, &process, err) < 0)
    return -1;
  if (process == NULL)
    return 0;
  if (hr_rule_spec_get_array_of(process, "args", HR_JSON_STRING, "process.args", &args, err) < 0)
    return -1;
  for (size_t i = 0; args != NULL && i < args->u.array.len; i++) {
    char path[64];
    if (!runs_sshd(args->u.array.items[i]->u.string.s))
      continue;
    hr_field_path(path, sizeof(path), "process.args", i, "");
    return hr_rule_breach(ctx, ctx->policy->refusals.sshd.mode, path, err,
                          "the container runs sshd (CIS Docker Benchmark 5.7: use docker exec)") < 0
               ? -1
               : 0;
  }
  return 0;
}
