/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command lines as one string per test row: split into an argv for
 * hr_argv_parse and join the runtime argv back for comparison ("''" stands
 * for an empty argument).  Shared by test-exec.c and test-update.c. */
#ifndef HARDRUN_TESTS_ARGV_HARNESS_H
#define HARDRUN_TESTS_ARGV_HARNESS_H

#include "unit.h"

#include "hardrun/argv.h"

#define MAX_WORDS 32

static int split(char *buf, char **argv)
{
  int argc = 0;

  argv[argc++] = "hardrun";
  for (char *save = NULL, *w = strtok_r(buf, " ", &save); w != NULL;
       w = strtok_r(NULL, " ", &save)) {
    assert_true(argc < MAX_WORDS);
    argv[argc++] = strcmp(w, "''") == 0 ? w + 2 : w;
  }
  argv[argc] = NULL;
  return argc;
}

static char *join_argv(const struct hr_argv *a)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  for (int i = 1; i < a->runtime_argc; i++)
    fprintf(f, "%s%s", i > 1 ? " " : "", a->runtime_argv[i][0] ? a->runtime_argv[i] : "''");
  fclose(f);
  return s;
}

#endif
