/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by doctor.c (the runner, hardrun's own checks, runtime, kernel)
 * and doctor-host.c (LSMs, registration, CIS host items). */
#ifndef HARDRUN_DOCTOR_INTERNAL_H
#define HARDRUN_DOCTOR_INTERNAL_H

#include <stdbool.h>
#include <sys/stat.h>

#include "hardrun/doctor.h"
#include "hardrun/policy.h"

/* Host files read by doctor are small; /proc/cgroups and /etc/group are
 * the largest. */
#define DOCTOR_FILE_MAX (1u << 20)

struct doctor {
  struct hr_doctor *out;
  const struct hr_doctor_opts *opts;
  int rootfd;       /* the host's / (or --host-root), O_PATH */
  const char *root; /* "" for the real /, else the --host-root path */
  struct hr_conf conf;
  bool have_conf;
  struct hr_policy *policy; /* the default profile, NULL when it does not load */
  struct hr_error *err;     /* where a failure of doctor itself goes */
  bool failed;              /* doctor itself failed (out of memory) */
};

/* Record one check's result; `fix` NULL for a PASS.  Formats like printf. */
void doctor_add(struct doctor *d, const char *name, enum hr_check_status status, const char *fix,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Host files, under the root: `path` is absolute as on the host, and
 * symbolic links are resolved inside the root.  Each returns -1 with
 * errno set (ENOENT for a missing file). */
int doctor_open(const struct doctor *d, const char *path, int flags);
int doctor_stat(const struct doctor *d, const char *path, bool follow, struct stat *ret);
/* Read a regular or /proc file, at most DOCTOR_FILE_MAX bytes, NUL
 * terminated. */
int doctor_read(const struct doctor *d, const char *path, char **ret, size_t *ret_len);
/* The path to give a library function that takes a path: the root
 * prepended (malloc'ed), or NULL on out-of-memory. */
char *doctor_path(const struct doctor *d, const char *path);

/* Same file as hardrun itself (/proc/self/exe)? */
bool doctor_is_self(const struct stat *st);

/* doctor-host.c */
void doctor_lsm(struct doctor *d);
void doctor_registration(struct doctor *d);
void doctor_cis(struct doctor *d);

#endif
