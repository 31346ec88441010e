/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every fuzz finding stays fixed: the inputs of tests/fuzz/regressions/MODE
 * and the seed corpus tests/fuzz/corpus/MODE go through the fuzz targets'
 * own entry points (tests/fuzz/targets.c) under the normal build, and under
 * the sanitizer and valgrind runs of the unit tests.  A broken invariant
 * aborts, naming the file. */
#include "config.h"

#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "../fuzz/targets.h"

/* The file being replayed, for a failure's message. */
static char current[4096];

static void on_abort(int sig)
{
  static const char msg[] = "test-fuzz: the failing input is ";
  ssize_t r;

  r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
  r = write(STDERR_FILENO, current, strlen(current));
  r = write(STDERR_FILENO, "\n", 1);
  (void)r;
  signal(sig, SIG_DFL);
  raise(sig);
}

/* The fuzzer hands over exactly the input's bytes, with nothing after
 * them; so does this copy, so that a read past the end shows here too. */
static void replay_file(const struct hr_fuzz_target *t, const char *path)
{
  struct hr_error err = {0};
  cleanup_free char *buf = NULL;
  cleanup_free uint8_t *exact = NULL;
  size_t len = 0;

  if (hr_read_file(path, 16u << 20, &buf, &len, &err) < 0)
    fail_msg("%s", err.msg);
  exact = malloc(len ? len : 1);
  assert_non_null(exact);
  memcpy(exact, buf, len);
  t->run(exact, len);
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every file of DIR through `t`; returns how many (0 when the
 * directory is absent: a mode may have no regressions yet). */
static size_t replay_dir(const struct hr_fuzz_target *t, const char *dir)
{
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  DIR *d = opendir(dir);

  if (d == NULL) {
    if (errno != ENOENT)
      fail_msg("%s: %s", dir, strerror(errno));
    return 0;
  }
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof(*names));
      assert_non_null(names);
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof(*names), cmp_names);
  for (size_t i = 0; i < n; i++) {
    snprintf(current, sizeof(current), "%s/%s", dir, names[i]);
    replay_file(t, current);
    free(names[i]);
  }
  current[0] = '\0';
  free(names);
  return n;
}

static void replay_mode(void **state)
{
  const struct hr_fuzz_target *t = *state;
  const char *src = getenv("HR_SRCDIR");
  char dir[4096];
  size_t n;

  if (src == NULL)
    src = ".";
  snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src, t->name);
  n = replay_dir(t, dir);
  /* An empty corpus would make this test pass without running anything. */
  if (n == 0)
    fail_msg("%s: no seed inputs", dir);
  snprintf(dir, sizeof(dir), "%s/tests/fuzz/regressions/%s", src, t->name);
  replay_dir(t, dir);
}

static int setup(void **state)
{
  const char *src = getenv("HR_SRCDIR");
  const char *profiles = getenv("HR_PROFILES");
  static char fuzz_profiles[4096], shipped[4096];
  const char *dirs[] = {fuzz_profiles, shipped, NULL};

  if (src == NULL)
    src = ".";
  snprintf(fuzz_profiles, sizeof(fuzz_profiles), "%s/tests/fuzz/profiles", src);
  if (profiles != NULL)
    snprintf(shipped, sizeof(shipped), "%s", profiles);
  else
    snprintf(shipped, sizeof(shipped), "%s/profiles", src);
  return hr_fuzz_init(dirs) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
  hr_fuzz_fini();
  return 0;
}

int main(void)
{
  static struct CMUnitTest tests[16];
  size_t n = 0;

  signal(SIGABRT, on_abort);
  for (size_t i = 0; i < hr_fuzz_n_targets && n < HR_ARRAY_SIZE(tests); i++)
    tests[n++] = (struct CMUnitTest){.name = hr_fuzz_targets[i].name,
                                     .test_func = replay_mode,
                                     .initial_state = (void *)&hr_fuzz_targets[i]};
  return _cmocka_run_group_tests("fuzz", tests, n, setup, teardown);
}
