/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_JSONBUILD_H
#define HARDRUN_JSONBUILD_H

/* Building a JSON document to print (--format json of policy explain,
 * policy show and doctor) on the faithful tree of json.h, so that escaping
 * and UTF-8 checks are the ones every other document gets.  Each helper
 * returns NULL or -1 with `err` set (out of memory, invalid UTF-8). */

#include <stdbool.h>
#include <stdint.h>

#include "hardrun/json.h"

/* A document holding an empty object; its root is where to add. */
struct hr_json_doc *hr_jb_new(struct hr_error *err);

/* Add `value` under `key` of the object `obj`, or at the end of the array
 * `obj` when key is NULL. */
int hr_jb_add(struct hr_json_doc *doc, struct hr_json *obj, const char *key, struct hr_json *value,
              struct hr_error *err);
/* A string, or null when `s` is NULL. */
int hr_jb_str(struct hr_json_doc *doc, struct hr_json *obj, const char *key, const char *s,
              struct hr_error *err);
int hr_jb_i64(struct hr_json_doc *doc, struct hr_json *obj, const char *key, int64_t v,
              struct hr_error *err);
int hr_jb_bool(struct hr_json_doc *doc, struct hr_json *obj, const char *key, bool v,
               struct hr_error *err);
/* A new empty object or array, added and returned. */
struct hr_json *hr_jb_obj(struct hr_json_doc *doc, struct hr_json *obj, const char *key,
                          struct hr_error *err);
struct hr_json *hr_jb_arr(struct hr_json_doc *doc, struct hr_json *obj, const char *key,
                          struct hr_error *err);

/* The document as one compact line (no newline), malloc'ed. */
int hr_jb_finish(const struct hr_json_doc *doc, char **ret, struct hr_error *err);

#endif
