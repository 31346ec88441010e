/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data-driven harness shared by test-caps.c, test-limits.c and
 * test-mounts.c: each row is a profile, an input config.json, the exact
 * output and the exact change records (or the exact error). */
#ifndef HARDRUN_TESTS_CONTROLS_HARNESS_H
#define HARDRUN_TESTS_CONTROLS_HARNESS_H

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

struct apply_case {
  const char *name;
  const char *profile;
  const char *spec;
  const char *out;     /* the whole serialised output; NULL = byte-identical to spec */
  const char *changes; /* "path: old -> new" lines joined by '\n'; "" = none */
  const char *error;   /* expected HR_ERR_INPUT message suffix; then out/changes unused */
};

static bool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void run_apply_case(void **state)
{
  const struct apply_case *c = *state;
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
  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success with changes:\n%s", c->error, log);
    if (err.kind != HR_ERR_INPUT || !ends_with(err.msg, c->error))
      fail_msg("expected error ending in\n  %s\ngot (kind %d)\n  %s", c->error, err.kind, err.msg);
    return;
  }
  assert_ok(r, &err);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  if (strcmp(out, c->out ? c->out : c->spec) != 0)
    fail_msg("output\n  got:  %s\n  want: %s", out, c->out ? c->out : c->spec);
  if (strcmp(log, c->changes) != 0)
    fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
}

/* A row whose data are files under tests/unit/fixtures/controls/, made by
 * gen-docker.py (an independent Python model of the same rules). */
struct file_case {
  const char *name;
  const char *profile, *in, *out, *changes;
};

static char *read_controls_fixture(const char *name, size_t *len)
{
  char rel[256];

  snprintf(rel, sizeof(rel), "controls/%s", name);
  return unit_read_fixture(rel, len);
}

static void run_file_case(void **state)
{
  const struct file_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *profile = NULL, *in = NULL, *want = NULL, *want_log = NULL;
  cleanup_free char *out = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t profile_len, in_len, len;

  profile = read_controls_fixture(c->profile, &profile_len);
  in = read_controls_fixture(c->in, &in_len);
  want = read_controls_fixture(c->out, &len);
  want_log = read_controls_fixture(c->changes, &len);
  assert_ok(hr_policy_parse(profile, profile_len, c->profile, "test", &p, &err), &err);
  assert_ok(hr_json_parse(in, in_len, &opts, &doc, &err), &err);
  assert_ok(hr_policy_apply(p, doc, &ch, &err), &err);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  assert_string_equal(out, want);
  /* the file ends in a newline, the joined records do not */
  assert_int_equal(strlen(log) + 1, strlen(want_log));
  assert_memory_equal(log, want_log, strlen(log));
}

/* All rows of all tables run as one cmocka group with one test per row, so
 * the TAP output has a single plan and names the failing case. */
#define MAX_TESTS 256
static struct CMUnitTest tests[MAX_TESTS];
static size_t n_tests;

static void add_test(const char *name, CMUnitTestFunction fn, const void *state)
{
  if (n_tests >= MAX_TESTS)
    abort();
  tests[n_tests++] =
      (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)state};
}

static int run_all(const char *group)
{
  return _cmocka_run_group_tests(group, tests, n_tests, NULL, NULL);
}

#endif
