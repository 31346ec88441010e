/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cpuid: the cost of one CPUID instruction, in microseconds (x86 only).
 * On bare metal it is a few hundred cycles; in a virtual machine every
 * CPUID traps to the hypervisor, and glibc's start-up executes dozens of
 * them in every process, hardrun included.  Not part of the build. */
#include <cpuid.h>
#include <stdio.h>
#include <time.h>

int main(void)
{
  unsigned a, b, c, d;
  volatile unsigned sink = 0;
  struct timespec t0, t1;
  const int n = 2000;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) {
    __cpuid_count(4, 0, a, b, c, d);
    sink ^= a ^ b ^ c ^ d;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%.2f\n",
         ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n / 1000.0);
  return 0;
}
