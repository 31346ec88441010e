/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pass-through fast path: state, start, kill and the other commands
 * that carry no spec, served before the C library starts.
 *
 * The static binary's entry point comes here first with the initial stack.
 * When argv is a plain pass-through command line and the runtime is known
 * without parsing anything (--hardrun-runtime, or hardrun.conf unchanged
 * since a full run cached its runtime), this execs the runtime as the full
 * path would; on any doubt it returns and glibc's _start runs hardrun as
 * usual.  So nothing here may refuse, report or guess: declining is always
 * correct, and every decision to go ahead must be one hr_argv_parse() and
 * main() would make on the same input (tests/unit/test-prestart.c checks
 * that on every command line of up to three words over a vocabulary of the
 * tricky ones, on random longer ones and on the daemons' own; the argv
 * fuzz mode does the same).
 *
 * Built without the C library's help: no libc function (they are IFUNCs
 * not yet resolved), no errno and no stack protector (both need TLS, not
 * yet set up), and no pointer in static data (a static PIE has not yet
 * applied its relocations): string literals and code only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/auxvec.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "hardrun/passcache.h"
#include "prestart.h"

/* Whatever CFLAGS a build adds (distributions add -fstack-protector-strong)
 * must not reach code that runs before TLS exists. */
#if HR_PRESTART_ENTRY
#define PRESTART_FN __attribute__((no_stack_protector, no_sanitize("address", "undefined")))
#else
#define PRESTART_FN
#endif

#define CONF_DEFAULT SYSCONFDIR "/hardrun/hardrun.conf"
#define CHUNK        4096

/* ---- system calls, returning -errno ------------------------------------- */

#if defined(__x86_64__)
PRESTART_FN static long sys4(long nr, long a, long b, long c, long d)
{
  register long r10 __asm__("r10") = d;
  long ret;

  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
#include <unistd.h>
/* Elsewhere the fast path is not the entry point, so libc has started. */
PRESTART_FN static long sys4(long nr, long a, long b, long c, long d)
{
  long ret = syscall(nr, a, b, c, d);

  return ret < 0 ? -errno : ret;
}
#endif

PRESTART_FN static long sys_stat(const char *path, struct stat *st, int flags)
{
  return sys4(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, flags);
}

PRESTART_FN static long sys_fstat(int fd, struct stat *st)
{
  return sys4(SYS_fstat, fd, (long)st, 0, 0);
}

PRESTART_FN static int sys_open(int dirfd, const char *path, int flags)
{
  return (int)sys4(SYS_openat, dirfd, (long)path, flags, 0);
}

PRESTART_FN static void sys_close(int fd)
{
  sys4(SYS_close, fd, 0, 0, 0);
}

/* Up to `n` bytes, fewer only at the end of the file; -1 on error. */
PRESTART_FN static long read_full(int fd, void *buf, size_t n)
{
  size_t got = 0;

  while (got < n) {
    long r = sys4(SYS_read, fd, (long)((char *)buf + got), (long)(n - got), 0);
    if (r == -EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (long)got;
}

/* ---- strings, without libc ------------------------------------------------ */

PRESTART_FN static size_t str_len(const char *s)
{
  size_t n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

PRESTART_FN static bool str_eq(const char *a, const char *b)
{
  size_t i = 0;

  for (; a[i] != '\0' && a[i] == b[i]; i++)
    ;
  return a[i] == b[i];
}

/* s[0..len) is exactly the literal `lit` */
PRESTART_FN static bool name_is(const char *s, size_t len, const char *lit)
{
  size_t i = 0;

  for (; i < len && lit[i] != '\0' && s[i] == lit[i]; i++)
    ;
  return i == len && lit[i] == '\0';
}

PRESTART_FN static bool mem_eq(const char *a, const char *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

/* ---- argv: the subset of hr_argv_parse() the fast path takes --------------- */

enum global_kind { G_UNKNOWN, G_BOOL, G_VALUE, G_LOG_FORMAT };

/* runc's global options (argv.c's global_flags) but --help and --version,
 * which the full path handles. */
PRESTART_FN static enum global_kind global_kind(const char *name, size_t len)
{
  if (name_is(name, len, "debug") || name_is(name, len, "systemd-cgroup"))
    return G_BOOL;
  if (name_is(name, len, "log") || name_is(name, len, "root") || name_is(name, len, "criu") ||
      name_is(name, len, "rootless"))
    return G_VALUE;
  if (name_is(name, len, "log-format"))
    return G_LOG_FORMAT;
  return G_UNKNOWN;
}

/* An allowlist, not "anything argv.c does not know": a command that gains
 * a hardening step there must not keep passing through here. */
PRESTART_FN static bool passthrough_command(const char *s)
{
  return str_eq(s, "state") || str_eq(s, "start") || str_eq(s, "kill") || str_eq(s, "list") ||
         str_eq(s, "ps") || str_eq(s, "events") || str_eq(s, "pause") || str_eq(s, "resume") ||
         str_eq(s, "features") || str_eq(s, "checkpoint") || str_eq(s, "spec");
}

/* As argv.c's flag_name(): the name part of "-x", "--x", "--x=v". */
PRESTART_FN static const char *flag_name(const char *s, size_t *ret_len)
{
  const char *name;
  size_t n = 0;

  if (s[0] != '-' || s[1] == '\0' || str_eq(s, "--"))
    return NULL;
  name = s + (s[1] == '-' ? 2 : 1);
  if (name[0] != '\0')
    for (n = 1; name[n] != '\0' && name[n] != '='; n++)
      ;
  *ret_len = n;
  return name;
}

PRESTART_FN static bool is_hardrun_name(const char *name, size_t len)
{
  return len >= 8 && mem_eq(name, "hardrun-", 8);
}

/* One --hardrun-NAME option at argv[*i], as argv.c's hardrun_opt() reads
 * it; false for anything it would complain about. */
PRESTART_FN static bool hardrun_opt(int argc, char *const *argv, int *i, struct hr_prestart_plan *p)
{
  size_t len;
  const char *name = flag_name(argv[*i], &len), *value = NULL, **field;
  int at = (*i)++;

  if (name_is(name, len, "hardrun-runtime"))
    field = &p->runtime;
  else if (name_is(name, len, "hardrun-config"))
    field = &p->conf;
  else if (name_is(name, len, "hardrun-profile"))
    field = &p->profile;
  else
    return false;
  if (name[len] == '=')
    value = name + len + 1;
  else if (*i < argc && argv[*i][0] != '-')
    value = argv[(*i)++];
  if (*field != NULL || value == NULL || value[0] == '\0')
    return false;
  *field = value;
  p->drop_at[p->n_drops] = at;
  p->drop_n[p->n_drops++] = *i - at;
  return true;
}

/* One runc global option at argv[*i], as Go's flag package reads it. */
PRESTART_FN static bool global_opt(int argc, char *const *argv, int *i, const char **log_format)
{
  size_t len;
  const char *name = flag_name(argv[*i], &len), *value, *vname;
  enum global_kind kind;

  if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
    return false;
  kind = global_kind(name, len);
  if (kind == G_UNKNOWN || (kind == G_BOOL && name[len] == '='))
    return false;
  (*i)++;
  if (kind == G_BOOL)
    return true;
  if (name[len] == '=') {
    value = name + len + 1;
  } else {
    if (*i >= argc)
      return false;
    value = argv[(*i)++];
    /* argv.c refuses "--log --hardrun-x": a broken runtimeArgs */
    vname = flag_name(value, &len);
    if (vname != NULL && is_hardrun_name(vname, len))
      return false;
  }
  if (kind == G_LOG_FORMAT)
    *log_format = value;
  return true;
}

PRESTART_FN bool hr_prestart_classify(int argc, char *const *argv, struct hr_prestart_plan *ret)
{
  const char *log_format = NULL;
  int i = 1;

  ret->runtime = ret->conf = ret->profile = NULL;
  ret->n_drops = 0;
  if (argc < 2 || argv == NULL)
    return false;
  while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
    size_t len;
    const char *name = flag_name(argv[i], &len);
    bool ok;
    /* "--" ends the options; rare enough to leave to the full path. */
    if (name == NULL)
      return false;
    ok = is_hardrun_name(name, len) ? hardrun_opt(argc, argv, &i, ret)
                                    : global_opt(argc, argv, &i, &log_format);
    if (!ok)
      return false;
  }
  /* runc refuses any other --log-format before it looks at the command. */
  if (log_format != NULL && log_format[0] != '\0' && !str_eq(log_format, "text") &&
      !str_eq(log_format, "json"))
    return false;
  return i < argc && passthrough_command(argv[i]);
}

/* ---- the runtime: from the cache, checked like the full path checks it ---- */

/* A directory of hardrun's user that no one else can write, as
 * hr_rundir_open() wants the state directories; -1 otherwise. */
PRESTART_FN static int open_own_dir(int at, const char *name, long euid)
{
  int fd = sys_open(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  if (fd >= 0 && (sys_fstat(fd, &st) < 0 || st.st_uid != (uid_t)euid || (st.st_mode & 022) != 0)) {
    sys_close(fd);
    return -1;
  }
  return fd < 0 ? -1 : fd;
}

/* The cache file of hardrun.conf at `path`, if it and the directories
 * above it up to /run/hardrun are hardrun's user's alone. */
PRESTART_FN static int open_cache(const char *path)
{
  long euid = sys4(SYS_geteuid, 0, 0, 0, 0);
  char name[HR_PASSCACHE_NAME_LEN + 1];
  struct stat st;
  int top, dirfd, fd;

  top = open_own_dir(AT_FDCWD, HR_PASSCACHE_TOP, euid);
  if (top < 0)
    return -1;
  dirfd = open_own_dir(top, HR_PASSCACHE_SUB, euid);
  sys_close(top);
  if (dirfd < 0)
    return -1;
  hr_passcache_name(path, name);
  fd = sys_open(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  sys_close(dirfd);
  if (fd < 0)
    return -1;
  if (sys_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != (uid_t)euid ||
      (st.st_mode & 022) != 0) {
    sys_close(fd);
    return -1;
  }
  return fd;
}

/* The rest of the cache holds `n` bytes, the same as the next `n` of conf. */
PRESTART_FN static bool same_bytes(int cache, int conf, uint64_t n)
{
  char a[CHUNK], b[CHUNK];

  while (n > 0) {
    size_t k = n < CHUNK ? (size_t)n : CHUNK;
    if (read_full(cache, a, k) != (long)k || read_full(conf, b, k) != (long)k || !mem_eq(a, b, k))
      return false;
    n -= k;
  }
  /* and then both end */
  return read_full(cache, a, 1) == 0 && read_full(conf, b, 1) == 0;
}

PRESTART_FN static bool cache_matches(int cache, int conf, const char *path, uint64_t conf_size,
                                      char *buf, size_t size)
{
  struct hr_passcache_header h;
  char name[HR_PASSCACHE_PATH_MAX];
  size_t plen = str_len(path);

  if (read_full(cache, &h, sizeof(h)) != (long)sizeof(h) ||
      !mem_eq(h.magic, HR_PASSCACHE_MAGIC, HR_PASSCACHE_MAGIC_LEN) || h.path_len != plen ||
      plen > HR_PASSCACHE_PATH_MAX || h.runtime_len == 0 || h.runtime_len > HR_PASSCACHE_PATH_MAX ||
      h.runtime_len >= size || h.conf_len != conf_size)
    return false;
  if (read_full(cache, name, plen) != (long)plen || !mem_eq(name, path, plen))
    return false;
  if (read_full(cache, buf, h.runtime_len) != (long)h.runtime_len || buf[0] != '/')
    return false;
  for (size_t i = 0; i < h.runtime_len; i++)
    if (buf[i] == '\0')
      return false;
  buf[h.runtime_len] = '\0';
  return same_bytes(cache, conf, h.conf_len);
}

PRESTART_FN static bool copy_str(char *buf, size_t size, const char *s)
{
  size_t n = str_len(s);

  if (n >= size)
    return false;
  for (size_t i = 0; i <= n; i++)
    buf[i] = s[i];
  return true;
}

PRESTART_FN bool hr_prestart_cached_runtime(const char *conf, char *buf, size_t size)
{
  const char *path = conf != NULL ? conf : CONF_DEFAULT;
  struct stat st;
  long r = sys_stat(path, &st, 0);
  int fd, cache;
  bool ok;

  /* hr_conf_load(): only the default file may be absent, and a dangling
   * symlink is not absence. */
  if (r == -ENOENT && conf == NULL) {
    if (sys_stat(path, &st, AT_SYMLINK_NOFOLLOW) != -ENOENT)
      return false;
    return copy_str(buf, size, HR_DEFAULT_RUNTIME);
  }
  if (r < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > HR_PASSCACHE_CONF_MAX)
    return false;
  fd = sys_open(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return false;
  cache = sys_fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? open_cache(path) : -1;
  ok = cache >= 0 && cache_matches(cache, fd, path, (uint64_t)st.st_size, buf, size);
  if (cache >= 0)
    sys_close(cache);
  sys_close(fd);
  return ok;
}

/* main()'s check_runtime(): absolute, there, and not hardrun itself. */
PRESTART_FN static bool runtime_ok(const char *path)
{
  struct stat rt, self;

  if (path[0] != '/' || sys_stat(path, &rt, 0) < 0)
    return false;
  return sys_stat("/proc/self/exe", &self, 0) < 0 || self.st_dev != rt.st_dev ||
         self.st_ino != rt.st_ino;
}

/* AT_SECURE from the auxiliary vector, which follows envp's NULL.  In a
 * secure-execution process (set-user-ID, file capabilities) glibc's
 * start-up removes LD_PRELOAD and its kin from the environment the runtime
 * would inherit; the fast path does not, so it leaves such a process to
 * the full path. */
PRESTART_FN static bool secure_exec(char **envp)
{
  const unsigned long *aux;

  while (*envp != NULL)
    envp++;
  for (aux = (const unsigned long *)(envp + 1); aux[0] != AT_NULL; aux += 2)
    if (aux[0] == AT_SECURE)
      return aux[1] != 0;
  /* no AT_SECURE at all: assume the worst */
  return true;
}

PRESTART_FN void hr_prestart(long *sp)
{
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char *args[HR_PRESTART_MAX_ARGS + 1];
  char buf[HR_PASSCACHE_PATH_MAX + 1];
  struct hr_prestart_plan plan;
  const char *rt;
  int k = 1, d = 0;

  if (argc > HR_PRESTART_MAX_ARGS || secure_exec(envp) || !hr_prestart_classify(argc, argv, &plan))
    return;
  rt = plan.runtime;
  if (rt == NULL) {
    if (!hr_prestart_cached_runtime(plan.conf, buf, sizeof(buf)))
      return;
    rt = buf;
  }
  if (!runtime_ok(rt))
    return;
  args[0] = (char *)rt;
  for (int i = 1; i < argc; i++) {
    if (d < plan.n_drops && i == plan.drop_at[d]) {
      i += plan.drop_n[d++] - 1;
      continue;
    }
    args[k++] = argv[i];
  }
  args[k] = NULL;
  /* On failure the full path runs, execs again and reports the error. */
  sys4(SYS_execve, (long)rt, (long)args, (long)envp, 0);
}

/* ---- the entry point ------------------------------------------------------- */

#if HR_PRESTART_ENTRY
/* The kernel starts the process here (-e hr_prestart_entry): the stack as
 * the kernel left it goes to hr_prestart(), and when that returns, glibc's
 * _start gets the same stack pointer and %rdx. */
__asm__(".text\n"
        ".globl hr_prestart_entry\n"
        ".type hr_prestart_entry, @function\n"
        "hr_prestart_entry:\n"
        "  mov %rsp, %r12\n"
        "  mov %rdx, %r13\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call hr_prestart\n"
        "  mov %r12, %rsp\n"
        "  mov %r13, %rdx\n"
        "  jmp _start\n"
        ".size hr_prestart_entry, .-hr_prestart_entry\n");
#endif
