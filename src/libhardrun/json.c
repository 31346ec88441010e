/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "hardrun/json.h"
#include "json-internal.h"
#include "hardrun/utils.h"

/* Documents hold tens of thousands of these; keep them from growing back. */
_Static_assert(sizeof(struct hr_json) <= 32, "struct hr_json grew");
_Static_assert(sizeof(struct hr_json_member) <= 24, "struct hr_json_member grew");
/* hr_json_new_from_text() parses its text plus one byte. */
_Static_assert(HR_JSON_DEFAULT_MAX_SIZE < HR_JSON_MAX_INPUT, "default bound over the node spans");
_Static_assert(HR_JSON_MAX_INPUT <= HR_JSON_MAX_LEN, "node spans over the 32-bit lengths");

/* ---- arena ----------------------------------------------------------------
 * A document is thousands of small nodes freed all at once; a bump allocator
 * makes that one free() per chunk instead of one per node. */

#define ARENA_MIN_CHUNK ((size_t)4096)
#define ARENA_MAX_CHUNK ((size_t)4 << 20)

static struct arena_chunk *chunk_new(size_t size, struct hr_error *err)
{
  struct arena_chunk *c;

  if (size > SIZE_MAX / 2) {
    hr_error_oom(err);
    return NULL;
  }
  c = malloc(sizeof(*c) + size);
  if (c == NULL) {
    hr_error_oom(err);
    return NULL;
  }
  c->next = NULL;
  c->size = size;
  c->used = 0;
  return c;
}

static __attribute__((noinline)) void *arena_grow(struct hr_json_doc *doc, size_t size,
                                                  struct hr_error *err)
{
  struct arena_chunk *c;

  /* A big request gets a chunk of its own behind the current one, so the
   * free space left in the current chunk is not abandoned. */
  if (doc->chunks != NULL && size > doc->next_chunk / 2) {
    c = chunk_new(size, err);
    if (c == NULL)
      return NULL;
    c->used = size;
    c->next = doc->chunks->next;
    doc->chunks->next = c;
    return c->data;
  }
  c = chunk_new(size > doc->next_chunk ? size : doc->next_chunk, err);
  if (c == NULL)
    return NULL;
  c->used = size;
  c->next = doc->chunks;
  doc->chunks = c;
  if (doc->next_chunk < ARENA_MAX_CHUNK)
    doc->next_chunk *= 2;
  return c->data;
}

static inline void *arena_alloc(struct hr_json_doc *doc, size_t size, size_t align,
                                struct hr_error *err)
{
  struct arena_chunk *c = doc->chunks;

  if (c != NULL) {
    size_t start = (c->used + align - 1) & ~(align - 1);
    if (start <= c->size && size <= c->size - start) {
      c->used = start + size;
      return (char *)c->data + start;
    }
  }
  return arena_grow(doc, size, err);
}

static void *arena_array(struct hr_json_doc *doc, size_t n, size_t size, size_t align,
                         struct hr_error *err)
{
  if (size != 0 && n > SIZE_MAX / 4 / size) {
    hr_error_oom(err);
    return NULL;
  }
  return arena_alloc(doc, n * size, align, err);
}

void *hr_json__alloc(struct hr_json_doc *doc, size_t n, size_t size, size_t align,
                     struct hr_error *err)
{
  return arena_array(doc, n, size, align, err);
}

#define arena_new(doc, type, n, err)                                                               \
  ((type *)arena_array(doc, n, sizeof(type), _Alignof(type), err))

char *hr_json__strndup(struct hr_json_doc *doc, const char *s, size_t len, struct hr_error *err)
{
  char *p = arena_array(doc, len + 1, 1, 1, err);

  if (p == NULL)
    return NULL;
  if (len > 0)
    memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

/* A document over `len` bytes of input, not yet attached (doc->src NULL). */
static struct hr_json_doc *doc_new(const char *name, size_t len, struct hr_error *err)
{
  struct hr_json_doc *doc = hr_calloc(1, sizeof(*doc), err);

  if (doc == NULL)
    return NULL;
  /* Sized for the input plus its nodes, so a typical config.json needs a
   * single malloc; pages never touched cost no memory. */
  doc->next_chunk = len < SIZE_MAX / 8 ? len * 3 + ARENA_MIN_CHUNK : ARENA_MAX_CHUNK;
  doc->name = hr_json__strndup(doc, name, strlen(name), err);
  if (doc->name == NULL) {
    hr_json_doc_free(doc);
    return NULL;
  }
  if (doc->next_chunk < ARENA_MIN_CHUNK)
    doc->next_chunk = ARENA_MIN_CHUNK;
  doc->src_len = len;
  return doc;
}

void hr_json_doc_free(struct hr_json_doc *doc)
{
  struct arena_chunk *c, *next;

  if (doc == NULL)
    return;
  for (c = doc->chunks; c != NULL; c = next) {
    next = c->next;
    free(c);
  }
  free(doc->owned_src);
  free(doc);
}

void hr_json_doc_freep(struct hr_json_doc **doc)
{
  hr_json_doc_free(*doc);
  *doc = NULL;
}

struct hr_json *hr_json_doc_root(const struct hr_json_doc *doc)
{
  return doc != NULL ? doc->root : NULL;
}

const char *hr_json_doc_name(const struct hr_json_doc *doc)
{
  return doc != NULL ? doc->name : NULL;
}

/* ---- positions and error messages ------------------------------------------ */

/* Columns count bytes, as compilers do. */
static void offset_line_col(const char *src, size_t offset, unsigned *line, unsigned *col)
{
  const char *p = src, *end = src + offset, *nl;
  unsigned l = 1;

  while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    l++;
    p = nl + 1;
  }
  *line = l;
  *col = (unsigned)(end - p) + 1;
}

/* Where a node's source text starts in `doc`'s input: false for a node
 * made by an edit or parsed from other text.  A node keeps no offset of its
 * own (it is raw - src), which saves 8 bytes of every node.  Compared as
 * integers, since `raw` may point into another allocation. */
bool hr_json__node_offset(const struct hr_json_doc *doc, const struct hr_json *node, size_t *ret)
{
  uintptr_t raw, src;

  if (doc == NULL || node == NULL || node->raw == NULL || doc->src == NULL)
    return false;
  raw = (uintptr_t)node->raw;
  src = (uintptr_t)doc->src;
  if (raw < src || raw - src > doc->src_len || node->raw_len > doc->src_len - (raw - src))
    return false;
  *ret = raw - src;
  return true;
}

void hr_json_line_col(const struct hr_json_doc *doc, const struct hr_json *node, unsigned *line,
                      unsigned *col)
{
  size_t offset;

  *line = 0;
  *col = 0;
  if (hr_json__node_offset(doc, node, &offset))
    offset_line_col(doc->src, offset, line, col);
}

/* "NAME:LINE:COL: message"; without a source position "NAME: message". */
int hr_json__verror_at(struct hr_error *err, const char *name, const char *src, size_t offset,
                       const char *fmt, va_list ap)
{
  char msg[HR_ERROR_MSG_MAX];
  unsigned line, col;

  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  if (src == NULL)
    return hr_error_input(err, "%s: %s", name, msg);
  offset_line_col(src, offset, &line, &col);
  return hr_error_input(err, "%s:%u:%u: %s", name, line, col, msg);
}

static int __attribute__((format(printf, 5, 6)))
error_at(struct hr_error *err, const char *name, const char *src, size_t offset, const char *fmt,
         ...)
{
  va_list ap;

  va_start(ap, fmt);
  hr_json__verror_at(err, name, src, offset, fmt, ap);
  va_end(ap);
  return -1;
}

/* Quote a key for a message: hostile keys must not inject control
 * characters into logs, and the lookalike letters Go folds are shown as
 * escapes so the reader sees why the key was refused. */
void hr_json__quote_key(char *buf, size_t size, const char *key, size_t len)
{
  const size_t max = 96;
  size_t o = 0;

  buf[o++] = '"';
  for (size_t i = 0; i < len && o + 12 < size; i++) {
    unsigned char c = (unsigned char)key[i];
    if (o > max && (c & 0xc0) != 0x80) {
      o += (size_t)snprintf(buf + o, size - o, "...");
      break;
    }
    if (c == 0xe2 && i + 2 < len && (unsigned char)key[i + 1] == 0x84 &&
        (unsigned char)key[i + 2] == 0xaa) {
      o += (size_t)snprintf(buf + o, size - o, "\\u212a");
      i += 2;
    } else if (i + 1 < len && ((c == 0xc4 && ((unsigned char)key[i + 1] | 1) == 0xb1) ||
                               (c == 0xc5 && (unsigned char)key[i + 1] == 0xbf))) {
      unsigned cp = ((c & 0x1fu) << 6) | ((unsigned char)key[i + 1] & 0x3fu);
      i++;
      o += (size_t)snprintf(buf + o, size - o, "\\u%04x", cp);
    } else if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      o += (size_t)snprintf(buf + o, size - o, "\\u%04x", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
}

/* ---- input checks ---------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s, 0 when it is not.  Stricter
 * than yajl, which lets overlong forms, encoded surrogates and code points
 * above U+10FFFF through; Go would turn each of those into U+FFFD and so
 * read a different string than hardrun. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
  unsigned char c = s[0], lo = 0x80, hi = 0xbf;
  size_t n;

  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c == 0xe0)
    n = 3, lo = 0xa0;
  else if (c == 0xed)
    n = 3, hi = 0x9f;
  else if (c >= 0xe1 && c <= 0xef)
    n = 3;
  else if (c == 0xf0)
    n = 4, lo = 0x90;
  else if (c == 0xf4)
    n = 4, hi = 0x8f;
  else if (c >= 0xf1 && c <= 0xf3)
    n = 4;
  else
    return 0;
  if (avail < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* Offset of the first byte that no JSON text may hold, or len.  Besides
 * invalid UTF-8: NUL, and form feed and vertical tab, which yajl takes for
 * whitespace but Go refuses. */

/* 32 bytes at a time, as two vectors (see hr_v16): this runs over every
 * byte of every config.json and profile, and nearly all of them are plain
 * ASCII. */
#define PLAIN_BLOCK 32

/* Nonzero lanes for NUL, VT, FF and non-ASCII bytes: as signed bytes, NUL
 * and every byte >= 0x80 are below 1. */
static hr_v16 odd_bytes(const unsigned char *p)
{
  hr_v16 v = hr_v16_load(p);

  return (hr_v16)(((hr_v16s)v < 1) | (v == '\v') | (v == '\f'));
}

/* True when none of the PLAIN_BLOCK bytes needs a closer look. */
static bool plain_block(const unsigned char *p)
{
  return !hr_v16_any(odd_bytes(p) | odd_bytes(p + 16));
}

static size_t scan_input(const char *buf, size_t len, const char **why)
{
  const unsigned char *s = (const unsigned char *)buf;
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];
    if (i + PLAIN_BLOCK <= len && plain_block(s + i)) {
      i += PLAIN_BLOCK;
    } else if (c >= 0x20 && c < 0x80) {
      i++;
    } else if (c >= 0x80) {
      size_t n = utf8_seq_len(s + i, len - i);
      if (n == 0) {
        *why = "invalid UTF-8";
        return i;
      }
      i += n;
    } else if (c == 0) {
      *why = "NUL byte in the input";
      return i;
    } else if (c == '\v' || c == '\f') {
      *why = "form feed or vertical tab, which JSON does not allow";
      return i;
    } else {
      /* Other control characters are left to yajl, which names them. */
      i++;
    }
  }
  return len;
}

bool hr_json__utf8_valid(const char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    if ((unsigned char)s[i] < 0x80) {
      i++;
      continue;
    }
    size_t n = utf8_seq_len((const unsigned char *)s + i, len - i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

static int check_input(const char *name, const char *src, size_t len, struct hr_error *err)
{
  const char *why = NULL;
  size_t bad = scan_input(src, len, &why);
  size_t i = 0;

  if (bad < len)
    return error_at(err, name, src, bad, "%s", why);
  while (i < len && strchr(" \t\r\n", src[i]) != NULL)
    i++;
  if (i == len)
    return error_at(err, name, src, len, "empty input, expected a JSON value");
  return 0;
}

/* ---- comments yajl need not lex ----------------------------------------------
 * yajl lexes a comment a byte at a time, at about 12 instructions a byte,
 * and the shipped profiles are mostly comments.  Where comments (with the
 * whitespace around them) follow a token that yajl ends without looking
 * further (a structural character, a string's closing quote) or start the
 * input, the input is handed to yajl in two pieces around them: yajl takes
 * streamed input, and parses the pieces as if it had lexed the gap.  A gap
 * after a number or a literal is left to yajl.  The scan follows strings and
 * comments as yajl does up to the first byte yajl refuses; yajl stops
 * there, before any later cut. */

/* A cut costs yajl a call and its first token a copy, about what lexing
 * this many bytes of comment does: shorter gaps are left in, so that no
 * profile parses slower than it would whole. */
#define MIN_GAP 32

struct gap_scan {
  const char *s;
  size_t len, pos;
  size_t token_end; /* just after the last byte of a token */
  bool cuttable;    /* that token needs no lookahead */
};

/* Just after the string that opens at pos, or SIZE_MAX when unterminated. */
static size_t skip_string(const char *s, size_t len, size_t pos)
{
  for (size_t i = pos + 1; i < len; i++) {
    if (s[i] == '\\')
      i++;
    else if (s[i] == '"')
      return i + 1;
  }
  return SIZE_MAX;
}

/* Just after the comments and whitespace from pos on (pos itself when
 * there are none), or SIZE_MAX when a comment is unterminated: a line
 * comment must end with its newline. */
static size_t skip_comments(const char *s, size_t len, size_t pos)
{
  for (;;) {
    const char *end;
    while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
      pos++;
    if (pos + 1 >= len || s[pos] != '/' || (s[pos + 1] != '/' && s[pos + 1] != '*'))
      return pos;
    if (s[pos + 1] == '/')
      end = memchr(s + pos + 2, '\n', len - pos - 2);
    else
      end = memmem(s + pos + 2, len - pos - 2, "*/", 2);
    if (end == NULL)
      return SIZE_MAX;
    pos = (size_t)(end - s) + (s[pos + 1] == '/' ? 1 : 2);
  }
}

/* The next gap of comments that may be cut out, in [*ret_start, *ret_end).
 * After an unterminated string or comment there is none: yajl reads the
 * rest. */
static bool next_gap(struct gap_scan *g, size_t *ret_start, size_t *ret_end)
{
  while (g->pos < g->len) {
    char c = g->s[g->pos];
    size_t next;

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      g->pos++;
      continue;
    }
    if (c == '"') {
      next = skip_string(g->s, g->len, g->pos);
    } else if (c == '/' && (next = skip_comments(g->s, g->len, g->pos)) != g->pos) {
      if (next == SIZE_MAX)
        break;
      g->pos = next;
      if (!g->cuttable || next - g->token_end < MIN_GAP)
        continue;
      *ret_start = g->token_end;
      *ret_end = next;
      return true;
    } else {
      next = g->pos + 1;
    }
    if (next == SIZE_MAX)
      break;
    g->pos = g->token_end = next;
    g->cuttable = c == '"' || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':';
  }
  g->pos = g->len;
  return false;
}

/* ---- parser: yajl lexes, this builds the tree --------------------------------
 * yajl_get_bytes_consumed() inside a callback is the offset just after the
 * token in the piece of input being parsed (all of it, or the piece
 * between two gaps of comments, at offset `base`); that gives every node
 * its source span. */

struct parse_frame {
  struct hr_json *node;
  size_t base; /* first stack entry holding this container's children */
};

struct parse_ctx {
  struct hr_json_doc *doc;
  yajl_handle handle;
  const char *name, *src;
  /* The document's own copy of src, when it has one: strings and keys
   * without escapes are read there, in place (see in_place()). */
  char *own_src;
  size_t len;
  unsigned depth, max_depth;
  size_t values;
  bool want_object, failed;
  bool completing; /* inside yajl_complete_parse() */
  bool whole;      /* hand yajl the input in one piece, comments and all */
  size_t base;     /* offset of the piece yajl is parsing */
  struct hr_json *root;
  struct hr_json_member key;    /* the key awaiting its value */
  struct hr_json_member *stack; /* children of the open containers */
  size_t stack_len, stack_cap;
  struct parse_frame *frames;
  size_t frames_cap;
  struct hr_error *err;
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct parse_ctx *c, size_t offset, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  hr_json__verror_at(c->err, c->name, c->src, offset < c->len ? offset : c->len, fmt, ap);
  va_end(ap);
  c->failed = true;
  return 0; /* stops yajl */
}

static int fail_oom(struct parse_ctx *c)
{
  c->failed = true;
  return 0;
}

/* yajl_complete_parse() lexes a private one-byte buffer to finish a number
 * that ends the input; its byte count means nothing then. */
static size_t tok_end(const struct parse_ctx *c)
{
  return c->completing ? c->len : c->base + yajl_get_bytes_consumed(c->handle);
}

/* Kept out of line: inlined here, it makes parsed_node() too big to be
 * inlined into the callbacks, which costs more (callgrind, one create). */
static __attribute__((noinline)) struct hr_json *
node_new(struct hr_json_doc *doc, enum hr_json_type type, struct hr_error *err)
{
  struct hr_json *n = arena_new(doc, struct hr_json, 1, err);

  if (n == NULL)
    return NULL;
  memset(n, 0, sizeof(*n));
  n->type = type;
  return n;
}

struct hr_json *hr_json__node_new(struct hr_json_doc *doc, enum hr_json_type type,
                                  struct hr_error *err)
{
  return node_new(doc, type, err);
}

static struct hr_json *parsed_node(struct parse_ctx *c, enum hr_json_type type, size_t start,
                                   size_t end)
{
  struct hr_json *n = node_new(c->doc, type, c->err);

  if (n == NULL)
    return NULL;
  /* Within the input, which is at most HR_JSON_MAX_INPUT bytes. */
  n->raw = c->src + start;
  n->raw_len = (uint32_t)(end - start);
  return n;
}

/* A parsed string or number with its text (`len` bytes, NUL terminated)
 * right behind it: one arena allocation instead of two, for the most
 * frequent values of a document.  The text goes in *ret_text. */
static struct hr_json *parsed_node_text(struct parse_ctx *c, enum hr_json_type type, size_t start,
                                        size_t end, const char *text, size_t len,
                                        const char **ret_text)
{
  struct hr_json *n;
  char *t;

  /* The bound arena_array() keeps, so the sum cannot wrap. */
  if (len > SIZE_MAX / 4) {
    hr_error_oom(c->err);
    return NULL;
  }
  n = arena_alloc(c->doc, sizeof(*n) + len + 1, _Alignof(struct hr_json), c->err);
  if (n == NULL)
    return NULL;
  memset(n, 0, sizeof(*n));
  n->type = type;
  n->raw = c->src + start;
  n->raw_len = (uint32_t)(end - start);
  t = (char *)(n + 1);
  memcpy(t, text, len);
  t[len] = '\0';
  *ret_text = t;
  return n;
}

bool hr_json__grow(void **items, size_t *cap, size_t need, size_t size, struct hr_error *err)
{
  size_t ncap = *cap ? *cap : 16;
  void *p;

  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / size)
      return hr_error_oom(err), false;
    ncap *= 2;
  }
  p = realloc(*items, ncap * size);
  if (p == NULL)
    return hr_error_oom(err), false;
  *items = p;
  *cap = ncap;
  return true;
}

static int add_value(struct parse_ctx *c, struct hr_json *node)
{
  struct hr_json *parent;
  struct hr_json_member *m;

  if (node == NULL)
    return fail_oom(c);
  if (++c->values > HR_JSON_MAX_VALUES)
    return fail_at(c, (size_t)(node->raw - c->src), "more than %u values", HR_JSON_MAX_VALUES);
  if (c->depth == 0) {
    if (c->want_object && node->type != HR_JSON_OBJECT)
      return fail_at(c, (size_t)(node->raw - c->src), "the top level is not a JSON object");
    c->root = node;
    return 1;
  }
  parent = c->frames[c->depth - 1].node;
  if (c->stack_len == c->stack_cap && !hr_json__grow((void **)&c->stack, &c->stack_cap,
                                                     c->stack_len + 1, sizeof(*c->stack), c->err))
    return fail_oom(c);
  m = &c->stack[c->stack_len++];
  /* An array's entries keep only their value (see end_container()). */
  if (parent->type == HR_JSON_OBJECT)
    *m = c->key;
  m->value = node;
  node->parent = parent;
  return 1;
}

static int cb_null(void *ctx)
{
  struct parse_ctx *c = ctx;
  size_t end = tok_end(c);

  return add_value(c, parsed_node(c, HR_JSON_NULL, end - 4, end));
}

static int cb_boolean(void *ctx, int v)
{
  struct parse_ctx *c = ctx;
  size_t end = tok_end(c), n = v ? 4 : 5;
  struct hr_json *node = parsed_node(c, HR_JSON_BOOL, end - n, end);

  if (node != NULL)
    node->u.boolean = v != 0;
  return add_value(c, node);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
  struct parse_ctx *c = ctx;
  const char *text = NULL;
  size_t end = tok_end(c);
  size_t start = s >= c->src && s < c->src + c->len ? (size_t)(s - c->src) : end - len;
  struct hr_json *node = parsed_node_text(c, HR_JSON_NUMBER, start, start + len, s, len, &text);

  if (node != NULL) {
    node->u.number.text = text;
    node->u.number.len = (uint32_t)len; /* within the input, see parsed_node() */
  }
  return add_value(c, node);
}

static unsigned hex4(const char *p)
{
  unsigned v = 0;

  for (int i = 0; i < 4; i++) {
    char h = p[i];
    v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
  }
  return v;
}

/* yajl decodes "\u0000" to a NUL and turns an unpaired surrogate into '?'
 * or pairs it with any following escape, while Go yields U+FFFD; refusing
 * both keeps hardrun and runc reading the same string.  The escapes are
 * read from the source, which yajl has already checked for syntax. */
static int check_escapes(struct parse_ctx *c, size_t start, size_t end)
{
  const char *s = c->src;

  for (size_t i = start + 1; i + 1 < end; i++) {
    size_t at = i;
    unsigned cp;
    if (s[i] != '\\')
      continue;
    if (s[++i] != 'u')
      continue;
    cp = hex4(s + i + 1);
    if (cp == 0)
      return fail_at(c, at, "\\u0000 (NUL) in a string");
    if (cp >= 0xdc00 && cp <= 0xdfff)
      return fail_at(c, at, "unpaired UTF-16 surrogate \\u%04x", cp);
    if (cp >= 0xd800 && cp <= 0xdbff) {
      unsigned lo = 0;
      if (i + 6 < end - 1 && s[i + 5] == '\\' && s[i + 6] == 'u')
        lo = hex4(s + i + 7);
      if (lo < 0xdc00 || lo > 0xdfff)
        return fail_at(c, at, "unpaired UTF-16 surrogate \\u%04x", cp);
      i += 6;
    }
    i += 4;
  }
  return 1;
}

/* Source span of the string token that ends at `end`.  yajl hands over a
 * pointer into the input only for strings without escapes (and not for the
 * first token of a piece after a gap of comments, which it copies); for the
 * others, walk back to the opening quote: the first '"' preceded by an even
 * number of backslashes. */
static __attribute__((noinline)) int escaped_span(struct parse_ctx *c, size_t end,
                                                  size_t *ret_start)
{
  for (size_t i = end - 1;;) {
    const char *q = memrchr(c->src, '"', i);
    size_t qi, bs = 0;
    if (q == NULL)
      return fail_at(c, end, "internal error: string start not found");
    qi = (size_t)(q - c->src);
    while (bs < qi && c->src[qi - 1 - bs] == '\\')
      bs++;
    if (bs % 2 == 0) {
      *ret_start = qi;
      return check_escapes(c, qi, end);
    }
    i = qi;
  }
}

/* Inline: it runs for every string and key, nearly always on the first
 * test. */
static inline int string_span(struct parse_ctx *c, const unsigned char *s, size_t end,
                              size_t *ret_start)
{
  const char *p = (const char *)s;

  if (p > c->src && p < c->src + c->len) {
    *ret_start = (size_t)(p - c->src) - 1;
    return 1;
  }
  return escaped_span(c, end, ret_start);
}

/* A string or key without escapes is its source text, so it is not copied:
 * the closing quote becomes its NUL, in the document's own input, where
 * yajl has finished with it.  The input holds no NUL of its own (see
 * check_input()), so serialising turns every NUL back into a quote (see
 * json-out.c).  That saves the copies, a third of a large document.  A
 * string with escapes is shorter than its source text and is copied. */
static const char *in_place(struct parse_ctx *c, size_t start, size_t end, size_t len)
{
  if (c->own_src == NULL || end - start != len + 2)
    return NULL;
  c->own_src[end - 1] = '\0';
  return c->own_src + start + 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
  struct parse_ctx *c = ctx;
  size_t end = tok_end(c), start = 0;
  const char *text = NULL;
  struct hr_json *node;

  if (!string_span(c, s, end, &start))
    return 0;
  text = in_place(c, start, end, len);
  if (text != NULL)
    node = parsed_node(c, HR_JSON_STRING, start, end);
  else
    node = parsed_node_text(c, HR_JSON_STRING, start, end, (const char *)s, len, &text);
  if (node != NULL) {
    node->u.string.s = text;
    /* Decoding never lengthens a string, and its source is in the input. */
    node->u.string.len = (uint32_t)len;
  }
  return add_value(c, node);
}

/* A key with escapes is decoded into a copy, which its source text is
 * shorter than, so hr_json__raw_key() knows to find that text in a
 * pointer stored right before the copy: a member has no room for it. */
static const char *key_copy(struct parse_ctx *c, const char *s, size_t len, size_t start)
{
  const char *raw = c->src + start;
  char *p;

  if (len > SIZE_MAX / 4) {
    hr_error_oom(c->err);
    return NULL;
  }
  p = arena_alloc(c->doc, sizeof(raw) + len + 1, _Alignof(const char *), c->err);
  if (p == NULL)
    return NULL;
  memcpy(p, &raw, sizeof(raw));
  p += sizeof(raw);
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
  struct parse_ctx *c = ctx;
  size_t end = tok_end(c), start = 0;

  if (!string_span(c, s, end, &start))
    return 0;
  c->key.key = in_place(c, start, end, len);
  if (c->key.key == NULL)
    c->key.key = key_copy(c, (const char *)s, len, start);
  if (c->key.key == NULL)
    return fail_oom(c);
  c->key.key_len = (uint32_t)len; /* as in cb_string() */
  /* A key parsed from text the document does not keep has no source. */
  c->key.raw_key_len = c->own_src != NULL ? (uint32_t)(end - start) : 0;
  return 1;
}

const char *hr_json__raw_key(const struct hr_json_member *m)
{
  const char *raw;

  if (m->raw_key_len == 0)
    return NULL;
  /* In place: see in_place().  Lengths are below INT32_MAX. */
  if (m->raw_key_len == m->key_len + 2)
    return m->key - 1;
  memcpy(&raw, m->key - sizeof(raw), sizeof(raw));
  return raw;
}

static int start_container(struct parse_ctx *c, enum hr_json_type type)
{
  size_t end = tok_end(c);
  struct hr_json *node;

  /* yajl has no depth bound of its own. */
  if (c->depth >= c->max_depth)
    return fail_at(c, end - 1, "nesting deeper than %u levels", c->max_depth);
  node = parsed_node(c, type, end - 1, end);
  if (!add_value(c, node))
    return 0;
  if (c->depth == c->frames_cap &&
      !hr_json__grow((void **)&c->frames, &c->frames_cap, c->depth + 1, sizeof(*c->frames), c->err))
    return fail_oom(c);
  c->frames[c->depth].node = node;
  c->frames[c->depth].base = c->stack_len;
  c->depth++;
  return 1;
}

static int end_container(struct parse_ctx *c)
{
  struct parse_frame *f = &c->frames[--c->depth];
  struct hr_json *node = f->node;
  struct hr_json_member *kids;
  size_t n = c->stack_len - f->base;

  node->raw_len = (uint32_t)(tok_end(c) - (size_t)(node->raw - c->src));
  c->stack_len = f->base;
  if (n == 0)
    return 1;
  /* Not before: an empty first container has no stack yet, and NULL + 0
   * is undefined. */
  kids = c->stack + f->base;
  if (node->type == HR_JSON_OBJECT) {
    node->u.object.items = arena_new(c->doc, struct hr_json_member, n, c->err);
    if (node->u.object.items == NULL)
      return fail_oom(c);
    memcpy(node->u.object.items, kids, n * sizeof(*kids));
    node->u.object.len = (uint32_t)n; /* n <= HR_JSON_MAX_VALUES */
  } else {
    node->u.array.items = arena_new(c->doc, struct hr_json *, n, c->err);
    if (node->u.array.items == NULL)
      return fail_oom(c);
    for (size_t i = 0; i < n; i++)
      node->u.array.items[i] = kids[i].value;
    node->u.array.len = (uint32_t)n;
  }
  return 1;
}

static int cb_start_map(void *ctx)
{
  return start_container(ctx, HR_JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
  return start_container(ctx, HR_JSON_ARRAY);
}

static int cb_end(void *ctx)
{
  return end_container(ctx);
}

static const yajl_callbacks parse_callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* yajl's message, one line, without the final period.  `consumed` is where
 * yajl stopped: after the offending token for parse errors and for "invalid
 * char", on the offending byte for the other lexical errors. */
static int yajl_failure(struct parse_ctx *c, size_t consumed)
{
  size_t offset = consumed > 0 ? consumed - 1 : 0;
  unsigned char *text = yajl_get_error(c->handle, 0, NULL, 0);
  char msg[256] = "syntax error";
  size_t n;

  if (text != NULL) {
    snprintf(msg, sizeof(msg), "%s", (const char *)text);
    yajl_free_error(c->handle, text);
  }
  n = strcspn(msg, "\r\n");
  while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == ' '))
    n--;
  msg[n] = '\0';
  if (strncmp(msg, "lexical error", 13) == 0 && strstr(msg, "invalid char in") == NULL)
    offset = consumed;
  /* Whitespace is never what yajl choked on: it stopped before the next
   * token.  (A NUL there is a string's closing quote, see in_place().) */
  if (offset < c->len && c->src[offset] != '\0' && strchr(" \t\r\n", c->src[offset]) != NULL)
    offset = consumed;
  if (offset > c->len)
    offset = c->len;
  return error_at(c->err, c->name, c->src, offset, "%s", msg);
}

/* One member per 32 bytes of input, at most 66 KiB (below malloc's mmap
 * threshold): a first guess, not a limit. */
static size_t stack_start(size_t len)
{
  return len < 32 * 2048 ? len / 32 + 64 : 2048 + 64;
}

/* The input to yajl, in pieces around the gaps of comments when
 * `skip_gaps`; *ret_stop is where yajl stopped. */
static yajl_status feed(struct parse_ctx *c, bool skip_gaps, size_t *ret_stop)
{
  struct gap_scan g = {.s = c->src, .len = c->len, .cuttable = true};
  const unsigned char *src = (const unsigned char *)c->src;
  size_t start, end;
  yajl_status st;

  c->base = 0;
  while (skip_gaps && next_gap(&g, &start, &end)) {
    st = start > c->base ? yajl_parse(c->handle, src + c->base, start - c->base) : yajl_status_ok;
    if (st != yajl_status_ok) {
      *ret_stop = c->base + yajl_get_bytes_consumed(c->handle);
      return st;
    }
    c->base = end;
  }
  st = yajl_parse(c->handle, src + c->base, c->len - c->base);
  *ret_stop = c->base + yajl_get_bytes_consumed(c->handle);
  return st;
}

static int run_parser(struct parse_ctx *c, bool allow_comments)
{
  yajl_status st;
  size_t stop;
  int r = 0;

  /* Room for the members of the open containers from the start, sized by
   * the input (a config.json's seccomp names are hundreds): growing from
   * 16 cost a create nine reallocs, each copying the stack. */
  if (!hr_json__grow((void **)&c->stack, &c->stack_cap, stack_start(c->len), sizeof(*c->stack),
                     c->err))
    return -1;
  c->handle = yajl_alloc(&parse_callbacks, NULL, c);
  if (c->handle == NULL) {
    free(c->stack);
    return hr_error_oom(c->err);
  }
  yajl_config(c->handle, yajl_allow_comments, allow_comments ? 1 : 0);
  st = feed(c, allow_comments && !c->whole, &stop);
  if (st == yajl_status_ok) {
    c->completing = true;
    st = yajl_complete_parse(c->handle);
    stop = c->len + 1;
  }
  if (c->failed)
    r = -1;
  else if (st != yajl_status_ok)
    r = yajl_failure(c, stop);
  else if (c->root == NULL)
    r = error_at(c->err, c->name, c->src, 0, "no JSON value");
  yajl_free(c->handle);
  free(c->stack);
  free(c->frames);
  return r;
}

static int parse_doc(struct hr_json_doc *doc, const struct hr_json_parse_opts *opts, bool whole,
                     struct hr_error *err)
{
  struct parse_ctx c = {.whole = whole};

  if (check_input(doc->name, doc->src, doc->src_len, err) < 0)
    return -1;
  c.doc = doc;
  c.name = doc->name;
  c.src = doc->src;
  c.own_src = doc->src;
  c.len = doc->src_len;
  c.max_depth = opts != NULL && opts->max_depth ? opts->max_depth : HR_JSON_DEFAULT_MAX_DEPTH;
  c.want_object = true;
  c.err = err;
  if (run_parser(&c, opts != NULL && opts->allow_comments) < 0)
    return -1;
  doc->root = c.root;
  return 0;
}

static struct hr_json_doc *doc_for_input(size_t len, const struct hr_json_parse_opts *opts,
                                         struct hr_error *err)
{
  size_t max_size = opts != NULL && opts->max_size ? opts->max_size : HR_JSON_DEFAULT_MAX_SIZE;
  const char *name = opts != NULL && opts->name != NULL ? opts->name : "input";

  if (max_size > HR_JSON_MAX_INPUT)
    max_size = HR_JSON_MAX_INPUT;
  if (len > max_size) {
    hr_error_input(err, "%s: %zu bytes, larger than the limit of %zu bytes", name, len, max_size);
    return NULL;
  }
  return doc_new(name, len, err);
}

static int parse_copy(const char *buf, size_t len, const struct hr_json_parse_opts *opts,
                      bool whole, struct hr_json_doc **ret, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = doc_for_input(len, opts, err);

  if (doc == NULL)
    return -1;
  doc->src = hr_json__strndup(doc, buf, len, err);
  if (doc->src == NULL || parse_doc(doc, opts, whole, err) < 0)
    return -1;
  *ret = get_and_reset(&doc);
  return 0;
}

int hr_json_parse(const char *buf, size_t len, const struct hr_json_parse_opts *opts,
                  struct hr_json_doc **ret, struct hr_error *err)
{
  return parse_copy(buf, len, opts, false, ret, err);
}

int hr_json__parse_whole(const char *buf, size_t len, const struct hr_json_parse_opts *opts,
                         struct hr_json_doc **ret, struct hr_error *err)
{
  return parse_copy(buf, len, opts, true, ret, err);
}

int hr_json_parse_owned(char **buf, size_t len, const struct hr_json_parse_opts *opts,
                        struct hr_json_doc **ret, struct hr_error *err)
{
  cleanup_free char *owned = get_and_reset(buf);
  cleanup_json_doc struct hr_json_doc *doc = doc_for_input(len, opts, err);

  if (doc == NULL)
    return -1;
  doc->owned_src = get_and_reset(&owned);
  doc->src = doc->owned_src;
  if (parse_doc(doc, opts, false, err) < 0)
    return -1;
  *ret = get_and_reset(&doc);
  return 0;
}

/* Nodes made from text belong to no source: clear their spans so they are
 * emitted from their values and report no line:col. */
static void detach_source(struct hr_json *n)
{
  n->raw = NULL;
  n->raw_len = 0;
  n->dirty = true;
  if (n->type == HR_JSON_ARRAY) {
    for (size_t i = 0; i < n->u.array.len; i++)
      detach_source(n->u.array.items[i]);
  } else if (n->type == HR_JSON_OBJECT) {
    for (size_t i = 0; i < n->u.object.len; i++) {
      n->u.object.items[i].raw_key_len = 0;
      detach_source(n->u.object.items[i].value);
    }
  }
}

struct hr_json *hr_json_new_from_text(struct hr_json_doc *doc, const char *text,
                                      struct hr_error *err)
{
  size_t len = strlen(text);
  cleanup_free char *copy = NULL;
  struct parse_ctx c = {0};

  if (len > HR_JSON_DEFAULT_MAX_SIZE) {
    hr_error_input(err, "JSON text: larger than the limit of %zu bytes",
                   (size_t)HR_JSON_DEFAULT_MAX_SIZE);
    return NULL;
  }
  if (check_input("JSON text", text, len, err) < 0)
    return NULL;
  /* A trailing space lets yajl finish a top-level number inside
   * yajl_parse(), where its pointer still lies in our buffer. */
  copy = hr_malloc(len + 2, err);
  if (copy == NULL)
    return NULL;
  memcpy(copy, text, len);
  copy[len] = ' ';
  copy[len + 1] = '\0';
  c.doc = doc;
  c.name = "JSON text";
  c.src = copy;
  c.len = len + 1;
  c.max_depth = HR_JSON_DEFAULT_MAX_DEPTH;
  c.err = err;
  if (run_parser(&c, false) < 0)
    return NULL;
  detach_source(c.root);
  return c.root;
}

/* ---- lookups ----------------------------------------------------------------- */

bool hr_json_key_equal_fold(const char *a, size_t alen, const char *b, size_t blen)
{
  if (alen != blen)
    return false;
  for (size_t i = 0; i < alen; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x == y)
      continue;
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')
      return false;
  }
  return true;
}

static long find_member(const struct hr_json *obj, const char *field, size_t flen)
{
  long fold = -1;

  if (obj == NULL || obj->type != HR_JSON_OBJECT)
    return -1;
  /* From the end: Go lets the last of two equal keys win. */
  for (size_t i = obj->u.object.len; i-- > 0;) {
    const struct hr_json_member *m = &obj->u.object.items[i];
    if (m->key_len == flen && memcmp(m->key, field, flen) == 0)
      return (long)i;
    if (fold < 0 && hr_json_key_equal_fold(m->key, m->key_len, field, flen))
      fold = (long)i;
  }
  return fold;
}

long hr_json_find(const struct hr_json *obj, const char *field)
{
  return find_member(obj, field, strlen(field));
}

struct hr_json *hr_json_get(const struct hr_json *obj, const char *field)
{
  long i = hr_json_find(obj, field);

  return i < 0 ? NULL : obj->u.object.items[i].value;
}

struct hr_json *hr_json_get_path(const struct hr_json *root, const char *path)
{
  const struct hr_json *cur = root;

  for (;;) {
    size_t n = strcspn(path, ".");
    long i;
    if (cur == NULL || cur->type != HR_JSON_OBJECT)
      return NULL;
    i = find_member(cur, path, n);
    if (i < 0)
      return NULL;
    cur = cur->u.object.items[i].value;
    if (path[n] == '\0')
      return (struct hr_json *)cur;
    path += n + 1;
  }
}

bool hr_json_is_null(const struct hr_json *node)
{
  return node == NULL || node->type == HR_JSON_NULL;
}

int hr_json_get_i64(const struct hr_json *node, int64_t *ret)
{
  if (node == NULL || node->type != HR_JSON_NUMBER)
    return -1;
  return hr_parse_i64(node->u.number.text, node->u.number.len, ret);
}

int hr_json_get_u64(const struct hr_json *node, uint64_t *ret)
{
  if (node == NULL || node->type != HR_JSON_NUMBER)
    return -1;
  return hr_parse_u64(node->u.number.text, node->u.number.len, ret);
}
