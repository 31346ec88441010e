/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hardrun.conf, profile lookup and parsing, the shared profile helpers, the
 * change log and hr_policy_apply (with the no-new-privileges control). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

static char tmpdir[] = "/tmp/hardrun-test-policy.XXXXXX";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static int setup(void **state)
{
  return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
  return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of `rel` under the test's temporary directory (malloc'ed). */
static char *tmp_path(const char *rel)
{
  char *p = NULL;
  assert_true(asprintf(&p, "%s/%s", tmpdir, rel) > 0);
  return p;
}

/* Create directory `rel` (one level) under the temporary directory. */
static char *tmp_dir(const char *rel)
{
  char *p = tmp_path(rel);
  if (mkdir(p, 0755) < 0 && errno != EEXIST)
    fail_msg("mkdir %s: %s", p, strerror(errno));
  return p;
}

static char *tmp_write(const char *rel, const char *text)
{
  char *p = tmp_path(rel);
  FILE *f = fopen(p, "we");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
  return p;
}

/* ---- hardrun.conf ----------------------------------------------------- */

static void test_conf_default_path(void **state)
{
  const char *def = SYSCONFDIR "/hardrun/hardrun.conf";
  struct hr_error err = {0};
  struct hr_conf c;

  /* After `make install` (the quick start does it) the default path holds
   * the installed file, which must then be the one read. */
  if (access(def, F_OK) == 0) {
    assert_ok(hr_conf_load(NULL, &c, &err), &err);
    assert_non_null(c.path);
    assert_string_equal(c.path, def);
    hr_conf_free(&c);
    return;
  }
  assert_int_equal(errno, ENOENT);
  assert_ok(hr_conf_load(NULL, &c, &err), &err);
  assert_null(c.path);
  assert_string_equal(c.default_profile, "default");
  assert_string_equal(c.runtime, HR_DEFAULT_RUNTIME);
  assert_string_equal(c.profile_dirs[0], SYSCONFDIR "/hardrun/profiles");
  assert_string_equal(c.profile_dirs[1], DATADIR "/hardrun/profiles");
  assert_null(c.profile_dirs[2]);
  assert_string_equal(c.audit_socket, "/dev/log");
  assert_null(c.audit_file);
  hr_conf_free(&c);
}

static void test_conf_explicit_missing(void **state)
{
  cleanup_free char *path = tmp_path("no-such.conf");
  cleanup_free char *want = NULL;
  struct hr_error err = {0};
  struct hr_conf c = {0};

  assert_int_equal(hr_conf_load(path, &c, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_true(asprintf(&want, "%s: configuration file not found", path) > 0);
  assert_string_equal(err.msg, want);
  assert_null(c.default_profile); /* untouched on failure */
}

static void test_conf_every_key(void **state)
{
  cleanup_free char *path =
      tmp_write("all.conf", "// every key\n"
                            "{\n"
                            "  \"defaultProfile\": \"web-1.x\",\n"
                            "  \"runtime\": \"/opt/runc\", /* c */\n"
                            "  \"profileDirs\": [\"/p1\", \"/p2\", \"/p3\"],\n"
                            "  \"auditSocket\": \"\",\n"
                            "  \"auditFile\": \"/var/log/hardrun.jsonl\",\n"
                            "  \"runtimeSeccompBpf\": \"never\"\n"
                            "}\n");
  struct hr_error err = {0};
  struct hr_conf c;

  assert_ok(hr_conf_load(path, &c, &err), &err);
  assert_string_equal(c.path, path);
  assert_string_equal(c.default_profile, "web-1.x");
  assert_string_equal(c.runtime, "/opt/runc");
  assert_string_equal(c.profile_dirs[0], "/p1");
  assert_string_equal(c.profile_dirs[1], "/p2");
  assert_string_equal(c.profile_dirs[2], "/p3");
  assert_null(c.profile_dirs[3]);
  assert_string_equal(c.audit_socket, "");
  assert_string_equal(c.audit_file, "/var/log/hardrun.jsonl");
  assert_int_equal(c.runtime_bpf, HR_RUNTIME_BPF_NEVER);
  hr_conf_free(&c);
}

/* "auto" goes by the runtime's file name: crun takes the compiled filter,
 * runc (and anything else) ignores the annotation, so gets none. */
static void test_conf_runtime_bpf(void **state)
{
  static const struct {
    enum hr_runtime_bpf mode;
    const char *runtime;
    bool want;
  } cases[] = {
      {HR_RUNTIME_BPF_AUTO, "/usr/bin/crun", true},
      {HR_RUNTIME_BPF_AUTO, "/opt/crun-1.8/bin/crun", true},
      {HR_RUNTIME_BPF_AUTO, "/usr/sbin/runc", false},
      {HR_RUNTIME_BPF_AUTO, "/usr/bin/crun.real", false},
      {HR_RUNTIME_BPF_AUTO, "/usr/bin/krun", false},
      {HR_RUNTIME_BPF_AUTO, "/crun/runc", false},
      {HR_RUNTIME_BPF_ALWAYS, "/usr/sbin/runc", true},
      {HR_RUNTIME_BPF_NEVER, "/usr/bin/crun", false},
  };

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++) {
    struct hr_conf c = {.runtime_bpf = cases[i].mode};
    if (hr_conf_runtime_bpf(&c, cases[i].runtime) != cases[i].want)
      fail_msg("case %zu: %s", i, cases[i].runtime);
  }
}

static void test_conf_shipped(void **state)
{
  const char *build = getenv("HR_BUILDDIR"); /* etc/hardrun.conf is generated */
  cleanup_free char *path = NULL;
  struct hr_error err = {0};
  struct hr_conf c;

  assert_true(asprintf(&path, "%s/etc/hardrun.conf", build ? build : ".") > 0);
  assert_ok(hr_conf_load(path, &c, &err), &err);
  assert_string_equal(c.default_profile, "default");
  assert_string_equal(c.audit_socket, "/dev/log");
  assert_string_equal(c.runtime, HR_DEFAULT_RUNTIME);
  assert_string_equal(c.profile_dirs[0], SYSCONFDIR "/hardrun/profiles");
  assert_null(c.audit_file);
  assert_int_equal(c.runtime_bpf, HR_RUNTIME_BPF_AUTO);
  hr_conf_free(&c);
}

/* One row per hardrun.conf: `want` NULL means it loads; otherwise the error
 * message after the file name. */
static const struct conf_case {
  const char *text;
  const char *want;
} conf_cases[] = {
    {"{}", NULL},
    {"// only a comment\n{ /* nothing */ }", NULL},
    {"{\"auditFile\": null}", NULL},
    {"{\n  \"defaultProfil\": \"x\"\n}",
     ":2:20: unknown key \"defaultProfil\"; did you mean \"defaultProfile\"?"},
    {"{\"AuditSocket\": \"\"}",
     ":1:17: unknown key \"AuditSocket\"; did you mean \"auditSocket\"?"},
    {"{\"seccomp\": 1}", ":1:13: unknown key \"seccomp\" (known keys: \"defaultProfile\", "
                         "\"runtime\", \"profileDirs\", \"auditSocket\", \"auditFile\", "
                         "\"stateDir\", \"profileRules\", \"profileAnnotation\", "
                         "\"runtimeSeccompBpf\")"},
    {"{\"runtimeSeccompBpf\": \"always\"}", NULL},
    {"{\"runtimeSeccompBpf\": \"yes\"}",
     ":1:23: runtimeSeccompBpf: expected \"auto\", \"always\" or \"never\", got \"yes\""},
    {"{\"runtimeSeccompBpf\": true}", ":1:23: runtimeSeccompBpf: expected a string, got boolean"},
    {"{\"runtime\": \"runc\"}", ":1:13: runtime: expected an absolute path, got \"runc\""},
    {"{\"runtime\": 1}", ":1:13: runtime: expected a string, got number"},
    {"{\"profileDirs\": []}", ":1:17: profileDirs: must list at least one directory"},
    {"{\"profileDirs\": \"/p\"}", ":1:17: profileDirs: expected an array of strings, got string"},
    {"{\"profileDirs\": [\"/a\", \"b\"]}",
     ":1:24: profileDirs[1]: expected an absolute path, got \"b\""},
    {"{\"profileDirs\": [\"/a\", null]}", ":1:24: profileDirs[1]: expected a string, got null"},
    {"{\"auditSocket\": \"dev/log\"}",
     ":1:17: auditSocket: expected an absolute path, got \"dev/log\""},
    {"{\"auditFile\": 5}", ":1:15: auditFile: expected an absolute path or null, got number"},
    {"{\"auditFile\": \"log\"}", ":1:15: auditFile: expected an absolute path, got \"log\""},
    {"{\"defaultProfile\": \"../x\"}",
     ":1:20: defaultProfile: invalid profile name \"../x\" (expected [A-Za-z0-9][A-Za-z0-9._-]*, "
     "at most 64 bytes)"},
    {"{\"runtime\": \"/a\", \"runtime\": \"/b\"}",
     ":1:30: duplicate key \"runtime\" (first set at line 1, column 13)"},
};

static void test_conf_table(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(conf_cases); i++) {
    const struct conf_case *t = &conf_cases[i];
    cleanup_free char *path = tmp_write("case.conf", t->text);
    cleanup_free char *want = NULL;
    struct hr_error err = {0};
    struct hr_conf c = {0};
    int r = hr_conf_load(path, &c, &err);

    if (t->want == NULL) {
      if (r < 0)
        fail_msg("case %zu: %s", i, err.msg);
      hr_conf_free(&c);
      continue;
    }
    assert_true(asprintf(&want, "%s%s", path, t->want) > 0);
    if (r == 0 || strcmp(err.msg, want) != 0)
      fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, r, err.msg, want);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
  }
}

/* Malformed JSON and files that are not regular files: always HR_ERR_PROFILE. */
static void test_conf_unreadable(void **state)
{
  cleanup_free char *bad = tmp_write("bad.conf", "{\"runtime\": ");
  cleanup_free char *arr = tmp_write("array.conf", "[]");
  cleanup_free char *dir = tmp_dir("dir.conf");
  cleanup_free char *fifo = tmp_path("fifo.conf");
  cleanup_free char *link = tmp_path("link.conf");
  cleanup_free char *dangling = tmp_path("dangling.conf");
  const char *fail[] = {bad, arr, dir, fifo, dangling};
  struct hr_error err = {0};
  struct hr_conf c;

  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(symlink("dangling-target", dangling), 0);
  for (size_t i = 0; i < HR_ARRAY_SIZE(fail); i++) {
    memset(&err, 0, sizeof(err));
    if (hr_conf_load(fail[i], &c, &err) == 0)
      fail_msg("%s: loaded", fail[i]);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_non_null(strstr(err.msg, fail[i]));
  }
  /* Distributions symlink configuration files: a symlink is followed. */
  free(tmp_write("target.conf", "{\"auditSocket\": \"/x\"}"));
  assert_int_equal(symlink("target.conf", link), 0);
  assert_ok(hr_conf_load(link, &c, &err), &err);
  assert_string_equal(c.audit_socket, "/x");
  hr_conf_free(&c);
}

/* ---- profile names and lookup ----------------------------------------- */

static void test_name_valid(void **state)
{
  static const struct {
    const char *name;
    bool ok;
  } cases[] = {
      {"default", true},
      {"web-1.2_x", true},
      {"A", true},
      {"0", true},
      {"1234567890123456789012345678901234567890123456789012345678901234", true},
      {"12345678901234567890123456789012345678901234567890123456789012345", false},
      {"", false},
      {"../x", false},
      {"a/b", false},
      {".hidden", false},
      {"-x", false},
      {"_x", false},
      {"a b", false},
      {"a\nb", false},
      {"caf\xc3\xa9", false},
      {NULL, false},
  };
  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++)
    if (hr_policy_name_valid(cases[i].name) != cases[i].ok)
      fail_msg("case %zu (%s): want %d", i, cases[i].name ? cases[i].name : "NULL", cases[i].ok);
}

static const char nnp_profile[] = "{\"description\": \"%s\", \"noNewPrivileges\": true}";

static char *write_profile(const char *dir, const char *name, const char *desc)
{
  cleanup_free char *rel = NULL, *text = NULL;
  assert_true(asprintf(&rel, "%s/%s.json", dir, name) > 0);
  assert_true(asprintf(&text, nnp_profile, desc) > 0);
  return tmp_write(rel, text);
}

static void test_load_search_order(void **state)
{
  cleanup_free char *d1 = tmp_dir("order1"), *d2 = tmp_dir("order2");
  cleanup_free char *p1 = write_profile("order1", "both", "from d1");
  cleanup_free char *p2 = write_profile("order2", "both", "from d2");
  cleanup_free char *p3 = write_profile("order2", "second", "only d2");
  char *dirs[] = {d1, d2, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  struct hr_error err = {0};
  cleanup_policy struct hr_policy *a = NULL;
  cleanup_policy struct hr_policy *b = NULL;

  assert_ok(hr_policy_load(&conf, "both", &a, &err), &err);
  assert_string_equal(a->description, "from d1");
  assert_string_equal(a->name, "both");
  assert_string_equal(a->path, p1);
  assert_true(a->no_new_privileges);
  assert_ok(hr_policy_load(&conf, "second", &b, &err), &err);
  assert_string_equal(b->description, "only d2");
  assert_string_equal(b->path, p3);
}

static void test_load_not_found(void **state)
{
  cleanup_free char *d1 = tmp_dir("nf1");
  cleanup_free char *d2 = tmp_path("nf-missing-dir");
  cleanup_free char *want = NULL;
  char *dirs[] = {d1, d2, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  struct hr_error err = {0};
  struct hr_policy *p = NULL;

  assert_int_equal(hr_policy_load(&conf, "nope", &p, &err), -1);
  assert_null(p);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_true(asprintf(&want, "profile \"nope\" not found in %s, %s", d1, d2) > 0);
  assert_string_equal(err.msg, want);
}

static void test_load_bad_names(void **state)
{
  static const char *const names[] = {
      "../x", "a/b", "", "x/../../etc/passwd",
      "12345678901234567890123456789012345678901234567890123456789012345"};
  cleanup_free char *d1 = tmp_dir("names");
  char *dirs[] = {d1, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  struct hr_policy *p = NULL;

  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++) {
    struct hr_error err = {0};
    assert_int_equal(hr_policy_load(&conf, names[i], &p, &err), -1);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_non_null(strstr(err.msg, "invalid profile name"));
  }
  {
    struct hr_error err = {0};
    assert_int_equal(hr_policy_load(&conf, "a\nb", &p, &err), -1);
    assert_string_equal(err.msg, "invalid profile name \"a\\x0ab\" (expected "
                                 "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)");
  }
}

/* A profile that exists but cannot be read stops the search: falling
 * through to the next directory would apply a different policy. */
static void test_load_fails_closed(void **state)
{
  static const char *const kinds[] = {"fifo", "dir", "dangling", "invalid"};
  cleanup_free char *d1 = tmp_dir("closed1"), *d2 = tmp_dir("closed2");
  char *dirs[] = {d1, d2, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};

  for (size_t i = 0; i < HR_ARRAY_SIZE(kinds); i++) {
    cleanup_free char *rel = NULL, *path = NULL, *good = write_profile("closed2", kinds[i], "d2");
    struct hr_error err = {0};
    struct hr_policy *p = NULL;

    assert_true(asprintf(&rel, "closed1/%s.json", kinds[i]) > 0);
    path = tmp_path(rel);
    if (strcmp(kinds[i], "fifo") == 0)
      assert_int_equal(mkfifo(path, 0600), 0);
    else if (strcmp(kinds[i], "dir") == 0)
      assert_int_equal(mkdir(path, 0700), 0);
    else if (strcmp(kinds[i], "dangling") == 0)
      assert_int_equal(symlink("gone.json", path), 0);
    else
      free(tmp_write(rel, "{\"noNewPrivileges\": 1}"));
    if (hr_policy_load(&conf, kinds[i], &p, &err) == 0)
      fail_msg("%s: loaded %s", kinds[i], p->path);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_non_null(strstr(err.msg, path));
  }
}

static void test_load_symlink_followed(void **state)
{
  cleanup_free char *d1 = tmp_dir("sym");
  cleanup_free char *target = write_profile("sym", "real", "via link");
  cleanup_free char *link = tmp_path("sym/alias.json");
  char *dirs[] = {d1, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  struct hr_error err = {0};
  cleanup_policy struct hr_policy *p = NULL;

  assert_int_equal(symlink("real.json", link), 0);
  assert_ok(hr_policy_load(&conf, "alias", &p, &err), &err);
  assert_string_equal(p->description, "via link");
  assert_string_equal(p->name, "alias");
}

/* ---- "extends" and "enforce" ---------------------------------------------- */

static struct hr_policy *load_ok(struct hr_conf *conf, const char *name)
{
  struct hr_policy *p = NULL;
  struct hr_error err = {0};
  assert_ok(hr_policy_load(conf, name, &p, &err), &err);
  return p;
}

static void test_extends(void **state)
{
  cleanup_free char *d1 = tmp_dir("ext1"), *d2 = tmp_dir("ext2");
  cleanup_free char *base = tmp_write(
      "ext2/base.json", "{\"description\": \"base\", \"noNewPrivileges\": true,\n"
                        " \"pids\": {\"default\": 100}, \"memory\": {\"default\": \"1g\"}}");
  cleanup_free char *child = tmp_write(
      "ext1/child.json", "// a child\n{\"extends\": \"base\", \"pids\": {\"default\": 7},\n"
                         " \"enforce\": false}");
  cleanup_free char *grand =
      tmp_write("ext1/grand.json", "{\"extends\": \"child\", \"noNewPrivileges\": false}");
  /* An admin's profile extending the shipped one of the same name. */
  cleanup_free char *own =
      tmp_write("ext1/base.json", "{\"extends\": \"base\", \"description\": \"local\"}");
  char *dirs[] = {d1, d2, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  cleanup_policy struct hr_policy *c = load_ok(&conf, "child");
  cleanup_policy struct hr_policy *g = load_ok(&conf, "grand");
  cleanup_policy struct hr_policy *b = load_ok(&conf, "base");
  size_t k_pids = 0, k_mem = 0;

  for (size_t k = 0; k < hr_n_controls; k++) {
    k_pids = strcmp(hr_controls[k].profile_key, "pids") == 0 ? k : k_pids;
    k_mem = strcmp(hr_controls[k].profile_key, "memory") == 0 ? k : k_mem;
  }
  /* A section comes whole from the most derived profile that has it. */
  assert_int_equal(c->pids.limit.def, 7);
  assert_int_equal(c->memory.limit.def, 1 << 30);
  assert_true(c->no_new_privileges);
  /* "base" is the admin's copy in ext1, which extends ext2's. */
  assert_string_equal(c->description, "local");
  assert_false(c->enforce);
  assert_string_equal(c->sources[k_pids], child);
  assert_string_equal(c->sources[k_mem], base);
  assert_string_equal(c->path, child);
  /* Two levels: the grandchild's own key, the rest inherited. */
  assert_false(g->no_new_privileges);
  assert_int_equal(g->pids.limit.def, 7);
  assert_false(g->enforce);
  /* Same name: the next directory's, not itself. */
  assert_string_equal(b->description, "local");
  assert_true(b->no_new_privileges);
  assert_int_equal(b->pids.limit.def, 100);
  assert_true(b->enforce);
  assert_string_equal(b->sources[k_pids], base);
}

static void test_extends_errors(void **state)
{
  cleanup_free char *d = tmp_dir("exterr");
  cleanup_free char *a = tmp_write("exterr/a.json", "{\"extends\": \"b\"}");
  cleanup_free char *b = tmp_write("exterr/b.json", "{\"extends\": \"a\"}");
  cleanup_free char *m = tmp_write("exterr/m.json", "{\"extends\": \"nowhere\"}");
  cleanup_free char *bad = tmp_write("exterr/bad.json", "{\"extends\": \"../etc/x\"}");
  cleanup_free char *typo = tmp_write("exterr/typo.json", "{\"extends\": \"a\", \"enforced\": 1}");
  cleanup_free char *pt = tmp_write("exterr/ptypo.json", "{\"extends\": \"typo\"}");
  char *dirs[] = {d, NULL};
  struct hr_conf conf = {.profile_dirs = dirs};
  static const struct {
    const char *name, *want;
  } cases[] = {
      {"a", "extends: more than 8 levels (a cycle?)"},
      {"m", "extends \"nowhere\", which is not found"},
      {"bad", "bad.json:1:13: extends: invalid profile name"},
      {"typo", "typo.json:1:30: unknown key \"enforced\"; did you mean \"enforce\"?"},
      /* An error in a parent names the parent's file. */
      {"ptypo", "typo.json:1:30: unknown key \"enforced\"; did you mean \"enforce\"?"},
  };

  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++) {
    cleanup_policy struct hr_policy *p = NULL;
    struct hr_error err = {0};
    if (hr_policy_load(&conf, cases[i].name, &p, &err) == 0)
      fail_msg("%s: loaded", cases[i].name);
    if (err.kind != HR_ERR_PROFILE || strstr(err.msg, cases[i].want) == NULL)
      fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, err.msg, cases[i].want);
  }
  /* From memory there are no directories to look in. */
  {
    cleanup_policy struct hr_policy *p = NULL;
    struct hr_error err = {0};
    assert_int_equal(hr_policy_parse("{\"extends\": \"a\"}", 16, "x.json", "x", &p, &err), -1);
    assert_non_null(strstr(err.msg, "only a profile loaded by name can extend another"));
  }
}

/* ---- top-level profile parsing (fixtures) ----------------------------- */

static const struct profile_case {
  const char *file;
  const char *want; /* error message, or NULL */
  bool nnp;
  const char *description;
} profile_cases[] = {
    {"nnp.json", NULL, true, "only nnp"},
    {"nnp-off.json", NULL, false, NULL},
    {"empty.json", NULL, false, NULL},
    {"typo.json",
     "typo.json:2:21: unknown key \"noNewPrivilege\"; did you mean \"noNewPrivileges\"?"},
    {"case.json",
     "case.json:1:21: unknown key \"NoNewPrivileges\"; did you mean \"noNewPrivileges\"?"},
    {"nnp-object.json",
     "nnp-object.json:1:21: noNewPrivileges: expected a boolean (true or false), got object"},
    {"description-type.json", "description-type.json:1:17: description: expected a string, got "
                              "number"},
    {"duplicate.json", "duplicate.json:1:46: duplicate key \"noNewPrivileges\" (first set at line "
                       "1, column 21)"},
    {"unknown.json",
     "unknown.json:1:19: unknown key \"kernelModules\" (known keys: "
     "\"description\", \"extends\", \"enforce\", "
     "\"privileged\", \"hostNamespaces\", \"hostMounts\", \"hostDevices\", "
     "\"sysctls\", \"hooks\", \"runtimeAnnotations\", \"images\", \"readonlyRootfs\", "
     "\"noNewPrivileges\", "
     "\"capabilities\", \"user\", \"pids\", \"memory\", \"cpu\", "
     "\"mountPropagation\", \"rlimits\", \"oom\", \"secretEnv\", \"sshd\", "
     "\"checkpointRestore\", \"seccomp\", \"apparmor\", \"selinux\", \"userNamespace\")"},
};

static void test_profile_fixtures(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++) {
    const struct profile_case *t = &profile_cases[i];
    cleanup_free char *rel = NULL, *buf = NULL;
    cleanup_policy struct hr_policy *p = NULL;
    struct hr_error err = {0};
    size_t len;
    int r;

    assert_true(asprintf(&rel, "profiles/%s", t->file) > 0);
    buf = unit_read_fixture(rel, &len);
    r = hr_policy_parse(buf, len, t->file, "fx", &p, &err);
    if (t->want != NULL) {
      if (r == 0 || strcmp(err.msg, t->want) != 0)
        fail_msg("%s: got %d \"%s\", want \"%s\"", t->file, r, err.msg, t->want);
      assert_int_equal(err.kind, HR_ERR_PROFILE);
      assert_null(p);
      continue;
    }
    if (r < 0)
      fail_msg("%s: %s", t->file, err.msg);
    assert_string_equal(p->name, "fx");
    assert_string_equal(p->path, t->file);
    assert_int_equal(p->no_new_privileges, t->nnp);
    if (t->description)
      assert_string_equal(p->description, t->description);
    else
      assert_null(p->description);
    for (size_t k = 0; k < hr_n_controls; k++)
      assert_int_equal(hr_controls[k].enabled(p),
                       strcmp(hr_controls[k].name, "no-new-privileges") == 0 && t->nnp);
  }
}

/* Syntax errors and a non-object top level come from the JSON layer; here
 * only their kind matters: a broken profile is a profile error. */
static void test_profile_malformed(void **state)
{
  static const char *const files[] = {"profiles/not-object.json", "profiles/syntax.json"};
  for (size_t i = 0; i < HR_ARRAY_SIZE(files); i++) {
    cleanup_free char *buf = NULL;
    struct hr_policy *p = NULL;
    struct hr_error err = {0};
    size_t len;

    buf = unit_read_fixture(files[i], &len);
    assert_int_equal(hr_policy_parse(buf, len, files[i], "fx", &p, &err), -1);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_non_null(strstr(err.msg, files[i]));
    assert_null(p);
  }
}

static void test_profile_too_large(void **state)
{
  const size_t max = 1u << 20;
  cleanup_free char *buf = malloc(max + 2);
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_non_null(buf);
  memset(buf, ' ', max + 1);
  buf[0] = '{';
  buf[max] = '}';
  buf[max + 1] = '\0';
  assert_int_equal(hr_policy_parse(buf, max + 1, "big.json", "big", &p, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_null(p);
  /* Exactly at the bound is fine. */
  buf[max] = '\0';
  buf[max - 1] = '}';
  assert_ok(hr_policy_parse(buf, max, "big.json", "big", &p, &err), &err);
  hr_policy_free(p);
}

/* The table itself: names, keys and order are part of the interface (audit
 * records and error messages quote them). */
static void test_control_table(void **state)
{
  static const char *const want[][3] = {
      {"privileged", "privileged", "linux.maskedPaths"},
      {"host-namespaces", "hostNamespaces", "linux.namespaces"},
      {"host-mounts", "hostMounts", "mounts"},
      {"host-devices", "hostDevices", "linux.devices"},
      {"sysctls", "sysctls", "linux.sysctl"},
      {"hooks", "hooks", "hooks"},
      {"runtime-annotations", "runtimeAnnotations", "annotations"},
      {"images", "images", "annotations"},
      {"readonly-rootfs", "readonlyRootfs", "root.readonly"},
      {"no-new-privileges", "noNewPrivileges", "process.noNewPrivileges"},
      {"capabilities", "capabilities", "process.capabilities"},
      {"user", "user", "process.user.uid"},
      {"pids-limit", "pids", "linux.resources.pids"},
      {"memory-limit", "memory", "linux.resources.memory"},
      {"cpu-limit", "cpu", "linux.resources.cpu"},
      {"mount-propagation", "mountPropagation", "linux.rootfsPropagation"},
      {"rlimits", "rlimits", "process.rlimits"},
      {"oom", "oom", "linux.resources.memory.disableOOMKiller"},
      {"secret-env", "secretEnv", "process.env"},
      {"sshd", "sshd", "process.args"},
      {"checkpoint-restore", "checkpointRestore", "process"},
      {"seccomp", "seccomp", "linux.seccomp"},
      {"apparmor", "apparmor", "process.apparmorProfile"},
      {"selinux", "selinux", "process.selinuxLabel"},
      {"user-namespace", "userNamespace", "linux.uidMappings"},
  };
  const char *src = getenv("HR_SRCDIR");

  assert_int_equal(hr_n_controls, HR_ARRAY_SIZE(want));
  for (size_t i = 0; i < hr_n_controls; i++) {
    const struct hr_control *c = &hr_controls[i];
    assert_string_equal(c->name, want[i][0]);
    assert_string_equal(c->profile_key, want[i][1]);
    assert_string_equal(c->spec_path, want[i][2]);
    assert_non_null(c->parse);
    assert_non_null(c->enabled);
    assert_non_null(c->apply);
    assert_non_null(c->test);
    if (src != NULL) {
      cleanup_free char *t = NULL;
      assert_true(asprintf(&t, "%s/%s", src, c->test) > 0);
      if (access(t, F_OK) < 0)
        fail_msg("%s: test file %s missing", c->name, t);
    }
  }
}

/* The shipped profile is what most containers run under. */
static void test_shipped_default(void **state)
{
  static const char *const caps[] = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",           "CAP_KILL",
      "CAP_SETGID", "CAP_SETUID",       "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"};
  static const char *const tmpfs[] = {"/tmp", "/run", "/var/tmp"};
  const char *dir = getenv("HR_PROFILES");
  cleanup_free char *path = NULL, *buf = NULL;
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_error err = {0};
  size_t len;

  assert_true(asprintf(&path, "%s/default.json", dir ? dir : "profiles") > 0);
  assert_ok(hr_read_file(path, 1u << 20, &buf, &len, &err), &err);
  assert_ok(hr_policy_parse(buf, len, path, "default", &p, &err), &err);
  /* Every control but user namespaces, which change file ownership on
   * volumes (off, with its settings there to turn on), and images, which
   * needs the admin's own allowlist. */
  for (size_t k = 0; k < hr_n_controls; k++)
    if (hr_controls[k].enabled(p) != (strcmp(hr_controls[k].name, "user-namespace") != 0 &&
                                      strcmp(hr_controls[k].name, "images") != 0))
      fail_msg("control %s is %s in the default profile", hr_controls[k].name,
               hr_controls[k].enabled(p) ? "on" : "off");
  assert_string_equal(p->userns.subid_user, "hardrun");
  assert_int_equal(p->userns.size, 65536);
  assert_true(p->userns.required);
  assert_non_null(p->description);
  assert_int_equal(p->rootfs.n_tmpfs, HR_ARRAY_SIZE(tmpfs));
  for (size_t i = 0; i < HR_ARRAY_SIZE(tmpfs); i++)
    assert_string_equal(p->rootfs.tmpfs[i], tmpfs[i]);
  assert_int_equal(p->rootfs.tmpfs_size, 64 << 20);
  assert_int_equal(p->rootfs.tmpfs_mode, 01777);
  assert_true(p->no_new_privileges);
  assert_int_equal(p->caps.n_allow, HR_ARRAY_SIZE(caps));
  for (size_t i = 0; i < HR_ARRAY_SIZE(caps); i++)
    assert_string_equal(p->caps.allow[i], caps[i]);
  assert_true(p->pids.limit.has_default && p->pids.limit.def == 1024);
  assert_true(p->pids.limit.has_ceiling && p->pids.limit.ceiling == 16384);
  assert_true(p->memory.limit.has_default && p->memory.limit.def == INT64_C(2) << 30);
  assert_true(p->memory.limit.has_ceiling && p->memory.limit.ceiling == INT64_C(32) << 30);
  assert_false(p->memory.swap.has_default || p->memory.swap.has_ceiling);
  assert_true(p->cpu.mcpus.has_default && p->cpu.mcpus.def == 2000);
  assert_true(p->cpu.mcpus.has_ceiling && p->cpu.mcpus.ceiling == 16000);
  assert_int_equal(p->cpu.period, 100000);
  assert_false(p->cpu.shares.has_default);
  assert_true(p->cpu.shares.has_ceiling && p->cpu.shares.ceiling == 10240);
  assert_string_equal(p->propagation.rootfs, "rprivate");
}

/* ---- the shared hr_profile_* helpers ---------------------------------- */

enum helper {
  H_BOOL,
  H_STRING,
  H_INT,
  H_SIZE,
  H_LIMIT,
  H_SIZE_LIMIT,
  H_STRV,
  H_KEYS,
  H_EXPECT_OBJECT,
  H_ERROR,
};

/* Each row parses `json` as "t.json" and runs one helper on its "v" member.
 * `want` is the rendered result, or the whole error message. */
static const struct helper_case {
  enum helper h;
  const char *json;
  const char *want;
} helper_cases[] = {
    {H_BOOL, "{\"v\": true}", "true"},
    {H_BOOL, "{\"v\": false}", "false"},
    {H_BOOL, "{\"v\": 1}", "t.json:1:7: v: expected a boolean (true or false), got number"},
    {H_BOOL, "{\"v\": \"true\"}", "t.json:1:7: v: expected a boolean (true or false), got string"},
    {H_BOOL, "{\"a\": {\"v\": null}}",
     "t.json:1:13: a.v: expected a boolean (true or false), got null"},
    {H_STRING, "{\"v\": \"abc\"}", "abc"},
    {H_STRING, "{\"v\": null}", "t.json:1:7: v: expected a string, got null"},
    {H_STRING, "{\"v\": [\"a\"]}", "t.json:1:7: v: expected a string, got array"},
    {H_INT, "{\"v\": 0}", "0"},
    {H_INT, "{\"v\": 9223372036854775807}", "9223372036854775807"},
    {H_INT, "{\"v\": 9223372036854775808}",
     "t.json:1:7: v: expected a non-negative integer, got 9223372036854775808"},
    {H_INT, "{\"v\": -1}", "t.json:1:7: v: expected a non-negative integer, got -1"},
    {H_INT, "{\"v\": 1.5}", "t.json:1:7: v: expected a non-negative integer, got 1.5"},
    {H_INT, "{\"v\": 1e3}", "t.json:1:7: v: expected a non-negative integer, got 1e3"},
    {H_INT, "{\"v\": \"64m\"}", "t.json:1:7: v: expected a non-negative integer, got string"},
    {H_SIZE, "{\"v\": \"64m\"}", "67108864"},
    {H_SIZE, "{\"v\": \"1G\"}", "1073741824"},
    {H_SIZE, "{\"v\": \"512kb\"}", "524288"},
    {H_SIZE, "{\"v\": \"4096\"}", "4096"},
    {H_SIZE, "{\"v\": 4096}", "4096"},
    {H_SIZE, "{\"v\": \"64x\"}",
     "t.json:1:7: v: invalid size \"64x\": expected digits with an optional k, m, g or t suffix"},
    {H_SIZE, "{\"v\": \"-1\"}",
     "t.json:1:7: v: invalid size \"-1\": expected digits with an optional k, m, g or t suffix"},
    {H_SIZE, "{\"v\": \"\"}",
     "t.json:1:7: v: invalid size \"\": expected digits with an optional k, m, g or t suffix"},
    {H_SIZE, "{\"v\": \"9999999999g\"}",
     "t.json:1:7: v: invalid size \"9999999999g\": expected digits with an optional k, m, g or t "
     "suffix"},
    {H_SIZE, "{\"v\": true}",
     "t.json:1:7: v: expected a non-negative integer or a size string such as \"64m\", got "
     "boolean"},
    {H_LIMIT, "{\"v\": {}}", "-/-"},
    {H_LIMIT, "{\"v\": {\"default\": 1, \"ceiling\": 5}}", "1/5"},
    {H_LIMIT, "{\"v\": {\"ceiling\": 5}}", "-/5"},
    {H_LIMIT, "{\"v\": {\"default\": 5, \"ceiling\": 5}}", "5/5"},
    {H_LIMIT, "{\"v\": {\"default\": 6, \"ceiling\": 5}}",
     "t.json:1:19: v.default: default 6 is above the ceiling 5"},
    {H_LIMIT, "{\"v\": {\"default\": 0}}",
     "t.json:1:19: v.default: must be greater than 0 (runc treats 0 as no limit)"},
    {H_LIMIT, "{\"v\": {\"ceiling\": -1}}",
     "t.json:1:19: v.ceiling: expected a non-negative integer, got -1"},
    {H_LIMIT, "{\"v\": {\"defualt\": 1}}",
     "t.json:1:19: v: unknown key \"defualt\"; did you mean \"default\"?"},
    {H_LIMIT, "{\"v\": {\"max\": 1}}",
     "t.json:1:15: v: unknown key \"max\" (known keys: \"default\", \"ceiling\")"},
    {H_LIMIT, "{\"v\": {\"default\": 1, \"default\": 2}}",
     "t.json:1:33: v: duplicate key \"default\" (first set at line 1, column 19)"},
    {H_LIMIT, "{\"v\": 5}",
     "t.json:1:7: v: expected an object {\"default\", \"ceiling\"}, got number"},
    {H_LIMIT, "{\"v\": {\"default\": \"1k\"}}",
     "t.json:1:19: v.default: expected a non-negative integer, got string"},
    {H_SIZE_LIMIT, "{\"v\": {\"default\": \"2g\", \"ceiling\": \"32g\"}}",
     "2147483648/34359738368"},
    {H_SIZE_LIMIT, "{\"v\": {\"default\": \"2g\", \"ceiling\": 1024}}",
     "t.json:1:19: v.default: default 2147483648 is above the ceiling 1024"},
    {H_STRV, "{\"v\": [\"a\", \"b\"]}", "a,b|2"},
    {H_STRV, "{\"v\": []}", "|0"},
    {H_STRV, "{\"v\": [\"a\", 1]}", "t.json:1:13: v[1]: expected a string, got number"},
    {H_STRV, "{\"v\": \"a\"}", "t.json:1:7: v: expected an array of strings, got string"},
    {H_KEYS, "{\"v\": {}}", "ok"},
    {H_KEYS, "{\"v\": {\"alpha\": 1, \"gamma\": 2}}", "ok"},
    {H_KEYS, "{\"v\": {\"alpah\": 1}}",
     "t.json:1:17: v: unknown key \"alpah\"; did you mean \"alpha\"?"},
    {H_KEYS, "{\"v\": {\"BETA\": 1}}",
     "t.json:1:16: v: unknown key \"BETA\"; did you mean \"beta\"?"},
    {H_KEYS, "{\"v\": {\"gamma_ray\": 1}}",
     "t.json:1:21: v: unknown key \"gamma_ray\" (known keys: \"alpha\", \"beta\", \"gamma\")"},
    {H_KEYS, "{\"v\": {\"a\\nb\\\"\": 1}}",
     "t.json:1:18: v: unknown key \"a\\x0ab\\x22\" (known keys: \"alpha\", \"beta\", \"gamma\")"},
    {H_KEYS, "{\"v\": {\"beta\": 1, \"beta\": 1}}",
     "t.json:1:27: v: duplicate key \"beta\" (first set at line 1, column 16)"},
    {H_KEYS, "{\"v\": []}", "t.json:1:7: v: expected an object, got array"},
    {H_KEYS, "{\"v\": {\n  // c\n  \"delta\": 1}}",
     "t.json:3:12: v: unknown key \"delta\"; did you mean \"beta\"?"},
    {H_EXPECT_OBJECT, "{\"v\": {}}", "ok"},
    {H_EXPECT_OBJECT, "{\"v\": [1]}", "t.json:1:7: v: expected an object, got array"},
    {H_ERROR, "{\"v\": 1}", "t.json:1:7: boom 42"},
    {H_ERROR, "{\n\n   \"v\": 1}", "t.json:3:9: boom 42"},
};

static char *render_limit(const struct hr_limit *l)
{
  char *s = NULL;
  char d[32] = "-", c[32] = "-";
  if (l->has_default)
    snprintf(d, sizeof(d), "%" PRId64, l->def);
  if (l->has_ceiling)
    snprintf(c, sizeof(c), "%" PRId64, l->ceiling);
  assert_true(asprintf(&s, "%s/%s", d, c) > 0);
  return s;
}

static char *render_strv(char **v, size_t n)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%s", i ? "," : "", v[i]);
  assert_null(v[n]);
  fprintf(f, "|%zu", n);
  fclose(f);
  hr_strv_free(v);
  return s;
}

/* Run one helper; returns the rendered result (malloc'ed) or NULL with err. */
static char *run_helper(const struct hr_json_doc *doc, const struct hr_json *v, enum helper h,
                        struct hr_error *err)
{
  static const char *const keys[] = {"alpha", "beta", "gamma", NULL};
  char *s = NULL;
  bool b;
  const char *str;
  int64_t i;
  struct hr_limit l;
  char **strv;
  size_t n;

  switch (h) {
  case H_BOOL:
    return hr_profile_get_bool(doc, v, &b, err) < 0 ? NULL : strdup(b ? "true" : "false");
  case H_STRING:
    return hr_profile_get_string(doc, v, &str, err) < 0 ? NULL : strdup(str);
  case H_INT:
  case H_SIZE:
    if (hr_profile_get_int(doc, v, h == H_SIZE, &i, err) < 0)
      return NULL;
    assert_true(asprintf(&s, "%" PRId64, i) > 0);
    return s;
  case H_LIMIT:
  case H_SIZE_LIMIT:
    return hr_profile_get_limit(doc, v, h == H_SIZE_LIMIT, &l, err) < 0 ? NULL : render_limit(&l);
  case H_STRV:
    return hr_profile_get_strv(doc, v, &strv, &n, err) < 0 ? NULL : render_strv(strv, n);
  case H_KEYS:
    return hr_profile_check_keys(doc, v, keys, err) < 0 ? NULL : strdup("ok");
  case H_EXPECT_OBJECT:
    return hr_profile_expect(doc, v, HR_JSON_OBJECT, NULL, err) < 0 ? NULL : strdup("ok");
  case H_ERROR:
    assert_int_equal(hr_profile_error(doc, v, err, "boom %d", 42), -1);
    return NULL;
  default:
    fail();
  }
  return NULL;
}

/* Find "v" at the top level or one object down. */
static const struct hr_json *find_v(const struct hr_json *root)
{
  const struct hr_json *v = hr_json_get(root, "v");
  for (size_t i = 0; v == NULL && i < root->u.object.len; i++)
    v = hr_json_get(root->u.object.items[i].value, "v");
  return v;
}

static void test_profile_helpers(void **state)
{
  struct hr_json_parse_opts opts = {.allow_comments = true, .name = "t.json"};
  int failed = 0;

  for (size_t k = 0; k < HR_ARRAY_SIZE(helper_cases); k++) {
    const struct helper_case *t = &helper_cases[k];
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    cleanup_free char *got = NULL;
    struct hr_error err = {0};

    assert_ok(hr_json_parse(t->json, strlen(t->json), &opts, &doc, &err), &err);
    got = run_helper(doc, find_v(hr_json_doc_root(doc)), t->h, &err);
    /* Report every failing row, not just the first. */
    if (got == NULL && (strcmp(err.msg, t->want) != 0 || err.kind != HR_ERR_PROFILE)) {
      print_error("case %zu: got error \"%s\" (kind %d), want \"%s\"\n", k, err.msg, err.kind,
                  t->want);
      failed++;
    } else if (got != NULL && strcmp(got, t->want) != 0) {
      print_error("case %zu: got \"%s\", want \"%s\"\n", k, got, t->want);
      failed++;
    }
  }
  assert_int_equal(failed, 0);
}

/* ---- the change log ---------------------------------------------------- */

static void test_changes(void **state)
{
  struct hr_json_parse_opts opts = {.name = "c.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_changes c = {0};
  struct hr_error err = {0};
  cleanup_free char *big = malloc(4096);
  const struct hr_json *arr;

  /* An array whose compact text is far over the 256-byte render bound. */
  assert_non_null(big);
  strcpy(big, "{\"a\": [");
  for (int i = 0; i < 200; i++)
    strcat(big, i ? ",\"xxxxxxxxx\"" : "\"xxxxxxxxx\"");
  strcat(big, "], \"n\": 5}");
  assert_ok(hr_json_parse(big, strlen(big), &opts, &doc, &err), &err);
  arr = hr_json_get(hr_json_doc_root(doc), "a");

  assert_ok(hr_changes_add_text(&c, "r1", "x.y", "1", "2", &err), &err);
  assert_ok(hr_changes_add_text(&c, "r2", "z", NULL, "3", &err), &err);
  assert_ok(hr_changes_add(&c, "r3", "n", NULL, hr_json_get(hr_json_doc_root(doc), "n"), &err),
            &err);
  assert_ok(hr_changes_add(&c, "r4", "a", arr, NULL, &err), &err);
  assert_ok(hr_changes_add(NULL, "r5", "a", arr, NULL, &err), &err); /* no log: no-op */
  assert_int_equal(c.len, 4);
  assert_string_equal(c.items[0].rule, "r1");
  assert_string_equal(c.items[0].path, "x.y");
  assert_string_equal(c.items[0].old_value, "1");
  assert_string_equal(c.items[0].new_value, "2");
  assert_string_equal(c.items[1].old_value, "(absent)");
  assert_string_equal(c.items[2].old_value, "(absent)");
  assert_string_equal(c.items[2].new_value, "5");
  assert_true(strlen(c.items[3].old_value) <= 256);
  assert_string_equal(c.items[3].old_value + strlen(c.items[3].old_value) - 3, "...");
  assert_string_equal(c.items[3].new_value, "(absent)");
  hr_changes_free(&c);
  assert_null(c.items);
  assert_int_equal(c.len, 0);
  hr_changes_free(&c); /* idempotent */
}

/* hr_apply_set compares values whole, not by their bounded rendering: two
 * long arrays differing only at the end are different. */
static void test_apply_set_long_values(void **state)
{
  struct hr_json_parse_opts opts = {.name = "s.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *text = malloc(8192), *lit = malloc(8192), *out = NULL;
  struct hr_changes c = {0};
  struct hr_error err = {0};
  struct hr_apply_ctx ctx = {.changes = &c, .rule = "test"};
  struct hr_json *same, *diff;
  size_t len;

  assert_non_null(text);
  assert_non_null(lit);
  strcpy(lit, "[");
  for (int i = 0; i < 100; i++)
    strcat(lit, i ? ",\"yyyyyyyy\"" : "\"yyyyyyyy\"");
  strcat(lit, "]");
  assert_true(snprintf(text, 8192, "{\"a\":%s}", lit) > 0);
  assert_ok(hr_json_parse(text, strlen(text), &opts, &doc, &err), &err);
  ctx.doc = doc;
  ctx.spec = hr_json_doc_root(doc);

  same = hr_json_new_from_text(doc, lit, &err);
  assert_non_null(same);
  assert_ok(hr_apply_set(&ctx, ctx.spec, "a", "a", same, &err), &err);
  assert_int_equal(c.len, 0);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  assert_string_equal(out, text); /* untouched: not rewritten */

  lit[strlen(lit) - 3] = 'z';
  diff = hr_json_new_from_text(doc, lit, &err);
  assert_non_null(diff);
  assert_ok(hr_apply_set(&ctx, ctx.spec, "a", "a", diff, &err), &err);
  assert_int_equal(c.len, 1);
  assert_string_equal(c.items[0].rule, "test");
  assert_ptr_equal(hr_json_get(ctx.spec, "a"), diff);
  hr_changes_free(&c);
}

/* ---- hr_policy_apply with no-new-privileges ---------------------------- */

static const struct apply_case {
  const char *spec;
  const char *want_err;    /* whole message, or NULL */
  const char *want_change; /* "path: old -> new", or NULL for none */
  const char *want_out;    /* serialised spec after apply (NULL: unchanged) */
} apply_cases[] = {
    {"{\"process\": {}}", NULL, "process.noNewPrivileges: (absent) -> true",
     "{\"process\":{\"noNewPrivileges\":true}}"},
    {"{\"process\": {\"noNewPrivileges\": true}}", NULL, NULL, NULL},
    {"{\"process\": {\"noNewPrivileges\": false, \"x\": 1}}", NULL,
     "process.noNewPrivileges: false -> true", "{\"process\":{\"noNewPrivileges\":true,\"x\":1}}"},
    /* runc's decoder matches the field case-insensitively, crun's does not:
     * hardrun would set the key runc reads and crun would run without. */
    {"{\"process\": {\"NoNewPrivileges\": false}}",
     "profile \"p\": rule \"spec-keys\": config.json:1:14: " UNIT_MISSPELLED(
         "NoNewPrivileges", "process", "noNewPrivileges")},
    {"{\"process\": {\"noNewPrivileges\": null}}", NULL, "process.noNewPrivileges: null -> true",
     "{\"process\":{\"noNewPrivileges\":true}}"},
    {"{}", "profile \"p\": rule \"no-new-privileges\": process: missing"},
    {"{\"process\": null}", "profile \"p\": rule \"no-new-privileges\": process: missing"},
    {"{\"process\": []}", "profile \"p\": rule \"no-new-privileges\": process: expected an object"},
    /* Keys that are data (Go maps) may differ only in case. */
    {"{\"annotations\": {\"a\": \"1\", \"A\": \"2\"}, \"process\": {\"noNewPrivileges\": true}}"},
    {"{\"linux\": {\"sysctl\": {\"a\": \"1\", \"A\": \"2\"}, \"resources\": {\"unified\": "
     "{\"a\": \"1\", \"A\": \"2\"}}}, \"process\": {\"noNewPrivileges\": true}}"},
    {"{\"linux\": {\"timeOffsets\": {\"boottime\": {}, \"Boottime\": {}}, \"netDevices\": "
     "{\"e\": {}, \"E\": {}}}, \"process\": {\"noNewPrivileges\": true}}"},
};

static struct hr_policy *nnp_policy(void)
{
  static const char text[] = "{\"noNewPrivileges\": true}";
  struct hr_policy *p = NULL;
  struct hr_error err = {0};
  assert_ok(hr_policy_parse(text, strlen(text), "p.json", "p", &p, &err), &err);
  return p;
}

static void test_apply_nnp(void **state)
{
  cleanup_policy struct hr_policy *p = nnp_policy();
  struct hr_json_parse_opts opts = {.name = "config.json"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(apply_cases); i++) {
    const struct apply_case *t = &apply_cases[i];
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    cleanup_free char *out = NULL, *change = NULL;
    struct hr_changes c = {0};
    struct hr_error err = {0};
    size_t len;
    int r;

    assert_ok(hr_json_parse(t->spec, strlen(t->spec), &opts, &doc, &err), &err);
    r = hr_policy_apply(p, doc, &c, &err);
    if (t->want_err != NULL) {
      if (r == 0 || strcmp(err.msg, t->want_err) != 0)
        fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, r, err.msg, t->want_err);
      assert_int_equal(err.kind, HR_ERR_INPUT);
      assert_int_equal(c.len, 0);
      continue;
    }
    if (r < 0)
      fail_msg("case %zu: %s", i, err.msg);
    assert_int_equal(c.len, t->want_change ? 1 : 0);
    if (t->want_change) {
      assert_string_equal(c.items[0].rule, "no-new-privileges");
      assert_true(asprintf(&change, "%s: %s -> %s", c.items[0].path, c.items[0].old_value,
                           c.items[0].new_value) > 0);
      assert_string_equal(change, t->want_change);
    }
    assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
    assert_string_equal(out, t->want_out ? t->want_out : t->spec);
    hr_changes_free(&c);
  }
}

/* Two keys that runc folds into one struct field: refused before any
 * control runs, named as its own rule. */
static void test_apply_spec_keys(void **state)
{
  static const char *const specs[] = {
      "{\"process\": {}, \"Process\": {}}",
      "{\"process\": {\"noNewPrivileges\": true, \"nonewprivileges\": false}}",
      "{\"linux\": {\"resources\": {\"pids\": {\"limit\": 1, \"LIMIT\": 2}}}, \"process\": {}}",
  };
  cleanup_policy struct hr_policy *p = nnp_policy();
  struct hr_json_parse_opts opts = {.name = "config.json"};
  const char *prefix = "profile \"p\": rule \"spec-keys\": ";

  for (size_t i = 0; i < HR_ARRAY_SIZE(specs); i++) {
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    struct hr_changes c = {0};
    struct hr_error err = {0};

    assert_ok(hr_json_parse(specs[i], strlen(specs[i]), &opts, &doc, &err), &err);
    assert_int_equal(hr_policy_apply(p, doc, &c, &err), -1);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
      fail_msg("case %zu: \"%s\"", i, err.msg);
    assert_int_equal(c.len, 0);
  }
}

/* With the default profile: the error names profile, rule and JSON path as
 * main will print it, and a failing control leaves no partial audit. */
static void test_apply_default_error(void **state)
{
  static const char spec[] =
      "{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"capabilities\": "
      "{\"bounding\": \"CAP_SYS_ADMIN\"}}, "
      "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": "
      "\"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}]}}";
  const char *dir = getenv("HR_PROFILES");
  const char *prefix =
      "profile \"default\": rule \"capabilities\": process.capabilities.bounding: expected ";
  cleanup_free char *path = NULL, *buf = NULL;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  struct hr_changes c = {0};
  struct hr_error err = {0};
  size_t len;

  assert_true(asprintf(&path, "%s/default.json", dir ? dir : "profiles") > 0);
  assert_ok(hr_read_file(path, 1u << 20, &buf, &len, &err), &err);
  assert_ok(hr_policy_parse(buf, len, path, "default", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  /* One earlier entry must survive: only this call's changes roll back. */
  assert_ok(hr_changes_add_text(&c, "earlier", "x", "1", "2", &err), &err);
  assert_int_equal(hr_policy_apply(p, doc, &c, &err), -1);
  if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
    fail_msg("got \"%s\"", err.msg);
  assert_int_equal(err.kind, HR_ERR_INPUT);
  assert_int_equal(c.len, 1);
  assert_string_equal(c.items[0].rule, "earlier");
  hr_changes_free(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conf_default_path),
      cmocka_unit_test(test_conf_explicit_missing),
      cmocka_unit_test(test_conf_every_key),
      cmocka_unit_test(test_conf_shipped),
      cmocka_unit_test(test_conf_table),
      cmocka_unit_test(test_conf_runtime_bpf),
      cmocka_unit_test(test_conf_unreadable),
      cmocka_unit_test(test_name_valid),
      cmocka_unit_test(test_load_search_order),
      cmocka_unit_test(test_load_not_found),
      cmocka_unit_test(test_load_bad_names),
      cmocka_unit_test(test_load_fails_closed),
      cmocka_unit_test(test_load_symlink_followed),
      cmocka_unit_test(test_extends),
      cmocka_unit_test(test_extends_errors),
      cmocka_unit_test(test_profile_fixtures),
      cmocka_unit_test(test_profile_malformed),
      cmocka_unit_test(test_profile_too_large),
      cmocka_unit_test(test_control_table),
      cmocka_unit_test(test_shipped_default),
      cmocka_unit_test(test_profile_helpers),
      cmocka_unit_test(test_changes),
      cmocka_unit_test(test_apply_set_long_values),
      cmocka_unit_test(test_apply_nnp),
      cmocka_unit_test(test_apply_spec_keys),
      cmocka_unit_test(test_apply_default_error),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
