/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "hardrun/jsonbuild.h"
#include "hardrun/utils.h"

struct hr_json_doc *hr_jb_new(struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.name = "(output)"};
  struct hr_json_doc *doc = NULL;

  if (hr_json_parse("{}", 2, &opts, &doc, err) < 0)
    return NULL;
  return doc;
}

int hr_jb_add(struct hr_json_doc *doc, struct hr_json *obj, const char *key, struct hr_json *value,
              struct hr_error *err)
{
  if (value == NULL)
    return -1;
  if (key == NULL)
    return hr_json_array_append(doc, obj, value, err);
  return hr_json_set(doc, obj, key, value, err);
}

int hr_jb_str(struct hr_json_doc *doc, struct hr_json *obj, const char *key, const char *s,
              struct hr_error *err)
{
  return hr_jb_add(doc, obj, key,
                   s != NULL ? hr_json_new_string(doc, s, err) : hr_json_new_null(doc, err), err);
}

int hr_jb_i64(struct hr_json_doc *doc, struct hr_json *obj, const char *key, int64_t v,
              struct hr_error *err)
{
  return hr_jb_add(doc, obj, key, hr_json_new_i64(doc, v, err), err);
}

int hr_jb_bool(struct hr_json_doc *doc, struct hr_json *obj, const char *key, bool v,
               struct hr_error *err)
{
  return hr_jb_add(doc, obj, key, hr_json_new_bool(doc, v, err), err);
}

struct hr_json *hr_jb_obj(struct hr_json_doc *doc, struct hr_json *obj, const char *key,
                          struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err);

  return hr_jb_add(doc, obj, key, o, err) < 0 ? NULL : o;
}

struct hr_json *hr_jb_arr(struct hr_json_doc *doc, struct hr_json *obj, const char *key,
                          struct hr_error *err)
{
  struct hr_json *a = hr_json_new_array(doc, err);

  return hr_jb_add(doc, obj, key, a, err) < 0 ? NULL : a;
}

int hr_jb_finish(const struct hr_json_doc *doc, char **ret, struct hr_error *err)
{
  size_t len;

  return hr_json_serialize(doc, ret, &len, err);
}
