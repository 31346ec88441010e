/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "apparmor" and "selinux" controls.
 *
 * Two halves.  The real half calls libapparmor and libselinux on this host
 * and checks their answers against what the kernel shows (securityfs,
 * selinuxfs), then applies a profile through the production path.  The
 * table half feeds the rewrites hand-made host facts (an AppArmor host, an
 * SELinux host with a policy that knows some types) and compares the exact
 * config.json, change records, MCS state file or error, one row per case. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/argv.h"
#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/lsm.h"
#include "hardrun/policy.h"

static char tmpdir[] = "/tmp/hardrun-test-lsm.XXXXXX";
static unsigned n_dirs;

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

/* A fresh, not yet existing run directory for one case. */
static char *new_run_dir(void)
{
  char *p = NULL;
  assert_true(asprintf(&p, "%s/run%u", tmpdir, n_dirs++) > 0);
  return p;
}

static void write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "we");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

/* The state file's content, "" when it does not exist. */
static char *read_state(const char *run_dir)
{
  struct hr_error err = {0};
  char *path = NULL, *buf = NULL;
  size_t len;

  assert_true(asprintf(&path, "%s/selinux-mcs", run_dir) > 0);
  if (hr_read_file(path, 1 << 24, &buf, &len, &err) < 0) {
    assert_int_equal(err.code, ENOENT);
    buf = strdup("");
  }
  free(path);
  return buf;
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- the real host -------------------------------------------------------------- */

/* What the kernel says, read without the libraries. */
static bool kernel_apparmor(void)
{
  char c = 0;
  int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &c, 1) != 1)
      c = 0;
    close(fd);
  }
  return c == 'Y';
}

static bool kernel_selinux(void)
{
  struct statfs sfs;
  return statfs("/sys/fs/selinux", &sfs) == 0 && (unsigned long)sfs.f_type == 0xf97cff8cUL;
}

static void real_apparmor(void **state)
{
  struct hr_error err = {0};
  bool want = kernel_apparmor();
  int loaded;

  print_message("# kernel: AppArmor %s; hr_lsm_apparmor_enabled() = %d (HAVE_APPARMOR %s)\n",
                want ? "on" : "off", hr_lsm_apparmor_enabled(),
#ifdef HAVE_APPARMOR
                "yes"
#else
                "no"
#endif
  );
  assert_int_equal(hr_lsm_apparmor_enabled(), want);
  loaded = hr_lsm_apparmor_profile_loaded("hardrun-default", &err);
  if (loaded < 0)
    fail_msg("profile_loaded: %s", err.msg);
  if (!want)
    assert_int_equal(loaded, 0); /* no AppArmor: nothing is loaded */
}

static void real_selinux(void **state)
{
  bool kernel = kernel_selinux();
  int r, e;

  print_message("# kernel: selinuxfs %s; hr_lsm_selinux_enabled() = %d\n",
                kernel ? "mounted" : "absent", hr_lsm_selinux_enabled());
  if (!kernel) {
    assert_false(hr_lsm_selinux_enabled());
  }
  errno = 0;
  r = hr_lsm_selinux_check_context("system_u:system_r:container_t:s0:c1,c2");
  e = errno;
  print_message("# security_check_context(\"system_u:system_r:container_t:s0:c1,c2\") = %d, "
                "errno %d (%s)\n",
                r, e, strerror(e));
  if (kernel)
    skip(); /* the answer then depends on the loaded policy */
  /* Without selinuxfs libselinux has nowhere to ask: it fails with ENOENT
   * (and the wrapper without libselinux with ENOTSUP).  This is why the
   * enabled-branch tables below check labels through the host facts. */
  assert_int_equal(r, -1);
#ifdef HAVE_SELINUX
  assert_int_equal(e, ENOENT);
#else
  assert_int_equal(e, ENOTSUP);
#endif
}

static void real_probe(void **state)
{
  struct hr_lsm_host host;
  struct hr_error err = {0};

  assert_ok(hr_lsm_host_probe(&host, HR_LSM_PROBE_APPARMOR | HR_LSM_PROBE_SELINUX, &err), &err);
  assert_int_equal(host.apparmor, kernel_apparmor());
  assert_int_equal(host.selinux, hr_lsm_selinux_enabled());
  if (!host.selinux) {
    /* lxc_contexts is read only on an SELinux host */
    assert_null(host.selinux_process);
    assert_null(host.selinux_file);
  }
  assert_string_equal(host.run_dir, HR_RUN_DIR);
  hr_lsm_host_release(&host);
}

/* The production path end to end: a profile enabling both controls,
 * applied by hr_policy_apply to Docker's config.json on this host. */
static void real_apply(void **state)
{
  static const char profile[] = "{\"apparmor\":{\"profile\":\"hardrun-default\",\"require\":true},"
                                "\"selinux\":true}";
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *in = NULL, *out = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len, out_len;

  if (kernel_apparmor() || hr_lsm_selinux_enabled())
    skip(); /* this case is about a host without either */
  in = unit_read_fixture("configs/docker-run.json", &len);
  assert_ok(hr_policy_parse(profile, strlen(profile), "lsm.json", "lsm", &p, &err), &err);
  assert_ok(hr_json_parse(in, len, &opts, &doc, &err), &err);
  assert_ok(hr_policy_apply(p, doc, &ch, &err), &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  assert_string_equal(log, "process.apparmorProfile: AUDIT AppArmor is not enabled on this host; "
                           "nothing changed\n"
                           "process.selinuxLabel: AUDIT SELinux is not enabled on this host; "
                           "nothing changed");
  assert_ok(hr_json_serialize(doc, &out, &out_len, &err), &err);
  assert_int_equal(out_len, len);
  assert_memory_equal(out, in, len);
}

/* ---- profile sections ------------------------------------------------------------ */

struct profile_case {
  const char *name;
  const char *profile;
  const char *want; /* "aa=ON profile=P require=R se=ON type=T file=F", or NULL */
  const char *error;
};

static const struct profile_case profile_cases[] = {
    {"absent: both off", "{}", "aa=0 profile=- require=0 se=0 type=- file=-", NULL},
    {"true: defaults", "{\"apparmor\":true,\"selinux\":true}",
     "aa=1 profile=hardrun-default require=0 se=1 type=- file=-", NULL},
    {"false", "{\"apparmor\":false,\"selinux\":false}",
     "aa=0 profile=hardrun-default require=0 se=0 type=- file=-", NULL},
    {"objects",
     "{\"apparmor\":{\"profile\":\"my-profile\",\"require\":true},"
     "\"selinux\":{\"type\":\"my_container_t\",\"fileType\":\"my_file_t\"}}",
     "aa=1 profile=my-profile require=1 se=1 type=my_container_t file=my_file_t", NULL},
    {"enabled false inside", "{\"apparmor\":{\"enabled\":false,\"require\":true}}",
     "aa=0 profile=hardrun-default require=1 se=0 type=- file=-", NULL},
    {"apparmor profile unconfined", "{\"apparmor\":{\"profile\":\"unconfined\"}}", NULL,
     "test.json:1:24: apparmor.profile: \"unconfined\" confines nothing"},
    {"apparmor profile with a space", "{\"apparmor\":{\"profile\":\"a b\"}}", NULL,
     "test.json:1:24: apparmor.profile: expected a profile name (1 to 255 printable ASCII "
     "characters, no spaces)"},
    {"apparmor profile empty", "{\"apparmor\":{\"profile\":\"\"}}", NULL,
     "test.json:1:24: apparmor.profile: expected a profile name (1 to 255 printable ASCII "
     "characters, no spaces)"},
    {"apparmor require not a bool", "{\"apparmor\":{\"require\":\"yes\"}}", NULL,
     "test.json:1:24: apparmor.require: expected a boolean (true or false), got string"},
    {"apparmor unknown key", "{\"apparmor\":{\"profil\":\"x\"}}", NULL,
     "did you mean \"profile\"?"},
    {"selinux spc_t", "{\"selinux\":{\"type\":\"spc_t\"}}", NULL,
     "test.json:1:20: selinux.type: \"spc_t\" is not confined"},
    {"selinux unconfined_t file type", "{\"selinux\":{\"fileType\":\"unconfined_t\"}}", NULL,
     "test.json:1:24: selinux.fileType: \"unconfined_t\" is not confined"},
    {"selinux type is a context", "{\"selinux\":{\"type\":\"system_u:system_r:container_t\"}}",
     NULL, "test.json:1:20: selinux.type: expected an SELinux type name such as \"container_t\""},
    {"selinux type not a string", "{\"selinux\":{\"type\":1}}", NULL,
     "test.json:1:20: selinux.type: expected a string, got number"},
    {"selinux section a string", "{\"selinux\":\"container_t\"}", NULL,
     "test.json:1:12: selinux: expected a boolean or an object, got string"},
};

static void run_profile_case(void **state)
{
  const struct profile_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_free char *got = NULL;
  struct hr_error err = {0};
  int r = hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err);

  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success", c->error);
    if (err.kind != HR_ERR_PROFILE || !ends_with(err.msg, c->error))
      fail_msg("expected error ending in\n  %s\ngot (kind %d)\n  %s", c->error, err.kind, err.msg);
    return;
  }
  assert_ok(r, &err);
  assert_true(asprintf(&got, "aa=%d profile=%s require=%d se=%d type=%s file=%s",
                       p->apparmor.enabled, p->apparmor.profile ? p->apparmor.profile : "-",
                       p->apparmor.require, p->selinux.enabled,
                       p->selinux.type ? p->selinux.type : "-",
                       p->selinux.file_type ? p->selinux.file_type : "-") > 0);
  assert_string_equal(got, c->want);
}

/* ---- lxc_contexts ------------------------------------------------------------------ */

struct lxc_case {
  const char *name;
  const char *fixture;
  const char *process, *file, *error;
};

static const struct lxc_case lxc_cases[] = {
    {"container-selinux's file", "lsm/lxc_contexts", "system_u:system_r:container_t:s0",
     "system_u:object_r:container_file_t:s0", NULL},
    {"unquoted, indented, look-alike keys", "lsm/lxc_contexts.custom",
     "staff_u:staff_r:my_container_t:s0-s0:c0.c1023", "staff_u:object_r:my_file_t:s0", NULL},
    {"a line without =", "lsm/lxc_contexts.bad", NULL, NULL, "line 2: expected KEY = \"CONTEXT\""},
};

static void run_lxc_case(void **state)
{
  const struct lxc_case *c = *state;
  cleanup_free char *buf = NULL, *process = NULL, *file = NULL;
  struct hr_error err = {0};
  size_t len;
  int r;

  buf = unit_read_fixture(c->fixture, &len);
  r = hr_lsm_parse_lxc_contexts(buf, len, &process, &file, &err);
  if (c->error != NULL) {
    assert_int_equal(r, -1);
    assert_string_equal(err.msg, c->error);
    return;
  }
  assert_ok(r, &err);
  assert_string_equal(process, c->process);
  assert_string_equal(file, c->file);
}

/* ---- hand-made hosts ------------------------------------------------------------------ */

/* What a fake host answers: loaded AppArmor profiles, the SELinux types
 * its policy knows, and a scripted random source. */
struct fake {
  const char *loaded; /* space-separated profile names; "!" = the check fails */
  const char *types;  /* space-separated types the policy knows */
  const uint32_t *rnd;
  size_t n_rnd, i_rnd;
  char checked[1024]; /* the contexts asked about, one a line */
};

static bool word_in(const char *list, const char *w, size_t n)
{
  for (const char *s = list; s != NULL && *s != '\0';) {
    size_t k = strcspn(s, " ");
    if (k == n && memcmp(s, w, n) == 0)
      return true;
    s += k + (s[k] == ' ');
  }
  return false;
}

static int fake_loaded(const struct hr_lsm_host *h, const char *name, struct hr_error *err)
{
  const struct fake *f = h->data;
  if (f->loaded != NULL && strcmp(f->loaded, "!") == 0)
    return hr_error_set(err, HR_ERR_SYSTEM, EACCES, "open `profiles`");
  return word_in(f->loaded, name, strlen(name));
}

/* The policy knows user system_u/staff_u, and the listed types; levels
 * are left to the kernel's MLS rules, which no fake should guess. */
static int fake_check(const struct hr_lsm_host *h, const char *context)
{
  struct fake *f = h->data;
  const char *c1 = strchr(context, ':'), *c2, *c3;
  size_t used = strlen(f->checked);

  snprintf(f->checked + used, sizeof(f->checked) - used, "%s\n", context);

  c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  c3 = c2 ? strchr(c2 + 1, ':') : NULL;
  if (c3 == NULL || !word_in(f->types, c2 + 1, (size_t)(c3 - c2 - 1)) ||
      !(strncmp(context, "system_u:", 9) == 0 || strncmp(context, "staff_u:", 8) == 0)) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

static uint32_t fake_random(void *data)
{
  struct fake *f = data;
  if (f->i_rnd >= f->n_rnd)
    fail_msg("the scripted random source ran dry after %zu values", f->n_rnd);
  return f->rnd[f->i_rnd++];
}

/* Random value that the allocator turns into categories (a, b). */
#define RND(a, b) ((uint32_t)(a) + (uint32_t)(b)*HR_MCS_CATEGORIES)

struct lsm_case {
  const char *name;
  const char *profile;
  bool enabled;           /* the LSM is enabled on the fake host */
  const char *loaded;     /* AppArmor: loaded profiles */
  const char *se_process; /* SELinux: lxc_contexts, NULL = none */
  const char *se_file;
  const char *types;        /* SELinux: types the policy knows */
  const char *id;           /* container id; NULL = none bound */
  bool exec;                /* runc exec's process (overrides only) */
  bool dry;                 /* policy explain's dry run */
  bool no_run_dir;          /* the run directory must not exist afterwards */
  const char *checked;      /* SELinux: the contexts the policy was asked about */
  const uint32_t rnd[4];    /* scripted random values */
  const char *state_before; /* selinux-mcs before; NULL = no file */
  const char *spec;
  const char *out;         /* NULL = byte-identical to spec */
  const char *changes;     /* joined records */
  const char *state_after; /* selinux-mcs after; "" = none or empty */
  enum hr_error_kind kind; /* HR_ERR_NONE = success */
  const char *error;       /* exact message */
};

#define PROC(x) "{\"process\":{\"args\":[\"sh\"]" x "},\"root\":{\"path\":\"rootfs\"}}"
#define AA      "{\"apparmor\":true}"
#define AA_REQ  "{\"apparmor\":{\"require\":true}}"
#define AA_MINE "{\"apparmor\":{\"profile\":\"my-profile\"}}"
#define AA_NOTE_OFF                                                                                \
  "process.apparmorProfile: AUDIT AppArmor is not enabled on this host; nothing changed"
#define AA_SET(old, p) "process.apparmorProfile: " old " -> \"" p "\""

static const struct lsm_case aa_cases[] = {
    {.name = "disabled host: recorded, nothing changed",
     .profile = AA,
     .enabled = false,
     .spec = PROC(""),
     .changes = AA_NOTE_OFF},
    {.name = "disabled host with require: still recorded only",
     .profile = AA_REQ,
     .enabled = false,
     .spec = PROC(",\"apparmorProfile\":\"unconfined\""),
     .changes = AA_NOTE_OFF},
    {.name = "disabled host: no process is no error",
     .profile = AA,
     .enabled = false,
     .spec = "{}",
     .changes = AA_NOTE_OFF},
    {.name = "absent profile set",
     .profile = AA,
     .enabled = true,
     .loaded = "docker-default hardrun-default",
     .spec = PROC(""),
     .out = PROC(",\"apparmorProfile\":\"hardrun-default\""),
     .changes = AA_SET("(absent)", "hardrun-default")},
    {.name = "null profile set",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":null"),
     .out = PROC(",\"apparmorProfile\":\"hardrun-default\""),
     .changes = AA_SET("null", "hardrun-default")},
    {.name = "empty profile set",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":\"\""),
     .out = PROC(",\"apparmorProfile\":\"hardrun-default\""),
     .changes = AA_SET("\"\"", "hardrun-default")},
    {.name = "unconfined replaced",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":\"unconfined\""),
     .out = PROC(",\"apparmorProfile\":\"hardrun-default\""),
     .changes = AA_SET("\"unconfined\"", "hardrun-default")},
    {.name = "unconfined under a folded key is the one runc reads",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"APPARMORPROFILE\":\"unconfined\""),
     .out = PROC(",\"APPARMORPROFILE\":\"hardrun-default\""),
     .changes = AA_SET("\"unconfined\"", "hardrun-default")},
    {.name = "another profile is kept",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":\"docker-default\""),
     .changes = ""},
    {.name = "Unconfined is a profile name, not unconfined",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":\"Unconfined\""),
     .changes = ""},
    {.name = "already ours: no change",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":\"hardrun-default\""),
     .changes = ""},
    {.name = "the profile's own name",
     .profile = AA_MINE,
     .enabled = true,
     .loaded = "hardrun-default my-profile",
     .spec = PROC(""),
     .out = PROC(",\"apparmorProfile\":\"my-profile\""),
     .changes = AA_SET("(absent)", "my-profile")},
    {.name = "not loaded, require false: recorded, left unset",
     .profile = AA_MINE,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(""),
     .changes = "process.apparmorProfile: AUDIT AppArmor profile \"my-profile\" is not loaded; "
                "left unset"},
    {.name = "not loaded, require false: unconfined left",
     .profile = AA,
     .enabled = true,
     .loaded = "",
     .spec = PROC(",\"apparmorProfile\":\"unconfined\""),
     .changes = "process.apparmorProfile: AUDIT AppArmor profile \"hardrun-default\" is not "
                "loaded; left \"unconfined\""},
    {.name = "not loaded, require true: refused",
     .profile = AA_REQ,
     .enabled = true,
     .loaded = "hardrun-defaults",
     .spec = PROC(""),
     .kind = HR_ERR_REFUSED,
     .error = "process.apparmorProfile: AppArmor profile \"hardrun-default\" is not loaded (load "
              "it with `make install-apparmor`)"},
    {.name = "not loaded but a profile named: kept without asking",
     .profile = AA_REQ,
     .enabled = true,
     .loaded = "",
     .spec = PROC(",\"apparmorProfile\":\"docker-default\""),
     .changes = ""},
    {.name = "cannot tell, require true: error",
     .profile = AA_REQ,
     .enabled = true,
     .loaded = "!",
     .spec = PROC(""),
     .kind = HR_ERR_SYSTEM,
     .error = "process.apparmorProfile: AppArmor profile \"hardrun-default\": open `profiles`: "
              "Permission denied"},
    {.name = "cannot tell, require false: recorded",
     .profile = AA,
     .enabled = true,
     .loaded = "!",
     .spec = PROC(""),
     .changes = "process.apparmorProfile: AUDIT cannot tell whether AppArmor profile "
                "\"hardrun-default\" is loaded (open `profiles`: Permission denied); left unset"},
    {.name = "exec: no profile keeps the container's",
     .profile = AA_REQ,
     .enabled = true,
     .loaded = "",
     .exec = true,
     .spec = "{\"process\":{\"args\":[\"sh\"]}}",
     .changes = ""},
    {.name = "exec: unconfined replaced",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .exec = true,
     .spec = "{\"process\":{\"apparmorProfile\":\"unconfined\"}}",
     .out = "{\"process\":{\"apparmorProfile\":\"hardrun-default\"}}",
     .changes = AA_SET("\"unconfined\"", "hardrun-default")},
    {.name = "exec: unconfined with the profile missing and require: refused",
     .profile = AA_REQ,
     .enabled = true,
     .loaded = "",
     .exec = true,
     .spec = "{\"process\":{\"apparmorProfile\":\"unconfined\"}}",
     .kind = HR_ERR_REFUSED,
     .error = "process.apparmorProfile: AppArmor profile \"hardrun-default\" is not loaded (load "
              "it with `make install-apparmor`)"},
    {.name = "a number",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = PROC(",\"apparmorProfile\":1"),
     .kind = HR_ERR_INPUT,
     .error = "process.apparmorProfile: expected a string"},
    {.name = "no process",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = "{\"root\":{\"path\":\"rootfs\"}}",
     .kind = HR_ERR_INPUT,
     .error = "process: missing"},
    {.name = "process is an array",
     .profile = AA,
     .enabled = true,
     .loaded = "hardrun-default",
     .spec = "{\"process\":[]}",
     .kind = HR_ERR_INPUT,
     .error = "process: expected an object"},
};

#define SE       "{\"selinux\":true}"
#define SE_TYPES "container_t container_file_t"
#define CT(lvl)  "system_u:system_r:container_t:" lvl
#define CF(lvl)  "system_u:object_r:container_file_t:" lvl
#define SPEC_SE(proc, lin)                                                                         \
  "{\"process\":{\"args\":[\"sh\"]" proc "},\"root\":{\"path\":\"rootfs\"}" lin "}"
#define LABEL(l) ",\"selinuxLabel\":\"" l "\""
#define MOUNT(l) ",\"linux\":{\"mountLabel\":\"" l "\"}"
#define SE_NOTE_OFF                                                                                \
  "process.selinuxLabel: AUDIT SELinux is not enabled on this host; nothing changed"
#define SE_SET(p, m)                                                                               \
  "process.selinuxLabel: (absent) -> \"" p "\"\nlinux.mountLabel: (absent) -> \"" m "\""

static const struct lsm_case se_cases[] = {
    {.name = "disabled host: recorded, nothing changed, no state",
     .profile = SE,
     .enabled = false,
     .id = "ctr1",
     .spec = SPEC_SE(LABEL(CT("s0")), ""),
     .changes = SE_NOTE_OFF,
     .state_after = ""},
    {.name = "labels from lxc_contexts with a fresh pair",
     .profile = SE,
     .enabled = true,
     .se_process = CT("s0"),
     .se_file = CF("s0"),
     .types = SE_TYPES,
     .id = "ctr1",
     .rnd = {RND(9, 5)},
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL(CT("s0:c5,c9")), MOUNT(CF("s0:c5,c9"))),
     .changes = SE_SET(CT("s0:c5,c9"), CF("s0:c5,c9")),
     .state_after = "ctr1 c5,c9\n"},
    {.name = "no lxc_contexts: container_t and container_file_t",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "ctr1",
     .rnd = {RND(0, 1023)},
     .spec = SPEC_SE("", ",\"linux\":{}"),
     .out = SPEC_SE(LABEL(CT("s0:c0,c1023")), MOUNT(CF("s0:c0,c1023"))),
     .changes = SE_SET(CT("s0:c0,c1023"), CF("s0:c0,c1023")),
     .state_after = "ctr1 c0,c1023\n"},
    {.name = "lxc_contexts' own user, role and range low level",
     .profile = SE,
     .enabled = true,
     .se_process = "staff_u:staff_r:my_ct_t:s0-s0:c0.c1023",
     .se_file = "staff_u:object_r:my_file_t:s0",
     .types = "my_ct_t my_file_t",
     .id = "c",
     .rnd = {RND(1, 2)},
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL("staff_u:staff_r:my_ct_t:s0:c1,c2"),
                    MOUNT("staff_u:object_r:my_file_t:s0:c1,c2")),
     .changes = SE_SET("staff_u:staff_r:my_ct_t:s0:c1,c2", "staff_u:object_r:my_file_t:s0:c1,c2"),
     .state_after = "c c1,c2\n"},
    {.name = "the profile's types win over lxc_contexts",
     .profile = "{\"selinux\":{\"type\":\"my_ct_t\",\"fileType\":\"my_file_t\"}}",
     .enabled = true,
     .se_process = CT("s0"),
     .se_file = CF("s0"),
     .types = "my_ct_t my_file_t",
     .id = "ctr1",
     .rnd = {RND(7, 8)},
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL("system_u:system_r:my_ct_t:s0:c7,c8"),
                    MOUNT("system_u:object_r:my_file_t:s0:c7,c8")),
     .changes =
         SE_SET("system_u:system_r:my_ct_t:s0:c7,c8", "system_u:object_r:my_file_t:s0:c7,c8"),
     .state_after = "ctr1 c7,c8\n"},
    {.name = "pairs held by others and equal categories are skipped",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "new",
     .rnd = {RND(9, 5), RND(7, 7), RND(5, 9), RND(3, 700)},
     .state_before = "old c5,c9\nx c3,c4\n",
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL(CT("s0:c3,c700")), MOUNT(CF("s0:c3,c700"))),
     .changes = SE_SET(CT("s0:c3,c700"), CF("s0:c3,c700")),
     .state_after = "old c5,c9\nx c3,c4\nnew c3,c700\n"},
    /* A second create of a running container's id must not take its
     * categories away: no draw, the pair it holds, one line. */
    {.name = "the same id again keeps its pair, in one line",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "ctr1",
     .state_before = "ctr1 c1,c2\nb c8,c9\n",
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL(CT("s0:c1,c2")), MOUNT(CF("s0:c1,c2"))),
     .changes = SE_SET(CT("s0:c1,c2"), CF("s0:c1,c2")),
     .state_after = "b c8,c9\nctr1 c1,c2\n"},
    {.name = "the same id again, its pair shared with another container: a new one",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "ctr1",
     .rnd = {RND(1, 2), RND(3, 4)},
     .state_before = "ctr1 c1,c2\nb c1,c2\n",
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL(CT("s0:c3,c4")), MOUNT(CF("s0:c3,c4"))),
     .changes = SE_SET(CT("s0:c3,c4"), CF("s0:c3,c4")),
     .state_after = "b c1,c2\nctr1 c3,c4\n"},
    {.name = "Docker's labels are kept and their pair recorded",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "d",
     .spec = SPEC_SE(LABEL(CT("s0:c345,c12")), MOUNT(CF("s0:c345,c12"))),
     .changes = "",
     .state_after = "d c12,c345\n"},
    {.name = "a process label alone gets the mount label at its level",
     .profile = SE,
     .enabled = true,
     .se_file = CF("s0"),
     .types = SE_TYPES,
     .id = "d",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), ""),
     .out = SPEC_SE(LABEL(CT("s0:c1,c2")), ",\"linux\":{\"mountLabel\":\"" CF("s0:c1,c2") "\"}"),
     .changes = "linux.mountLabel: (absent) -> \"" CF("s0:c1,c2") "\"",
     .state_after = "d c1,c2\n"},
    {.name = "a pair shared with another container is kept and recorded",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "d",
     .state_before = "e c1,c2\n",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), MOUNT(CF("s0:c1,c2"))),
     .changes = "process.selinuxLabel: AUDIT categories c1,c2 are also recorded for another "
                "container",
     .state_after = "e c1,c2\nd c1,c2\n"},
    {.name = "a mount label alone is replaced",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "m",
     .rnd = {RND(4, 6)},
     .spec = SPEC_SE("", MOUNT(CF("s0"))),
     .out = SPEC_SE(LABEL(CT("s0:c4,c6")), MOUNT(CF("s0:c4,c6"))),
     .changes = "process.selinuxLabel: (absent) -> \"" CT(
         "s0:c4,c6") "\"\n"
                     "linux.mountLabel: \"" CF("s0") "\" -> \"" CF("s0:c4,c6") "\"",
     .state_after = "m c4,c6\n"},
    {.name = "folded keys are the ones runc reads",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "f",
     .spec = SPEC_SE(",\"SELINUXLABEL\":\"" CT("s0:c1,c2") "\"",
                     ",\"Linux\":{\"MountLabel\":\"" CF("s0:c1,c2") "\"}"),
     .changes = "",
     .state_after = "f c1,c2\n"},
    {.name = "spc_t refused",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES " spc_t",
     .id = "r",
     .spec = SPEC_SE(LABEL("system_u:system_r:spc_t:s0"), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: type spc_t is not confined; refused"},
    {.name = "unconfined_t refused",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES " unconfined_t",
     .id = "r",
     .spec = SPEC_SE(LABEL("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: type unconfined_t is not confined; refused"},
    {.name = "a refused mount label even though it would be replaced",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE("", MOUNT("system_u:object_r:spc_t:s0")),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "linux.mountLabel: type spc_t is not confined; refused"},
    {.name = "a type the policy does not know",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL("system_u:system_r:bogus_t:s0:c1,c2"), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: \"system_u:system_r:bogus_t:s0:c1,c2\" is not a valid context "
              "in the loaded SELinux policy (Invalid argument)"},
    {.name = "not a context",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL("container_t"), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: not an SELinux context of the form user:role:type:level"},
    {.name = "level without categories",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL(CT("s0")), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: level \"s0\" does not give the container its own pair of MCS "
              "categories (expected sN:cA,cB)"},
    {.name = "a range that dominates every container",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL(CT("s0-s0:c0.c1023")), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: level \"s0-s0:c0.c1023\" does not give the container its own "
              "pair of MCS categories (expected sN:cA,cB)"},
    {.name = "one category twice",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL(CT("s0:c3,c3")), ""),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: level \"s0:c3,c3\" does not give the container its own pair "
              "of MCS categories (expected sN:cA,cB)"},
    {.name = "mount level differs",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), MOUNT(CF("s0:c1,c3"))),
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "linux.mountLabel: level \"s0:c1,c3\" differs from process.selinuxLabel's "
              "\"s0:c1,c2\""},
    {.name = "a profile type the policy lacks: refused, pair released",
     .profile = "{\"selinux\":{\"type\":\"missing_t\"}}",
     .enabled = true,
     .types = SE_TYPES,
     .id = "r",
     .rnd = {RND(1, 2)},
     .state_before = "a c5,c6\n",
     .spec = SPEC_SE("", ""),
     .state_after = "a c5,c6\n",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: \"system_u:system_r:missing_t:s0:c1,c2\" is not a valid "
              "context in the loaded SELinux policy (Invalid argument)"},
    {.name = "no container id bound",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .spec = SPEC_SE("", ""),
     .state_after = "",
     .kind = HR_ERR_SYSTEM,
     .error = "process.selinuxLabel: no container id to record the MCS categories under"},
    {.name = "a damaged state file fails closed",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "x",
     .state_before = "a c1,c2\nb c2\n",
     .spec = SPEC_SE("", ""),
     .state_after = "a c1,c2\nb c2\n",
     .kind = HR_ERR_SYSTEM,
     .error = "RUN/selinux-mcs:2: malformed entry"},
    {.name = "lxc_contexts without a level",
     .profile = SE,
     .enabled = true,
     .se_process = "system_u:system_r:container_t",
     .types = SE_TYPES,
     .id = "x",
     .spec = SPEC_SE("", ""),
     .state_after = "",
     .kind = HR_ERR_SYSTEM,
     .error = "process.selinuxLabel: the container context \"system_u:system_r:container_t\" has "
              "no MLS/MCS level, so containers cannot get categories of their own"},
    {.name = "exec: no label keeps the container's",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .state_before = "e c1,c2\n",
     .spec = "{\"process\":{\"args\":[\"sh\"]}}",
     .changes = "",
     .state_after = "e c1,c2\n"},
    {.name = "exec: the container's own label",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .state_before = "d c3,c4\ne c1,c2\n",
     .spec = "{\"process\":{\"selinuxLabel\":\"" CT("s0:c2,c1") "\"}}",
     .changes = "",
     .state_after = "d c3,c4\ne c1,c2\n"},
    {.name = "exec: another container's categories",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .state_before = "d c3,c4\ne c1,c2\n",
     .spec = "{\"process\":{\"selinuxLabel\":\"" CT("s0:c3,c4") "\"}}",
     .state_after = "d c3,c4\ne c1,c2\n",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: categories c3,c4 are not the container's (c1,c2)"},
    {.name = "exec: nothing recorded for the container",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .spec = "{\"process\":{\"selinuxLabel\":\"" CT("s0:c3,c4") "\"}}",
     .state_after = "",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: no MCS categories are recorded for container e"},
    {.name = "exec: spc_t",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .state_before = "e c1,c2\n",
     .spec = "{\"process\":{\"selinuxLabel\":\"system_u:system_r:spc_t:s0:c1,c2\"}}",
     .state_after = "e c1,c2\n",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: type spc_t is not confined; refused"},
    {.name = "exec: no categories",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "e",
     .exec = true,
     .state_before = "e c1,c2\n",
     .spec = "{\"process\":{\"selinuxLabel\":\"" CT("s0") "\"}}",
     .state_after = "e c1,c2\n",
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: level \"s0\" does not give the process its container's pair "
              "of MCS categories (expected sN:cA,cB)"},
    {.name = "exec: disabled host",
     .profile = SE,
     .enabled = false,
     .id = "e",
     .exec = true,
     .spec = "{\"process\":{\"selinuxLabel\":\"" CT("s0:c3,c4") "\"}}",
     .changes = SE_NOTE_OFF,
     .state_after = ""},
    {.name = "dry run: a fresh pair is shown as the placeholder, checked at c0,c1023, not "
             "reserved",
     .profile = SE,
     .enabled = true,
     .se_process = CT("s0"),
     .se_file = CF("s0"),
     .types = SE_TYPES,
     .dry = true,
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL(CT("s0:" HR_MCS_DRY_RUN_PAIR)), MOUNT(CF("s0:" HR_MCS_DRY_RUN_PAIR))),
     .changes = SE_SET(CT("s0:" HR_MCS_DRY_RUN_PAIR), CF("s0:" HR_MCS_DRY_RUN_PAIR)),
     .checked = CT("s0:c0,c1023") "\n" CF("s0:c0,c1023") "\n",
     .state_after = "",
     .no_run_dir = true},
    {.name = "dry run: an existing table is read, never written",
     .profile = "{\"selinux\":{\"type\":\"my_ct_t\"}}",
     .enabled = true,
     .types = "my_ct_t container_file_t",
     .id = "ctr1",
     .dry = true,
     .state_before = "a c1,c2\n",
     .spec = SPEC_SE("", ""),
     .out = SPEC_SE(LABEL("system_u:system_r:my_ct_t:s0:" HR_MCS_DRY_RUN_PAIR),
                    MOUNT(CF("s0:" HR_MCS_DRY_RUN_PAIR))),
     .changes =
         SE_SET("system_u:system_r:my_ct_t:s0:" HR_MCS_DRY_RUN_PAIR, CF("s0:" HR_MCS_DRY_RUN_PAIR)),
     .state_after = "a c1,c2\n"},
    {.name = "dry run: Docker's labels kept, their pair not recorded",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .dry = true,
     .spec = SPEC_SE(LABEL(CT("s0:c345,c12")), MOUNT(CF("s0:c345,c12"))),
     .changes = "",
     .checked = CT("s0:c345,c12") "\n" CF("s0:c345,c12") "\n",
     .state_after = "",
     .no_run_dir = true},
    {.name = "dry run: a pair another container holds is reported as create would",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .dry = true,
     .state_before = "e c1,c2\n",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), ""),
     .out = SPEC_SE(LABEL(CT("s0:c1,c2")), ",\"linux\":{\"mountLabel\":\"" CF("s0:c1,c2") "\"}"),
     .changes = "process.selinuxLabel: AUDIT categories c1,c2 are also recorded for another "
                "container\n"
                "linux.mountLabel: (absent) -> \"" CF("s0:c1,c2") "\"",
     .state_after = "e c1,c2\n"},
    {.name = "dry run: the container's own line is not another container's",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "d",
     .dry = true,
     .state_before = "d c1,c2\n",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), MOUNT(CF("s0:c1,c2"))),
     .changes = "",
     .state_after = "d c1,c2\n"},
    {.name = "dry run: spc_t still refused",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES " spc_t",
     .dry = true,
     .spec = SPEC_SE(LABEL("system_u:system_r:spc_t:s0:c1,c2"), ""),
     .state_after = "",
     .no_run_dir = true,
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: type spc_t is not confined; refused"},
    {.name = "dry run: a profile type the policy lacks is still refused",
     .profile = "{\"selinux\":{\"type\":\"missing_t\"}}",
     .enabled = true,
     .types = SE_TYPES,
     .dry = true,
     .spec = SPEC_SE("", ""),
     .no_run_dir = true,
     .kind = HR_ERR_REFUSED,
     .error = "process.selinuxLabel: \"system_u:system_r:missing_t:s0:c0,c1023\" is not a valid "
              "context in the loaded SELinux policy (Invalid argument)"},
    {.name = "dry run: a damaged table fails as create would",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .dry = true,
     .state_before = "a c1,c2\nb c2\n",
     .spec = SPEC_SE(LABEL(CT("s0:c1,c2")), ""),
     .state_after = "a c1,c2\nb c2\n",
     .kind = HR_ERR_SYSTEM,
     .error = "RUN/selinux-mcs:2: malformed entry"},
    {.name = "label a number",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "x",
     .spec = SPEC_SE(",\"selinuxLabel\":5", ""),
     .state_after = "",
     .kind = HR_ERR_INPUT,
     .error = "process.selinuxLabel: expected a string"},
    {.name = "linux a string",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "x",
     .spec = SPEC_SE("", ",\"linux\":\"x\""),
     .state_after = "",
     .kind = HR_ERR_INPUT,
     .error = "linux: expected an object"},
    {.name = "no process",
     .profile = SE,
     .enabled = true,
     .types = SE_TYPES,
     .id = "x",
     .spec = "{}",
     .state_after = "",
     .kind = HR_ERR_INPUT,
     .error = "process: missing"},
};

/* Replace "RUN" in an expected message with the case's run directory. */
static char *expand_run(const char *s, const char *run_dir)
{
  const char *at = strstr(s, "RUN/");
  char *out = NULL;

  if (at == NULL)
    return strdup(s);
  assert_true(asprintf(&out, "%.*s%s%s", (int)(at - s), s, run_dir, at + 3) > 0);
  return out;
}

static void run_lsm_case(const struct lsm_case *c, bool selinux)
{
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *run_dir = new_run_dir(), *out = NULL, *log = NULL, *state = NULL;
  cleanup_free char *want_err = NULL;
  struct fake fake = {.loaded = c->loaded, .types = c->types, .rnd = c->rnd};
  struct hr_lsm_host host = {
      .apparmor = !selinux && c->enabled,
      .selinux = selinux && c->enabled,
      .selinux_process = (char *)c->se_process,
      .selinux_file = (char *)c->se_file,
      .apparmor_loaded = fake_loaded,
      .selinux_check = fake_check,
      .run_dir = run_dir,
      .container_id = c->id,
      .random = fake_random,
      .data = &fake,
      .dry_run = c->dry,
  };
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  while (fake.n_rnd < HR_ARRAY_SIZE(c->rnd) && c->rnd[fake.n_rnd] != 0)
    fake.n_rnd++;
  if (c->state_before != NULL) {
    cleanup_free char *path = NULL;
    assert_int_equal(mkdir(run_dir, 0700), 0);
    assert_true(asprintf(&path, "%s/selinux-mcs", run_dir) > 0);
    write_text(path, c->state_before);
  }
  assert_ok(hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(c->spec, strlen(c->spec), &opts, &doc, &err), &err);
  struct hr_apply_ctx ctx = {.doc = doc,
                             .spec = hr_json_doc_root(doc),
                             .policy = p,
                             .changes = &ch,
                             .rule = selinux ? "selinux" : "apparmor",
                             .overrides_only = c->exec};
  r = selinux ? hr_lsm_selinux_rewrite(&ctx, &host, &err)
              : hr_lsm_apparmor_rewrite(&ctx, &host, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->state_after != NULL) {
    state = read_state(run_dir);
    assert_string_equal(state, c->state_after);
  }
  if (c->no_run_dir) {
    struct stat sb;
    if (lstat(run_dir, &sb) == 0)
      fail_msg("%s was created", run_dir);
  }
  if (c->checked != NULL && strcmp(fake.checked, c->checked) != 0)
    fail_msg("contexts checked\n  got:\n%s  want:\n%s", fake.checked, c->checked);
  if (c->kind != HR_ERR_NONE) {
    want_err = expand_run(c->error, run_dir);
    if (r >= 0)
      fail_msg("expected error \"%s\", got success with changes:\n%s", want_err, log);
    if (err.kind != c->kind || strcmp(err.msg, want_err) != 0)
      fail_msg("expected (kind %d)\n  %s\ngot (kind %d)\n  %s", c->kind, want_err, err.kind,
               err.msg);
    return;
  }
  assert_ok(r, &err);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  if (strcmp(out, c->out ? c->out : c->spec) != 0)
    fail_msg("output\n  got:  %s\n  want: %s", out, c->out ? c->out : c->spec);
  if (strcmp(log, c->changes) != 0)
    fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
  if (fake.i_rnd != fake.n_rnd)
    fail_msg("%zu of %zu scripted random values were used", fake.i_rnd, fake.n_rnd);
}

static void run_aa_case(void **state)
{
  run_lsm_case(*state, false);
}

static void run_se_case(void **state)
{
  run_lsm_case(*state, true);
}

/* ---- the MCS allocator ------------------------------------------------------------------ */

static void mcs_real_random_distinct(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *st = NULL;
  static bool seen[HR_MCS_CATEGORIES][HR_MCS_CATEGORIES];
  struct hr_error err = {0};
  char id[32];
  size_t lines = 0;

  for (int i = 0; i < 300; i++) {
    struct hr_mcs_pair pair;
    snprintf(id, sizeof(id), "c%d", i);
    assert_ok(hr_mcs_reserve(run_dir, id, NULL, NULL, NULL, &pair, NULL, &err), &err);
    assert_true(pair.a < pair.b && pair.b < HR_MCS_CATEGORIES);
    if (seen[pair.a][pair.b])
      fail_msg("pair c%u,c%u handed out twice", pair.a, pair.b);
    seen[pair.a][pair.b] = true;
  }
  st = read_state(run_dir);
  for (const char *s = st; *s; s++)
    lines += *s == '\n';
  assert_int_equal(lines, 300);
  assert_memory_equal(st, "c0 c", 4);
}

/* Every random draw hits a held pair: the scan from the draw's place
 * finds the next free one. */
static uint32_t always_5_9(void *data)
{
  (*(unsigned *)data)++;
  return RND(5, 9);
}

static void mcs_scan_fallback(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *st = NULL;
  struct hr_error err = {0};
  struct hr_mcs_pair pair;
  unsigned calls = 0;

  assert_ok(hr_mcs_reserve(run_dir, "a", &(struct hr_mcs_pair){5, 9}, NULL, NULL, NULL, NULL, &err),
            &err);
  assert_ok(hr_mcs_reserve(run_dir, "b", NULL, always_5_9, &calls, &pair, NULL, &err), &err);
  /* 64 draws, then the scan starts at index 9 * 1024 + 5 and walks up:
   * (9,5)..(9,9) are not a < b, so (9,10) is the first free pair. */
  assert_int_equal(calls, 65);
  assert_int_equal(pair.a, 9);
  assert_int_equal(pair.b, 10);
  st = read_state(run_dir);
  assert_string_equal(st, "a c5,c9\nb c9,c10\n");
}

static void mcs_release(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *st = NULL, *st2 = NULL;
  struct hr_error err = {0};
  struct stat sb;

  /* nothing there: not an error, and nothing is created */
  assert_ok(hr_mcs_release(run_dir, "a", &err), &err);
  assert_int_equal(stat(run_dir, &sb), -1);
  assert_ok(hr_mcs_reserve(run_dir, "a", &(struct hr_mcs_pair){1, 2}, NULL, NULL, NULL, NULL, &err),
            &err);
  assert_ok(hr_mcs_reserve(run_dir, "b", &(struct hr_mcs_pair){3, 4}, NULL, NULL, NULL, NULL, &err),
            &err);
  assert_ok(
      hr_mcs_reserve(run_dir, "a.b", &(struct hr_mcs_pair){5, 6}, NULL, NULL, NULL, NULL, &err),
      &err);
  assert_ok(hr_mcs_release(run_dir, "a", &err), &err);
  st = read_state(run_dir);
  assert_string_equal(st, "b c3,c4\na.b c5,c6\n");
  assert_ok(hr_mcs_release(run_dir, "unknown", &err), &err);
  assert_ok(hr_mcs_release(run_dir, "bad id", &err), &err);
  st2 = read_state(run_dir);
  assert_string_equal(st2, "b c3,c4\na.b c5,c6\n");
  assert_int_equal(stat(run_dir, &sb), 0);
  assert_int_equal(sb.st_mode & 07777, 0700);
}

static void mcs_bad_input(void **state)
{
  cleanup_free char *run_dir = new_run_dir();
  struct hr_error err = {0};
  struct hr_mcs_pair pair;

  assert_int_equal(hr_mcs_reserve(run_dir, "a b", NULL, NULL, NULL, &pair, NULL, &err), -1);
  assert_string_equal(err.msg, "container id \"a b\": not a valid runc container id");
  assert_int_equal(hr_mcs_reserve(run_dir, "", NULL, NULL, NULL, &pair, NULL, &err), -1);
  assert_int_equal(hr_mcs_reserve(run_dir, "a\nb c1,c2", NULL, NULL, NULL, &pair, NULL, &err), -1);
  assert_int_equal(
      hr_mcs_reserve(run_dir, "a", &(struct hr_mcs_pair){4, 4}, NULL, NULL, NULL, NULL, &err), -1);
  assert_string_equal(err.msg, "invalid MCS category pair c4,c4");
  assert_int_equal(
      hr_mcs_reserve(run_dir, "a", &(struct hr_mcs_pair){1, 1024}, NULL, NULL, NULL, NULL, &err),
      -1);
}

/* A state directory others can write is not trusted. */
static void mcs_untrusted_dir(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *want = NULL;
  struct hr_error err = {0};
  struct hr_mcs_pair pair;

  assert_int_equal(mkdir(run_dir, 0700), 0);
  assert_int_equal(chmod(run_dir, 0777), 0);
  assert_int_equal(hr_mcs_reserve(run_dir, "a", NULL, NULL, NULL, &pair, NULL, &err), -1);
  assert_true(asprintf(&want,
                       "state directory `%s` must be owned by uid %u and writable by no one else "
                       "(it is uid %u, mode 0777)",
                       run_dir, (unsigned)geteuid(), (unsigned)geteuid()) > 0);
  assert_string_equal(err.msg, want);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_int_equal(hr_mcs_release(run_dir, "a", &err), -1);
  assert_int_equal(hr_mcs_lookup(run_dir, "a", &pair, &err), -1);
}

/* A state directory that is a symlink is not followed: whoever could
 * swap it would choose where the table is written. */
static void mcs_symlinked_dir(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *real = NULL;
  struct hr_error err = {0};
  struct hr_mcs_pair pair;
  struct stat st;

  (void)state;
  assert_true(asprintf(&real, "%s.real", run_dir) > 0);
  assert_int_equal(mkdir(real, 0700), 0);
  assert_int_equal(symlink(real, run_dir), 0);
  assert_int_equal(hr_mcs_reserve(run_dir, "a", NULL, NULL, NULL, &pair, NULL, &err), -1);
  /* O_NOFOLLOW | O_DIRECTORY on a symlink: ELOOP or ENOTDIR */
  assert_true(err.code == ELOOP || err.code == ENOTDIR);
  err = (struct hr_error){0};
  assert_int_equal(hr_mcs_lookup(run_dir, "a", &pair, &err), -1);
  /* nothing was written through the link */
  assert_int_equal(rmdir(real), 0);
  assert_int_equal(lstat(run_dir, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  assert_int_equal(unlink(run_dir), 0);
}

/* Another process holds the lock for a while: the reservation waits for
 * it instead of reading a state that is about to change. */
static void mcs_lock_wait(void **state)
{
  cleanup_free char *run_dir = new_run_dir(), *lock = NULL, *st = NULL;
  struct hr_error err = {0};
  struct timespec t0, t1;
  int pipefd[2], fd, status;
  char c;
  pid_t pid;

  assert_int_equal(mkdir(run_dir, 0700), 0);
  assert_true(asprintf(&lock, "%s/selinux-mcs.lock", run_dir) > 0);
  assert_int_equal(pipe(pipefd), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0)
      _exit(1);
    if (write(pipefd[1], "x", 1) != 1)
      _exit(1);
    usleep(300 * 1000);
    _exit(0);
  }
  close(pipefd[1]);
  assert_int_equal(read(pipefd[0], &c, 1), 1);
  close(pipefd[0]);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_ok(hr_mcs_reserve(run_dir, "a", &(struct hr_mcs_pair){1, 2}, NULL, NULL, NULL, NULL, &err),
            &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  if (ms < 200)
    fail_msg("reserve returned after %ld ms while the lock was held for 300 ms", ms);
  st = read_state(run_dir);
  assert_string_equal(st, "a c1,c2\n");
}

/* ---- main ---------------------------------------------------------------------------------- */

#define MAX_TESTS 256
static struct CMUnitTest tests[MAX_TESTS];
static size_t n_tests;

static void add(const char *name, CMUnitTestFunction fn, const void *data)
{
  if (n_tests >= MAX_TESTS)
    abort();
  tests[n_tests++] =
      (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)data};
}

/* ---- restore's flags ------------------------------------------------------------ */

static const struct restore_case {
  const char *name;
  const char *profile;
  const char *line; /* the words after "restore" */
  const char *want; /* NULL: allowed; else the whole message */
} restore_cases[] = {
    {"no flag", "{\"apparmor\": true, \"selinux\": true}", "--bundle /b id", NULL},
    {"apparmor profile", "{\"apparmor\": true}", "--lsm-profile apparmor:unconfined -b /b id",
     "profile \"t\": rule \"apparmor\": restore --lsm-profile: \"apparmor:unconfined\" would "
     "replace what the checkpoint holds and the apparmor control set; restore without it"},
    {"the last of two wins, as in Go", "{\"apparmor\": true}",
     "--lsm-profile= --lsm-profile=apparmor:x id", "\"apparmor:x\""},
    {"an empty value is absent", "{\"apparmor\": true}",
     "--lsm-profile=apparmor:x --lsm-profile= id", NULL},
    {"selinux label under selinux", "{\"selinux\": true}",
     "id --lsm-profile selinux:system_u:system_r:spc_t:s0",
     "rule \"selinux\": restore --lsm-profile: \"selinux:system_u:system_r:spc_t:s0\""},
    {"an apparmor value when only selinux is on", "{\"selinux\": true}",
     "--lsm-profile apparmor:unconfined id", NULL},
    {"a value CRIU cannot read", "{\"selinux\": true}", "--lsm-profile bogus id",
     "rule \"selinux\": restore --lsm-profile: \"bogus\""},
    {"mount context under selinux", "{\"selinux\": true}",
     "--lsm-mount-context system_u:object_r:x:s0 id",
     "rule \"selinux\": restore --lsm-mount-context:"},
    {"mount context without selinux", "{\"apparmor\": true}", "--lsm-mount-context x id", NULL},
    {"neither control", "{}", "--lsm-profile apparmor:unconfined --lsm-mount-context x id", NULL},
    {"a hostile value is quoted", "{\"apparmor\": true}", "--lsm-profile apparmor:a\"\n id",
     "\"apparmor:a\\x22\\x0a\""},
};

static void run_restore_case(void **state)
{
  const struct restore_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_free char *line = NULL;
  struct hr_argv a = {0};
  struct hr_error err = {0};
  char *words[16];
  int n = 0, r;

  assert_ok(hr_policy_parse(c->profile, strlen(c->profile), "t.json", "t", &p, &err), &err);
  assert_true(asprintf(&line, "runc restore %s", c->line) > 0);
  /* Split on spaces; a word may hold a newline. */
  for (char *w = strtok(line, " "); w != NULL && n < 15; w = strtok(NULL, " "))
    words[n++] = w;
  words[n] = NULL;
  assert_ok(hr_argv_parse(n, words, &a, &err), &err);
  r = hr_lsm_restore_flags(&a, p, &err);
  hr_argv_free(&a);
  if (c->want == NULL) {
    if (r != 0)
      fail_msg("refused: %s", err.msg);
    return;
  }
  assert_int_equal(r, -1);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  if (strstr(err.msg, c->want) == NULL)
    fail_msg("\"%s\" lacks \"%s\"", err.msg, c->want);
}

int main(void)
{
  add("real: AppArmor detection matches the kernel", real_apparmor, NULL);
  add("real: SELinux detection and security_check_context", real_selinux, NULL);
  add("real: host probe", real_probe, NULL);
  add("real: apply on this host records and changes nothing", real_apply, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++)
    add(profile_cases[i].name, run_profile_case, &profile_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(lxc_cases); i++)
    add(lxc_cases[i].name, run_lxc_case, &lxc_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(aa_cases); i++)
    add(aa_cases[i].name, run_aa_case, &aa_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(se_cases); i++)
    add(se_cases[i].name, run_se_case, &se_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(restore_cases); i++)
    add(restore_cases[i].name, run_restore_case, &restore_cases[i]);
  add("mcs: 300 containers, 300 distinct pairs", mcs_real_random_distinct, NULL);
  add("mcs: scan when every draw is taken", mcs_scan_fallback, NULL);
  add("mcs: release", mcs_release, NULL);
  add("mcs: bad ids and pairs", mcs_bad_input, NULL);
  add("mcs: waits for the lock", mcs_lock_wait, NULL);
  add("mcs: an untrusted state directory", mcs_untrusted_dir, NULL);
  add("mcs: a symlinked state directory is not followed", mcs_symlinked_dir, NULL);
  return _cmocka_run_group_tests("lsm", tests, n_tests, setup, teardown);
}
