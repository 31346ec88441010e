/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hardrun/log.h"
#include "hardrun/utils.h"

/* A growable string; every append keeps it NUL terminated. */
struct sbuf {
  char *s;
  size_t len, cap;
  bool oom;
};

static __attribute__((noinline)) void sb_grow(struct sbuf *b, size_t need)
{
  char *n;
  size_t cap;

  if (b->oom || b->len + need + 1 <= b->cap)
    return;
  /* An audit record with its changes is a few kilobytes. */
  cap = b->cap ? b->cap : 4096;
  while (cap < b->len + need + 1)
    cap *= 2;
  n = realloc(b->s, cap);
  if (n == NULL) {
    b->oom = true;
    return;
  }
  b->s = n;
  b->cap = cap;
}

/* Inline, with the growth out of line: a record is hundreds of appends of
 * a few bytes, nearly all of which fit. */
static inline void sb_add(struct sbuf *b, const char *s, size_t n)
{
  if (b->oom || n >= b->cap - b->len) {
    sb_grow(b, n);
    if (b->oom)
      return;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
  sb_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s, or 0.  Invalid bytes are replaced
 * on output: containerd decodes log.json with Go, and a line it cannot read
 * turns hardrun's message into "unable to retrieve OCI runtime error". */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
  size_t len;
  uint32_t cp;

  if (s[0] < 0x80)
    return 1;
  if ((s[0] & 0xe0) == 0xc0)
    len = 2, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* True when none of the 16 bytes at p needs escaping or a UTF-8 check (see
 * hr_v16): as signed bytes, control characters and every byte >= 0x80 are
 * below 0x20.  The audit record carries every change, and nearly all of
 * its bytes pass unchanged. */
static bool plain_block(const unsigned char *p)
{
  hr_v16 v = hr_v16_load(p);

  return !hr_v16_any((hr_v16)(((hr_v16s)v < 0x20) | (v == 0x7f) | (v == '"') | (v == '\\')));
}

/* Printable ASCII but '"' and '\\': one load per byte where a block
 * stopped (rendered values quote every string, so blocks often stop). */
static const bool plain_ascii[256] = {
    [0x20 ... 0x21] = true,
    [0x23 ... 0x5b] = true,
    [0x5d ... 0x7e] = true,
};

static bool plain_byte(unsigned char c)
{
  return plain_ascii[c];
}

/* Append `s` as the inside of a JSON string.  Bytes that pass unchanged
 * are copied a run at a time. */
static void sb_json_escaped(struct sbuf *b, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), run = 0, k;

  for (size_t i = 0; i < n;) {
    size_t end = n - i >= 16 ? i + 16 : n;
    unsigned char c;
    char tmp[8];

    if (end - i == 16 && plain_block(p + i)) {
      i = end;
      continue;
    }
    /* Straight to the byte that stopped the block: rendered values
     * quote every string, so it is often near. */
    while (i < end && plain_byte(p[i]))
      i++;
    if (i == end)
      continue;
    c = p[i];
    if (c >= 0x80 && (k = utf8_seq(p + i, n - i)) != 0) {
      i += k;
      continue;
    }
    sb_add(b, s + run, i - run);
    if (c == '"' || c == '\\') {
      tmp[0] = '\\', tmp[1] = (char)c;
      sb_add(b, tmp, 2);
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(tmp, "\\u00", 4);
      tmp[4] = hex[c >> 4];
      tmp[5] = hex[c & 15];
      sb_add(b, tmp, 6);
    } else {
      sb_add(b, "\\ufffd", 6);
    }
    run = ++i;
  }
  sb_add(b, s + run, n - run);
}

/* `,"key":"value"`, its fixed pieces added whole: a record has four fields
 * per change. */
static void sb_json_field(struct sbuf *b, const char *key, const char *value, bool first)
{
  if (first)
    sb_add(b, "\"", 1);
  else
    sb_add(b, ",\"", 2);
  sb_json_escaped(b, key);
  if (value == NULL) {
    sb_add(b, "\":null", 6);
    return;
  }
  sb_add(b, "\":\"", 3);
  sb_json_escaped(b, value);
  sb_add(b, "\"", 1);
}

static char *sb_take(struct sbuf *b)
{
  if (b->oom) {
    free(b->s);
    return NULL;
  }
  if (b->s == NULL)
    return strdup("");
  return b->s;
}

static void rfc3339(long long epoch, char *out, size_t n)
{
  if (hr_format_utc(epoch, out, n) < 0)
    snprintf(out, n, "1970-01-01T00:00:00Z");
}

char *hr_log_format_json(const char *level, const char *msg, long long epoch_seconds)
{
  struct sbuf b = {0};
  char ts[64];

  rfc3339(epoch_seconds, ts, sizeof(ts));
  sb_str(&b, "{");
  sb_json_field(&b, "level", level, true);
  sb_json_field(&b, "msg", msg, false);
  sb_json_field(&b, "time", ts, false);
  sb_str(&b, "}");
  return sb_take(&b);
}

/* logrus' text formatter, which runc uses without --log-format json. */
static char *format_text(const char *level, const char *msg, long long epoch_seconds)
{
  struct sbuf b = {0};
  char ts[64];

  rfc3339(epoch_seconds, ts, sizeof(ts));
  sb_str(&b, "time=\"");
  sb_str(&b, ts);
  sb_str(&b, "\" level=");
  sb_str(&b, level);
  sb_str(&b, " msg=\"");
  sb_json_escaped(&b, msg);
  sb_str(&b, "\"");
  return sb_take(&b);
}

int hr_log_line(const char *path, const char *format, const char *level, const char *msg,
                struct hr_error *err)
{
  bool to_stderr = path == NULL || path[0] == '\0';
  bool json = !to_stderr && format != NULL && strcmp(format, "json") == 0;
  long long now = (long long)time(NULL);
  cleanup_free char *line =
      json ? hr_log_format_json(level, msg, now) : format_text(level, msg, now);
  cleanup_close int fd = -1;

  if (line == NULL)
    return hr_error_oom(err);
  if (to_stderr) {
    /* runc without --log writes the same logrus text line to stderr. */
    size_t n = strlen(line);
    line[n] = '\n';
    return hr_write_all(STDERR_FILENO, line, n + 1, err);
  }
  /* runc opens the log the same way (append, create, 0644); one write per
   * line keeps concurrent writers from interleaving. */
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0)
    return hr_error_sys(err, "open log `%s`", path);
  size_t n = strlen(line);
  line[n] = '\n';
  return hr_write_all(fd, line, n + 1, err);
}

char *hr_audit_format_text(const struct hr_audit *a)
{
  struct sbuf b = {0};
  const struct hr_changes *c = a->changes;

  sb_str(&b, a->command ? a->command : "?");
  sb_str(&b, " id=");
  sb_str(&b, a->id ? a->id : "-");
  sb_str(&b, " bundle=");
  sb_str(&b, a->bundle ? a->bundle : ".");
  sb_str(&b, " profile=");
  sb_str(&b, a->profile ? a->profile : "-");
  sb_str(&b, " verdict=");
  sb_str(&b, a->verdict ? a->verdict : "-");
  if (a->reason != NULL) {
    sb_str(&b, " reason=\"");
    sb_json_escaped(&b, a->reason);
    sb_str(&b, "\"");
  }
  sb_str(&b, " changes:");
  if (c == NULL || c->len == 0)
    sb_str(&b, " none");
  for (size_t i = 0; c != NULL && i < c->len; i++) {
    sb_str(&b, i ? "; " : " ");
    sb_str(&b, c->items[i].path);
    sb_str(&b, c->items[i].audit_only ? ": AUDIT " : ": ");
    sb_str(&b, c->items[i].old_value);
    if (!c->items[i].audit_only) {
      sb_str(&b, " -> ");
      sb_str(&b, c->items[i].new_value);
    }
  }
  return sb_take(&b);
}

/* The JSON record; `newline` ends it with one, as a line of the audit
 * file, without copying it again. */
static char *audit_json(const struct hr_audit *a, bool newline)
{
  struct sbuf b = {0};
  const struct hr_changes *c = a->changes;
  char ts[64];

  rfc3339((long long)time(NULL), ts, sizeof(ts));
  sb_str(&b, "{");
  sb_json_field(&b, "time", ts, true);
  sb_json_field(&b, "command", a->command, false);
  sb_json_field(&b, "id", a->id, false);
  sb_json_field(&b, "bundle", a->bundle, false);
  sb_json_field(&b, "profile", a->profile, false);
  sb_json_field(&b, "profilePath", a->profile_path, false);
  sb_json_field(&b, "verdict", a->verdict, false);
  sb_json_field(&b, "reason", a->reason, false);
  sb_str(&b, ",\"changes\":[");
  for (size_t i = 0; c != NULL && i < c->len; i++) {
    sb_str(&b, i ? ",{" : "{");
    sb_json_field(&b, "rule", c->items[i].rule, true);
    sb_json_field(&b, "path", c->items[i].path, false);
    if (c->items[i].audit_only) {
      sb_json_field(&b, "finding", c->items[i].old_value, false);
    } else {
      sb_json_field(&b, "old", c->items[i].old_value, false);
      sb_json_field(&b, "new", c->items[i].new_value, false);
    }
    sb_str(&b, "}");
  }
  sb_str(&b, newline ? "]}\n" : "]}");
  return sb_take(&b);
}

char *hr_audit_format_json(const struct hr_audit *a)
{
  return audit_json(a, false);
}

/* Syslog datagrams are capped so one huge spec cannot make the record
 * undeliverable; the audit file keeps the full record. */
#define HR_SYSLOG_MAX (16 * 1024)

static int send_syslog(const char *socket_path, const char *text, struct hr_error *err)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  cleanup_close int fd = -1;
  cleanup_free char *dgram = NULL;
  char ts[32];
  time_t now = time(NULL);
  struct tm tm;
  int n;

  if (strlen(socket_path) >= sizeof(sa.sun_path))
    return hr_error_input(err, "audit socket path too long: %s", socket_path);
  memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
  if (localtime_r(&now, &tm) == NULL || strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm) == 0)
    ts[0] = '\0';
  /* <86> = facility authpriv (10) * 8 + severity info (6): the audit
   * trail of a security decision belongs with other authorisation logs. */
  n = hr_asprintf(&dgram, err, "<86>%s hardrun[%d]: %s", ts, (int)getpid(), text);
  if (n < 0)
    return -1;
  if (n > HR_SYSLOG_MAX) {
    memcpy(dgram + HR_SYSLOG_MAX - 3, "...", 3);
    n = HR_SYSLOG_MAX;
  }
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hr_error_sys(err, "audit: socket");
  if (sendto(fd, dgram, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return hr_error_sys(err, "audit: send to syslog socket `%s`", socket_path);
  return 0;
}

/* `line` is the record with its newline: one write, so that records
 * appended at once do not interleave. */
static int append_audit_file(const char *file, const char *line, struct hr_error *err)
{
  cleanup_close int fd =
      open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

  if (fd < 0)
    return hr_error_sys(err, "audit: open `%s`", file);
  return hr_write_all(fd, line, strlen(line), err);
}

int hr_audit_send(const struct hr_audit *a, const char *socket_path, const char *file,
                  struct hr_error *err)
{
  int ret = 0;

  if (socket_path != NULL && socket_path[0] != '\0') {
    cleanup_free char *text = hr_audit_format_text(a);
    if (text == NULL)
      return hr_error_oom(err);
    if (send_syslog(socket_path, text, err) < 0)
      ret = -1;
  }
  if (file != NULL && file[0] != '\0') {
    struct hr_error ferr = {0};
    cleanup_free char *line = audit_json(a, true);
    if (line == NULL)
      return hr_error_oom(err);
    if (append_audit_file(file, line, &ferr) < 0) {
      *err = ferr;
      ret = -1;
    }
  }
  return ret;
}
