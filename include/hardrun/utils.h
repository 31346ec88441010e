/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_UTILS_H
#define HARDRUN_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "hardrun/error.h"

/* 16 bytes as one vector (GCC's vector extension: SSE2 on x86-64, scalar
 * code elsewhere), for the byte scans that run over whole documents:
 * compare a vector with a byte (v == 'x', (hr_v16s)v < 0x20) and ask
 * whether any lane matched. */
typedef unsigned char hr_v16 __attribute__((vector_size(16)));
typedef signed char hr_v16s __attribute__((vector_size(16)));

static inline hr_v16 hr_v16_load(const void *p)
{
  hr_v16 v;

  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

static inline bool hr_v16_any(hr_v16 v)
{
  uint64_t w[2];

  __builtin_memcpy(w, &v, sizeof(w));
  return (w[0] | w[1]) != 0;
}

/* Cleanup helpers, in the crun manner: memory is released by scope. */
void hr_cleanup_freep(void *p);
void hr_cleanup_closep(int *fd);
void hr_cleanup_fclosep(FILE **f);
void hr_cleanup_strvp(char ***v);

#define cleanup_free   __attribute__((cleanup(hr_cleanup_freep)))
#define cleanup_close  __attribute__((cleanup(hr_cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(hr_cleanup_fclosep)))
#define cleanup_strv   __attribute__((cleanup(hr_cleanup_strvp)))

/* Hand ownership out of a cleanup-scoped variable. */
#define get_and_reset(pp)                                                                          \
  ({                                                                                               \
    __typeof__(*(pp)) _hr_tmp = *(pp);                                                             \
    *(pp) = NULL;                                                                                  \
    _hr_tmp;                                                                                       \
  })

#define HR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that fails into `err` instead of aborting. */
void *hr_malloc(size_t n, struct hr_error *err);
void *hr_calloc(size_t n, size_t size, struct hr_error *err);
char *hr_strdup(const char *s, struct hr_error *err);
/* a, sep and b in one new string, as hr_asprintf("%s%s%s") without the
 * cost of a format: for paths joined in the controls' loops. */
char *hr_strjoin(const char *a, const char *sep, const char *b, struct hr_error *err);
char *hr_strndup(const char *s, size_t n, struct hr_error *err);
int hr_asprintf(char **ret, struct hr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hr_strv_free(char **v);

/* Read a whole regular file relative to `dirfd` (AT_FDCWD allowed) without
 * following a symlink in the last component, refusing anything that is not a
 * regular file (FIFO, device, socket, directory) and anything larger than
 * `max_size`.  The buffer is NUL terminated; `ret_len` excludes the NUL.
 * `ret_st` (optional) receives the stat of the file that was read. */
struct stat;
int hr_read_file_at(int dirfd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                    struct stat *ret_st, struct hr_error *err);

/* Like hr_read_file_at(AT_FDCWD, ...) but follows symlinks: for admin-owned
 * files (profiles, hardrun.conf) that distributions commonly symlink.  Still
 * refuses anything that is not a regular file and anything over max_size.
 * errno ENOENT is kept in err->code so callers can tell "absent" apart. */
int hr_read_file(const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                 struct hr_error *err);

/* Replace `name` in `dirfd` atomically: a temp file in the same directory,
 * written in full, fsync'ed, then renamed over `name`.  The new file keeps
 * `mode`, `uid` and `gid` (pass (uid_t)-1 to leave ownership).  On failure
 * `name` is untouched and no temp file remains.  The temp file has no name
 * until it is complete (O_TMPFILE, where the filesystem has it), so a
 * writer killed while writing leaves nothing; one killed between naming
 * it ".NAME.hardrun" and the rename leaves that complete copy, which the
 * next write of `name` replaces. */
int hr_write_file_atomic_at(int dirfd, const char *name, const char *buf, size_t len, mode_t mode,
                            uid_t uid, gid_t gid, struct hr_error *err);
/* The same, with the content written by `fill` to the temp file's `fd` as
 * it is produced (0, or -1 with `err` set), instead of held whole in
 * memory first.  A failing `fill` leaves `name` untouched and no temp file,
 * like any other failure. */
typedef int hr_fill_fn(int fd, void *ctx, struct hr_error *err);
int hr_write_file_atomic_fill_at(int dirfd, const char *name, hr_fill_fn *fill, void *ctx,
                                 mode_t mode, uid_t uid, gid_t gid, struct hr_error *err);
/* The same without the fsync and without a change of owner: for hardrun's
 * own records and caches, which a crash may lose or leave half-written but
 * whose readers refuse what does not check out.  (The temp file is opened
 * with `mode`, which the umask can only narrow.) */
int hr_replace_file_at(int dirfd, const char *name, const char *buf, size_t len, mode_t mode,
                       struct hr_error *err);

/* `s` (len bytes) in double quotes for a message, with control bytes,
 * quotes, backslashes and non-ASCII bytes escaped as \xNN so that hostile
 * text cannot forge log lines; cut with "..." to fit `size` (>= 16). */
const char *hr_quote(char *buf, size_t size, const char *s, size_t len);
/* Standard base64 (RFC 4648, '=' padded) of `len` bytes, NUL terminated;
 * NULL (err set) when out of memory. */
char *hr_base64(const void *data, size_t len, struct hr_error *err);

/* Write all of `buf`, retrying on EINTR and short writes. */
int hr_write_all(int fd, const char *buf, size_t len, struct hr_error *err);

/* `epoch` (seconds) as RFC 3339 UTC, "2026-11-23T16:41:50Z", the form of
 * runc's log lines.  Unlike gmtime_r, it never loads the time zone (glibc
 * reads /etc/localtime on the first gmtime_r of a process).  -1 when it
 * does not fit `size` (>= 21) or the year is outside 0..9999. */
int hr_format_utc(int64_t epoch, char *buf, size_t size);

/* Lexically clean an absolute path the way Go's path.Clean does ("//" and
 * "." removed, ".." resolved, never above "/").  A relative input is treated
 * as relative to "/", as runc does for mount destinations. */
char *hr_path_clean(const char *path, struct hr_error *err);

/* True when hr_path_clean() would return `path` unchanged: absolute, with
 * no empty, "." or ".." component and no trailing slash (but "/"). */
bool hr_path_is_clean(const char *path);

/* A field's place in a document for error messages, "PREFIX[INDEX]SUFFIX"
 * (INDEX left out when it is SIZE_MAX), cut to fit `size` as snprintf
 * would.  The controls name a field before they know whether it is wrong;
 * snprintf costs them more than the check. */
const char *hr_field_path(char *buf, size_t size, const char *prefix, size_t index,
                          const char *suffix);

/* True when `path` equals `prefix` or lies below it; both must be clean. */
bool hr_path_has_prefix(const char *path, const char *prefix);

/* Parse a size such as "64m", "1g", "4096" or "512k" (binary units,
 * case-insensitive, optional trailing "b") into bytes, exactly.  Returns -1
 * on syntax error or overflow of int64. */
int hr_parse_size(const char *s, int64_t *ret);

/* Exact decimal integer parsing: no sign for u64, no leading '+', no
 * whitespace, no fraction or exponent.  Returns -1 on error or overflow. */
int hr_parse_i64(const char *s, size_t len, int64_t *ret);
int hr_parse_u64(const char *s, size_t len, uint64_t *ret);

#endif
