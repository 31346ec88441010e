/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pass-through fast path (src/prestart.c) against the full path.
 *
 * Whenever the fast path takes a command line, hr_argv_parse() must accept
 * it as a pass-through command with the same hardrun options, and the
 * runtime must get the same words.  Checked on every command line of up to
 * three words over a vocabulary of the tricky ones, on random longer ones,
 * and on the command lines containerd and dockerd send.  Then the cache:
 * a hit only on the exact bytes of hardrun.conf, under the same path, from
 * a file no one else could have written. */
#include "config.h"

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/auxvec.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/prestart.h"
#include "argv-harness.h"
#include "hardrun/passcache.h"

static const char *const vocab[] = {
    "--root",
    "/r",
    "--log",
    "l.json",
    "--log-format",
    "json",
    "text",
    "bad",
    "--log-format=json",
    "--log-format=",
    "--debug",
    "--debug=true",
    "--systemd-cgroup",
    "--rootless",
    "auto",
    "--criu",
    "-root",
    "-log=x",
    "--root=",
    "--hardrun-runtime",
    "--hardrun-runtime=/bin/true",
    "-hardrun-runtime",
    "/bin/true",
    "--hardrun-config=/c",
    "--hardrun-config",
    "--hardrun-profile",
    "p",
    "--hardrun-profile=",
    "--hardrun-bogus=1",
    "--hardrun-",
    "--",
    "-",
    "",
    "state",
    "start",
    "kill",
    "list",
    "create",
    "run",
    "delete",
    "exec",
    "update",
    "policy",
    "doctor",
    "spec",
    "id",
    "-b",
    "--help",
    "-h",
    "-v",
    "--version",
    "---x",
    "-=x",
    "--=x",
    "--bogus",
    "-hardrun=x",
};

/* The fast path's runtime words for `argv`: every word but its drops. */
static int fast_words(int argc, char **argv, const struct hr_prestart_plan *p, char **out)
{
  int k = 0, d = 0;

  for (int i = 1; i < argc; i++) {
    if (d < p->n_drops && i == p->drop_at[d]) {
      i += p->drop_n[d++] - 1;
      continue;
    }
    out[k++] = argv[i];
  }
  return k;
}

static bool same_opt(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Returns whether the fast path took the line; fails the test on any
 * disagreement with the full path. */
static bool check_line(int argc, char **argv)
{
  struct hr_prestart_plan plan;
  struct hr_argv a = {0};
  struct hr_error err = {0};
  char *words[64];
  int n;

  if (!hr_prestart_classify(argc, argv, &plan))
    return false;
  if (hr_argv_parse(argc, argv, &a, &err) < 0)
    fail_msg("fast path took a line the full path refuses (%s): %s %s %s", err.msg, argv[1],
             argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "");
  assert_int_equal(a.cls, HR_CLASS_PASSTHROUGH);
  assert_true(same_opt(plan.runtime, a.hardrun_runtime));
  assert_true(same_opt(plan.conf, a.hardrun_config));
  assert_true(same_opt(plan.profile, a.hardrun_profile));
  n = fast_words(argc, argv, &plan, words);
  for (int i = 0; i < n || i < a.runtime_argc - 1; i++) {
    /* the same words, the very same pointers, in the same order */
    if (i >= n || i >= a.runtime_argc - 1 || words[i] != a.runtime_argv[i + 1])
      fail_msg("word %d of %d differs; the full path passes on: %s", i, n, join_argv(&a));
  }
  hr_argv_free(&a);
  return true;
}

static void test_every_short_line(void **state)
{
  const size_t nv = HR_ARRAY_SIZE(vocab);
  size_t taken = 0, total = 0;
  char *argv[5];

  (void)state;
  argv[0] = "hardrun";
  for (size_t len = 1; len <= 3; len++) {
    size_t count = 1;
    for (size_t i = 0; i < len; i++)
      count *= nv;
    for (size_t c = 0; c < count; c++) {
      size_t x = c;
      for (size_t i = 0; i < len; i++, x /= nv)
        argv[1 + i] = (char *)vocab[x % nv];
      argv[1 + len] = NULL;
      taken += check_line((int)len + 1, argv);
      total++;
    }
  }
  /* The fast path must actually serve some: a classifier that declines
   * everything would pass the rest of this test. */
  assert_true(taken > 100);
  print_message("short lines: %zu of %zu taken by the fast path\n", taken, total);
}

static void test_random_long_lines(void **state)
{
  const size_t nv = HR_ARRAY_SIZE(vocab);
  uint64_t seed = 0x9e3779b97f4a7c15u;
  size_t taken = 0;
  char *argv[12];

  (void)state;
  argv[0] = "hardrun";
  for (int round = 0; round < 30000; round++) {
    int len = 4 + (int)(seed % 7);
    for (int i = 0; i < len; i++) {
      seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
      argv[1 + i] = (char *)vocab[seed % nv];
    }
    argv[1 + len] = NULL;
    taken += check_line(len + 1, argv);
  }
  assert_true(taken > 0);
}

/* What the shims and dockerd send (runtime-facts.md): the fast path must
 * take these, or it saves nothing where it matters. */
static void test_daemon_lines(void **state)
{
  static const char *const lines[] = {
      "--root /run/containerd/runc/k8s.io --log /run/containerd/io.containerd.runtime.v2.task/"
      "k8s.io/c0/log.json --log-format json state c0",
      "--root /run/containerd/runc/default --log /l/log.json --log-format json --systemd-cgroup "
      "start c0",
      "--root /run/docker/runtime-runc/moby --log /l/log.json --log-format json kill c0 9",
      "--root /run/docker/runtime-runc/moby --log /l/log.json --log-format json kill --all c0 15",
      "--hardrun-runtime /usr/sbin/runc --root /r state c0",
      "--hardrun-config=/etc/x.conf --hardrun-profile strict --root /r ps --format json c0",
      "--root /r pause c0",
      "--root /r resume c0",
      "--root /r events --stats c0",
      "features",
      "--debug list -q",
  };
  char buf[512], *argv[MAX_WORDS + 1];

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(lines); i++) {
    snprintf(buf, sizeof(buf), "%s", lines[i]);
    int argc = split(buf, argv);
    if (!check_line(argc, argv))
      fail_msg("fast path declined: %s", lines[i]);
  }
}

/* Commands hardrun hardens, and everything the full path must judge. */
static void test_declines(void **state)
{
  static const char *const lines[] = {
      "create id",
      "run id",
      "restore id",
      "exec id true",
      "update id",
      "delete id",
      "policy show",
      "doctor",
      "--root /r create -b /b id",
      "--help",
      "--version",
      "-v state id",
      "--root",
      "--hardrun-runtime state id",
      "--hardrun-runtime= state id",
      "--hardrun-runtime=/a --hardrun-runtime=/b state id",
      "--hardrun-x=1 state id",
      "--log-format xml state id",
      "--debug=false state id",
      "-- state id",
      "--bogus state id",
      "--log --hardrun-runtime=/a state id",
      "bogus id",
      "",
      "-",
      "---root /r state id",
  };
  struct hr_prestart_plan plan;
  char buf[256], *argv[MAX_WORDS + 1];

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(lines); i++) {
    snprintf(buf, sizeof(buf), "%s", lines[i]);
    int argc = split(buf, argv);
    if (lines[i][0] == '\0')
      argv[argc++] = "", argv[argc] = NULL;
    if (hr_prestart_classify(argc, argv, &plan))
      fail_msg("fast path took: %s", lines[i]);
  }
  assert_false(hr_prestart_classify(1, (char *[]){"hardrun", NULL}, &plan));
}

/* ---- hr_prestart() itself, on a stack laid out as the kernel's -------------- */

/* Runs hr_prestart() in a child on an initial stack of argc, argv, envp and
 * an auxiliary vector with AT_SECURE = `secure`: the child's exit status is
 * the runtime's when the fast path exec'd it, 42 when hr_prestart()
 * returned. */
static int prestart_child(char **args, int argc, long secure)
{
  long stack[32];
  int k = 0, status;
  pid_t pid;

  stack[k++] = argc;
  for (int i = 0; i < argc; i++)
    stack[k++] = (long)args[i];
  stack[k++] = 0;
  stack[k++] = (long)"HR_TEST=1";
  stack[k++] = 0;
  stack[k++] = AT_PAGESZ, stack[k++] = 4096;
  if (secure >= 0)
    stack[k++] = AT_SECURE, stack[k++] = secure;
  stack[k++] = AT_NULL, stack[k++] = 0;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    hr_prestart(stack);
    _exit(42);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

static void test_prestart_execs(void **state)
{
  char *ok[] = {"hardrun", "--hardrun-runtime=/bin/true", "state", "x"};
  char *fails[] = {"hardrun", "--hardrun-runtime=/bin/false", "state", "x"};
  char *create[] = {"hardrun", "--hardrun-runtime=/bin/true", "create", "x"};
  char *missing[] = {"hardrun", "--hardrun-runtime=/no/such/runtime", "state", "x"};

  (void)state;
  assert_int_equal(prestart_child(ok, 4, 0), 0);
  assert_int_equal(prestart_child(fails, 4, 0), 1);
  /* declined: a command to harden, a runtime that is not there, a
   * secure-execution process, and no AT_SECURE to tell */
  assert_int_equal(prestart_child(create, 4, 0), 42);
  assert_int_equal(prestart_child(missing, 4, 0), 42);
  assert_int_equal(prestart_child(ok, 4, 1), 42);
  assert_int_equal(prestart_child(ok, 4, -1), 42);
}

/* ---- the cache --------------------------------------------------------- */

struct cache_env {
  char dir[64];
  char conf[128];
  char cache[128]; /* the cache file of `conf` */
  char name[HR_PASSCACHE_NAME_LEN + 1];
};

static void write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");

  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static bool lookup(const char *conf, char *buf)
{
  return hr_prestart_cached_runtime(conf, buf, HR_PASSCACHE_PATH_MAX + 1);
}

static int cache_setup(void **state)
{
  struct cache_env *e = calloc(1, sizeof(*e));

  if (e == NULL)
    return -1;
  snprintf(e->dir, sizeof(e->dir), "/tmp/hr-prestart.XXXXXX");
  if (mkdtemp(e->dir) == NULL)
    return -1;
  snprintf(e->conf, sizeof(e->conf), "%s/hardrun.conf", e->dir);
  hr_passcache_name(e->conf, e->name);
  snprintf(e->cache, sizeof(e->cache), "%s/%s", HR_PASSCACHE_DIR, e->name);
  *state = e;
  return 0;
}

static int cache_teardown(void **state)
{
  struct cache_env *e = *state;
  char cmd[160];

  unlink(e->cache);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
  if (system(cmd) != 0)
    return -1;
  free(e);
  return 0;
}

static void store(struct cache_env *e, const char *text, const char *runtime)
{
  struct hr_error err = {0};

  write_text(e->conf, text);
  assert_ok(hr_passcache_store(e->conf, text, strlen(text), runtime, &err), &err);
}

static void test_cache_hit_and_misses(void **state)
{
  struct cache_env *e = *state;
  char buf[HR_PASSCACHE_PATH_MAX + 1], other[160];

  if (geteuid() != 0)
    skip(); /* the cache lives in /run/hardrun, which only root writes */
  store(e, "{\"runtime\": \"/usr/bin/crun\"}\n", "/usr/bin/crun");
  assert_true(lookup(e->conf, buf));
  assert_string_equal(buf, "/usr/bin/crun");
  /* one byte changed, same size */
  write_text(e->conf, "{\"runtime\": \"/usr/bin/crum\"}\n");
  assert_false(lookup(e->conf, buf));
  /* one byte more */
  write_text(e->conf, "{\"runtime\": \"/usr/bin/crun\"}\n\n");
  assert_false(lookup(e->conf, buf));
  /* one byte less */
  write_text(e->conf, "{\"runtime\": \"/usr/bin/crun\"}");
  assert_false(lookup(e->conf, buf));
  /* the same bytes under another name */
  write_text(e->conf, "{\"runtime\": \"/usr/bin/crun\"}\n");
  assert_true(lookup(e->conf, buf));
  snprintf(other, sizeof(other), "%s/other.conf", e->dir);
  write_text(other, "{\"runtime\": \"/usr/bin/crun\"}\n");
  assert_false(lookup(other, buf));
  /* a directory, a missing file named on the command line */
  assert_false(lookup(e->dir, buf));
  snprintf(other, sizeof(other), "%s/missing.conf", e->dir);
  assert_false(lookup(other, buf));
}

static void test_cache_trust(void **state)
{
  struct cache_env *e = *state;
  char buf[HR_PASSCACHE_PATH_MAX + 1], link[160];

  if (geteuid() != 0)
    skip();
  store(e, "{}\n", "/usr/sbin/runc");
  assert_true(lookup(e->conf, buf));
  /* writable by others, or owned by someone else: not hardrun's */
  assert_int_equal(chmod(e->cache, 0622), 0);
  assert_false(lookup(e->conf, buf));
  assert_int_equal(chmod(e->cache, 0600), 0);
  assert_true(lookup(e->conf, buf));
  assert_int_equal(chown(e->cache, 1, 1), 0);
  assert_false(lookup(e->conf, buf));
  /* nor a directory others can write in */
  store(e, "{}\n", "/usr/sbin/runc");
  assert_int_equal(chmod(HR_PASSCACHE_DIR, 0733), 0);
  assert_false(lookup(e->conf, buf));
  assert_int_equal(chmod(HR_PASSCACHE_DIR, 0700), 0);
  assert_true(lookup(e->conf, buf));
  /* and the same for the directory above (put back as it was) */
  struct stat top;
  assert_int_equal(stat(HR_PASSCACHE_TOP, &top), 0);
  assert_int_equal(chmod(HR_PASSCACHE_TOP, (top.st_mode & 07777) | 0002), 0);
  assert_false(lookup(e->conf, buf));
  assert_int_equal(chmod(HR_PASSCACHE_TOP, top.st_mode & 07777), 0);
  assert_true(lookup(e->conf, buf));
  /* a symlink to a good cache is not followed */
  store(e, "{}\n", "/usr/sbin/runc");
  snprintf(link, sizeof(link), "%s/good", e->dir);
  assert_int_equal(rename(e->cache, link), 0);
  assert_int_equal(symlink(link, e->cache), 0);
  assert_false(lookup(e->conf, buf));
  assert_int_equal(unlink(e->cache), 0);
  assert_false(lookup(e->conf, buf));
}

static void test_cache_damaged(void **state)
{
  struct cache_env *e = *state;
  char buf[HR_PASSCACHE_PATH_MAX + 1], *whole;
  size_t len;
  struct hr_error err = {0};
  int dirfd;

  if (geteuid() != 0)
    skip();
  store(e, "{\"runtime\": \"/bin/true\"}\n", "/bin/true");
  assert_ok(hr_read_file(e->cache, 1 << 20, &whole, &len, &err), &err);
  dirfd = open(HR_PASSCACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(dirfd >= 0);
  /* every truncation, and the file with one byte more */
  for (size_t cut = 0; cut < len; cut++) {
    assert_ok(hr_replace_file_at(dirfd, e->name, whole, cut, 0600, &err), &err);
    assert_false(lookup(e->conf, buf));
  }
  whole = realloc(whole, len + 1);
  assert_non_null(whole);
  whole[len] = '\n';
  assert_ok(hr_replace_file_at(dirfd, e->name, whole, len + 1, 0600, &err), &err);
  assert_false(lookup(e->conf, buf));
  /* every single byte flipped: the magic, the lengths, the path and the
   * copy all count.  A flip inside the runtime's name (but its leading
   * '/') is another runtime, as a root-written cache may name. */
  size_t rt_at = sizeof(struct hr_passcache_header) + strlen(e->conf);
  for (size_t i = 0; i < len; i++) {
    whole[i] ^= 0x20;
    assert_ok(hr_replace_file_at(dirfd, e->name, whole, len, 0600, &err), &err);
    if (lookup(e->conf, buf)) {
      if (i <= rt_at || i >= rt_at + strlen("/bin/true"))
        fail_msg("hit with byte %zu flipped: %s", i, buf);
      assert_memory_equal(buf, whole + rt_at, strlen("/bin/true"));
    }
    whole[i] ^= 0x20;
  }
  assert_ok(hr_replace_file_at(dirfd, e->name, whole, len, 0600, &err), &err);
  assert_true(lookup(e->conf, buf));
  close(dirfd);
  free(whole);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_short_line),
      cmocka_unit_test(test_random_long_lines),
      cmocka_unit_test(test_daemon_lines),
      cmocka_unit_test(test_declines),
      cmocka_unit_test(test_prestart_execs),
      cmocka_unit_test_setup_teardown(test_cache_hit_and_misses, cache_setup, cache_teardown),
      cmocka_unit_test_setup_teardown(test_cache_trust, cache_setup, cache_teardown),
      cmocka_unit_test_setup_teardown(test_cache_damaged, cache_setup, cache_teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
