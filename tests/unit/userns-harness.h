/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by test-userns.c (the pure parts and the spec rewrite) and
 * test-userns-host.c (what the control does on this host): a temporary
 * directory, the table comparisons, and the row runner for the control
 * with its spec and profile builders. */
#ifndef HARDRUN_TESTS_USERNS_HARNESS_H
#define HARDRUN_TESTS_USERNS_HARNESS_H

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "hardrun/userns.h"

/* made by main(), removed by the group teardown */
static char tmpdir[] = "/tmp/hardrun-test-userns.XXXXXX";
static unsigned n_dirs;

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static inline int teardown(void **state)
{
  hr_userns_bind(NULL);
  return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh path under the temporary directory, not yet created. */
static inline char *new_path(const char *what)
{
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s%u", tmpdir, what, n_dirs++) > 0);
  return p;
}

static inline char *join(const char *a, const char *b)
{
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", a, b) > 0);
  return p;
}

static inline void write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "we");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

static inline char *read_text(const char *path)
{
  struct hr_error err = {0};
  char *buf = NULL;
  size_t len;

  if (hr_read_file(path, 1 << 24, &buf, &len, &err) < 0)
    fail_msg("read %s: %s", path, err.msg);
  return buf;
}

static inline bool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static inline uint64_t my_start(void)
{
  uint64_t start = 0;
  assert_int_equal(hr_userns_current_start(&start), 0);
  assert_true(start > 0);
  return start;
}

static inline void assert_same_slice(const struct hr_userns_slice *a,
                                     const struct hr_userns_slice *b)
{
  assert_int_equal(a->uid, b->uid);
  assert_int_equal(a->gid, b->gid);
  assert_int_equal(a->size, b->size);
  assert_string_equal(a->root, b->root);
  assert_string_equal(a->id, b->id);
  assert_int_equal(a->pid, b->pid);
  assert_int_equal(a->pid_start, b->pid_start);
  assert_int_equal(a->n_grants, b->n_grants);
  for (size_t i = 0; i < a->n_grants; i++) {
    assert_string_equal(a->grants[i].path, b->grants[i].path);
    assert_int_equal(a->grants[i].dev, b->grants[i].dev);
    assert_int_equal(a->grants[i].ino, b->grants[i].ino);
  }
}

/* ---- the control's rows ---------------------------------------------------------------------- */

struct ucase {
  const char *name;
  const char *profile;
  const char *spec;
  const char *out;         /* whole output; NULL = byte-identical to spec */
  const char *changes;     /* joined records */
  enum hr_error_kind kind; /* HR_ERR_NONE = success */
  const char *error;       /* exact message */
};

static inline void check_ucase(const struct ucase *c)
{
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *out = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  assert_ok(hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(c->spec, strlen(c->spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->kind != HR_ERR_NONE) {
    if (r >= 0)
      fail_msg("expected \"%s\", got success with:\n%s", c->error, log);
    if (err.kind != c->kind || strcmp(err.msg, c->error) != 0)
      fail_msg("expected (kind %d)\n  %s\ngot (kind %d)\n  %s", c->kind, c->error, err.kind,
               err.msg);
    /* a refused apply leaves no record behind */
    assert_string_equal(log, "");
    return;
  }
  if (r < 0)
    fail_msg("apply failed: %s", err.msg);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  if (strcmp(out, c->out ? c->out : c->spec) != 0)
    fail_msg("output\n  got:  %s\n  want: %s", out, c->out ? c->out : c->spec);
  if (strcmp(log, c->changes) != 0)
    fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
}

static inline void run_ucase(void **state)
{
  check_ucase(*state);
}

#define POOL_131072 "\"pool\":{\"uid\":100000,\"gid\":200000,\"size\":131072}"
#define P_POOL      "{\"userNamespace\":{" POOL_131072 "}}"
#define P_AUDIT     "{\"userNamespace\":{\"required\":false," POOL_131072 "}}"
#define REF(msg)    "profile \"test\": rule \"user-namespace\": " msg

#define NS5                                                                                        \
  "{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":"     \
  "\"mount\"}"
#define USER1    "{\"type\":\"user\"}"
#define USER_NS  "," USER1
#define NS(x)    "\"namespaces\":[" x "]"
#define PROC_MNT "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}"
#define SYSFS_AT(d)                                                                                \
  "{\"destination\":\"" d "\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\","    \
  "\"noexec\",\"nodev\",\"ro\"]}"
#define SYSFS_MNT SYSFS_AT("/sys")
#define BIND_SYS                                                                                   \
  "{\"destination\":\"/sys\",\"type\":\"bind\",\"source\":\"/sys\",\"options\":[\"rbind\","        \
  "\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}"
#define SPEC(mounts, linux)                                                                        \
  "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"root\":{\"path\":\"rootfs\"},"      \
  "\"mounts\":[" mounts "],\"linux\":{" linux "}}"
#define MAP(c, h, s) "{\"containerID\":" #c ",\"hostID\":" #h ",\"size\":" #s "}"
#define UIDM(x)      ",\"uidMappings\":[" x "]"
#define GIDM(x)      ",\"gidMappings\":[" x "]"
#define SLICE0       UIDM(MAP(0, 100000, 65536)) GIDM(MAP(0, 200000, 65536))
#define CH_NS        "linux.namespaces[+]: (absent) -> {\"type\":\"user\"}"
#define CH_MAPS                                                                                    \
  "linux.uidMappings: (absent) -> [" MAP(0, 100000, 65536) "]\n"                                   \
                                                           "linux.gidMappings: (absent) -> [" MAP( \
                                                               0, 200000, 65536) "]"
#define OWN(u, g) NS(NS5 USER_NS) UIDM(u) GIDM(g)
#define SAFE      OWN(MAP(0, 300000, 65536), MAP(0, 400000, 65536))
#define SYSCTL(v)                                                                                  \
  ",\"sysctl\":{\"net.ipv4.ip_unprivileged_port_start\":\"0\",\"net.ipv4.ping_group_range\":\"" v  \
  "\"}"
#define CH_PING(old, new) "linux.sysctl.net.ipv4.ping_group_range: \"" old "\" -> \"" new "\""
#define HOST_ROOT         "the spec's mapping maps onto host root (host id 0)"
#define JOINED(p)         NS(NS5 ",{\"type\":\"user\",\"path\":\"" p "\"}")

/* ---- one cmocka group of named tests --------------------------------------------------------- */

#define MAX_TESTS 256
static struct CMUnitTest tests[MAX_TESTS];
static size_t n_tests;

static inline void add(const char *name, CMUnitTestFunction fn, const void *data)
{
  if (n_tests >= MAX_TESTS)
    abort();
  tests[n_tests++] =
      (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)data};
}

#endif
