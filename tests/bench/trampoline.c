/* SPDX-License-Identifier: GPL-2.0-or-later */
/* trampoline: exec argv[1] with the rest of argv, and nothing else.
 * Compiled by bench.sh the way hardrun is linked (static PIE when the
 * toolchain can), and timed in hardrun's place, it shows what putting any
 * C program in front of the runtime costs on this machine: one more exec,
 * the C library's start-up and the teardown of one more address space.
 * Not part of the build. */
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
  if (argc < 2)
    return 2;
  execve(argv[1], argv + 1, environ);
  return 127;
}
