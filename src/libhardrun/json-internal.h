/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between json.c (parser, tree), json-edit.c (constructors and
 * edits), json-out.c (output) and json-keys.c (the Go key check); not part
 * of the library's interface. */
#ifndef HARDRUN_JSON_INTERNAL_H
#define HARDRUN_JSON_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "hardrun/json.h"

struct arena_chunk {
  struct arena_chunk *next;
  size_t size, used;
  max_align_t data[];
};

struct hr_json_doc {
  struct arena_chunk *chunks; /* the one being filled first */
  size_t next_chunk;
  /* The input: a copy in the arena, or owned_src.  Parsing turns the
   * closing quote of every string and key without escapes into a NUL. */
  char *src;
  size_t src_len;
  char *owned_src; /* handed over by hr_json_parse_owned(), freed with the document */
  const char *name;
  struct hr_json *root;
};

/* Offset of a node's source text in `doc`'s input; false when it has none
 * there (made by an edit, or parsed from other text). */
bool hr_json__node_offset(const struct hr_json_doc *doc, const struct hr_json *node, size_t *ret);
/* hr_json_parse(), with the input handed to yajl in one piece, comments
 * and all: what the parse of the pieces between comments must equal
 * (tests/unit/test-json.c). */
int hr_json__parse_whole(const char *buf, size_t len, const struct hr_json_parse_opts *opts,
                         struct hr_json_doc **ret, struct hr_error *err);
/* The source text of a member's key, quotes included (the closing one may
 * read as NUL, see hr_json.raw), or NULL when an edit added the key. */
const char *hr_json__raw_key(const struct hr_json_member *m);
/* The document's arena: `n` items of `size` bytes, freed with the document. */
void *hr_json__alloc(struct hr_json_doc *doc, size_t n, size_t size, size_t align,
                     struct hr_error *err);
char *hr_json__strndup(struct hr_json_doc *doc, const char *s, size_t len, struct hr_error *err);
/* A zeroed node of `type` in the arena, attached nowhere. */
struct hr_json *hr_json__node_new(struct hr_json_doc *doc, enum hr_json_type type,
                                  struct hr_error *err);
bool hr_json__utf8_valid(const char *s, size_t len);
bool hr_json__grow(void **items, size_t *cap, size_t need, size_t size, struct hr_error *err);
void hr_json__quote_key(char *buf, size_t size, const char *key, size_t len);
int hr_json__verror_at(struct hr_error *err, const char *name, const char *src, size_t offset,
                       const char *fmt, va_list ap);

#endif
