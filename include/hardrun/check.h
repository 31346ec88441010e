/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_CHECK_H
#define HARDRUN_CHECK_H

/* `hardrun policy check`: every problem of a profile, a seccomp profile or
 * a hardrun.conf that can be found, each with the file, line and column it
 * is at.  Loading a profile stops at its first error; check goes on, so an
 * administrator fixes a file in one round. */

#include <stddef.h>

#include "hardrun/error.h"

struct hr_problem {
  char *file;
  unsigned line, col; /* 1-based; 1:1 for a problem of the whole file */
  char *message;      /* without the FILE:LINE:COL: prefix */
};

struct hr_problems {
  struct hr_problem *items;
  size_t len, cap;
};

void hr_problems_free(struct hr_problems *p);

/* Check `path` and append its problems to `out`, sorted by position (the
 * problems of a seccomp profile it names follow, under that file's name).
 * A file whose name ends in ".conf", or with a key only hardrun.conf has, is
 * read as hardrun.conf; a JSON object with "defaultAction" as a seccomp
 * profile; anything else as a profile.
 * A profile's seccomp profile is looked up in seccomp/ next to `path`,
 * then in `profile_dirs` (NULL-terminated).  What is checked beyond the
 * parser's own rules: every section even after one failed, every item of a
 * list, system call names libseccomp does not know, and contradictions
 * (a user namespace with no id pool, a seccomp profile that allows every
 * system call, a device allowlist that allows every device).  Returns -1
 * only when checking itself fails (out of memory). */
int hr_check_file(const char *path, const char *const *profile_dirs, struct hr_problems *out,
                  struct hr_error *err);

#endif
