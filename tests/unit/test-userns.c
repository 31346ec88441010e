/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "user-namespace" control, the parts that need no host state: the
 * subid files, cutting the pool into slices, choosing a free one, the
 * table's text, the profile section, and the spec rewrite without a
 * binding (which maps the pool's first free slice).  One row per case;
 * rows that depend on this host (temporary subid files, this process's
 * own user namespace, a child in a new one) are built at run time.  What
 * the control does to the host is in test-userns-host.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/wait.h>

#include "userns-harness.h"

/* ---- subid files ----------------------------------------------------------------------------- */

struct subid_case {
  const char *name;
  const char *text, *user;
  const char *want;  /* "start:count,..."; "" = no range */
  const char *error; /* exact HR_ERR_PROFILE message */
};

static const struct subid_case subid_cases[] = {
    {"subid: several users", "root:1:5\nhardrun:100000:65536\nalice:300000:65536\n", "hardrun",
     "100000:65536", NULL},
    {"subid: several ranges of one user, in file order",
     "hardrun:300000:131072\nbob:1:1\nhardrun:100000:65536", "hardrun",
     "300000:131072,100000:65536", NULL},
    {"subid: comments and blank lines", "# the pool\n\nhardrun:100000:65536\n#hardrun:5:5\n\n",
     "hardrun", "100000:65536", NULL},
    {"subid: the last line without a newline", "alice:1:1\nhardrun:7:9", "hardrun", "7:9", NULL},
    {"subid: empty file", "", "hardrun", "", NULL},
    {"subid: user absent", "alice:100000:65536\nbob:200000:65536\n", "hardrun", "", NULL},
    {"subid: a prefix of the name is another user", "hardrun:100000:65536\nhard:200000:65536\n",
     "hard", "200000:65536", NULL},
    {"subid: a longer name is another user", "hard:1:1\nhardrunner:2:2\nhardru:3:3\n", "hardrun",
     "", NULL},
    {"subid: the highest usable id", "hardrun:4294901759:65536", "hardrun", "4294901759:65536",
     NULL},
    {"subid: another user's unusable range is not ours", "root:0:1\nhardrun:100000:65536",
     "hardrun", "100000:65536", NULL},
    {"subid: a line without counts", "hardrun:100000:65536\nalice:100\n", "hardrun", NULL,
     "/etc/subuid:2: expected NAME:START:COUNT"},
    {"subid: a malformed line of another user is still an error", "# x\nalice:1:x\n", "hardrun",
     NULL, "/etc/subuid:2: expected NAME:START:COUNT"},
    {"subid: an empty name", ":100000:65536\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: four fields", "hardrun:100000:65536:1\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: a sign", "hardrun:+100000:65536\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: an exponent", "hardrun:1e5:65536\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: a space", "hardrun: 100000:65536\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: a carriage return", "hardrun:100000:65536\r\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: beyond 64 bits", "hardrun:100000:18446744073709551616\n", "hardrun", NULL,
     "/etc/subuid:1: expected NAME:START:COUNT"},
    {"subid: a range from id 0", "hardrun:0:65536\n", "hardrun", NULL,
     "/etc/subuid:1: range 0:65536 of hardrun is not usable: it must lie within 1..4294967294"},
    {"subid: an empty range", "hardrun:100000:0\n", "hardrun", NULL,
     "/etc/subuid:1: range 100000:0 of hardrun is not usable: it must lie within 1..4294967294"},
    {"subid: a range reaching 4294967295", "hardrun:4294901760:65536\n", "hardrun", NULL,
     "/etc/subuid:1: range 4294901760:65536 of hardrun is not usable: it must lie within "
     "1..4294967294"},
    {"subid: a start above 32 bits", "hardrun:4294967296:1\n", "hardrun", NULL,
     "/etc/subuid:1: range 4294967296:1 of hardrun is not usable: it must lie within "
     "1..4294967294"},
    /* start + count wraps to 65536 in 64 bits; cut to 32 bits the range
     * would be 0:65536, host root */
    {"subid: a sum that wraps around 64 bits", "hardrun:18446744069414584320:4295032832\n",
     "hardrun", NULL,
     "/etc/subuid:1: range 18446744069414584320:4295032832 of hardrun is not usable: it must lie "
     "within 1..4294967294"},
};

static char *ranges_text(const struct hr_idrange *r, size_t n)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%" PRIu32 ":%" PRIu32, i ? "," : "", r[i].start, r[i].count);
  fclose(f);
  return s;
}

static void run_subid_case(void **state)
{
  const struct subid_case *c = *state;
  cleanup_free struct hr_idrange *r = NULL;
  cleanup_free char *got = NULL;
  struct hr_error err = {0};
  size_t n = 99;
  int ret = hr_subid_parse(c->text, strlen(c->text), "/etc/subuid", c->user, &r, &n, &err);

  if (c->error != NULL) {
    if (ret >= 0)
      fail_msg("expected \"%s\", got success", c->error);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_string_equal(err.msg, c->error);
    assert_null(r);
    assert_int_equal(n, 0);
    return;
  }
  assert_ok(ret, &err);
  got = ranges_text(r, n);
  assert_string_equal(got, c->want);
}

/* HR_USERNS_MAX_RANGES ranges are read; one more is an error. */
static void subid_too_many(void **state)
{
  cleanup_free struct hr_idrange *r = NULL;
  cleanup_free char *text = NULL;
  struct hr_error err = {0};
  size_t len = 0, n;
  FILE *f = open_memstream(&text, &len);

  assert_non_null(f);
  for (unsigned i = 0; i < HR_USERNS_MAX_RANGES; i++)
    fprintf(f, "hardrun:%u:10\nother:%u:10\n", 1000 + 20 * i, 1010 + 20 * i);
  fflush(f);
  assert_ok(hr_subid_parse(text, len, "/etc/subgid", "hardrun", &r, &n, &err), &err);
  assert_int_equal(n, HR_USERNS_MAX_RANGES);
  assert_int_equal(r[n - 1].start, 1000 + 20 * (HR_USERNS_MAX_RANGES - 1));
  free(r);
  r = NULL;
  fprintf(f, "hardrun:99999:10\n");
  fclose(f);
  assert_int_equal(hr_subid_parse(text, strlen(text), "/etc/subgid", "hardrun", &r, &n, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, "/etc/subgid:513: more than 256 ranges for hardrun");
}

/* ---- slicing the pool ------------------------------------------------------------------------ */

struct slots_case {
  const char *name;
  struct hr_idrange uids[3], gids[3]; /* count 0 ends the list */
  uint32_t size;
  const char *want; /* "uid/gid,..." */
  const char *error;
};

#define R(s, c)                                                                                    \
  {                                                                                                \
    s, c                                                                                           \
  }

static const struct slots_case slots_cases[] = {
    {"slots: whole slices only",
     {R(100000, 200000)},
     {R(500000, 200000)},
     65536,
     "100000/500000,165536/565536,231072/631072",
     NULL},
    {"slots: exactly one slice",
     {R(100000, 65536)},
     {R(200000, 65536)},
     65536,
     "100000/200000",
     NULL},
    {"slots: the n-th uid slice pairs with the n-th gid slice",
     {R(100000, 65536), R(300000, 65536)},
     {R(500000, 131072)},
     65536,
     "100000/500000,300000/565536",
     NULL},
    {"slots: fewer gid slices than uid slices",
     {R(1000, 30)},
     {R(2000, 10), R(5000, 9)},
     10,
     "1000/2000",
     NULL},
    {"slots: adjacent ranges are not joined", {R(100, 5), R(105, 5)}, {R(100, 10)}, 10, "", NULL},
    {"slots: size larger than the range", {R(100000, 65535)}, {R(200000, 65536)}, 65536, "", NULL},
    {"slots: no ranges", {{0, 0}}, {R(200000, 65536)}, 1, "", NULL},
    {"slots: size 0",
     {R(100000, 65536)},
     {R(200000, 65536)},
     0,
     NULL,
     "userNamespace.size must be at least 1"},
};

static size_t n_ranges(const struct hr_idrange *r)
{
  size_t n = 0;
  while (n < 3 && r[n].count != 0)
    n++;
  return n;
}

static void run_slots_case(void **state)
{
  const struct slots_case *c = *state;
  cleanup_free struct hr_userns_slot *slots = NULL;
  char *s = NULL;
  size_t len = 0, n = 99;
  struct hr_error err = {0};
  FILE *f;
  int r = hr_userns_slots(c->uids, n_ranges(c->uids), c->gids, n_ranges(c->gids), c->size, &slots,
                          &n, &err);

  if (c->error != NULL) {
    assert_int_equal(r, -1);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_string_equal(err.msg, c->error);
    assert_int_equal(n, 0);
    return;
  }
  assert_ok(r, &err);
  f = open_memstream(&s, &len);
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%" PRIu32 "/%" PRIu32, i ? "," : "", slots[i].uid, slots[i].gid);
  fclose(f);
  if (strcmp(s, c->want) != 0)
    fail_msg("got \"%s\", want \"%s\"", s, c->want);
  free(s);
}

/* A pool of one id each cut into 1-id slices: at most
 * HR_USERNS_MAX_SLICES of them. */
static void slots_capped(void **state)
{
  const struct hr_idrange all = {1, 4294967294u};
  cleanup_free struct hr_userns_slot *slots = NULL;
  struct hr_error err = {0};
  size_t n;

  assert_ok(hr_userns_slots(&all, 1, &all, 1, 1, &slots, &n, &err), &err);
  assert_int_equal(n, HR_USERNS_MAX_SLICES);
  assert_int_equal(slots[n - 1].uid, HR_USERNS_MAX_SLICES);
  assert_int_equal(slots[n - 1].gid, HR_USERNS_MAX_SLICES);
}

/* ---- choosing a free slot -------------------------------------------------------------------- */

struct choose_case {
  const char *name;
  /* entries "uid/gid/size/id;..."; an id "dead" is not live to the
   * callback (when the row uses it) */
  const char *table;
  bool use_live;
  int want; /* index, -1 = exhausted */
};

/* Three slots of 65536: uids 100000.., gids 500000.. */
static const struct hr_userns_slot choose_slots[] = {
    {100000, 500000}, {165536, 565536}, {231072, 631072}};

static const struct choose_case choose_cases[] = {
    {"choose: empty table, first slot", "", false, 0},
    {"choose: first slot held", "100000/500000/65536/a", false, 1},
    {"choose: the lowest free slot, not the one after the last held",
     "231072/631072/65536/a;100000/500000/65536/b", false, 1},
    {"choose: overlap on the uid only counts as taken", "165535/900000/1/a", false, 1},
    {"choose: overlap on the gid only counts as taken", "900000/500000/65536/a", false, 1},
    {"choose: a wider entry covers two slots", "100000/500000/131072/a", false, 2},
    {"choose: an entry just below the slot is no overlap", "99999/499999/1/a", false, 0},
    {"choose: an entry just past the slot is no overlap", "165536/565536/1/a", false, 0},
    {"choose: uid of one slot, gid of another", "100000/565536/65536/a", false, 2},
    {"choose: exhausted", "100000/500000/65536/a;165536/565536/65536/b;231072/631072/65536/c",
     false, -1},
    {"choose: without a callback a dead entry still counts", "100000/500000/65536/dead", false, 1},
    {"choose: the callback leaves dead entries out", "100000/500000/65536/dead", true, 0},
    {"choose: the callback keeps live entries", "100000/500000/65536/dead;100000/500000/65536/live",
     true, 1},
    {"choose: all dead with a callback is not exhausted",
     "100000/500000/65536/a;165536/565536/65536/dead;231072/631072/65536/dead", true, 1},
};

static bool live_unless_dead(const struct hr_userns_slice *s)
{
  return strcmp(s->id, "dead") != 0;
}

static void run_choose_case(void **state)
{
  const struct choose_case *c = *state;
  struct hr_userns_slice items[8] = {{0}};
  struct hr_userns_table t = {.items = items};
  char ids[8][16];
  size_t index = 99;
  int r;

  for (const char *s = c->table; *s != '\0' && t.len < 8; t.len++) {
    struct hr_userns_slice *e = &items[t.len];
    int used = 0;
    assert_int_equal(sscanf(s, "%" SCNu32 "/%" SCNu32 "/%" SCNu32 "/%15[a-z]%n", &e->uid, &e->gid,
                            &e->size, ids[t.len], &used),
                     4);
    e->id = ids[t.len];
    s += used;
    s += *s == ';';
  }
  r = hr_userns_choose(&t, choose_slots, HR_ARRAY_SIZE(choose_slots), 65536,
                       c->use_live ? live_unless_dead : NULL, &index);
  if (c->want < 0) {
    assert_int_equal(r, 0);
    return;
  }
  assert_int_equal(r, 1);
  assert_int_equal(index, (size_t)c->want);
}

/* ---- the table's text ------------------------------------------------------------------------ */

static char *table_text(const struct hr_userns_table *t)
{
  struct hr_error err = {0};
  char *text = NULL;
  size_t len;

  assert_ok(hr_userns_table_serialize(t, &text, &len, &err), &err);
  assert_int_equal(strlen(text), len);
  return text;
}

static void table_exact_text(void **state)
{
  struct hr_userns_grant g = {.path = "/var/lib/docker", .dev = 2049, .ino = 18446744073709551615u};
  struct hr_userns_slice s[2] = {
      {.uid = 100000,
       .gid = 200000,
       .size = 65536,
       .root = "/run/runc",
       .id = "a",
       .pid = 42,
       .pid_start = 7},
      {.uid = 4294901759u,
       .gid = 1,
       .size = 65536,
       .root = "/r",
       .id = "b",
       .pid = 2147483647,
       .pid_start = 18446744073709551615u,
       .grants = &g,
       .n_grants = 1},
  };
  struct hr_userns_table t = {.items = s, .len = 0};
  cleanup_free char *empty = table_text(&t), *two = NULL;

  assert_string_equal(empty, "{\"slices\":[]}");
  t.len = 2;
  two = table_text(&t);
  assert_string_equal(two, "{\"slices\":[{\"uid\":100000,\"gid\":200000,\"size\":65536,\"root\":"
                           "\"/run/runc\",\"id\":\"a\",\"pid\":42,\"pidStart\":7,\"acl\":[]},"
                           "{\"uid\":4294901759,\"gid\":1,\"size\":65536,\"root\":\"/r\",\"id\":"
                           "\"b\",\"pid\":2147483647,\"pidStart\":18446744073709551615,\"acl\":"
                           "[{\"path\":\"/var/lib/docker\",\"dev\":2049,\"ino\":"
                           "18446744073709551615}]}]}");
}

/* Whatever the table holds comes back as it was: quotes, backslashes,
 * control bytes and non-ASCII in roots, ids and paths included. */
static void table_round_trip(void **state)
{
  struct hr_userns_grant g[3] = {
      {"/var/lib/docker", 2049, 131073},
      {"/srv/\"quoted\"/back\\slash/\xc3\xa9t\xc3\xa9/\xe2\x98\x83", 0, 1},
      {"/tab\there/new\nline", UINT64_MAX, UINT64_MAX},
  };
  struct hr_userns_slice s[3] = {
      {.uid = 100000,
       .gid = 200000,
       .size = 65536,
       .root = "/run/docker/runtime-runc/moby",
       .id = "c0ffee",
       .pid = 1234,
       .pid_start = 987654321,
       .grants = g,
       .n_grants = 3},
      {.uid = 1,
       .gid = 4294967295u,
       .size = 4294967295u,
       .root = "/r\\\"oot\"",
       .id = "\xe2\x98\x83",
       .pid = 0,
       .pid_start = 0},
      {.uid = 165536,
       .gid = 265536,
       .size = 1,
       .root = "/",
       .id = "x",
       .pid = 1,
       .pid_start = 1,
       .grants = g + 2,
       .n_grants = 1},
  };
  struct hr_userns_table t = {.items = s, .len = 3}, back = {0};
  struct hr_error err = {0};
  cleanup_free char *text = table_text(&t), *again = NULL;

  assert_ok(hr_userns_table_parse(text, strlen(text), "slices.json", &back, &err), &err);
  assert_int_equal(back.len, 3);
  for (size_t i = 0; i < 3; i++)
    assert_same_slice(&back.items[i], &s[i]);
  again = table_text(&back);
  assert_string_equal(again, text);
  hr_userns_table_free(&back);
  assert_null(back.items);
  assert_int_equal(back.len, 0);
}

struct table_bad_case {
  const char *name;
  const char *text;
  const char *error; /* exact message */
};

#define SL(extra)                                                                                  \
  "{\"slices\":[{\"uid\":100000,\"gid\":200000,\"size\":65536,\"root\":\"/r\",\"id\":\"a\","       \
  "\"pid\":1,\"pidStart\":2" extra "}]}"
#define SL_NO(fields) "{\"slices\":[{" fields "}]}"
#define BAD_NUM       "slices.json: slice 0: bad uid, gid, size, pid or pidStart"

static const struct table_bad_case table_bad_cases[] = {
    {"table: not an object", "[]", "slices.json:1:1: the top level is not a JSON object"},
    {"table: slices not an array", "{\"slices\":{}}", "slices.json: expected {\"slices\": [...]}"},
    {"table: no slices", "{}", "slices.json: expected {\"slices\": [...]}"},
    {"table: a slice not an object", "{\"slices\":[7]}", BAD_NUM},
    {"table: missing uid",
     SL_NO("\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,\"pidStart\":2"), BAD_NUM},
    {"table: missing pidStart",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1"), BAD_NUM},
    {"table: uid above 2^32-1",
     SL_NO("\"uid\":4294967296,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: gid negative",
     SL_NO("\"uid\":1,\"gid\":-2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: size 0",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":0,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,\"pidStart\":2"),
     BAD_NUM},
    {"table: size a string",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":\"3\",\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: uid a fraction",
     SL_NO("\"uid\":1.0,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: uid an exponent",
     SL_NO("\"uid\":1e5,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: pid beyond a pid",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":2147483648,"
           "\"pidStart\":2"),
     BAD_NUM},
    {"table: pidStart beyond 64 bits",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
           "\"pidStart\":18446744073709551616"),
     BAD_NUM},
    {"table: missing root",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":3,\"id\":\"a\",\"pid\":1,\"pidStart\":2"),
     "slices.json: slice 0: missing \"root\""},
    {"table: id not a string",
     SL_NO("\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":5,\"pid\":1,\"pidStart\":2"),
     "slices.json: slice 0: missing \"id\""},
    {"table: acl not an array", SL(",\"acl\":{}"),
     "slices.json: slice 0: \"acl\" must be an array of at most 64 entries"},
    {"table: acl entry without dev", SL(",\"acl\":[{\"path\":\"/x\",\"ino\":1}]"),
     "slices.json: slice 0: acl entry 0: bad \"dev\" or \"ino\""},
    {"table: acl entry with a negative ino",
     SL(",\"acl\":[{\"path\":\"/x\",\"dev\":1,\"ino\":-1}]"),
     "slices.json: slice 0: acl entry 0: bad \"dev\" or \"ino\""},
    {"table: acl entry without path",
     SL(",\"acl\":[{\"path\":\"/x\",\"dev\":1,\"ino\":1},{\"dev\":1,\"ino\":1}]"),
     "slices.json: slice 0: missing \"path\""},
    {"table: the second slice is bad",
     "{\"slices\":[{\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
     "\"pidStart\":2},{\"uid\":1}]}",
     "slices.json: slice 1: bad uid, gid, size, pid or pidStart"},
};

static void run_table_bad_case(void **state)
{
  const struct table_bad_case *c = *state;
  struct hr_userns_table t = {.len = 99};
  struct hr_error err = {0};

  assert_int_equal(hr_userns_table_parse(c->text, strlen(c->text), "slices.json", &t, &err), -1);
  assert_int_equal(err.kind, HR_ERR_INPUT);
  assert_string_equal(err.msg, c->error);
  assert_null(t.items);
  assert_int_equal(t.len, 0);
}

/* A table that is valid JSON but larger than anything hardrun writes. */
static void table_limits(void **state)
{
  struct hr_userns_table t = {0};
  struct hr_error err = {0};
  cleanup_free char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  /* 64 grants are read, 65 are not */
  assert_non_null(f);
  fputs("{\"slices\":[{\"uid\":1,\"gid\":2,\"size\":3,\"root\":\"/r\",\"id\":\"a\",\"pid\":1,"
        "\"pidStart\":2,\"acl\":[",
        f);
  for (unsigned i = 0; i < HR_USERNS_MAX_ACL_ENTRIES; i++)
    fprintf(f, "%s{\"path\":\"/d%u\",\"dev\":1,\"ino\":%u}", i ? "," : "", i, i);
  fputs("]}]}", f);
  fflush(f);
  assert_ok(hr_userns_table_parse(text, len, "slices.json", &t, &err), &err);
  assert_int_equal(t.items[0].n_grants, HR_USERNS_MAX_ACL_ENTRIES);
  assert_string_equal(t.items[0].grants[63].path, "/d63");
  hr_userns_table_free(&t);
  fseek(f, -4, SEEK_END);
  fputs(",{\"path\":\"/d64\",\"dev\":1,\"ino\":64}]}]}", f);
  fclose(f);
  assert_int_equal(hr_userns_table_parse(text, strlen(text), "slices.json", &t, &err), -1);
  assert_string_equal(err.msg, "slices.json: slice 0: \"acl\" must be an array of at most 64 "
                               "entries");

  /* more slices than a pool can have */
  free(text);
  text = NULL;
  f = open_memstream(&text, &len);
  assert_non_null(f);
  fputs("{\"slices\":[0", f);
  for (unsigned i = 0; i < HR_USERNS_MAX_SLICES; i++)
    fputs(",0", f);
  fputs("]}", f);
  fclose(f);
  assert_int_equal(hr_userns_table_parse(text, len, "slices.json", &t, &err), -1);
  assert_string_equal(err.msg, "slices.json: expected {\"slices\": [...]}");
  /* not JSON at all */
  assert_int_equal(hr_userns_table_parse("{\"slices\":[", 11, "slices.json", &t, &err), -1);
  assert_int_equal(hr_userns_table_parse("", 0, "slices.json", &t, &err), -1);
}

/* ---- the control, without a binding (the pool's first free slice) ---------------------------- */

static const struct ucase mapping_cases[] = {
    {"map: no user namespace: the pool's first slice", P_POOL, SPEC(PROC_MNT, NS(NS5)),
     SPEC(PROC_MNT, NS(NS5 USER_NS) SLICE0), CH_NS "\n" CH_MAPS},
    {"map: no namespaces at all", P_POOL, SPEC("", ""), SPEC("", NS(USER1) SLICE0),
     CH_NS "\n" CH_MAPS},
    {"map: no linux object", P_POOL, "{\"process\":{\"args\":[\"sh\"]}}",
     "{\"process\":{\"args\":[\"sh\"]},\"linux\":{" NS(USER1) SLICE0 "}}", CH_NS "\n" CH_MAPS},
    {"map: a user namespace without mappings", P_POOL, SPEC(PROC_MNT, NS(NS5 USER_NS)),
     SPEC(PROC_MNT, NS(NS5 USER_NS) SLICE0), CH_MAPS},
    {"map: null mappings are replaced in place", P_POOL,
     SPEC("", NS(USER1) ",\"uidMappings\":null,\"gidMappings\":null"), SPEC("", NS(USER1) SLICE0),
     "linux.uidMappings: null -> [" MAP(0, 100000, 65536) "]\n"
                                                          "linux.gidMappings: null -> [" MAP(
                                                              0, 200000, 65536) "]"},
    {"map: mappings without a user namespace are the pool's", P_POOL,
     SPEC("", NS(NS5) UIDM(MAP(0, 300000, 65536)) GIDM(MAP(0, 400000, 65536))),
     SPEC("", NS(NS5 USER_NS) SLICE0),
     CH_NS "\nlinux.uidMappings: [" MAP(0, 300000, 65536) "] -> [" MAP(
         0, 100000, 65536) "]\n"
                           "linux.gidMappings: [" MAP(0, 400000, 65536) "] -> [" MAP(0, 200000,
                                                                                     65536) "]"},
    {"map: the spec's safe mapping outside the pool is kept", P_POOL, SPEC(PROC_MNT, SAFE), NULL,
     ""},
    {"map: several safe entries are kept", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1) "," MAP(1, 300001, 65535), MAP(0, 400000, 65536))), NULL, ""},
    {"map: a size-0 entry maps nothing", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 65536) "," MAP(70000, 0, 0), MAP(0, 400000, 65536))), NULL, ""},
    {"map: identity 0->0 is refused", P_POOL,
     SPEC("", OWN(MAP(0, 0, 65536), MAP(0, 400000, 65536))), NULL, NULL, HR_ERR_REFUSED,
     REF("linux.uidMappings: " HOST_ROOT)},
    {"map: identity of another id is refused", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1000) "," MAP(1000, 1000, 1), MAP(0, 400000, 65536))), NULL, NULL,
     HR_ERR_REFUSED,
     REF("linux.uidMappings: the spec's mapping is an identity mapping (container ids are the "
         "host's own)")},
    {"map: 1000->0 is refused", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1000) "," MAP(1000, 0, 1), MAP(0, 400000, 65536))), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.uidMappings: " HOST_ROOT)},
    {"map: a gid mapping onto host 0 is refused", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 65536), MAP(0, 0, 1))), NULL, NULL, HR_ERR_REFUSED,
     REF("linux.gidMappings: " HOST_ROOT)},
    {"map: not required: identity recorded, spec unchanged", P_AUDIT,
     SPEC("", OWN(MAP(0, 0, 4294967295), MAP(0, 0, 4294967295))), NULL,
     "linux.uidMappings: AUDIT " HOST_ROOT "\nlinux.gidMappings: AUDIT " HOST_ROOT},
    {"map: not required: 1000->0 recorded, spec unchanged", P_AUDIT,
     SPEC("", OWN(MAP(0, 300000, 1000) "," MAP(1000, 0, 1), MAP(0, 400000, 65536))), NULL,
     "linux.uidMappings: AUDIT " HOST_ROOT},
    {"map: inside the pool is replaced by the pool's slice", P_POOL,
     SPEC("", OWN(MAP(0, 165536, 65536), MAP(0, 265536, 65536))), SPEC("", NS(NS5 USER_NS) SLICE0),
     "linux.uidMappings: [" MAP(0, 165536, 65536) "] -> [" MAP(
         0, 100000, 65536) "]\n"
                           "linux.gidMappings: [" MAP(0, 265536, 65536) "] -> [" MAP(0, 200000,
                                                                                     65536) "]"},
    {"map: overlapping the pool's uids replaces both", P_POOL,
     SPEC("", OWN(MAP(0, 99000, 1001), MAP(0, 400000, 65536))), SPEC("", NS(NS5 USER_NS) SLICE0),
     "linux.uidMappings: [" MAP(0, 99000, 1001) "] -> [" MAP(
         0, 100000, 65536) "]\n"
                           "linux.gidMappings: [" MAP(0, 400000, 65536) "] -> [" MAP(0, 200000,
                                                                                     65536) "]"},
    {"map: just below the pool is outside it", P_POOL,
     SPEC("", OWN(MAP(0, 99000, 1000), MAP(0, 400000, 65536))), NULL, ""},
    {"map: the slice itself is left as it is", P_POOL, SPEC("", NS(NS5 USER_NS) SLICE0), NULL, ""},
    {"map: a host id above 32 bits", P_POOL,
     SPEC("", OWN(MAP(0, 4294967296, 1), MAP(0, 400000, 65536))), NULL, NULL, HR_ERR_REFUSED,
     REF("linux.uidMappings: mapping 0: \"hostID\" is not a uint32")},
    {"map: a negative size", P_POOL, SPEC("", OWN(MAP(0, 300000, 1), MAP(0, 400000, -1))), NULL,
     NULL, HR_ERR_REFUSED, REF("linux.gidMappings: mapping 0: \"size\" is not a uint32")},
    {"map: a string container id", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1) ",{\"containerID\":\"1\"}", MAP(0, 400000, 1))), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.uidMappings: mapping 1: \"containerID\" is not a uint32")},
    {"map: mappings not an array", P_POOL,
     SPEC("", NS(NS5 USER_NS) ",\"uidMappings\":{}" GIDM(MAP(0, 400000, 1))), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.uidMappings: expected an array of at most 340 mappings")},
    {"map: two user namespaces", P_POOL, SPEC("", NS(NS5 USER_NS USER_NS)), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.namespaces: more than one user namespace")},
    {"map: two user namespaces, even not required", P_AUDIT,
     SPEC("", NS(NS5 USER_NS ",{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}")), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.namespaces: more than one user namespace")},
    {"map: namespaces not an array", P_POOL, SPEC("", "\"namespaces\":{}"), NULL, NULL,
     HR_ERR_REFUSED, REF("linux.namespaces: expected an array")},
};

/* A namespace joined by path is checked by the maps of /proc/PID, so
 * only that form can be accepted; /proc/self would be runc's own. */
static const struct ucase joined_cases[] = {
    {"joined: /proc/self/ns/user cannot be checked", P_POOL, SPEC("", JOINED("/proc/self/ns/user")),
     NULL, NULL, HR_ERR_REFUSED,
     REF("linux.namespaces: the user namespace at \"/proc/self/ns/user\" cannot be checked (only "
         "/proc/PID/ns/user can)")},
    {"joined: not required, /proc/self/ns/user is recorded", P_AUDIT,
     SPEC("", JOINED("/proc/self/ns/user")), NULL,
     "linux.namespaces: AUDIT the user namespace at \"/proc/self/ns/user\" is not checked"},
    {"joined: a bind-mounted namespace file", P_POOL, SPEC("", JOINED("/run/userns/ns1")), NULL,
     NULL, HR_ERR_REFUSED,
     REF("linux.namespaces: the user namespace at \"/run/userns/ns1\" cannot be checked (only "
         "/proc/PID/ns/user can)")},
    {"joined: not required, a bind-mounted file is recorded", P_AUDIT,
     SPEC(SYSFS_MNT, JOINED("/run/userns/ns1")), NULL,
     "linux.namespaces: AUDIT the user namespace at \"/run/userns/ns1\" is not checked"},
    {"joined: another namespace type's file", P_POOL, SPEC("", JOINED("/proc/1/ns/net")), NULL,
     NULL, HR_ERR_REFUSED,
     REF("linux.namespaces: the user namespace at \"/proc/1/ns/net\" cannot be checked (only "
         "/proc/PID/ns/user can)")},
    {"joined: a longer name", P_POOL, SPEC("", JOINED("/proc/1/ns/users")), NULL, NULL,
     HR_ERR_REFUSED,
     REF("linux.namespaces: the user namespace at \"/proc/1/ns/users\" cannot be checked (only "
         "/proc/PID/ns/user can)")},
    {"joined: pid 0", P_POOL, SPEC("", JOINED("/proc/0/ns/user")), NULL, NULL, HR_ERR_REFUSED,
     REF("linux.namespaces: the user namespace at \"/proc/0/ns/user\" cannot be checked (only "
         "/proc/PID/ns/user can)")},
    {"joined: a process that does not exist", P_POOL, SPEC("", JOINED("/proc/2147483647/ns/user")),
     NULL, NULL, HR_ERR_SYSTEM,
     "profile \"test\": rule \"user-namespace\": linux.namespaces: the joined user namespace: stat "
     "`/proc/2147483647/uid_map`: No such file or directory"},
};

/* What docker's specs need once there is a user namespace. */
static const struct ucase docker_cases[] = {
    {"ping: docker's 0 2147483647 is cut to the mapped gids", P_POOL,
     SPEC("", NS(NS5) SYSCTL("0 2147483647")), SPEC("", NS(NS5 USER_NS) SYSCTL("0 65535") SLICE0),
     CH_NS "\n" CH_MAPS "\n" CH_PING("0 2147483647", "0 65535")},
    {"ping: a range within the mapped gids is kept", P_POOL, SPEC("", NS(NS5) SYSCTL("1 65535")),
     SPEC("", NS(NS5 USER_NS) SYSCTL("1 65535") SLICE0), CH_NS "\n" CH_MAPS},
    {"ping: a range wholly above them becomes 1 0", P_POOL, SPEC("", NS(NS5) SYSCTL("70000 80000")),
     SPEC("", NS(NS5 USER_NS) SYSCTL("1 0") SLICE0),
     CH_NS "\n" CH_MAPS "\n" CH_PING("70000 80000", "1 0")},
    {"ping: a range from the first unmapped gid becomes 1 0", P_POOL,
     SPEC("", NS(NS5) SYSCTL("65536 65536")), SPEC("", NS(NS5 USER_NS) SYSCTL("1 0") SLICE0),
     CH_NS "\n" CH_MAPS "\n" CH_PING("65536 65536", "1 0")},
    {"ping: the upper end only is cut", P_POOL, SPEC("", NS(NS5) SYSCTL("100 65536")),
     SPEC("", NS(NS5 USER_NS) SYSCTL("100 65535") SLICE0),
     CH_NS "\n" CH_MAPS "\n" CH_PING("100 65536", "100 65535")},
    {"ping: the spec's own mapping decides the range", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1000), MAP(0, 400000, 1000)) SYSCTL("0 2147483647")),
     SPEC("", OWN(MAP(0, 300000, 1000), MAP(0, 400000, 1000)) SYSCTL("0 999")),
     CH_PING("0 2147483647", "0 999")},
    {"ping: no gid 0 mapped, no ping group", P_POOL,
     SPEC("", OWN(MAP(0, 300000, 1000), MAP(1, 400000, 1000)) SYSCTL("0 2147483647")),
     SPEC("", OWN(MAP(0, 300000, 1000), MAP(1, 400000, 1000)) SYSCTL("1 0")),
     CH_PING("0 2147483647", "1 0")},
    {"ping: a value the kernel would refuse anyway is left alone", P_POOL,
     SPEC("", NS(NS5 USER_NS) SLICE0 SYSCTL("0 2147483647 junk")), NULL, ""},
    {"sysfs: under a joined network namespace it becomes a read-only bind", P_POOL,
     SPEC(PROC_MNT "," SYSFS_MNT, NS("{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"}")),
     SPEC(PROC_MNT "," BIND_SYS,
          NS("{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"}" USER_NS) SLICE0),
     CH_NS "\n" CH_MAPS "\nmounts[1]: " SYSFS_MNT " -> " BIND_SYS},
    {"sysfs: under the host's network namespace too", P_POOL,
     SPEC(SYSFS_AT("/sys/") "," PROC_MNT, NS("{\"type\":\"pid\"}")),
     SPEC(BIND_SYS "," PROC_MNT, NS("{\"type\":\"pid\"}" USER_NS) SLICE0),
     CH_NS "\n" CH_MAPS "\nmounts[0]: " SYSFS_AT("/sys/") " -> " BIND_SYS},
    {"sysfs: a network namespace of its own keeps it", P_POOL,
     SPEC(PROC_MNT "," SYSFS_MNT, NS(NS5)), SPEC(PROC_MNT "," SYSFS_MNT, NS(NS5 USER_NS) SLICE0),
     CH_NS "\n" CH_MAPS},
    {"sysfs: an empty path is a namespace of its own", P_POOL,
     SPEC(SYSFS_MNT, NS("{\"type\":\"network\",\"path\":\"\"}")),
     SPEC(SYSFS_MNT, NS("{\"type\":\"network\",\"path\":\"\"}" USER_NS) SLICE0),
     CH_NS "\n" CH_MAPS},
    {"sysfs: below /sys is not the sysfs mount", P_POOL,
     SPEC(SYSFS_AT("/sys/kernel"), NS("{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"}")),
     SPEC(SYSFS_AT("/sys/kernel"),
          NS("{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"}" USER_NS) SLICE0),
     CH_NS "\n" CH_MAPS},
};

/* docker run's config.json as captured: the records name every change. */
static void docker_config(void **state)
{
  static const char profile[] = P_POOL;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *in = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_json *linux_obj;
  size_t len;

  in = unit_read_fixture("configs/docker-run.json", &len);
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(in, len, &opts, &doc, &err), &err);
  assert_ok(hr_policy_apply(p, doc, &ch, &err), &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  assert_string_equal(log, CH_NS "\n" CH_MAPS "\n" CH_PING("0 2147483647", "0 65535"));
  linux_obj = hr_json_get(hr_json_doc_root(doc), "linux");
  assert_string_equal(
      hr_json_get(hr_json_get(linux_obj, "sysctl"), "net.ipv4.ping_group_range")->u.string.s,
      "0 65535");
  assert_int_equal(hr_json_get(linux_obj, "namespaces")->u.array.len, 6);
}

/* ---- rows that depend on this host ----------------------------------------------------------- */

/* `s` with every "@U" and "@G" replaced by the two paths. */
static char *expand(const char *s, const char *u, const char *g)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  assert_non_null(f);
  for (; *s != '\0'; s++) {
    if (s[0] == '@' && (s[1] == 'U' || s[1] == 'G'))
      fputs(*++s == 'U' ? u : g, f);
    else
      fputc(*s, f);
  }
  fclose(f);
  return out;
}

struct subid_apply_case {
  const char *name;
  const char *subuid, *subgid; /* NULL = no such file */
  uint32_t uid, gid;           /* the slice mapped on success */
  enum hr_error_kind kind;
  const char *error; /* @U, @G: the two files */
};

#define NO_POOL                                                                                    \
  REF("userNamespace: no id pool: @U and @G need a range of at least 65536 ids for user "          \
      "\"hardrun\" (for example \"hardrun:1000000:65536000\" in both)")

static const struct subid_apply_case subid_apply_cases[] = {
    {"subid pool: the user's ranges", "alice:100000:65536\nhardrun:300000:65536\n",
     "hardrun:400000:131072\n", 300000, 400000},
    {"subid pool: a longer or shorter name's range is not taken",
     "hardrunner:100000:65536\nhardrun:300000:65536", "hard:100000:65536\nhardrun:400000:65536",
     300000, 400000},
    {"subid pool: the second range when the first is too small",
     "hardrun:100000:65535\nhardrun:300000:65536\n", "hardrun:400000:65536\n", 300000, 400000},
    {"subid pool: the user is absent", "alice:100000:65536\n", "alice:100000:65536\n", 0, 0,
     HR_ERR_PROFILE, NO_POOL},
    {"subid pool: only uids", "hardrun:100000:65536\n", "alice:100000:65536\n", 0, 0,
     HR_ERR_PROFILE, NO_POOL},
    {"subid pool: ranges smaller than a slice", "hardrun:100000:65535\n", "hardrun:100000:65535\n",
     0, 0, HR_ERR_PROFILE, NO_POOL},
    {"subid pool: no files at all", NULL, NULL, 0, 0, HR_ERR_PROFILE, NO_POOL},
    {"subid pool: a malformed subgid file", "hardrun:100000:65536\n",
     "# ok\nhardrun 100000 65536\n", 0, 0, HR_ERR_PROFILE, REF("@G:2: expected NAME:START:COUNT")},
    {"subid pool: a range with host root", "hardrun:0:65536\n", "hardrun:100000:65536\n", 0, 0,
     HR_ERR_PROFILE,
     REF("@U:1: range 0:65536 of hardrun is not usable: it must lie within 1..4294967294")},
};

#define MAPF(h) "{\"containerID\":0,\"hostID\":" h ",\"size\":65536}"

static void run_subid_apply_case(void **state)
{
  const struct subid_apply_case *c = *state;
  cleanup_free char *u = new_path("subuid"), *g = new_path("subgid"), *profile = NULL;
  cleanup_free char *out = NULL, *changes = NULL, *error = NULL;
  struct ucase uc = {.name = c->name, .spec = SPEC("", NS(NS5)), .kind = c->kind};

  if (c->subuid != NULL)
    write_text(u, c->subuid);
  if (c->subgid != NULL)
    write_text(g, c->subgid);
  assert_true(asprintf(&profile,
                       "{\"userNamespace\":{\"subidUser\":\"hardrun\",\"subuidFile\":\"%s\","
                       "\"subgidFile\":\"%s\"}}",
                       u, g) > 0);
  uc.profile = profile;
  if (c->kind != HR_ERR_NONE) {
    uc.error = error = expand(c->error, u, g);
  } else {
    assert_true(asprintf(&out,
                         SPEC("", NS(NS5 USER_NS) UIDM(MAPF("%" PRIu32)) GIDM(MAPF("%" PRIu32))),
                         c->uid, c->gid) > 0);
    assert_true(asprintf(&changes,
                         CH_NS "\nlinux.uidMappings: (absent) -> [" MAPF(
                             "%" PRIu32) "]\n"
                                         "linux.gidMappings: (absent) -> [" MAPF("%" PRIu32) "]",
                         c->uid, c->gid) > 0);
    uc.out = out;
    uc.changes = changes;
  }
  check_ucase(&uc);
}

/* This process's own user namespace is the host's (when the tests run
 * in the initial one): it maps host root, refused or recorded. */
static void joined_own_namespace(void **state)
{
  cleanup_free char *map = read_text("/proc/self/uid_map"), *spec = NULL;
  struct ucase uc = {.name = "own", .profile = P_POOL};
  char want[64], words[3][16];

  if (sscanf(map, "%15s %15s %15s", words[0], words[1], words[2]) != 3 ||
      strcmp(words[0], "0") != 0 || strcmp(words[1], "0") != 0 ||
      strcmp(words[2], "4294967295") != 0) {
    print_message("# skip: this process is not in the initial user namespace (uid_map %s)\n", map);
    skip();
  }
  snprintf(want, sizeof(want), "/proc/%d/ns/user", (int)getpid());
  assert_true(asprintf(&spec, SPEC("", NS(NS5 ",{\"type\":\"user\",\"path\":\"%s\"}")), want) > 0);
  uc.spec = spec;
  uc.kind = HR_ERR_REFUSED;
  uc.error = REF("linux.namespaces: the joined user namespace maps onto host root (host id 0)");
  check_ucase(&uc);
  uc.profile = P_AUDIT;
  uc.kind = HR_ERR_NONE;
  uc.changes = "linux.namespaces: AUDIT the joined user namespace maps onto host root (host id 0)";
  check_ucase(&uc);
}

struct joined_child_case {
  const char *name;
  const char *uid_map, *gid_map; /* written into the child's namespace */
  const char *error;             /* exact refusal; NULL = accepted unchanged */
};

static const struct joined_child_case joined_child_cases[] = {
    {"joined: a child's namespace with a safe map is kept", "0 100000 65536", "0 200000 65536",
     NULL},
    {"joined: a child's namespace mapping uid 0 is refused", "0 100000 1000\n1000 0 1",
     "0 200000 65536",
     REF("linux.namespaces: the joined user namespace maps onto host root (host id 0)")},
    {"joined: a child's namespace mapping gid 0 is refused", "0 100000 65536", "0 0 1",
     REF("linux.namespaces: the joined user namespace maps onto host root (host id 0)")},
    {"joined: a child's identity map is refused", "0 100000 1000\n1000 1000 1", "0 200000 65536",
     REF("linux.namespaces: the joined user namespace is an identity mapping (container ids are "
         "the host's own)")},
};

static void write_map(pid_t pid, const char *which, const char *map)
{
  char path[64];
  int fd;

  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
  fd = open(path, O_WRONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  if (write(fd, map, strlen(map)) != (ssize_t)strlen(map))
    fail_msg("write %s to %s: %s", map, path, strerror(errno));
  close(fd);
}

/* A child in a user namespace of its own whose maps the parent writes. */
static void run_joined_child_case(void **state)
{
  const struct joined_child_case *c = *state;
  cleanup_free char *spec = NULL;
  struct ucase uc = {.name = c->name, .profile = P_POOL, .changes = ""};
  int ready[2], hold[2], status;
  char ch;
  pid_t pid;

  if (geteuid() != 0)
    skip();
  assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
  assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "x", 1) != 1)
      _exit(1);
    _exit(read(hold[0], &ch, 1) < 0);
  }
  close(ready[1]);
  close(hold[0]);
  assert_int_equal(read(ready[0], &ch, 1), 1);
  close(ready[0]);
  write_map(pid, "uid_map", c->uid_map);
  write_map(pid, "gid_map", c->gid_map);
  assert_true(asprintf(&spec,
                       SPEC("", NS(NS5 ",{\"type\":\"user\",\"path\":\"/proc/%d/ns/user\"}")),
                       (int)pid) > 0);
  uc.spec = spec;
  uc.kind = c->error != NULL ? HR_ERR_REFUSED : HR_ERR_NONE;
  uc.error = c->error;
  check_ucase(&uc);
  close(hold[1]);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- the profile section --------------------------------------------------------------------- */

struct profile_case {
  const char *name;
  const char *profile;
  const char *want;  /* "on=E req=R size=N pool=U/G/S user=U uid=F gid=F" */
  const char *error; /* HR_ERR_PROFILE message suffix */
};

#define PU(x) "{\"userNamespace\":" x "}"

static const struct profile_case profile_cases[] = {
    {"profile: absent is off", "{}", "on=0 req=0 size=0 pool=- user=- uid=- gid=-"},
    {"profile: true takes the subid defaults", PU("true"),
     "on=1 req=1 size=65536 pool=- user=hardrun uid=/etc/subuid gid=/etc/subgid"},
    {"profile: false", PU("false"),
     "on=0 req=1 size=65536 pool=- user=hardrun uid=/etc/subuid gid=/etc/subgid"},
    {"profile: a pool", PU("{" POOL_131072 "}"),
     "on=1 req=1 size=65536 pool=100000/200000/131072 user=- uid=- gid=-"},
    {"profile: a pool of exactly one slice up to 4294967294",
     PU("{\"pool\":{\"uid\":4294901759,\"gid\":1,\"size\":65536}}"),
     "on=1 req=1 size=65536 pool=4294901759/1/65536 user=- uid=- gid=-"},
    {"profile: another subid user and files",
     PU("{\"subidUser\":\"ctr\",\"subuidFile\":\"/srv/u\",\"subgidFile\":\"/srv/g\","
        "\"size\":1000,\"required\":false}"),
     "on=1 req=0 size=1000 pool=- user=ctr uid=/srv/u gid=/srv/g"},
    {"profile: enabled false inside", PU("{\"enabled\":false," POOL_131072 "}"),
     "on=0 req=1 size=65536 pool=100000/200000/131072 user=- uid=- gid=-"},
    {"profile: pool and subidUser", PU("{" POOL_131072 ",\"subidUser\":\"hardrun\"}"), NULL,
     "test.json:1:80: userNamespace: give either \"pool\" or \"subidUser\", not both"},
    {"profile: pool and a subid file", PU("{" POOL_131072 ",\"subgidFile\":\"/srv/g\"}"), NULL,
     "test.json:1:81: userNamespace: the subid files are not read when \"pool\" is given"},
    {"profile: size 0", PU("{\"size\":0}"), NULL,
     "test.json:1:26: userNamespace.size must be at least 1"},
    {"profile: size 4294967295", PU("{\"size\":4294967295}"), NULL,
     "test.json:1:26: userNamespace.size must be at least 1"},
    {"profile: size negative", PU("{\"size\":-1}"), NULL,
     "expected a non-negative integer, got -1"},
    {"profile: size a string", PU("{\"size\":\"64k\"}"), NULL,
     "expected a non-negative integer, got string"},
    {"profile: pool uid 0", PU("{\"pool\":{\"uid\":0,\"gid\":200000,\"size\":65536}}"), NULL,
     "test.json:1:26: userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and "
     "size must be at least 1"},
    {"profile: pool gid 0", PU("{\"pool\":{\"uid\":1,\"gid\":0,\"size\":65536}}"), NULL,
     "userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and size must be at "
     "least 1"},
    {"profile: pool size 0", PU("{\"pool\":{\"uid\":1,\"gid\":1,\"size\":0}}"), NULL,
     "userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and size must be at "
     "least 1"},
    {"profile: pool reaching 4294967295",
     PU("{\"pool\":{\"uid\":4294901760,\"gid\":1,\"size\":65536}}"), NULL,
     "userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and size must be at "
     "least 1"},
    {"profile: pool gid above 32 bits", PU("{\"pool\":{\"uid\":1,\"gid\":4294967296,\"size\":1}}"),
     NULL,
     "userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and size must be at "
     "least 1"},
    /* uid + size wraps in 64 bits; cut to 32 bits the pool would be
     * 0/0/65536: host root */
    {"profile: pool sums that wrap around 64 bits",
     PU("{\"pool\":{\"uid\":4294967296,\"gid\":4294967296,\"size\":9223372032559874048}}"), NULL,
     "userNamespace.pool: uid and gid ranges must lie within 1..4294967294 and size must be at "
     "least 1"},
    {"profile: pool without gid", PU("{\"pool\":{\"uid\":1,\"size\":65536}}"), NULL,
     "test.json:1:26: userNamespace.pool: \"gid\" is required"},
    {"profile: pool not an object", PU("{\"pool\":100000}"), NULL,
     "expected an object, got number"},
    {"profile: pool with a typo", PU("{\"pool\":{\"uid\":1,\"gid\":1,\"sise\":65536}}"), NULL,
     "did you mean \"size\"?"},
    {"profile: pool smaller than a slice",
     PU("{\"pool\":{\"uid\":100000,\"gid\":200000,\"size\":1000}}"), NULL,
     "test.json:1:18: userNamespace: the pool (1000 ids) is smaller than one slice (size 65536)"},
    {"profile: unknown key", PU("{\"subidUsr\":\"hardrun\"}"), NULL, "did you mean \"subidUser\"?"},
    {"profile: relative subuidFile", PU("{\"subuidFile\":\"etc/subuid\"}"), NULL,
     "test.json:1:32: expected an absolute path"},
    {"profile: relative subgidFile", PU("{\"subgidFile\":\"\"}"), NULL,
     "expected an absolute path"},
    {"profile: a subidUser with a colon", PU("{\"subidUser\":\"a:b\"}"), NULL,
     "userNamespace.subidUser: not a user name"},
    {"profile: an empty subidUser", PU("{\"subidUser\":\"\"}"), NULL,
     "userNamespace.subidUser: not a user name"},
    {"profile: required not a boolean", PU("{\"required\":\"yes\"}"), NULL,
     "expected a boolean (true or false), got string"},
    {"profile: a string section", PU("\"hardrun\""), NULL,
     "expected a boolean or an object, got string"},
};

static void run_profile_case(void **state)
{
  const struct profile_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_free char *got = NULL, *pool = NULL;
  struct hr_error err = {0};
  const struct hr_policy_userns *u;
  int r = hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err);

  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success", c->error);
    if (err.kind != HR_ERR_PROFILE || !ends_with(err.msg, c->error))
      fail_msg("expected error ending in\n  %s\ngot (kind %d)\n  %s", c->error, err.kind, err.msg);
    return;
  }
  assert_ok(r, &err);
  u = &p->userns;
  if (u->has_pool)
    assert_true(asprintf(&pool, "%" PRIu32 "/%" PRIu32 "/%" PRIu32, u->pool_uid, u->pool_gid,
                         u->pool_size) > 0);
  assert_true(asprintf(&got, "on=%d req=%d size=%" PRIu32 " pool=%s user=%s uid=%s gid=%s",
                       u->enabled, u->required, u->size, pool ? pool : "-",
                       u->subid_user ? u->subid_user : "-", u->subuid_file ? u->subuid_file : "-",
                       u->subgid_file ? u->subgid_file : "-") > 0);
  assert_string_equal(got, c->want);
}

/* ---- main ------------------------------------------------------------------------------------ */

#define ADD_ROWS(rows, fn)                                                                         \
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++)                                                 \
    add(rows[i].name, fn, &rows[i]);

int main(void)
{
  if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) < 0)
    return 1;
  ADD_ROWS(subid_cases, run_subid_case);
  add("subid: at most 256 ranges", subid_too_many, NULL);
  ADD_ROWS(slots_cases, run_slots_case);
  add("slots: at most 65536 slices", slots_capped, NULL);
  ADD_ROWS(choose_cases, run_choose_case);
  add("table: exact text", table_exact_text, NULL);
  add("table: round trip", table_round_trip, NULL);
  ADD_ROWS(table_bad_cases, run_table_bad_case);
  add("table: limits", table_limits, NULL);
  ADD_ROWS(profile_cases, run_profile_case);
  ADD_ROWS(mapping_cases, run_ucase);
  ADD_ROWS(joined_cases, run_ucase);
  add("joined: this process's namespace is the host's", joined_own_namespace, NULL);
  ADD_ROWS(joined_child_cases, run_joined_child_case);
  ADD_ROWS(docker_cases, run_ucase);
  add("docker run's config.json", docker_config, NULL);
  ADD_ROWS(subid_apply_cases, run_subid_apply_case);
  return _cmocka_run_group_tests("userns", tests, n_tests, NULL, teardown);
}
