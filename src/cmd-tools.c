/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dispatch and shared output of hardrun's own commands. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cmd.h"

static const char usage_policy[] =
    "usage: hardrun [--hardrun-config=FILE] [--hardrun-profile=NAME] policy COMMAND ...\n"
    "\n"
    "  policy explain [--profile NAME] [--format text|json] (--bundle DIR | FILE | -)\n"
    "      what create would do to a config.json, with nothing written;\n"
    "      exit 0: it would run, 1: it would be refused, 2: an error\n"
    "  policy check FILE...\n"
    "      validate profiles, seccomp profiles (JSON with \"defaultAction\") and\n"
    "      hardrun.conf files (*.conf); one FILE:LINE:COL: message line per problem\n"
    "  policy show [--profile NAME] [--format text|json]\n"
    "      the effective profile, and the file each value comes from\n"
    "\n"
    "See hardrun(8) and hardrun-policy(5).\n";

static const char usage_doctor[] =
    "usage: hardrun [--hardrun-config=FILE] [--hardrun-runtime=PATH] doctor\n"
    "                [--host-root DIR] [--format text|json]\n"
    "\n"
    "Check the host: the runtime, the kernel, cgroups, LSMs, registration with\n"
    "dockerd and containerd, CIS Docker Benchmark host items, and hardrun's own\n"
    "configuration.  One PASS, WARN or FAIL line per check; exit 1 when any FAIL.\n"
    "--host-root DIR reads every host file under DIR instead of /.\n"
    "\n"
    "See hardrun(8).\n";

void cmd_out_init(struct cmd_out *o)
{
  o->f = stdout;
  o->colour = isatty(STDOUT_FILENO) == 1;
}

const char *cmd_sgr(const struct cmd_out *o, enum cmd_colour c)
{
  static const char *const codes[] = {
      [CMD_BOLD] = "\033[1m",    [CMD_RED] = "\033[1;31m", [CMD_GREEN] = "\033[32m",
      [CMD_YELLOW] = "\033[33m", [CMD_DIM] = "\033[2m",    [CMD_RESET] = "\033[0m",
  };
  return o->colour ? codes[c] : "";
}

int cmd_fail(const struct hr_error *err)
{
  fprintf(stderr, "hardrun: %s\n", err->msg);
  return CMD_ERROR;
}

int cmd_conf(const struct hr_argv *a, struct hr_conf *ret, struct hr_error *err)
{
  return hr_conf_load(a->hardrun_config, ret, err);
}

int cmd_tool(const struct hr_argv *a)
{
  struct hr_tool_args t;
  struct hr_error err = {0};
  int rc;

  if (hr_argv_parse_tool(a, &t, &err) < 0) {
    cmd_fail(&err);
    fputs(a->cls == HR_CLASS_HARDRUN && a->command[0] == 'd' ? usage_doctor : usage_policy, stderr);
    return CMD_ERROR;
  }
  if (t.help || t.tool == HR_TOOL_USAGE) {
    fputs(t.tool == HR_TOOL_DOCTOR ? usage_doctor : usage_policy, t.help ? stdout : stderr);
    hr_tool_args_free(&t);
    return t.help ? CMD_OK : CMD_ERROR;
  }
  switch (t.tool) {
  case HR_TOOL_EXPLAIN:
    rc = cmd_policy_explain(a, &t);
    break;
  case HR_TOOL_CHECK:
    rc = cmd_policy_check(a, &t);
    break;
  case HR_TOOL_SHOW:
    rc = cmd_policy_show(a, &t);
    break;
  case HR_TOOL_DOCTOR:
  default:
    rc = cmd_doctor(a, &t);
    break;
  }
  hr_tool_args_free(&t);
  /* A full disk or a closed pipe must not pass for a clean report. */
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "hardrun: cannot write the report to standard output\n");
    return CMD_ERROR;
  }
  return rc;
}
