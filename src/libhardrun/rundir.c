/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hardrun/rundir.h"

/* 10 ms ticks: 10 s in all, far above any holder's work (one small file). */
#define LOCK_WAIT_TRIES 1000

static int check_dir(int fd, const char *what, struct hr_error *err)
{
  struct stat st;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "stat state directory `%s`", what);
  if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
    return hr_error_profile(err,
                            "state directory `%s` must be owned by uid %u and writable by no "
                            "one else (it is uid %u, mode %04o)",
                            what, (unsigned)geteuid(), (unsigned)st.st_uid,
                            (unsigned)(st.st_mode & 07777));
  return 0;
}

int hr_rundir_open(int dirfd, const char *name, const char *what, bool create, struct hr_error *err)
{
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  /* Made only when missing: on every create but the first, the mkdir
   * would be a wasted system call. */
  if (fd < 0 && errno == ENOENT && !create)
    return -2;
  if (fd < 0 && errno == ENOENT) {
    if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
      return hr_error_sys(err, "create state directory `%s`", what);
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0)
    return hr_error_sys(err, "open state directory `%s`", what);
  if (check_dir(fd, what, err) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int hr_rundir_lock(int dirfd, const char *name, const char *what, struct hr_error *err)
{
  const struct timespec tick = {0, 10 * 1000 * 1000};
  int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

  if (fd < 0)
    return hr_error_sys(err, "open `%s/%s`", what, name);
  for (int i = 0; i < LOCK_WAIT_TRIES; i++) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
      return fd;
    if (errno != EWOULDBLOCK && errno != EINTR)
      break;
    nanosleep(&tick, NULL);
  }
  hr_error_sys(err, "lock `%s/%s`", what, name);
  close(fd);
  return -1;
}
