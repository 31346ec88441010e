/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hardrun's own commands (policy explain|check|show, doctor): the thin
 * layer that prints what the library computed.  None of them execs the
 * runtime. */
#ifndef HARDRUN_CMD_H
#define HARDRUN_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "hardrun/argv.h"
#include "hardrun/error.h"
#include "hardrun/policy.h"

/* Exit statuses of hardrun's own commands. */
#define CMD_OK       0
#define CMD_FINDINGS 1 /* refused (explain), problems (check), a FAIL (doctor) */
#define CMD_ERROR    2 /* bad usage, or an input or profile that cannot be read */

/* Standard output, coloured only when it is a terminal. */
struct cmd_out {
  FILE *f;
  bool colour;
};

enum cmd_colour { CMD_BOLD, CMD_RED, CMD_GREEN, CMD_YELLOW, CMD_DIM, CMD_RESET };

void cmd_out_init(struct cmd_out *o);
const char *cmd_sgr(const struct cmd_out *o, enum cmd_colour c);
/* "hardrun: <msg>" on stderr; returns CMD_ERROR. */
int cmd_fail(const struct hr_error *err);
/* hardrun.conf as the command line names it (--hardrun-config). */
int cmd_conf(const struct hr_argv *a, struct hr_conf *ret, struct hr_error *err);

/* Runs the command `a` names (a->cls == HR_CLASS_HARDRUN); the exit status. */
int cmd_tool(const struct hr_argv *a);

int cmd_policy_explain(const struct hr_argv *a, const struct hr_tool_args *t);
int cmd_policy_check(const struct hr_argv *a, const struct hr_tool_args *t);
int cmd_policy_show(const struct hr_argv *a, const struct hr_tool_args *t);
int cmd_doctor(const struct hr_argv *a, const struct hr_tool_args *t);

#endif
