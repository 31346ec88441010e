/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peakrss: how much memory a wrapper used before it exec'd the runtime, for
 * bench.sh.  Compiled on the fly by bench.sh; not part of the build.
 *
 *   peakrss [--maps] -- PROGRAM [ARG...]     (traced)
 *   peakrss --maxrss -- PROGRAM [ARG...]     (not traced)
 *
 * Traced: runs PROGRAM under ptrace (its threads too, not its children) and
 * stops it at the entry of the first execve or execveat it makes, the exec
 * of the runtime.  Its address space is still whole there, so
 * /proc/PID/status gives the high-water mark of PROGRAM itself, which an
 * exec would throw away (the new image starts a new mm).  Prints
 *   "VMHWM_KB VMRSS_KB ROLLUP_RSS_KB RSSANON_KB RSSFILE_KB"
 * VmHWM, VmRSS, RssAnon and RssFile are the kernel's counters, which are
 * per-CPU and may lag by up to a few hundred KiB on a multi-core machine;
 * ROLLUP_RSS is /proc/PID/smaps_rollup's Rss, counted page by page, exact
 * but current (not the peak).  Then PROGRAM is killed: the runtime never
 * runs.  With --maps, the mappings with resident pages go to stderr, largest
 * first, for finding where the memory is.  Exits 1 when PROGRAM exits without
 * exec'ing.
 *
 * --maxrss: runs PROGRAM to the end and prints ru_maxrss from wait4 in KiB:
 * the largest resident set of PROGRAM, of the processes it reaped, and of
 * every image it exec'd (the kernel keeps the old image's high-water mark
 * across an exec), so it describes the wrapper only when the runtime after
 * it is smaller.  Exits with PROGRAM's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
  fprintf(stderr, "peakrss: %s: %s\n", what, strerror(errno));
  exit(2);
}

/* The value in kB of "KEY:" in a /proc file, or -1. */
static long proc_kb(pid_t pid, const char *file, const char *key)
{
  char path[64], line[256];
  size_t klen = strlen(key);
  long v = -1;
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  f = fopen(path, "re");
  if (f == NULL)
    die(path);
  while (fgets(line, sizeof(line), f) != NULL)
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      v = strtol(line + klen + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

/* Each mapping of /proc/PID/smaps with resident pages, "RSS_KB NAME", sorted
 * by the shell. */
static void print_maps(pid_t pid)
{
  char path[64], line[512], name[400] = "";
  FILE *f;

  snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
  f = fopen(path, "re");
  if (f == NULL)
    die(path);
  while (fgets(line, sizeof(line), f) != NULL) {
    long kb;
    if (strncmp(line, "Rss:", 4) == 0) {
      kb = strtol(line + 4, NULL, 10);
      if (kb > 0)
        fprintf(stderr, "%8ld kB  %s", kb, name);
    } else if (line[0] != '\0' && strchr("0123456789abcdef", line[0]) != NULL &&
               strchr(line, '-') != NULL && strchr(line, ' ') != NULL) {
      /* A mapping's header: address range, perms, offset, dev, inode, name. */
      char *p = line;
      for (int field = 0; field < 5 && p != NULL; field++) {
        p = strchr(p, ' ');
        while (p != NULL && *p == ' ')
          p++;
      }
      snprintf(name, sizeof(name), "%s", p != NULL && *p != '\n' ? p : "[anon]\n");
    }
  }
  fclose(f);
}

static void report(pid_t pid, int maps)
{
  printf("%ld %ld %ld %ld %ld\n", proc_kb(pid, "status", "VmHWM"), proc_kb(pid, "status", "VmRSS"),
         proc_kb(pid, "smaps_rollup", "Rss"), proc_kb(pid, "status", "RssAnon"),
         proc_kb(pid, "status", "RssFile"));
  if (maps)
    print_maps(pid);
  fflush(stdout);
}

static int is_exec(pid_t tid)
{
  struct __ptrace_syscall_info si;

  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(si), &si) < 0)
    die("PTRACE_GET_SYSCALL_INFO");
  return si.op == PTRACE_SYSCALL_INFO_ENTRY &&
         (si.entry.nr == SYS_execve || si.entry.nr == SYS_execveat);
}

/* Follows PROGRAM's threads from syscall stop to syscall stop until one of
 * them enters an exec.  Returns 0 after reporting, 1 if PROGRAM ended. */
static int trace(pid_t pid, int maps)
{
  int st;
  pid_t t;

  if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
    die("the first stop");
  if (ptrace(PTRACE_SETOPTIONS, pid, 0,
             PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL) < 0)
    die("PTRACE_SETOPTIONS");
  if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
    die("PTRACE_SYSCALL");
  while ((t = waitpid(-1, &st, __WALL)) > 0) {
    int sig = 0;
    if (!WIFSTOPPED(st)) {
      if (t == pid)
        return 1;
      continue;
    }
    if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
      if (is_exec(t)) {
        report(pid, maps);
        return 0;
      }
    } else if (WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP) {
      sig = WSTOPSIG(st); /* a real signal: deliver it */
    }
    if (ptrace(PTRACE_SYSCALL, t, 0, sig) < 0 && errno != ESRCH)
      die("PTRACE_SYSCALL");
  }
  die("waitpid");
  return 1;
}

int main(int argc, char **argv)
{
  int maps = 0, maxrss = 0, i = 1, st, rc;
  struct rusage ru;
  pid_t pid;

  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--maps") == 0)
      maps = 1;
    else if (strcmp(argv[i], "--maxrss") == 0)
      maxrss = 1;
    else
      break;
  }
  if (i + 1 >= argc || strcmp(argv[i], "--") != 0) {
    fprintf(stderr, "usage: peakrss [--maps | --maxrss] -- PROGRAM [ARG...]\n");
    return 2;
  }
  pid = fork();
  if (pid < 0)
    die("fork");
  if (pid == 0) {
    if (!maxrss && ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
      die("PTRACE_TRACEME");
    execv(argv[i + 1], argv + i + 1);
    die(argv[i + 1]);
  }
  if (maxrss) {
    while (wait4(pid, &st, 0, &ru) < 0)
      if (errno != EINTR)
        die("wait4");
    printf("%ld\n", ru.ru_maxrss);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  rc = trace(pid, maps);
  if (rc != 0)
    fprintf(stderr, "peakrss: %s exited without exec'ing a runtime\n", argv[i + 1]);
  kill(pid, SIGKILL);
  while (waitpid(-1, &st, __WALL) > 0)
    ;
  return rc;
}
