/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-dump PID: write the classic BPF program of the seccomp filter the
 * kernel holds for PID to stdout, as the kernel returns it
 * (PTRACE_SECCOMP_GET_FILTER; root, and a kernel with checkpoint/restore).
 * The process is stopped with PTRACE_SEIZE + PTRACE_INTERRUPT, not a
 * signal, and let go again.  Fails when the process has no filter or more
 * than one: the test wants the one filter the runtime installed.
 * Run on the host by crun.bats. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

struct insn {
  unsigned short code;
  unsigned char jt, jf;
  unsigned int k;
};

static int dump(pid_t pid)
{
  long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, NULL);
  struct insn *prog;

  if (n <= 0) {
    fprintf(stderr, "seccomp-dump: %d: no filter (%s)\n", (int)pid,
            n < 0 ? strerror(errno) : "0 instructions");
    return 1;
  }
  if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)1, NULL) >= 0) {
    fprintf(stderr, "seccomp-dump: %d: more than one filter\n", (int)pid);
    return 1;
  }
  prog = calloc((size_t)n, sizeof(*prog));
  if (prog == NULL || ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, prog) != n ||
      fwrite(prog, sizeof(*prog), (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0) {
    fprintf(stderr, "seccomp-dump: %d: %s\n", (int)pid, strerror(errno));
    free(prog);
    return 1;
  }
  free(prog);
  return 0;
}

int main(int argc, char **argv)
{
  pid_t pid;
  int status, rc;

  if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
    fprintf(stderr, "usage: seccomp-dump PID\n");
    return 2;
  }
  if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 ||
      waitpid(pid, &status, __WALL) != pid) {
    fprintf(stderr, "seccomp-dump: %d: %s\n", (int)pid, strerror(errno));
    return 1;
  }
  rc = dump(pid);
  ptrace(PTRACE_DETACH, pid, NULL, NULL);
  return rc;
}
