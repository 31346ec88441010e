/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp control's compiled program for crun (run.oci.seccomp_bpf_data):
 * written only beside the filter the control wrote, byte for byte what
 * libseccomp makes of it, taken out beside any other filter, and let through
 * by the runtime-annotations rule only when it is exactly that program.
 * tests/integration/crun.bats shows crun loading it. */
#include "config.h"

#include "unit.h"

#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/seccomp.h"

static char state_dir[] = "/tmp/hr-test-seccomp-bpf.XXXXXX";

/* The fixture seccomp profile "small" as the control writes it. */
#define SMALL                                                                                      \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"architectures\":["                \
  "\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":"                \
  "\"SCMP_ACT_ALLOW\"},{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"           \
  "\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"
#define OTHER                                                                                      \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{" \
  "\"names\":[\"read\",\"write\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"
#define KEY "run.oci.seccomp_bpf_data"
/* "@BPF@" in a case stands for the base64 of the profile's program,
 * "@OBPF@" for that of OTHER's and "@ON@" for OTHER's instruction count. */
#define BPF  "@BPF@"
#define OBPF "@OBPF@"
/* A spec's own filter hardrun does not vouch for (see spec_filter()). */
#define UNKNOWN_NAME                                                                               \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"hr_no_such_call\"]," \
  "\"action\":\"SCMP_ACT_ALLOW\"}]}"
#define WITH_FLAGS                                                                                 \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{"  \
  "\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"
/* Lets everything through: the "fill" control replaces it. */
#define ALLOW_ALL "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"

static void load_policy(const char *name, bool runtime_bpf, struct hr_policy **ret)
{
  cleanup_free char *dir = unit_fixture_path("seccomp/profiles");
  char *dirs[] = {dir, NULL};
  struct hr_conf conf = {.profile_dirs = dirs, .state_dir = state_dir};
  struct hr_error err = {0};

  assert_ok(hr_policy_load(&conf, name, ret, &err), &err);
  (*ret)->seccomp.runtime_bpf = runtime_bpf;
}

/* What hr_seccomp_filter_export() writes for the policy's filter. */
static char *exported_b64(const struct hr_policy *p)
{
  struct hr_error err = {0};
  int fd = memfd_create("test-seccomp-bpf", MFD_CLOEXEC);
  cleanup_free unsigned char *prog = NULL;
  off_t size;
  char *b64;

  assert_true(fd >= 0);
  assert_ok(hr_seccomp_filter_export(p->seccomp.filter, fd, &err), &err);
  size = lseek(fd, 0, SEEK_END);
  assert_true(size > 0 && size % 8 == 0);
  prog = malloc((size_t)size);
  assert_non_null(prog);
  assert_int_equal(pread(fd, prog, (size_t)size, 0), size);
  close(fd);
  assert_int_equal(p->seccomp.filter->bpf_len, (size_t)size);
  assert_memory_equal(p->seccomp.filter->bpf, prog, (size_t)size);
  b64 = hr_base64(prog, (size_t)size, &err);
  assert_non_null(b64);
  return b64;
}

/* The program libseccomp makes of the filter `text`, in base64, and its
 * length in instructions. */
static char *program_b64(const char *text, size_t *ret_insns)
{
  struct hr_seccomp_filter *f = NULL;
  struct hr_error err = {0};
  char *b64;

  assert_ok(hr_seccomp_filter_parse(text, strlen(text), "test", NULL, &f, &err), &err);
  assert_non_null(f->bpf);
  b64 = hr_base64(f->bpf, f->bpf_len, &err);
  assert_non_null(b64);
  if (ret_insns != NULL)
    *ret_insns = f->bpf_len / 8;
  hr_seccomp_filter_free(f);
  return b64;
}

/* `s` with the tokens above replaced; `b64` is the profile's program. */
static char *expand(const char *s, const char *b64)
{
  cleanup_free char *other = NULL;
  char *out = NULL, count[32];
  size_t len = 0, insns = 0;
  FILE *f = open_memstream(&out, &len);

  other = program_b64(OTHER, &insns);
  snprintf(count, sizeof(count), "%zu", insns);
  while (*s != '\0') {
    if (strncmp(s, BPF, strlen(BPF)) == 0) {
      fputs(b64, f);
      s += strlen(BPF);
    } else if (strncmp(s, OBPF, strlen(OBPF)) == 0) {
      fputs(other, f);
      s += strlen(OBPF);
    } else if (strncmp(s, "@ABPF@", 6) == 0) {
      cleanup_free char *all = program_b64(ALLOW_ALL, NULL);
      fputs(all, f);
      s += 6;
    } else if (strncmp(s, "@ON@", 4) == 0) {
      fputs(count, f);
      s += 4;
    } else {
      fputc(*s++, f);
    }
  }
  fclose(f);
  return out;
}

struct apply_case {
  const char *name;
  const char *profile; /* fixtures/seccomp/profiles/NAME.json */
  bool runtime_bpf;    /* the runtime takes the program (crun) */
  const char *spec;
  const char *out;     /* NULL: byte-identical */
  const char *changes; /* the end of the joined change records; "": none; NULL: not checked */
  const char *error;   /* the whole message */
};

/* What the runtime-annotations rule of "fill-ann" says of a program it refuses. */
#define REFUSED                                                                                    \
  "profile \"fill-ann\": rule \"runtime-annotations\": annotations[\"" KEY                         \
  "\"]: annotation \"" KEY                                                                         \
  "\" is read by the runtime itself (\"run.oci.\" in runtimeAnnotations.deny)"
#define INSNS  "the filter above compiled for the runtime (17 instructions)"
#define OINSNS "the filter above compiled for the runtime (@ON@ instructions)"

static const struct apply_case apply_cases[] = {
    {"crun: the filter written, and its program beside it", "fill", true, "{\"linux\":{}}",
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}", NULL, NULL},
    {"crun: the program joins the spec's annotations", "fill", true,
     "{\"annotations\":{\"a\":\"b\"},\"linux\":{}}",
     "{\"annotations\":{\"a\":\"b\",\"" KEY "\":\"" BPF "\"},\"linux\":{\"seccomp\":" SMALL "}}",
     NULL, NULL},
    {"runc: no program", "fill", false, "{\"linux\":{}}", "{\"linux\":{\"seccomp\":" SMALL "}}",
     NULL, NULL},
    {"crun, the spec's own filter kept: its program beside it", "fill", true,
     "{\"linux\":{\"seccomp\":" OTHER "}}",
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}",
     "annotations[\"" KEY "\"]: (absent) -> " OINSNS, NULL},
    {"crun: the profile's program beside another filter becomes that filter's", "fill", true,
     "{\"annotations\":{\"" KEY "\":\"" BPF "\",\"a\":\"b\"},\"linux\":{\"seccomp\":" OTHER "}}",
     "{\"annotations\":{\"" KEY "\":\"" OBPF "\",\"a\":\"b\"},\"linux\":{\"seccomp\":" OTHER "}}",
     "annotations[\"" KEY "\"]: (another program) -> " OINSNS, NULL},
    {"crun, run again with the spec's own filter: nothing changes", "fill", true,
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}", NULL, "",
     NULL},
    {"crun: a filter with a name libseccomp does not know gets no program", "fill", true,
     "{\"linux\":{\"seccomp\":" UNKNOWN_NAME "}}", NULL, "", NULL},
    {"crun: a filter with flags gets no program", "fill", true,
     "{\"linux\":{\"seccomp\":" WITH_FLAGS "}}", NULL, "", NULL},
    {"crun: a filter hardrun does not vouch for loses the profile's program", "fill", true,
     "{\"annotations\":{\"" KEY "\":\"" BPF "\"},\"linux\":{\"seccomp\":" UNKNOWN_NAME "}}",
     "{\"annotations\":{},\"linux\":{\"seccomp\":" UNKNOWN_NAME "}}",
     "annotations[\"" KEY
     "\"]: hardrun's compiled filter, beside another linux.seccomp -> (absent)",
     NULL},
    {"crun: a forged program beside the spec's own filter is replaced", "fill", true,
     "{\"annotations\":{\"" KEY "\":\"BgAAAAAA/38=\"},\"linux\":{\"seccomp\":" OTHER "}}",
     "{\"annotations\":{\"" KEY "\":\"" OBPF "\"},\"linux\":{\"seccomp\":" OTHER "}}",
     "annotations[\"" KEY "\"]: (another program) -> " OINSNS, NULL},
    {"ours beside another filter is taken out for runc too", "fill", false,
     "{\"annotations\":{\"" KEY "\":\"" BPF "\"},\"linux\":{\"seccomp\":" OTHER "}}",
     "{\"annotations\":{},\"linux\":{\"seccomp\":" OTHER "}}", NULL, NULL},
    {"run again on a bundle it hardened: nothing changes", "fill", true,
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}", NULL, "",
     NULL},
    {"run again for runc: nothing changes", "fill", false,
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}", NULL, "",
     NULL},
    {"the filter kept equals ours, without the program: the program joins it", "fill", true,
     "{\"linux\":{\"seccomp\":" SMALL "}}",
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}",
     "annotations[\"" KEY "\"]: (absent) -> " INSNS, NULL},
    {"another program is replaced where the control writes its filter", "fill", true,
     "{\"annotations\":{\"" KEY "\":\"BgAAAAAA/38=\"},\"linux\":{}}",
     "{\"annotations\":{\"" KEY "\":\"" BPF "\"},\"linux\":{\"seccomp\":" SMALL "}}",
     "\nannotations[\"" KEY "\"]: (another program) -> " INSNS, NULL},
    {"replace mode: written over the spec's filter, program beside it", "replace", true,
     "{\"linux\":{\"seccomp\":" OTHER "}}",
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}", NULL, NULL},
    {"a key crun would not read is left alone", "fill", true,
     "{\"annotations\":{\"RUN.OCI.SECCOMP_BPF_DATA\":\"x\"},\"linux\":{}}",
     "{\"annotations\":{\"RUN.OCI.SECCOMP_BPF_DATA\":\"x\"},\"linux\":{\"seccomp\":" SMALL "}}",
     NULL, NULL},
    {"seccomp control off: no program", "off", true, "{\"linux\":{}}", NULL, "", NULL},
    {"annotations of the wrong type", "fill", true, "{\"annotations\":[],\"linux\":{}}", NULL, NULL,
     "profile \"fill\": rule \"seccomp\": config.json:1:16: annotations is an array, "
     "expected an object"},
    {"the rule lets exactly our program through", "fill-ann", true,
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}", NULL, "",
     NULL},
    {"the rule refuses any other program", "fill-ann", true,
     "{\"linux\":{},\"annotations\":{\"" KEY "\":\"" BPF "AA==\"}}", NULL, NULL, REFUSED},
    {"the rule lets ours through, the control takes it out beside another filter", "fill-ann",
     false, "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}",
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{}}", NULL, NULL},
    {"crun: the rule lets ours through, the control puts the kept filter's in", "fill-ann", true,
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}",
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}",
     "annotations[\"" KEY "\"]: (another program) -> " OINSNS, NULL},
    {"crun: the rule lets the program of the spec's own filter through", "fill-ann", true,
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}", NULL, "",
     NULL},
    {"runc: the rule refuses the program of the spec's own filter", "fill-ann", false,
     "{\"linux\":{\"seccomp\":" OTHER "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}", NULL, NULL,
     REFUSED},
    {"crun: the rule refuses a program of a filter hardrun does not vouch for", "fill-ann", true,
     "{\"linux\":{\"seccomp\":" WITH_FLAGS "},\"annotations\":{\"" KEY "\":\"" OBPF "\"}}", NULL,
     NULL, REFUSED},
    {"crun: the program of a filter that allows all goes with the filter", "fill-ann", true,
     "{\"linux\":{\"seccomp\":" ALLOW_ALL "},\"annotations\":{\"" KEY "\":\"@ABPF@\"}}",
     "{\"linux\":{\"seccomp\":" SMALL "},\"annotations\":{\"" KEY "\":\"" BPF "\"}}",
     "annotations[\"" KEY "\"]: (another program) -> " INSNS, NULL},
};

static void run_apply_case(void **state)
{
  const struct apply_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *b64 = NULL, *spec = NULL, *want = NULL, *out = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  load_policy(c->profile, c->runtime_bpf, &p);
  b64 = p->seccomp.enabled ? exported_b64(p) : strdup("");
  spec = expand(c->spec, b64);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->error != NULL) {
    cleanup_free char *msg = expand(c->error, b64);
    if (r >= 0)
      fail_msg("expected \"%s\", got success with changes:\n%s", msg, log);
    assert_string_equal(err.msg, msg);
    return;
  }
  assert_ok(r, &err);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  want = expand(c->out != NULL ? c->out : c->spec, b64);
  assert_string_equal(out, want);
  if (c->changes != NULL) {
    cleanup_free char *tail = expand(c->changes, b64);
    size_t n = strlen(log), t = strlen(tail);
    if (t == 0 ? n != 0 : n < t || strcmp(log + n - t, tail) != 0)
      fail_msg("changes:\n%s\nwant them to end with:\n%s", log, tail);
  }
}

/* A spec of `rules` rules, each "read" when its first argument is one
 * value, for x86-64, x86 and x32: (1 + 2) * 3 instructions a rule by
 * may_fit()'s count. */
static char *args_spec(size_t rules)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  fputs("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":["
        "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":[",
        f);
  for (size_t i = 0; i < rules; i++)
    fprintf(f,
            "%s{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
            "\"value\":%zu,\"op\":\"SCMP_CMP_EQ\"}]}",
            i ? "," : "", i);
  fputs("]}}}", f);
  fclose(f);
  return out;
}

static size_t cache_entries(void)
{
  char dir[sizeof(state_dir) + 16];
  size_t n = 0;
  DIR *d;

  snprintf(dir, sizeof(dir), "%s/seccomp", state_dir);
  d = opendir(dir);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* A spec's filter whose program cannot fit the kernel's 4096 instructions
 * is not even compiled for crun (libseccomp can take seconds over one):
 * it leaves nothing in the validation cache.  One just under the count is
 * compiled, and gets its program. */
static void test_spec_filter_bound(void **state)
{
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  const size_t fits = 4096 / 9;

  (void)state;
  load_policy("fill", true, &p);
  for (size_t rules = fits; rules <= fits + 1; rules++) {
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    cleanup_free char *spec = args_spec(rules);
    struct hr_changes ch = {0};
    struct hr_error err = {0};
    const struct hr_json *ann;

    size_t entries = cache_entries();

    assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
    assert_ok(hr_policy_apply(p, doc, &ch, &err), &err);
    hr_changes_free(&ch);
    ann = hr_json_get(hr_json_get(hr_json_doc_root(doc), "annotations"), KEY);
    if (rules == fits) {
      assert_true(ann != NULL && ann->type == HR_JSON_STRING && ann->u.string.len > 100);
      assert_int_equal(cache_entries(), entries + 1);
    } else {
      assert_null(ann);
      assert_int_equal(cache_entries(), entries);
    }
  }
}

/* hr_seccomp_bpf_is_ours: the exact text, nothing near it. */
static void test_is_ours(void **state)
{
  cleanup_policy struct hr_policy *p = NULL, *off = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *b64 = NULL;
  struct hr_error err = {0};
  struct hr_json *s;

  (void)state;
  load_policy("fill", true, &p);
  load_policy("off", true, &off);
  b64 = exported_b64(p);
  doc = hr_jb_new(&err);
  assert_non_null(doc);
  s = hr_json_new_string(doc, b64, &err);
  assert_true(hr_seccomp_bpf_is_ours(p, NULL, s));
  assert_false(hr_seccomp_bpf_is_ours(off, NULL, s));
  assert_false(hr_seccomp_bpf_is_ours(p, NULL, NULL));
  assert_false(hr_seccomp_bpf_is_ours(p, NULL, hr_json_new_null(doc, &err)));
  b64[strlen(b64) - 1] = '\0';
  assert_false(hr_seccomp_bpf_is_ours(p, NULL, hr_json_new_string(doc, b64, &err)));
  b64[0] = b64[0] == 'A' ? 'B' : 'A';
  assert_false(hr_seccomp_bpf_is_ours(p, NULL, hr_json_new_string(doc, b64, &err)));
}

/* The rule must see the annotation before the control writes it, or it
 * would refuse hardrun's own. */
static void test_rule_order(void **state)
{
  size_t ann = hr_n_controls, sc = hr_n_controls;

  (void)state;
  for (size_t i = 0; i < hr_n_controls; i++) {
    if (strcmp(hr_controls[i].name, "runtime-annotations") == 0)
      ann = i;
    if (strcmp(hr_controls[i].name, "seccomp") == 0)
      sc = i;
  }
  assert_true(ann < sc);
  assert_true(sc < hr_n_controls);
}

/* RFC 4648's vectors, and every length's padding. */
static void test_base64(void **state)
{
  static const char *const vec[][2] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  static const unsigned char high[] = {0xff, 0xfe, 0xfd, 0x00, 0x3e, 0x3f};
  struct hr_error err = {0};

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(vec); i++) {
    cleanup_free char *b = hr_base64(vec[i][0], strlen(vec[i][0]), &err);
    assert_non_null(b);
    assert_string_equal(b, vec[i][1]);
  }
  {
    cleanup_free char *b = hr_base64(high, sizeof(high), &err);
    assert_string_equal(b, "//79AD4/");
  }
}

#define MAX_TESTS 64
static struct CMUnitTest tests[MAX_TESTS];
static size_t n_tests;

static void add(const char *name, CMUnitTestFunction fn, const void *state)
{
  if (n_tests >= MAX_TESTS)
    abort();
  tests[n_tests++] =
      (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)state};
}

int main(void)
{
  cleanup_free char *cmd = NULL;
  int rc;

  if (mkdtemp(state_dir) == NULL)
    return 1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(apply_cases); i++)
    add(apply_cases[i].name, run_apply_case, &apply_cases[i]);
  add("only our exact program is ours", test_is_ours, NULL);
  add("a spec's filter too long for the kernel is not compiled", test_spec_filter_bound, NULL);
  add("runtime-annotations comes before seccomp", test_rule_order, NULL);
  add("base64", test_base64, NULL);
  rc = _cmocka_run_group_tests("seccomp-bpf", tests, n_tests, NULL, NULL);
  if (asprintf(&cmd, "rm -rf '%s'", state_dir) > 0 && system(cmd) != 0)
    rc = 1;
  return rc;
}
