/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct {
  const char *in, *out;
} clean_cases[] = {
    {"/", "/"},
    {"", "/"},
    {"/tmp", "/tmp"},
    {"//tmp//", "/tmp"},
    {"/tmp/./x/", "/tmp/x"},
    {"tmp", "/tmp"},
    {"./tmp/../run", "/run"},
    {"/../../etc", "/etc"},
    {"/a/b/../../..", "/"},
    {"/var/lib/../tmp/.", "/var/tmp"},
    {"/a/..b/c", "/a/..b/c"},
    {"/a/.../c", "/a/.../c"},
};

static void test_path_clean(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(clean_cases); i++) {
    struct hr_error err = {0};
    cleanup_free char *got = hr_path_clean(clean_cases[i].in, &err);
    assert_non_null(got);
    if (strcmp(got, clean_cases[i].out) != 0)
      fail_msg("clean(%s) = %s, want %s", clean_cases[i].in, got, clean_cases[i].out);
  }
}

/* The reference: components kept on a stack, as path.Clean does. */
static void clean_reference(const char *in, char *out)
{
  size_t o = 0, starts[16], depth = 0;

  out[o++] = '/';
  while (*in != '\0') {
    size_t n = strcspn(in, "/");
    if (n == 2 && in[0] == '.' && in[1] == '.') {
      if (depth > 0)
        o = starts[--depth];
    } else if (n > 0 && !(n == 1 && in[0] == '.')) {
      starts[depth++] = o;
      if (o > 1)
        out[o++] = '/';
      memcpy(out + o, in, n);
      o += n;
    }
    in += n + (in[n] == '/');
  }
  out[o == 0 ? 1 : o] = '\0';
}

/* Every path of up to 6 bytes over '/', '.' and 'a': hr_path_clean() (whose
 * fast path trusts hr_path_is_clean()) agrees with the reference, and
 * hr_path_is_clean() holds exactly for the paths cleaning leaves as they
 * are. */
static void test_path_clean_exhaustive(void **state)
{
  static const char alphabet[] = "/.a";
  char in[8], want[16];

  for (size_t len = 0; len <= 6; len++) {
    size_t total = 1;
    for (size_t k = 0; k < len; k++)
      total *= 3;
    for (size_t v = 0; v < total; v++) {
      struct hr_error err = {0};
      size_t x = v;
      for (size_t k = 0; k < len; k++, x /= 3)
        in[k] = alphabet[x % 3];
      in[len] = '\0';
      clean_reference(in, want);
      cleanup_free char *got = hr_path_clean(in, &err);
      assert_non_null(got);
      if (strcmp(got, want) != 0)
        fail_msg("clean(%s) = %s, want %s", in, got, want);
      if (hr_path_is_clean(in) != (strcmp(in, want) == 0))
        fail_msg("is_clean(%s) = %d", in, hr_path_is_clean(in));
    }
  }
}

static void test_strjoin(void **state)
{
  struct hr_error err = {0};
  cleanup_free char *a = hr_strjoin("/sys/fs/cgroup", "/", "docker/x", &err);
  cleanup_free char *b = hr_strjoin("", "", "", &err);
  cleanup_free char *c = hr_strjoin("/mnt", "", "/a", &err);

  (void)state;
  assert_string_equal(a, "/sys/fs/cgroup/docker/x");
  assert_string_equal(b, "");
  assert_string_equal(c, "/mnt/a");
}

static void test_path_prefix(void **state)
{
  assert_true(hr_path_has_prefix("/run/secrets", "/run"));
  assert_true(hr_path_has_prefix("/run", "/run"));
  assert_false(hr_path_has_prefix("/running", "/run"));
  assert_true(hr_path_has_prefix("/x", "/"));
  assert_false(hr_path_has_prefix("/ru", "/run"));
}

static const struct {
  const char *in;
  int ok;
  int64_t want;
} size_cases[] = {
    {"0", 0, 0},
    {"4096", 0, 4096},
    {"64m", 0, 64ll << 20},
    {"64M", 0, 64ll << 20},
    {"1g", 0, 1ll << 30},
    {"2GB", 0, 2ll << 30},
    {"512k", 0, 512ll << 10},
    {"10b", 0, 10},
    {"1t", 0, 1ll << 40},
    {"", -1, 0},
    {"m", -1, 0},
    {"-1", -1, 0},
    {"1.5g", -1, 0},
    {"1 g", -1, 0},
    {"1gg", -1, 0},
    {"1e3", -1, 0},
    {"08", -1, 0},
    {"9223372036854775807", 0, INT64_MAX},
    {"9223372036854775808", -1, 0},
    {"8388608t", -1, 0},
    {"8388607t", 0, 8388607ll << 40},
};

static void test_parse_size(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(size_cases); i++) {
    int64_t v = -42;
    int r = hr_parse_size(size_cases[i].in, &v);
    if (r != size_cases[i].ok)
      fail_msg("parse_size(%s) returned %d", size_cases[i].in, r);
    if (r == 0 && v != size_cases[i].want)
      fail_msg("parse_size(%s) = %lld", size_cases[i].in, (long long)v);
  }
}

static void test_parse_ints(void **state)
{
  int64_t i;
  uint64_t u;

  assert_int_equal(hr_parse_i64("-1", 2, &i), 0);
  assert_int_equal(i, -1);
  assert_int_equal(hr_parse_i64("-9223372036854775808", 20, &i), 0);
  assert_true(i == INT64_MIN);
  assert_int_equal(hr_parse_i64("9223372036854775808", 19, &i), -1);
  assert_int_equal(hr_parse_u64("18446744073709551615", 20, &u), 0);
  assert_true(u == UINT64_MAX);
  assert_int_equal(hr_parse_u64("18446744073709551616", 20, &u), -1);
  assert_int_equal(hr_parse_u64("-1", 2, &u), -1);
  assert_int_equal(hr_parse_u64("+1", 2, &u), -1);
  assert_int_equal(hr_parse_u64("01", 2, &u), -1);
  assert_int_equal(hr_parse_u64("1.0", 3, &u), -1);
  assert_int_equal(hr_parse_u64("", 0, &u), -1);
}

struct tmpdir {
  char path[64];
  int fd;
};

static int tmpdir_setup(void **state)
{
  struct tmpdir *t = calloc(1, sizeof(*t));
  strcpy(t->path, "/tmp/hr-unit-XXXXXX");
  if (mkdtemp(t->path) == NULL)
    return -1;
  t->fd = open(t->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  *state = t;
  return t->fd < 0 ? -1 : 0;
}

static int tmpdir_teardown(void **state)
{
  struct tmpdir *t = *state;
  char cmd[128];
  close(t->fd);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
  if (system(cmd) != 0)
    return -1;
  free(t);
  return 0;
}

static size_t count_entries(const char *path)
{
  DIR *d = opendir(path);
  struct dirent *e;
  size_t n = 0;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

static void test_read_refusals(void **state)
{
  struct tmpdir *t = *state;
  struct hr_error err = {0};
  char *buf = NULL;
  size_t len = 0;
  struct stat st;

  assert_int_equal(symlinkat("/etc/hostname", t->fd, "link"), 0);
  assert_int_equal(hr_read_file_at(t->fd, "link", 1024, &buf, &len, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "symbolic link"));
  assert_int_equal(mkfifoat(t->fd, "fifo", 0600), 0);
  assert_int_equal(hr_read_file_at(t->fd, "fifo", 1024, &buf, &len, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "not a regular file"));
  assert_int_equal(mkdirat(t->fd, "dir", 0700), 0);
  assert_int_equal(hr_read_file_at(t->fd, "dir", 1024, &buf, &len, NULL, &err), -1);
  assert_int_equal(hr_read_file_at(t->fd, "absent", 1024, &buf, &len, NULL, &err), -1);
  assert_int_equal(err.code, ENOENT);

  assert_int_equal(hr_write_file_atomic_at(t->fd, "big", "0123456789", 10, 0644, -1, -1, &err), 0);
  assert_int_equal(hr_read_file_at(t->fd, "big", 9, &buf, &len, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "limit"));
  assert_int_equal(hr_read_file_at(t->fd, "big", 10, &buf, &len, &st, &err), 0);
  assert_int_equal(len, 10);
  assert_string_equal(buf, "0123456789");
  free(buf);
}

static void test_atomic_write(void **state)
{
  struct tmpdir *t = *state;
  struct hr_error err = {0};
  struct stat st;
  char *buf = NULL;
  size_t len;

  assert_int_equal(hr_write_file_atomic_at(t->fd, "f", "old", 3, 0640, -1, -1, &err), 0);
  assert_int_equal(hr_write_file_atomic_at(t->fd, "f", "new!", 4, 0640, -1, -1, &err), 0);
  assert_int_equal(fstatat(t->fd, "f", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0640);
  assert_int_equal(hr_read_file_at(t->fd, "f", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "new!");
  free(buf);
  /* Only the target remains: no temp file is ever left behind. */
  assert_int_equal(count_entries(t->path), 1);
  /* A rename onto a directory fails; the temp file must be cleaned up. */
  assert_int_equal(mkdirat(t->fd, "d", 0700), 0);
  assert_int_equal(hr_write_file_atomic_at(t->fd, "d", "x", 1, 0644, -1, -1, &err), -1);
  assert_int_equal(count_entries(t->path), 2);
  assert_int_equal(hr_write_file_atomic_at(t->fd, "a/b", "x", 1, 0644, -1, -1, &err), -1);
}

/* A fill that writes part of the content and then fails. */
static int fill_then_fail(int fd, void *ctx, struct hr_error *err)
{
  if (write(fd, "partial", 7) != 7)
    return hr_error_sys(err, "write");
  return hr_error_input(err, "%s", (const char *)ctx);
}

static int fill_text(int fd, void *ctx, struct hr_error *err)
{
  return hr_write_all(fd, ctx, strlen(ctx), err);
}

/* The content written by a callback: the same file or none, whatever the
 * callback did before it failed. */
static void test_atomic_write_fill(void **state)
{
  struct tmpdir *t = *state;
  struct hr_error err = {0};
  struct stat st;
  char *buf = NULL;
  size_t len;

  assert_int_equal(hr_write_file_atomic_at(t->fd, "f", "old", 3, 0640, -1, -1, &err), 0);
  assert_int_equal(
      hr_write_file_atomic_fill_at(t->fd, "f", fill_then_fail, "no space", 0640, -1, -1, &err), -1);
  assert_string_equal(err.msg, "write temporary file for `f`: no space");
  assert_int_equal(count_entries(t->path), 1);
  assert_int_equal(hr_read_file_at(t->fd, "f", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "old");
  free(buf);

  assert_int_equal(
      hr_write_file_atomic_fill_at(t->fd, "f", fill_text, "new text", 0604, -1, -1, &err), 0);
  assert_int_equal(count_entries(t->path), 1);
  assert_int_equal(fstatat(t->fd, "f", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0604);
  assert_int_equal(hr_read_file_at(t->fd, "f", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "new text");
  free(buf);
}

/* What a writer killed between naming its file and the rename leaves, and
 * a temp name someone pointed elsewhere: the next write replaces both and
 * follows nothing. */
static void test_atomic_write_leftovers(void **state)
{
  struct tmpdir *t = *state;
  struct hr_error err = {0};
  char *buf = NULL;
  size_t len;
  int fd;

  fd = openat(t->fd, ".f.hardrun", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "stale", 5), 5);
  close(fd);
  assert_int_equal(hr_write_file_atomic_at(t->fd, "f", "new", 3, 0644, -1, -1, &err), 0);
  assert_int_equal(count_entries(t->path), 1);
  assert_int_equal(hr_read_file_at(t->fd, "f", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "new");
  free(buf);

  assert_int_equal(hr_write_file_atomic_at(t->fd, "outside", "keep", 4, 0644, -1, -1, &err), 0);
  assert_int_equal(symlinkat("outside", t->fd, ".g.hardrun"), 0);
  assert_int_equal(hr_replace_file_at(t->fd, "g", "g!", 2, 0600, &err), 0);
  assert_int_equal(count_entries(t->path), 3);
  assert_int_equal(hr_read_file_at(t->fd, "outside", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "keep");
  free(buf);
  assert_int_equal(hr_read_file_at(t->fd, "g", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "g!");
  free(buf);
}

/* As gmtime_r and strftime say, over leap days, centuries, 2038 and
 * negative times, without their time zone load. */
/* As snprintf would write it, cut included. */
static void test_field_path(void **state)
{
  char buf[32], want[32], small[8];

  (void)state;
  assert_string_equal(hr_field_path(buf, sizeof(buf), "mounts", 0, ".source"), "mounts[0].source");
  assert_string_equal(hr_field_path(buf, sizeof(buf), "process", SIZE_MAX, ".args"),
                      "process.args");
  snprintf(want, sizeof(want), "x[%zu]", (size_t)SIZE_MAX - 1);
  assert_string_equal(hr_field_path(buf, sizeof(buf), "x", SIZE_MAX - 1, ""), want);
  /* "hooks[12].env" cut at every size up to 8 */
  for (size_t size = 1; size <= sizeof(small); size++) {
    char ref[16] = "hooks[12].env";
    ref[size - 1] = '\0';
    assert_string_equal(hr_field_path(small, size, "hooks", 12, ".env"), ref);
  }
}

static void test_format_utc(void **state)
{
  static const int64_t fixed[] = {0,         -1,          86399,       86400,      951782400,
                                  951868799, 1795452110,  2147483647,  2147483648, 4107542400,
                                  -86401,    -2208988800, 253402300799};
  char got[32], want[32];

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(fixed) + 20000; i++) {
    int64_t t = i < HR_ARRAY_SIZE(fixed) ? fixed[i]
                                         : (int64_t)(i - HR_ARRAY_SIZE(fixed)) * 12345677 - 5000000;
    time_t tt = (time_t)t;
    struct tm tm;
    assert_non_null(gmtime_r(&tt, &tm));
    assert_true(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
    assert_int_equal(hr_format_utc(t, got, sizeof(got)), 0);
    if (strcmp(got, want) != 0)
      fail_msg("%lld: got %s, want %s", (long long)t, got, want);
  }
  assert_int_equal(hr_format_utc(253402300800, got, sizeof(got)), -1);
  assert_int_equal(hr_format_utc(-62167219201, got, sizeof(got)), -1);
  assert_int_equal(hr_format_utc(0, got, 20), -1);
  assert_int_equal(hr_format_utc(0, got, 21), 0);
  assert_string_equal(got, "1970-01-01T00:00:00Z");
}

/* Like the atomic write, without the sync: the same file or none. */
static void test_replace_file(void **state)
{
  struct tmpdir *t = *state;
  struct hr_error err = {0};
  struct stat st;
  char *buf = NULL;
  size_t len;

  assert_int_equal(hr_replace_file_at(t->fd, "f", "old", 3, 0600, &err), 0);
  assert_int_equal(hr_replace_file_at(t->fd, "f", "new!", 4, 0600, &err), 0);
  assert_int_equal(fstatat(t->fd, "f", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(hr_read_file_at(t->fd, "f", 100, &buf, &len, NULL, &err), 0);
  assert_string_equal(buf, "new!");
  free(buf);
  assert_int_equal(count_entries(t->path), 1);
  assert_int_equal(mkdirat(t->fd, "d", 0700), 0);
  assert_int_equal(hr_replace_file_at(t->fd, "d", "x", 1, 0600, &err), -1);
  assert_int_equal(count_entries(t->path), 2);
  assert_int_equal(hr_replace_file_at(t->fd, "a/b", "x", 1, 0600, &err), -1);
}

static void test_error_prefix(void **state)
{
  struct hr_error err = {0};
  char big[3000];

  assert_int_equal(hr_error_input(&err, "inner %d", 7), -1);
  assert_int_equal(hr_error_prefix(&err, "outer"), -1);
  assert_string_equal(err.msg, "outer: inner 7");
  assert_int_equal(err.kind, HR_ERR_INPUT);
  errno = ENOENT;
  hr_error_sys(&err, "open `%s`", "x");
  assert_string_equal(err.msg, "open `x`: No such file or directory");
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  hr_error_input(&err, "%s", big);
  hr_error_prefix(&err, "p");
  assert_int_equal(strlen(err.msg), HR_ERROR_MSG_MAX - 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_clean),
      cmocka_unit_test(test_path_clean_exhaustive),
      cmocka_unit_test(test_path_prefix),
      cmocka_unit_test(test_strjoin),
      cmocka_unit_test(test_parse_size),
      cmocka_unit_test(test_parse_ints),
      cmocka_unit_test_setup_teardown(test_read_refusals, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_atomic_write, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_atomic_write_leftovers, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test_setup_teardown(test_atomic_write_fill, tmpdir_setup, tmpdir_teardown),
      cmocka_unit_test(test_error_prefix),
      cmocka_unit_test(test_field_path),
      cmocka_unit_test(test_format_utc),
      cmocka_unit_test_setup_teardown(test_replace_file, tmpdir_setup, tmpdir_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
