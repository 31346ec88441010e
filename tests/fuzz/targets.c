/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What each fuzz mode feeds to the library, and the invariants it holds
 * the result to.  Besides "no crash, no leak, no undefined behaviour":
 *   - a failure always comes with an error kind and a message;
 *   - a rewrite is a document hardrun parses again under the same bounds
 *     and Go key rules (what runc will read), and hardening it a second
 *     time changes nothing (a rewrite that does not satisfy its own
 *     profile is a policy that is not enforced);
 *   - argv parsing leaves a NULL-terminated runtime argv of the promised
 *     length, before and after the exec and update flag rewrites.
 * Nothing here touches the host: the user-namespace control runs dry (no
 * hr_userns_bind), the LSM controls see a host without AppArmor or SELinux
 * (or, on one, no container: they fail closed), and the seccomp validation
 * cache goes to a private stateDir. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hardrun/argv.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "hardrun/seccomp.h"
#include "hardrun/select.h"
#include "hardrun/spec.h"
#include "hardrun/state.h"
#include "hardrun/utils.h"

#include "../../src/prestart.h"
#include "targets.h"

/* The profiles every spec, exec and update input goes through: the
 * shipped ones, and two of tests/fuzz/profiles that fix or audit what the
 * default refuses, so the rewrites after a refusal are reached too. */
static const char *const profile_names[] = {
    "default", "strict", "baseline", "audit", "fuzz-fix", "fuzz-audit",
};
#define N_PROFILES (sizeof(profile_names) / sizeof(profile_names[0]))
#define ARGV_MAX   256

static struct {
  char state_dir[64];
  struct hr_conf conf;
  struct hr_policy *policies[N_PROFILES];
  struct hr_json_doc *annotations[4];
  bool ready;
} fz;

/* What policy mode applies a fuzzed profile to. */
static const char spec_text[] =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
    "\"args\":[\"/usr/sbin/sshd\",\"-D\"],\"env\":[\"PATH=/bin\",\"AWS_SECRET_ACCESS_KEY=x\"],"
    "\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"],"
    "\"effective\":[\"CAP_SYS_ADMIN\"],\"permitted\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,"
    "\"soft\":18446744073709551615}],\"oomScoreAdj\":-1000},"
    "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h\",\"mounts\":[{\"destination\":\"/proc\","
    "\"type\":\"proc\",\"source\":\"proc\"},{\"destination\":\"/tmp\",\"type\":\"bind\","
    "\"source\":\"/var/run/docker.sock\",\"options\":[\"rbind\"]}],"
    "\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/hook\"}]},"
    "\"annotations\":{\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1\"},"
    "\"linux\":{\"sysctl\":{\"kernel.core_pattern\":\"|/x\"},\"resources\":{\"devices\":[{"
    "\"allow\":true,\"access\":\"rwm\"}],\"memory\":{\"limit\":-1},\"pids\":{\"limit\":0},"
    "\"cpu\":{\"quota\":-1,\"shares\":1048576}},\"namespaces\":[{\"type\":\"mount\"},"
    "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],\"devices\":[{\"path\":\"/dev/sda\","
    "\"type\":\"b\",\"major\":8,\"minor\":0}],\"maskedPaths\":[],\"readonlyPaths\":[],"
    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"},\"rootfsPropagation\":\"shared\"}}";
static const char process_text[] =
    "{\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\",\"noNewPrivileges\":false,"
    "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],\"effective\":"
    "[\"CAP_SYS_ADMIN\"]},\"apparmorProfile\":\"unconfined\"}";
static const char resources_text[] =
    "{\"memory\":{\"limit\":-1,\"swap\":-1},\"cpu\":{\"quota\":-1,\"period\":1000},"
    "\"pids\":{\"limit\":-1},\"unified\":{\"pids.max\":\"max\"}}";
static const char *const annotations_text[] = {
    "{}",
    "{\"org.hardrun.profile\":\"strict\"}",
    "{\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1\","
    "\"io.kubernetes.pod.namespace\":\"kube-system\",\"org.hardrun.profile\":\"baseline\"}",
    "{\"io.kubernetes.pod.namespace\":\"default\",\"x\":\"audit\",\"org.hardrun.profile\":\"\"}",
};

void hr_fuzz_fail(const char *fmt, ...)
{
  va_list ap;

  fputs("hardrun fuzz: invariant broken: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

static void check_error(int r, const struct hr_error *err, const char *what)
{
  if (r < 0 && (err->kind == HR_ERR_NONE || err->msg[0] == '\0'))
    hr_fuzz_fail("%s failed without an error message", what);
}

/* A rewrite must parse as config.json does, keys included. */
static void check_document(const char *out, size_t len, const char *what)
{
  const struct hr_json_parse_opts opts = {
      .max_size = HR_SPEC_MAX_SIZE, .max_depth = HR_SPEC_MAX_DEPTH, .name = what};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};

  if (hr_json_parse(out, len, &opts, &doc, &err) < 0)
    hr_fuzz_fail("%s: the rewrite does not parse: %s", what, err.msg);
}

/* ---- spec, exec, update ---------------------------------------------------------- */

/* The three "harden a buffer" entry points behind one shape. */
typedef int (*harden_fn)(const struct hr_policy *p, const char *buf, size_t len,
                         struct hr_changes *ch, char **out, size_t *out_len, struct hr_error *err);

static int harden_spec(const struct hr_policy *p, const char *buf, size_t len,
                       struct hr_changes *ch, char **out, size_t *out_len, struct hr_error *err)
{
  return hr_spec_harden_buffer(buf, len, "config.json", p, ch, out, out_len, err);
}

static int harden_exec(const struct hr_policy *p, const char *buf, size_t len,
                       struct hr_changes *ch, char **out, size_t *out_len, struct hr_error *err)
{
  return hr_exec_harden_buffer(buf, len, "process.json", p, ch, out, out_len, err);
}

/* A container whose bandwidth runc holds as 50 ms per 100 ms. */
static const struct hr_state_cpu cpu_now = {.known = true, .quota = 50000, .period = 100000};

static int harden_update(const struct hr_policy *p, const char *buf, size_t len,
                         struct hr_changes *ch, char **out, size_t *out_len, struct hr_error *err)
{
  struct hr_state_cpu after = {0};

  return hr_update_harden_buffer(buf, len, "resources", p, &cpu_now, ch, out, out_len, &after, err);
}

static void harden_one(harden_fn fn, const char *what, const struct hr_policy *p, const char *buf,
                       size_t len)
{
  struct hr_changes ch = {0}, ch2 = {0};
  struct hr_error err = {0}, err2 = {0};
  cleanup_free char *out = NULL, *out2 = NULL;
  size_t out_len = 0, out2_len = 0;
  int r;

  r = fn(p, buf, len, &ch, &out, &out_len, &err);
  check_error(r, &err, what);
  if (r < 0 && out != NULL)
    hr_fuzz_fail("%s: failed but returned a document", what);
  if (r == 0 && out != NULL) {
    check_document(out, out_len, what);
    /* Under a profile that does not enforce, the rewrite is what would
     * have been written; it must hold all the same. */
    r = fn(p, out, out_len, &ch2, &out2, &out2_len, &err2);
    if (r < 0)
      hr_fuzz_fail("%s: profile %s refuses its own rewrite: %s", what, p->name, err2.msg);
    if (out2 != NULL)
      hr_fuzz_fail("%s: profile %s changes its own rewrite again:\n%.*s\n-> %.*s", what, p->name,
                   (int)out_len, out, (int)out2_len, out2);
  }
  hr_changes_free(&ch);
  hr_changes_free(&ch2);
}

static void run_spec(const uint8_t *data, size_t size)
{
  for (size_t i = 0; i < N_PROFILES; i++)
    harden_one(harden_spec, "spec", fz.policies[i], (const char *)data, size);
}

static void run_exec(const uint8_t *data, size_t size)
{
  for (size_t i = 0; i < N_PROFILES; i++)
    harden_one(harden_exec, "exec", fz.policies[i], (const char *)data, size);
}

static void run_update(const uint8_t *data, size_t size)
{
  for (size_t i = 0; i < N_PROFILES; i++)
    harden_one(harden_update, "update", fz.policies[i], (const char *)data, size);
}

/* ---- profiles and hardrun.conf ---------------------------------------------------- */

static void profile_one(const uint8_t *data, size_t size)
{
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_error err = {0};
  int r;

  r = hr_policy_parse_with(&fz.conf, (const char *)data, size, "fuzz.json", "fuzz", &p, &err);
  check_error(r, &err, "policy");
  if (r < 0)
    return;
  r = hr_seccomp_load(p, (const char *const *)fz.conf.profile_dirs, fz.state_dir, &err);
  check_error(r, &err, "policy: seccomp");
  if (r < 0)
    return;
  harden_one(harden_spec, "policy: spec", p, spec_text, sizeof(spec_text) - 1);
  harden_one(harden_exec, "policy: exec", p, process_text, sizeof(process_text) - 1);
  harden_one(harden_update, "policy: update", p, resources_text, sizeof(resources_text) - 1);
}

static void conf_one(const uint8_t *data, size_t size)
{
  struct hr_conf c = {0};
  struct hr_error err = {0};
  int r;

  r = hr_conf_parse((const char *)data, size, "hardrun.conf", &c, &err);
  check_error(r, &err, "conf");
  if (r < 0)
    return;
  hr_profile_select_needs_spec(&c, (const char *)data, size);
  for (size_t i = 0; i < sizeof(fz.annotations) / sizeof(fz.annotations[0]); i++) {
    const char *name = NULL;
    long rule = -2;
    struct hr_error serr = {0};

    r = hr_profile_select(&c, NULL, hr_json_doc_root(fz.annotations[i]), &name, &rule, &serr);
    check_error(r, &serr, "conf: select");
    if (r == 0 && !hr_policy_name_valid(name))
      hr_fuzz_fail("conf: selected an invalid profile name");
    if (r == 0 && (rule < -1 || rule >= (long)c.n_rules))
      hr_fuzz_fail("conf: selected rule %ld of %zu", rule, c.n_rules);
  }
  hr_conf_free(&c);
}

/* Both of the admin's files: a profile and hardrun.conf share the parser
 * helpers and the JSON-with-comments reader, so one corpus serves both. */
static void run_policy(const uint8_t *data, size_t size)
{
  profile_one(data, size);
  conf_one(data, size);
}

static void run_seccomp(const uint8_t *data, size_t size)
{
  const struct hr_json_parse_opts opts = {.name = "seccomp"};
  struct hr_seccomp_filter *f = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_error err = {0};
  bool unconfined;
  int r;

  /* The profile file, compiled by libseccomp (no cache: every input). */
  r = hr_seccomp_filter_parse((const char *)data, size, "seccomp.json", NULL, &f, &err);
  check_error(r, &err, "seccomp");
  /* The same text as a spec's linux.seccomp. */
  if (hr_json_parse((const char *)data, size, &opts, &doc, &err) == 0) {
    struct hr_error uerr = {0};
    r = hr_seccomp_spec_unconfined(hr_json_doc_root(doc), &unconfined, &uerr);
    check_error(r, &uerr, "seccomp: unconfined");
    if (f != NULL) {
      struct hr_json *node = hr_seccomp_filter_to_json(f, doc, &uerr);
      if (node == NULL)
        hr_fuzz_fail("seccomp: a valid filter did not render: %s", uerr.msg);
      if (hr_json_set(doc, hr_json_doc_root(doc), "fuzzRendered", node, &uerr) < 0)
        hr_fuzz_fail("seccomp: %s", uerr.msg);
    }
  }
  hr_seccomp_filter_free(f);
}

/* ---- argv ---------------------------------------------------------------------------- */

static void check_runtime_argv(const struct hr_argv *a, int argc, const char *when)
{
  int n = 1;

  if (a->runtime_argc < 1 || a->runtime_argc > argc + ARGV_MAX)
    hr_fuzz_fail("argv %s: runtime argc %d from %d words", when, a->runtime_argc, argc);
  while (a->runtime_argv[n] != NULL)
    n++;
  if (n != a->runtime_argc)
    hr_fuzz_fail("argv %s: runtime argc %d but %d words", when, a->runtime_argc, n);
  if (a->command_index < 0 || a->command_index >= a->runtime_argc)
    hr_fuzz_fail("argv %s: command index %d of %d", when, a->command_index, a->runtime_argc);
  for (size_t i = 0; i < a->n_flags; i++) {
    const struct hr_argv_flag *f = &a->flags[i];
    if (f->index <= a->command_index || f->index >= a->runtime_argc ||
        a->runtime_argv[f->index][0] != '-')
      hr_fuzz_fail("argv %s: flag %s at %d of %d", when, f->name, f->index, a->runtime_argc);
    if (f->n_words == 2 &&
        (f->value_index <= a->command_index || f->value_index >= a->runtime_argc ||
         f->value == NULL || strcmp(a->runtime_argv[f->value_index], f->value) != 0))
      hr_fuzz_fail("argv %s: flag %s has its value at %d of %d", when, f->name, f->value_index,
                   a->runtime_argc);
    if (f->n_words != 2 && f->value_index != -1)
      hr_fuzz_fail("argv %s: flag %s of one word has a value word", when, f->name);
  }
}

/* exec's and update's flag forms, rewritten under the default profile. */
static void argv_harden(struct hr_argv *a, int argc)
{
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_state_cpu after = {0};
  int r = 0;

  if (a->cls == HR_CLASS_EXEC && a->process == NULL) {
    r = hr_exec_harden_flags(a, fz.policies[0], &ch, &err);
    check_error(r, &err, "argv: exec flags");
  } else if (a->cls == HR_CLASS_UPDATE) {
    r = hr_update_harden_flags(a, fz.policies[0], &cpu_now, &ch, &after, &err);
    check_error(r, &err, "argv: update flags");
  }
  if (r == 0)
    check_runtime_argv(a, argc, "after the flag rewrite");
  hr_changes_free(&ch);
}

/* The pass-through fast path takes a line only when the full path would
 * pass it through, with the same hardrun options and the same words. */
static void check_prestart(int argc, char **argv, int r, const struct hr_argv *a)
{
  struct hr_prestart_plan p;
  int k = 1, d = 0;

  if (!hr_prestart_classify(argc, argv, &p))
    return;
  if (r < 0 || a->cls != HR_CLASS_PASSTHROUGH)
    hr_fuzz_fail("prestart: took a line the full path %s", r < 0 ? "refuses" : "hardens");
  if ((p.runtime != a->hardrun_runtime) || (p.conf != a->hardrun_config) ||
      (p.profile != a->hardrun_profile))
    hr_fuzz_fail("prestart: other hardrun options than the full path");
  for (int i = 1; i < argc; i++) {
    if (d < p.n_drops && i == p.drop_at[d]) {
      i += p.drop_n[d++] - 1;
      continue;
    }
    if (k >= a->runtime_argc || a->runtime_argv[k++] != argv[i])
      hr_fuzz_fail("prestart: word %d differs from the full path's", i);
  }
  if (k != a->runtime_argc)
    hr_fuzz_fail("prestart: %d words, the full path %d", k, a->runtime_argc);
}

static void run_argv(const uint8_t *data, size_t size)
{
  cleanup_free char *copy = malloc(size + 1);
  char *argv[ARGV_MAX + 2];
  struct hr_argv a = {0};
  struct hr_error err = {0};
  int argc = 0, r;

  if (copy == NULL)
    return;
  memcpy(copy, data, size);
  copy[size] = '\0';
  argv[argc++] = (char *)"hardrun";
  /* Words end at a NUL; a last word may lack it. */
  for (char *w = copy; w < copy + size && argc <= ARGV_MAX; w += strlen(w) + 1)
    argv[argc++] = w;
  argv[argc] = NULL;
  r = hr_argv_parse(argc, argv, &a, &err);
  check_error(r, &err, "argv");
  if (r < 0 && a.runtime_argv != NULL)
    hr_fuzz_fail("argv: failed but left a runtime argv");
  if (r < 0)
    check_prestart(argc, argv, r, &a);
  if (r == 0) {
    if (a.runtime_argv[0] != NULL)
      hr_fuzz_fail("argv: runtime argv[0] is set");
    check_runtime_argv(&a, argc, "parsed");
    check_prestart(argc, argv, r, &a);
    if (a.id != NULL && a.cls != HR_CLASS_PASSTHROUGH && a.id[0] == '\0')
      hr_fuzz_fail("argv: an empty id is not NULL");
    argv_harden(&a, argc);
  }
  for (int i = 1; i < argc; i++) {
    int64_t v;
    hr_go_parse_int(argv[i], i & 1, &v);
  }
  hr_argv_free(&a);
}

/* ---- setup ---------------------------------------------------------------------------- */

const struct hr_fuzz_target hr_fuzz_targets[] = {
    {"spec", run_spec}, {"exec", run_exec},     {"update", run_update},
    {"argv", run_argv}, {"policy", run_policy}, {"seccomp", run_seccomp},
};
const size_t hr_fuzz_n_targets = sizeof(hr_fuzz_targets) / sizeof(hr_fuzz_targets[0]);

const struct hr_fuzz_target *hr_fuzz_find(const char *name)
{
  for (size_t i = 0; name != NULL && i < hr_fuzz_n_targets; i++)
    if (strcmp(hr_fuzz_targets[i].name, name) == 0)
      return &hr_fuzz_targets[i];
  return NULL;
}

/* The conf every profile is loaded through: the given directories, and
 * the private stateDir. */
static int make_conf(const char *const *dirs, struct hr_error *err)
{
  cleanup_free char *text = NULL;
  char *list = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&list, &len);

  if (f == NULL)
    return hr_error_sys(err, "open_memstream");
  for (size_t i = 0; dirs[i] != NULL; i++)
    fprintf(f, "%s\"%s\"", i ? "," : "", dirs[i]);
  fclose(f);
  if (hr_asprintf(&text, err, "{\"profileDirs\":[%s],\"stateDir\":\"%s\",\"auditSocket\":\"\"}",
                  list, fz.state_dir) < 0) {
    free(list);
    return -1;
  }
  free(list);
  return hr_conf_parse(text, strlen(text), "fuzz.conf", &fz.conf, err);
}

int hr_fuzz_init(const char *const *profile_dirs)
{
  struct hr_error err = {0};

  if (fz.ready)
    return 0;
  snprintf(fz.state_dir, sizeof(fz.state_dir), "/tmp/hardrun-fuzz.XXXXXX");
  if (mkdtemp(fz.state_dir) == NULL) {
    fprintf(stderr, "hardrun fuzz: mkdtemp: %s\n", strerror(errno));
    return -1;
  }
  if (make_conf(profile_dirs, &err) < 0)
    goto fail;
  for (size_t i = 0; i < N_PROFILES; i++) {
    if (hr_policy_load(&fz.conf, profile_names[i], &fz.policies[i], &err) < 0)
      goto fail;
    /* Every other profile as if the runtime were crun: its filter goes in
     * compiled too (runtimeSeccompBpf), and a rewrite must still be its
     * own fixed point. */
    fz.policies[i]->seccomp.runtime_bpf = i % 2 == 0;
  }
  for (size_t i = 0; i < sizeof(fz.annotations) / sizeof(fz.annotations[0]); i++) {
    const struct hr_json_parse_opts opts = {.name = "annotations"};
    if (hr_json_parse(annotations_text[i], strlen(annotations_text[i]), &opts, &fz.annotations[i],
                      &err) < 0)
      goto fail;
  }
  fz.ready = true;
  return 0;

fail:
  fprintf(stderr, "hardrun fuzz: setup: %s\n", err.msg);
  fz.ready = true;
  hr_fuzz_fini();
  return -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  remove(path);
  return 0;
}

void hr_fuzz_fini(void)
{
  if (!fz.ready)
    return;
  for (size_t i = 0; i < N_PROFILES; i++)
    hr_policy_freep(&fz.policies[i]);
  for (size_t i = 0; i < sizeof(fz.annotations) / sizeof(fz.annotations[0]); i++)
    hr_json_doc_freep(&fz.annotations[i]);
  hr_conf_free(&fz.conf);
  nftw(fz.state_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
  fz.ready = false;
}
