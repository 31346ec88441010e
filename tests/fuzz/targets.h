/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fuzz targets, shared by the libFuzzer binary (tests/fuzz/fuzz.c) and
 * the unit test that replays the corpus and every past finding under the
 * normal build (tests/unit/test-fuzz.c). */
#ifndef HARDRUN_TESTS_FUZZ_TARGETS_H
#define HARDRUN_TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* One mode per input format.  A corpus file is the bare input (a real
 * config.json, a profile, an argv with NUL separators), so the corpus of a
 * mode is usable as it is by other tools. */
struct hr_fuzz_target {
  const char *name;
  void (*run)(const uint8_t *data, size_t size);
};

extern const struct hr_fuzz_target hr_fuzz_targets[];
extern const size_t hr_fuzz_n_targets;

const struct hr_fuzz_target *hr_fuzz_find(const char *name);

/* Load the profiles every target applies and make a private stateDir.
 * `profile_dirs` lists the shipped profiles and tests/fuzz/profiles,
 * NULL-terminated.  Returns -1 with a message on stderr. */
int hr_fuzz_init(const char *const *profile_dirs);
/* Free them and remove the stateDir. */
void hr_fuzz_fini(void);

/* A broken invariant: print it and abort(), which the fuzzer reports as a
 * crash with the input that caused it. */
void hr_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
