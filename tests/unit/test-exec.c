/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runc exec under a profile: the --process JSON (docker exec writes one;
 * --privileged asks for every capability), exec's flags when there is no
 * --process, the file rewrite, and the "user" control.  One row per case:
 * a profile, the input, the exact output and the exact change records, or
 * the exact error. */
#include "config.h"

#include "unit.h"
#include "argv-harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/argv.h"
#include "hardrun/controls.h"
#include "hardrun/policy.h"
#include "hardrun/state.h"

static struct hr_policy *profile(const char *text)
{
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_parse(text, strlen(text), "test.json", "test", &p, &err), &err);
  return p;
}

/* ---- --process ----------------------------------------------------------------- */

struct process_case {
  const char *name;
  const char *profile;
  const char *in;
  const char *out;     /* NULL: nothing changed (no rewrite) */
  const char *changes; /* "" none */
  enum hr_error_kind kind;
  const char *error; /* the whole message */
};

/* allowlist CHOWN and KILL, no_new_privs */
#define P_CAPS "{\"capabilities\":{\"allow\":[\"CHOWN\",\"kill\"]},\"noNewPrivileges\":true}"
/* controls that have no business with a process: none may run on exec */
#define P_SPEC_ONLY                                                                                \
  "{\"readonlyRootfs\":true,\"pids\":{\"default\":5},\"memory\":true,\"cpu\":true,"                \
  "\"mountPropagation\":true}"
#define P_ROOT_REFUSE "{\"user\":true}"
#define P_ROOT_AUDIT  "{\"user\":{\"root\":\"audit\"}}"
#define P_ROOT_OFF    "{\"user\":{\"root\":\"off\"}}"

#define NNP_CH "process.noNewPrivileges: (absent) -> true"
#define REFUSED_ROOT                                                                               \
  "profile \"test\": rule \"user\": process.user.uid: the process would run as root (uid 0)"

static const struct process_case process_cases[] = {
    {"every set asked for more: each filtered alike", P_CAPS,
     "{\"args\":[\"sh\"],\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],"
     "\"effective\":[\"CAP_SYS_ADMIN\"],\"inheritable\":[\"CAP_KILL\",\"CAP_NET_RAW\"],"
     "\"permitted\":[\"CAP_CHOWN\"],\"ambient\":[\"CAP_SYS_ADMIN\"]}}",
     "{\"args\":[\"sh\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[],"
     "\"inheritable\":[\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\"],\"ambient\":[]},"
     "\"noNewPrivileges\":true}",
     NNP_CH "\n"
            "process.capabilities.bounding: [\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> [\"CAP_KILL\"]\n"
            "process.capabilities.effective: [\"CAP_SYS_ADMIN\"] -> []\n"
            "process.capabilities.inheritable: [\"CAP_KILL\",\"CAP_NET_RAW\"] -> [\"CAP_KILL\"]\n"
            "process.capabilities.ambient: [\"CAP_SYS_ADMIN\"] -> []"},
    /* runc sets no_new_privs from the file alone: false and absent are off */
    {"noNewPrivileges false is turned on", P_CAPS, "{\"noNewPrivileges\":false}",
     "{\"noNewPrivileges\":true}", "process.noNewPrivileges: false -> true"},
    {"a compliant process is left byte for byte", P_CAPS,
     "{\"capabilities\":{\"bounding\":[\"CAP_KILL\"]} , \"noNewPrivileges\" : true}\n", NULL, ""},
    {"whitespace around the object and untouched values keep their bytes", P_CAPS,
     "  {\n \"args\": [ \"sh\" ],\n \"n\": 1E3, \"noNewPrivileges\": false\n}\n\n",
     "  {\"args\":[ \"sh\" ],\"n\":1E3,\"noNewPrivileges\":true}\n\n",
     "process.noNewPrivileges: false -> true"},
    {"unknown fields and exact numbers survive", P_CAPS,
     "{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,\"soft\":1024}],"
     "\"x-vendor\":{\"a\":[1,2]},\"capabilities\":{\"ambient\":[\"CAP_SYS_ADMIN\"]}}",
     "{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,\"soft\":1024}],"
     "\"x-vendor\":{\"a\":[1,2]},\"capabilities\":{\"ambient\":[]},\"noNewPrivileges\":true}",
     NNP_CH "\nprocess.capabilities.ambient: [\"CAP_SYS_ADMIN\"] -> []"},
    /* runc reads them as the fields, crun exec would not: refused. */
    {"case variants of the keys", P_CAPS,
     "{\"Capabilities\":{\"BOUNDING\":[\"CAP_SYS_ADMIN\"]},\"NoNewPrivileges\":false}", NULL, NULL,
     HR_ERR_INPUT,
     "profile \"test\": rule \"spec-keys\": process.json:1:2: " UNIT_MISSPELLED("Capabilities", "$",
                                                                                "capabilities")},
    {"absent capabilities keep the container's", P_CAPS, "{\"noNewPrivileges\":true}", NULL, ""},
    {"controls of the spec alone do not run", P_SPEC_ONLY, "{\"args\":[\"sh\"]}", NULL, ""},

    /* refused documents */
    {"two keys runc folds into one field", P_CAPS,
     "{\"noNewPrivileges\":false,\"NoNewPrivileges\":false}", NULL, NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-keys\": process.json:1:26: duplicate key "
     "\"NoNewPrivileges\" at $ (runc's decoder treats it as \"noNewPrivileges\")"},
    /* runc's json.Decoder would read the first object and ignore the rest;
     * in the wrapper the rest would become a sibling of "process" */
    {"text after the object", P_CAPS, "{\"args\":[\"sh\"]},\"process\":{\"capabilities\":{}}", NULL,
     NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-syntax\": process.json:1:16: parse error: trailing garbage"},
    {"not an object", P_CAPS, "[]", NULL, NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-syntax\": process.json:1:1: the top level is not a JSON "
     "object"},
    {"a set that is not an array", P_CAPS, "{\"capabilities\":{\"bounding\":\"CAP_SYS_ADMIN\"}}",
     NULL, NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"capabilities\": process.capabilities.bounding: expected an "
     "array of strings"},

    /* the user control: Go's zero value is uid 0 */
    {"user: uid 0 refused", P_ROOT_REFUSE, "{\"user\":{\"uid\":0,\"gid\":0}}", NULL, NULL,
     HR_ERR_REFUSED, REFUSED_ROOT},
    {"user: no user is root", P_ROOT_REFUSE, "{\"args\":[\"sh\"]}", NULL, NULL, HR_ERR_REFUSED,
     REFUSED_ROOT},
    {"user: null uid is root", P_ROOT_REFUSE, "{\"user\":{\"uid\":null,\"gid\":5}}", NULL, NULL,
     HR_ERR_REFUSED, REFUSED_ROOT},
    {"user: a case variant of the key", P_ROOT_REFUSE, "{\"User\":{\"UID\":0}}", NULL, NULL,
     HR_ERR_INPUT,
     "profile \"test\": rule \"spec-keys\": process.json:1:2: " UNIT_MISSPELLED("User", "$",
                                                                                "user")},
    {"user: uid 1000 passes", P_ROOT_REFUSE, "{\"user\":{\"uid\":1000,\"gid\":0}}", NULL, ""},
    {"user: a uid runc cannot decode", P_ROOT_REFUSE, "{\"user\":{\"uid\":4294967296}}", NULL, NULL,
     HR_ERR_INPUT,
     "profile \"test\": rule \"user\": process.user.uid: expected a 32-bit unsigned integer"},
    {"user: not an object", P_ROOT_REFUSE, "{\"user\":\"root\"}", NULL, NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"user\": process.user: expected an object"},
    {"user: audit records a finding, changes nothing", P_ROOT_AUDIT, "{\"user\":{\"uid\":0}}", NULL,
     "process.user.uid: AUDIT runs as root (uid 0)"},
    {"user: off", P_ROOT_OFF, "{\"user\":{\"uid\":0}}", NULL, ""},
};

/* A case that must fail: with `kind` and exactly the message `want`. */
static void expect_error(int r, const struct hr_error *err, enum hr_error_kind kind,
                         const char *want, const char *log)
{
  if (r >= 0)
    fail_msg("expected error \"%s\", got success, changes:\n%s", want, log);
  if (err->kind != kind || strcmp(err->msg, want) != 0)
    fail_msg("error\n  got (kind %d):  %s\n  want (kind %d): %s", err->kind, err->msg, kind, want);
}

static void run_process_case(void **state)
{
  const struct process_case *c = *state;
  struct hr_policy *p = profile(c->profile);
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  char *out = NULL, *log;
  size_t len = 0;
  int r;

  r = hr_exec_harden_buffer(c->in, strlen(c->in), "process.json", p, &ch, &out, &len, &err);
  log = unit_join_changes(&ch);
  if (c->error != NULL) {
    expect_error(r, &err, c->kind, c->error, log);
    /* a failed apply leaves no change in the record */
    assert_int_equal(ch.len, 0);
  } else {
    assert_ok(r, &err);
    if (c->out == NULL && out != NULL)
      fail_msg("expected no rewrite, got %s", out);
    if (c->out != NULL && (out == NULL || strcmp(out, c->out) != 0))
      fail_msg("output\n  got:  %s\n  want: %s", out ? out : "(none)", c->out);
    if (out != NULL)
      assert_int_equal(len, strlen(out));
    if (strcmp(log, c->changes) != 0)
      fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
  }
  free(out);
  free(log);
  hr_changes_free(&ch);
  hr_policy_free(p);
}

/* ---- the "user" control on a whole config.json -------------------------------------- */

struct spec_case {
  const char *name;
  const char *profile;
  const char *spec;
  const char *changes; /* "" none; the spec is never rewritten */
  enum hr_error_kind kind;
  const char *error;
};

/* a user namespace of the spec's own, with `maps` as linux.uidMappings */
#define USERNS_SPEC(uid, maps)                                                                     \
  "{\"process\":{\"user\":{\"uid\":" #uid ",\"gid\":0}},\"linux\":{\"namespaces\":[{\"type\":"     \
  "\"user\"}],\"uidMappings\":[" maps "]}}"
#define MAP(c, h, n) "{\"containerID\":" #c ",\"hostID\":" #h ",\"size\":" #n "}"
#define HOST_ROOT(uid, i)                                                                          \
  "profile \"test\": rule \"user\": process.user.uid: the process would run as host root "         \
  "(uid " uid " maps onto host uid 0 through linux.uidMappings[" i "])"

static const struct spec_case spec_cases[] = {
    {"userns: a uid mapped onto host uid 0", P_ROOT_REFUSE,
     USERNS_SPEC(1000, MAP(0, 200000, 1000) "," MAP(1000, 0, 1)), NULL, HR_ERR_REFUSED,
     HOST_ROOT("1000", "1")},
    {"userns: inside a range that starts at host 0", P_ROOT_REFUSE,
     USERNS_SPEC(7, MAP(0, 100000, 7) "," MAP(7, 0, 65536)), NULL, HR_ERR_REFUSED,
     HOST_ROOT("7", "1")},
    {"userns: one above host 0 is not root", P_ROOT_REFUSE, USERNS_SPEC(8, MAP(7, 0, 65536)), ""},
    {"userns: a size 0 mapping maps nothing", P_ROOT_REFUSE, USERNS_SPEC(1000, MAP(1000, 0, 0)),
     ""},
    {"userns: the identity mapping: uid 1000 is host 1000", P_ROOT_REFUSE,
     USERNS_SPEC(1000, MAP(0, 0, 65536)), ""},
    {"userns: the largest uid", P_ROOT_REFUSE,
     USERNS_SPEC(4294967295, MAP(4294967295, 0, 4294967295)), NULL, HR_ERR_REFUSED,
     HOST_ROOT("4294967295", "0")},
    {"userns: absent fields are Go's zero values", P_ROOT_REFUSE,
     USERNS_SPEC(5, "{\"containerID\":5,\"size\":1}"), NULL, HR_ERR_REFUSED, HOST_ROOT("5", "0")},
    {"userns: uid 0 stays refused under any mapping", P_ROOT_REFUSE,
     USERNS_SPEC(0, MAP(0, 100000, 65536)), NULL, HR_ERR_REFUSED, REFUSED_ROOT},
    {"userns: audit", P_ROOT_AUDIT, USERNS_SPEC(1000, MAP(1000, 0, 1)),
     "process.user.uid: AUDIT runs as host root (uid 1000 maps onto host uid 0 through "
     "linux.uidMappings[0])"},
    {"userns: off", P_ROOT_OFF, USERNS_SPEC(1000, MAP(1000, 0, 1)), ""},
    {"userns: mappings without a user namespace are not runc's", P_ROOT_REFUSE,
     "{\"process\":{\"user\":{\"uid\":1000}},\"linux\":{\"uidMappings\":[" MAP(1000, 0, 1) "]}}",
     ""},
    {"userns: a hostID runc cannot decode", P_ROOT_REFUSE,
     USERNS_SPEC(1000, MAP(1000, 4294967296, 1)), NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"user\": linux.uidMappings[0].hostID: expected a 32-bit unsigned "
     "integer"},
    {"userns: a negative size", P_ROOT_REFUSE, USERNS_SPEC(1000, MAP(1000, 0, -1)), NULL,
     HR_ERR_INPUT,
     "profile \"test\": rule \"user\": linux.uidMappings[0].size: expected a 32-bit unsigned "
     "integer"},
    {"userns: a mapping that is not an object", P_ROOT_REFUSE, USERNS_SPEC(1000, "[1000,0,1]"),
     NULL, HR_ERR_INPUT,
     "profile \"test\": rule \"user\": linux.uidMappings[0]: expected an object"},
};

static void run_spec_case(void **state)
{
  const struct spec_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = profile(c->profile);
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  int r;

  assert_ok(hr_json_parse(c->spec, strlen(c->spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->error != NULL) {
    expect_error(r, &err, c->kind, c->error, log);
    return;
  }
  assert_ok(r, &err);
  assert_false(hr_json_doc_root(doc)->dirty);
  if (strcmp(log, c->changes) != 0)
    fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
}

/* Real process files written by docker exec (captured from dockerd 20.10
 * through containerd 1.6): --privileged, and -u 1000.  The expected outputs
 * were made with jq from the inputs (the allowlist applied to each set,
 * noNewPrivileges added), not by hardrun. */
static void test_docker_fixtures(void **state)
{
  static const char *const names[] = {"docker-exec-privileged", "docker-exec-user"};
  size_t plen;
  char *ptext = unit_read_fixture("exec/profile.json", &plen);
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_parse(ptext, plen, "profile.json", "fixture", &p, &err), &err);
  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++) {
    char rel[128], *in, *want, *want_log, *out = NULL, *log;
    size_t len, out_len;
    struct hr_changes ch = {0};

    snprintf(rel, sizeof(rel), "exec/%s.json", names[i]);
    in = unit_read_fixture(rel, &len);
    snprintf(rel, sizeof(rel), "exec/%s.out.json", names[i]);
    want = unit_read_fixture(rel, &out_len);
    snprintf(rel, sizeof(rel), "exec/%s.changes", names[i]);
    want_log = unit_read_fixture(rel, &out_len);
    assert_ok(hr_exec_harden_buffer(in, len, names[i], p, &ch, &out, &out_len, &err), &err);
    assert_non_null(out);
    assert_string_equal(out, want);
    log = unit_join_changes(&ch);
    /* the file ends in a newline, the joined records do not */
    assert_int_equal(strlen(log) + 1, strlen(want_log));
    assert_memory_equal(log, want_log, strlen(log));
    free(in);
    free(want);
    free(want_log);
    free(out);
    free(log);
    hr_changes_free(&ch);
  }
  free(ptext);
  hr_policy_free(p);
}

static void test_user_profile_errors(void **state)
{
  static const struct {
    const char *text, *err;
  } rows[] = {
      {"{\"user\":{\"root\":\"fix\"}}",
       "test.json:1:17: user.root: \"fix\" is not supported (hardrun cannot choose a user for the "
       "image); use \"refuse\", \"audit\" or \"off\""},
      {"{\"user\":{\"root\":\"deny\"}}", "test.json:1:17: unknown mode \"deny\""},
      {"{\"user\":{\"roots\":\"refuse\"}}", "did you mean \"root\""},
      {"{\"user\":1}", "test.json:1:9: "},
  };

  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    struct hr_policy *p = NULL;
    struct hr_error err = {0};
    if (hr_policy_parse(rows[i].text, strlen(rows[i].text), "test.json", "test", &p, &err) == 0)
      fail_msg("%s: parsed", rows[i].text);
    if (err.kind != HR_ERR_PROFILE || strstr(err.msg, rows[i].err) == NULL)
      fail_msg("%s: error \"%s\", want \"%s\"", rows[i].text, err.msg, rows[i].err);
  }
}

/* ---- the file --------------------------------------------------------------------- */

struct dir_fixture {
  char dir[64];
};

static int dir_setup(void **state)
{
  struct dir_fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  snprintf(f->dir, sizeof(f->dir), "/tmp/hr-test-exec.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  *state = f;
  return 0;
}

static int dir_teardown(void **state)
{
  struct dir_fixture *f = *state;
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

/* Entries of `dir` besides "." and "..": a temp file left behind shows. */
static int count_entries(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

static void test_file(void **state)
{
  const struct dir_fixture *f = *state;
  struct hr_policy *p = profile(P_CAPS);
  struct hr_error err = {0};
  char path[128], link[128], *buf;
  struct stat before, after;
  size_t len;

  /* rewritten in place, atomically, keeping the mode; no temp file left */
  snprintf(path, sizeof(path), "%s/runc-process123", f->dir);
  write_file(path, "{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]}}", 0640);
  assert_int_equal(stat(path, &before), 0);
  assert_ok(hr_exec_harden_file(path, p, NULL, &err), &err);
  assert_ok(hr_read_file_at(AT_FDCWD, path, 4096, &buf, &len, &after, &err), &err);
  assert_string_equal(buf, "{\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
                           "\"noNewPrivileges\":true}");
  free(buf);
  assert_int_equal(after.st_mode & 07777, 0640);
  assert_true(after.st_ino != before.st_ino);
  assert_int_equal(count_entries(f->dir), 1);

  /* compliant: not rewritten at all */
  assert_ok(hr_exec_harden_file(path, p, NULL, &err), &err);
  assert_int_equal(stat(path, &before), 0);
  assert_int_equal(before.st_ino, after.st_ino);

  /* a relative path, as runc would open it */
  assert_int_equal(chdir(f->dir), 0);
  write_file("p2.json", "{}", 0600);
  assert_ok(hr_exec_harden_file("p2.json", p, NULL, &err), &err);
  assert_ok(hr_read_file_at(AT_FDCWD, "p2.json", 4096, &buf, &len, NULL, &err), &err);
  assert_string_equal(buf, "{\"noNewPrivileges\":true}");
  free(buf);
  assert_int_equal(chdir("/"), 0);

  /* a symlink is refused, and the file it points to untouched */
  snprintf(link, sizeof(link), "%s/link.json", f->dir);
  assert_int_equal(symlink(path, link), 0);
  assert_int_equal(hr_exec_harden_file(link, p, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "is a symbolic link; refusing to follow it"));
  /* a FIFO would block the read, a directory is no file */
  snprintf(link, sizeof(link), "%s/fifo", f->dir);
  assert_int_equal(mkfifo(link, 0600), 0);
  assert_int_equal(hr_exec_harden_file(link, p, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "not a regular file"));
  assert_int_equal(hr_exec_harden_file(f->dir, p, NULL, &err), -1);
  snprintf(link, sizeof(link), "%s/", f->dir);
  assert_int_equal(hr_exec_harden_file(link, p, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "not a file name"));
  snprintf(link, sizeof(link), "%s/absent", f->dir);
  assert_int_equal(hr_exec_harden_file(link, p, NULL, &err), -1);
  assert_int_equal(err.code, ENOENT);
  hr_policy_free(p);
}

/* ---- the flags -------------------------------------------------------------------- */

struct flags_case {
  const char *name;
  const char *profile;
  const char *line; /* after argv[0], split on spaces; '' is an empty word */
  const char *rt;   /* runtime argv after the edit; NULL: unchanged */
  const char *changes;
  enum hr_error_kind kind;
  const char *error;
};

#define EXEC_REFUSED_ROOT                                                                          \
  "profile \"test\": rule \"user\": process.user.uid: the process would run as root (uid 0)"

static const struct flags_case flags_cases[] = {
    {"--cap outside the allowlist dropped, --no-new-privs added", P_CAPS,
     "--root /r exec --cap CAP_SYS_ADMIN -t --cap=CAP_KILL id sh -c x",
     "--root /r exec --cap=CAP_KILL --no-new-privs -t id sh -c x",
     NNP_CH "\n"
            "process.capabilities.bounding: [\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> [\"CAP_KILL\"]\n"
            "process.capabilities.effective: [\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> [\"CAP_KILL\"]\n"
            "process.capabilities.permitted: [\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> [\"CAP_KILL\"]\n"
            "process.capabilities.ambient: [\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> [\"CAP_KILL\"]"},
    /* flags after the id are the process's arguments, not exec's */
    {"no flags: --no-new-privs added", P_CAPS, "exec id sh --cap CAP_SYS_ADMIN",
     "exec --no-new-privs id sh --cap CAP_SYS_ADMIN", NNP_CH},
    {"--no-new-privs=false turned on", P_CAPS, "exec --no-new-privs=false id sh",
     "exec --no-new-privs id sh", "process.noNewPrivileges: false -> true"},
    {"-c, every cap refused", P_CAPS, "exec -c CAP_SYS_ADMIN -c CAP_NET_RAW id sh",
     "exec --no-new-privs id sh",
     NNP_CH "\n"
            "process.capabilities.bounding: [\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\"] -> []\n"
            "process.capabilities.effective: [\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\"] -> []\n"
            "process.capabilities.permitted: [\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\"] -> []\n"
            "process.capabilities.ambient: [\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\"] -> []"},
    {"compliant flags are left alone", P_CAPS, "exec --cap CAP_KILL --no-new-privs=1 id sh", NULL,
     ""},
    /* runc matches names exactly: "cap_kill" is not CAP_KILL */
    {"a lower-case name is not the capability", P_CAPS, "exec --cap cap_kill --no-new-privs id sh",
     "exec --no-new-privs id sh",
     "process.capabilities.bounding: [\"cap_kill\"] -> []\n"
     "process.capabilities.effective: [\"cap_kill\"] -> []\n"
     "process.capabilities.permitted: [\"cap_kill\"] -> []\n"
     "process.capabilities.ambient: [\"cap_kill\"] -> []"},
    {"a profile without process controls changes nothing", P_SPEC_ONLY,
     "exec --cap CAP_SYS_ADMIN --no-new-privs=false id sh", NULL, ""},
    {"with --process the flags are runc's to ignore", P_SPEC_ONLY,
     "exec -p /tmp/p --cap CAP_SYS_ADMIN id", NULL, ""},

    /* --user: runc's uint32(strconv.Atoi(x)) */
    {"--user 0 refused", P_ROOT_REFUSE, "exec --user 0 id sh", NULL, NULL, HR_ERR_REFUSED,
     EXEC_REFUSED_ROOT},
    {"--user 0:1000 refused", P_ROOT_REFUSE, "exec -u 0:1000 id sh", NULL, NULL, HR_ERR_REFUSED,
     EXEC_REFUSED_ROOT},
    {"--user +0 refused", P_ROOT_REFUSE, "exec -u +0 id sh", NULL, NULL, HR_ERR_REFUSED,
     EXEC_REFUSED_ROOT},
    {"--user 0000 refused", P_ROOT_REFUSE, "exec -u 0000 id sh", NULL, NULL, HR_ERR_REFUSED,
     EXEC_REFUSED_ROOT},
    {"--user that wraps to 0 refused", P_ROOT_REFUSE, "exec -u -4294967296 id sh", NULL, NULL,
     HR_ERR_REFUSED, EXEC_REFUSED_ROOT},
    {"--user 4294967296 wraps to 0", P_ROOT_REFUSE, "exec -u 4294967296:5 id sh", NULL, NULL,
     HR_ERR_REFUSED, EXEC_REFUSED_ROOT},
    {"--user 1000:0 passes", P_ROOT_REFUSE, "exec --user=1000:0 id sh", NULL, ""},
    {"--user -1 is uid 4294967295", P_ROOT_REFUSE, "exec --user=-1 id sh", NULL, ""},
    {"no --user: config.json's user, checked on create", P_ROOT_REFUSE, "exec id sh", NULL, ""},
    {"an empty --user is no --user to runc", P_ROOT_REFUSE, "exec --user '' id sh", NULL, ""},
    {"--user that runc cannot parse", P_ROOT_REFUSE, "exec --user 0x0 id sh", NULL, NULL,
     HR_ERR_INPUT, "exec --user: uid \"0x0\" is not an integer"},
    {"--user with a bad gid", P_ROOT_REFUSE, "exec --user 5:g id sh", NULL, NULL, HR_ERR_INPUT,
     "exec --user: gid \"g\" is not an integer"},
    {"--user 0 in audit mode", P_ROOT_AUDIT, "exec -u 0 id sh", NULL,
     "process.user.uid: AUDIT runs as root (uid 0)"},
};

/* --cgroup: runc refuses a path out of the container's cgroup, crun 1.8
 * joins it. */
static void test_exec_cgroup(void **state)
{
  static const struct {
    const char *line;
    bool refused;
  } cases[] = {
      {"exec --cgroup sub id sh", false},      {"exec --cgroup cpu,memory:a/b id sh", false},
      {"exec --cgroup=a..b/..c id sh", false}, {"exec --cgroup .. id sh", true},
      {"exec --cgroup ../../.. id sh", true},  {"exec --cgroup pids:../x id sh", true},
      {"exec --cgroup a/.. id sh", true},      {"exec --cgroup ok --cgroup memory:.. id sh", true},
      {"exec -cgroup=.. id sh", true},
  };

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++) {
    char buf[256], *argv[MAX_WORDS + 1];
    struct hr_error err = {0};
    struct hr_argv a;
    int r;
    snprintf(buf, sizeof(buf), "%s", cases[i].line);
    assert_ok(hr_argv_parse(split(buf, argv), argv, &a, &err), &err);
    r = hr_exec_check_cgroup(&a, "W", &err);
    hr_argv_free(&a);
    if ((r < 0) != cases[i].refused)
      fail_msg("%s: %s", cases[i].line, r < 0 ? err.msg : "accepted");
    if (r < 0) {
      assert_int_equal(err.kind, HR_ERR_REFUSED);
      assert_true(strncmp(err.msg, "W: exec --cgroup \"", 18) == 0);
    }
  }
}

static void run_flags_case(void **state)
{
  const struct flags_case *c = *state;
  struct hr_policy *p = profile(c->profile);
  char buf[256], *argv[MAX_WORDS + 1], *rt, *log;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_argv a;
  int r;

  snprintf(buf, sizeof(buf), "%s", c->line);
  assert_ok(hr_argv_parse(split(buf, argv), argv, &a, &err), &err);
  r = a.process != NULL ? 0 : hr_exec_harden_flags(&a, p, &ch, &err);
  rt = join_argv(&a);
  log = unit_join_changes(&ch);
  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got %s", c->error, rt);
    if (err.kind != c->kind || strcmp(err.msg, c->error) != 0)
      fail_msg("error\n  got (kind %d):  %s\n  want (kind %d): %s", err.kind, err.msg, c->kind,
               c->error);
  } else {
    assert_ok(r, &err);
    if (strcmp(rt, c->rt != NULL ? c->rt : c->line) != 0)
      fail_msg("runtime argv\n  got:  %s\n  want: %s", rt, c->rt ? c->rt : c->line);
    if (strcmp(log, c->changes) != 0)
      fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
  }
  free(rt);
  free(log);
  hr_changes_free(&ch);
  hr_argv_free(&a);
  hr_policy_free(p);
}

/* The rows of the table that apply on exec, and only those. */
static void test_scopes(void **state)
{
  static const char *const process_rows[] = {"no-new-privileges", "capabilities", "user",
                                             "rlimits",           "apparmor",     "selinux"};
  size_t n = 0;

  for (size_t i = 0; i < hr_n_controls; i++) {
    bool want = false;
    for (size_t j = 0; j < HR_ARRAY_SIZE(process_rows); j++)
      want |= strcmp(hr_controls[i].name, process_rows[j]) == 0;
    if (((hr_controls[i].scope & HR_SCOPE_PROCESS) != 0) != want)
      fail_msg("row %s: HR_SCOPE_PROCESS %s", hr_controls[i].name, want ? "missing" : "unexpected");
    n += want;
  }
  assert_int_equal(n, HR_ARRAY_SIZE(process_rows));
}

#define MAX_TESTS 128

/* ---- runc's bundle label (exec without --process) ---------------------------------- */

static const struct label_case {
  const char *name;
  const char *state; /* <root>/<id>/state.json; NULL: no directory */
  const char *id;
  int kind;         /* 0, HR_ERR_REFUSED or HR_ERR_INPUT */
  const char *want; /* substring of the message */
} label_cases[] = {
    {"no state: not runc's container", NULL, "c1", 0, NULL},
    {"runc's own label only", "{\"config\": {\"labels\": [\"a=b\", \"bundle=/b\"]}}", "c1", 0,
     NULL},
    {"an annotation bundle before it",
     "{\"config\": {\"labels\": [\"bundle=/elsewhere\", \"bundle=/b\"]}}", "c1", HR_ERR_REFUSED,
     "P: the container carries the annotation \"bundle\" (\"/elsewhere\"): runc exec without "
     "--process would load its process from that directory's config.json; use --process"},
    {"a key bundle=... splits the same way",
     "{\"config\": {\"labels\": [\"x=1\", \"bundle=/e=v\", \"bundle=/b\"]}}", "c1", HR_ERR_REFUSED,
     "(\"/e=v\")"},
    {"a look-alike key", "{\"config\": {\"labels\": [\"bundlex=/e\", \"bundle\", \"bundle=/b\"]}}",
     "c1", 0, NULL},
    {"no labels", "{\"config\": {}}", "c1", 0, NULL},
    {"an id runc refuses is not looked up", "{\"config\": {\"labels\": [\"bundle=/e\", \"x\"]}}",
     "../c1", 0, NULL},
    {"a broken state.json", "{\"config\": ", "c1", HR_ERR_INPUT, "runc's state of `c1`"},
};

static void test_bundle_label(void **state)
{
  struct dir_fixture *f = *state;

  for (size_t i = 0; i < HR_ARRAY_SIZE(label_cases); i++) {
    const struct label_case *c = &label_cases[i];
    cleanup_json_doc struct hr_json_doc *st = NULL;
    char dir[128], path[160];
    struct hr_error err = {0};
    int r;

    snprintf(dir, sizeof(dir), "%s/r%zu", f->dir, i);
    assert_int_equal(mkdir(dir, 0700), 0);
    if (c->state != NULL) {
      snprintf(path, sizeof(path), "%s/c1", dir);
      assert_int_equal(mkdir(path, 0700), 0);
      snprintf(path, sizeof(path), "%s/c1/state.json", dir);
      write_file(path, c->state, 0600);
    }
    r = hr_exec_read_state(dir, c->id, &st, &err);
    if (r == 0)
      r = hr_exec_check_bundle_label(st, "P", &err);
    if (c->kind == 0) {
      if (r != 0)
        fail_msg("%s: %s", c->name, err.msg);
      continue;
    }
    if (r == 0 || (int)err.kind != c->kind || strstr(err.msg, c->want) == NULL)
      fail_msg("%s: got %d \"%s\"", c->name, r, err.msg);
  }
  /* state.json is read without following a symlink. */
  {
    char dir[128], path[160];
    struct hr_json_doc *st = NULL;
    struct hr_error err = {0};
    snprintf(dir, sizeof(dir), "%s/link", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/c1", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/c1/state.json", dir);
    assert_int_equal(symlink("/etc/hostname", path), 0);
    assert_int_equal(hr_exec_read_state(dir, "c1", &st, &err), -1);
    assert_null(st);
  }
}

/* ---- config.json's process (exec without --process) ------------------------------- */

static const struct config_case {
  const char *name;
  const char *config; /* <bundle>/config.json; NULL: none */
  const char *want;   /* NULL: passes; else a substring of the refusal */
} config_cases[] = {
    {"as create left it",
     "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"noNewPrivileges\":true}}",
     NULL},
    {"every capability again",
     "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]},"
     "\"noNewPrivileges\":true}}",
     "profile \"test\": rule \"capabilities\": process.capabilities.bounding: \"@/config.json\" "
     "is not as create left it (the rule would change this field): runc exec without --process "
     "takes the process from it; use --process"},
    {"no_new_privs dropped", "{\"process\":{\"noNewPrivileges\":false}}",
     "rule \"no-new-privileges\": process.noNewPrivileges: "},
    {"a key runc folds", "{\"process\":{\"noNewPrivileges\":true,\"NoNewPrivileges\":false}}",
     "rule \"spec-keys\""},
    {"not JSON", "{\"process\":", "rule \"spec-syntax\""},
    {"no config.json", NULL, "runc reads the process from \"@/config.json\""},
};

static void test_bundle_process(void **state)
{
  struct dir_fixture *f = *state;
  struct hr_policy *p = profile(P_CAPS);

  for (size_t i = 0; i < HR_ARRAY_SIZE(config_cases); i++) {
    const struct config_case *c = &config_cases[i];
    cleanup_json_doc struct hr_json_doc *st = NULL;
    char root[128], bundle[128], path[192], want[512], state_json[256];
    struct hr_error err = {0};
    const char *at;
    int r;

    snprintf(root, sizeof(root), "%s/root%zu", f->dir, i);
    snprintf(bundle, sizeof(bundle), "%s/bundle%zu", f->dir, i);
    assert_int_equal(mkdir(root, 0700), 0);
    assert_int_equal(mkdir(bundle, 0700), 0);
    snprintf(path, sizeof(path), "%s/c1", root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/c1/state.json", root);
    snprintf(state_json, sizeof(state_json), "{\"config\": {\"labels\": [\"bundle=%s\"]}}", bundle);
    write_file(path, state_json, 0600);
    if (c->config != NULL) {
      snprintf(path, sizeof(path), "%s/config.json", bundle);
      write_file(path, c->config, 0600);
    }
    r = hr_exec_read_state(root, "c1", &st, &err);
    assert_int_equal(r, 0);
    r = hr_exec_check_bundle_process(st, p, &err);
    if (c->want == NULL) {
      if (r != 0)
        fail_msg("%s: %s", c->name, err.msg);
      continue;
    }
    /* "@" in the wanted text stands for the bundle */
    at = strchr(c->want, '@');
    if (at != NULL)
      snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - c->want), c->want, bundle, at + 1);
    else
      snprintf(want, sizeof(want), "%s", c->want);
    if (r == 0 || strstr(err.msg, want) == NULL)
      fail_msg("%s: got %d \"%s\", want \"%s\"", c->name, r, err.msg, want);
  }
  hr_policy_free(p);
}

int main(void)
{
  static struct CMUnitTest tests[MAX_TESTS];
  size_t n = 0;

  for (size_t i = 0; i < HR_ARRAY_SIZE(process_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = process_cases[i].name,
                                     .test_func = run_process_case,
                                     .initial_state = (void *)&process_cases[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(spec_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = spec_cases[i].name,
                                     .test_func = run_spec_case,
                                     .initial_state = (void *)&spec_cases[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(flags_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = flags_cases[i].name,
                                     .test_func = run_flags_case,
                                     .initial_state = (void *)&flags_cases[i]};
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_docker_fixtures);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_user_profile_errors);
  tests[n++] =
      (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_file, dir_setup, dir_teardown);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scopes);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_exec_cgroup);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_bundle_process, dir_setup,
                                                                  dir_teardown);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_bundle_label, dir_setup,
                                                                  dir_teardown);
  assert_true(n <= MAX_TESTS);
  return _cmocka_run_group_tests("exec", tests, n, NULL, NULL);
}
