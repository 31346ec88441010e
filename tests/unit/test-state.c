/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-container records that exec and update look the profile up in:
 * id rules (runc's), the root key, the exact record text, and a state
 * directory hardrun does not trust. */
#include "config.h"

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/policy.h"
#include "hardrun/state.h"

/* ---- ids ------------------------------------------------------------------ */

static void test_id_valid(void **state)
{
  static const struct {
    const char *id;
    bool ok;
  } rows[] = {
      {"c0ffee", true},
      {"hr-run-12_34.5", true},
      /* runc's class [\w+-\.] is '+'..'.', so ',' is valid too */
      {"a+b,c-d.e", true},
      {"...", true},
      {"-", true},
      {".", false},
      {"..", false},
      {"", false},
      {"a/b", false},
      {"../x", false},
      {"a b", false},
      {"a\tb", false},
      {"a*", false},
      {"a:b", false},
      {"\xc3\xa9", false}, /* \w is ASCII only in Go's RE2 */
  };
  char long_id[HR_STATE_ID_MAX + 2];

  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++)
    if (hr_state_id_valid(rows[i].id) != rows[i].ok)
      fail_msg("\"%s\": want %s", rows[i].id, rows[i].ok ? "valid" : "invalid");
  assert_false(hr_state_id_valid(NULL));
  memset(long_id, 'a', sizeof(long_id));
  long_id[HR_STATE_ID_MAX] = '\0';
  assert_true(hr_state_id_valid(long_id));
  long_id[HR_STATE_ID_MAX] = 'a';
  long_id[HR_STATE_ID_MAX + 1] = '\0';
  assert_false(hr_state_id_valid(long_id));
}

static void test_root_abs(void **state)
{
  struct hr_error err = {0};
  char *r = NULL, *cwd = getcwd(NULL, 0), want[4096];

  assert_ok(hr_state_root_abs(NULL, &r, &err), &err);
  assert_string_equal(r, "/run/runc");
  free(r);
  assert_ok(hr_state_root_abs("/run//docker/./runtime-runc/x/../moby/", &r, &err), &err);
  assert_string_equal(r, "/run/docker/runtime-runc/moby");
  free(r);
  /* filepath.Abs: against the working directory, "" included */
  assert_ok(hr_state_root_abs("state/../r", &r, &err), &err);
  snprintf(want, sizeof(want), "%s/r", strcmp(cwd, "/") == 0 ? "" : cwd);
  assert_string_equal(r, want);
  free(r);
  assert_ok(hr_state_root_abs("", &r, &err), &err);
  assert_string_equal(r, cwd);
  free(r);
  free(cwd);
}

/* ---- records ------------------------------------------------------------------ */

struct fixture {
  char tmp[64];
  char state_dir[128];
};

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  snprintf(f->tmp, sizeof(f->tmp), "/tmp/hr-test-state.XXXXXX");
  assert_non_null(mkdtemp(f->tmp));
  snprintf(f->state_dir, sizeof(f->state_dir), "%s/state", f->tmp);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  char cmd[256];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->tmp);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

#define ROOT "/run/docker/runtime-runc/moby"

static struct hr_state_record sample(void)
{
  return (struct hr_state_record){
      .id = "c0ffee",
      .root = ROOT,
      .profile = "strict",
      .profile_path = "/etc/hardrun/profiles/strict.json",
      .bundle = "/run/containerd/b \"q\" \\",
      .created = "2026-01-02T03:04:05Z",
  };
}

/* The file a record lands in: <state>/<16 hex>/<id>.json. */
static char *record_path(const struct fixture *f, const char *id)
{
  char cmd[512], *line = NULL;
  size_t cap = 0;
  FILE *p;

  snprintf(cmd, sizeof(cmd), "ls -d '%s'/*/'%s.json' 2>/dev/null", f->state_dir, id);
  p = popen(cmd, "r");
  assert_non_null(p);
  if (getline(&line, &cap, p) < 0) {
    free(line);
    line = NULL;
  } else {
    line[strcspn(line, "\n")] = '\0';
  }
  pclose(p);
  return line;
}

static void test_save_exact(void **state)
{
  const struct fixture *f = *state;
  struct hr_state_record rec = sample();
  struct hr_error err = {0};
  char *path, *buf;
  size_t len;
  struct stat st;

  assert_ok(hr_state_save(f->state_dir, &rec, &err), &err);
  path = record_path(f, "c0ffee");
  assert_non_null(path);
  /* 16 hex digits of the root's hash name the directory */
  assert_int_equal(strlen(path), strlen(f->state_dir) + 1 + 16 + 1 + strlen("c0ffee.json"));
  assert_ok(hr_read_file_at(AT_FDCWD, path, 4096, &buf, &len, &st, &err), &err);
  assert_string_equal(buf, "{\"version\":1,\"id\":\"c0ffee\",\"root\":\"" ROOT "\","
                           "\"profile\":\"strict\",\"profilePath\":\"/etc/hardrun/profiles/"
                           "strict.json\",\"bundle\":\"/run/containerd/b \\\"q\\\" \\\\\","
                           "\"created\":\"2026-01-02T03:04:05Z\"}");
  assert_int_equal(st.st_mode & 07777, 0600);
  free(buf);
  assert_int_equal(stat(f->state_dir, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  free(path);

  /* with the CPU pair of a later update */
  rec.cpu = (struct hr_state_cpu){true, -1, 100000};
  assert_ok(hr_state_save(f->state_dir, &rec, &err), &err);
  path = record_path(f, "c0ffee");
  assert_ok(hr_read_file_at(AT_FDCWD, path, 4096, &buf, &len, NULL, &err), &err);
  assert_non_null(strstr(buf, ",\"cpu\":{\"quota\":-1,\"period\":100000}}"));
  free(buf);
  free(path);
}

static void test_round_trip(void **state)
{
  const struct fixture *f = *state;
  struct hr_state_record rec = sample(), got;
  struct hr_error err = {0};

  /* no state directory yet: no record, not an error */
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), 0);
  assert_int_equal(hr_state_remove(f->state_dir, ROOT, "c0ffee", &err), 0);

  rec.created = NULL;
  rec.cpu = (struct hr_state_cpu){true, 200000, 100000};
  assert_ok(hr_state_save(f->state_dir, &rec, &err), &err);
  assert_int_equal(hr_state_load(f->state_dir, ROOT "/", "c0ffee", &got, &err), 1);
  assert_string_equal(got.id, "c0ffee");
  assert_string_equal(got.root, ROOT);
  assert_string_equal(got.profile, "strict");
  assert_string_equal(got.profile_path, "/etc/hardrun/profiles/strict.json");
  assert_string_equal(got.bundle, rec.bundle);
  assert_int_equal(strlen(got.created), strlen("2026-01-02T03:04:05Z"));
  assert_true(got.cpu.known);
  assert_int_equal(got.cpu.quota, 200000);
  assert_int_equal(got.cpu.period, 100000);
  hr_state_record_free(&got);

  /* another root, another id: none */
  assert_int_equal(hr_state_load(f->state_dir, "/run/runc", "c0ffee", &got, &err), 0);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffef", &got, &err), 0);
  assert_null(got.profile);

  assert_int_equal(hr_state_remove(f->state_dir, ROOT, "c0ffee", &err), 0);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), 0);
  assert_int_equal(hr_state_remove(f->state_dir, ROOT, "c0ffee", &err), 0);
}

static void test_bad_ids(void **state)
{
  const struct fixture *f = *state;
  struct hr_state_record rec = sample(), got;
  struct hr_error err = {0};

  rec.id = "../escape";
  assert_int_equal(hr_state_save(f->state_dir, &rec, &err), -1);
  assert_int_equal(err.kind, HR_ERR_INPUT);
  assert_non_null(strstr(err.msg, "container id \"../escape\" is not valid"));
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "..", &got, &err), -1);
  assert_int_equal(hr_state_remove(f->state_dir, ROOT, "a/b", &err), -1);
  rec.id = "ok";
  rec.root = "relative";
  assert_int_equal(hr_state_save(f->state_dir, &rec, &err), -1);
  rec.root = ROOT;
  assert_int_equal(hr_state_save("relative/state", &rec, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
}

/* Whoever can write a record picks the profile of the next exec: a state
 * directory others can write, a symlinked one, or a symlinked record is
 * refused, never followed. */
static void test_untrusted(void **state)
{
  const struct fixture *f = *state;
  struct hr_state_record rec = sample(), got;
  struct hr_error err = {0};
  char *path, *dir, link[256];

  assert_ok(hr_state_save(f->state_dir, &rec, &err), &err);
  path = record_path(f, "c0ffee");
  dir = strndup(path, strrchr(path, '/') - path);

  assert_int_equal(chmod(f->state_dir, 0770), 0);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  snprintf(link, sizeof(link), "writable by no one else (it is uid %u, mode 0770)",
           (unsigned)geteuid());
  assert_non_null(strstr(err.msg, link));
  assert_int_equal(hr_state_save(f->state_dir, &rec, &err), -1);
  assert_int_equal(chmod(f->state_dir, 0700), 0);

  assert_int_equal(chmod(dir, 0702), 0);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  assert_int_equal(chmod(dir, 0700), 0);

  /* the record replaced by a symlink to a file with another profile */
  snprintf(link, sizeof(link), "%s/other.json", f->tmp);
  assert_int_equal(rename(path, link), 0);
  assert_int_equal(symlink(link, path), 0);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  assert_non_null(strstr(err.msg, "is a symbolic link"));
  assert_int_equal(unlink(path), 0);

  /* a malformed record is an error, never a guess */
  FILE *w = fopen(path, "w");
  assert_non_null(w);
  fputs("{\"version\":1,\"id\":\"c0ffee\",\"root\":\"" ROOT "\",\"profile\":7}", w);
  fclose(w);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  assert_non_null(strstr(err.msg, "profile: expected a string"));
  w = fopen(path, "w");
  fputs("{\"version\":2}", w);
  fclose(w);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  assert_non_null(strstr(err.msg, "version: expected 1"));

  /* the root directory itself a symlink */
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
  assert_int_equal(symlink(f->tmp, dir), 0);
  assert_int_equal(hr_state_save(f->state_dir, &rec, &err), -1);
  assert_int_equal(hr_state_load(f->state_dir, ROOT, "c0ffee", &got, &err), -1);
  free(dir);
  free(path);
}

/* ---- hardrun.conf's stateDir ----------------------------------------------------- */

static void test_conf_state_dir(void **state)
{
  const struct fixture *f = *state;
  static const struct {
    const char *text, *want, *err;
  } rows[] = {
      {"{}", "/run/hardrun", NULL},
      {"{\"stateDir\": \"/var/run/hr\"}", "/var/run/hr", NULL},
      {"{\"stateDir\": \"run/hr\"}", NULL, "expected an absolute path, got \"run/hr\""},
      {"{\"stateDir\": 5}", NULL, "expected"},
      {"{\"statedir\": \"/x\"}", NULL, "did you mean"},
  };
  char path[256];

  snprintf(path, sizeof(path), "%s/hardrun.conf", f->tmp);
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    struct hr_conf conf = {0};
    struct hr_error err = {0};
    FILE *w = fopen(path, "w");
    int r;

    assert_non_null(w);
    fputs(rows[i].text, w);
    fclose(w);
    r = hr_conf_load(path, &conf, &err);
    if (rows[i].err == NULL) {
      assert_ok(r, &err);
      assert_string_equal(conf.state_dir, rows[i].want);
    } else if (r == 0 || strstr(err.msg, rows[i].err) == NULL) {
      fail_msg("%s: want error \"%s\", got %d \"%s\"", rows[i].text, rows[i].err, r, err.msg);
    }
    hr_conf_free(&conf);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_id_valid),
      cmocka_unit_test(test_root_abs),
      cmocka_unit_test_setup_teardown(test_save_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(test_untrusted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conf_state_dir, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
