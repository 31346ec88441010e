/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serialising and rendering a document (see hr_json_serialize and
 * hr_json_render in json.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardrun/json.h"
#include "json-internal.h"
#include "hardrun/utils.h"

/* ---- output ---------------------------------------------------------------------- */

/* Output goes to a growing buffer, or, when streaming, through a fixed
 * one to a file descriptor (hr_json_serialize_fd). */
struct out {
  char *buf;
  size_t len, cap;
  size_t limit; /* stop appending past this many bytes (render) */
  bool full, oom;
  bool stream, failed; /* failed: a write to fd failed, err says why */
  int fd;
  struct hr_error *err;
};

#define OUT_STREAM_BUF ((size_t)64 * 1024)

static void out_flush(struct out *o)
{
  if (o->len > 0 && !o->failed && hr_write_all(o->fd, o->buf, o->len, o->err) < 0)
    o->failed = true;
  o->len = 0;
}

static void out_stream(struct out *o, const char *s, size_t n)
{
  if (n > o->cap - o->len) {
    out_flush(o);
    /* Large pieces (a long new string) go out straight, uncopied; source
     * text never comes this way (see out_put_src()). */
    if (n >= o->cap) {
      if (!o->failed && hr_write_all(o->fd, s, n, o->err) < 0)
        o->failed = true;
      return;
    }
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static __attribute__((noinline)) void out_put_slow(struct out *o, const char *s, size_t n)
{
  if (o->full || o->oom || o->failed)
    return;
  if (o->stream) {
    out_stream(o, s, n);
    return;
  }
  if (n > o->limit - o->len) {
    n = o->limit - o->len;
    o->full = true;
  }
  if (n >= o->cap - o->len) {
    size_t ncap = o->cap ? o->cap : 256;
    char *p;
    while (n >= ncap - o->len) {
      if (ncap > SIZE_MAX / 4) {
        o->oom = true;
        return;
      }
      ncap *= 2;
    }
    p = realloc(o->buf, ncap);
    if (p == NULL) {
      o->oom = true;
      return;
    }
    o->buf = p;
    o->cap = ncap;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

/* Inline, for the pieces that fit (nearly all): a document is emitted as
 * thousands of pieces of a few bytes, most of them constants. */
static inline void out_put(struct out *o, const char *s, size_t n)
{
  if (!o->full && !o->oom && !o->failed && n < o->cap - o->len && n <= o->limit - o->len) {
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return;
  }
  out_put_slow(o, s, n);
}

/* Parsing left a NUL in the source where a string or key without escapes
 * ends (see in_place() in json.c), and the source holds no other NUL: copied
 * out, it is the quote it was.  16 bytes at a time, since this runs over
 * every byte of an unedited subtree. */
static void restore_quotes(char *p, size_t n)
{
  size_t i = 0;

  for (; n - i >= 16; i += 16) {
    hr_v16 v = hr_v16_load(p + i);
    hr_v16 nul = (hr_v16)(v == 0);
    if (hr_v16_any(nul)) {
      v |= nul & '"';
      memcpy(p + i, &v, sizeof(v));
    }
  }
  for (; i < n; i++)
    if (p[i] == '\0')
      p[i] = '"';
}

/* Source text, through the buffer (when streaming, a buffer at a time),
 * where its quotes are restored. */
static void out_put_src(struct out *o, const char *s, size_t n)
{
  while (n > 0 && !o->full && !o->oom && !o->failed) {
    size_t k = n, at;
    if (o->stream) {
      if (o->len == o->cap)
        out_flush(o);
      if (k > o->cap - o->len)
        k = o->cap - o->len;
    }
    at = o->len;
    out_put(o, s, k);
    restore_quotes(o->buf + at, o->len - at);
    s += k;
    n -= k;
  }
}

/* Every byte but control characters, '"' and '\\': one load per byte
 * where a block stopped, and for strings shorter than a block (most). */
static const bool plain_json[256] = {
    [0x20 ... 0x21] = true,
    [0x23 ... 0x5b] = true,
    [0x5d ... 0xff] = true,
};

static bool plain_byte(unsigned char c)
{
  return plain_json[c];
}

/* True when none of the 16 bytes at p needs an escape (see hr_v16). */
static bool plain_block(const char *p)
{
  hr_v16 v = hr_v16_load(p);

  return !hr_v16_any((hr_v16)((v < 0x20) | (v == '"') | (v == '\\')));
}

/* Minimal escaping: what JSON requires and nothing else, so new strings look
 * like the ones around them. */
static void emit_string(struct out *o, const char *s, size_t len)
{
  size_t run = 0;

  out_put(o, "\"", 1);
  for (size_t i = 0; i < len; i++) {
    unsigned char c;
    char esc[8];
    /* 16 plain bytes at a time, then straight to the one that stopped
     * the block; i ends on a byte to escape, or on len. */
    while (len - i >= 16 && plain_block(s + i))
      i += 16;
    while (i < len && plain_byte((unsigned char)s[i]))
      i++;
    if (i == len)
      break;
    c = (unsigned char)s[i];
    out_put(o, s + run, i - run);
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      out_put(o, esc, 2);
    } else {
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      out_put(o, esc, 6);
    }
    run = i + 1;
  }
  out_put(o, s + run, len - run);
  out_put(o, "\"", 1);
}

static void emit(struct out *o, const struct hr_json *n, bool render);

static void emit_object(struct out *o, const struct hr_json *n, bool render)
{
  out_put(o, "{", 1);
  for (size_t i = 0; i < n->u.object.len && !o->full; i++) {
    const struct hr_json_member *m = &n->u.object.items[i];
    const char *raw = hr_json__raw_key(m);
    if (i > 0)
      out_put(o, ",", 1);
    if (raw != NULL)
      out_put_src(o, raw, m->raw_key_len);
    else
      emit_string(o, m->key, m->key_len);
    out_put(o, ":", 1);
    emit(o, m->value, render);
  }
  out_put(o, "}", 1);
}

static void emit_array(struct out *o, const struct hr_json *n, bool render)
{
  out_put(o, "[", 1);
  for (size_t i = 0; i < n->u.array.len && !o->full; i++) {
    if (i > 0)
      out_put(o, ",", 1);
    emit(o, n->u.array.items[i], render);
  }
  out_put(o, "]", 1);
}

/* Serialising copies clean subtrees from the source; rendering always
 * re-emits, since source text may span lines. */
static void emit(struct out *o, const struct hr_json *n, bool render)
{
  if (n == NULL) {
    out_put(o, "null", 4);
    return;
  }
  if (!render && !n->dirty && n->raw != NULL) {
    out_put_src(o, n->raw, n->raw_len);
    return;
  }
  switch (n->type) {
  case HR_JSON_NULL:
    out_put(o, "null", 4);
    break;
  case HR_JSON_BOOL:
    out_put(o, n->u.boolean ? "true" : "false", n->u.boolean ? 4 : 5);
    break;
  case HR_JSON_NUMBER:
    out_put(o, n->u.number.text, n->u.number.len);
    break;
  case HR_JSON_STRING:
    emit_string(o, n->u.string.s, n->u.string.len);
    break;
  case HR_JSON_ARRAY:
    emit_array(o, n, render);
    break;
  case HR_JSON_OBJECT:
    emit_object(o, n, render);
    break;
  default:
    out_put(o, "null", 4);
    break;
  }
}

static void emit_doc(struct out *o, const struct hr_json_doc *doc)
{
  const struct hr_json *root = doc->root;
  size_t head = 0, tail = doc->src_len;

  /* Whitespace around the top-level value is kept as well. */
  if (hr_json__node_offset(doc, root, &head))
    tail = head + root->raw_len;
  out_put(o, doc->src, head);
  emit(o, root, false);
  out_put(o, doc->src + tail, doc->src_len - tail);
}

int hr_json_serialize(const struct hr_json_doc *doc, char **ret, size_t *ret_len,
                      struct hr_error *err)
{
  struct out o = {.limit = SIZE_MAX};

  /* A rewrite is about as long as its source: one allocation instead of a
   * chain of doubling copies. */
  if (doc->src_len < SIZE_MAX / 2) {
    o.cap = doc->src_len + doc->src_len / 4 + 4096;
    o.buf = malloc(o.cap);
    if (o.buf == NULL)
      o.cap = 0;
  }
  emit_doc(&o, doc);
  out_put(&o, "", 1);
  if (o.oom) {
    free(o.buf);
    return hr_error_oom(err);
  }
  *ret = o.buf;
  *ret_len = o.len - 1;
  return 0;
}

int hr_json_serialize_fd(const struct hr_json_doc *doc, int fd, struct hr_error *err)
{
  cleanup_free char *buf = hr_malloc(OUT_STREAM_BUF, err);
  struct out o = {.limit = SIZE_MAX, .stream = true, .fd = fd, .err = err};

  if (buf == NULL)
    return -1;
  o.buf = buf;
  o.cap = OUT_STREAM_BUF;
  emit_doc(&o, doc);
  out_flush(&o);
  return o.failed ? -1 : 0;
}

/* The text in `o`, NUL terminated: the caller's, or NULL on out-of-memory. */
static char *out_finish(struct out *o)
{
  o->full = false;
  o->limit = SIZE_MAX;
  out_put(o, "", 1);
  if (o->oom) {
    free(o->buf);
    return NULL;
  }
  return o->buf;
}

char *hr_json_render(const struct hr_json *node, size_t max)
{
  struct out o = {.limit = max < SIZE_MAX - 1 ? max + 1 : SIZE_MAX};
  size_t cut;

  if (node == NULL)
    return strdup("(absent)");
  emit(&o, node, true);
  if (o.len > max) {
    /* Cut on a character boundary, leaving room for the ellipsis. */
    cut = max > 3 ? max - 3 : 0;
    while (cut > 0 && ((unsigned char)o.buf[cut] & 0xc0) == 0x80)
      cut--;
    o.len = cut;
    o.full = false;
    o.limit = SIZE_MAX;
    out_put(&o, "...", 3);
  }
  return out_finish(&o);
}

char *hr_json_text(const struct hr_json *node, size_t max, size_t *ret_len)
{
  struct out o = {.limit = max < SIZE_MAX - 1 ? max + 1 : SIZE_MAX};
  char *text;

  *ret_len = 0;
  emit(&o, node, false);
  if (o.len > max) {
    free(o.buf);
    *ret_len = o.len;
    return NULL;
  }
  text = out_finish(&o);
  if (text != NULL)
    *ret_len = o.len - 1;
  return text;
}
