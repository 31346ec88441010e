/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "../../src/libhardrun/json-internal.h"

/* The objects OCI's specs-go decodes into Go maps. */
static const char *const spec_maps[] = {"annotations", "linux.sysctl", "linux.resources.unified",
                                        NULL};

static struct hr_json_doc *parse_ok(const char *text, size_t len)
{
  struct hr_json_parse_opts opts = {.name = "t.json"};
  struct hr_error err = {0};
  struct hr_json_doc *doc = NULL;

  if (hr_json_parse(text, len, &opts, &doc, &err) < 0)
    fail_msg("parse of `%s` failed: %s", text, err.msg);
  return doc;
}

static char *serialize(const struct hr_json_doc *doc, size_t *len)
{
  struct hr_error err = {0};
  char *out = NULL;

  assert_ok(hr_json_serialize(doc, &out, len, &err), &err);
  assert_int_equal(strlen(out), *len);
  return out;
}

/* hr_json_serialize_fd() into a temporary file, read back. */
static char *serialize_fd(const struct hr_json_doc *doc, size_t *len)
{
  struct hr_error err = {0};
  FILE *f = tmpfile();
  char *out;
  off_t size;

  assert_non_null(f);
  assert_ok(hr_json_serialize_fd(doc, fileno(f), &err), &err);
  size = lseek(fileno(f), 0, SEEK_END);
  assert_true(size >= 0);
  out = malloc((size_t)size + 1);
  assert_non_null(out);
  assert_int_equal(pread(fileno(f), out, (size_t)size, 0), size);
  out[size] = '\0';
  fclose(f);
  *len = (size_t)size;
  return out;
}

/* Both ways of serialising give `want`. */
static void assert_serializes_to(const struct hr_json_doc *doc, const char *want, size_t want_len)
{
  size_t len = 0, fd_len = 0;
  cleanup_free char *out = serialize(doc, &len);
  cleanup_free char *fd_out = serialize_fd(doc, &fd_len);

  if (len != want_len || memcmp(out, want, len) != 0)
    fail_msg("serialised:\n%s\nexpected:\n%.*s", out, (int)want_len, want);
  if (fd_len != want_len || memcmp(fd_out, want, fd_len) != 0)
    fail_msg("serialised to a file:\n%s\nexpected:\n%.*s", fd_out, (int)want_len, want);
}

/* ---- byte-faithful round trips of real configs -------------------------------- */

static void roundtrip_file(const char *rel)
{
  size_t len = 0, out_len = 0;
  cleanup_free char *buf = unit_read_fixture(rel, &len);
  cleanup_json_doc struct hr_json_doc *doc = parse_ok(buf, len);
  cleanup_json_doc struct hr_json_doc *again = NULL;
  cleanup_free char *out = serialize(doc, &out_len);
  cleanup_free char *out2 = NULL;
  cleanup_free char *r1 = NULL;
  cleanup_free char *r2 = NULL;
  struct hr_error err = {0};

  if (out_len != len || memcmp(out, buf, len) != 0)
    fail_msg("%s: unedited document does not serialise to its input", rel);
  assert_serializes_to(doc, buf, len);
  assert_ok(hr_json_check_go_keys(doc, spec_maps, NULL, &err), &err);

  /* Re-emit the top two levels compactly: it must parse back to the same values. */
  hr_json_touch(hr_json_doc_root(doc));
  for (size_t i = 0; i < hr_json_doc_root(doc)->u.object.len; i++)
    hr_json_touch(hr_json_doc_root(doc)->u.object.items[i].value);
  out2 = serialize(doc, &out_len);
  assert_serializes_to(doc, out2, out_len);
  again = parse_ok(out2, out_len);
  r1 = hr_json_render(hr_json_doc_root(doc), SIZE_MAX);
  r2 = hr_json_render(hr_json_doc_root(again), SIZE_MAX);
  assert_string_equal(r1, r2);
}

static void test_roundtrip_configs(void **state)
{
  cleanup_free char *dir = unit_fixture_path("configs");
  struct dirent *de;
  unsigned n = 0;
  bool saw_runc = false;
  DIR *d = opendir(dir);

  (void)state;
  if (d == NULL)
    fail_msg("opendir %s: %s", dir, strerror(errno));
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    char rel[512];
    if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
      continue;
    snprintf(rel, sizeof(rel), "configs/%s", de->d_name);
    roundtrip_file(rel);
    saw_runc |= strcmp(de->d_name, "runc-spec.json") == 0;
    n++;
  }
  closedir(d);
  assert_true(saw_runc);
  print_message("# round-tripped %u config fixtures\n", n);
}

static void test_roundtrip_edge(void **state)
{
  (void)state;
  roundtrip_file("json/edge.json");
}

/* The document that takes its input over serialises it unchanged, and
 * frees it on every path (the leak checkers see the failures). */
static void test_parse_takes_the_buffer_over(void **state)
{
  static const char text[] = "{\"a\": [1, \"x\\n\"], \"b\": {}}\n";
  struct hr_json_parse_opts opts = {.name = "t.json"};
  struct hr_json_parse_opts small = {.name = "t.json", .max_size = 4};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json_doc *none = NULL;
  const struct hr_json_member *m;
  const struct hr_json *str;
  struct hr_error err = {0};
  char *buf = strdup(text);

  (void)state;
  assert_non_null(buf);
  assert_ok(hr_json_parse_owned(&buf, sizeof(text) - 1, &opts, &doc, &err), &err);
  assert_null(buf);
  assert_serializes_to(doc, text, sizeof(text) - 1);
  assert_string_equal(hr_json_get_path(hr_json_doc_root(doc), "a")->u.array.items[1]->u.string.s,
                      "x\n");
  /* Keys and strings without escapes are read in the input, where their
   * closing quote became the NUL; the one with an escape is a copy. */
  m = &hr_json_doc_root(doc)->u.object.items[1];
  assert_ptr_equal(m->key, hr_json__raw_key(m) + 1);
  assert_int_equal(hr_json__raw_key(m)[m->raw_key_len - 1], '\0');
  str = hr_json_get_path(hr_json_doc_root(doc), "a")->u.array.items[1];
  assert_false(str->u.string.s > str->raw && str->u.string.s < str->raw + str->raw_len);
  /* A key with an escape is a copy too, which still finds its source,
   * left as it was. */
  buf = strdup("{\"k\\/\": 1, \"\\u00e9\": 2}");
  assert_non_null(buf);
  assert_ok(hr_json_parse_owned(&buf, 23, &opts, &none, &err), &err);
  m = &hr_json_doc_root(none)->u.object.items[0];
  assert_string_equal(m->key, "k/");
  assert_int_equal(m->raw_key_len, 5);
  assert_memory_equal(hr_json__raw_key(m), "\"k\\/\"", 5);
  m = &hr_json_doc_root(none)->u.object.items[1];
  assert_string_equal(m->key, "\xc3\xa9");
  assert_memory_equal(hr_json__raw_key(m), "\"\\u00e9\"", 8);
  assert_serializes_to(none, "{\"k\\/\": 1, \"\\u00e9\": 2}", 23);
  hr_json_doc_freep(&none);

  buf = strdup("{\"a\": }");
  assert_non_null(buf);
  assert_int_equal(hr_json_parse_owned(&buf, 8, &opts, &none, &err), -1);
  assert_null(buf);
  assert_null(none);
  assert_non_null(strstr(err.msg, "t.json:1:"));

  buf = strdup(text);
  assert_non_null(buf);
  err = (struct hr_error){0};
  assert_int_equal(hr_json_parse_owned(&buf, sizeof(text) - 1, &small, &none, &err), -1);
  assert_null(buf);
  assert_null(none);
  assert_non_null(strstr(err.msg, "larger than the limit"));
}

/* Streaming goes through a 64 KiB buffer: documents larger than that,
 * clean (one piece from the source, written straight) and re-emitted in
 * many small pieces, come out as hr_json_serialize() makes them. */
static void test_serialize_fd_large(void **state)
{
  const size_t n = 40000;
  size_t cap = n * 16 + 64, len = 0, out_len = 0;
  cleanup_free char *text = malloc(cap);
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *out = NULL;
  struct hr_json *root, *arr;
  struct hr_error err = {0};
  int fd;

  (void)state;
  assert_non_null(text);
  len += (size_t)snprintf(text + len, cap - len, "{\"a\": [");
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, cap - len, "%s\"s%zu\"", i ? ", " : "", i);
  len += (size_t)snprintf(text + len, cap - len, "],\n \"b\": {\"k\": 1}}\n");
  assert_true(len > 4 * 64 * 1024 && len < cap);
  doc = parse_ok(text, len);
  assert_serializes_to(doc, text, len);

  root = hr_json_doc_root(doc);
  arr = hr_json_get(root, "a");
  hr_json_touch(arr);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_string(doc, "tab\there \"q\"", &err), &err),
            &err);
  assert_ok(hr_json_set(doc, root, "c", hr_json_new_u64(doc, UINT64_MAX, &err), &err), &err);
  out = serialize(doc, &out_len);
  assert_true(out_len > 4 * 64 * 1024);
  assert_non_null(
      strstr(out, "\"tab\\u0009here \\\"q\\\"\"],\"b\":{\"k\": 1},\"c\":18446744073709551615}"));
  assert_serializes_to(doc, out, out_len);

  /* A failed write is reported, with errno. */
  assert_int_equal(hr_json_serialize_fd(doc, -1, &err), -1);
  assert_int_equal(err.code, EBADF);
  fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  err = (struct hr_error){0};
  assert_int_equal(hr_json_serialize_fd(doc, fd, &err), -1);
  assert_int_equal(err.code, EBADF);
  close(fd);
}

/* ---- edits ------------------------------------------------------------------ */

static struct hr_json *path(struct hr_json_doc *doc, const char *p)
{
  struct hr_json *n = p[0] ? hr_json_get_path(hr_json_doc_root(doc), p) : hr_json_doc_root(doc);
  if (n == NULL)
    fail_msg("no node at %s", p);
  return n;
}

static void test_edit_fixture(void **state)
{
  size_t len = 0, want_len = 0;
  cleanup_free char *buf = unit_read_fixture("json/edge.json", &len);
  cleanup_free char *want = unit_read_fixture("json/edge.edited.json", &want_len);
  cleanup_json_doc struct hr_json_doc *doc = parse_ok(buf, len);
  struct hr_error err = {0};
  struct hr_json *root = hr_json_doc_root(doc), *masked, *hooks;

  (void)state;
  assert_ok(hr_json_set(doc, path(doc, "process"), "noNewPrivileges",
                        hr_json_new_bool(doc, true, &err), &err),
            &err);
  assert_ok(hr_json_set(doc, path(doc, "linux.resources.pids"), "limit",
                        hr_json_new_i64(doc, 512, &err), &err),
            &err);
  assert_int_equal(hr_json_remove(path(doc, "linux.resources"), "memory"), 1);
  masked = path(doc, "linux.maskedPaths");
  assert_ok(hr_json_array_append(doc, masked, hr_json_new_string(doc, "/proc/keys", &err), &err),
            &err);
  assert_ok(hr_json_array_insert(doc, masked, 0, hr_json_new_string(doc, "/proc/acpi", &err), &err),
            &err);
  assert_ok(hr_json_set(doc, path(doc, "annotations"), "hardrun/note",
                        hr_json_new_string(doc, "say \"hi\"\\\x01", &err), &err),
            &err);
  hooks = hr_json_get_or_add_object(doc, root, "hooks", "hooks", &err);
  assert_non_null(hooks);
  assert_ptr_equal(hr_json_get_or_add_object(doc, root, "hooks", "hooks", &err), hooks);
  assert_ok(hr_json_set(doc, path(doc, "linux"), "readonlyPaths",
                        hr_json_new_from_text(doc, "[ \"/proc/bus\" ,\n \"/proc/fs\" ]", &err),
                        &err),
            &err);
  assert_serializes_to(doc, want, want_len);

  /* Untouched siblings kept their exact text. */
  assert_false(path(doc, "x-vendor")->dirty);
  assert_false(path(doc, "process.rlimits")->dirty);
  assert_true(path(doc, "process")->dirty);
}

enum edit_op {
  OP_SET,
  OP_APPEND,
  OP_INSERT,
  OP_REMOVE,
  OP_ARRAY_REMOVE,
  OP_ARRAY_REPLACE,
  OP_TOUCH
};

struct edit_case {
  const char *name;
  const char *in;
  enum edit_op op;
  const char *target; /* dotted path of the container, "" for the root */
  const char *field;
  size_t index;
  const char *value; /* JSON text */
  const char *want;
};

static const struct edit_case edit_cases[] = {
    {"set existing keeps spelling and place", "{ \"A\" : 1 , \"b\" : [1,  2] }", OP_SET, "", "a", 0,
     "\"x\"", "{\"A\":\"x\",\"b\":[1,  2]}"},
    {"set new appends", "{\"a\":{\"k\": 1}}\n", OP_SET, "a", "new", 0, "null",
     "{\"a\":{\"k\":1,\"new\":null}}\n"},
    {"set in empty object", "  {}  ", OP_SET, "", "z", 0, "{\"y\" : [ ]}",
     "  {\"z\":{\"y\":[]}}  "},
    {"append", "{\"m\":[ {\"o\": [ \"x\" ]} ]}", OP_APPEND, "m", NULL, 0, "-0.0",
     "{\"m\":[{\"o\": [ \"x\" ]},-0.0]}"},
    {"append to empty", "{\"m\":[]}", OP_APPEND, "m", NULL, 0, "\"a\\u0000b\"", NULL},
    {"insert front", "{\"m\":[1, 2]}", OP_INSERT, "m", NULL, 0, "0", "{\"m\":[0,1,2]}"},
    {"insert middle", "{\"m\":[1, 3]}", OP_INSERT, "m", NULL, 1, "2", "{\"m\":[1,2,3]}"},
    {"insert past end", "{\"m\":[1]}", OP_INSERT, "m", NULL, 2, "2", NULL},
    {"remove", "{ \"a\": 1, \"b\": {\"c\" : 2} }", OP_REMOVE, "", "a", 0, NULL,
     "{\"b\":{\"c\" : 2}}"},
    {"remove removes folded twins", "{\"a\":1,\"A\":2,\"b\":3}", OP_REMOVE, "", "a", 0, NULL,
     "{\"b\":3}"},
    {"remove absent changes nothing", "{ \"a\": 1 }", OP_REMOVE, "", "zz", 0, NULL, "{ \"a\": 1 }"},
    {"array remove", "{\"m\":[1, 2, 3]}", OP_ARRAY_REMOVE, "m", NULL, 1, NULL, "{\"m\":[1,3]}"},
    {"array replace in place", "{\"m\":[1, {\"a\": 2}, 3]}", OP_ARRAY_REPLACE, "m", NULL, 1, "[ ]",
     "{\"m\":[1,[],3]}"},
    {"array replace past the end", "{\"m\":[1]}", OP_ARRAY_REPLACE, "m", NULL, 1, "2", NULL},
    {"array remove out of range", "{\"m\":[1, 2]}", OP_ARRAY_REMOVE, "m", NULL, 5, NULL,
     "{\"m\":[1, 2]}"},
    {"string escapes re-emitted minimally", "{\"s\": \"\\u003c\\/\\t\"}", OP_TOUCH, "s", NULL, 0,
     NULL, "{\"s\":\"</\\u0009\"}"},
    {"escaped strings and keys keep their text", "{\"q\\\"\": \"x\\\"y\\\\\", \"b\": 1}", OP_SET,
     "", "b", 0, "2", "{\"q\\\"\":\"x\\\"y\\\\\",\"b\":2}"},
    {"set on array refused", "{\"m\":[]}", OP_SET, "m", "x", 0, "1", NULL},
};

static int apply_edit(struct hr_json_doc *doc, const struct edit_case *c, struct hr_error *err)
{
  struct hr_json *t = path(doc, c->target);
  struct hr_json *v = NULL;

  if (c->value != NULL) {
    v = hr_json_new_from_text(doc, c->value, err);
    if (v == NULL)
      return -1;
  }
  switch (c->op) {
  case OP_SET:
    return hr_json_set(doc, t, c->field, v, err);
  case OP_APPEND:
    return hr_json_array_append(doc, t, v, err);
  case OP_INSERT:
    return hr_json_array_insert(doc, t, c->index, v, err);
  case OP_REMOVE:
    hr_json_remove(t, c->field);
    return 0;
  case OP_ARRAY_REMOVE:
    hr_json_array_remove(t, c->index);
    return 0;
  case OP_ARRAY_REPLACE:
    return hr_json_array_replace(doc, t, c->index, v, err);
  case OP_TOUCH:
  default:
    hr_json_touch(t);
    return 0;
  }
}

static void test_edit_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(edit_cases); i++) {
    const struct edit_case *c = &edit_cases[i];
    cleanup_json_doc struct hr_json_doc *doc = parse_ok(c->in, strlen(c->in));
    struct hr_error err = {0};
    int r = apply_edit(doc, c, &err);
    if (c->want == NULL) {
      if (r == 0)
        fail_msg("%s: edit should have failed", c->name);
      assert_int_equal(err.kind, HR_ERR_INPUT);
      continue;
    }
    if (r < 0)
      fail_msg("%s: %s", c->name, err.msg);
    assert_serializes_to(doc, c->want, strlen(c->want));
  }
}

static void test_edit_errors(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{\"a\":{\"b\":{}},\n \"s\":\"x\"}", 24);
  struct hr_error err = {0};
  struct hr_json *root = hr_json_doc_root(doc);
  struct hr_json *b = hr_json_get_path(root, "a.b");
  struct hr_json *n;

  (void)state;
  /* A member that is not an object. */
  assert_null(hr_json_get_or_add_object(doc, root, "s", "spec.s", &err));
  assert_string_equal(err.msg, "t.json:2:6: spec.s is a string, expected an object");
  /* A node lives in one place only, and never inside itself. */
  assert_int_equal(hr_json_set(doc, b, "x", hr_json_get(root, "s"), &err), -1);
  assert_string_equal(err.msg, "t.json: node already belongs to a container");
  n = hr_json_get(root, "a");
  assert_int_equal(hr_json_remove(root, "a"), 1);
  assert_null(n->parent);
  assert_int_equal(hr_json_set(doc, b, "loop", n, &err), -1);
  assert_string_equal(err.msg, "t.json: cannot add a node inside itself");
  /* A removed subtree can be moved; it keeps its source text. */
  assert_ok(hr_json_set(doc, root, "moved", n, &err), &err);
  assert_serializes_to(doc, "{\"s\":\"x\",\"moved\":{\"b\":{}}}", 26);
  /* A failed constructor's error is kept. */
  memset(&err, 0, sizeof(err));
  assert_int_equal(hr_json_set(doc, root, "bad", hr_json_new_string(doc, "\xc0\xaf", &err), &err),
                   -1);
  assert_string_equal(err.msg, "t.json: new string value is not valid UTF-8");
  assert_null(hr_json_new_from_text(doc, "[1,]", &err));
  assert_string_equal(err.msg,
                      "JSON text:1:4: parse error: unallowed token at this point in JSON text");
}

static void test_new_values(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{}", 2);
  struct hr_error err = {0};
  struct hr_json *root = hr_json_doc_root(doc);
  struct hr_json *arr = hr_json_new_array(doc, &err);
  struct hr_json *v = hr_json_new_from_text(doc, " 42 ", &err);
  int64_t i = 0;

  (void)state;
  assert_non_null(v);
  assert_int_equal(v->type, HR_JSON_NUMBER);
  assert_null(v->raw);
  assert_ok(hr_json_get_i64(v, &i), &err);
  assert_int_equal(i, 42);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_i64(doc, INT64_MIN, &err), &err), &err);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_u64(doc, UINT64_MAX, &err), &err), &err);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_null(doc, &err), &err), &err);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_bool(doc, false, &err), &err), &err);
  assert_ok(hr_json_array_append(doc, arr, hr_json_new_object(doc, &err), &err), &err);
  assert_ok(hr_json_array_append(doc, arr, v, &err), &err);
  assert_ok(hr_json_set(doc, root, "é\"", arr, &err), &err);
  assert_serializes_to(
      doc, "{\"é\\\"\":[-9223372036854775808,18446744073709551615,null,false,{},42]}",
      strlen("{\"é\\\"\":[-9223372036854775808,18446744073709551615,null,false,{},42]}"));
}

/* Appending must stay amortised O(1): 100,000 appends finish at once.  Each
 * hr_json_set() looks its key up first (linearly), so the object gets fewer. */
static void test_many_appends(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{\"m\":[]}", 8);
  struct hr_error err = {0};
  struct hr_json *m = hr_json_get(hr_json_doc_root(doc), "m");
  struct hr_json *o = hr_json_new_object(doc, &err);
  size_t len = 0;
  cleanup_free char *out = NULL;

  (void)state;
  for (int i = 0; i < 100000; i++)
    assert_ok(hr_json_array_append(doc, m, hr_json_new_i64(doc, i, &err), &err), &err);
  for (int i = 0; i < 2000; i++) {
    char key[16];
    snprintf(key, sizeof(key), "k%d", i);
    assert_ok(hr_json_set(doc, o, key, hr_json_new_bool(doc, true, &err), &err), &err);
  }
  assert_ok(hr_json_set(doc, hr_json_doc_root(doc), "o", o, &err), &err);
  out = serialize(doc, &len);
  assert_int_equal(m->u.array.len, 100000);
  assert_int_equal(o->u.object.len, 2000);
  assert_memory_equal(out, "{\"m\":[0,1,2,", 12);
  assert_memory_equal(out + len - 28, ",\"k1998\":true,\"k1999\":true}}", 28);
}

/* A node keeps no capacity (items_cap() in json.c): parsed containers are
 * full, grown ones have a power of two.  Removals and inserts in any order
 * must never write past the room there is; every new value is allocated
 * right behind the items, where an overflow would show. */
static void test_items_room(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{\"a\":[0,1,2,3,4,5,6]}", 21);
  struct hr_json *a = hr_json_get(hr_json_doc_root(doc), "a");
  struct hr_error err = {0};
  int64_t want[64] = {0, 1, 2, 3, 4, 5, 6}, v;
  size_t n = 7;
  unsigned seed = 1;

  (void)state;
  for (int step = 0; step < 4000; step++) {
    size_t at;
    seed = seed * 1103515245u + 12345u;
    at = n > 0 ? (seed >> 8) % (n + 1) : 0;
    if (n > 0 && (n == HR_ARRAY_SIZE(want) || ((seed >> 20) % 3 == 0))) {
      at = at == n ? n - 1 : at;
      hr_json_array_remove(a, at);
      memmove(want + at, want + at + 1, (n - at - 1) * sizeof(want[0]));
      n--;
    } else {
      assert_ok(hr_json_array_insert(doc, a, at, hr_json_new_i64(doc, step + 100, &err), &err),
                &err);
      memmove(want + at + 1, want + at, (n - at) * sizeof(want[0]));
      want[at] = step + 100;
      n++;
    }
    assert_int_equal(a->u.array.len, n);
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(hr_json_get_i64(a->u.array.items[i], &v), 0);
      assert_int_equal(v, want[i]);
      assert_ptr_equal(a->u.array.items[i]->parent, a);
    }
  }
}

/* ---- refused input ------------------------------------------------------------- */

struct bad_case {
  const char *name;
  const char *in;
  size_t len; /* 0: strlen(in) */
  size_t max_size;
  unsigned max_depth;
  bool comments;
  const char *want; /* exact message; NULL: must parse */
};

#define S(s) s, sizeof(s) - 1

static const struct bad_case bad_cases[] = {
    {"empty", S(""), 0, 0, false, "t.json:1:1: empty input, expected a JSON value"},
    {"blank", S(" \n\t "), 0, 0, false, "t.json:2:3: empty input, expected a JSON value"},
    {"truncated object", S("{\"a\": 1"), 0, 0, false, "t.json:1:8: parse error: premature EOF"},
    {"truncated string", S("{\"a\": \"x"), 0, 0, false, "t.json:1:9: parse error: premature EOF"},
    {"truncated key", S("{\n\"a"), 0, 0, false, "t.json:2:3: parse error: premature EOF"},
    {"missing colon", S("{\"a\" 1}"), 0, 0, false,
     "t.json:1:6: parse error: object key and value must be separated by a colon (':')"},
    {"trailing comma", S("{\"a\":1,}"), 0, 0, false,
     "t.json:1:8: parse error: invalid object key (must be a string)"},
    {"raw NUL in string", S("{\"a\":\"x\0y\"}"), 0, 0, false, "t.json:1:8: NUL byte in the input"},
    {"raw NUL after value", S("{\"a\":1}\0"), 0, 0, false, "t.json:1:8: NUL byte in the input"},
    {"escaped NUL", S("{\"a\":\n  \"ab\\u0000\"}"), 0, 0, false,
     "t.json:2:6: \\u0000 (NUL) in a string"},
    {"escaped NUL in key", S("{\"a\\u0000\":1}"), 0, 0, false,
     "t.json:1:4: \\u0000 (NUL) in a string"},
    {"invalid UTF-8 byte", S("{\"a\":\"\xff\"}"), 0, 0, false, "t.json:1:7: invalid UTF-8"},
    {"overlong UTF-8", S("{\"a\":\"\xc0\xaf\"}"), 0, 0, false, "t.json:1:7: invalid UTF-8"},
    {"UTF-8 surrogate", S("{\"a\":\"\xed\xa0\x80\"}"), 0, 0, false, "t.json:1:7: invalid UTF-8"},
    {"above U+10FFFF", S("{\"a\":\"\xf4\x90\x80\x80\"}"), 0, 0, false, "t.json:1:7: invalid UTF-8"},
    {"truncated UTF-8", S("{\"a\":\"\xe2\x84\"}"), 0, 0, false, "t.json:1:7: invalid UTF-8"},
    {"lone high surrogate", S("{\"a\":\"x\\ud800\"}"), 0, 0, false,
     "t.json:1:8: unpaired UTF-16 surrogate \\ud800"},
    {"high surrogate then other escape", S("{\"a\":\"\\ud800\\u0041\"}"), 0, 0, false,
     "t.json:1:7: unpaired UTF-16 surrogate \\ud800"},
    {"high surrogate then text", S("{\"a\":\"\\uD800abcdef\"}"), 0, 0, false,
     "t.json:1:7: unpaired UTF-16 surrogate \\ud800"},
    {"lone low surrogate", S("{\"a\":\"\\udc00\"}"), 0, 0, false,
     "t.json:1:7: unpaired UTF-16 surrogate \\udc00"},
    {"escaped quote before surrogate", S("{\"a\":\"\\\"\\\\\\udc00\"}"), 0, 0, false,
     "t.json:1:11: unpaired UTF-16 surrogate \\udc00"},
    {"surrogate pair ok", S("{\"a\":\"\\ud83d\\ude00\"}"), 0, 0, false, NULL},
    {"trailing garbage", S("{\"a\":1} x"), 0, 0, false,
     "t.json:1:9: parse error: trailing garbage"},
    {"second document", S("{}\n{}"), 0, 0, false, "t.json:2:1: parse error: trailing garbage"},
    {"trailing whitespace ok", S("{}\r\n\t \n"), 0, 0, false, NULL},
    {"form feed", S("{\f}"), 0, 0, false,
     "t.json:1:2: form feed or vertical tab, which JSON does not allow"},
    {"vertical tab", S("{}\v"), 0, 0, false,
     "t.json:1:3: form feed or vertical tab, which JSON does not allow"},
    {"top-level array", S("[{}]"), 0, 0, false, "t.json:1:1: the top level is not a JSON object"},
    {"top-level string", S("\n \"x\""), 0, 0, false,
     "t.json:2:2: the top level is not a JSON object"},
    {"top-level number", S("1"), 0, 0, false, "t.json:1:1: the top level is not a JSON object"},
    {"size bound", S("{\"a\":1}"), 6, 0, false,
     "t.json: 7 bytes, larger than the limit of 6 bytes"},
    {"size bound exact", S("{\"a\":1}"), 7, 0, false, NULL},
    {"depth bound", S("{\"a\":[{\"b\":[]}]}"), 0, 3, false,
     "t.json:1:12: nesting deeper than 3 levels"},
    {"depth bound exact", S("{\"a\":[{\"b\":[]}]}"), 0, 4, false, NULL},
    {"comment refused", S("{/* c */}"), 0, 0, false,
     "t.json:1:2: lexical error: probable comment found in input text, comments are not enabled"},
    {"line comment refused", S("{}\n// c\n"), 0, 0, false,
     "t.json:2:1: parse error: trailing garbage"},
    {"comment at line start refused", S("{\n// c\n}"), 0, 0, false,
     "t.json:2:1: lexical error: probable comment found in input text, comments are not enabled"},
    {"comments allowed", S("// c\n{/* a */\"a\"/**/:1 // x\n}\n"), 0, 0, true, NULL},
    {"huge number kept", S("{\"n\":123456789012345678901234567890e999}"), 0, 0, false, NULL},
    {"leading zero", S("{\"n\":01}"), 0, 0, false,
     "t.json:1:6: parse error: after key and value, inside map, I expect ',' or '}'"},
    {"NaN", S("{\"n\":NaN}"), 0, 0, false, "t.json:1:6: lexical error: invalid char in json text"},
    {"raw tab in string", S("{\"s\":\"a\tb\"}"), 0, 0, false,
     "t.json:1:8: lexical error: invalid character inside string"},
    {"bad escape", S("{\"s\":\"\\x\"}"), 0, 0, false,
     "t.json:1:8: lexical error: inside a string, '\\' occurs before a character which it may not"},
    {"BOM", S("\xef\xbb\xbf{}"), 0, 0, false,
     "t.json:1:1: lexical error: invalid char in json text"},
};

static void test_bad_input(void **state)
{
  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(bad_cases); i++) {
    const struct bad_case *c = &bad_cases[i];
    struct hr_json_parse_opts opts = {.max_size = c->max_size,
                                      .max_depth = c->max_depth,
                                      .allow_comments = c->comments,
                                      .name = "t.json"};
    struct hr_error err = {0};
    struct hr_json_doc *doc = NULL;
    int r = hr_json_parse(c->in, c->len, &opts, &doc, &err);
    if (c->want == NULL) {
      if (r < 0)
        fail_msg("%s: refused: %s", c->name, err.msg);
      assert_non_null(doc);
      assert_serializes_to(doc, c->in, c->len);
      hr_json_doc_free(doc);
      continue;
    }
    if (r == 0)
      fail_msg("%s: accepted", c->name);
    assert_null(doc);
    assert_int_equal(err.kind, HR_ERR_INPUT);
    if (strcmp(err.msg, c->want) != 0)
      fail_msg("%s:\n got  %s\n want %s", c->name, err.msg, c->want);
  }
}

/* The input is checked 32 bytes at a time: a byte to refuse is found, and
 * located, wherever it falls in a block or in the bytes after the last
 * one; a valid multi-byte character is let through wherever it falls. */
static void test_bad_byte_every_offset(void **state)
{
  static const struct {
    const char *bytes, *want;
  } bad[] = {
      {"\0", "NUL byte in the input"},
      {"\v", "form feed or vertical tab, which JSON does not allow"},
      {"\f", "form feed or vertical tab, which JSON does not allow"},
      {"\x80", "invalid UTF-8"},
      {"\xff", "invalid UTF-8"},
  };
  char in[100], want[128];

  (void)state;
  for (size_t pos = 6; pos < sizeof(in) - 3; pos++) {
    for (size_t k = 0; k <= HR_ARRAY_SIZE(bad); k++) {
      struct hr_json_parse_opts opts = {.name = "t.json"};
      struct hr_error err = {0};
      struct hr_json_doc *doc = NULL;
      memset(in, 'x', sizeof(in));
      memcpy(in, "{\"a\":\"", 6);
      memcpy(in + sizeof(in) - 2, "\"}", 2);
      if (k == HR_ARRAY_SIZE(bad)) {
        memcpy(in + pos, "\xc3\xa9", 2); /* U+00E9 */
        assert_int_equal(hr_json_parse(in, sizeof(in), &opts, &doc, &err), 0);
        hr_json_doc_free(doc);
        continue;
      }
      in[pos] = bad[k].bytes[0];
      assert_int_equal(hr_json_parse(in, sizeof(in), &opts, &doc, &err), -1);
      snprintf(want, sizeof(want), "t.json:1:%zu: %s", pos + 1, bad[k].want);
      if (strcmp(err.msg, want) != 0)
        fail_msg("byte %zu at %zu:\n got  %s\n want %s", k, pos, err.msg, want);
    }
  }
}

/* ---- comments cut out of yajl's input ---------------------------------------------- */

/* The same tree: types, values, keys, and every source span. */
static void assert_same_tree(const struct hr_json_doc *da, const struct hr_json *a,
                             const struct hr_json_doc *db, const struct hr_json *b,
                             const char *what)
{
  size_t oa = SIZE_MAX, ob = SIZE_MAX;

  if (a->type != b->type || a->raw_len != b->raw_len ||
      hr_json__node_offset(da, a, &oa) != hr_json__node_offset(db, b, &ob) || oa != ob)
    fail_msg("%s: node differs (type %d/%d, offset %zu/%zu, length %u/%u)", what, a->type, b->type,
             oa, ob, a->raw_len, b->raw_len);
  switch (a->type) {
  case HR_JSON_STRING:
    assert_int_equal(a->u.string.len, b->u.string.len);
    assert_memory_equal(a->u.string.s, b->u.string.s, a->u.string.len + 1);
    break;
  case HR_JSON_NUMBER:
    assert_string_equal(a->u.number.text, b->u.number.text);
    break;
  case HR_JSON_BOOL:
    assert_int_equal(a->u.boolean, b->u.boolean);
    break;
  case HR_JSON_ARRAY:
    assert_int_equal(a->u.array.len, b->u.array.len);
    for (size_t i = 0; i < a->u.array.len; i++)
      assert_same_tree(da, a->u.array.items[i], db, b->u.array.items[i], what);
    break;
  case HR_JSON_OBJECT:
    assert_int_equal(a->u.object.len, b->u.object.len);
    for (size_t i = 0; i < a->u.object.len; i++) {
      const struct hr_json_member *ma = &a->u.object.items[i], *mb = &b->u.object.items[i];
      assert_int_equal(ma->key_len, mb->key_len);
      assert_memory_equal(ma->key, mb->key, ma->key_len + 1);
      assert_int_equal(hr_json__raw_key(ma) - da->src, hr_json__raw_key(mb) - db->src);
      assert_int_equal(ma->raw_key_len, mb->raw_key_len);
      assert_same_tree(da, ma->value, db, mb->value, what);
    }
    break;
  default:
    break;
  }
}

/* hr_json_parse(), which hands yajl the pieces between comments, and the
 * parse of the input in one piece agree: same result, same message, same
 * tree. */
static void assert_pieces_parse_as_whole(const char *in, size_t len, const char *what)
{
  struct hr_json_parse_opts opts = {.allow_comments = true, .name = "t.json"};
  struct hr_error e1 = {0}, e2 = {0};
  cleanup_json_doc struct hr_json_doc *d1 = NULL, *d2 = NULL;
  int r1 = hr_json_parse(in, len, &opts, &d1, &e1);
  int r2 = hr_json__parse_whole(in, len, &opts, &d2, &e2);

  if (r1 != r2)
    fail_msg("%s: in pieces %d (%s), whole %d (%s)", what, r1, e1.msg, r2, e2.msg);
  if (r1 < 0) {
    if (strcmp(e1.msg, e2.msg) != 0)
      fail_msg("%s:\n pieces %s\n whole  %s", what, e1.msg, e2.msg);
    return;
  }
  assert_same_tree(d1, hr_json_doc_root(d1), d2, hr_json_doc_root(d2), what);
}

/* Comments after every kind of token, inside strings, unterminated, and
 * next to escapes; most gaps are long enough to be cut (MIN_GAP). */
static const char comment_text[] =
    "// a comment at the head of the text\n/* and a block comment */ {\n"
    "  // a comment after the opening brace\n  \"a\": 1, // a comment after a comma\n"
    "  \"b\" /* a comment before the colon */ : /* a comment after it */ \"x // no comment\",\n"
    "  \"c\": [true // a comment after a literal\n , 2 /* a comment after a number */ ,"
    " \"q\\\"/*\" /**/],\n"
    "  \"d\": {\"e\": \"\\\\\" // a comment after a backslash\n  }, /*/ tricky, and long */"
    " \"f\": null\n  /* **/ // the last comment of the object\n} // a comment at the tail\n";

static void test_comment_pieces(void **state)
{
  static const char inserts[] = "\"/*\n\\x1,}";
  char buf[sizeof(comment_text) + 1], what[64];
  const size_t n = sizeof(comment_text) - 1;
  static const char *const shipped[] = {"default.json", "baseline.json", "strict.json",
                                        "audit.json"};

  (void)state;
  assert_pieces_parse_as_whole(comment_text, n, "the text");
  for (size_t pos = 0; pos <= n; pos++) {
    /* Every byte dropped, then each of `inserts` put in before it. */
    if (pos < n) {
      memcpy(buf, comment_text, pos);
      memcpy(buf + pos, comment_text + pos + 1, n - pos - 1);
      snprintf(what, sizeof(what), "byte %zu dropped", pos);
      assert_pieces_parse_as_whole(buf, n - 1, what);
    }
    for (size_t k = 0; k < sizeof(inserts) - 1; k++) {
      memcpy(buf, comment_text, pos);
      buf[pos] = inserts[k];
      memcpy(buf + pos + 1, comment_text + pos, n - pos);
      snprintf(what, sizeof(what), "'%c' put in at %zu", inserts[k], pos);
      assert_pieces_parse_as_whole(buf, n + 1, what);
    }
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(shipped); i++) {
    char rel[64];
    size_t len = 0;
    snprintf(rel, sizeof(rel), "../../../profiles/%s", shipped[i]);
    cleanup_free char *text = unit_read_fixture(rel, &len);
    assert_pieces_parse_as_whole(text, len, rel);
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(bad_cases); i++)
    assert_pieces_parse_as_whole(bad_cases[i].in,
                                 bad_cases[i].len ? bad_cases[i].len : strlen(bad_cases[i].in),
                                 bad_cases[i].name);
}

static char *nested(unsigned depth)
{
  /* {"a": + [ x (depth-1) + ] x (depth-1) + } */
  size_t n = depth - 1;
  char *s = malloc(2 * n + 8);
  assert_non_null(s);
  memcpy(s, "{\"a\":", 5);
  memset(s + 5, '[', n);
  memset(s + 5 + n, ']', n);
  memcpy(s + 5 + 2 * n, "}", 2);
  return s;
}

static void test_default_depth(void **state)
{
  cleanup_free char *ok = nested(64);
  cleanup_free char *deep = nested(65);
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};

  (void)state;
  assert_ok(hr_json_parse(ok, strlen(ok), NULL, &doc, &err), &err);
  assert_int_equal(hr_json_parse(deep, strlen(deep), NULL, &doc, &err), -1);
  assert_string_equal(err.msg, "input:1:69: nesting deeper than 64 levels");
}

static char *zeros(size_t n, size_t *len)
{
  char *s = malloc(2 * n + 16);
  size_t o = 0;

  assert_non_null(s);
  o += (size_t)sprintf(s, "{\"a\":[");
  for (size_t i = 0; i < n; i++) {
    s[o++] = '0';
    s[o++] = ',';
  }
  memcpy(s + o - 1, "]}", 3);
  *len = o + 1;
  return s;
}

/* The root and the array count as values too. */
/* A node's source span has HR_JSON_RAW_BITS bits: no max_size lifts the
 * bound above HR_JSON_MAX_INPUT (refused on the length, before a byte is
 * read). */
static void test_input_bound(void **state)
{
  struct hr_json_parse_opts opts = {.name = "t.json", .max_size = SIZE_MAX};
  struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};
  char want[128];

  (void)state;
  assert_int_equal(hr_json_parse("{}", HR_JSON_MAX_INPUT + 1, &opts, &doc, &err), -1);
  assert_null(doc);
  snprintf(want, sizeof(want), "t.json: %zu bytes, larger than the limit of %zu bytes",
           HR_JSON_MAX_INPUT + 1, HR_JSON_MAX_INPUT);
  assert_string_equal(err.msg, want);
}

static void test_value_bound(void **state)
{
  size_t len = 0;
  cleanup_free char *ok = zeros(HR_JSON_MAX_VALUES - 2, &len);
  cleanup_free char *big = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};

  (void)state;
  assert_ok(hr_json_parse(ok, len, NULL, &doc, &err), &err);
  big = zeros(HR_JSON_MAX_VALUES - 1, &len);
  assert_int_equal(hr_json_parse(big, len, NULL, &doc, &err), -1);
  assert_string_equal(err.msg, "input:1:2000003: more than 1000000 values");
}

/* ---- lookups and numbers ------------------------------------------------------------ */

static void test_lookup(void **state)
{
  const char *text = "{\"PROCESS\":{\"args\":[]},\"Linux\":{\"resources\":{\"pids\":null}},"
                     "\"a\":1,\"A\":2,\"b\":3,\"b\":4,\"k\\u212a\":5}";
  cleanup_json_doc struct hr_json_doc *doc = parse_ok(text, strlen(text));
  struct hr_json *root = hr_json_doc_root(doc);
  int64_t v = 0;

  (void)state;
  assert_non_null(hr_json_get(hr_json_get(root, "process"), "args"));
  assert_int_equal(hr_json_get(root, "process")->type, HR_JSON_OBJECT);
  assert_int_equal(hr_json_find(root, "process"), 0);
  assert_int_equal(hr_json_find(root, "proces"), -1);
  assert_null(hr_json_get(hr_json_get(root, "PROCESS"), "nope"));
  assert_null(hr_json_get(hr_json_get(hr_json_get(root, "process"), "args"), "x"));
  /* Exact spelling beats a folded one, wherever it stands. */
  assert_int_equal(hr_json_get_i64(hr_json_get(root, "A"), &v), 0);
  assert_int_equal(v, 2);
  assert_int_equal(hr_json_get_i64(hr_json_get(root, "a"), &v), 0);
  assert_int_equal(v, 1);
  /* Of exact duplicates the last wins, as in Go. */
  assert_int_equal(hr_json_get_i64(hr_json_get(root, "b"), &v), 0);
  assert_int_equal(v, 4);
  /* Non-ASCII never folds onto ASCII here. */
  assert_null(hr_json_get(root, "kk"));
  assert_true(hr_json_key_equal_fold("k\xe2\x84\xaa", 4, "k\xe2\x84\xaa", 4));
  assert_false(hr_json_key_equal_fold("\xe2\x84\xaa", 3, "k", 1));
  assert_false(hr_json_key_equal_fold("a[", 2, "a{", 2));
  assert_false(hr_json_key_equal_fold("a", 1, "ab", 2));
  assert_true(hr_json_key_equal_fold("nNp", 3, "NnP", 3));
  /* Paths. */
  assert_int_equal(hr_json_get_path(root, "linux.resources.pids")->type, HR_JSON_NULL);
  assert_true(hr_json_is_null(hr_json_get_path(root, "linux.resources.pids")));
  assert_null(hr_json_get_path(root, "linux.resources.pids.limit"));
  assert_null(hr_json_get_path(root, "linux.nope.pids"));
  assert_null(hr_json_get_path(root, "a.b"));
  assert_true(hr_json_is_null(NULL));
}

struct num_case {
  const char *text;
  int i64_ok;
  int64_t i64;
  int u64_ok;
  uint64_t u64;
};

static const struct num_case num_cases[] = {
    {"0", 1, 0, 1, 0},
    {"-0", 1, 0, 0, 0},
    {"-1", 1, -1, 0, 0},
    {"9223372036854775807", 1, INT64_MAX, 1, INT64_MAX},
    {"9223372036854775808", 0, 0, 1, 9223372036854775808ULL},
    {"-9223372036854775808", 1, INT64_MIN, 0, 0},
    {"-9223372036854775809", 0, 0, 0, 0},
    {"18446744073709551615", 0, 0, 1, UINT64_MAX},
    {"18446744073709551616", 0, 0, 0, 0},
    {"1e3", 0, 0, 0, 0},
    {"1E3", 0, 0, 0, 0},
    {"1.0", 0, 0, 0, 0},
    {"-0.0", 0, 0, 0, 0},
    {"123456789012345678901234567890", 0, 0, 0, 0},
};

static void test_numbers(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{\"s\":\"1\",\"b\":true}", 18);
  struct hr_error err = {0};

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(num_cases); i++) {
    const struct num_case *c = &num_cases[i];
    struct hr_json *n = hr_json_new_from_text(doc, c->text, &err);
    int64_t i64 = 42;
    uint64_t u64 = 42;
    assert_non_null(n);
    assert_int_equal(n->type, HR_JSON_NUMBER);
    assert_string_equal(n->u.number.text, c->text);
    if ((hr_json_get_i64(n, &i64) == 0) != c->i64_ok)
      fail_msg("%s: get_i64 %s", c->text, c->i64_ok ? "failed" : "accepted");
    if ((hr_json_get_u64(n, &u64) == 0) != c->u64_ok)
      fail_msg("%s: get_u64 %s", c->text, c->u64_ok ? "failed" : "accepted");
    if (c->i64_ok)
      assert_true(i64 == c->i64);
    if (c->u64_ok)
      assert_true(u64 == c->u64);
  }
  {
    int64_t v;
    assert_int_equal(hr_json_get_i64(hr_json_get(hr_json_doc_root(doc), "s"), &v), -1);
    assert_int_equal(hr_json_get_i64(hr_json_get(hr_json_doc_root(doc), "b"), &v), -1);
    assert_int_equal(hr_json_get_i64(NULL, &v), -1);
  }
}

/* ---- Go key semantics -------------------------------------------------------------- */

/* The tail of the message for keys Go may fold onto ASCII letters. */
#define GO_FOLD                                                                                    \
  " which Go's decoder may fold onto an ASCII letter, depending on the Go release runc was built " \
  "with"

struct key_case {
  const char *name;
  const char *in;
  const char *want; /* NULL: accepted */
};

static const struct key_case key_cases[] = {
    {"case twin at top", "{\"process\":{},\n  \"Process\":{}}",
     "t.json:2:3: duplicate key \"Process\" at $ (runc's decoder treats it as \"process\")"},
    {"exact twin at top", "{\"hostname\":\"a\",\"hostname\":\"b\"}",
     "t.json:1:17: duplicate key \"hostname\" at $"},
    {"upper-case field alone is fine", "{\"PROCESS\":{\"args\":[]}}", NULL},
    {"escaped twin", "{\"root\":{},\"\\u0052oot\":{}}",
     "t.json:1:12: duplicate key \"Root\" at $ (runc's decoder treats it as \"root\")"},
    {"kelvin sign", "{\"linux\":{\"\xe2\x84\xaa\x65rnelMemory\":1}}",
     "t.json:1:11: key \"\\u212aernelMemory\" at linux contains U+212A," GO_FOLD},
    {"escaped kelvin sign", "{\"\\u212Aey\":1}",
     "t.json:1:2: key \"\\u212aey\" at $ contains U+212A," GO_FOLD},
    {"long s", "{\"mounts\":[{},{\"\xc5\xbfource\":\"/\"}]}",
     "t.json:1:16: key \"\\u017fource\" at mounts[1] contains U+017F," GO_FOLD},
    {"dotted I",
     "{\"\xc4\xb0"
     "d\":1}",
     "t.json:1:2: key \"\\u0130d\" at $ contains U+0130," GO_FOLD},
    {"dotless i", "{\"x\":{\"\xc4\xb1\":1}}",
     "t.json:1:7: key \"\\u0131\" at x contains U+0131," GO_FOLD},
    {"other non-ASCII is fine", "{\"\xc5\x91\":1,\"\xc3\xa9\":2,\"\xc3\x89\":3}", NULL},
    {"annotation case twins are distinct map keys", "{\"annotations\":{\"a\":\"1\",\"A\":\"2\"}}",
     NULL},
    {"annotation exact twins", "{\"annotations\":{\"a\":\"1\",\n\"a\":\"2\"}}",
     "t.json:2:1: duplicate key \"a\" at annotations"},
    {"map path matched like a Go field", "{\"Annotations\":{\"k\":\"1\",\"K\":\"2\"}}", NULL},
    {"kelvin sign fine as a map key", "{\"annotations\":{\"\xe2\x84\xaa\":\"1\",\"k\":\"2\"}}",
     NULL},
    {"sysctl map", "{\"linux\":{\"sysctl\":{\"net.A\":\"1\",\"net.a\":\"2\"}}}", NULL},
    {"twin inside array", "{\"mounts\":[{\"type\":\"bind\"},{\"options\":[],\"Options\":[]}]}",
     "t.json:1:42: duplicate key \"Options\" at mounts[1] (runc's decoder treats it as "
     "\"options\")"},
    {"twin deep in the tree",
     "{\"linux\":{\"resources\":{\"pids\":{\"limit\":1,"
     "\"LIMIT\":2}}}}",
     "t.json:1:42: duplicate key \"LIMIT\" at linux.resources.pids (runc's decoder treats it as "
     "\"limit\")"},
    {"hostile key in message is escaped", "{\"a\\n\\u001b[31m\":1,\"A\\n\\u001b[31m\":2}",
     "t.json:1:20: duplicate key \"A\\u000a\\u001b[31m\" at $ (runc's decoder treats it as "
     "\"a\\u000a\\u001b[31m\")"},
};

/* Each case through hr_json_check_go_keys() with `fields`. */
static void run_key_cases(const struct key_case *cases, size_t n, struct hr_json_fields *fields)
{
  for (size_t i = 0; i < n; i++) {
    const struct key_case *c = &cases[i];
    cleanup_json_doc struct hr_json_doc *doc = parse_ok(c->in, strlen(c->in));
    struct hr_error err = {0};
    int r = hr_json_check_go_keys(doc, spec_maps, fields, &err);
    if (c->want == NULL) {
      if (r < 0)
        fail_msg("%s: refused: %s", c->name, err.msg);
      continue;
    }
    if (r == 0)
      fail_msg("%s: accepted", c->name);
    assert_int_equal(err.kind, HR_ERR_INPUT);
    if (strcmp(err.msg, c->want) != 0)
      fail_msg("%s:\n got  %s\n want %s", c->name, err.msg, c->want);
  }
}

static void test_go_keys(void **state)
{
  (void)state;
  run_key_cases(key_cases, HR_ARRAY_SIZE(key_cases), NULL);
}

/* Objects with many keys take the sorted path; it must report the same
 * first duplicate as the pairwise one. */
static void test_go_keys_large(void **state)
{
  char *buf = malloc(1 << 20);
  size_t o = 0;
  struct hr_error err = {0};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_json_doc struct hr_json_doc *ok = NULL;

  (void)state;
  assert_non_null(buf);
  o += (size_t)sprintf(buf + o, "{");
  for (int i = 0; i < 5000; i++)
    o += (size_t)sprintf(buf + o, "\"key%d\":%d,", i, i);
  o += (size_t)sprintf(buf + o, "\"KEY4000\":1,\"Key10\":2,\"KEY10\":3}");
  doc = parse_ok(buf, o);
  assert_int_equal(hr_json_check_go_keys(doc, spec_maps, NULL, &err), -1);
  assert_string_equal(err.msg, "t.json:1:72782: duplicate key \"KEY4000\" at $ (runc's decoder "
                               "treats it as \"key4000\")");
  /* The same keys as a map: only exact twins count. */
  o = (size_t)sprintf(buf, "{\"annotations\":{");
  for (int i = 0; i < 5000; i++)
    o += (size_t)sprintf(buf + o, "\"key%d\":\"\",\"KEY%d\":\"\",", i, i);
  o += (size_t)sprintf(buf + o, "\"x\":\"\"}}");
  ok = parse_ok(buf, o);
  assert_ok(hr_json_check_go_keys(ok, spec_maps, NULL, &err), &err);
  free(buf);
}

/* ---- field spelling (crun reads exact keys only) ---------------------------------------- */

static const struct key_case spelling_cases[] = {
    {"canonical spec",
     "{\"ociVersion\":\"1.0.2\",\"process\":{\"noNewPrivileges\":true,\"capabilities\":{"
     "\"bounding\":[]}},\"root\":{\"path\":\"r\",\"readonly\":true},\"linux\":{\"seccomp\":{"
     "\"defaultAction\":\"SCMP_ACT_ERRNO\"},\"intelRdt\":{\"enableCMT\":true}}}",
     NULL},
    {"readonly spelled otherwise", "{\"root\":{\"path\":\"r\",\"Readonly\":true}}",
     "t.json:1:21: " UNIT_MISSPELLED("Readonly", "root", "readonly")},
    {"a whole top-level field", "{\"PROCESS\":{\"args\":[]}}",
     "t.json:1:2: " UNIT_MISSPELLED("PROCESS", "$", "process")},
    {"an escape that decodes to the field", "{\"root\":{\"re\\u0061donly\":true}}", NULL},
    {"an escape that decodes to a variant", "{\"root\":{\"R\\u0065adonly\":true}}",
     "t.json:1:10: " UNIT_MISSPELLED("Readonly", "root", "readonly")},
    {"map keys are data",
     "{\"annotations\":{\"Readonly\":\"1\",\"ROOT\":\"2\"},\"linux\":{"
     "\"sysctl\":{\"Net\":\"1\"},\"resources\":{\"unified\":{\"Memory.max\":\"1\"}}}}",
     NULL},
    {"a struct inside a map", "{\"linux\":{\"netDevices\":{\"eth0\":{\"Name\":\"x\"}}}}",
     "t.json:1:33: " UNIT_MISSPELLED("Name", "linux.netDevices.eth0", "name")},
    {"a key that is no field at all", "{\"x-Vendor\":{\"Whatever\":1},\"hostName2\":1}", NULL},
    {"a field's variant at another level", "{\"hostName\":\"h\"}",
     "t.json:1:2: " UNIT_MISSPELLED("hostName", "$", "hostname")},
    /* Strict: runc and crun both ignore an unknown object, but a key in it
     * that looks like a field is refused all the same. */
    {"inside an unknown object", "{\"x-vendor\":{\"Type\":1}}",
     "t.json:1:14: " UNIT_MISSPELLED("Type", "x-vendor", "type")},
    {"in an array of structs", "{\"mounts\":[{\"destination\":\"/a\"},{\"Options\":[]}]}",
     "t.json:1:34: " UNIT_MISSPELLED("Options", "mounts[1]", "options")},
};

static void test_spelling(void **state)
{
  (void)state;
  run_key_cases(spelling_cases, HR_ARRAY_SIZE(spelling_cases), &hr_spec_fields);
}

/* Every name of the table, exactly, in one object: accepted (so no two of
 * them fold onto each other, or the duplicate check would refuse); each in
 * upper case alone: refused, naming it. */
static void test_spelling_table(void **state)
{
  cleanup_free char *buf = malloc(16384);
  cleanup_json_doc struct hr_json_doc *all = NULL;
  struct hr_error err = {0};
  size_t o = 0, n = 0;

  (void)state;
  assert_non_null(buf);
  o += (size_t)sprintf(buf, "{");
  for (const char *const *f = hr_spec_fields.names; *f != NULL; f++, n++)
    o += (size_t)sprintf(buf + o, "%s\"%s\":0", n ? "," : "", *f);
  sprintf(buf + o, "}");
  assert_true(n > 200);
  /* The table spec-fields.c holds is the one a first use would fill. */
  {
    struct hr_json_fields fresh = {.names = hr_spec_fields.names};
    cleanup_json_doc struct hr_json_doc *tiny = parse_ok("{\"x\":1}", 7);
    assert_true(hr_spec_fields.ready);
    assert_ok(hr_json_check_go_keys(tiny, NULL, &fresh, &err), &err);
    assert_true(fresh.ready);
    assert_memory_equal(fresh.slot, hr_spec_fields.slot, sizeof(fresh.slot));
  }
  all = parse_ok(buf, strlen(buf));
  assert_ok(hr_json_check_go_keys(all, NULL, &hr_spec_fields, &err), &err);
  for (const char *const *f = hr_spec_fields.names; *f != NULL; f++) {
    cleanup_json_doc struct hr_json_doc *one = NULL;
    char up[80], want[256];
    size_t k;
    for (k = 0; (*f)[k] != '\0' && k + 1 < sizeof(up); k++)
      up[k] = (char)((*f)[k] >= 'a' && (*f)[k] <= 'z' ? (*f)[k] - 32 : (*f)[k]);
    up[k] = '\0';
    if (strcmp(up, *f) == 0)
      continue; /* no lower-case letter: "DNSSearchList" has some, every name does */
    snprintf(buf, 16384, "{\"%s\":0}", up);
    one = parse_ok(buf, strlen(buf));
    assert_int_equal(hr_json_check_go_keys(one, NULL, &hr_spec_fields, &err), -1);
    snprintf(want, sizeof(want), "the runtime-spec field \"%s\"", *f);
    if (strstr(err.msg, want) == NULL)
      fail_msg("%s: %s", *f, err.msg);
  }
}

/* ---- render and positions ------------------------------------------------------------ */

struct render_case {
  const char *in;
  size_t max;
  const char *want;
};

static const struct render_case render_cases[] = {
    {"{ \"a\" : [ 1 ,\n 2 ] , \"b\\u0041\" : \"x\\u003c\" }", 100, "{\"a\":[1,2],\"bA\":\"x<\"}"},
    {"\"tab\\there\"", 100, "\"tab\\u0009here\""},
    {"[1, 2, 3, 4, 5]", 8, "[1,2,..."},
    {"[1, 2, 3, 4, 5]", 11, "[1,2,3,4,5]"},
    {"[1, 2, 3, 4, 5]", 10, "[1,2,3,..."},
    {"\"éééé\"", 5, "\"..."},
    {"\"éééé\"", 6, "\"é..."},
    {"\"éééé\"", 7, "\"é..."},
    {"1e3", 3, "1e3"},
};

static void test_render(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{}", 2);
  struct hr_error err = {0};
  cleanup_free char *absent = hr_json_render(NULL, 10);

  (void)state;
  assert_string_equal(absent, "(absent)");
  for (size_t i = 0; i < HR_ARRAY_SIZE(render_cases); i++) {
    const struct render_case *c = &render_cases[i];
    struct hr_json *n = hr_json_new_from_text(doc, c->in, &err);
    cleanup_free char *out = NULL;
    if (n == NULL)
      fail_msg("%s: %s", c->in, err.msg);
    out = hr_json_render(n, c->max);
    if (strcmp(out, c->want) != 0)
      fail_msg("render %s (max %zu): got %s want %s", c->in, c->max, out, c->want);
  }
}

/* hr_json_text: a node's text as the document serialises it, its source
 * bytes (spacing, escapes, quotes read in place) where it is unedited, and
 * nothing when it is longer than asked. */
static void test_node_text(void **state)
{
  static const char src[] = "{\"a\": {\"k\" : [1, \"x\\u0041\", {}],\n \"s\":\"v\"}, \"b\": 2}";
  static const char sub[] = "{\"k\" : [1, \"x\\u0041\", {}],\n \"s\":\"v\"}";
  cleanup_json_doc struct hr_json_doc *doc = parse_ok(src, strlen(src));
  struct hr_json *a = hr_json_get(hr_json_doc_root(doc), "a");
  struct hr_error err = {0};
  size_t len = 0;

  (void)state;
  {
    cleanup_free char *t = hr_json_text(a, SIZE_MAX, &len);
    assert_non_null(t);
    assert_string_equal(t, sub);
    assert_int_equal(len, strlen(sub));
  }
  {
    cleanup_free char *t = hr_json_text(a, strlen(sub), &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(sub));
  }
  assert_null(hr_json_text(a, strlen(sub) - 1, &len));
  assert_true(len > strlen(sub) - 1);
  /* an edit: that member is rendered, the rest stays source text */
  assert_ok(hr_json_set(doc, a, "s", hr_json_new_string(doc, "w", &err), &err), &err);
  {
    cleanup_free char *t = hr_json_text(a, SIZE_MAX, &len);
    assert_string_equal(t, "{\"k\":[1, \"x\\u0041\", {}],\"s\":\"w\"}");
  }
}

/* Strings are escaped 16 bytes at a time: each byte that needs an escape,
 * and a byte >= 0x80 that does not, at every offset of a 40-byte string. */
static void test_render_escape_every_offset(void **state)
{
  static const struct {
    const char *in, *out;
  } special[] = {
      {"\"", "\\\""},      {"\\", "\\\\"},      {"\n", "\\u000a"},
      {"\x01", "\\u0001"}, {"\x1f", "\\u001f"}, {"\xc3\xa9", "\xc3\xa9"},
  };
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{}", 2);
  char in[48], want[128];

  (void)state;
  for (size_t k = 0; k < HR_ARRAY_SIZE(special); k++) {
    for (size_t pos = 0; pos + strlen(special[k].in) <= 40; pos++) {
      struct hr_error err = {0};
      size_t n = strlen(special[k].in);
      struct hr_json *node;
      memset(in, 's', 40);
      in[40] = '\0';
      memcpy(in + pos, special[k].in, n);
      node = hr_json_new_string(doc, in, &err);
      assert_non_null(node);
      snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)pos, in, special[k].out,
               (int)(40 - pos - n), in + pos + n);
      cleanup_free char *got = hr_json_render(node, SIZE_MAX);
      if (strcmp(got, want) != 0)
        fail_msg("case %zu at %zu:\n got %s\nwant %s", k, pos, got, want);
    }
  }
}

/* Every ASCII byte value alone in a new string, against the rule it must
 * follow (non-ASCII bytes pass as they are, see the test above). */
static void test_render_every_byte(void **state)
{
  cleanup_json_doc struct hr_json_doc *doc = parse_ok("{}", 2);
  char in[4], want[16];

  (void)state;
  for (unsigned b = 1; b < 0x80; b++) {
    struct hr_error err = {0};
    struct hr_json *node;
    snprintf(in, sizeof(in), "a%cz", (char)b);
    node = hr_json_new_string(doc, in, &err);
    assert_non_null(node);
    if (b == '"' || b == '\\')
      snprintf(want, sizeof(want), "\"a\\%cz\"", (char)b);
    else if (b < 0x20)
      snprintf(want, sizeof(want), "\"a\\u%04xz\"", b);
    else
      snprintf(want, sizeof(want), "\"a%cz\"", (char)b);
    cleanup_free char *got = hr_json_render(node, SIZE_MAX);
    if (strcmp(got, want) != 0)
      fail_msg("byte 0x%02x: got %s want %s", b, got, want);
  }
}

static void test_line_col(void **state)
{
  const char *text = "{\n  \"a\": {\n\t\"b\": [10, \"x\"]\n  }\n}\n";
  cleanup_json_doc struct hr_json_doc *doc = parse_ok(text, strlen(text));
  cleanup_json_doc struct hr_json_doc *other = parse_ok(text, strlen(text));
  struct hr_json *root = hr_json_doc_root(doc);
  struct hr_json *b = hr_json_get_path(root, "a.b");
  struct hr_error err = {0};
  unsigned line, col;

  (void)state;
  assert_string_equal(hr_json_doc_name(doc), "t.json");
  hr_json_line_col(doc, root, &line, &col);
  assert_true(line == 1 && col == 1);
  hr_json_line_col(doc, hr_json_get(root, "a"), &line, &col);
  assert_true(line == 2 && col == 8);
  hr_json_line_col(doc, b, &line, &col);
  assert_true(line == 3 && col == 7);
  hr_json_line_col(doc, b->u.array.items[1], &line, &col);
  assert_true(line == 3 && col == 12);
  assert_int_equal(b->raw_len, 9);
  /* The string is read in place: its closing quote is its NUL. */
  assert_memory_equal(b->raw, "[10, \"x\0]", 9);
  assert_ptr_equal(b->u.array.items[1]->u.string.s, b->raw + 6);
  hr_json_line_col(doc, hr_json_new_null(doc, &err), &line, &col);
  assert_true(line == 0 && col == 0);
  /* A node of another document has no place in this one. */
  hr_json_line_col(other, hr_json_get(root, "a"), &line, &col);
  assert_true(line == 0 && col == 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_configs),
      cmocka_unit_test(test_roundtrip_edge),
      cmocka_unit_test(test_parse_takes_the_buffer_over),
      cmocka_unit_test(test_serialize_fd_large),
      cmocka_unit_test(test_edit_fixture),
      cmocka_unit_test(test_edit_table),
      cmocka_unit_test(test_edit_errors),
      cmocka_unit_test(test_new_values),
      cmocka_unit_test(test_many_appends),
      cmocka_unit_test(test_items_room),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_bad_byte_every_offset),
      cmocka_unit_test(test_comment_pieces),
      cmocka_unit_test(test_default_depth),
      cmocka_unit_test(test_value_bound),
      cmocka_unit_test(test_input_bound),
      cmocka_unit_test(test_lookup),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_go_keys),
      cmocka_unit_test(test_go_keys_large),
      cmocka_unit_test(test_spelling),
      cmocka_unit_test(test_spelling_table),
      cmocka_unit_test(test_render),
      cmocka_unit_test(test_node_text),
      cmocka_unit_test(test_render_escape_every_offset),
      cmocka_unit_test(test_render_every_byte),
      cmocka_unit_test(test_line_col),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
