/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hardrun policy explain|check|show`: print what explain.c, check.c and
 * show.c computed. */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "hardrun/check.h"
#include "hardrun/controls.h"
#include "hardrun/explain.h"
#include "hardrun/show.h"
#include "hardrun/utils.h"

/* Paths longer than this do not push every other line to the right. */
#define PATH_COLUMN_MAX 40

/* The profile explain and show apply: --profile, else --hardrun-profile,
 * else hardrun.conf's defaultProfile, as create would choose. */
static const char *profile_name(const struct hr_argv *a, const struct hr_tool_args *t,
                                const struct hr_conf *conf)
{
  if (t->profile != NULL)
    return t->profile;
  return a->hardrun_profile != NULL ? a->hardrun_profile : conf->default_profile;
}

/* ---- explain ------------------------------------------------------------------ */

static int path_width(const struct hr_explain *e)
{
  size_t w = 0;

  for (size_t i = 0; i < e->changes.len; i++) {
    size_t n = strlen(e->changes.items[i].path) + 1;
    if (n > w && n <= PATH_COLUMN_MAX)
      w = n;
  }
  return (int)w;
}

/* One rule's refusals, changes and findings, under the rule's name. */
static void explain_rule(const struct cmd_out *o, const struct hr_explain *e, const char *rule,
                         int width)
{
  bool header = false;

#define HEADER()                                                                                   \
  do {                                                                                             \
    if (!header)                                                                                   \
      fprintf(o->f, "%s%s%s\n", cmd_sgr(o, CMD_BOLD), rule, cmd_sgr(o, CMD_RESET));                \
    header = true;                                                                                 \
  } while (0)
  for (size_t i = 0; i < e->refusals.len; i++) {
    if (strcmp(e->refusals.items[i].rule, rule) != 0)
      continue;
    HEADER();
    fprintf(o->f, "  %sREFUSED%s %s\n", cmd_sgr(o, CMD_RED), cmd_sgr(o, CMD_RESET),
            e->refusals.items[i].message);
  }
  for (size_t i = 0; i < e->changes.len; i++) {
    const struct hr_change *c = &e->changes.items[i];
    char path[HR_ERROR_MSG_MAX];
    if (strcmp(c->rule, rule) != 0)
      continue;
    HEADER();
    snprintf(path, sizeof(path), "%s:", c->path);
    if (c->audit_only)
      fprintf(o->f, "  %-*s %sAUDIT%s %s\n", width, path, cmd_sgr(o, CMD_YELLOW),
              cmd_sgr(o, CMD_RESET), c->old_value);
    else
      fprintf(o->f, "  %-*s %s -> %s%s%s\n", width, path, c->old_value, cmd_sgr(o, CMD_GREEN),
              c->new_value, cmd_sgr(o, CMD_RESET));
  }
#undef HEADER
}

static void explain_verdict(const struct cmd_out *o, const struct hr_explain *e)
{
  size_t findings = 0;

  for (size_t i = 0; i < e->changes.len; i++)
    findings += e->changes.items[i].audit_only;
  if (e->refusals.len > 0) {
    fprintf(o->f, "\nverdict: %srefused%s (%zu refusal%s): runc would not run; %s\n",
            cmd_sgr(o, CMD_RED), cmd_sgr(o, CMD_RESET), e->refusals.len,
            e->refusals.len == 1 ? "" : "s", "config.json would be left as it is");
    fprintf(o->f, "create would report: hardrun: %s\n", e->refusals.items[0].full);
    return;
  }
  fprintf(o->f, "\nverdict: %sallowed%s (%zu change%s, %zu finding%s): %s\n", cmd_sgr(o, CMD_GREEN),
          cmd_sgr(o, CMD_RESET), e->changes.len - findings,
          e->changes.len - findings == 1 ? "" : "s", findings, findings == 1 ? "" : "s",
          e->rewrite ? "config.json would be rewritten" : "config.json would be left as it is");
}

static void explain_text(const struct cmd_out *o, const struct hr_explain *e)
{
  int width = path_width(e);

  fprintf(o->f, "config:  %s\n", e->config);
  if (e->profile != NULL)
    fprintf(o->f, "profile: %s (%s)\n\n", e->profile, e->profile_path);
  else
    fprintf(o->f, "profile: none chosen\n\n");
  if (e->changes.len == 0 && e->refusals.len == 0)
    fprintf(o->f, "no rule changes or refuses anything\n");
  explain_rule(o, e, "profile-selection", width);
  for (size_t i = 0; i < hr_n_controls; i++)
    explain_rule(o, e, hr_controls[i].name, width);
  explain_verdict(o, e);
}

int cmd_policy_explain(const struct hr_argv *a, const struct hr_tool_args *t)
{
  struct hr_conf conf = {0};
  struct hr_explain e = {0};
  struct hr_error err = {0};
  cleanup_free char *json = NULL;
  struct cmd_out o;
  const char *profile = t->profile != NULL ? t->profile : a->hardrun_profile;
  int rc;

  cmd_out_init(&o);
  if (cmd_conf(a, &conf, &err) < 0)
    return cmd_fail(&err);
  if (hr_explain_config(&conf, profile, t->bundle, t->n_args ? t->args[0] : NULL, &e, &err) < 0)
    rc = cmd_fail(&err);
  else if (t->format == HR_FORMAT_JSON && hr_explain_format_json(&e, &json, &err) < 0)
    rc = cmd_fail(&err);
  else
    rc = e.refusals.len > 0 ? CMD_FINDINGS : CMD_OK;
  if (rc != CMD_ERROR && json != NULL)
    fprintf(o.f, "%s\n", json);
  else if (rc != CMD_ERROR)
    explain_text(&o, &e);
  hr_explain_free(&e);
  hr_conf_free(&conf);
  return rc;
}

/* ---- check ---------------------------------------------------------------------- */

int cmd_policy_check(const struct hr_argv *a, const struct hr_tool_args *t)
{
  struct hr_conf conf = {0};
  struct hr_problems problems = {0};
  struct hr_error err = {0};
  bool have_conf;
  int rc = CMD_OK;

  /* A broken hardrun.conf must not keep check from checking it: seccomp
   * profiles are then only looked up next to each file. */
  have_conf = cmd_conf(a, &conf, &err) == 0;
  if (!have_conf)
    fprintf(stderr, "hardrun: %s (seccomp profiles are looked up next to each file only)\n",
            err.msg);
  for (size_t i = 0; i < t->n_args && rc != CMD_ERROR; i++)
    if (hr_check_file(t->args[i], have_conf ? (const char *const *)conf.profile_dirs : NULL,
                      &problems, &err) < 0)
      rc = cmd_fail(&err);
  for (size_t i = 0; i < problems.len; i++) {
    const struct hr_problem *p = &problems.items[i];
    printf("%s:%u:%u: %s\n", p->file, p->line, p->col, p->message);
  }
  if (rc == CMD_OK && problems.len > 0)
    rc = CMD_FINDINGS;
  hr_problems_free(&problems);
  if (have_conf)
    hr_conf_free(&conf);
  return rc;
}

/* ---- show ----------------------------------------------------------------------- */

static void show_values(const struct cmd_out *o, const struct hr_show_value *v, size_t n,
                        const char *indent)
{
  int kw = 0, sw = 0;

  for (size_t i = 0; i < n; i++) {
    int k = (int)strlen(v[i].key), s = (int)strlen(v[i].source);
    kw = k > kw && k <= PATH_COLUMN_MAX ? k : kw;
    sw = s > sw ? s : sw;
  }
  for (size_t i = 0; i < n; i++) {
    bool builtin = strcmp(v[i].source, "built-in") == 0 || strcmp(v[i].source, "absent") == 0;
    fprintf(o->f, "%s%-*s  %s%-*s%s  %s\n", indent, kw, v[i].key,
            builtin ? cmd_sgr(o, CMD_DIM) : "", sw, v[i].source,
            builtin ? cmd_sgr(o, CMD_RESET) : "", v[i].value);
  }
}

static void show_text(const struct cmd_out *o, const struct hr_show *s)
{
  fprintf(o->f, "%shardrun.conf%s: %s\n", cmd_sgr(o, CMD_BOLD), cmd_sgr(o, CMD_RESET),
          s->conf_path != NULL ? s->conf_path : "none (built-in defaults)");
  show_values(o, s->conf, s->n_conf, "  ");
  fprintf(o->f, "\n%sprofile \"%s\"%s: %s\n", cmd_sgr(o, CMD_BOLD), s->profile,
          cmd_sgr(o, CMD_RESET), s->profile_path);
  for (size_t i = 0; i < s->n_inherited; i++)
    fprintf(o->f, "  extends %s\n", s->inherited[i]);
  for (size_t i = 0; i < s->n_shadowed; i++)
    fprintf(o->f, "  (hides %s)\n", s->shadowed[i]);
  if (s->seccomp_path != NULL)
    fprintf(o->f, "  seccomp profile: %s\n", s->seccomp_path);
  show_values(o, s->items, s->n_items, "  ");
}

int cmd_policy_show(const struct hr_argv *a, const struct hr_tool_args *t)
{
  struct hr_conf conf = {0};
  struct hr_show s = {0};
  struct hr_error err = {0};
  cleanup_free char *json = NULL;
  struct cmd_out o;
  int rc = CMD_OK;

  cmd_out_init(&o);
  if (cmd_conf(a, &conf, &err) < 0)
    return cmd_fail(&err);
  if (hr_policy_show(&conf, profile_name(a, t, &conf), &s, &err) < 0)
    rc = cmd_fail(&err);
  else if (t->format == HR_FORMAT_TEXT)
    show_text(&o, &s);
  else if (hr_show_format_json(&s, &json, &err) < 0)
    rc = cmd_fail(&err);
  else
    fprintf(o.f, "%s\n", json);
  hr_show_free(&s);
  hr_conf_free(&conf);
  return rc;
}
