/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs inside a test container: tries what the seccomp profile must refuse
 * and prints "call=ERRNO-NAME" (or "call=0" when the call succeeded), one
 * line each.  Each call runs in its own child, so that one that succeeds
 * (a new user namespace, say) cannot change the outcome of the next.
 * Built with `cc -static` by seccomp.bats. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID    0
#define KEY_SPEC_SESSION_KEYRING -3

static long try_unshare(void)
{
  return unshare(CLONE_NEWUSER);
}

static long try_keyctl(void)
{
  return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static long try_mount(void)
{
  return mount("none", "/mnt", "tmpfs", 0, NULL);
}

/* clone, not fork: the flags are what the filter looks at. */
static long try_clone_newuser(void)
{
  long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

  if (r == 0)
    _exit(0);
  if (r > 0)
    waitpid((pid_t)r, NULL, 0);
  return r < 0 ? -1 : 0;
}

static long try_clone3(void)
{
  return syscall(SYS_clone3, NULL, 0);
}

static long try_ptrace(void)
{
  pid_t child = fork();
  long r;

  if (child == 0) {
    pause();
    _exit(0);
  }
  r = ptrace(PTRACE_ATTACH, child, 0, 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return r;
}

/* getpid through the x32 ABI (the x86-64 entry with __X32_SYSCALL_BIT):
 * ENOSYS from a kernel without x32, the pid from one with it, SIGSYS from
 * a filter that does not list x32. */
static long try_x32(void)
{
  return syscall(0x40000000L | SYS_getpid);
}

struct probe {
  const char *name;
  long (*fn)(void);
};

static const struct probe probes[] = {
    {"unshare", try_unshare}, {"keyctl", try_keyctl},
    {"mount", try_mount},     {"clone_newuser", try_clone_newuser},
    {"clone3", try_clone3},   {"ptrace", try_ptrace},
};
static const struct probe x32_probe[] = {{"x32", try_x32}};

/* "seccomp-probe x32" runs only the x32 probe, whose outcome without a
 * filter depends on the host's kernel. */
int main(int argc, char **argv)
{
  bool x32 = argc > 1 && strcmp(argv[1], "x32") == 0;
  const struct probe *list = x32 ? x32_probe : probes;
  size_t n = x32 ? 1 : sizeof(probes) / sizeof(probes[0]);

  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; i < n; i++) {
    const char *name = list[i].name;
    pid_t pid = fork();
    int status;
    if (pid < 0)
      return 1;
    if (pid == 0) {
      long r = list[i].fn();
      const char *e = r < 0 ? strerrorname_np(errno) : "0";
      printf("%s=%s\n", name, e ? e : "?");
      _exit(0);
    }
    if (waitpid(pid, &status, 0) != pid)
      printf("%s=crashed\n", name);
    else if (WIFSIGNALED(status))
      printf("%s=SIG%s\n", name, sigabbrev_np(WTERMSIG(status)));
    else if (!WIFEXITED(status))
      printf("%s=crashed\n", name);
  }
  return 0;
}
