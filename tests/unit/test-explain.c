/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy explain: on every fixture and profile, explain and create's own
 * rewrite (hr_spec_harden_buffer) must agree on the verdict, on the first
 * refusal word for word, and, when the container is allowed, on every
 * change; and explain must go on past a refusal to show the others.
 *
 * On an SELinux host (a hand-made one, bound with hr_lsm_bind_host: this
 * kernel has no SELinux) the one value the two may differ in is the MCS
 * pair of a fresh label: explain reserves none and shows
 * HR_MCS_DRY_RUN_PAIR where create shows the pair it reserved.  The
 * comparison then requires create's value to be explain's with the
 * placeholder replaced by exactly the pair create recorded for the
 * container, and every other byte equal. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/explain.h"
#include "hardrun/json.h"
#include "hardrun/lsm.h"
#include "hardrun/spec.h"

static const char *const fixtures[] = {
    "explain/docker-privileged-host.json", /* docker run --privileged -v /:/host --pid=host */
    "explain/docker-default.json",         /* docker run */
    "explain/docker-hardened.json",        /* docker run --read-only --user ... --network none */
    /* docker-default.json with the two labels dockerd gives a container
     * on an SELinux host (added by hand: this host has no SELinux) */
    "explain/docker-selinux.json",
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

/* The SELinux host's container id for create, and its run directory. */
#define SE_ID "cmp"

/* Create's value for explain's `shown`: the placeholder replaced by the
 * pair create recorded for SE_ID in `run_dir`. */
static char *with_pair(const char *shown, const char *run_dir)
{
  const char *at = strstr(shown, HR_MCS_DRY_RUN_PAIR);
  struct hr_mcs_pair pair;
  struct hr_error err = {0};
  char *s = NULL;
  int found = hr_mcs_lookup(run_dir, SE_ID, &pair, &err);

  assert_ok(found, &err);
  if (found == 0)
    fail_msg("explain shows %s but create recorded no pair", shown);
  assert_true(pair.a < pair.b && pair.b < HR_MCS_CATEGORIES);
  assert_true(asprintf(&s, "%.*sc%u,c%u%s", (int)(at - shown), shown, pair.a, pair.b,
                       at + strlen(HR_MCS_DRY_RUN_PAIR)) > 0);
  return s;
}

/* Create's changes and explain's, one by one; `run_dir` non-NULL on the
 * SELinux host, where a placeholder stands for the pair create recorded.
 * Returns the number of placeholders seen. */
static size_t changes_agree(const char *fixture, const struct hr_changes *c,
                            const struct hr_changes *e, const char *run_dir)
{
  cleanup_free char *a = unit_join_changes(c), *b = unit_join_changes(e);
  size_t placeholders = 0;

  if (c->len != e->len)
    fail_msg("%s: changes differ\ncreate:\n%s\nexplain:\n%s", fixture, a, b);
  for (size_t i = 0; i < c->len; i++) {
    const struct hr_change *x = &c->items[i], *y = &e->items[i];
    cleanup_free char *want = NULL;
    if (run_dir != NULL && strstr(y->new_value, HR_MCS_DRY_RUN_PAIR) != NULL) {
      want = with_pair(y->new_value, run_dir);
      placeholders++;
    }
    if (strcmp(x->rule, y->rule) != 0 || strcmp(x->path, y->path) != 0 ||
        x->audit_only != y->audit_only || strcmp(x->old_value, y->old_value) != 0 ||
        strcmp(x->new_value, want != NULL ? want : y->new_value) != 0)
      fail_msg("%s: change %zu differs\ncreate:\n%s\nexplain:\n%s", fixture, i, a, b);
  }
  return placeholders;
}

/* One fixture, one profile: explain's outcome, then create's.  With
 * `run_dir` (the SELinux host) explain must leave it absent, create runs
 * for container SE_ID, and its pair is given back afterwards. */
static size_t compare_on(const char *fixture, const struct hr_policy *p, const char *run_dir,
                         size_t *ret_refusals)
{
  size_t len;
  cleanup_free char *buf = unit_read_fixture(fixture, &len), *out = NULL;
  struct hr_changes created = {0}, explained = {0};
  struct hr_refusal_list refusals = {0};
  struct hr_error ce = {0}, ee = {0};
  size_t out_len = 0, placeholders = 0;
  bool rewrite = true;
  struct stat sb;
  int rc, re;

  hr_lsm_set_container(NULL, run_dir);
  re = hr_spec_explain_buffer(buf, len, "config.json", p, &explained, &refusals, &rewrite, &ee);
  if (run_dir != NULL && lstat(run_dir, &sb) == 0)
    fail_msg("%s: explain created %s", fixture, run_dir);
  hr_lsm_set_container(run_dir != NULL ? SE_ID : NULL, run_dir);
  rc = hr_spec_harden_buffer(buf, len, "config.json", p, &created, &out, &out_len, &ce);
  if (rc == 0) {
    assert_ok(re, &ee);
    if (refusals.len != 0)
      fail_msg("%s: create allowed, explain refused: %s", fixture, refusals.items[0].full);
    placeholders = changes_agree(fixture, &created, &explained, run_dir);
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
  hr_lsm_set_container(NULL, NULL);
  return placeholders;
}

static void compare(const char *fixture, const struct hr_policy *p, size_t *ret_refusals)
{
  compare_on(fixture, p, NULL, ret_refusals);
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

/* ---- an SELinux host ------------------------------------------------------------- */

static char tmpdir[64];
static unsigned n_dirs;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static char *new_run_dir(void)
{
  char *p = NULL;
  assert_true(asprintf(&p, "%s/run%u", tmpdir, n_dirs++) > 0);
  return p;
}

/* A policy that knows the container types and the spc_t Docker's
 * --security-opt label=disable asks for. */
static int se_check(const struct hr_lsm_host *h, const char *context)
{
  static const char *const known[] = {
      "system_u:system_r:container_t:", "system_u:object_r:container_file_t:",
      "system_u:system_r:spc_t:"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(known); i++)
    if (strncmp(context, known[i], strlen(known[i])) == 0)
      return 0;
  errno = EINVAL;
  return -1;
}

static int aa_none(const struct hr_lsm_host *h, const char *name, struct hr_error *err)
{
  return 0;
}

static const struct hr_lsm_host selinux_host = {
    .selinux = true,
    .selinux_process = "system_u:system_r:container_t:s0",
    .selinux_file = "system_u:object_r:container_file_t:s0",
    .apparmor_loaded = aa_none,
    .selinux_check = se_check,
};

static int se_setup(void **state)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/hardrun-test-explain.XXXXXX");
  if (mkdtemp(tmpdir) == NULL)
    return -1;
  hr_lsm_bind_host(&selinux_host);
  return 0;
}

static int se_teardown(void **state)
{
  hr_lsm_bind_host(NULL);
  hr_lsm_set_container(NULL, NULL);
  return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every fixture and profile again, on the SELinux host: explain reserves
 * nothing, and agrees with create but for the pair it cannot know. */
static void test_selinux_same_as_create(void **state)
{
  struct hr_policy *ps[1 + HR_ARRAY_SIZE(profiles)];
  size_t refused = 0, allowed = 0, placeholders = 0;

  ps[0] = shipped_default();
  for (size_t i = 0; i < HR_ARRAY_SIZE(profiles); i++)
    ps[i + 1] = inline_profile(profiles[i]);
  for (size_t f = 0; f < HR_ARRAY_SIZE(fixtures); f++)
    for (size_t i = 0; i < HR_ARRAY_SIZE(ps); i++) {
      cleanup_free char *run_dir = new_run_dir();
      size_t n;
      placeholders += compare_on(fixtures[f], ps[i], run_dir, &n);
      refused += n > 0;
      allowed += n == 0;
    }
  assert_true(refused > 0 && allowed > 0);
  /* The fresh-label path was compared, not only the kept labels. */
  assert_true(placeholders >= 2);
  for (size_t i = 0; i < HR_ARRAY_SIZE(ps); i++)
    hr_policy_free(ps[i]);
}

static const struct hr_change *change_at(const struct hr_changes *ch, const char *path)
{
  for (size_t i = 0; i < ch->len; i++)
    if (strcmp(ch->items[i].path, path) == 0)
      return &ch->items[i];
  return NULL;
}

/* hr_explain_config, as `hardrun policy explain FILE` runs it, with the
 * shipped profiles and a state directory of its own. */
static int explain_file(const char *file, const char *state_dir, struct hr_explain *e,
                        struct hr_error *err)
{
  const char *dir = getenv("HR_PROFILES");
  char *dirs[] = {(char *)(dir != NULL ? dir : "profiles"), NULL};
  const struct hr_conf conf = {
      .default_profile = (char *)"default", .profile_dirs = dirs, .state_dir = (char *)state_dir};

  return hr_explain_config(&conf, NULL, NULL, file, e, err);
}

/* An ordinary config on an SELinux host: allowed (exit 0), the labels
 * shown with the placeholder, and no MCS table, lock or directory made. */
static void test_selinux_explain_allowed(void **state)
{
  cleanup_free char *file = unit_fixture_path("explain/docker-default.json");
  cleanup_free char *kept = unit_fixture_path("explain/docker-selinux.json");
  cleanup_free char *state_dir = new_run_dir();
  struct hr_explain e = {0};
  struct hr_error err = {0};
  const struct hr_change *c;
  struct stat sb;

  assert_ok(explain_file(file, state_dir, &e, &err), &err);
  assert_int_equal(e.refusals.len, 0);
  assert_string_equal(e.profile, "default");
  c = change_at(&e.changes, "process.selinuxLabel");
  assert_string_equal(c != NULL ? c->new_value : "(none)",
                      "\"system_u:system_r:container_t:s0:" HR_MCS_DRY_RUN_PAIR "\"");
  c = change_at(&e.changes, "linux.mountLabel");
  assert_string_equal(c != NULL ? c->new_value : "(none)",
                      "\"system_u:object_r:container_file_t:s0:" HR_MCS_DRY_RUN_PAIR "\"");
  assert_true(e.rewrite);
  hr_explain_free(&e);
  /* Docker's own labels: kept, nothing to show for them */
  assert_ok(explain_file(kept, state_dir, &e, &err), &err);
  assert_int_equal(e.refusals.len, 0);
  assert_null(change_at(&e.changes, "process.selinuxLabel"));
  assert_null(change_at(&e.changes, "linux.mountLabel"));
  hr_explain_free(&e);
  assert_int_equal(lstat(state_dir, &sb), -1);
  assert_int_equal(errno, ENOENT);
}

/* A label that is refused is still refused, under its rule, and other
 * rules go on being reported. */
static void test_selinux_explain_refused(void **state)
{
  size_t len;
  cleanup_free char *buf = unit_read_fixture("explain/docker-selinux.json", &len);
  cleanup_free char *state_dir = new_run_dir(), *file = NULL;
  struct hr_explain e = {0};
  struct hr_error err = {0};
  struct stat sb;
  char *at;
  FILE *f;
  bool selinux = false;

  /* --security-opt label=disable: Docker's label becomes spc_t */
  at = strstr(buf, "system_u:system_r:container_t:");
  assert_non_null(at);
  assert_true(asprintf(&file, "%s/spc.json", tmpdir) > 0);
  f = fopen(file, "we");
  assert_non_null(f);
  fprintf(f, "%.*ssystem_u:system_r:spc_t:%s", (int)(at - buf), buf,
          at + strlen("system_u:system_r:container_t:"));
  assert_int_equal(fclose(f), 0);
  assert_ok(explain_file(file, state_dir, &e, &err), &err);
  for (size_t i = 0; i < e.refusals.len; i++)
    if (strcmp(e.refusals.items[i].rule, "selinux") == 0) {
      assert_string_equal(e.refusals.items[i].message,
                          "process.selinuxLabel: type spc_t is not confined; refused");
      selinux = true;
    }
  assert_true(selinux);
  assert_false(e.rewrite);
  /* the default profile's other rules still report: the capabilities */
  assert_non_null(change_at(&e.changes, "process.capabilities.bounding"));
  hr_explain_free(&e);
  assert_int_equal(lstat(state_dir, &sb), -1);
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
      cmocka_unit_test(test_same_as_create),
      cmocka_unit_test(test_every_refusal),
      cmocka_unit_test(test_walk_goes_on),
      cmocka_unit_test(test_input_errors),
      cmocka_unit_test(test_json),
      cmocka_unit_test_setup_teardown(test_selinux_same_as_create, se_setup, se_teardown),
      cmocka_unit_test_setup_teardown(test_selinux_explain_allowed, se_setup, se_teardown),
      cmocka_unit_test_setup_teardown(test_selinux_explain_refused, se_setup, se_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
