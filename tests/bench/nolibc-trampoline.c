/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nolibc-trampoline: trampoline.c without a C library (x86-64 only).
 * Timed beside the trampoline, it splits the exec floor into what the
 * kernel charges for one more exec and what the C library's start-up
 * costs before main (glibc probes the CPU's features and caches with
 * dozens of CPUID instructions, each a VM exit under virtualisation).
 * Built by bench.sh with -nostdlib -static; not part of the build. */
#if defined(__x86_64__)
static long sys3(long nr, long a, long b, long c)
{
  long ret;

  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

__attribute__((noreturn, used)) void start_c(long *sp)
{
  long argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;

  if (argc >= 2)
    sys3(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)envp);
  for (;;)
    sys3(231 /* exit_group */, 127, 0, 0);
}

__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call start_c\n");
#else
#error "x86-64 only"
#endif
