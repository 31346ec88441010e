/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image provenance ("images" rule), the annotations runtimes act on
 * ("runtime-annotations") and profile selection (select.c), all driven by
 * the spec's annotations.  One row per case. */
#include "config.h"

#include <unistd.h>

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "hardrun/select.h"

/* ---- the images rule ------------------------------------------------------------ */

static const struct image_case {
  const char *name;
  const char *section; /* the profile's "images" value */
  const char *image;   /* io.kubernetes.cri.image-name, NULL: none */
  int kind;            /* 0 allowed, HR_ERR_REFUSED, or -1: allowed with a finding */
  const char *msg;     /* substring of the refusal or the finding */
} image_cases[] = {
    {"registry prefix", "{\"allow\": [\"registry.example.com/\"]}",
     "registry.example.com/team/app:1.2", 0, NULL},
    {"other registry", "{\"allow\": [\"registry.example.com/\"]}", "docker.io/library/nginx:1",
     HR_ERR_REFUSED,
     "annotations: image \"docker.io/library/nginx:1\" is not from an allowed registry"},
    {"registry look-alike", "{\"allow\": [\"registry.example.com/\"]}",
     "registry.example.com.evil.io/app:1", HR_ERR_REFUSED, "is not from an allowed"},
    {"repository with tag", "{\"allow\": [\"docker.io/library/nginx\"]}",
     "docker.io/library/nginx:1.25", 0, NULL},
    {"repository with digest", "{\"allow\": [\"docker.io/library/nginx\"]}",
     "docker.io/library/nginx@sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     0, NULL},
    {"repository bare", "{\"allow\": [\"docker.io/library/nginx\"]}", "docker.io/library/nginx", 0,
     NULL},
    {"repository look-alike", "{\"allow\": [\"docker.io/library/nginx\"]}",
     "docker.io/library/nginx-evil:1", HR_ERR_REFUSED, "not from an allowed"},
    {"repository is not a namespace", "{\"allow\": [\"docker.io/library/nginx\"]}",
     "docker.io/library/nginx/sub:1", HR_ERR_REFUSED, "not from an allowed"},
    {"namespace prefix", "{\"allow\": [\"docker.io/library/\"]}", "docker.io/library/redis:7", 0,
     NULL},
    {"missing name: audit by default", "{\"allow\": [\"docker.io/library/\"]}", NULL, -1,
     "no image name in annotation \"io.kubernetes.cri.image-name\""},
    {"missing name refused", "{\"allow\": [\"docker.io/library/\"], \"missing\": \"refuse\"}", NULL,
     HR_ERR_REFUSED, "annotations: no image name"},
    {"digest required", "{\"allow\": [\"docker.io/library/\"], \"requireDigest\": true}",
     "docker.io/library/redis:7", HR_ERR_REFUSED, "is not pinned by digest"},
    {"audit mode", "{\"allow\": [\"a.io/\"], \"mode\": \"audit\"}", "b.io/x:1", -1,
     "image \"b.io/x:1\" is not from an allowed"},
    {"other annotation key", "{\"allow\": [\"a.io/\"], \"annotation\": \"img\"}", NULL, -1,
     "no image name in annotation \"img\""},
    {"hostile name is quoted", "{\"allow\": [\"a.io/\"]}", "b.io/x\\n\\\"level\\\":1",
     HR_ERR_REFUSED, "image \"b.io/x\\x0a\\x22level\\x22:1\""},
};

/* An allowed spec's change log: nothing (kind 0), or a finding holding
 * `msg` (kind -1). */
static void assert_findings(const char *log, int kind, const char *msg)
{
  if (kind == 0 && log[0] != '\0')
    fail_msg("expected no finding, got %s", log);
  if (kind == -1 && strstr(log, msg) == NULL)
    fail_msg("finding \"%s\" lacks \"%s\"", log, msg);
}

static void run_image_case(void **state)
{
  const struct image_case *c = *state;
  const struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *profile = NULL, *spec = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  int r;

  assert_true(asprintf(&profile, "{\"images\": %s}", c->section) > 0);
  if (c->image != NULL)
    assert_true(asprintf(&spec,
                         "{\"ociVersion\": \"1.0.2\", \"annotations\": {\"other\": \"x\", "
                         "\"io.kubernetes.cri.image-name\": \"%s\", \"img\": \"\"}}",
                         c->image) > 0);
  else
    assert_true(asprintf(&spec, "{\"ociVersion\": \"1.0.2\"}") > 0);
  assert_ok(hr_policy_parse(profile, strlen(profile), "t.json", "t", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->kind == HR_ERR_REFUSED) {
    if (r == 0)
      fail_msg("expected a refusal, got success (%s)", log);
    assert_int_equal(err.kind, HR_ERR_REFUSED);
    if (strstr(err.msg, c->msg) == NULL || strstr(err.msg, "rule \"images\"") == NULL)
      fail_msg("refusal \"%s\" lacks \"%s\" or the rule", err.msg, c->msg);
    return;
  }
  assert_ok(r, &err);
  assert_findings(log, c->kind, c->msg);
  /* The rule never rewrites the spec. */
  assert_false(hr_json_doc_root(doc)->dirty);
}

static const struct profile_error_case {
  const char *name, *section, *want;
} profile_errors[] = {
    {"no allow list", "{\"mode\": \"refuse\"}", "images: \"allow\" is required"},
    {"true needs a list", "true", "images: an \"allow\" list is required"},
    {"tag in an entry", "{\"allow\": [\"docker.io/library/nginx:1\"]}",
     "images.allow: \"docker.io/library/nginx:1\" is not a registry"},
    {"fix is no mode here", "{\"allow\": [\"a/\"], \"mode\": \"fix\"}", "fix"},
};

static void test_profile_errors(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_errors); i++) {
    cleanup_policy struct hr_policy *p = NULL;
    cleanup_free char *profile = NULL;
    struct hr_error err = {0};

    assert_true(asprintf(&profile, "{\"images\": %s}", profile_errors[i].section) > 0);
    if (hr_policy_parse(profile, strlen(profile), "t.json", "t", &p, &err) == 0)
      fail_msg("%s: parsed", profile_errors[i].name);
    if (err.kind != HR_ERR_PROFILE || strstr(err.msg, profile_errors[i].want) == NULL)
      fail_msg("%s: got \"%s\"", profile_errors[i].name, err.msg);
  }
  /* "images": false needs no list. */
  {
    cleanup_policy struct hr_policy *p = NULL;
    struct hr_error err = {0};
    assert_ok(hr_policy_parse("{\"images\": false}", 17, "t.json", "t", &p, &err), &err);
    assert_false(hr_images_enabled(p));
  }
}

/* ---- the runtime-annotations rule ------------------------------------------------- */

static const struct annotation_case {
  const char *name;
  const char *section; /* the profile's "runtimeAnnotations" value */
  const char *field;   /* the spec's field name ("annotations" as Go folds it) */
  const char *value;   /* its JSON value */
  int kind;            /* 0: nothing, 1: fixed, -1: a finding, or an HR_ERR_ kind */
  const char *msg;     /* substring of the error or finding; after a fix: the field's JSON */
} annotation_cases[] = {
    {"ordinary annotations pass", "{}", "annotations",
     "{\"io.kubernetes.cri.image-name\": \"a.io/x:1\", \"org.hardrun.profile\": \"strict\", "
     "\"org.criu.config.note\": \"x\", \"Run.oci.handler\": \"krun\", \"bundlex\": \"y\"}",
     0, NULL},
    {"what CRI-O and podman add passes", "{}", "annotations",
     "{\"org.systemd.property.TimeoutStopUSec\": \"uint64 30000000\", "
     "\"org.systemd.property.CollectMode\": \"'inactive-or-failed'\", "
     "\"org.systemd.property.DefaultDependencies\": \"true\", "
     "\"org.systemd.property.After\": \"['crio.service']\", "
     "\"org.systemd.property.KillSignal\": \"15\"}",
     0, NULL},
    {"a unit property that is a limit", "{}", "annotations",
     "{\"org.systemd.property.TimeoutStopUSec\": \"uint64 1\", "
     "\"org.systemd.property.MemoryMax\": \"infinity\"}",
     HR_ERR_REFUSED, "annotation \"org.systemd.property.MemoryMax\" is read by the runtime"},
    {"a profile's allow replaces the built-in one", "{\"allow\": [\"run.oci.handler\"]}",
     "annotations", "{\"org.systemd.property.CollectMode\": \"'inactive-or-failed'\"}",
     HR_ERR_REFUSED, "org.systemd.property.CollectMode"},
    {"crun's raw seccomp filter", "{}", "annotations",
     "{\"a\": \"b\", \"run.oci.seccomp_bpf_data\": \"BgAAAAAA/38=\"}", HR_ERR_REFUSED,
     "annotations[\"run.oci.seccomp_bpf_data\"]: annotation \"run.oci.seccomp_bpf_data\" is read "
     "by the runtime itself (\"run.oci.\" in runtimeAnnotations.deny)"},
    {"an escaped key is the decoded key", "{}", "annotations",
     "{\"run.oci.seccomp\\u005fbpf_data\": \"x\"}", HR_ERR_REFUSED,
     "annotation \"run.oci.seccomp_bpf_data\" is read"},
    {"a case variant of the field: crun would not read it", "{}", "ANNOTATIONS",
     "{\"run.oci.keep_original_groups\": \"1\"}", HR_ERR_INPUT,
     UNIT_MISSPELLED("ANNOTATIONS", "$", "annotations")},
    {"systemd unit properties", "{}", "annotations", "{\"org.systemd.property.TasksMax\": \"1\"}",
     HR_ERR_REFUSED, "(\"org.systemd.property.\" in runtimeAnnotations.deny)"},
    {"CRIU's configuration file", "{}", "annotations", "{\"org.criu.config\": \"/x.conf\"}",
     HR_ERR_REFUSED, "(\"org.criu.config\" in runtimeAnnotations.deny)"},
    {"crun's wasm handler", "{}", "annotations", "{\"module.wasm.image/variant\": \"compat\"}",
     HR_ERR_REFUSED, "(\"module.wasm.image/variant\" in"},
    {"runc's bundle label", "{}", "annotations", "{\"bundle\": \"/elsewhere\"}", HR_ERR_REFUSED,
     "annotations[\"bundle\"]: annotation \"bundle\" is runc's own label for the bundle "
     "directory"},
    {"a null value is still a key", "{}", "annotations", "{\"bundle\": null}", HR_ERR_REFUSED,
     "annotation \"bundle\" is runc's own label"},
    {"a key holding '='", "{}", "annotations", "{\"org.criu.config=/x\": \"y\"}", HR_ERR_REFUSED,
     "annotation \"org.criu.config=/x\" holds a '='"},
    {"the allowlist exempts a key", "{\"allow\": [\"run.oci.systemd.subgroup\"]}", "annotations",
     "{\"run.oci.systemd.subgroup\": \"\"}", 0, NULL},
    {"the allowlist is exact", "{\"allow\": [\"run.oci.systemd.subgroup\"]}", "annotations",
     "{\"run.oci.systemd.subgroupx\": \"\"}", HR_ERR_REFUSED, "run.oci.systemd.subgroupx"},
    {"the allowlist never covers '='", "{\"allow\": [\"a\"]}", "annotations", "{\"a=b\": \"c\"}",
     HR_ERR_REFUSED, "holds a '='"},
    {"deny replaces the list", "{\"deny\": [\"io.katacontainers.\", \"exact.key\"]}", "annotations",
     "{\"run.oci.handler\": \"krun\", \"exact.key\": \"\"}", HR_ERR_REFUSED,
     "annotation \"exact.key\" is read by the runtime itself (\"exact.key\" in"},
    {"a deny entry without a trailing dot is exact", "{\"deny\": [\"exact.key\"]}", "annotations",
     "{\"exact.keys\": \"\"}", 0, NULL},
    {"fix removes every match and keeps the rest", "{\"mode\": \"fix\"}", "annotations",
     "{\"a\": \"1\", \"run.oci.handler\": \"krun\", \"bundle\": \"/x\", \"b\": \"2\", "
     "\"org.systemd.property.MemoryMax\": \"infinity\"}",
     1, "\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}"},
    {"audit records and changes nothing", "{\"mode\": \"audit\"}", "annotations",
     "{\"run.oci.hooks.stdout\": \"/etc/x\"}", -1,
     "annotations[\"run.oci.hooks.stdout\"]: AUDIT annotation \"run.oci.hooks.stdout\" is read"},
    {"off", "{\"mode\": \"off\"}", "annotations", "{\"bundle\": \"/x\"}", 0, NULL},
    {"hostile key is quoted", "{}", "annotations", "{\"run.oci.\\n\\\"level\\\":1\": \"\"}",
     HR_ERR_REFUSED, "annotations[\"run.oci.\\x0a\\x22level\\x22:1\"]"},
    {"annotations not an object", "{}", "annotations", "[]", HR_ERR_INPUT,
     "annotations: expected an object"},
    {"a value not a string", "{}", "annotations", "{\"a\": 1}", HR_ERR_INPUT,
     "annotations[\"a\"]: expected a string"},
    {"null annotations", "{}", "annotations", "null", 0, NULL},
};

static void run_annotation_case(void **state)
{
  const struct annotation_case *c = *state;
  const struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *profile = NULL, *spec = NULL, *log = NULL, *after = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t after_len;
  int r;

  assert_true(asprintf(&profile, "{\"runtimeAnnotations\": %s}", c->section) > 0);
  assert_true(asprintf(&spec, "{\"ociVersion\": \"1.0.2\", \"%s\": %s}", c->field, c->value) > 0);
  assert_ok(hr_policy_parse(profile, strlen(profile), "t.json", "t", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->kind > 1) {
    if (r == 0)
      fail_msg("expected an error, got success (%s)", log);
    assert_int_equal(err.kind, c->kind);
    if (strstr(err.msg, c->msg) == NULL)
      fail_msg("error \"%s\" lacks \"%s\"", err.msg, c->msg);
    if (c->kind == HR_ERR_REFUSED && strstr(err.msg, "rule \"runtime-annotations\"") == NULL)
      fail_msg("refusal \"%s\" does not name the rule", err.msg);
    return;
  }
  assert_ok(r, &err);
  assert_findings(log, c->kind, c->msg);
  assert_ok(hr_json_serialize(doc, &after, &after_len, &err), &err);
  if (c->kind != 1) {
    assert_string_equal(after, spec);
    return;
  }
  if (strstr(after, c->msg) == NULL)
    fail_msg("after the fix: %s, not %s", after, c->msg);
  /* One change per removed key, each naming it. */
  assert_non_null(strstr(log, "annotations[\"run.oci.handler\"]: \"krun\" -> "));
  assert_non_null(strstr(log, "annotations[\"bundle\"]: "));
  assert_non_null(strstr(log, "annotations[\"org.systemd.property.MemoryMax\"]: "));
}

/* Many keys, every other one removed: the survivors keep their order and
 * the removal is one pass (a memmove per key took 24 s at 200,000). */
static void test_annotation_fix_many(void **state)
{
  const struct hr_json_parse_opts opts = {.name = "config.json"};
  const char *profile = "{\"runtimeAnnotations\": {\"mode\": \"fix\"}}";
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *spec = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  const struct hr_json *ann;
  const size_t n = 20000;
  FILE *f;
  size_t len = 0;

  f = open_memstream(&spec, &len);
  assert_non_null(f);
  fputs("{\"annotations\": {", f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s\"%s%zu\": \"v\"", i ? ", " : "", i % 2 ? "run.oci.x" : "keep", i);
  fputs("}}", f);
  assert_int_equal(fclose(f), 0);
  assert_ok(hr_policy_parse(profile, strlen(profile), "t.json", "t", &p, &err), &err);
  assert_ok(hr_json_parse(spec, len, &opts, &doc, &err), &err);
  assert_ok(hr_policy_apply(p, doc, &ch, &err), &err);
  assert_int_equal(ch.len, n / 2);
  hr_changes_free(&ch);
  ann = hr_json_get(hr_json_doc_root(doc), "annotations");
  assert_int_equal(ann->u.object.len, n / 2);
  for (size_t i = 0; i < n / 2; i++) {
    char want[32];
    snprintf(want, sizeof(want), "keep%zu", 2 * i);
    assert_string_equal(ann->u.object.items[i].key, want);
    assert_ptr_equal(ann->u.object.items[i].value->parent, ann);
  }
}

static const struct profile_error_case annotation_profile_errors[] = {
    {"bundle cannot be allowed", "{\"allow\": [\"bundle\"]}",
     "runtimeAnnotations.allow: \"bundle\" cannot be allowed"},
    {"nor a key with '='", "{\"allow\": [\"a=b\"]}", "\"a=b\" cannot be allowed"},
    {"an empty deny entry", "{\"deny\": [\"\"]}", "an empty entry would match nothing"},
    {"an unknown key", "{\"mode\": \"refuse\", \"alow\": []}", "alow"},
    {"a wrong type", "{\"deny\": \"run.oci.\"}", "deny"},
    {"an unknown mode", "{\"mode\": \"strip\"}", "strip"},
};

static void test_annotation_profile_errors(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(annotation_profile_errors); i++) {
    const struct profile_error_case *c = &annotation_profile_errors[i];
    cleanup_policy struct hr_policy *p = NULL;
    cleanup_free char *profile = NULL;
    struct hr_error err = {0};

    assert_true(asprintf(&profile, "{\"runtimeAnnotations\": %s}", c->section) > 0);
    if (hr_policy_parse(profile, strlen(profile), "t.json", "t", &p, &err) == 0)
      fail_msg("%s: parsed", c->name);
    if (err.kind != HR_ERR_PROFILE || strstr(err.msg, c->want) == NULL)
      fail_msg("%s: got \"%s\"", c->name, err.msg);
  }
}

/* ---- profile selection ----------------------------------------------------------- */

static const char conf_text[] =
    "{\"defaultProfile\": \"default\",\n"
    " \"profileRules\": [\n"
    "  {\"match\": {\"io.kubernetes.pod.namespace\": \"kube-system\"}, \"profile\": "
    "\"baseline\"},\n"
    "  {\"match\": {\"io.kubernetes.pod.namespace\": [\"team-a\", \"team-b\"],\n"
    "             \"io.kubernetes.cri.container-type\": \"container\"},\n"
    "   \"profile\": \"strict\", \"allow\": [\"strict2\"]},\n"
    "  {\"profile\": \"default\", \"allow\": [\"strict\"]}\n"
    " ]}\n";

static const struct select_case {
  const char *name;
  const char *cli;         /* --hardrun-profile */
  const char *annotations; /* JSON object, NULL: none */
  const char *want;        /* profile, or NULL: refused */
  long rule;
  const char *msg; /* substring of the refusal */
} select_cases[] = {
    {"command line wins", "audit", "{\"org.hardrun.profile\": \"strict\"}", "audit", -1, NULL},
    {"first match", NULL, "{\"io.kubernetes.pod.namespace\": \"kube-system\"}", "baseline", 0,
     NULL},
    {"any of several values, all keys", NULL,
     "{\"io.kubernetes.pod.namespace\": \"team-b\", \"io.kubernetes.cri.container-type\": "
     "\"container\"}",
     "strict", 1, NULL},
    {"one key of two is not a match", NULL, "{\"io.kubernetes.pod.namespace\": \"team-b\"}",
     "default", 2, NULL},
    {"map keys are exact", NULL, "{\"IO.kubernetes.pod.namespace\": \"kube-system\"}", "default", 2,
     NULL},
    {"no annotations: the catch-all", NULL, NULL, "default", 2, NULL},
    {"an allowed request", NULL, "{\"org.hardrun.profile\": \"strict\"}", "strict", 2, NULL},
    {"asking for the rule's own profile", NULL,
     "{\"io.kubernetes.pod.namespace\": \"kube-system\", \"org.hardrun.profile\": \"baseline\"}",
     "baseline", 0, NULL},
    {"a weaker profile is refused", NULL, "{\"org.hardrun.profile\": \"audit\"}", NULL, 2,
     "annotations.\"org.hardrun.profile\": profile \"audit\" is not allowed by profileRules[2]"},
    {"a rule that allows nothing", NULL,
     "{\"io.kubernetes.pod.namespace\": \"kube-system\", \"org.hardrun.profile\": \"strict\"}",
     NULL, 0, "which allows no other"},
};

static void test_select(void **state)
{
  cleanup_free char *path = NULL;
  struct hr_conf conf = {0};
  struct hr_error err = {0};
  char tmpl[] = "/tmp/hr-select.XXXXXX";
  int fd = mkstemp(tmpl);

  assert_true(fd >= 0);
  assert_int_equal(write(fd, conf_text, sizeof(conf_text) - 1), (ssize_t)sizeof(conf_text) - 1);
  close(fd);
  assert_ok(hr_conf_load(tmpl, &conf, &err), &err);
  unlink(tmpl);
  assert_int_equal(conf.n_rules, 3);
  for (size_t i = 0; i < HR_ARRAY_SIZE(select_cases); i++) {
    const struct select_case *c = &select_cases[i];
    const struct hr_json_parse_opts opts = {.name = "annotations"};
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    const char *name = NULL;
    long rule = -2;
    int r;

    if (c->annotations != NULL)
      assert_ok(hr_json_parse(c->annotations, strlen(c->annotations), &opts, &doc, &err), &err);
    err = (struct hr_error){0};
    r = hr_profile_select(&conf, c->cli, doc ? hr_json_doc_root(doc) : NULL, &name, &rule, &err);
    if (c->want == NULL) {
      if (r == 0)
        fail_msg("%s: chose %s", c->name, name);
      if (err.kind != HR_ERR_REFUSED || strstr(err.msg, c->msg) == NULL)
        fail_msg("%s: got \"%s\"", c->name, err.msg);
      continue;
    }
    if (r < 0)
      fail_msg("%s: %s", c->name, err.msg);
    if (strcmp(name, c->want) != 0 || rule != c->rule)
      fail_msg("%s: got %s (rule %ld), want %s (rule %ld)", c->name, name, rule, c->want, c->rule);
  }
  /* Without rules the spec is parsed only when it mentions the annotation. */
  {
    struct hr_conf none = {0};
    assert_false(hr_profile_select_needs_spec(&none, "{\"a\":1}", 7));
    assert_true(hr_profile_select_needs_spec(&none, "{\"org.hardrun.profile\":1}", 25));
    assert_true(hr_profile_select_needs_spec(&conf, "{}", 2));
  }
  hr_conf_free(&conf);
}

static const struct conf_error_case {
  const char *name, *text, *want;
} conf_errors[] = {
    {"rule without profile", "{\"profileRules\": [{\"match\": {}}]}", "\"profile\" is required"},
    {"bad profile name", "{\"profileRules\": [{\"profile\": \"../x\"}]}", "invalid profile name"},
    {"bad allow name", "{\"profileRules\": [{\"profile\": \"a\", \"allow\": [\"a b\"]}]}",
     "profileRules[0].allow[0]: invalid profile name \"a b\""},
    {"unknown rule key", "{\"profileRules\": [{\"profile\": \"a\", \"alow\": []}]}",
     "did you mean \"allow\"?"},
    {"match values", "{\"profileRules\": [{\"profile\": \"a\", \"match\": {\"k\": 1}}]}",
     "expected"},
    {"empty annotation key", "{\"profileAnnotation\": \"\"}", "must not be empty"},
};

static void test_conf_errors(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(conf_errors); i++) {
    struct hr_conf conf = {0};
    struct hr_error err = {0};
    char tmpl[] = "/tmp/hr-select.XXXXXX";
    int fd = mkstemp(tmpl);
    size_t n = strlen(conf_errors[i].text);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, conf_errors[i].text, n), (ssize_t)n);
    close(fd);
    if (hr_conf_load(tmpl, &conf, &err) == 0) {
      hr_conf_free(&conf);
      fail_msg("%s: loaded", conf_errors[i].name);
    }
    unlink(tmpl);
    if (err.kind != HR_ERR_PROFILE || strstr(err.msg, conf_errors[i].want) == NULL)
      fail_msg("%s: got \"%s\"", conf_errors[i].name, err.msg);
  }
}

int main(void)
{
  static struct CMUnitTest tests[64];
  size_t n = 0;

  for (size_t i = 0; i < HR_ARRAY_SIZE(image_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = image_cases[i].name,
                                     .test_func = run_image_case,
                                     .initial_state = (void *)&image_cases[i]};
  tests[n++] =
      (struct CMUnitTest){.name = "images: profile errors", .test_func = test_profile_errors};
  for (size_t i = 0; i < HR_ARRAY_SIZE(annotation_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = annotation_cases[i].name,
                                     .test_func = run_annotation_case,
                                     .initial_state = (void *)&annotation_cases[i]};
  tests[n++] = (struct CMUnitTest){.name = "runtimeAnnotations: profile errors",
                                   .test_func = test_annotation_profile_errors};
  tests[n++] = (struct CMUnitTest){.name = "runtimeAnnotations: fix on many keys",
                                   .test_func = test_annotation_fix_many};
  tests[n++] = (struct CMUnitTest){.name = "profile selection", .test_func = test_select};
  tests[n++] = (struct CMUnitTest){.name = "profileRules errors", .test_func = test_conf_errors};
  return _cmocka_run_group_tests("images", tests, n, NULL, NULL);
}
