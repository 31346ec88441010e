/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/utils.h"

void hr_cleanup_freep(void *p)
{
  void **pp = (void **)p;
  free(*pp);
  *pp = NULL;
}

void hr_cleanup_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
  *fd = -1;
}

void hr_cleanup_fclosep(FILE **f)
{
  if (*f != NULL)
    fclose(*f);
  *f = NULL;
}

void hr_strv_free(char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p != NULL; p++)
    free(*p);
  free(v);
}

void hr_cleanup_strvp(char ***v)
{
  hr_strv_free(*v);
  *v = NULL;
}

void *hr_malloc(size_t n, struct hr_error *err)
{
  void *p = malloc(n == 0 ? 1 : n);
  if (p == NULL)
    hr_error_oom(err);
  return p;
}

void *hr_calloc(size_t n, size_t size, struct hr_error *err)
{
  void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
  if (p == NULL)
    hr_error_oom(err);
  return p;
}

char *hr_strdup(const char *s, struct hr_error *err)
{
  char *p = strdup(s);
  if (p == NULL)
    hr_error_oom(err);
  return p;
}

char *hr_strjoin(const char *a, const char *sep, const char *b, struct hr_error *err)
{
  size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
  char *p;

  if (na > SIZE_MAX / 4 || nb > SIZE_MAX / 4 || ns > SIZE_MAX / 4)
    return hr_error_oom(err), NULL;
  p = hr_malloc(na + ns + nb + 1, err);
  if (p == NULL)
    return NULL;
  memcpy(p, a, na);
  memcpy(p + na, sep, ns);
  memcpy(p + na + ns, b, nb + 1);
  return p;
}

char *hr_strndup(const char *s, size_t n, struct hr_error *err)
{
  char *p = strndup(s, n);
  if (p == NULL)
    hr_error_oom(err);
  return p;
}

int hr_asprintf(char **ret, struct hr_error *err, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(ret, fmt, ap);
  va_end(ap);
  if (n < 0) {
    *ret = NULL;
    return hr_error_oom(err);
  }
  return n;
}

const char *hr_quote(char *buf, size_t size, const char *s, size_t len)
{
  size_t o = 0;

  buf[o++] = '"';
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    /* Room for one escape, "...", the closing quote and the NUL. */
    if (o + 4 + 3 + 2 > size) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
      o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
    else
      buf[o++] = (char)ch;
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

int hr_write_all(int fd, const char *buf, size_t len, struct hr_error *err)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_sys(err, "write");
    }
    if (n == 0)
      return hr_error_set(err, HR_ERR_SYSTEM, EIO, "write returned 0");
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read at most max_size + 1 bytes so that a file which grew after fstat is
 * still caught by the bound. */
static int read_bounded(int fd, const char *name, size_t max_size, size_t hint, char **ret_buf,
                        size_t *ret_len, struct hr_error *err)
{
  /* Files in /proc report a size of 0: start them at a page, not at one
   * byte doubled a dozen times (one read per doubling). */
  size_t want = hint != 0 ? hint : 4096;
  size_t cap = (want < max_size ? want : max_size) + 1;
  size_t len = 0;
  cleanup_free char *buf = hr_malloc(cap + 1, err);

  if (buf == NULL)
    return -1;
  for (;;) {
    ssize_t n;
    if (len == cap) {
      char *nb;
      if (cap > max_size)
        return hr_error_input(err, "%s: larger than the limit of %zu bytes", name, max_size);
      cap = cap * 2 > max_size + 1 ? max_size + 1 : cap * 2;
      nb = realloc(buf, cap + 1);
      if (nb == NULL)
        return hr_error_oom(err);
      buf = nb;
    }
    n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_sys(err, "read `%s`", name);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  if (len > max_size)
    return hr_error_input(err, "%s: larger than the limit of %zu bytes", name, max_size);
  buf[len] = '\0';
  *ret_buf = get_and_reset(&buf);
  *ret_len = len;
  return 0;
}

int hr_read_file_at(int dirfd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                    struct stat *ret_st, struct hr_error *err)
{
  cleanup_close int fd = -1;
  struct stat before, st;

  /* Check the type before opening: opening a device can have side effects
   * and opening a FIFO for reading would block. */
  if (fstatat(dirfd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
    return hr_error_sys(err, "stat `%s`", name);
  if (S_ISLNK(before.st_mode))
    return hr_error_input(err, "%s: is a symbolic link; refusing to follow it", name);
  if (!S_ISREG(before.st_mode))
    return hr_error_input(err, "%s: not a regular file", name);
  fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return hr_error_sys(err, "open `%s`", name);
  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "fstat `%s`", name);
  if (!S_ISREG(st.st_mode) || st.st_dev != before.st_dev || st.st_ino != before.st_ino)
    return hr_error_input(err, "%s: changed while it was being opened", name);
  if ((uintmax_t)st.st_size > max_size)
    return hr_error_input(err, "%s: %jd bytes, larger than the limit of %zu bytes", name,
                          (intmax_t)st.st_size, max_size);
  if (read_bounded(fd, name, max_size, (size_t)st.st_size, ret_buf, ret_len, err) < 0)
    return -1;
  if (ret_st != NULL)
    *ret_st = st;
  return 0;
}

int hr_read_file(const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                 struct hr_error *err)
{
  cleanup_close int fd = -1;
  struct stat st;

  if (stat(path, &st) < 0)
    return hr_error_sys(err, "stat `%s`", path);
  if (!S_ISREG(st.st_mode))
    return hr_error_input(err, "%s: not a regular file", path);
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return hr_error_sys(err, "open `%s`", path);
  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "fstat `%s`", path);
  if (!S_ISREG(st.st_mode))
    return hr_error_input(err, "%s: not a regular file", path);
  if ((uintmax_t)st.st_size > max_size)
    return hr_error_input(err, "%s: %jd bytes, larger than the limit of %zu bytes", path,
                          (intmax_t)st.st_size, max_size);
  return read_bounded(fd, path, max_size, (size_t)st.st_size, ret_buf, ret_len, err);
}

/* The temporary name is fixed: a writer killed between naming its file
 * and the rename leaves a complete copy under it, and the next writer of
 * the same file removes it instead of leaving one more beside it. */
static int temp_name(const char *name, char *tmp, size_t tmpsz, struct hr_error *err)
{
  if (strlen(name) > NAME_MAX - 20 || strchr(name, '/') != NULL || name[0] == '\0')
    return hr_error_input(err, "invalid file name `%s`", name);
  snprintf(tmp, tmpsz, ".%s.hardrun", name);
  return 0;
}

/* An unnamed file in the directory (O_TMPFILE): a writer killed while it
 * writes or syncs leaves nothing behind.  Returns 1 for such a file, 0 for
 * a named one (filesystems without O_TMPFILE), -1 on error. */
static int open_temp_at(int dirfd, const char *name, const char *tmp, mode_t mode, int *ret_fd,
                        struct hr_error *err)
{
  int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 07777);

  if (fd >= 0) {
    *ret_fd = fd;
    return 1;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return hr_error_sys(err, "create temporary file for `%s`", name);
  for (int attempt = 0; attempt < 4; attempt++) {
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
    if (fd >= 0) {
      *ret_fd = fd;
      return 0;
    }
    if (errno != EEXIST || unlinkat(dirfd, tmp, 0) < 0)
      break;
  }
  return hr_error_sys(err, "create temporary file for `%s`", name);
}

/* Give the unnamed file its temporary name, replacing a leftover. */
static int link_temp_at(int fd, int dirfd, const char *name, const char *tmp, struct hr_error *err)
{
  char proc[64];

  for (int attempt = 0; attempt < 4; attempt++) {
    /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc needs /proc. */
    if (linkat(fd, "", dirfd, tmp, AT_EMPTY_PATH) == 0)
      return 0;
    if (errno == ENOENT || errno == EPERM) {
      snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
      if (linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    }
    if (errno != EEXIST || unlinkat(dirfd, tmp, 0) < 0)
      break;
  }
  return hr_error_sys(err, "name temporary file for `%s`", name);
}

struct fill_buf {
  const char *buf;
  size_t len;
};

static int fill_from_buf(int fd, void *ctx, struct hr_error *err)
{
  const struct fill_buf *b = ctx;

  return hr_write_all(fd, b->buf, b->len, err);
}

static int fill_temp(int fd, const char *name, hr_fill_fn *fill, void *ctx, mode_t mode, uid_t uid,
                     gid_t gid, bool sync, struct hr_error *err)
{
  if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0 && errno != EPERM)
    return hr_error_sys(err, "chown temporary file for `%s`", name);
  /* fchmod after fchown: chown clears set-id bits, and the umask may have
   * narrowed the mode given to open. */
  if (fchmod(fd, mode & 07777) < 0)
    return hr_error_sys(err, "chmod temporary file for `%s`", name);
  if (fill(fd, ctx, err) < 0)
    return hr_error_prefix(err, "write temporary file for `%s`", name);
  if (sync && fsync(fd) < 0)
    return hr_error_sys(err, "fsync temporary file for `%s`", name);
  return 0;
}

static int replace_file_at(int dirfd, const char *name, hr_fill_fn *fill, void *ctx, mode_t mode,
                           uid_t uid, gid_t gid, bool sync, struct hr_error *err)
{
  char tmp[NAME_MAX + 1];
  bool named;
  int fd = -1, r;

  if (temp_name(name, tmp, sizeof(tmp), err) < 0)
    return -1;
  r = open_temp_at(dirfd, name, tmp, mode, &fd, err);
  if (r < 0)
    return -1;
  named = r == 0;
  if (fill_temp(fd, name, fill, ctx, mode, uid, gid, sync, err) < 0)
    goto fail;
  if (!named && link_temp_at(fd, dirfd, name, tmp, err) < 0)
    goto fail;
  named = true;
  r = close(fd);
  fd = -1;
  if (r < 0) {
    hr_error_sys(err, "close temporary file for `%s`", name);
    goto fail;
  }
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    hr_error_sys(err, "rename temporary file over `%s`", name);
    goto fail;
  }
  return 0;

fail:
  if (fd >= 0)
    close(fd);
  if (named)
    unlinkat(dirfd, tmp, 0);
  return -1;
}

int hr_write_file_atomic_at(int dirfd, const char *name, const char *buf, size_t len, mode_t mode,
                            uid_t uid, gid_t gid, struct hr_error *err)
{
  struct fill_buf b = {buf, len};

  return replace_file_at(dirfd, name, fill_from_buf, &b, mode, uid, gid, true, err);
}

int hr_write_file_atomic_fill_at(int dirfd, const char *name, hr_fill_fn *fill, void *ctx,
                                 mode_t mode, uid_t uid, gid_t gid, struct hr_error *err)
{
  return replace_file_at(dirfd, name, fill, ctx, mode, uid, gid, true, err);
}

int hr_replace_file_at(int dirfd, const char *name, const char *buf, size_t len, mode_t mode,
                       struct hr_error *err)
{
  struct fill_buf b = {buf, len};

  return replace_file_at(dirfd, name, fill_from_buf, &b, mode, (uid_t)-1, (gid_t)-1, false, err);
}

/* Days since 1970-01-01 to a proleptic Gregorian date, in eras of 400
 * years (146097 days), so that every step is exact integer arithmetic. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  int64_t era, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  yoe = z - era * 146097;
  yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
  doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* Two decimal digits of v < 100. */
static void put2(char *p, unsigned v)
{
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

int hr_format_utc(int64_t epoch, char *buf, size_t size)
{
  int64_t days = epoch / 86400, secs = epoch % 86400, y;
  unsigned m, d;

  if (secs < 0) {
    secs += 86400;
    days--;
  }
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999 || size < sizeof("YYYY-MM-DDTHH:MM:SSZ"))
    return -1;
  /* Digits placed by hand: every create formats three of these, and
   * snprintf's machinery cost each about 3,000 instructions. */
  put2(buf, (unsigned)(y / 100));
  put2(buf + 2, (unsigned)(y % 100));
  buf[4] = '-';
  put2(buf + 5, m);
  buf[7] = '-';
  put2(buf + 8, d);
  buf[10] = 'T';
  put2(buf + 11, (unsigned)(secs / 3600));
  buf[13] = ':';
  put2(buf + 14, (unsigned)(secs / 60 % 60));
  buf[16] = ':';
  put2(buf + 17, (unsigned)(secs % 60));
  memcpy(buf + 19, "Z", 2);
  return 0;
}

static size_t put(char *buf, size_t size, size_t at, const char *s, size_t n)
{
  size_t room = at < size ? size - 1 - at : 0;

  memcpy(buf + at, s, n < room ? n : room);
  return at + (n < room ? n : room);
}

const char *hr_field_path(char *buf, size_t size, const char *prefix, size_t index,
                          const char *suffix)
{
  size_t at = 0;

  if (size == 0)
    return buf;
  at = put(buf, size, at, prefix, strlen(prefix));
  if (index != SIZE_MAX) {
    char digits[24];
    size_t d = sizeof(digits);
    digits[--d] = ']';
    do
      digits[--d] = (char)('0' + index % 10);
    while ((index /= 10) != 0);
    digits[--d] = '[';
    at = put(buf, size, at, digits + d, sizeof(digits) - d);
  }
  at = put(buf, size, at, suffix, strlen(suffix));
  buf[at] = '\0';
  return buf;
}

bool hr_path_is_clean(const char *path)
{
  const char *p = path;

  if (path[0] != '/')
    return false;
  if (path[1] == '\0')
    return true;
  /* p is at a slash: the component after it must be neither empty, nor
   * "." nor "..". */
  for (; p != NULL; p = strchr(p + 1, '/')) {
    if (p[1] == '/' || p[1] == '\0')
      return false;
    if (p[1] == '.' &&
        (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
      return false;
  }
  return true;
}

char *hr_path_clean(const char *path, struct hr_error *err)
{
  size_t n = strlen(path);
  char *out = hr_malloc(n + 2, err);
  size_t o = 1;

  if (out == NULL)
    return NULL;
  /* Most paths (mount destinations, the lists of a profile) are clean
   * already: one pass of strchr() instead of one of a byte at a time. */
  if (hr_path_is_clean(path)) {
    memcpy(out, path, n + 1);
    return out;
  }
  out[0] = '/';
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && path[j] != '/')
      j++;
    size_t seg = j - i;
    if (seg == 0 || (seg == 1 && path[i] == '.')) {
      /* skip */
    } else if (seg == 2 && path[i] == '.' && path[i + 1] == '.') {
      while (o > 1 && out[o - 1] != '/')
        o--;
      if (o > 1)
        o--;
    } else {
      if (o > 1)
        out[o++] = '/';
      memcpy(out + o, path + i, seg);
      o += seg;
    }
    i = j + 1;
  }
  out[o] = '\0';
  return out;
}

bool hr_path_has_prefix(const char *path, const char *prefix)
{
  size_t n = strlen(prefix);
  if (strcmp(prefix, "/") == 0)
    return path[0] == '/';
  return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int hr_parse_u64(const char *s, size_t len, uint64_t *ret)
{
  uint64_t v = 0;
  if (len == 0 || (len > 1 && s[0] == '0'))
    return -1;
  for (size_t i = 0; i < len; i++) {
    unsigned d;
    if (s[i] < '0' || s[i] > '9')
      return -1;
    d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *ret = v;
  return 0;
}

int hr_parse_i64(const char *s, size_t len, int64_t *ret)
{
  uint64_t mag;
  bool neg = len > 0 && s[0] == '-';

  if (hr_parse_u64(s + neg, len - neg, &mag) < 0)
    return -1;
  if (neg) {
    if (mag > (uint64_t)INT64_MAX + 1)
      return -1;
    *ret = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
  } else {
    if (mag > (uint64_t)INT64_MAX)
      return -1;
    *ret = (int64_t)mag;
  }
  return 0;
}

int hr_parse_size(const char *s, int64_t *ret)
{
  size_t n = strlen(s), digits = 0;
  uint64_t v, mult = 1;

  while (digits < n && s[digits] >= '0' && s[digits] <= '9')
    digits++;
  if (hr_parse_u64(s, digits, &v) < 0)
    return -1;
  const char *unit = s + digits;
  switch (unit[0] | 0x20) {
  case 'k':
    mult = 1ULL << 10;
    break;
  case 'm':
    mult = 1ULL << 20;
    break;
  case 'g':
    mult = 1ULL << 30;
    break;
  case 't':
    mult = 1ULL << 40;
    break;
  case ' ':
    if (unit[0] != '\0')
      return -1;
    break;
  case 'b':
    break;
  default:
    return -1;
  }
  if (unit[0] != '\0') {
    size_t rest = strlen(unit);
    bool tail_b = rest == 2 && (unit[1] | 0x20) == 'b';
    if (!(rest == 1 || tail_b))
      return -1;
    if ((unit[0] | 0x20) == 'b' && rest != 1)
      return -1;
  }
  if (v > (uint64_t)INT64_MAX / mult)
    return -1;
  *ret = (int64_t)(v * mult);
  return 0;
}

char *hr_base64(const void *data, size_t len, struct hr_error *err)
{
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = data;
  char *out, *o;

  if (len > (SIZE_MAX - 1) / 4 * 3 - 2) {
    hr_error_oom(err);
    return NULL;
  }
  out = hr_malloc((len + 2) / 3 * 4 + 1, err);
  if (out == NULL)
    return NULL;
  o = out;
  for (; len >= 3; p += 3, len -= 3) {
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    *o++ = abc[v >> 18];
    *o++ = abc[(v >> 12) & 63];
    *o++ = abc[(v >> 6) & 63];
    *o++ = abc[v & 63];
  }
  if (len > 0) {
    uint32_t v = (uint32_t)p[0] << 16 | (len == 2 ? (uint32_t)p[1] << 8 : 0);
    *o++ = abc[v >> 18];
    *o++ = abc[(v >> 12) & 63];
    *o++ = len == 2 ? abc[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o = '\0';
  return out;
}
