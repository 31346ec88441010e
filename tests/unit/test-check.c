/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy check: each row is a few files written to a temporary directory
 * and the exact problem lines checking one of them gives.  "@" in a file
 * or in the expected lines stands for the temporary directory. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/check.h"

static char tmpdir[] = "/tmp/hardrun-test-check.XXXXXX";

struct file {
  const char *rel, *text;
};

struct check_case {
  const char *name;
  struct file files[4];
  const char *check; /* rel of the file to check */
  const char *want;  /* "FILE:LINE:COL: message" lines, '\n'-joined; "" = valid */
};

static const struct check_case cases[] = {
    {"the shipped kind of profile is valid",
     {{"p.json", "// comment\n{\"pids\": true, \"capabilities\": {\"allow\": [\"chown\"]}}\n"}},
     "p.json",
     ""},
    {"syntax error, with its position",
     {{"p.json", "{\n  \"pids\": true,\n}\n"}},
     "p.json",
     "@/p.json:3:1: parse error: invalid object key (must be a string)"},
    {"missing file",
     {{NULL, NULL}},
     "nope.json",
     "@/nope.json:1:1: stat `@/nope.json`: No such file or directory"},
    {"every unknown key, each with did-you-mean, and a duplicate",
     {{"p.json", "{\"readOnlyRootfs\": true,\n \"pid\": {},\n \"sysctls\": true,\n \"sysctls\": "
                 "false}"}},
     "p.json",
     "@/p.json:1:20: unknown key \"readOnlyRootfs\"; did you mean \"readonlyRootfs\"?\n"
     "@/p.json:2:9: unknown key \"pid\"; did you mean \"pids\"?\n"
     "@/p.json:4:13: duplicate key \"sysctls\" (first set at line 3, column 13)"},
    {"every bad capability, indices as written, and a problem in each section",
     {{"p.json", "{\"capabilities\": {\"allow\": [\"NET_RAWW\", \"CHOWN\", \"SYS_ADMN\", 7]},\n"
                 " \"pids\": {\"default\": 500, \"ceiling\": 100},\n"
                 " \"memory\": {\"default\": \"2x\"},\n"
                 " \"hostNamespaces\": {\"mode\": \"refus\"},\n"
                 " \"description\": 1}"}},
     "p.json",
     "@/p.json:1:29: capabilities.allow[0]: unknown capability \"NET_RAWW\"\n"
     "@/p.json:1:50: capabilities.allow[2]: unknown capability \"SYS_ADMN\"\n"
     "@/p.json:1:62: capabilities.allow[3]: expected a string, got number\n"
     "@/p.json:2:22: pids.default: 500 is above the ceiling 100\n"
     "@/p.json:3:24: memory.default: invalid size \"2x\": expected digits with an optional k, m, "
     "g or t suffix\n"
     "@/p.json:4:29: unknown mode \"refus\" (expected refuse, fix, audit or off)\n"
     "@/p.json:5:17: description: expected a string, got number"},
    {"a removed node does not cause a second, made-up problem",
     {{"p.json", "{\"userNamespace\": {\"pool\": {\"uid\": -5, \"gid\": 1, \"size\": 9}}}"}},
     "p.json",
     "@/p.json:1:36: userNamespace.pool.uid: expected a non-negative integer, got -5"},
    {"user namespaces with no id pool",
     {{"p.json", "{\"userNamespace\": {\"required\": true, \"subidUser\": \"svc\",\n"
                 "  \"subuidFile\": \"@/subuid\", \"subgidFile\": \"@/subgid\"}}"},
      {"subuid", "svc:100000:1000\nother:200000:65536\n"},
      {"subgid", "svc:100000:65536\n"}},
     "p.json",
     "@/p.json:1:19: userNamespace: required, but there is no id pool: @/subuid and @/subgid "
     "give user \"svc\" no range of 65536 ids, and the profile has no \"pool\"; every create "
     "would fail"},
    {"user namespaces with a pool in the subid files",
     {{"p.json", "{\"userNamespace\": {\"subidUser\": \"svc\", \"subuidFile\": \"@/subuid\",\n"
                 "  \"subgidFile\": \"@/subgid\", \"size\": 1000}}"},
      {"subuid", "svc:100000:1000\n"},
      {"subgid", "svc:100000:65536\n"}},
     "p.json",
     ""},
    {"a device allowlist entry for every device",
     {{"p.json", "{\"hostDevices\": {\"allow\": [\"c 1:3\", \"c *:*\", \"a *:*\"]}}"}},
     "p.json",
     "@/p.json:1:37: hostDevices.allow[1]: allows every character device of the host\n"
     "@/p.json:1:46: hostDevices.allow[2]: allows every device of the host"},
    {"seccomp: names libseccomp does not know, in the seccomp profile next to the file",
     {{"p.json", "{\"seccomp\": {\"profile\": \"mine\"}}"},
      {"seccomp", NULL},
      {"seccomp/mine.json",
       "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
       "  {\"names\": [\"read\", \"wirte\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"}},
     "p.json",
     "@/seccomp/mine.json:2:22: system call \"wirte\" is unknown to libseccomp"},
    {"seccomp: a filter that allows everything",
     {{"p.json", "{\"seccomp\": {\"profile\": \"open\", \"mode\": \"replace\"}}"},
      {"seccomp", NULL},
      {"seccomp/open.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"}},
     "p.json",
     "@/p.json:1:13: seccomp: the seccomp profile @/seccomp/open.json lets every system call "
     "through: the control confines nothing"},
    {"seccomp: an allowlist that lets unshare through",
     {{"p.json", "{\"seccomp\": {\"profile\": \"leaky\"}}"},
      {"seccomp", NULL},
      {"seccomp/leaky.json",
       "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
       "  {\"names\": [\"read\", \"unshare\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"}},
     "p.json",
     "@/p.json:1:13: seccomp: the seccomp profile @/seccomp/leaky.json lets unshare through, "
     "which hardrun counts as confining nothing"},
    {"seccomp: a profile name nobody wrote",
     {{"p.json", "{\"seccomp\": {\"profile\": \"gone\"}}"}},
     "p.json",
     "@/p.json:1:25: seccomp profile \"gone\" not found in @/seccomp"},
    {"a seccomp profile checked on its own",
     {{"s.json", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
                 "[\"frobnicate\"], \"action\": \"SCMP_ACT_ALLOW\"}]}"}},
     "s.json",
     "@/s.json:1:61: system call \"frobnicate\" is unknown to libseccomp"},
    {"extends and enforce: their types",
     {{"p.json", "{\"enforce\": \"no\", \"extends\": \"../x\"}"}},
     "p.json",
     "@/p.json:1:13: enforce: expected a boolean (true or false), got string\n"
     "@/p.json:1:30: extends: invalid profile name"},
    {"a parent that is not found",
     {{"q.json", "{\"extends\": \"nope\", \"pids\": true}"}},
     "q.json",
     "@/q.json:1:13: extends \"nope\", which is not found"},
    {"a parent next to the file: its sections count for the checks across sections",
     {{"child.json", "{\"extends\": \"base\", \"pids\": true}"},
      {"base.json", "{\"hostDevices\": {\"allow\": [\"c 1:3\"]}, \"enforce\": false}"}},
     "child.json",
     ""},
    {"hardrun.conf, by name",
     {{"hardrun.conf", "{\"defaultProfile\": \"a/b\"}"}},
     "hardrun.conf",
     "@/hardrun.conf:1:20: defaultProfile: invalid profile name \"a/b\" (expected "
     "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)"},
    {"hardrun.conf: every problem, rules by their index as written",
     {{"hardrun.conf", "// a comment\n{\"defaultProfile\": \"a/b\",\n"
                       " \"runtme\": \"/usr/bin/runc\",\n"
                       " \"profileDirs\": [\"/etc/hardrun/profiles\", \"relative\"],\n"
                       " \"auditFile\": 5,\n"
                       " \"profileRules\": [{\"match\": {\"x\": 1}, \"profile\": \"ok\"},\n"
                       "   {\"profile\": \"bad name\"},\n"
                       "   {\"profile\": \"fine\", \"alow\": [\"x\"]},\n"
                       "   {\"match\": {}},\n"
                       "   {\"profile\": \"p\", \"allow\": [\"ok\", \"../x\"]}],\n"
                       " \"profileAnnotation\": \"\", \"stateDir\": \"run\"}\n"}},
     "hardrun.conf",
     "@/hardrun.conf:2:20: defaultProfile: invalid profile name \"a/b\" (expected "
     "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)\n"
     "@/hardrun.conf:3:12: unknown key \"runtme\"; did you mean \"runtime\"?\n"
     "@/hardrun.conf:4:43: profileDirs[1]: expected an absolute path, got \"relative\"\n"
     "@/hardrun.conf:5:15: auditFile: expected an absolute path or null, got number\n"
     "@/hardrun.conf:6:35: profileRules[0].match.x: expected an array of strings, got number\n"
     "@/hardrun.conf:7:16: profileRules[1].profile: invalid profile name \"bad name\"\n"
     "@/hardrun.conf:8:32: profileRules[2]: unknown key \"alow\"; did you mean \"allow\"?\n"
     "@/hardrun.conf:9:4: profileRules[3]: \"profile\" is required\n"
     "@/hardrun.conf:10:37: profileRules[4].allow[1]: invalid profile name \"../x\"\n"
     "@/hardrun.conf:11:23: profileAnnotation: must not be empty\n"
     "@/hardrun.conf:11:39: stateDir: expected an absolute path, got \"run\""},
    {"hardrun.conf: a rule removed for one problem still shows its others",
     {{"hardrun.conf",
       "{\"profileRules\": [{\"profile\": \"a b\", \"match\": 1}, {\"profil\": \"x\"}]}"}},
     "hardrun.conf",
     "@/hardrun.conf:1:31: profileRules[0].profile: invalid profile name \"a b\"\n"
     "@/hardrun.conf:1:47: profileRules[0].match: expected an object of annotation values, got "
     "number\n"
     "@/hardrun.conf:1:62: profileRules[1]: unknown key \"profil\"; did you mean \"profile\"?"},
    {"hardrun.conf: a syntax error",
     {{"hardrun.conf", "{\"stateDir\": \"/run/x\",,}"}},
     "hardrun.conf",
     "@/hardrun.conf:1:23: parse error: invalid object key (must be a string)"},
    {"hardrun.conf, by its keys",
     {{"c.json", "{\"stateDir\": \"run/hardrun\"}"}},
     "c.json",
     "@/c.json:1:14: stateDir: expected an absolute path, got \"run/hardrun\""},
    {"hardrun.conf, by its rules alone",
     {{"rules.json", "{\"profileRules\": [{\"profile\": \"web\", \"match\": []}]}"}},
     "rules.json",
     "@/rules.json:1:47: profileRules[0].match: expected an object of annotation values, got "
     "array"},
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

/* `s` with every "@" replaced by the temporary directory. */
static char *expand(const char *s)
{
  size_t n = strlen(s) + 1;
  char *out, *o;

  for (const char *p = s; *p; p++)
    n += *p == '@' ? strlen(tmpdir) : 0;
  out = o = malloc(n);
  assert_non_null(out);
  for (const char *p = s; *p; p++) {
    if (*p == '@') {
      strcpy(o, tmpdir);
      o += strlen(tmpdir);
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

static void write_file(const struct file *f)
{
  char path[512];
  cleanup_free char *text = NULL;
  FILE *fp;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, f->rel);
  if (f->text == NULL) {
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
      fail_msg("mkdir %s: %s", path, strerror(errno));
    return;
  }
  text = expand(f->text);
  fp = fopen(path, "we");
  assert_non_null(fp);
  fputs(text, fp);
  assert_int_equal(fclose(fp), 0);
}

static char *joined(const struct hr_problems *p)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  for (size_t i = 0; i < p->len; i++)
    fprintf(f, "%s%s:%u:%u: %s", i ? "\n" : "", p->items[i].file, p->items[i].line, p->items[i].col,
            p->items[i].message);
  fclose(f);
  return s;
}

static void run_case(void **state)
{
  const struct check_case *c = *state;
  struct hr_problems p = {0};
  struct hr_error err = {0};
  cleanup_free char *path = NULL, *got = NULL, *want = NULL;
  const char *const no_dirs[] = {NULL};

  assert_non_null(mkdtemp(strcpy(tmpdir, "/tmp/hardrun-test-check.XXXXXX")));
  for (size_t i = 0; i < HR_ARRAY_SIZE(c->files) && c->files[i].rel != NULL; i++)
    write_file(&c->files[i]);
  want = expand(c->want);
  assert_true(asprintf(&path, "%s/%s", tmpdir, c->check) > 0);
  assert_ok(hr_check_file(path, no_dirs, &p, &err), &err);
  got = joined(&p);
  /* A message that ends with a library version is compared up to it. */
  if (strcmp(got, want) != 0 &&
      !(strstr(want, "libseccomp") != NULL && strncmp(got, want, strlen(want)) == 0))
    fail_msg("%s\n got:\n%s\n want:\n%s", c->name, got, want);
  hr_problems_free(&p);
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
  struct CMUnitTest tests[HR_ARRAY_SIZE(cases)];

  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++)
    tests[i] = (struct CMUnitTest){
        .name = cases[i].name, .test_func = run_case, .initial_state = (void *)&cases[i]};
  return _cmocka_run_group_tests("check", tests, HR_ARRAY_SIZE(cases), NULL, NULL);
}
