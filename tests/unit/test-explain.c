/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy explain: on every fixture and profile, explain and create's own
 * rewrite (hr_spec_harden_buffer) must agree on the verdict, on the first
 * refusal word for word, and, when the container is allowed, on every
 * change; and explain must go on past a refusal to show the others. */
#include "config.h"

#include <unistd.h>

#include "unit.h"

#include "hardrun/explain.h"
#include "hardrun/json.h"
#include "hardrun/spec.h"

static const char *const fixtures[] = {
    "explain/docker-privileged-host.json", /* docker run --privileged -v /:/host --pid=host */
    "explain/docker-default.json",         /* docker run */
    "explain/docker-hardened.json",        /* docker run --read-only --user ... --network none */
    "configs/docker-run.json",
    "configs/docker-run-privileged.json",
    "configs/ctr-run.json",
    "configs/runc-spec.json",
};

/* Profiles besides the shipped default: every rule audits (nothing is
 * refused, everything is reported), every rule refuses, and rules that
 * fix. */
static const char *const profiles[] = {
    "{\"privileged\": {\"mode\": \"audit\", \"systemPaths\": \"audit\"}, \"hostNamespaces\": "
    "{\"mode\": \"audit\"}, \"hostMounts\": {\"mode\": \"audit\"}, \"hostDevices\": {\"mode\": "
    "\"audit\"}, \"sysctls\": {\"mode\": \"audit\"}, \"hooks\": {\"mode\": \"audit\"}, "
    "\"rlimits\": {\"mode\": \"audit\"}, \"oom\": {\"mode\": \"audit\"}, \"secretEnv\": true, "
    "\"sshd\": true, \"user\": {\"root\": \"audit\"}, \"pids\": true, \"capabilities\": true}",
    "{\"privileged\": true, \"hostNamespaces\": {\"namespaces\": {\"cgroup\": \"refuse\"}}, "
    "\"hostMounts\": true, \"hostDevices\": true, \"sysctls\": true, \"hooks\": true, "
    "\"rlimits\": {\"mode\": \"refuse\"}, \"oom\": {\"mode\": \"refuse\"}, \"secretEnv\": "
    "{\"mode\": \"refuse\"}, \"sshd\": {\"mode\": \"refuse\"}, \"user\": {\"root\": \"refuse\"}, "
    "\"readonlyRootfs\": true, \"memory\": true, \"cpu\": true}",
    "{\"privileged\": {\"mode\": \"fix\"}, \"hostNamespaces\": {\"mode\": \"fix\"}, "
    "\"hostMounts\": {\"mode\": \"fix\"}, \"hostDevices\": {\"mode\": \"fix\"}, \"hooks\": "
    "{\"mode\": \"fix\"}, \"readonlyRootfs\": true, \"noNewPrivileges\": true, "
    "\"capabilities\": {\"allow\": []}, \"mountPropagation\": true}",
};

static struct hr_policy *shipped_default(void)
{
  const char *dir = getenv("HR_PROFILES");
  char *dirs[] = {(char *)(dir != NULL ? dir : "profiles"), NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_load(&conf, "default", &p, &err), &err);
  return p;
}

static struct hr_policy *inline_profile(const char *text)
{
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_parse(text, strlen(text), "inline.json", "inline", &p, &err), &err);
  return p;
}

/* One fixture, one profile: create's outcome, then explain's. */
static void compare(const char *fixture, const struct hr_policy *p, size_t *ret_refusals)
{
  size_t len;
  cleanup_free char *buf = unit_read_fixture(fixture, &len), *out = NULL, *a = NULL, *b = NULL;
  struct hr_changes created = {0}, explained = {0};
  struct hr_refusal_list refusals = {0};
  struct hr_error ce = {0}, ee = {0};
  size_t out_len = 0;
  bool rewrite = true;
  int rc = hr_spec_harden_buffer(buf, len, "config.json", p, &created, &out, &out_len, &ce);
  int re = hr_spec_explain_buffer(buf, len, "config.json", p, &explained, &refusals, &rewrite, &ee);

  a = unit_join_changes(&created);
  b = unit_join_changes(&explained);
  if (rc == 0) {
    assert_ok(re, &ee);
    if (refusals.len != 0)
      fail_msg("%s: create allowed, explain refused: %s", fixture, refusals.items[0].full);
    if (strcmp(a, b) != 0)
      fail_msg("%s: changes differ\ncreate:\n%s\nexplain:\n%s", fixture, a, b);
    assert_int_equal(rewrite, out != NULL);
  } else if (ce.kind == HR_ERR_REFUSED) {
    assert_ok(re, &ee);
    if (refusals.len == 0)
      fail_msg("%s: create refused (%s), explain allowed", fixture, ce.msg);
    if (strcmp(refusals.items[0].full, ce.msg) != 0)
      fail_msg("%s: first refusal differs\ncreate:  %s\nexplain: %s", fixture, ce.msg,
               refusals.items[0].full);
    assert_false(rewrite);
    /* create keeps no change of a refused spec */
    assert_int_equal(created.len, 0);
  } else {
    assert_true(re < 0);
    assert_string_equal(ee.msg, ce.msg);
  }
  *ret_refusals = refusals.len;
  hr_changes_free(&created);
  hr_changes_free(&explained);
  hr_refusal_list_free(&refusals);
}

static void test_same_as_create(void **state)
{
  struct hr_policy *ps[1 + HR_ARRAY_SIZE(profiles)];
  size_t refused = 0, allowed = 0;

  ps[0] = shipped_default();
  for (size_t i = 0; i < HR_ARRAY_SIZE(profiles); i++)
    ps[i + 1] = inline_profile(profiles[i]);
  for (size_t f = 0; f < HR_ARRAY_SIZE(fixtures); f++)
    for (size_t i = 0; i < HR_ARRAY_SIZE(ps); i++) {
      size_t n;
      compare(fixtures[f], ps[i], &n);
      refused += n > 0;
      allowed += n == 0;
    }
  /* Both verdicts were exercised. */
  assert_true(refused > 0 && allowed > 0);
  for (size_t i = 0; i < HR_ARRAY_SIZE(ps); i++)
    hr_policy_free(ps[i]);
}

static bool has_rule(const struct hr_refusal_list *l, const char *rule)
{
  for (size_t i = 0; i < l->len; i++)
    if (strcmp(l->items[i].rule, rule) == 0)
      return true;
  return false;
}

/* The privileged capture breaks four rules; create stops at the first,
 * explain shows them all, each with its own rule. */
static void test_every_refusal(void **state)
{
  size_t len;
  cleanup_free char *buf = unit_read_fixture("explain/docker-privileged-host.json", &len);
  struct hr_policy *p = shipped_default();
  struct hr_changes ch = {0};
  struct hr_refusal_list l = {0};
  struct hr_error err = {0};
  size_t devices = 0;
  bool rewrite;

  assert_ok(hr_spec_explain_buffer(buf, len, "config.json", p, &ch, &l, &rewrite, &err), &err);
  assert_true(has_rule(&l, "privileged"));
  assert_true(has_rule(&l, "host-namespaces"));
  assert_true(has_rule(&l, "host-mounts"));
  assert_true(has_rule(&l, "host-devices"));
  assert_string_equal(l.items[0].message,
                      "linux.resources.devices[0]: allows every device of the host (as "
                      "--privileged does)");
  /* A rule goes on after its first breach: every host device is listed. */
  for (size_t i = 0; i < l.len; i++)
    devices += strcmp(l.items[i].rule, "host-devices") == 0;
  assert_true(devices > 10);
  /* -v /:/host and --pid=host, by path */
  for (size_t i = 0; i < l.len; i++)
    if (strcmp(l.items[i].rule, "host-mounts") == 0)
      assert_string_equal(l.items[i].message, "mounts[7].source: \"/\" is the sensitive host "
                                              "path \"/\"");
  assert_string_equal(l.items[1].message,
                      "linux.namespaces: no pid namespace: the container would share the host's");
  hr_changes_free(&ch);
  hr_refusal_list_free(&l);
  hr_policy_free(p);
}

/* A control that refuses through hr_apply_refuse (not a rule mode) stops
 * itself, and the walk goes on: the later pids control still reports. */
static void test_walk_goes_on(void **state)
{
  static const char spec[] = "{\"process\": {\"user\": {\"uid\": 0}, \"args\": [\"sh\"]}}";
  struct hr_policy *p = inline_profile("{\"user\": {\"root\": \"refuse\"}, \"pids\": true}");
  struct hr_changes ch = {0};
  struct hr_refusal_list l = {0};
  struct hr_error err = {0};
  cleanup_free char *log = NULL;
  bool rewrite = true;

  assert_ok(hr_spec_explain_buffer(spec, strlen(spec), "config.json", p, &ch, &l, &rewrite, &err),
            &err);
  assert_int_equal(l.len, 1);
  assert_string_equal(l.items[0].rule, "user");
  assert_string_equal(l.items[0].full, "profile \"inline\": rule \"user\": process.user.uid: the "
                                       "process would run as root (uid 0)");
  log = unit_join_changes(&ch);
  assert_string_equal(log, "linux.resources.pids.limit: (absent) -> 1024");
  assert_false(rewrite);
  hr_changes_free(&ch);
  hr_refusal_list_free(&l);
  hr_policy_free(p);
}

static void test_input_errors(void **state)
{
  struct hr_policy *p = inline_profile("{\"noNewPrivileges\": true}");
  struct hr_changes ch = {0};
  struct hr_refusal_list l = {0};
  struct hr_error err = {0};
  bool rewrite;

  assert_int_equal(
      hr_spec_explain_buffer("{\"process\": 1}", 14, "config.json", p, &ch, &l, &rewrite, &err),
      -1);
  assert_int_equal(err.kind, HR_ERR_INPUT);
  assert_string_equal(err.msg, "profile \"inline\": rule \"no-new-privileges\": process: "
                               "expected an object");
  assert_int_equal(
      hr_spec_explain_buffer("{\"a\": 1} x", 10, "config.json", p, &ch, &l, &rewrite, &err), -1);
  assert_true(strncmp(err.msg, "profile \"inline\": rule \"spec-syntax\": config.json:1:", 52) ==
              0);
  hr_changes_free(&ch);
  hr_refusal_list_free(&l);
  hr_policy_free(p);
}

/* The JSON form, member by member. */
static void test_json(void **state)
{
  static const char spec[] = "{\"process\": {\"user\": {\"uid\": 0}, \"env\": [\"A_TOKEN=x\"]}}";
  struct hr_policy *p = inline_profile("{\"user\": {\"root\": \"refuse\"}, \"secretEnv\": true, "
                                       "\"noNewPrivileges\": true}");
  struct hr_explain e = {
      .config = strdup("c.json"), .profile = strdup("inline"), .profile_path = strdup("p")};
  struct hr_error err = {0};
  cleanup_free char *json = NULL;

  assert_ok(hr_spec_explain_buffer(spec, strlen(spec), "c.json", p, &e.changes, &e.refusals,
                                   &e.rewrite, &err),
            &err);
  assert_ok(hr_explain_format_json(&e, &json, &err), &err);
  assert_string_equal(
      json, "{\"config\":\"c.json\",\"profile\":\"inline\",\"profilePath\":\"p\",\"verdict\":"
            "\"refused\",\"reason\":\"profile \\\"inline\\\": rule \\\"user\\\": process.user.uid: "
            "the process would run as root (uid 0)\",\"rewrite\":false,\"changes\":[{\"rule\":"
            "\"no-new-privileges\",\"path\":\"process.noNewPrivileges\",\"old\":\"(absent)\","
            "\"new\":\"true\"},{\"rule\":\"secret-env\",\"path\":\"process.env[0]\",\"finding\":"
            "\"variable \\\"A_TOKEN\\\" looks like a secret (matches \\\"*TOKEN*\\\"); pass "
            "secrets as files\"}],\"refusals\":[{\"rule\":\"user\",\"message\":"
            "\"process.user.uid: the process would run as root (uid 0)\"}]}");
  hr_explain_free(&e);
  hr_policy_free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_as_create), cmocka_unit_test(test_every_refusal),
      cmocka_unit_test(test_walk_goes_on),   cmocka_unit_test(test_input_errors),
      cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
