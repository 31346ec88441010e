/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared glue for the cmocka unit tests. */
#ifndef HARDRUN_TESTS_UNIT_H
#define HARDRUN_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hardrun/error.h"
#include "hardrun/policy.h"
#include "hardrun/utils.h"

/* Absolute path of a fixture under tests/unit/fixtures ($HR_FIXTURES, set by
 * `make check`; falls back to the source-relative path for manual runs). */
static inline char *unit_fixture_path(const char *rel)
{
  const char *dir = getenv("HR_FIXTURES");
  char *p = NULL;
  if (dir == NULL)
    dir = "tests/unit/fixtures";
  if (asprintf(&p, "%s/%s", dir, rel) < 0)
    return NULL;
  return p;
}

/* Read a fixture into memory; fails the test when it is missing. */
static inline char *unit_read_fixture(const char *rel, size_t *len)
{
  struct hr_error err = {0};
  char *path = unit_fixture_path(rel);
  char *buf = NULL;
  assert_non_null(path);
  if (hr_read_file_at(-100 /* AT_FDCWD */, path, 64u << 20, &buf, len, NULL, &err) < 0)
    fail_msg("fixture %s: %s", path, err.msg);
  free(path);
  return buf;
}

/* The change records as "path: old -> new" lines, and "path: AUDIT finding"
 * for findings: the form of the audit record's text (hr_audit_format_text). */
static inline char *unit_join_changes(const struct hr_changes *ch)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  for (size_t i = 0; i < ch->len; i++) {
    const struct hr_change *c = &ch->items[i];
    if (c->audit_only)
      fprintf(f, "%s%s: AUDIT %s", i ? "\n" : "", c->path, c->old_value);
    else
      fprintf(f, "%s%s: %s -> %s", i ? "\n" : "", c->path, c->old_value, c->new_value);
  }
  fclose(f);
  return s;
}

/* The "spec-keys" message for KEY at AT, a case variant of FIELD. */
#define UNIT_MISSPELLED(key, at, field)                                                            \
  "key \"" key "\" at " at " is not spelled as the runtime-spec field \"" field                    \
  "\": runc's decoder reads it as that field (Go ignores case), crun's does not"

#define assert_ok(expr, err)                                                                       \
  do {                                                                                             \
    if ((expr) < 0)                                                                                \
      fail_msg("%s failed: %s", #expr, (err)->msg);                                                \
  } while (0)

#endif
