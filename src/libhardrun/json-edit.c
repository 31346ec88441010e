/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building and editing a document: the nodes hardrun adds or replaces, each
 * checked so that the tree stays one runc would decode the same way. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hardrun/json.h"
#include "json-internal.h"
#include "hardrun/utils.h"

/* ---- constructors ---------------------------------------------------------------- */

/* Made by an edit: no source span, and dirty so nobody mistakes it for
 * something the input said. */
static struct hr_json *fresh_node(struct hr_json_doc *doc, enum hr_json_type type,
                                  struct hr_error *err)
{
  struct hr_json *n = hr_json__node_new(doc, type, err);

  if (n != NULL)
    n->dirty = true;
  return n;
}

struct hr_json *hr_json_new_null(struct hr_json_doc *doc, struct hr_error *err)
{
  return fresh_node(doc, HR_JSON_NULL, err);
}

struct hr_json *hr_json_new_bool(struct hr_json_doc *doc, bool v, struct hr_error *err)
{
  struct hr_json *n = fresh_node(doc, HR_JSON_BOOL, err);

  if (n != NULL)
    n->u.boolean = v;
  return n;
}

static struct hr_json *new_number(struct hr_json_doc *doc, const char *text, struct hr_error *err)
{
  struct hr_json *n = fresh_node(doc, HR_JSON_NUMBER, err);

  if (n == NULL)
    return NULL;
  n->u.number.len = (uint32_t)strlen(text); /* at most 20 digits and a sign */
  n->u.number.text = hr_json__strndup(doc, text, n->u.number.len, err);
  return n->u.number.text != NULL ? n : NULL;
}

struct hr_json *hr_json_new_i64(struct hr_json_doc *doc, int64_t v, struct hr_error *err)
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%" PRId64, v);
  return new_number(doc, buf, err);
}

struct hr_json *hr_json_new_u64(struct hr_json_doc *doc, uint64_t v, struct hr_error *err)
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%" PRIu64, v);
  return new_number(doc, buf, err);
}

struct hr_json *hr_json_new_string(struct hr_json_doc *doc, const char *s, struct hr_error *err)
{
  size_t len = strlen(s);
  struct hr_json *n;

  if (len > HR_JSON_MAX_LEN) {
    hr_error_input(err, "%s: new string value longer than %zu bytes", doc->name, HR_JSON_MAX_LEN);
    return NULL;
  }
  /* Go would read invalid UTF-8 as U+FFFD: never write what runc would
   * read differently. */
  if (!hr_json__utf8_valid(s, len)) {
    hr_error_input(err, "%s: new string value is not valid UTF-8", doc->name);
    return NULL;
  }
  n = fresh_node(doc, HR_JSON_STRING, err);
  if (n == NULL)
    return NULL;
  n->u.string.len = (uint32_t)len;
  n->u.string.s = hr_json__strndup(doc, s, len, err);
  return n->u.string.s != NULL ? n : NULL;
}

struct hr_json *hr_json_new_object(struct hr_json_doc *doc, struct hr_error *err)
{
  return fresh_node(doc, HR_JSON_OBJECT, err);
}

struct hr_json *hr_json_new_array(struct hr_json_doc *doc, struct hr_error *err)
{
  return fresh_node(doc, HR_JSON_ARRAY, err);
}

/* ---- edits ------------------------------------------------------------------------ */

/* Error about a node of `doc`, located when the node came from the source. */
static int __attribute__((format(printf, 4, 5)))
node_error(const struct hr_json_doc *doc, const struct hr_json *node, struct hr_error *err,
           const char *fmt, ...)
{
  size_t offset = 0;
  bool located = hr_json__node_offset(doc, node, &offset);
  va_list ap;

  va_start(ap, fmt);
  hr_json__verror_at(err, doc != NULL ? doc->name : "json", located ? doc->src : NULL, offset, fmt,
                     ap);
  va_end(ap);
  return -1;
}

void hr_json_touch(struct hr_json *node)
{
  for (; node != NULL; node = node->parent)
    node->dirty = true;
}

static const char *type_name(enum hr_json_type t)
{
  static const char *const names[] = {"null",     "a boolean", "a number",
                                      "a string", "an array",  "an object"};

  return (unsigned)t < HR_ARRAY_SIZE(names) ? names[t] : "unknown";
}

/* A node lives in one place only: a node reachable twice would be emitted
 * from stale source text at the place its parent pointer does not lead to. */
static int check_attach(const struct hr_json_doc *doc, const struct hr_json *container,
                        enum hr_json_type want, const struct hr_json *value, struct hr_error *err)
{
  const char *name = doc != NULL ? doc->name : "json";

  if (value == NULL) {
    /* Usually a constructor that failed and already said why. */
    if (err != NULL && err->kind == HR_ERR_NONE)
      hr_error_input(err, "%s: no value to add", name);
    return -1;
  }
  if (container == NULL || container->type != want)
    return node_error(doc, container, err, "cannot add a member to %s, expected %s",
                      container ? type_name(container->type) : "nothing", type_name(want));
  if (value->parent != NULL)
    return hr_error_input(err, "%s: node already belongs to a container", name);
  for (const struct hr_json *p = container; p != NULL; p = p->parent)
    if (p == value)
      return hr_error_input(err, "%s: cannot add a node inside itself", name);
  return 0;
}

/* How many items a container has room for.  A node keeps no capacity, to
 * stay 32 bytes: a parsed container has room for exactly its items, and
 * one that an edit reallocated (`grown`) for a power of two of at least 4
 * (see reserve_items()).  Removing items only lowers the figure, so it
 * never exceeds the room there is. */
static size_t grown_cap(size_t len)
{
  size_t cap = 4;

  while (cap < len)
    cap *= 2;
  return cap < HR_JSON_MAX_LEN ? cap : HR_JSON_MAX_LEN;
}

static size_t items_cap(const struct hr_json *n, size_t len)
{
  return n->grown ? grown_cap(len) : len;
}

/* Room for one more item in `n`'s `len` items of `size` bytes at *items
 * (passed apart: the node's field is packed, see HR_JSON_PACKED). */
static int reserve_items(struct hr_json_doc *doc, struct hr_json *n, void **items, uint32_t len,
                         size_t size, size_t align, struct hr_error *err)
{
  size_t ncap;
  void *p;

  if (len < items_cap(n, len))
    return 0;
  if (len >= HR_JSON_MAX_LEN)
    return hr_error_input(err, "%s: a container cannot hold more than %zu values", doc->name,
                          HR_JSON_MAX_LEN);
  /* Doubling keeps appends amortised O(1); the old array stays in the
   * arena, which at most doubles the memory spent on items. */
  ncap = grown_cap((size_t)len + 1);
  p = hr_json__alloc(doc, ncap, size, align, err);
  if (p == NULL)
    return -1;
  if (len > 0)
    memcpy(p, *items, len * size);
  *items = p;
  n->grown = true;
  return 0;
}

int hr_json_set(struct hr_json_doc *doc, struct hr_json *obj, const char *field,
                struct hr_json *value, struct hr_error *err)
{
  struct hr_json_member *m;
  void *items;
  long i;

  if (check_attach(doc, obj, HR_JSON_OBJECT, value, err) < 0)
    return -1;
  i = hr_json_find(obj, field);
  if (i >= 0) {
    m = &obj->u.object.items[i];
    if (m->value != NULL)
      m->value->parent = NULL;
  } else {
    size_t len = strlen(field);
    char *key;
    if (len > HR_JSON_MAX_LEN)
      return hr_error_input(err, "%s: new key longer than %zu bytes", doc->name, HR_JSON_MAX_LEN);
    if (!hr_json__utf8_valid(field, len))
      return hr_error_input(err, "%s: new key is not valid UTF-8", doc->name);
    key = hr_json__strndup(doc, field, len, err);
    items = obj->u.object.items;
    if (key == NULL || reserve_items(doc, obj, &items, obj->u.object.len, sizeof(*m),
                                     _Alignof(struct hr_json_member), err) < 0)
      return -1;
    obj->u.object.items = items;
    m = &obj->u.object.items[obj->u.object.len++];
    memset(m, 0, sizeof(*m));
    m->key = key;
    m->key_len = (uint32_t)len;
  }
  m->value = value;
  value->parent = obj;
  hr_json_touch(obj);
  return 0;
}

struct hr_json *hr_json_get_or_add_object(struct hr_json_doc *doc, struct hr_json *obj,
                                          const char *field, const char *path_for_errors,
                                          struct hr_error *err)
{
  struct hr_json *v = hr_json_get(obj, field);

  if (obj == NULL || obj->type != HR_JSON_OBJECT) {
    node_error(doc, obj, err, "the parent of %s is %s, expected an object", path_for_errors,
               obj ? type_name(obj->type) : "absent");
    return NULL;
  }
  if (v != NULL && v->type == HR_JSON_OBJECT)
    return v;
  if (v != NULL && v->type != HR_JSON_NULL) {
    node_error(doc, v, err, "%s is %s, expected an object", path_for_errors, type_name(v->type));
    return NULL;
  }
  v = hr_json_new_object(doc, err);
  if (v == NULL || hr_json_set(doc, obj, field, v, err) < 0)
    return NULL;
  return v;
}

int hr_json_remove(struct hr_json *obj, const char *field)
{
  size_t flen = strlen(field), o = 0, n;
  struct hr_json_member *it;

  if (obj == NULL || obj->type != HR_JSON_OBJECT)
    return 0;
  it = obj->u.object.items;
  n = obj->u.object.len;
  for (size_t i = 0; i < n; i++) {
    if (hr_json_key_equal_fold(it[i].key, it[i].key_len, field, flen)) {
      if (it[i].value != NULL)
        it[i].value->parent = NULL;
      continue;
    }
    it[o++] = it[i];
  }
  obj->u.object.len = (uint32_t)o; /* o <= n */
  if (o != n)
    hr_json_touch(obj);
  return (int)(n - o);
}

int hr_json_array_insert(struct hr_json_doc *doc, struct hr_json *arr, size_t index,
                         struct hr_json *value, struct hr_error *err)
{
  struct hr_json **it;
  void *items;

  if (check_attach(doc, arr, HR_JSON_ARRAY, value, err) < 0)
    return -1;
  if (index > arr->u.array.len)
    return node_error(doc, arr, err, "cannot insert at index %zu of an array of %zu", index,
                      (size_t)arr->u.array.len);
  items = arr->u.array.items;
  if (reserve_items(doc, arr, &items, arr->u.array.len, sizeof(*it), _Alignof(struct hr_json *),
                    err) < 0)
    return -1;
  it = arr->u.array.items = items;
  memmove(it + index + 1, it + index, (arr->u.array.len - index) * sizeof(*it));
  it[index] = value;
  arr->u.array.len++;
  value->parent = arr;
  hr_json_touch(arr);
  return 0;
}

int hr_json_array_replace(struct hr_json_doc *doc, struct hr_json *arr, size_t index,
                          struct hr_json *value, struct hr_error *err)
{
  if (check_attach(doc, arr, HR_JSON_ARRAY, value, err) < 0)
    return -1;
  if (index >= arr->u.array.len)
    return node_error(doc, arr, err, "cannot replace index %zu of an array of %zu", index,
                      (size_t)arr->u.array.len);
  arr->u.array.items[index]->parent = NULL;
  arr->u.array.items[index] = value;
  value->parent = arr;
  hr_json_touch(arr);
  return 0;
}

int hr_json_array_append(struct hr_json_doc *doc, struct hr_json *arr, struct hr_json *value,
                         struct hr_error *err)
{
  return hr_json_array_insert(
      doc, arr, arr != NULL && arr->type == HR_JSON_ARRAY ? arr->u.array.len : 0, value, err);
}

void hr_json_array_remove(struct hr_json *arr, size_t index)
{
  struct hr_json **it;

  if (arr == NULL || arr->type != HR_JSON_ARRAY || index >= arr->u.array.len)
    return;
  it = arr->u.array.items;
  if (it[index] != NULL)
    it[index]->parent = NULL;
  memmove(it + index, it + index + 1, (arr->u.array.len - index - 1) * sizeof(*it));
  arr->u.array.len--;
  hr_json_touch(arr);
}
