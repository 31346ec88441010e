/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor: the parsers of dockerd's command line, containerd's config.toml
 * and the group files, as tables; and every check on the fixture host
 * tests/unit/fixtures/doctor/host (the bats file doctor.bats breaks that
 * host one way at a time). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/doctor.h"

struct args_case {
  const char *cmdline; /* words separated by '|' */
  const char *hosts;   /* found addresses, '|'-joined */
  int tlsverify;       /* 1, 0, or -1: not said */
  const char *config;
};

static const struct args_case args_cases[] = {
    {"dockerd", "", -1, NULL},
    {"/usr/bin/dockerd|-H|fd://|--containerd=/run/containerd/containerd.sock", "fd://", -1, NULL},
    {"dockerd|-H|tcp://0.0.0.0:2375|-H|unix:///var/run/docker.sock",
     "tcp://0.0.0.0:2375|unix:///var/run/docker.sock", -1, NULL},
    {"dockerd|--host=tcp://1.2.3.4:2376|--tlsverify", "tcp://1.2.3.4:2376", 1, NULL},
    {"dockerd|-Htcp://h:2375|--tlsverify=false", "tcp://h:2375", 0, NULL},
    {"dockerd|-H=unix:///s|--tlsverify=true|--config-file|/etc/d.json", "unix:///s", 1,
     "/etc/d.json"},
    {"dockerd|--config-file=/x.json|--host", "", -1, "/x.json"},
    {"dockerd|--hostname-is-not-a-flag|x", "", -1, NULL},
    /* Go's other spellings of a boolean; what it refuses says nothing */
    {"dockerd|--tlsverify=1|-H|tcp://h:2376", "tcp://h:2376", 1, NULL},
    {"dockerd|--tlsverify=T|--tlsverify=F", "", 0, NULL},
    {"dockerd|--tlsverify=True|--tlsverify=yes", "", 1, NULL},
    {"dockerd|--tlsverify=FALSE|--tlsverify", "", 1, NULL},
};

static void test_dockerd_args(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(args_cases); i++) {
    const struct args_case *c = &args_cases[i];
    cleanup_free char *cmd = strdup(c->cmdline);
    const char *hosts[8], *config = (const char *)1;
    char got[512] = "";
    int tls = 7;
    size_t n, len = strlen(cmd) + 1;

    for (char *p = cmd; *p; p++)
      if (*p == '|')
        *p = '\0';
    n = hr_doctor_dockerd_args(cmd, len, hosts, HR_ARRAY_SIZE(hosts), &tls, &config);
    for (size_t k = 0; k < n; k++)
      snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "|" : "", hosts[k]);
    if (strcmp(got, c->hosts) != 0 || tls != c->tlsverify ||
        (config == NULL) != (c->config == NULL) ||
        (config != NULL && strcmp(config, c->config) != 0))
      fail_msg("%s: hosts \"%s\" tls %d config %s", c->cmdline, got, tls,
               config ? config : "(none)");
  }
}

/* --add-runtime, --default-runtime and --config-file in the spellings
 * pflag accepts; "cmdline" is |-separated, "want" the runtimes, then
 * "default=" and "config=". */
static const char *const runtime_cases[][2] = {
    {"dockerd|-H|fd://", "default=(none) config=(none)"},
    {"dockerd|--add-runtime|hr=/usr/local/bin/hardrun|--default-runtime|hr",
     "hr=/usr/local/bin/hardrun default=hr config=(none)"},
    {"dockerd|--add-runtime=a=/x|--add-runtime=b=/y|--default-runtime=b|--config-file=/c.json",
     "a=/x b=/y default=b config=/c.json"},
    /* no NAME=PATH: dockerd refuses it; not a runtime */
    {"dockerd|--add-runtime=nopath|--default-runtime", "default=(none) config=(none)"},
    /* a value that looks like a flag is still the value */
    {"dockerd|--default-runtime|--add-runtime=x=/y", "default=--add-runtime=x=/y config=(none)"},
};

static void test_dockerd_runtimes(void **state)
{
  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(runtime_cases); i++) {
    cleanup_free char *cmd = strdup(runtime_cases[i][0]);
    const char *rt[4], *def = (const char *)1, *config = (const char *)1;
    char got[512] = "";
    size_t n, len = strlen(cmd) + 1;

    for (char *p = cmd; *p; p++)
      if (*p == '|')
        *p = '\0';
    n = hr_doctor_dockerd_runtimes(cmd, len, rt, HR_ARRAY_SIZE(rt), &def, &config);
    for (size_t k = 0; k < n; k++)
      snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ", rt[k]);
    snprintf(got + strlen(got), sizeof(got) - strlen(got), "default=%s config=%s",
             def ? def : "(none)", config ? config : "(none)");
    if (strcmp(got, runtime_cases[i][1]) != 0)
      fail_msg("%s: got \"%s\", want \"%s\"", runtime_cases[i][0], got, runtime_cases[i][1]);
  }
}

struct toml_case {
  const char *toml;
  const char *want; /* "name=binary" lines, then "default=NAME" when there is one */
};

static const struct toml_case toml_cases[] = {
    {"version = 2\n", ""},
    {"[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  default_runtime_name = \"hr\"\n"
     "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hr.options]\n"
     "  BinaryName = \"/usr/local/bin/hardrun\"\n",
     "hr=/usr/local/bin/hardrun\ndefault=hr"},
    /* containerd 2's version 3, literal strings, a quoted name, comments */
    {"version = 3\n# BinaryName = \"/nope\"\n"
     "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.'my-rt'.options]\n"
     "BinaryName='/opt/hardrun'  # the wrapper\n"
     "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n"
     "SystemdCgroup = true\n",
     "my-rt=/opt/hardrun"},
    /* BinaryName outside a runtime's options table does not count */
    {"[plugins.x]\nBinaryName = \"/usr/bin/hardrun\"\n"
     "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.a]\nBinaryName = \"/b\"\n",
     ""},
};

static void test_containerd_toml(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(toml_cases); i++) {
    struct hr_doctor_runtime rt[8];
    cleanup_free char *def = NULL;
    struct hr_error err = {0};
    char got[512] = "";
    int n = hr_doctor_containerd_runtimes(toml_cases[i].toml, strlen(toml_cases[i].toml), rt, 8,
                                          &def, &err);
    assert_true(n >= 0);
    for (int k = 0; k < n; k++) {
      snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s=%s", k ? "\n" : "", rt[k].name,
               rt[k].binary);
      free(rt[k].name);
      free(rt[k].binary);
    }
    if (def != NULL)
      snprintf(got + strlen(got), sizeof(got) - strlen(got), "%sdefault=%s", n ? "\n" : "", def);
    if (strcmp(got, toml_cases[i].want) != 0)
      fail_msg("case %zu:\n got:\n%s\n want:\n%s", i, got, toml_cases[i].want);
  }
}

static void test_group_members(void **state)
{
  static const char group[] = "root:x:0:\ndocker:x:998:alice,bob\ndockerish:x:5:eve\n";
  static const char passwd[] = "root:x:0:0::/root:/bin/sh\ncarol:x:1000:998::/h:/bin/sh\n"
                               "bob:x:1001:998::/h:/bin/sh\n";
  char *m[8];
  int64_t gid;
  struct hr_error err = {0};
  int n = hr_doctor_group_members(group, strlen(group), passwd, strlen(passwd), "docker", m, 8,
                                  &gid, &err);

  assert_int_equal(n, 3);
  assert_int_equal(gid, 998);
  assert_string_equal(m[0], "alice");
  assert_string_equal(m[1], "bob");
  assert_string_equal(m[2], "carol"); /* primary group; bob is not counted twice */
  for (int i = 0; i < n; i++)
    free(m[i]);
  n = hr_doctor_group_members(group, strlen(group), passwd, strlen(passwd), "wheel", m, 8, &gid,
                              &err);
  assert_int_equal(n, 0);
  assert_int_equal(gid, -1);
}

/* ---- the fixture host ------------------------------------------------------------------ */

static const struct hr_check *find(const struct hr_doctor *d, const char *name)
{
  for (size_t i = 0; i < d->len; i++)
    if (strcmp(d->items[i].name, name) == 0)
      return &d->items[i];
  fail_msg("no check \"%s\"", name);
  return NULL;
}

/* A CIS ownership check passes only when git checked the file out as root
 * with a umask of 022; the bats tests set both explicitly. */
static enum hr_check_status owner_status(const char *path, unsigned forbidden)
{
  struct stat st;

  assert_int_equal(lstat(path, &st), 0);
  return st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & forbidden) == 0 ? HR_CHECK_PASS
                                                                           : HR_CHECK_FAIL;
}

/* doctor reads the host through openat2(RESOLVE_IN_ROOT); valgrind does
 * not emulate that call (ENOSYS), nor do kernels before 5.6. */
static bool have_openat2(void)
{
  struct open_how how = {.flags = O_PATH | O_CLOEXEC};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

  if (fd >= 0)
    close(fd);
  return fd >= 0 || errno != ENOSYS;
}

static void fixture_host(void)
{
  cleanup_free char *root = unit_fixture_path("doctor/host");
  cleanup_free char *etc_docker = NULL, *daemon_json = NULL;
  const struct hr_doctor_opts o = {.host_root = root, .conf_path = "/etc/hardrun/hardrun.conf"};
  const struct {
    const char *name;
    enum hr_check_status status;
    const char *message; /* a part of it */
  } want[] = {
      {"hardrun.conf", HR_CHECK_PASS, "runtime /usr/sbin/runc"},
      {"runtime", HR_CHECK_PASS, "runc version 1.1.5-fixture, OCI runtime spec 1.0.2-dev"},
      {"runtime features", HR_CHECK_PASS, "up to 1.0.2-dev, seccomp enabled"},
      {"seccomp", HR_CHECK_PASS, "actions: kill_process"},
      {"user namespaces", HR_CHECK_PASS, "is 15000"},
      {"id pool", HR_CHECK_PASS, "10 slices of 65536 ids for user \"hardrun\""},
      {"cgroups", HR_CHECK_PASS, "cgroup v1 (hybrid)"},
      {"lsm", HR_CHECK_PASS, "AppArmor is enabled"},
      {"apparmor profile", HR_CHECK_PASS, "hardrun-default is loaded"},
      {"dockerd", HR_CHECK_PASS, "dockerd's default-runtime"},
      {"containerd", HR_CHECK_PASS, "the default_runtime_name"},
      {"docker group", HR_CHECK_PASS, "no members"},
      {"docker tcp", HR_CHECK_PASS, "1 running dockerd"},
      /* configured in daemon.json, and no socket in the tree (var/run -> ../run: a link to
       * /run would be the build host's /run in the tarball, which `make dist` makes
       * with tar -h) */
      {"docker.sock", HR_CHECK_WARN, "/var/run/docker.sock: No such file or directory"},
      {"profiles", HR_CHECK_PASS, "(default, seccomp/default)"},
      {"state directory", HR_CHECK_PASS, "/run/hardrun is absent"},
      {"audit", HR_CHECK_PASS, "/var/log/hardrun/audit.jsonl"},
      {"pass-through", HR_CHECK_PASS, HR_PRESTART_ENTRY ? "fast path built in" : "no fast path"},
  };
  struct hr_doctor d = {0};
  struct hr_error err = {0};

  assert_ok(hr_doctor_run(&o, &d, &err), &err);
  for (size_t i = 0; i < HR_ARRAY_SIZE(want); i++) {
    const struct hr_check *c = find(&d, want[i].name);
    if (c->status != want[i].status || strstr(c->message, want[i].message) == NULL)
      fail_msg("%s: %s %s (fix: %s)", c->name, hr_check_status_name(c->status), c->message,
               c->fix ? c->fix : "-");
    assert_true((c->fix == NULL) == (c->status == HR_CHECK_PASS));
  }
  assert_true(asprintf(&etc_docker, "%s/etc/docker", root) > 0);
  assert_true(asprintf(&daemon_json, "%s/etc/docker/daemon.json", root) > 0);
  assert_int_equal(find(&d, "/etc/docker")->status, owner_status(etc_docker, 022));
  assert_int_equal(find(&d, "daemon.json")->status, owner_status(daemon_json, 0133));
  assert_int_equal(d.len, HR_ARRAY_SIZE(want) + 2);
  hr_doctor_free(&d);
}

/* Skipped before fixture_host() allocates: skip() does not unwind. */
static void test_fixture_host(void **state)
{
  if (!have_openat2()) {
    printf("# SKIP the fixture host: openat2 is not available here (valgrind?)\n");
    skip();
  }
  fixture_host();
}

/* A cache directory others can write is reported, with the fix. */
static void test_passthrough_dir(void **state)
{
  char root[] = "/tmp/hr-doctor.XXXXXX", path[64], cmd[192];
  const struct hr_doctor_opts o = {.host_root = root, .conf_path = "/etc/hardrun/hardrun.conf"};
  struct hr_doctor d = {0};
  struct hr_error err = {0};
  const struct hr_check *c;

  (void)state;
  if (!have_openat2())
    skip();
  assert_non_null(mkdtemp(root));
  snprintf(path, sizeof(path), "%s/run/hardrun/passthrough", root);
  snprintf(cmd, sizeof(cmd), "mkdir -p -m 0700 %s && chmod 0777 %s", path, path);
  assert_int_equal(system(cmd), 0);
  assert_ok(hr_doctor_run(&o, &d, &err), &err);
  c = find(&d, "pass-through");
  if (HR_PRESTART_ENTRY) {
    assert_int_equal(c->status, HR_CHECK_WARN);
    assert_non_null(strstr(c->message, "/run/hardrun/passthrough is not a directory of uid"));
    assert_non_null(strstr(c->fix, "chmod 0700 /run/hardrun/passthrough"));
  } else {
    assert_int_equal(c->status, HR_CHECK_PASS);
  }
  hr_doctor_free(&d);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
  assert_int_equal(system(cmd), 0);
}

static void test_json(void **state)
{
  struct hr_doctor d = {0};
  struct hr_check items[2] = {
      {.name = "runtime", .status = HR_CHECK_PASS, .message = "ok"},
      {.name = "docker tcp", .status = HR_CHECK_FAIL, .message = "tcp \"x\"", .fix = "do y"},
  };
  struct hr_error err = {0};
  cleanup_free char *json = NULL;

  d.items = items;
  d.len = 2;
  assert_ok(hr_doctor_format_json(&d, &json, &err), &err);
  assert_string_equal(json, "{\"checks\":[{\"check\":\"runtime\",\"status\":\"PASS\",\"message\":"
                            "\"ok\",\"fix\":null},{\"check\":\"docker tcp\",\"status\":\"FAIL\","
                            "\"message\":\"tcp \\\"x\\\"\",\"fix\":\"do y\"}],\"summary\":"
                            "{\"pass\":1,\"warn\":0,\"fail\":1}}");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dockerd_args),
      cmocka_unit_test(test_dockerd_runtimes),
      cmocka_unit_test(test_containerd_toml),
      cmocka_unit_test(test_group_members),
      cmocka_unit_test(test_fixture_host),
      cmocka_unit_test(test_passthrough_dir),
      cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
