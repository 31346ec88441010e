/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hr_host_realpath() must answer exactly as realpath(3) does, with and
 * without the per-apply memo: the host-mounts rule judges bind sources by
 * it.  hr_rootfs_resolve() walks the same tree as a container's rootfs.  A tree of directories,
 * files and symlinks (relative, absolute, dangling, looping, chains around the 40-link limit) under
 * a temporary directory, and every path made of its names up to five deep, compared result and
 * errno. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/json.h"
#include "hardrun/refusals.h"

static char tmpdir[] = "/tmp/hr-resolve.XXXXXX";

static void mk(const char *kind, const char *rel, const char *target)
{
  char path[PATH_MAX];
  int r;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
  if (strcmp(kind, "dir") == 0) {
    r = mkdir(path, 0755);
  } else if (strcmp(kind, "file") == 0) {
    FILE *f = fopen(path, "we");
    r = f == NULL ? -1 : fclose(f);
  } else {
    char t[PATH_MAX];
    /* "@" at the start of a target stands for the temporary directory. */
    if (target[0] == '@')
      snprintf(t, sizeof(t), "%s%s", tmpdir, target + 1);
    else
      snprintf(t, sizeof(t), "%s", target);
    r = symlink(t, path);
  }
  if (r < 0)
    fail_msg("make %s %s: %s", kind, path, strerror(errno));
}

static int setup(void **state)
{
  static const char *const tree[][3] = {
      {"dir", "a", NULL},
      {"dir", "a/b", NULL},
      {"dir", "c", NULL},
      {"file", "a/f", NULL},
      {"link", "a/lc", "../c"},
      {"link", "abs", "@/a"},
      {"link", "loop1", "loop2"},
      {"link", "loop2", "loop1"},
      {"link", "a/lf", "f"},
      {"link", "dang", "missing"},
      {"link", "a/b/up", "../../.."},
      {"link", "a/weird", "lc/../a"},
      {"link", "self", "."},
      {"link", "slash", "/"},
      {"link", "a/lfs", "f/"},
      {"link", "root", "/tmp/../tmp"},
  };
  char name[32], target[32];

  (void)state;
  if (mkdtemp(tmpdir) == NULL)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(tree); i++)
    mk(tree[i][0], tree[i][1], tree[i][2]);
  /* chain0 -> chain1 -> ... -> chain41 -> a: 42 links from chain0 */
  for (int i = 0; i < 42; i++) {
    snprintf(name, sizeof(name), "chain%d", i);
    snprintf(target, sizeof(target), i == 41 ? "a" : "chain%d", i + 1);
    mk("link", name, target);
  }
  return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int teardown(void **state)
{
  (void)state;
  return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* One path: the same answer from both. */
static void same(const char *path)
{
  char want[PATH_MAX], got[PATH_MAX];
  char *r = realpath(path, want);
  int e = r == NULL ? errno : 0;
  int g = hr_host_realpath(path, got);

  if (r == NULL && g != -e)
    fail_msg("%s: realpath fails with %s, hr_host_realpath returns %d (%s)", path, strerror(e), g,
             g == 0 ? got : strerror(-g));
  if (r != NULL && (g != 0 || strcmp(want, got) != 0))
    fail_msg("%s: realpath gives %s, hr_host_realpath %s", path, want, g == 0 ? got : strerror(-g));
}

static const char *const names[] = {
    "a",  "b", "c", "f",       "lc",   "lf",    "abs", "dang", "loop1",  "up",     "weird",
    "..", ".", "",  "missing", "self", "slash", "lfs", "root", "chain0", "chain1", "chain2"};

/* Every path of `depth` names below the temporary directory, with and
 * without a trailing slash. */
static void walk(char *path, size_t len, int depth)
{
  same(path);
  if (len + 2 < PATH_MAX) {
    path[len] = '/';
    path[len + 1] = '\0';
    same(path);
    path[len] = '\0';
  }
  if (depth == 0)
    return;
  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++) {
    size_t n = strlen(names[i]);
    if (len + 1 + n >= 256)
      continue;
    path[len] = '/';
    memcpy(path + len + 1, names[i], n + 1);
    walk(path, len + 1 + n, depth - 1);
    path[len] = '\0';
  }
}

static void test_like_realpath(void **state)
{
  char path[PATH_MAX];

  (void)state;
  snprintf(path, sizeof(path), "%s", tmpdir);
  walk(path, strlen(path), 3);
}

static void test_like_realpath_memo(void **state)
{
  char path[PATH_MAX];

  (void)state;
  hr_host_resolve_begin();
  snprintf(path, sizeof(path), "%s", tmpdir);
  walk(path, strlen(path), 3);
  hr_host_resolve_end();
}

static void test_host_paths(void **state)
{
  static const char *const paths[] = {
      "/",
      "/..",
      "/../../etc",
      "//tmp///",
      "/proc/self/exe",
      "/proc/self/cwd",
      "/var/run",
      "/var/run/..",
      "/dev/stdin",
      "/etc/passwd/",
      "/etc/passwd/x",
      "/nonexistent/..",
      "/usr/bin",
      "/usr/lib/../bin",
      "/sys/fs/cgroup/.",
      "relative-missing",
      ".",
  };

  (void)state;
  for (int memo = 0; memo < 2; memo++) {
    if (memo)
      hr_host_resolve_begin();
    for (size_t i = 0; i < HR_ARRAY_SIZE(paths); i++)
      same(paths[i]);
    hr_host_resolve_end();
  }
}

/* hr_host_file_type() is lstat's S_IFMT, or 0 when lstat fails. */
static void test_file_type(void **state)
{
  static const char *const rel[] = {"a", "a/f", "a/lc", "dang", "missing", "a/f/x", "loop1", ""};
  char path[PATH_MAX];
  struct stat st;

  (void)state;
  for (int memo = 0; memo < 2; memo++) {
    if (memo)
      hr_host_resolve_begin();
    for (int twice = 0; twice < 2; twice++) {
      for (size_t i = 0; i < HR_ARRAY_SIZE(rel); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, rel[i]);
        mode_t want = lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
        assert_int_equal(hr_host_file_type(path), want);
      }
      assert_int_equal(hr_host_file_type("/dev/null"), S_IFCHR);
    }
    hr_host_resolve_end();
  }
}

/* An answer is kept only for one apply: the next sees the change. */
static void test_memo_ends(void **state)
{
  char dir[PATH_MAX], path[PATH_MAX], got[PATH_MAX];

  (void)state;
  snprintf(dir, sizeof(dir), "%s/moving", tmpdir);
  snprintf(path, sizeof(path), "%s/moving/x", tmpdir);
  assert_int_equal(mkdir(dir, 0755), 0);
  hr_host_resolve_begin();
  assert_int_equal(hr_host_realpath(path, got), -ENOENT);
  assert_int_equal(hr_host_realpath(dir, got), 0);
  assert_string_equal(got, dir);
  hr_host_resolve_end();
  assert_int_equal(rmdir(dir), 0);
  assert_int_equal(symlink("a", dir), 0);
  hr_host_resolve_begin();
  assert_int_equal(hr_host_realpath(dir, got), 0);
  snprintf(path, sizeof(path), "%s/a", tmpdir);
  assert_string_equal(got, path);
  hr_host_resolve_end();
  assert_int_equal(unlink(dir), 0);
}

/* hr_rootfs_resolve(): the same tree seen as a container's rootfs, where
 * runc (filepath-securejoin) keeps every link inside it.  A want of NULL
 * is an error with `code`. */
static void test_rootfs_resolve(void **state)
{
  static const struct {
    const char *path, *want;
    int code;
  } rows[] = {
      {"/", "/", 0},
      {"//a///lc/", "/c", 0},
      {"/a/lc/x", "/c/x", 0},
      {"/a/b/up/etc", "/etc", 0},
      {"/a/b/up/../../..", "/", 0},
      {"/slash/a/lf", "/a/f", 0},
      {"/root/x", "/tmp/x", 0},
      {"/dang/y", "/missing/y", 0},
      {"/missing/../a/lc", "/c", 0},
      /* below a missing name nothing is looked up; ".." climbs back to
       * where names exist again */
      {"/missing/a/lc", "/missing/a/lc", 0},
      {"/missing/x/../../a/lc", "/c", 0},
      {"/a/missing/../lc/x", "/c/x", 0},
      {"/dang/a/../../a/lc", "/c", 0},
      {"/a/weird", "/a", 0},
      {"/self/self/a", "/a", 0},
      {"/chain0/b", "/a/b", 0},
      {"a/lc", "/c", 0},
      {"/loop1/x", NULL, ELOOP},
      {"/a/f/x", NULL, ENOTDIR},
  };
  char root[PATH_MAX], abs_want[PATH_MAX];

  (void)state;
  for (int memo = 0; memo < 2; memo++) {
    if (memo)
      hr_host_resolve_begin();
    for (int slash = 0; slash < 2; slash++) {
      snprintf(root, sizeof(root), "%s%s", tmpdir, slash ? "/" : "");
      for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
        cleanup_free char *got = NULL;
        struct hr_error err = {0};
        int r = hr_rootfs_resolve(root, rows[i].path, &got, &err);
        if (rows[i].want == NULL) {
          if (r >= 0)
            fail_msg("%s: expected %s, got %s", rows[i].path, strerror(rows[i].code), got);
          assert_int_equal(err.code, rows[i].code);
          continue;
        }
        assert_ok(r, &err);
        if (strcmp(got, rows[i].want) != 0)
          fail_msg("%s: got %s, want %s", rows[i].path, got, rows[i].want);
      }
      /* abs -> <tmpdir>/a, a host path, taken inside the rootfs */
      cleanup_free char *got = NULL;
      struct hr_error err = {0};
      assert_ok(hr_rootfs_resolve(root, "/abs/z", &got, &err), &err);
      snprintf(abs_want, sizeof(abs_want), "%s/a/z", tmpdir);
      assert_string_equal(got, abs_want);
    }
    hr_host_resolve_end();
  }
}

/* Where a path lies in its filesystem, from a mount table given as text:
 * bind roots, the longest mount point at a "/" boundary, escapes, a later
 * mount on the same point hiding an earlier one, malformed lines. */
static void test_fs_path(void **state)
{
  static const char table[] = "21 1 254:0 /ostree/deploy/os / rw - ext4 /dev/vda rw\n"
                              "22 21 254:0 /ostree/deploy/os/etc /etc rw - ext4 /dev/vda rw\n"
                              "23 21 254:0 /etc/ssl /srv/ssl rw - ext4 /dev/vda rw\n"
                              "24 21 0:5 / /dev rw - devtmpfs devtmpfs rw\n"
                              "25 21 8:1 /data /mnt/with\\040space rw - ext4 /dev/sdb rw\n"
                              "26 21 8:2 /a /m rw - ext4 /dev/sdc rw\n"
                              "27 26 8:3 /b /m rw - ext4 /dev/sdd rw\n"
                              "garbage\n"
                              "28 21 x:y / /bad rw - ext4 /dev/sde rw\n"
                              "29 21 8:4 relative /rel rw - ext4 /dev/sdf rw\n";
  /* Not static: makedev() is no constant expression. */
  const struct {
    const char *path;
    dev_t dev;
    const char *fs;
  } rows[] = {
      {"/", makedev(254, 0), "/ostree/deploy/os"},
      {"/usr/lib", makedev(254, 0), "/ostree/deploy/os/usr/lib"},
      {"/etc", makedev(254, 0), "/ostree/deploy/os/etc"},
      {"/etc/passwd", makedev(254, 0), "/ostree/deploy/os/etc/passwd"},
      {"/srv/ssl", makedev(254, 0), "/etc/ssl"},
      {"/srv/ssl/certs", makedev(254, 0), "/etc/ssl/certs"},
      {"/srv/sslx", makedev(254, 0), "/ostree/deploy/os/srv/sslx"},
      {"/dev", makedev(0, 5), "/"},
      {"/dev/sda", makedev(0, 5), "/sda"},
      {"/mnt/with space/x", makedev(8, 1), "/data/x"},
      {"/mnt/with\\040space", makedev(254, 0), "/ostree/deploy/os/mnt/with\\040space"},
      {"/m/f", makedev(8, 3), "/b/f"},
      {"/bad/f", makedev(254, 0), "/ostree/deploy/os/bad/f"},
      {"/rel", makedev(254, 0), "/ostree/deploy/os/rel"},
  };
  char fs[PATH_MAX];
  dev_t dev;

  (void)state;
  hr_host_resolve_begin();
  assert_int_equal(hr_host__mounts_use(table), 0);
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    assert_int_equal(hr_host_fs_path(rows[i].path, &dev, fs), 0);
    if (strcmp(fs, rows[i].fs) != 0 || dev != rows[i].dev)
      fail_msg("%s: got %s on %u:%u, want %s on %u:%u", rows[i].path, fs, major(dev), minor(dev),
               rows[i].fs, major(rows[i].dev), minor(rows[i].dev));
  }
  assert_int_equal(hr_host_fs_path("relative", &dev, fs), -EINVAL);
  hr_host_resolve_end();
  /* No table but "/" mounts: nothing else is a mount point. */
  hr_host_resolve_begin();
  assert_int_equal(hr_host__mounts_use("1 0 8:1 / /x rw - ext4 /dev/sda rw\n"), 0);
  assert_int_equal(hr_host_fs_path("/y", &dev, fs), -ENOENT);
  hr_host_resolve_end();
}

/* hr_host_sole_writer on `rel` below the temporary directory: 0, or -1
 * with `want` in the message. */
static void writer(const char *rel, const char *want)
{
  struct hr_error err = {0};
  char path[PATH_MAX];
  int r;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
  r = hr_host_sole_writer(path, "config.json", &err);
  if (want == NULL && r != 0)
    fail_msg("%s: refused: %s", rel, err.msg);
  if (want != NULL && (r != -1 || err.kind != HR_ERR_REFUSED || strstr(err.msg, want) == NULL))
    fail_msg("%s: %d \"%s\", want a refusal with \"%s\"", rel, r, err.msg, want);
}

/* Who else could put another file in place of one before the runtime
 * reads it by name.  Needs root to give files to another uid. */
static void test_sole_writer(void **state)
{
  static const char *const tree[][3] = {
      {"dir", "w", NULL},
      {"dir", "w/ok", NULL},
      {"file", "w/ok/config.json", NULL},
      {"dir", "w/user", NULL},
      {"file", "w/user/config.json", NULL},
      {"dir", "w/group", NULL},
      {"file", "w/group/config.json", NULL},
      {"dir", "w/sticky", NULL},
      {"dir", "w/sticky/mine", NULL},
      {"file", "w/sticky/mine/config.json", NULL},
      {"dir", "w/sticky/theirs", NULL},
      {"file", "w/sticky/theirs/config.json", NULL},
      {"link", "w/user/to-ok", "../ok"},
      {"link", "w/ok/via-user", "../user/to-ok"},
      {"file", "w/ok/theirs.json", NULL},
      {"file", "w/ok/open.json", NULL},
  };
  char p[PATH_MAX];

  (void)state;
  if (geteuid() != 0)
    skip();
  for (size_t i = 0; i < HR_ARRAY_SIZE(tree); i++) {
    mk(tree[i][0], tree[i][1], tree[i][2]);
    /* whatever the umask */
    if (strcmp(tree[i][0], "link") != 0) {
      snprintf(p, sizeof(p), "%s/%s", tmpdir, tree[i][1]);
      assert_int_equal(chmod(p, strcmp(tree[i][0], "dir") == 0 ? 0755 : 0644), 0);
    }
  }
#define AT(rel) (snprintf(p, sizeof(p), "%s/%s", tmpdir, rel), p)
  assert_int_equal(chown(AT("w/user"), 12345, 0), 0);
  assert_int_equal(chmod(AT("w/group"), 0775), 0);
  assert_int_equal(chmod(AT("w/sticky"), 01777), 0);
  assert_int_equal(chown(AT("w/sticky/theirs"), 12345, 0), 0);
  assert_int_equal(lchown(AT("w/user/to-ok"), 12345, 0), 0);
  assert_int_equal(chown(AT("w/ok/theirs.json"), 12345, 0), 0);
  assert_int_equal(chmod(AT("w/ok/open.json"), 0646), 0);
#undef AT
  writer("w/ok/config.json", NULL);
  /* asked after the file was read: gone by then, or a path longer than the
   * walk takes (which the readers, opening from the directory, still
   * reach), is not judged and fails closed */
  writer("w/ok/missing.json", "/w/ok/missing.json` cannot be judged (No such file or directory)");
  {
    /* tmpdir, then "/." up to past PATH_MAX, then the file */
    char *longp = malloc(PATH_MAX + 512);
    struct hr_error err = {0};
    size_t n;
    assert_non_null(longp);
    n = (size_t)snprintf(longp, PATH_MAX + 512, "%s/w", tmpdir);
    while (n < PATH_MAX)
      n += (size_t)snprintf(longp + n, PATH_MAX + 512 - n, "/.");
    snprintf(longp + n, PATH_MAX + 512 - n, "/ok/config.json");
    assert_int_equal(hr_host_sole_writer(longp, "config.json", &err), -1);
    assert_non_null(strstr(err.msg, "cannot be judged (File name too long)"));
    free(longp);
  }
  writer("w/user/config.json", "/w/user` belongs to uid 12345, who could put another config.json");
  writer("w/group/config.json", "/w/group` is writable by its group or others (mode 0775)");
  writer("w/sticky/mine/config.json", NULL);
  writer("w/sticky/theirs/config.json",
         "/w/sticky/theirs` belongs to uid 12345, who may move it out of the sticky directory");
  /* a link another user owns cannot be changed, only replaced, by whoever
   * may write the directory it is in */
  writer("w/ok/via-user/config.json", "/w/user` belongs to uid 12345");
  writer("w/ok/theirs.json", "/w/ok/theirs.json` belongs to uid 12345, who could change it");
  writer("w/ok/open.json", "/w/ok/open.json` is writable by its group or others (mode 0646)");
  /* relative to the working directory, as runc reads --bundle */
  {
    struct hr_error err = {0};
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmpdir), 0);
    assert_int_equal(hr_host_sole_writer("w/ok/config.json", "config.json", &err), 0);
    assert_int_equal(hr_host_sole_writer("w/group/../group/config.json", "config.json", &err), -1);
    assert_int_equal(chdir(cwd), 0);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_like_realpath), cmocka_unit_test(test_like_realpath_memo),
      cmocka_unit_test(test_host_paths),    cmocka_unit_test(test_file_type),
      cmocka_unit_test(test_memo_ends),     cmocka_unit_test(test_rootfs_resolve),
      cmocka_unit_test(test_fs_path),       cmocka_unit_test(test_sole_writer),
  };

  return cmocka_run_group_tests(tests, setup, teardown);
}
