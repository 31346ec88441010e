/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cmd.h"

int cmd_doctor(const struct hr_argv *a, const struct hr_tool_args *t)
{
  return CMD_ERROR;
}
