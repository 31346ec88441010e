/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timer: wall-clock medians of commands, for bench.sh on machines without
 * hyperfine.  Compiled on the fly by bench.sh; not part of the build.
 *
 *   timer RUNS WARMUP [--ignore-status] CMD [--next CMD]...
 *   CMD:  [--restore SRC DST] -- PROGRAM [ARG...]
 *
 * Runs the commands in rounds, each command once per round, starting each
 * round with the next command: a machine that gets busier or quieter during
 * the measurement then shifts every command alike instead of favouring the
 * one measured first.  WARMUP rounds are untimed.  stdout and stderr go to
 * /dev/null.  With --restore, DST is overwritten with the bytes of SRC before
 * every run of that command, outside the timed region, so a command that
 * edits DST (hardrun rewriting config.json) does the full work every time.
 *
 * Prints one line per command, in the order given:
 * "MEDIAN_US MIN_US MAX_US STDDEV_US CPU_MEDIAN_US" (microseconds, one
 * decimal; the last is the median of the child's user + system time).  Exits 1,
 * naming the run, as soon as a command fails (a failing command is fast and
 * would make a meaningless figure), unless --ignore-status says that failing
 * is the point (`state` of a missing container). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_RUNS         100000
#define MAX_CMDS         8
#define MAX_RESTORE_SIZE (64 * 1024 * 1024)

struct cmd {
  char **argv;     /* NULL-terminated, points into main's argv */
  const char *dst; /* restore target, or NULL */
  char *buf;       /* restore content */
  size_t len;
  double *t;   /* timed runs, µs */
  double *cpu; /* their CPU time (user + system), µs */
};

static void die(const char *what)
{
  fprintf(stderr, "timer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void load_restore(struct cmd *c, const char *src, const char *dst)
{
  struct stat st;
  int fd = open(src, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fstat(fd, &st) < 0)
    die(src);
  if (st.st_size > MAX_RESTORE_SIZE) {
    fprintf(stderr, "timer: %s: too large\n", src);
    exit(1);
  }
  c->dst = dst;
  c->len = (size_t)st.st_size;
  c->buf = malloc(c->len + 1);
  if (c->buf == NULL)
    die("malloc");
  for (size_t got = 0; got < c->len;) {
    ssize_t n = read(fd, c->buf + got, c->len - got);
    if (n <= 0)
      die(src);
    got += (size_t)n;
  }
  close(fd);
}

/* Unlink first: the command may have replaced DST by a rename, and writing
 * into a file it still holds open would not be a fresh start. */
static void do_restore(const struct cmd *c)
{
  int fd;

  if (c->dst == NULL)
    return;
  if (unlink(c->dst) < 0 && errno != ENOENT)
    die(c->dst);
  fd = open(c->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    die(c->dst);
  for (size_t done = 0; done < c->len;) {
    ssize_t n = write(fd, c->buf + done, c->len - done);
    if (n < 0)
      die(c->dst);
    done += (size_t)n;
  }
  close(fd);
}

static double now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One run of a command; returns its wall time in µs and its CPU time in
 * *cpu.  The kernel reports a child's CPU time from its scheduler clock, so
 * the sum of user and system time is exact even where each share is not. */
static double run_once(const struct cmd *c, const posix_spawn_file_actions_t *fa, int round,
                       int ignore, double *cpu)
{
  struct rusage ru;
  pid_t pid;
  int status, r;
  double t0;

  do_restore(c);
  t0 = now_us();
  r = posix_spawn(&pid, c->argv[0], fa, NULL, c->argv, environ);
  if (r != 0) {
    errno = r;
    die(c->argv[0]);
  }
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      die("wait4");
  *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && !ignore)) {
    fprintf(stderr, "timer: round %d of %s failed (status 0x%x)\n", round, c->argv[0], status);
    exit(1);
  }
  return now_us() - t0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double median_of(double *t, int runs)
{
  qsort(t, (size_t)runs, sizeof(*t), cmp_double);
  return runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
}

static void report(double *t, double *cpu, int runs)
{
  double median, mean = 0, var = 0;

  for (int k = 0; k < runs; k++)
    mean += t[k] / runs;
  for (int k = 0; k < runs; k++)
    var += (t[k] - mean) * (t[k] - mean) / (runs > 1 ? runs - 1 : 1);
  median = median_of(t, runs);
  printf("%.1f %.1f %.1f %.1f %.1f\n", median, t[0], t[runs - 1], sqrt(var), median_of(cpu, runs));
}

/* Parse the CMD list from argv[i]; returns the number of commands, or -1. */
static int parse_cmds(int argc, char **argv, int i, struct cmd *cmds)
{
  int n = 0;

  while (i < argc) {
    struct cmd *c = &cmds[n];
    if (n == MAX_CMDS)
      return -1;
    if (strcmp(argv[i], "--restore") == 0) {
      if (i + 2 >= argc)
        return -1;
      load_restore(c, argv[i + 1], argv[i + 2]);
      i += 3;
    }
    if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
      return -1;
    c->argv = &argv[++i];
    while (i < argc && strcmp(argv[i], "--next") != 0)
      i++;
    /* The separator becomes the argv terminator. */
    if (i < argc)
      argv[i++] = NULL;
    n++;
  }
  return n;
}

int main(int argc, char **argv)
{
  struct cmd cmds[MAX_CMDS] = {0};
  posix_spawn_file_actions_t fa;
  int runs, warmup, i = 3, ignore = 0, n;

  if (argc < 5)
    goto usage;
  runs = atoi(argv[1]);
  warmup = atoi(argv[2]);
  if (runs < 1 || runs > MAX_RUNS || warmup < 0 || warmup > MAX_RUNS)
    goto usage;
  if (strcmp(argv[i], "--ignore-status") == 0) {
    ignore = 1;
    i++;
  }
  n = parse_cmds(argc, argv, i, cmds);
  if (n <= 0)
    goto usage;

  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  for (int k = 0; k < n; k++) {
    cmds[k].t = calloc((size_t)runs, sizeof(double));
    cmds[k].cpu = calloc((size_t)runs, sizeof(double));
    if (cmds[k].t == NULL || cmds[k].cpu == NULL)
      die("calloc");
  }
  for (int r = 0; r < warmup + runs; r++) {
    for (int j = 0; j < n; j++) {
      struct cmd *c = &cmds[(r + j) % n];
      double cpu, t = run_once(c, &fa, r - warmup + 1, ignore, &cpu);
      if (r >= warmup) {
        c->t[r - warmup] = t;
        c->cpu[r - warmup] = cpu;
      }
    }
  }
  for (int k = 0; k < n; k++)
    report(cmds[k].t, cmds[k].cpu, runs);
  return 0;

usage:
  fprintf(stderr, "usage: timer RUNS WARMUP [--ignore-status] CMD [--next CMD]...\n"
                  "       CMD: [--restore SRC DST] -- PROGRAM [ARG...]\n");
  return 2;
}
