/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs inside a test container: ordinary file, socket, thread and process
 * work that a default seccomp profile must let through.  Prints "ok WHAT"
 * per step and exits non-zero at the first failure.  Built with
 * `cc -static -pthread` by seccomp.bats. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond, what)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("FAIL %s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");        \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static void files(void)
{
  char buf[16] = {0};
  struct stat st;
  int fd = open("/tmp/seccomp-work", O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);

  CHECK(fd >= 0, "open");
  CHECK(write(fd, "hello", 5) == 5, "write");
  CHECK(fsync(fd) == 0, "fsync");
  CHECK(pread(fd, buf, sizeof(buf) - 1, 0) == 5 && strcmp(buf, "hello") == 0, "pread");
  CHECK(close(fd) == 0, "close");
  CHECK(rename("/tmp/seccomp-work", "/tmp/seccomp-work2") == 0, "rename");
  CHECK(stat("/tmp/seccomp-work2", &st) == 0 && st.st_size == 5, "stat");
  CHECK(mkdir("/tmp/seccomp-dir", 0700) == 0 && rmdir("/tmp/seccomp-dir") == 0, "mkdir");
  CHECK(unlink("/tmp/seccomp-work2") == 0, "unlink");
  printf("ok file\n");
}

static void unix_pair(void)
{
  int sv[2];
  char buf[8] = {0};

  CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
  CHECK(send(sv[0], "ping", 4, 0) == 4, "send");
  CHECK(recv(sv[1], buf, sizeof(buf) - 1, 0) == 4 && strcmp(buf, "ping") == 0, "recv");
  close(sv[0]);
  close(sv[1]);
  printf("ok socketpair\n");
}

static void inet(void)
{
  struct sockaddr_in a = {.sin_family = AF_INET};
  socklen_t len = sizeof(a);
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c, conn;
  char buf[8] = {0};

  CHECK(s >= 0, "socket");
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0, "bind");
  CHECK(listen(s, 1) == 0, "listen");
  CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0, "getsockname");
  c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect");
  conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  CHECK(conn >= 0, "accept");
  CHECK(write(c, "tcp", 3) == 3 && read(conn, buf, sizeof(buf) - 1) == 3, "tcp io");
  CHECK(strcmp(buf, "tcp") == 0, "tcp data");
  close(conn);
  close(c);
  close(s);
  printf("ok inet 127.0.0.1\n");
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *worker(void *arg)
{
  for (int i = 0; i < 10000; i++) {
    pthread_mutex_lock(&lock);
    counter += (long)(uintptr_t)arg;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void threads(void)
{
  pthread_t t[4];

  for (uintptr_t i = 0; i < 4; i++)
    CHECK((errno = pthread_create(&t[i], NULL, worker, (void *)(i + 1))) == 0, "pthread_create");
  for (int i = 0; i < 4; i++)
    CHECK((errno = pthread_join(t[i], NULL)) == 0, "pthread_join");
  CHECK(counter == 100000, "counter");
  printf("ok threads\n");
}

static void processes(void)
{
  int status;
  pid_t pid = fork();

  CHECK(pid >= 0, "fork");
  if (pid == 0)
    _exit(7);
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
        "waitpid");
  printf("ok fork\n");
}

int main(void)
{
  setvbuf(stdout, NULL, _IONBF, 0);
  files();
  unix_pair();
  inet();
  threads();
  processes();
  return 0;
}
