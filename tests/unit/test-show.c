/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy show: the effective profile has a section for every control of
 * the table, parses back into the same effective profile, spells out the
 * built-in defaults, and each value names where it came from. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/seccomp.h"
#include "hardrun/show.h"
#include "hardrun/spec.h"

static char *effective_text(const char *profile)
{
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const struct hr_json_parse_opts opts = {.name = "x"};
  struct hr_error err = {0};
  struct hr_json *e;

  assert_ok(hr_policy_parse(profile, strlen(profile), "p.json", "p", &p, &err), &err);
  assert_ok(hr_json_parse("{}", 2, &opts, &doc, &err), &err);
  e = hr_policy_effective(p, doc, &err);
  if (e == NULL)
    fail_msg("%s", err.msg);
  return hr_json_render(e, SIZE_MAX);
}

/* Every row of the control table, in table order, and nothing else. */
static void test_every_control(void **state)
{
  cleanup_free char *text = effective_text("{}");
  const struct hr_json_parse_opts opts = {.name = "x"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};
  const struct hr_json *root;

  assert_ok(hr_json_parse(text, strlen(text), &opts, &doc, &err), &err);
  root = hr_json_doc_root(doc);
  /* "enforce" first, then one section per control */
  assert_int_equal(root->u.object.len, hr_n_controls + 1);
  assert_string_equal(root->u.object.items[0].key, "enforce");
  assert_true(root->u.object.items[0].value->u.boolean);
  for (size_t i = 0; i < hr_n_controls; i++) {
    const struct hr_json_member *m = &root->u.object.items[i + 1];
    assert_string_equal(m->key, hr_controls[i].profile_key);
    /* left out of the profile: off */
    assert_int_equal(m->value->type, HR_JSON_BOOL);
    assert_false(m->value->u.boolean);
  }
}

static const char *const round_trips[] = {
    "{}",
    /* every control with its built-in settings */
    "{\"privileged\": true, \"hostNamespaces\": true, \"hostMounts\": true, \"hostDevices\": true, "
    "\"sysctls\": true, \"hooks\": true, \"readonlyRootfs\": true, \"noNewPrivileges\": true, "
    "\"capabilities\": true, \"user\": true, \"pids\": true, \"memory\": true, \"cpu\": true, "
    "\"mountPropagation\": true, \"rlimits\": true, \"oom\": true, \"secretEnv\": true, "
    "\"sshd\": true, \"seccomp\": true, \"apparmor\": true, \"selinux\": true, "
    "\"userNamespace\": true}",
    /* the strict example of hardrun-policy(5) */
    "{\"description\": \"strict\", \"privileged\": true, \"hostNamespaces\": {\"namespaces\": "
    "{\"cgroup\": \"refuse\"}}, \"readonlyRootfs\": {\"tmpfs\": [\"/tmp\"], \"tmpfsSize\": "
    "\"16m\"}, \"capabilities\": {\"allow\": []}, \"user\": {\"root\": \"refuse\"}, \"pids\": "
    "{\"default\": 256, \"ceiling\": 1024}, \"memory\": {\"default\": \"512m\", \"ceiling\": "
    "\"4g\", \"swap\": {\"default\": \"512m\", \"ceiling\": \"4g\"}}, \"cpu\": {\"default\": "
    "\"1\", \"ceiling\": \"4\", \"shares\": {\"ceiling\": 2048}}, \"rlimits\": {\"mode\": "
    "\"refuse\"}, \"seccomp\": {\"profile\": \"strict\", \"mode\": \"replace\"}, \"apparmor\": "
    "{\"require\": true}}",
    /* odd corners: partial modes, sizes that are not a unit, fractions of a CPU */
    "{\"privileged\": {\"mode\": \"off\", \"systemPaths\": \"audit\"}, \"hostNamespaces\": "
    "{\"mode\": \"audit\", \"namespaces\": {\"pid\": \"off\"}}, \"memory\": {\"ceiling\": "
    "1000001, \"swap\": {\"default\": \"1g\"}}, \"cpu\": {\"ceiling\": \"0.25\", \"period\": "
    "50000}, \"pids\": {}, \"readonlyRootfs\": {\"tmpfsSize\": 1000, \"tmpfsMode\": \"0755\"}, "
    "\"rlimits\": {\"limits\": {\"RLIMIT_CORE\": {\"ceiling\": 0}, \"RLIMIT_NOFILE\": "
    "{\"default\": 100, \"defaultSoft\": 10}}}, \"userNamespace\": {\"pool\": {\"uid\": 100000, "
    "\"gid\": 200000, \"size\": 131072}, \"required\": false}, \"selinux\": {\"type\": \"my_t\"}, "
    "\"hooks\": {\"mode\": \"fix\", \"allow\": [\"/usr/bin/hook\"]}, \"sshd\": {\"mode\": "
    "\"refuse\"}, \"oom\": {\"minScoreAdj\": -500}}",
    /* a profile that does not enforce; the images rule */
    "{\"enforce\": false, \"images\": {\"allow\": [\"docker.io/library/\"], \"requireDigest\": "
    "true, \"missing\": \"refuse\", \"annotation\": \"example.org/image\"}, \"pids\": true}",
    /* sections turned off in place */
    "{\"pids\": {\"enabled\": false, \"ceiling\": 5}, \"capabilities\": false, \"seccomp\": "
    "{\"enabled\": false}}",
};

static void test_round_trip(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(round_trips); i++) {
    const char *in = round_trips[i];
    cleanup_free char *once = NULL, *twice = NULL;
    once = effective_text(in);
    twice = effective_text(once);
    if (strcmp(once, twice) != 0)
      fail_msg("profile %zu does not round-trip:\n%s\n%s", i, once, twice);
  }
}

static struct hr_policy *loaded(const char *text)
{
  const char *dir = getenv("HR_PROFILES");
  const char *const dirs[] = {dir != NULL ? dir : "profiles", NULL};
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_parse(text, strlen(text), "p.json", "p", &p, &err), &err);
  assert_ok(hr_seccomp_load(p, dirs, NULL, &err), &err);
  return p;
}

/* What create makes of a spec under a policy: the output, the changes, or
 * the error. */
static char *outcome(const struct hr_policy *p, const char *spec, size_t len)
{
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  cleanup_free char *out = NULL, *log = NULL;
  size_t out_len = 0;
  char *s = NULL;

  if (hr_spec_harden_buffer(spec, len, "config.json", p, &ch, &out, &out_len, &err) < 0)
    assert_true(asprintf(&s, "error: %s", err.msg) > 0);
  else
    assert_true(asprintf(&s, "%s\n%s", out != NULL ? out : "(unchanged)",
                         (log = unit_join_changes(&ch))) > 0);
  hr_changes_free(&ch);
  return s;
}

/* The effective profile is not only stable: it enforces exactly what the
 * profile it was made from enforces, on real specs. */
static void test_same_enforcement(void **state)
{
  static const char *const specs[] = {"explain/docker-default.json", "explain/docker-hardened.json",
                                      "explain/docker-privileged-host.json",
                                      "configs/runc-spec.json"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(round_trips); i++) {
    cleanup_free char *eff = effective_text(round_trips[i]);
    struct hr_policy *a = loaded(round_trips[i]), *b = loaded(eff);
    for (size_t k = 0; k < HR_ARRAY_SIZE(specs); k++) {
      size_t len;
      cleanup_free char *spec = unit_read_fixture(specs[k], &len);
      cleanup_free char *x = outcome(a, spec, len), *y = outcome(b, spec, len);
      if (strcmp(x, y) != 0)
        fail_msg("profile %zu on %s:\nas written:\n%s\neffective:\n%s", i, specs[k], x, y);
    }
    hr_policy_free(a);
    hr_policy_free(b);
  }
}

/* The built-in values are written out, exactly. */
static void test_defaults_spelled_out(void **state)
{
  cleanup_free char *t = effective_text(
      "{\"pids\": true, \"cpu\": true, \"memory\": {\"ceiling\": \"1g\"}, \"hostNamespaces\": "
      "true, \"userNamespace\": true, \"rlimits\": true, \"readonlyRootfs\": true}");

  assert_non_null(strstr(t, "\"pids\":{\"default\":1024,\"ceiling\":16384}"));
  assert_non_null(strstr(
      t, "\"cpu\":{\"default\":\"2\",\"ceiling\":\"16\",\"period\":100000,\"shares\":{\"ceiling\":"
         "10240}}"));
  assert_non_null(strstr(t, "\"memory\":{\"ceiling\":\"1g\"}"));
  assert_non_null(strstr(t, "\"hostNamespaces\":{\"namespaces\":{\"network\":\"refuse\",\"pid\":"
                            "\"refuse\",\"ipc\":\"refuse\",\"uts\":\"refuse\",\"mount\":"
                            "\"refuse\",\"cgroup\":\"audit\"}}"));
  assert_non_null(strstr(t, "\"userNamespace\":{\"required\":true,\"size\":65536,\"subidUser\":"
                            "\"hardrun\",\"subuidFile\":\"/etc/subuid\",\"subgidFile\":"
                            "\"/etc/subgid\"}"));
  assert_non_null(strstr(t, "\"rlimits\":{\"mode\":\"fix\",\"limits\":{\"RLIMIT_NOFILE\":"
                            "{\"ceiling\":1048576},\"RLIMIT_NPROC\":{\"ceiling\":65536},"
                            "\"RLIMIT_RTPRIO\":{\"ceiling\":0}}}"));
  assert_non_null(strstr(t, "\"readonlyRootfs\":{\"tmpfs\":[\"/tmp\",\"/run\",\"/var/tmp\"],"
                            "\"tmpfsSize\":\"64m\",\"tmpfsMode\":\"1777\"}"));
}

/* ---- sources ---------------------------------------------------------------------------- */

static char tmpdir[] = "/tmp/hardrun-test-show.XXXXXX";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void put(const char *rel, const char *text)
{
  char path[512];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
  if (text == NULL) {
    assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
    return;
  }
  f = fopen(path, "we");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static const char *source(const struct hr_show_value *v, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].key, key) == 0)
      return v[i].source;
  fail_msg("no value %s", key);
  return NULL;
}

static void test_sources(void **state)
{
  char a[600], b[600], conf_path[600], want[700];
  char *dirs[] = {a, b, NULL};
  struct hr_conf conf = {.profile_dirs = dirs, .default_profile = "p"};
  struct hr_show s = {0};
  struct hr_error err = {0};
  cleanup_free char *json = NULL;

  assert_non_null(mkdtemp(tmpdir));
  put("a", NULL);
  put("b", NULL);
  put("a/p.json", "{\"pids\": true,\n \"cpu\": {\"default\": \"1\"},\n \"hostNamespaces\": "
                  "{\"mode\": \"audit\", \"namespaces\": {\"pid\": \"refuse\"}}}");
  put("b/p.json", "{}");
  put("hardrun.conf", "{\n  \"stateDir\": \"/run/x\"\n}");
  snprintf(a, sizeof(a), "%s/a", tmpdir);
  snprintf(b, sizeof(b), "%s/b", tmpdir);
  snprintf(conf_path, sizeof(conf_path), "%s/hardrun.conf", tmpdir);
  conf.path = conf_path;
  assert_ok(hr_policy_show(&conf, "p", &s, &err), &err);
  snprintf(want, sizeof(want), "%s/p.json", b);
  assert_int_equal(s.n_shadowed, 1);
  assert_string_equal(s.shadowed[0], want);
  assert_string_equal(source(s.items, s.n_items, "pids.default"), "built-in");
  snprintf(want, sizeof(want), "%s/p.json:2:21", a);
  assert_string_equal(source(s.items, s.n_items, "cpu.default"), want);
  assert_string_equal(source(s.items, s.n_items, "cpu.period"), "built-in");
  /* a type the file leaves to the section's mode */
  snprintf(want, sizeof(want), "%s/p.json:3:29", a);
  assert_string_equal(source(s.items, s.n_items, "hostNamespaces.namespaces.ipc"), want);
  snprintf(want, sizeof(want), "%s/p.json:3:60", a);
  assert_string_equal(source(s.items, s.n_items, "hostNamespaces.namespaces.pid"), want);
  assert_string_equal(source(s.items, s.n_items, "capabilities"), "absent");
  snprintf(want, sizeof(want), "%s:2:15", conf_path);
  assert_string_equal(source(s.conf, s.n_conf, "stateDir"), want);
  assert_string_equal(source(s.conf, s.n_conf, "auditFile"), "built-in");
  assert_ok(hr_show_format_json(&s, &json, &err), &err);
  assert_non_null(strstr(json, "\"values\":[{\"key\":\"enforce\",\"value\":true,\"source\":"
                               "\"built-in\"},{\"key\":\"privileged\",\"value\":false,"
                               "\"source\":\"absent\"}"));
  hr_show_free(&s);

  /* "extends": each section is sourced in the file it came from */
  put("a/c.json", "{\"extends\": \"base\",\n \"pids\": {\"default\": 7}}");
  put("b/base.json", "{\"description\": \"the base\",\n \"cpu\": true, \"pids\": true}");
  assert_ok(hr_policy_show(&conf, "c", &s, &err), &err);
  assert_int_equal(s.n_inherited, 1);
  snprintf(want, sizeof(want), "%s/base.json", b);
  assert_string_equal(s.inherited[0], want);
  snprintf(want, sizeof(want), "%s/c.json:2:22", a);
  assert_string_equal(source(s.items, s.n_items, "pids.default"), want);
  assert_string_equal(source(s.items, s.n_items, "cpu.default"), "built-in");
  snprintf(want, sizeof(want), "%s/base.json:1:17", b);
  assert_string_equal(source(s.items, s.n_items, "description"), want);
  hr_show_free(&s);
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_control),    cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_same_enforcement), cmocka_unit_test(test_defaults_spelled_out),
      cmocka_unit_test(test_sources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
