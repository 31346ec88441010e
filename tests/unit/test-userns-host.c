/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "user-namespace" control on this host, in a temporary directory:
 * liveness against /proc, the locked state directory, real POSIX ACLs
 * checked against the kernel by a child that switches to the uid in
 * question, and the bound create, abort and delete cycle with its
 * slices.json and ACL grants. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "userns-harness.h"

#define ACL_XATTR "system.posix_acl_access"

/* ---- liveness -------------------------------------------------------------------------------- */

/* A child that lives until its pipe is closed. */
struct child {
  pid_t pid;
  int fd;
};

static struct child child_start(void)
{
  int p[2];
  char c;
  struct child ch;

  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  ch.pid = fork();
  assert_true(ch.pid >= 0);
  if (ch.pid == 0) {
    close(p[1]);
    if (read(p[0], &c, 1) < 0)
      _exit(1);
    _exit(0);
  }
  close(p[0]);
  ch.fd = p[1];
  return ch;
}

/* The start time of a live process as /proc shows it (field 22). */
static uint64_t proc_start(pid_t pid)
{
  char path[64], buf[1024], *p;
  unsigned long long start;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  f = fopen(path, "re");
  assert_non_null(f);
  assert_non_null(fgets(buf, sizeof(buf), f));
  fclose(f);
  p = strrchr(buf, ')');
  assert_non_null(p);
  assert_int_equal(sscanf(p + 2,
                          "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                          "%*d %*d %*d %llu",
                          &start),
                   1);
  return start;
}

static void live_by_process(void **state)
{
  uint64_t start = my_start();
  struct hr_userns_slice s = {.root = "/nonexistent-root", .id = "c", .pid = getpid()};
  struct child ch = child_start();
  uint64_t child_start_time = proc_start(ch.pid);
  pid_t gone;

  /* the same as an independent read of /proc/self/stat */
  assert_int_equal(start, proc_start(getpid()));
  s.pid_start = start;
  assert_true(hr_userns_slice_live(&s));
  assert_true(hr_userns_pid_live(getpid(), start));
  /* the pid reused by another process: another start time */
  s.pid_start = start + 1;
  assert_false(hr_userns_slice_live(&s));
  s.pid_start = start - 1;
  assert_false(hr_userns_slice_live(&s));
  s.pid_start = start;
  s.pid = 0;
  assert_false(hr_userns_slice_live(&s));
  s.pid = -1;
  assert_false(hr_userns_slice_live(&s));

  /* a live child, then the same child as a zombie, then reaped */
  s.pid = ch.pid;
  s.pid_start = child_start_time;
  assert_true(hr_userns_slice_live(&s));
  close(ch.fd);
  siginfo_t si = {0};
  assert_int_equal(waitid(P_PID, ch.pid, &si, WEXITED | WNOWAIT), 0);
  assert_int_equal(si.si_pid, ch.pid);
  assert_false(hr_userns_slice_live(&s));
  gone = ch.pid;
  assert_int_equal(waitpid(ch.pid, NULL, 0), ch.pid);
  assert_false(hr_userns_pid_live(gone, child_start_time));
  /* a pid above any pid_max */
  assert_false(hr_userns_pid_live(2147483647, 1));
}

static void live_by_directory(void **state)
{
  cleanup_free char *root = new_path("root"), *dir = join(root, "c0ffee");
  cleanup_free char *file = join(root, "afile"), *link = join(root, "alink");
  struct hr_userns_slice s = {.root = root, .id = "c0ffee", .pid = 2147483647, .pid_start = 1};

  assert_int_equal(mkdir(root, 0700), 0);
  /* neither the directory nor the process */
  assert_false(hr_userns_slice_live(&s));
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_true(hr_userns_slice_live(&s));
  /* another id under the same root is not this one */
  s.id = "c0ffe";
  assert_false(hr_userns_slice_live(&s));
  /* runc's state is a directory: a file there does not keep the slice,
   * whatever errno held before */
  write_text(file, "");
  s.id = "afile";
  errno = EACCES;
  assert_false(hr_userns_slice_live(&s));
  /* a symlink to a directory is not runc's directory either */
  assert_int_equal(symlink(dir, link), 0);
  s.id = "alink";
  errno = EIO;
  assert_false(hr_userns_slice_live(&s));
}

/* ---- the locked state directory -------------------------------------------------------------- */

static mode_t mode_of(const char *path)
{
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  return st.st_mode & 07777;
}

/* Can another open file description take the lock right now? */
static bool lock_free(const char *lock)
{
  int fd = open(lock, O_RDWR | O_CLOEXEC);
  bool ok;

  assert_true(fd >= 0);
  ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (!ok)
    assert_int_equal(errno, EWOULDBLOCK);
  close(fd);
  return ok;
}

static void state_create_save_reopen(void **state)
{
  cleanup_free char *dir = new_path("state"), *uns = join(dir, "userns");
  cleanup_free char *lock = join(uns, "lock"), *table = join(uns, "slices.json"), *text = NULL;
  struct hr_userns_slice s = {.uid = 100000,
                              .gid = 200000,
                              .size = 65536,
                              .root = "/run/runc",
                              .id = "c1",
                              .pid = 5,
                              .pid_start = 6};
  struct hr_userns_state st;
  struct hr_error err = {0};
  struct stat sb;

  /* nothing allocated yet: -2, and nothing is made */
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -2);
  assert_int_equal(stat(dir, &sb), -1);
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -2);
  assert_int_equal(stat(uns, &sb), -1);
  assert_int_equal(rmdir(dir), 0);

  assert_ok(hr_userns_state_open(dir, true, &st, &err), &err);
  assert_int_equal(st.table.len, 0);
  assert_int_equal(mode_of(dir), 0700);
  assert_int_equal(mode_of(uns), 0700);
  assert_int_equal(mode_of(lock), 0600);
  assert_false(lock_free(lock));
  /* opened, not saved: no table file yet */
  assert_int_equal(stat(table, &sb), -1);
  st.table.items = calloc(1, sizeof(*st.table.items));
  assert_non_null(st.table.items);
  st.table.items[0] = s;
  st.table.items[0].root = strdup(s.root);
  st.table.items[0].id = strdup(s.id);
  st.table.len = 1;
  assert_ok(hr_userns_state_save(&st, &err), &err);
  hr_userns_state_close(&st);
  assert_int_equal(st.dirfd, -1);
  assert_int_equal(st.lockfd, -1);
  assert_true(lock_free(lock));
  assert_int_equal(mode_of(table), 0600);
  text = read_text(table);
  assert_string_equal(text, "{\"slices\":[{\"uid\":100000,\"gid\":200000,\"size\":65536,\"root\":"
                            "\"/run/runc\",\"id\":\"c1\",\"pid\":5,\"pidStart\":6,\"acl\":[]}]}");

  /* read back by an open that does not create */
  assert_ok(hr_userns_state_open(dir, false, &st, &err), &err);
  assert_int_equal(st.table.len, 1);
  assert_same_slice(&st.table.items[0], &s);
  assert_false(lock_free(lock));
  hr_userns_state_close(&st);
}

static void expect_refused_dir(const char *dir, const char *want)
{
  struct hr_userns_state st;
  struct hr_error err = {0};

  assert_int_equal(hr_userns_state_open(dir, true, &st, &err), -1);
  if (!ends_with(err.msg, want))
    fail_msg("got \"%s\", want it to end in \"%s\"", err.msg, want);
  assert_int_equal(st.dirfd, -1);
  assert_int_equal(st.lockfd, -1);
}

/* Whoever can write the table hands out ids: a state directory others
 * can write, or a symlink in its place, is refused, never followed. */
static void state_untrusted(void **state)
{
  cleanup_free char *dir = new_path("state"), *uns = join(dir, "userns"), *want = NULL;
  cleanup_free char *other = new_path("elsewhere"), *table = join(uns, "slices.json");
  cleanup_free char *fake = new_path("fake.json");
  struct hr_userns_state st;
  struct hr_error err = {0};

  assert_int_equal(hr_userns_state_open("run/hardrun", true, &st, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, "stateDir must be an absolute path");

  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(chmod(dir, 0777), 0);
  assert_true(asprintf(&want,
                       "state directory `%s` must be owned by uid %u and writable by no one else "
                       "(it is uid %u, mode 0777)",
                       dir, (unsigned)geteuid(), (unsigned)geteuid()) > 0);
  expect_refused_dir(dir, want);
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, want);
  free(want);
  assert_int_equal(chmod(dir, 0755), 0);

  /* the userns directory writable by its group */
  assert_int_equal(mkdir(uns, 0700), 0);
  assert_int_equal(chmod(uns, 0770), 0);
  assert_true(asprintf(&want,
                       "state directory `%s` must be owned by uid %u and writable by no one "
                       "else (it is uid %u, mode 0770)",
                       uns, (unsigned)geteuid(), (unsigned)geteuid()) > 0);
  expect_refused_dir(dir, want);
  assert_int_equal(rmdir(uns), 0);

  /* a symlink to a directory that would pass */
  assert_int_equal(mkdir(other, 0700), 0);
  assert_int_equal(symlink(other, uns), 0);
  free(want);
  assert_true(asprintf(&want, "open state directory `%s`: Not a directory", uns) > 0);
  expect_refused_dir(dir, want);
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -1);
  assert_int_equal(err.kind, HR_ERR_SYSTEM);
  assert_int_equal(unlink(uns), 0);

  /* a table that is not one: refused with where it is */
  assert_ok(hr_userns_state_open(dir, true, &st, &err), &err);
  hr_userns_state_close(&st);
  write_text(table, "{\"slices\":[{\"uid\":1}]}");
  free(want);
  assert_true(
      asprintf(&want, "%s: slices.json: slice 0: bad uid, gid, size, pid or pidStart", uns) > 0);
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -1);
  assert_string_equal(err.msg, want);
  assert_int_equal(st.lockfd, -1);
  /* and a symlinked table is not read */
  assert_int_equal(unlink(table), 0);
  write_text(fake, "{\"slices\":[]}");
  assert_int_equal(symlink(fake, table), 0);
  assert_int_equal(hr_userns_state_open(dir, false, &st, &err), -1);
}

/* ---- ACLs ------------------------------------------------------------------------------------ */

/* Does the kernel let (uid, gid), with no supplementary groups, look up
 * a name in `dir`?  Asked by a child that becomes that user. */
static bool kernel_can_search(const char *dir, uid_t uid, gid_t gid)
{
  cleanup_free char *dot = join(dir, ".");
  struct stat st;
  int status;
  pid_t pid = fork();

  assert_true(pid >= 0);
  if (pid == 0) {
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
      _exit(3);
    if (stat(dot, &st) == 0)
      _exit(0);
    _exit(errno == EACCES ? 1 : 2);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
  return WEXITSTATUS(status) == 0;
}

static int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
  cleanup_free char *cmd = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&cmd, fmt, ap);
  va_end(ap);
  assert_true(n > 0);
  return system(cmd);
}

/* The access ACL as getfacl prints it, numeric, without comments. */
static char *getfacl(const char *path)
{
  cleanup_free char *cmd = NULL;
  char *out = NULL, buf[256];
  size_t len = 0, n;
  FILE *p, *m = open_memstream(&out, &len);

  assert_non_null(m);
  assert_true(asprintf(&cmd, "getfacl -cnpE -- '%s'", path) > 0);
  p = popen(cmd, "re");
  assert_non_null(p);
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
    fwrite(buf, 1, n, m);
  assert_int_equal(pclose(p), 0);
  fclose(m);
  return out;
}

static bool has_acl_xattr(const char *path)
{
  char buf[1024];
  ssize_t n = lgetxattr(path, ACL_XATTR, buf, sizeof(buf));

  if (n < 0)
    assert_int_equal(errno, ENODATA);
  return n >= 0;
}

/* ACLs need the tools for the independent checks and a file system that
 * stores them; without either the ACL tests skip, saying why. */
static bool acl_usable(void)
{
  char buf[64];
  static int usable = -1;

  if (usable < 0) {
    usable = 1;
    if (geteuid() != 0) {
      print_message("# skip: ACL tests need root (chown, and a child that changes uid)\n");
      usable = 0;
    } else if (sh("command -v getfacl >/dev/null && command -v setfacl >/dev/null") != 0) {
      print_message("# skip: getfacl/setfacl are not installed (apt-get install acl)\n");
      usable = 0;
    } else if (getxattr(tmpdir, ACL_XATTR, buf, sizeof(buf)) < 0 && errno == EOPNOTSUPP) {
      print_message("# skip: %s does not support POSIX ACLs (EOPNOTSUPP)\n", tmpdir);
      usable = 0;
    }
  }
  return usable == 1;
}

static char *acl_dir(mode_t mode, uid_t uid, gid_t gid, const char *setfacl)
{
  char *dir = new_path("acl");

  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(chown(dir, uid, gid), 0);
  assert_int_equal(chmod(dir, mode), 0);
  if (setfacl != NULL && sh("setfacl -m '%s' '%s'", setfacl, dir) != 0)
    fail_msg("setfacl -m %s failed", setfacl);
  return dir;
}

struct search_case {
  const char *name;
  mode_t mode;
  uid_t owner;
  gid_t group;
  const char *setfacl; /* entries to add first, NULL = none */
  bool want;           /* uid 300000, gid 300000 can search */
};

static const struct search_case search_cases[] = {
    {"acl: a 0700 root directory is closed", 0700, 0, 0, NULL, false},
    {"acl: o+x opens it without a grant", 0701, 0, 0, NULL, true},
    {"acl: the owning group's x", 0710, 0, 300000, NULL, true},
    {"acl: the owning group without x wins over other's x", 0761, 0, 300000, NULL, false},
    {"acl: the owner's bits decide for the owner (none)", 0077, 300000, 0, NULL, false},
    {"acl: the owner's bits decide for the owner (x)", 0100, 300000, 300000, NULL, true},
    {"acl: a named entry with x", 0700, 0, 0, "u:300000:x", true},
    {"acl: a named entry without x wins over other's x", 0705, 0, 0, "u:300000:-,m::r", false},
    /* with a mask of --- the kernel skips the ACL: the mode bits decide */
    {"acl: a --- mask hides a denying entry: other decides", 0705, 0, 0, "u:300000:-", true},
    {"acl: a --- mask hides an allowing entry", 0700, 0, 0, "u:300000:x,m::-", false},
    {"acl: a --- mask and the owning group's class", 0701, 0, 300000, "u:400000:-", false},
    {"acl: a named entry's x cut by the mask", 0700, 0, 0, "u:300000:x,m::r", false},
    {"acl: another uid's named entry leaves other", 0701, 0, 0, "u:300001:-", true},
    {"acl: a named group with x", 0700, 0, 0, "g:300000:x", true},
    {"acl: a named group without x wins over other's x", 0701, 0, 0, "g:300000:r", false},
    {"acl: the owner's bits win over a named entry for the owner", 0000, 300000, 0, "u:300000:x",
     false},
};

static void run_search_case(void **state)
{
  const struct search_case *c = *state;
  cleanup_free char *dir = NULL;
  cleanup_close int fd = -1;
  struct hr_error err = {0};
  int r;

  if (!acl_usable())
    skip();
  dir = acl_dir(c->mode, c->owner, c->group, c->setfacl);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  r = hr_acl_can_search(fd, 300000, 300000, &err);
  assert_ok(r, &err);
  /* the model agrees with the kernel, and both with the row */
  assert_int_equal(kernel_can_search(dir, 300000, 300000), c->want);
  assert_int_equal(r, c->want);
}

static void grant_x(const char *dir, uid_t uid)
{
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct hr_error err = {0};

  assert_true(fd >= 0);
  assert_ok(hr_acl_grant_search(fd, dir, uid, &err), &err);
}

static void revoke_x(const char *dir, uid_t uid)
{
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct hr_error err = {0};

  assert_true(fd >= 0);
  assert_ok(hr_acl_revoke(fd, dir, uid, &err), &err);
}

static int can_search(const char *dir, uid_t uid, gid_t gid)
{
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct hr_error err = {0};
  int r;

  assert_true(fd >= 0);
  r = hr_acl_can_search(fd, uid, gid, &err);
  assert_ok(r, &err);
  return r;
}

static void assert_acl(const char *dir, const char *want)
{
  cleanup_free char *got = getfacl(dir);
  if (strcmp(got, want) != 0)
    fail_msg("getfacl %s\n  got:\n%s  want:\n%s", dir, got, want);
}

/* Grant, check as the kernel, revoke: the directory ends as it began. */
static void acl_grant_revoke(void **state)
{
  cleanup_free char *dir = NULL;

  if (!acl_usable())
    skip();
  dir = acl_dir(0700, 0, 0, NULL);
  assert_int_equal(can_search(dir, 300000, 300000), 0);
  assert_false(kernel_can_search(dir, 300000, 300000));

  grant_x(dir, 300000);
  assert_acl(dir, "user::rwx\nuser:300000:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_int_equal(can_search(dir, 300000, 300000), 1);
  assert_true(kernel_can_search(dir, 300000, 300000));
  /* only that uid: not another, not the owning group (its bits stay ---
   * even though the mode's group bits now show the mask) */
  assert_int_equal(mode_of(dir), 0710);
  assert_int_equal(can_search(dir, 300001, 300000), 0);
  assert_false(kernel_can_search(dir, 300001, 300000));
  assert_int_equal(can_search(dir, 400000, 0), 0);
  assert_false(kernel_can_search(dir, 400000, 0));

  /* a second grant, then the revokes in turn */
  grant_x(dir, 100000);
  assert_acl(dir, "user::rwx\nuser:100000:--x\nuser:300000:--x\ngroup::---\nmask::--x\n"
                  "other::---\n\n");
  revoke_x(dir, 300000);
  assert_acl(dir, "user::rwx\nuser:100000:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_false(kernel_can_search(dir, 300000, 300000));
  assert_true(kernel_can_search(dir, 100000, 100000));
  revoke_x(dir, 300000); /* nothing left to revoke: no change, no error */
  revoke_x(dir, 100000);
  assert_int_equal(mode_of(dir), 0700);
  assert_false(has_acl_xattr(dir));
  assert_acl(dir, "user::rwx\ngroup::---\nother::---\n\n");
  assert_false(kernel_can_search(dir, 100000, 100000));
  revoke_x(dir, 100000);
  assert_false(has_acl_xattr(dir));
}

/* The owning group's own bits survive the mask hardrun adds and drops. */
static void acl_group_bits_kept(void **state)
{
  cleanup_free char *dir = NULL;

  if (!acl_usable())
    skip();
  dir = acl_dir(0750, 0, 300000, NULL);
  assert_int_equal(can_search(dir, 100000, 200000), 0);
  grant_x(dir, 100000);
  assert_acl(dir, "user::rwx\nuser:100000:--x\ngroup::r-x\nmask::r-x\nother::---\n\n");
  assert_int_equal(mode_of(dir), 0750);
  assert_true(kernel_can_search(dir, 400000, 300000));
  assert_false(kernel_can_search(dir, 400000, 400000));
  revoke_x(dir, 100000);
  assert_int_equal(mode_of(dir), 0750);
  assert_false(has_acl_xattr(dir));

  /* an admin's named group entry stays, and with it the mask */
  free(dir);
  dir = acl_dir(0700, 0, 0, "g:500:rx");
  grant_x(dir, 100000);
  assert_acl(dir, "user::rwx\nuser:100000:--x\ngroup::---\ngroup:500:r-x\nmask::r-x\n"
                  "other::---\n\n");
  revoke_x(dir, 100000);
  assert_acl(dir, "user::rwx\ngroup::---\ngroup:500:r-x\nmask::r-x\nother::---\n\n");
}

/* What the admin decided is not overridden: a mask without x, or an
 * entry of that very uid that denies. */
static void acl_grant_refused(void **state)
{
  cleanup_free char *dir = NULL, *want = NULL, *before = NULL;
  cleanup_close int fd = -1;
  struct hr_error err = {0};

  if (!acl_usable())
    skip();
  dir = acl_dir(0700, 0, 0, "u:400000:rwx,m::rw");
  before = getfacl(dir);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(hr_acl_grant_search(fd, dir, 300000, &err), -1);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  assert_true(asprintf(&want,
                       "the ACL mask of `%s` denies search to every named entry; make the "
                       "directory searchable (chmod o+x)",
                       dir) > 0);
  assert_string_equal(err.msg, want);
  assert_acl(dir, before);

  free(dir);
  free(want);
  free(before);
  close(fd);
  dir = acl_dir(0700, 0, 0, "u:300000:-,m::x");
  before = getfacl(dir);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(hr_acl_grant_search(fd, dir, 300000, &err), -1);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  assert_true(asprintf(&want,
                       "the ACL of `%s` already has an entry for uid 300000 that denies search; "
                       "remove it or make the directory searchable",
                       dir) > 0);
  assert_string_equal(err.msg, want);
  assert_acl(dir, before);
  /* another uid is still granted beside it */
  assert_ok(hr_acl_grant_search(fd, dir, 300001, &err), &err);
  assert_true(kernel_can_search(dir, 300001, 300001));
  assert_false(kernel_can_search(dir, 300000, 300000));
}

/* ---- the bound control: create, abort, delete ------------------------------------------------ */

#define POOL_OF(n) "{\"userNamespace\":{\"pool\":{\"uid\":100000,\"gid\":200000,\"size\":" #n "}}}"
#define P_3        POOL_OF(196608) /* three slices */
#define P_4        POOL_OF(262144)

/* One container's world: runc's root, a bundle with a rootfs, a state
 * directory not yet made. */
struct world {
  char *base, *state, *root, *bundle, *rootfs;
};

static struct hr_userns_host host;

static int unbind(void **state)
{
  hr_userns_bind(NULL);
  return 0;
}

static void world_make(struct world *w, const char *under)
{
  w->base = new_path("world");
  assert_int_equal(mkdir(w->base, 0755), 0);
  assert_int_equal(chmod(w->base, 0755), 0);
  w->state = join(w->base, "state");
  w->root = join(w->base, "runc");
  assert_int_equal(mkdir(w->root, 0700), 0);
  if (under != NULL) {
    cleanup_free char *dir = join(w->base, under);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0700), 0);
    w->bundle = join(dir, "bundle");
  } else {
    w->bundle = join(w->base, "bundle");
  }
  w->rootfs = join(w->bundle, "rootfs");
  assert_int_equal(mkdir(w->bundle, 0755), 0);
  assert_int_equal(mkdir(w->rootfs, 0755), 0);
  assert_int_equal(chmod(w->bundle, 0755), 0);
  assert_int_equal(chmod(w->rootfs, 0755), 0);
}

static void world_free(struct world *w)
{
  free(w->base);
  free(w->state);
  free(w->root);
  free(w->bundle);
  free(w->rootfs);
}

/* Apply `profile` to a spec whose rootfs is the bundle's, bound to
 * container `id`: its mapped host uid and gid, or the error. */
static int create(const struct world *w, const char *profile, const char *id, bool dry_run,
                  uint32_t *ret_uid, uint32_t *ret_gid, struct hr_error *err)
{
  static const char spec[] = SPEC("", NS(NS5));
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const struct hr_json *linux_obj, *m;
  struct hr_changes ch = {0};
  uint64_t v;
  int r;

  host = (struct hr_userns_host){
      .state_dir = w->state, .root = w->root, .id = id, .bundle = w->bundle, .dry_run = dry_run};
  hr_userns_bind(&host);
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, err), err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, err), err);
  r = hr_policy_apply(p, doc, &ch, err);
  hr_changes_free(&ch);
  if (r < 0)
    return r;
  linux_obj = hr_json_get(hr_json_doc_root(doc), "linux");
  m = hr_json_get(linux_obj, "uidMappings")->u.array.items[0];
  assert_int_equal(hr_json_get_u64(hr_json_get(m, "hostID"), &v), 0);
  *ret_uid = (uint32_t)v;
  m = hr_json_get(linux_obj, "gidMappings")->u.array.items[0];
  assert_int_equal(hr_json_get_u64(hr_json_get(m, "hostID"), &v), 0);
  *ret_gid = (uint32_t)v;
  return 0;
}

static void create_ok(const struct world *w, const char *profile, const char *id, uint32_t uid)
{
  struct hr_error err = {0};
  uint32_t u = 0, g = 0;

  assert_ok(create(w, profile, id, false, &u, &g, &err), &err);
  assert_int_equal(u, uid);
  assert_int_equal(g, uid + 100000);
}

/* The table as "id:uid,..." in table order. */
static char *table_ids(const struct world *w)
{
  struct hr_userns_state st;
  struct hr_error err = {0};
  char *s = NULL;
  size_t len = 0;
  FILE *f;

  assert_ok(hr_userns_state_open(w->state, false, &st, &err), &err);
  f = open_memstream(&s, &len);
  assert_non_null(f);
  for (size_t i = 0; i < st.table.len; i++)
    fprintf(f, "%s%s:%" PRIu32, i ? "," : "", st.table.items[i].id, st.table.items[i].uid);
  fclose(f);
  hr_userns_state_close(&st);
  return s;
}

static void assert_ids(const struct world *w, const char *want)
{
  cleanup_free char *got = table_ids(w);
  assert_string_equal(got, want);
}

static void bind_take_next_abort(void **state)
{
  struct world w;
  cleanup_free char *table = NULL, *text = NULL, *want = NULL, *before = NULL;
  struct hr_error err = {0};
  uint32_t u, g;

  world_make(&w, NULL);
  table = join(w.state, "userns/slices.json");
  create_ok(&w, P_3, "c1", 100000);
  assert_int_equal(mode_of(w.state), 0700);
  assert_int_equal(mode_of(table), 0600);
  text = read_text(table);
  assert_true(asprintf(&want,
                       "{\"slices\":[{\"uid\":100000,\"gid\":200000,\"size\":65536,\"root\":\"%s\","
                       "\"id\":\"c1\",\"pid\":%d,\"pidStart\":%" PRIu64 ",\"acl\":[]}]}",
                       w.root, (int)getpid(), my_start()) > 0);
  assert_string_equal(text, want);

  /* another container, the next slice; its create fails: given back */
  create_ok(&w, P_3, "c2", 165536);
  assert_ids(&w, "c1:100000,c2:165536");
  hr_userns_abort();
  free(text);
  text = read_text(table);
  assert_string_equal(text, want);
  hr_userns_abort(); /* nothing taken since */
  assert_ids(&w, "c1:100000");
  create_ok(&w, P_3, "c3", 165536);

  /* a dry run shows the next slice and takes nothing */
  before = read_text(table);
  assert_ok(create(&w, P_3, "c9", true, &u, &g, &err), &err);
  assert_int_equal(u, 231072);
  assert_int_equal(g, 331072);
  free(text);
  text = read_text(table);
  assert_string_equal(text, before);

  /* abort gives back the slice this create took, not another entry of
   * the same pid (a pid reused since, say) */
  create_ok(&w, P_3, "c4", 231072);
  free(text);
  text = read_text(table);
  free(want);
  assert_true(asprintf(&want,
                       "%.*s,{\"uid\":100000,\"gid\":200000,\"size\":1,\"root\":\"/r\",\"id\":"
                       "\"same-pid\",\"pid\":%d,\"pidStart\":%" PRIu64 "}]}",
                       (int)strlen(text) - 2, text, (int)getpid(), my_start()) > 0);
  write_text(table, want);
  hr_userns_abort();
  assert_ids(&w, "c1:100000,c3:165536,same-pid:100000");
  create_ok(&w, P_3, "c5", 231072);

  /* the pool exhausted by live containers */
  assert_int_equal(create(&w, P_3, "c6", false, &u, &g, &err), -1);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  assert_string_equal(err.msg, REF("the id pool is exhausted: all 3 slices of 65536 ids are held "
                                   "by live containers"));
  assert_ids(&w, "c1:100000,c3:165536,same-pid:100000,c5:231072");
  assert_int_equal(create(&w, P_3, "c6", true, &u, &g, &err), -1);
  assert_string_equal(err.msg, REF("the id pool is exhausted"));
  world_free(&w);
}

/* runc's state.json for a container whose init is `pid`, started at
 * `start`, in <root>/<id>; with `fifo`, the exec.fifo of a created one. */
static void runc_state(const struct world *w, const char *id, const char *json, bool fifo)
{
  cleanup_free char *dir = join(w->root, id), *file = join(dir, "state.json");
  cleanup_free char *fifo_path = join(dir, "exec.fifo");

  assert_int_equal(mkdir(dir, 0711), 0);
  if (json != NULL)
    write_text(file, json);
  if (fifo)
    assert_int_equal(mkfifo(fifo_path, 0622), 0);
}

static void bind_forget(void **state)
{
  struct world w;
  cleanup_free char *running = NULL, *dead = NULL, *file = NULL;
  struct hr_error err = {0};

  world_make(&w, NULL);
  /* nothing was ever allocated: nothing to do */
  assert_ok(hr_userns_forget(w.state, w.root, "c1", false, &err), &err);
  assert_int_equal(access(w.state, F_OK), -1);

  create_ok(&w, P_4, "c1", 100000);
  create_ok(&w, P_4, "c2", 165536);
  create_ok(&w, P_4, "c3", 231072);
  create_ok(&w, P_4, "c4", 296608);
  assert_true(asprintf(&running,
                       "{\"id\":\"x\",\"init_process_pid\":%d,\"init_process_start\":%" PRIu64 "}",
                       (int)getpid(), my_start()) > 0);
  assert_true(asprintf(&dead, "{\"init_process_pid\":%d,\"init_process_start\":%" PRIu64 "}",
                       (int)getpid(), my_start() + 1) > 0);

  /* runc's directory is gone: released */
  assert_ok(hr_userns_forget(w.state, w.root, "c1", false, &err), &err);
  assert_ids(&w, "c2:165536,c3:231072,c4:296608");
  /* running (its init is this process): kept unless forced */
  runc_state(&w, "c2", running, false);
  assert_ok(hr_userns_forget(w.state, w.root, "c2", false, &err), &err);
  assert_ids(&w, "c2:165536,c3:231072,c4:296608");
  assert_ok(hr_userns_forget(w.state, w.root, "c2", true, &err), &err);
  assert_ids(&w, "c3:231072,c4:296608");
  /* created, waiting on its exec.fifo: runc's delete kills it */
  runc_state(&w, "c3", running, true);
  assert_ok(hr_userns_forget(w.state, w.root, "c3", false, &err), &err);
  assert_ids(&w, "c4:296608");
  /* unsure (no readable state) counts as running; a dead init does not */
  runc_state(&w, "c4", "{\"init_process_pid\":", false);
  assert_ok(hr_userns_forget(w.state, w.root, "c4", false, &err), &err);
  assert_ids(&w, "c4:296608");
  /* another id, or the same id under another root, is not this one */
  assert_ok(hr_userns_forget(w.state, w.root, "c5", true, &err), &err);
  assert_ok(hr_userns_forget(w.state, "/run/runc", "c4", true, &err), &err);
  assert_ids(&w, "c4:296608");
  assert_true(asprintf(&file, "%s/c4/state.json", w.root) > 0);
  write_text(file, dead);
  assert_ok(hr_userns_forget(w.state, w.root, "c4", false, &err), &err);
  assert_ids(&w, "");
  world_free(&w);
}

/* An entry nothing owns any more (crashed create, runc state gone) is
 * reclaimed by the next allocation; one whose runc directory exists is
 * not. */
static void bind_reclaim(void **state)
{
  struct world w;
  cleanup_free char *table = NULL, *text = NULL, *ghost_dir = NULL;

  world_make(&w, NULL);
  table = join(w.state, "userns/slices.json");
  ghost_dir = join(w.root, "kept");
  create_ok(&w, P_4, "c1", 100000);
  assert_true(asprintf(&text,
                       "{\"slices\":[{\"uid\":165536,\"gid\":265536,\"size\":65536,\"root\":\"%s\","
                       "\"id\":\"ghost\",\"pid\":2147483647,\"pidStart\":1},"
                       "{\"uid\":231072,\"gid\":331072,\"size\":65536,\"root\":\"%s\","
                       "\"id\":\"kept\",\"pid\":2147483647,\"pidStart\":1}]}",
                       w.root, w.root) > 0);
  write_text(table, text);
  assert_int_equal(mkdir(ghost_dir, 0700), 0);
  create_ok(&w, P_4, "c2", 100000);
  assert_ids(&w, "kept:231072,c2:100000");
  create_ok(&w, P_4, "c3", 165536);
  create_ok(&w, P_4, "c4", 296608);
  assert_ids(&w, "kept:231072,c2:100000,c3:165536,c4:296608");
  world_free(&w);
}

static uint64_t ino_of(const char *path, uint64_t *dev)
{
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  *dev = (uint64_t)st.st_dev;
  return (uint64_t)st.st_ino;
}

/* The bundle below a 0700 directory: the slice's root gets search there
 * (recorded with the slice), and loses it when the slice goes. */
static void bind_acl(void **state)
{
  struct world w;
  cleanup_free char *priv = NULL, *table = NULL, *text = NULL, *want = NULL;
  struct hr_error err = {0};
  uint64_t dev, ino;

  if (!acl_usable())
    skip();
  world_make(&w, "priv");
  priv = join(w.base, "priv");
  table = join(w.state, "userns/slices.json");
  ino = ino_of(priv, &dev);
  assert_false(kernel_can_search(w.rootfs, 100000, 200000));
  create_ok(&w, P_4, "c1", 100000);
  assert_true(kernel_can_search(w.rootfs, 100000, 200000));
  assert_false(kernel_can_search(w.rootfs, 165536, 265536));
  assert_acl(priv, "user::rwx\nuser:100000:--x\ngroup::---\nmask::--x\nother::---\n\n");
  text = read_text(table);
  assert_true(asprintf(&want,
                       "{\"slices\":[{\"uid\":100000,\"gid\":200000,\"size\":65536,\"root\":\"%s\","
                       "\"id\":\"c1\",\"pid\":%d,\"pidStart\":%" PRIu64
                       ",\"acl\":[{\"path\":\"%s\","
                       "\"dev\":%" PRIu64 ",\"ino\":%" PRIu64 "}]}]}",
                       w.root, (int)getpid(), my_start(), priv, dev, ino) > 0);
  assert_string_equal(text, want);

  create_ok(&w, P_4, "c2", 165536);
  assert_true(kernel_can_search(w.rootfs, 165536, 265536));
  assert_ok(hr_userns_forget(w.state, w.root, "c1", false, &err), &err);
  assert_acl(priv, "user::rwx\nuser:165536:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_false(kernel_can_search(w.rootfs, 100000, 200000));

  /* a create that fails after the grant gives it back */
  create_ok(&w, P_4, "c3", 100000);
  hr_userns_abort();
  assert_acl(priv, "user::rwx\nuser:165536:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_ids(&w, "c2:165536");

  assert_ok(hr_userns_forget(w.state, w.root, "c2", false, &err), &err);
  assert_int_equal(mode_of(priv), 0700);
  assert_false(has_acl_xattr(priv));
  assert_ids(&w, "");
  world_free(&w);
}

static void bind_acl_refused(void **state)
{
  struct world w;
  cleanup_free char *priv = NULL, *want = NULL, *moved = NULL;
  struct hr_error err = {0};
  uint32_t u, g;

  if (!acl_usable())
    skip();
  world_make(&w, "priv");
  priv = join(w.base, "priv");
  /* a rootfs the slice's root cannot search is refused, and the grant
   * made above it on the way is undone */
  assert_int_equal(chmod(w.rootfs, 0700), 0);
  assert_int_equal(create(&w, P_4, "c4", false, &u, &g, &err), -1);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  free(want);
  assert_true(
      asprintf(&want,
               "profile \"test\": rule \"user-namespace\": root.path: the rootfs `%s` is not "
               "searchable by the container's root (host uid 100000); make it mode 0755",
               w.rootfs) > 0);
  assert_string_equal(err.msg, want);
  assert_false(has_acl_xattr(priv));
  assert_int_equal(mode_of(priv), 0700);
  assert_int_equal(chmod(w.rootfs, 0755), 0);

  /* the directory replaced since the grant is not the one granted */
  create_ok(&w, P_4, "c5", 100000);
  moved = join(w.base, "moved");
  assert_int_equal(rename(priv, moved), 0);
  assert_int_equal(mkdir(priv, 0700), 0);
  assert_int_equal(sh("setfacl -m u:100000:x '%s'", priv), 0);
  assert_ok(hr_userns_forget(w.state, w.root, "c5", false, &err), &err);
  assert_acl(priv, "user::rwx\nuser:100000:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_ids(&w, "");
  world_free(&w);
}

/* The bundle named through a symlink (a data root moved elsewhere and
 * linked back, say): the grant lands on the directory the link leads to
 * and is revoked there too. */
static void bind_acl_symlink(void **state)
{
  struct world w;
  cleanup_free char *priv = NULL, *link = NULL, *linked_bundle = NULL;
  struct hr_error err = {0};

  if (!acl_usable())
    skip();
  world_make(&w, "priv");
  priv = join(w.base, "priv");
  link = join(w.base, "link");
  assert_int_equal(symlink("priv", link), 0);
  linked_bundle = join(link, "bundle");
  free(w.bundle);
  w.bundle = strdup(linked_bundle);
  create_ok(&w, P_4, "c1", 100000);
  assert_true(kernel_can_search(w.rootfs, 100000, 200000));
  assert_acl(priv, "user::rwx\nuser:100000:--x\ngroup::---\nmask::--x\nother::---\n\n");
  assert_ok(hr_userns_forget(w.state, w.root, "c1", false, &err), &err);
  assert_ids(&w, "");
  assert_false(has_acl_xattr(priv));
  assert_int_equal(mode_of(priv), 0700);
  world_free(&w);
}

/* ---- main ------------------------------------------------------------------------------------ */

int main(void)
{
  if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) < 0)
    return 1;
  add("live: by the create's process", live_by_process, NULL);
  add("live: by runc's state directory", live_by_directory, NULL);
  add("state: create, save, reopen", state_create_save_reopen, NULL);
  add("state: untrusted directories", state_untrusted, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(search_cases); i++)
    add(search_cases[i].name, run_search_case, &search_cases[i]);
  add("acl: grant, then revoke to the mode bits", acl_grant_revoke, NULL);
  add("acl: the owning group's bits are kept", acl_group_bits_kept, NULL);
  add("acl: an admin's denial is not overridden", acl_grant_refused, NULL);
  add("bind: a slice each, abort, dry run, exhausted", bind_take_next_abort, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  add("bind: delete releases unless running", bind_forget, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  add("bind: dead slices are reclaimed", bind_reclaim, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  add("bind: ACL grants above the rootfs", bind_acl, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  add("bind: a closed rootfs, a replaced directory", bind_acl_refused, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  add("bind: a bundle named through a symlink", bind_acl_symlink, NULL);
  tests[n_tests - 1].teardown_func = unbind;
  return _cmocka_run_group_tests("userns-host", tests, n_tests, NULL, teardown);
}
