/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hardrun doctor`: print what doctor.c found, one line per check. */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "hardrun/doctor.h"
#include "hardrun/utils.h"

static void doctor_text(const struct cmd_out *o, const struct hr_doctor *d)
{
  static const enum cmd_colour colour[] = {
      [HR_CHECK_PASS] = CMD_GREEN, [HR_CHECK_WARN] = CMD_YELLOW, [HR_CHECK_FAIL] = CMD_RED};
  size_t count[3] = {0};
  int w = 0;

  for (size_t i = 0; i < d->len; i++)
    if ((int)strlen(d->items[i].name) > w)
      w = (int)strlen(d->items[i].name);
  for (size_t i = 0; i < d->len; i++) {
    const struct hr_check *c = &d->items[i];
    count[c->status]++;
    fprintf(o->f, "%s%s%s  %-*s  %s\n", cmd_sgr(o, colour[c->status]),
            hr_check_status_name(c->status), cmd_sgr(o, CMD_RESET), w, c->name, c->message);
    if (c->fix != NULL)
      fprintf(o->f, "      %-*s  fix: %s\n", w, "", c->fix);
  }
  fprintf(o->f, "\n%zu checks: %zu PASS, %zu WARN, %zu FAIL\n", d->len, count[HR_CHECK_PASS],
          count[HR_CHECK_WARN], count[HR_CHECK_FAIL]);
}

int cmd_doctor(const struct hr_argv *a, const struct hr_tool_args *t)
{
  const struct hr_doctor_opts opts = {
      .host_root = t->host_root,
      .conf_path = a->hardrun_config,
      .runtime = a->hardrun_runtime,
  };
  struct hr_doctor d = {0};
  struct hr_error err = {0};
  cleanup_free char *json = NULL;
  struct cmd_out o;
  int rc = CMD_OK;

  cmd_out_init(&o);
  if (hr_doctor_run(&opts, &d, &err) < 0)
    return cmd_fail(&err);
  for (size_t i = 0; i < d.len; i++)
    if (d.items[i].status == HR_CHECK_FAIL)
      rc = CMD_FINDINGS;
  if (t->format == HR_FORMAT_TEXT)
    doctor_text(&o, &d);
  else if (hr_doctor_format_json(&d, &json, &err) < 0)
    rc = cmd_fail(&err);
  else
    fprintf(o.f, "%s\n", json);
  hr_doctor_free(&d);
  return rc;
}
