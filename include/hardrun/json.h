/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_JSON_H
#define HARDRUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"

/* A faithful JSON tree.
 *
 * yajl does the lexing and validation; this layer keeps, for every node, the
 * exact source bytes it came from.  Serialising copies those bytes verbatim
 * for every subtree that was not edited, so unknown keys, key order, number
 * text (uint64 above INT64_MAX, -1, "1e3" in fields we do not own) and string
 * escapes survive a rewrite byte for byte.  Only edited containers are
 * re-emitted, compactly.
 *
 * Key lookups follow Go's encoding/json, which is what runc decodes
 * config.json with: a struct field matches a key exactly or, failing that,
 * under Go's case folding.  Go folds ASCII case and also maps a few
 * non-ASCII letters onto ASCII ones (U+212A KELVIN SIGN ~ 'k', U+017F LONG S
 * ~ 's', and since Go 1.21 U+0130/U+0131 ~ 'i'), differently per Go release.
 * Lookups here fold ASCII case only; hr_json_check_go_keys() refuses keys
 * holding those four characters and objects in which two keys would land in
 * the same field, so that a lookup here always finds the one key runc will
 * use, whichever Go runc was built with.
 *
 * All nodes and strings of a document live in the document's arena and are
 * freed together by hr_json_doc_free(). */

/* One byte (packed): a document has tens of thousands of nodes. */
enum __attribute__((packed)) hr_json_type {
  HR_JSON_NULL,
  HR_JSON_BOOL,
  HR_JSON_NUMBER,
  HR_JSON_STRING,
  HR_JSON_ARRAY,
  HR_JSON_OBJECT,
};

struct hr_json;
struct hr_json_doc;

/* Lengths and counts are 32-bit, which makes a node 32 bytes instead of 64:
 * an input is at most HR_JSON_MAX_LEN bytes, and an edit cannot add a
 * string or key longer than that or grow a container past it.  INT32_MAX,
 * not UINT32_MAX, so that doubling a capacity cannot wrap and a length
 * passes as an int to "%.*s". */
#define HR_JSON_MAX_LEN ((size_t)INT32_MAX)
/* A node's source span has 27 bits, which leaves room for its type and
 * flags in one word: the largest input, whatever max_size asks for. */
#define HR_JSON_RAW_BITS  27
#define HR_JSON_MAX_INPUT (((size_t)1 << HR_JSON_RAW_BITS) - 1)

/* A value's text or items and their count in 12 bytes (aligned to 4, not
 * 8), so that the span and type of a node fit in the 4 bytes after them. */
#define HR_JSON_PACKED __attribute__((packed, aligned(4)))

struct hr_json_member {
  const char *key; /* decoded UTF-8, NUL terminated (NUL-free: see parse) */
  struct hr_json *value;
  uint32_t key_len;
  /* Length of the key's source text, quotes included; 0 when added by an
   * edit.  The text itself is not kept here, to keep a member 24 bytes:
   * the library finds it from `key` (hr_json__raw_key() in json.c). */
  uint32_t raw_key_len;
};

struct hr_json {
  struct hr_json *parent; /* NULL for the root */
  /* Source bytes, NULL for nodes made by edits.  The closing quote of a
   * string or key without escapes reads as NUL there: that string's text
   * is read in place, NUL terminated.  Serialising restores the quotes. */
  const char *raw;
  union {
    bool boolean;
    struct HR_JSON_PACKED {
      const char *text; /* exact JSON number text, NUL terminated */
      uint32_t len;
    } number;
    struct HR_JSON_PACKED {
      const char *s; /* decoded UTF-8, NUL terminated */
      uint32_t len;
    } string;
    /* Arrays and objects keep no capacity: see items_cap() in json.c. */
    struct HR_JSON_PACKED {
      struct hr_json **items;
      uint32_t len;
    } array;
    struct HR_JSON_PACKED {
      struct hr_json_member *items;
      uint32_t len;
    } object;
  } u;
  enum hr_json_type type : 3;
  bool dirty : 1; /* this node or a descendant was edited */
  bool grown : 1; /* items were reallocated by an edit (see items_cap()) */
  uint32_t raw_len : HR_JSON_RAW_BITS;
};

struct hr_json_parse_opts {
  /* Refuse larger input; 0 = HR_JSON_DEFAULT_MAX_SIZE, never above HR_JSON_MAX_INPUT. */
  size_t max_size;
  unsigned max_depth;  /* refuse deeper nesting; 0 = HR_JSON_DEFAULT_MAX_DEPTH */
  bool allow_comments; /* true for profiles and hardrun.conf, never for specs */
  const char *name;    /* file name used in error messages */
};

#define HR_JSON_DEFAULT_MAX_SIZE  (16u * 1024 * 1024)
#define HR_JSON_DEFAULT_MAX_DEPTH 64u
/* Every value costs about 50 bytes of tree: without a count bound a 16 MiB
 * array of zeros would need 400 MB.  Real specs hold a few thousand. */
#define HR_JSON_MAX_VALUES 1000000u

/* Parse `len` bytes of `buf`.  The document keeps its own copy of the input.
 * Refused, with file:line:col in the message (kind HR_ERR_INPUT):
 * syntax errors, trailing garbage, a top level that is not an object, invalid
 * UTF-8, a NUL (raw or \u0000) in any string or key, unpaired UTF-16
 * surrogate escapes, and input over the size, depth or value-count bound. */
int hr_json_parse(const char *buf, size_t len, const struct hr_json_parse_opts *opts,
                  struct hr_json_doc **ret, struct hr_error *err);
/* The same without the copy, for large inputs (config.json): the document
 * takes over `*buf`, a malloc'ed buffer of at least `len` bytes, and frees
 * it with itself, or at once when parsing fails; *buf is NULL on return.
 * Nodes point into it, so nobody may change it afterwards. */
int hr_json_parse_owned(char **buf, size_t len, const struct hr_json_parse_opts *opts,
                        struct hr_json_doc **ret, struct hr_error *err);
void hr_json_doc_free(struct hr_json_doc *doc);
void hr_json_doc_freep(struct hr_json_doc **doc);
#define cleanup_json_doc __attribute__((cleanup(hr_json_doc_freep)))

struct hr_json *hr_json_doc_root(const struct hr_json_doc *doc);
/* 1-based line and column of a node in the source (edited nodes: 0, 0). */
void hr_json_line_col(const struct hr_json_doc *doc, const struct hr_json *node, unsigned *line,
                      unsigned *col);
const char *hr_json_doc_name(const struct hr_json_doc *doc);

/* The field names of a document's structs, as a decoder that matches keys
 * exactly reads them (crun's).  Go's decoder also takes a key that differs
 * from a field name in ASCII case only; with `fields`,
 * hr_json_check_go_keys() refuses such a key outside the map paths, so that
 * runc and crun read the same document.  The hash table is filled on first
 * use. */
struct hr_json_fields {
  const char *const *names; /* NULL terminated, unique under ASCII case folding */
  uint16_t slot[1024];      /* index + 1 into names, 0 for an empty slot */
  bool ready;
};

/* Refuse a document in which one object holds two keys that Go's decoder
 * would treat as the same field (exactly equal, or equal under Go's case
 * folding).  `map_paths` lists, as dotted field paths from the root
 * (e.g. "annotations", "linux.sysctl"), the objects that Go decodes into a
 * map[string]...; in those only exact duplicates are refused, because "Foo"
 * and "foo" are distinct map keys.  With `fields` (NULL: none), a key that
 * equals one of them under ASCII case folding but not exactly is refused
 * too, outside the map paths.  The error names the JSON path. */
int hr_json_check_go_keys(const struct hr_json_doc *doc, const char *const *map_paths,
                          struct hr_json_fields *fields, struct hr_error *err);

/* Go-compatible field lookup on an object: exact key first, else the key
 * equal under ASCII case folding (the last one of each kind, as Go's "last
 * key wins").  Returns NULL when `obj` is not an object or has
 * no such key.  A JSON null value is returned as a node of type NULL; use
 * hr_json_is_null() when "absent or null" matters, as it does for Go. */
struct hr_json *hr_json_get(const struct hr_json *obj, const char *field);
/* Index of the member hr_json_get() would return, or -1. */
long hr_json_find(const struct hr_json *obj, const char *field);
/* Walk a dotted path of field names ("linux.resources.pids") with
 * hr_json_get; NULL if any step is missing, null or not an object. */
struct hr_json *hr_json_get_path(const struct hr_json *root, const char *path);
bool hr_json_is_null(const struct hr_json *node); /* NULL pointer or JSON null */

/* Key equality for field matching: ASCII case-insensitive, every other byte
 * exact.  The four characters Go folds onto ASCII letters do not match here;
 * hr_json_check_go_keys() refuses keys that contain them. */
bool hr_json_key_equal_fold(const char *a, size_t alen, const char *b, size_t blen);

/* Structural equality, numbers compared by their exact text and keys by
 * their bytes, in order (not by rendering, which is cut at a bound).  NULL
 * equals only NULL. */
bool hr_json_equal(const struct hr_json *a, const struct hr_json *b);

/* Exact integer views of a NUMBER node: -1 when the node is not a number,
 * has a fraction or exponent, or does not fit. */
int hr_json_get_i64(const struct hr_json *node, int64_t *ret);
int hr_json_get_u64(const struct hr_json *node, uint64_t *ret);

/* Constructors; the node belongs to `doc`.  NULL on out-of-memory (err set). */
struct hr_json *hr_json_new_null(struct hr_json_doc *doc, struct hr_error *err);
struct hr_json *hr_json_new_bool(struct hr_json_doc *doc, bool v, struct hr_error *err);
struct hr_json *hr_json_new_i64(struct hr_json_doc *doc, int64_t v, struct hr_error *err);
struct hr_json *hr_json_new_u64(struct hr_json_doc *doc, uint64_t v, struct hr_error *err);
struct hr_json *hr_json_new_string(struct hr_json_doc *doc, const char *s, struct hr_error *err);
struct hr_json *hr_json_new_object(struct hr_json_doc *doc, struct hr_error *err);
struct hr_json *hr_json_new_array(struct hr_json_doc *doc, struct hr_error *err);

/* Edits.  Each marks the container and its ancestors dirty.  A node lives
 * in one place only: adding a node that already belongs to a container
 * fails (HR_ERR_INPUT); removing detaches it, so remove first to move.
 * hr_json_set replaces the value of the member hr_json_get would find
 * (keeping that key's spelling and position) or appends `field`. */
int hr_json_set(struct hr_json_doc *doc, struct hr_json *obj, const char *field,
                struct hr_json *value, struct hr_error *err);
/* Get the object at `field`, creating an empty object there when the member
 * is absent or null.  Fails (HR_ERR_INPUT, naming `path_for_errors`) when
 * the member exists with another type. */
struct hr_json *hr_json_get_or_add_object(struct hr_json_doc *doc, struct hr_json *obj,
                                          const char *field, const char *path_for_errors,
                                          struct hr_error *err);
/* Removes every member hr_json_get() could match (exact or folded), so that
 * the field is gone for Go too; returns how many were removed. */
int hr_json_remove(struct hr_json *obj, const char *field);
int hr_json_array_append(struct hr_json_doc *doc, struct hr_json *arr, struct hr_json *value,
                         struct hr_error *err);
int hr_json_array_insert(struct hr_json_doc *doc, struct hr_json *arr, size_t index,
                         struct hr_json *value, struct hr_error *err);
/* arr[index] = value, in place (no shift of the items after it). */
int hr_json_array_replace(struct hr_json_doc *doc, struct hr_json *arr, size_t index,
                          struct hr_json *value, struct hr_error *err);
void hr_json_array_remove(struct hr_json *arr, size_t index);
/* Mark a node's container chain dirty after changing it in place. */
void hr_json_touch(struct hr_json *node);

/* Serialise the document.  Untouched subtrees are copied from the source;
 * an unedited document serialises to exactly its input bytes.  The result
 * is malloc'ed and NUL terminated. */
int hr_json_serialize(const struct hr_json_doc *doc, char **ret, size_t *ret_len,
                      struct hr_error *err);
/* The same bytes, without the NUL, written to `fd` as they are produced
 * through a 64 KiB buffer, so that a large document is never copied whole
 * into memory.  A failed write: -1, `err` set, part of the text written. */
int hr_json_serialize_fd(const struct hr_json_doc *doc, int fd, struct hr_error *err);

/* Compact JSON text of one node, for audit lines ("path: old -> new").
 * Output longer than `max` bytes is cut and ends in "...".  Returns a
 * malloc'ed string, or NULL on out-of-memory.  A NULL node renders as
 * "(absent)". */
char *hr_json_render(const struct hr_json *node, size_t max);

/* The JSON text of one node as hr_json_serialize() writes it (source bytes
 * where it is unedited), malloc'ed and NUL terminated, its length in
 * *ret_len.  NULL on out-of-memory (*ret_len 0) or when the text is longer
 * than `max` bytes (*ret_len over `max`). */
char *hr_json_text(const struct hr_json *node, size_t max, size_t *ret_len);

/* Parse a JSON literal (used for building nodes from text in tests and for
 * copying profile values into a spec).  The new subtree belongs to `doc`. */
struct hr_json *hr_json_new_from_text(struct hr_json_doc *doc, const char *text,
                                      struct hr_error *err);

#endif
