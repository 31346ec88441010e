/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry points.  The mode comes from $HR_FUZZ_MODE, else from
 * the program's name (a link named fuzz-spec runs "spec"), so that a
 * corpus file holds nothing but the input and the corpus of a mode is
 * usable as it is.  The profiles are those of the source tree the binary
 * was built from ($HR_SRCDIR overrides). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct hr_fuzz_target *target;

static const char *mode_from(const char *argv0)
{
  const char *env = getenv("HR_FUZZ_MODE");
  const char *base = strrchr(argv0, '/');

  if (env != NULL && env[0] != '\0')
    return env;
  base = base != NULL ? base + 1 : argv0;
  return strncmp(base, "fuzz-", 5) == 0 ? base + 5 : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *src = getenv("HR_SRCDIR");
  const char *mode = mode_from((*argv)[0]);
  static char profiles[4096], fuzz_profiles[4096];
  const char *dirs[] = {fuzz_profiles, profiles, NULL};

  target = hr_fuzz_find(mode);
  if (target == NULL) {
    fprintf(stderr, "fuzz: set HR_FUZZ_MODE to one of:");
    for (size_t i = 0; i < hr_fuzz_n_targets; i++)
      fprintf(stderr, " %s", hr_fuzz_targets[i].name);
    fprintf(stderr, " (got %s)\n", mode ? mode : "none");
    exit(2);
  }
  if (src == NULL || src[0] == '\0')
    src = HR_FUZZ_SRCDIR;
  snprintf(profiles, sizeof(profiles), "%s/profiles", src);
  snprintf(fuzz_profiles, sizeof(fuzz_profiles), "%s/tests/fuzz/profiles", src);
  if (hr_fuzz_init(dirs) < 0)
    exit(2);
  atexit(hr_fuzz_fini);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  target->run(data, size);
  return 0;
}
