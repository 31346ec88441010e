/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_PRESTART_H
#define HARDRUN_PRESTART_H

/* The pass-through fast path (see hardrun/passcache.h).  Everything here
 * runs before the C library has started: no libc call, no errno, no data
 * that needs a relocation, raw system calls only. */

#include <stdbool.h>
#include <stddef.h>

/* Longer command lines take the full path; pass-through ones are short. */
#define HR_PRESTART_MAX_ARGS 64

/* What a pass-through command line asks of hardrun. */
struct hr_prestart_plan {
  const char *runtime; /* --hardrun-runtime, or NULL: hardrun.conf's */
  const char *conf;    /* --hardrun-config, or NULL: the default file */
  const char *profile; /* --hardrun-profile: accepted, and unused on this path */
  int drop_at[3];      /* argv index of each hardrun option ... */
  int drop_n[3];       /* ... and its number of words */
  int n_drops;
};

/* true when argv is a command line the fast path serves: global options
 * that hr_argv_parse() accepts without complaint, then one of the commands
 * that carry no spec.  false for anything else, including every case
 * hardrun would refuse: the full path decides those. */
bool hr_prestart_classify(int argc, char *const *argv, struct hr_prestart_plan *ret);

/* The runtime the pass-through cache holds for hardrun.conf at `conf`
 * (NULL: the default file), copied into `buf`: true when the cache is
 * trustworthy and holds exactly the bytes the file holds now, or when the
 * default file does not exist at all (then configure's runtime). */
bool hr_prestart_cached_runtime(const char *conf, char *buf, size_t size);

/* Called by the entry point with the initial stack; returns only when the
 * full path must run. */
void hr_prestart(long *sp);

#endif
