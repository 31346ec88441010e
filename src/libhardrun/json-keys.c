/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Go key check: refuse documents in which runc's decoder would fold two
 * keys into one field (see hr_json_check_go_keys in json.h). */
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

/* ---- Go key check -------------------------------------------------------------- */

struct path_comp {
  const char *key; /* NULL for an array index */
  size_t key_len, index;
};

struct keycheck {
  const struct hr_json_doc *doc;
  const char *const *map_paths;
  struct hr_json_fields *fields;
  struct path_comp *path;
  size_t depth, path_cap;
  size_t *order;
  size_t order_cap;
  struct hr_error *err;
};

/* map_paths components match like Go field names (ASCII case folded); "[]"
 * stands for any array element and "*" for any key. */
static bool path_matches(const char *pat, const struct path_comp *path, size_t depth)
{
  size_t k = 0;

  while (*pat != '\0') {
    size_t n;
    if (*pat == '.') {
      pat++;
      continue;
    }
    if (k >= depth)
      return false;
    if (pat[0] == '[' && pat[1] == ']') {
      if (path[k++].key != NULL)
        return false;
      pat += 2;
      continue;
    }
    n = strcspn(pat, ".[");
    if (path[k].key == NULL)
      return false;
    if (!(n == 1 && *pat == '*') && !hr_json_key_equal_fold(path[k].key, path[k].key_len, pat, n))
      return false;
    k++;
    pat += n;
  }
  return k == depth;
}

static bool path_is_map(const struct keycheck *kc)
{
  for (const char *const *p = kc->map_paths; p != NULL && *p != NULL; p++)
    if (path_matches(*p, kc->path, kc->depth))
      return true;
  return false;
}

static void format_path(const struct keycheck *kc, char *buf, size_t size)
{
  size_t o = 0;

  if (kc->depth == 0) {
    snprintf(buf, size, "$");
    return;
  }
  buf[0] = '\0';
  for (size_t i = 0; i < kc->depth && o + 16 < size; i++) {
    const struct path_comp *p = &kc->path[i];
    char key[160];
    if (p->key == NULL) {
      o += (size_t)snprintf(buf + o, size - o, "[%zu]", p->index);
      continue;
    }
    hr_json__quote_key(key, sizeof(key), p->key, p->key_len);
    key[strlen(key) - 1] = '\0'; /* the path shows keys unquoted */
    o += (size_t)snprintf(buf + o, size - o, "%s%s", i > 0 ? "." : "", key + 1);
  }
  if (o >= size)
    snprintf(buf + size - 4, 4, "...");
}

/* The code point of the first character of `key` that Go may fold onto an
 * ASCII letter, or 0. */
static unsigned go_fold_special(const char *key, size_t len)
{
  const unsigned char *s = (const unsigned char *)key;

  for (size_t i = 0; i + 1 < len; i++) {
    if (s[i] < 0xc4)
      continue;
    if (s[i] == 0xc4 && (s[i + 1] == 0xb0 || s[i + 1] == 0xb1))
      return 0x100 | (s[i + 1] & 0x3fu);
    if (s[i] == 0xc5 && s[i + 1] == 0xbf)
      return 0x17f;
    if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x84 && s[i + 2] == 0xaa)
      return 0x212a;
  }
  return 0;
}

/* ---- field spelling ---------------------------------------------------------------- */

#define FIELD_SLOTS (sizeof(((struct hr_json_fields *)0)->slot) / sizeof(uint16_t))

static uint32_t fold_hash(const char *s, size_t len)
{
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    h = (h ^ (c >= 'A' && c <= 'Z' ? c | 0x20 : c)) * 16777619u;
  }
  return h;
}

static void fields_fill(struct hr_json_fields *f)
{
  for (size_t i = 0; f->names[i] != NULL && i < FIELD_SLOTS / 2; i++) {
    size_t k = fold_hash(f->names[i], strlen(f->names[i])) & (FIELD_SLOTS - 1);
    while (f->slot[k] != 0)
      k = (k + 1) & (FIELD_SLOTS - 1);
    f->slot[k] = (uint16_t)(i + 1);
  }
  f->ready = true;
}

/* `name` (NUL terminated) equals the `len` bytes of `key` under ASCII case
 * folding; *exact says whether byte for byte. */
static bool fold_equal(const char *key, size_t len, const char *name, bool *exact)
{
  *exact = true;
  for (size_t i = 0; i < len; i++) {
    unsigned char a = (unsigned char)key[i], b = (unsigned char)name[i];
    if (a == b)
      continue;
    *exact = false;
    if (b == '\0' || (a | 0x20) != (b | 0x20) || (a | 0x20) < 'a' || (a | 0x20) > 'z')
      return false;
  }
  return name[len] == '\0';
}

/* The field name `key` folds onto without being it, or NULL.  Run on
 * every key of every spec: one hash and, mostly, one comparison. */
static const char *field_misspelled(struct hr_json_fields *f, const char *key, size_t len)
{
  bool exact;

  if (!f->ready)
    fields_fill(f);
  for (size_t k = fold_hash(key, len) & (FIELD_SLOTS - 1); f->slot[k] != 0;
       k = (k + 1) & (FIELD_SLOTS - 1)) {
    const char *name = f->names[f->slot[k] - 1];
    if (fold_equal(key, len, name, &exact))
      return exact ? NULL : name;
  }
  return NULL;
}

/* A key runc would read as `name` and crun would not read at all. */
static const char *misspelled(struct keycheck *kc, const struct hr_json_member *m)
{
  return kc->fields != NULL ? field_misspelled(kc->fields, m->key, m->key_len) : NULL;
}

static int __attribute__((format(printf, 3, 4)))
key_error(struct keycheck *kc, const struct hr_json_member *m, const char *fmt, ...)
{
  const struct hr_json_doc *doc = kc->doc;
  const char *raw = hr_json__raw_key(m);
  bool located = raw != NULL && raw >= doc->src && raw < doc->src + doc->src_len;
  va_list ap;

  va_start(ap, fmt);
  hr_json__verror_at(kc->err, doc->name, located ? doc->src : NULL,
                     located ? (size_t)(raw - doc->src) : 0, fmt, ap);
  va_end(ap);
  return -1;
}

static int key_cmp(const struct hr_json_member *a, const struct hr_json_member *b, bool exact)
{
  size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;

  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a->key[i], y = (unsigned char)b->key[i];
    if (!exact) {
      x = x >= 'A' && x <= 'Z' ? x | 0x20 : x;
      y = y >= 'A' && y <= 'Z' ? y | 0x20 : y;
    }
    if (x != y)
      return x < y ? -1 : 1;
  }
  return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

struct sort_arg {
  const struct hr_json_member *items;
  bool exact;
};

static int order_cmp(const void *pa, const void *pb, void *arg)
{
  const struct sort_arg *s = arg;
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  int r = key_cmp(&s->items[a], &s->items[b], s->exact);

  return r != 0 ? r : (a > b) - (a < b);
}

/* The first member (in document order) that repeats an earlier key, in
 * *ret_second, and that earlier key in *ret_first.  Sorting keeps objects
 * with many keys (hostile input) at n log n. */
static int find_duplicate(struct keycheck *kc, const struct hr_json *obj, bool exact,
                          size_t *ret_first, size_t *ret_second)
{
  const struct hr_json_member *it = obj->u.object.items;
  size_t n = obj->u.object.len, best = SIZE_MAX, group = 0;
  struct sort_arg arg = {it, exact};

  if (n <= 16) {
    for (size_t j = 1; j < n; j++)
      for (size_t i = 0; i < j; i++)
        if (it[i].key_len == it[j].key_len && key_cmp(&it[i], &it[j], exact) == 0) {
          *ret_first = i;
          *ret_second = j;
          return 1;
        }
    return 0;
  }
  if (n > kc->order_cap &&
      !hr_json__grow((void **)&kc->order, &kc->order_cap, n, sizeof(size_t), kc->err))
    return -1;
  for (size_t i = 0; i < n; i++)
    kc->order[i] = i;
  qsort_r(kc->order, n, sizeof(size_t), order_cmp, &arg);
  for (size_t k = 1; k < n; k++) {
    if (key_cmp(&it[kc->order[k - 1]], &it[kc->order[k]], exact) != 0) {
      group = k;
      continue;
    }
    if (k == group + 1 && kc->order[k] < best) {
      best = kc->order[k];
      *ret_first = kc->order[group];
      *ret_second = best;
    }
  }
  return best != SIZE_MAX;
}

/* Whether the object being checked is a Go map, asked once (*is_map: -1
 * until then) and only when one of its keys needs the answer. */
static bool map_object(struct keycheck *kc, int *is_map)
{
  if (*is_map < 0)
    *is_map = path_is_map(kc);
  return *is_map != 0;
}

/* After the duplicates, whose message says more when a folded key has a
 * twin.  `is_map`: -1 when not asked yet. */
static int check_spelling(struct keycheck *kc, const struct hr_json *obj, int is_map)
{
  const struct hr_json_member *it = obj->u.object.items;
  char path[512], key[160];

  for (size_t i = 0; kc->fields != NULL && i < obj->u.object.len; i++) {
    const char *name = misspelled(kc, &it[i]);
    if (name == NULL)
      continue;
    if (map_object(kc, &is_map))
      break;
    hr_json__quote_key(key, sizeof(key), it[i].key, it[i].key_len);
    format_path(kc, path, sizeof(path));
    return key_error(kc, &it[i],
                     "key %s at %s is not spelled as the runtime-spec field \"%s\": runc's "
                     "decoder reads it as that field (Go ignores case), crun's does not",
                     key, path, name);
  }
  return 0;
}

/* Whether the object is a Go map is asked only of objects that hold a key
 * it matters for (a folding letter, or two keys equal under folding):
 * matching the path against every map pattern for every object of a
 * config.json would cost more than the rest of the check. */
static int check_object_keys(struct keycheck *kc, const struct hr_json *obj)
{
  const struct hr_json_member *it = obj->u.object.items;
  int is_map = -1; /* not asked yet */
  size_t first = 0, second = 0;
  char path[512], key[160], other[160];
  int r;

  for (size_t i = 0; i < obj->u.object.len; i++) {
    unsigned cp = go_fold_special(it[i].key, it[i].key_len);
    if (cp == 0)
      continue;
    if (map_object(kc, &is_map))
      break;
    hr_json__quote_key(key, sizeof(key), it[i].key, it[i].key_len);
    format_path(kc, path, sizeof(path));
    return key_error(kc, &it[i],
                     "key %s at %s contains U+%04X, which Go's decoder may fold onto an ASCII "
                     "letter, depending on the Go release runc was built with",
                     key, path, cp);
  }
  /* Keys equal exactly are also equal folded: no folded pair, no pair. */
  r = find_duplicate(kc, obj, false, &first, &second);
  if (r == 0)
    return check_spelling(kc, obj, is_map);
  if (r < 0)
    return r;
  if (map_object(kc, &is_map) && (r = find_duplicate(kc, obj, true, &first, &second)) <= 0)
    return r;
  format_path(kc, path, sizeof(path));
  hr_json__quote_key(key, sizeof(key), it[second].key, it[second].key_len);
  if (it[first].key_len == it[second].key_len &&
      memcmp(it[first].key, it[second].key, it[first].key_len) == 0)
    return key_error(kc, &it[second], "duplicate key %s at %s", key, path);
  hr_json__quote_key(other, sizeof(other), it[first].key, it[first].key_len);
  return key_error(kc, &it[second], "duplicate key %s at %s (runc's decoder treats it as %s)", key,
                   path, other);
}

static int check_node(struct keycheck *kc, const struct hr_json *node)
{
  bool object = node->type == HR_JSON_OBJECT;
  size_t n = object ? node->u.object.len : node->type == HR_JSON_ARRAY ? node->u.array.len : 0;

  if (object && check_object_keys(kc, node) < 0)
    return -1;
  if (n == 0)
    return 0;
  if (kc->depth == kc->path_cap &&
      !hr_json__grow((void **)&kc->path, &kc->path_cap, kc->depth + 1, sizeof(*kc->path), kc->err))
    return -1;
  kc->depth++;
  for (size_t i = 0; i < n; i++) {
    struct path_comp *p = &kc->path[kc->depth - 1];
    const struct hr_json *child = object ? node->u.object.items[i].value : node->u.array.items[i];
    /* Only objects hold keys: scalars (most of a document) are not
     * visited. */
    if (child == NULL || (child->type != HR_JSON_OBJECT && child->type != HR_JSON_ARRAY))
      continue;
    if (object) {
      p->key = node->u.object.items[i].key;
      p->key_len = node->u.object.items[i].key_len;
    } else {
      p->key = NULL;
      p->index = i;
    }
    if (check_node(kc, child) < 0)
      return -1;
  }
  kc->depth--;
  return 0;
}

int hr_json_check_go_keys(const struct hr_json_doc *doc, const char *const *map_paths,
                          struct hr_json_fields *fields, struct hr_error *err)
{
  struct keycheck kc = {.doc = doc, .map_paths = map_paths, .fields = fields, .err = err};
  int r;

  if (doc == NULL || doc->root == NULL)
    return 0;
  r = check_node(&kc, doc->root);
  free(kc.path);
  free(kc.order);
  return r < 0 ? -1 : 0;
}

/* Structural equality with numbers compared by their exact text.  Rendered
 * text is not used for this: it is cut at a length bound, and two long
 * arrays that differ only at the end would compare equal. */
bool hr_json_equal(const struct hr_json *a, const struct hr_json *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->type != b->type)
    return false;
  switch (a->type) {
  case HR_JSON_NULL:
    return true;
  case HR_JSON_BOOL:
    return a->u.boolean == b->u.boolean;
  case HR_JSON_NUMBER:
    return a->u.number.len == b->u.number.len &&
           memcmp(a->u.number.text, b->u.number.text, a->u.number.len) == 0;
  case HR_JSON_STRING:
    return a->u.string.len == b->u.string.len &&
           memcmp(a->u.string.s, b->u.string.s, a->u.string.len) == 0;
  case HR_JSON_ARRAY:
    if (a->u.array.len != b->u.array.len)
      return false;
    for (size_t i = 0; i < a->u.array.len; i++)
      if (!hr_json_equal(a->u.array.items[i], b->u.array.items[i]))
        return false;
    return true;
  case HR_JSON_OBJECT:
    if (a->u.object.len != b->u.object.len)
      return false;
    for (size_t i = 0; i < a->u.object.len; i++) {
      const struct hr_json_member *ma = &a->u.object.items[i], *mb = &b->u.object.items[i];
      if (ma->key_len != mb->key_len || memcmp(ma->key, mb->key, ma->key_len) != 0 ||
          !hr_json_equal(ma->value, mb->value))
        return false;
    }
    return true;
  default:
    return false;
  }
}
