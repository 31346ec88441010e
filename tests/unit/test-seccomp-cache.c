/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp validation cache (seccomp-cache.c): a hit gives the very
 * filter validation gave, and everything that is not exactly what hardrun
 * wrote for these profile bytes is a miss that validates in full: damaged,
 * foreign-owned, too open, linked, made under another key or for other
 * bytes, or holding fields a profile may not have. */
#include "config.h"

#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/seccomp.h"

#include "../../src/libhardrun/seccomp-internal.h"

static char top_dir[] = "/tmp/hr-test-seccomp-cache.XXXXXX";

/* A fresh cache directory for each test (not made yet: the cache makes it). */
static char *new_cache_dir(void)
{
  static unsigned n;
  char *p = NULL;

  assert_true(asprintf(&p, "%s/%u/seccomp", top_dir, n++) > 0);
  return p;
}

static char *read_profile(const char *path, size_t *len)
{
  struct hr_error err = {0};
  char *buf = NULL;

  if (hr_read_file(path, 1u << 20, &buf, len, &err) < 0)
    fail_msg("%s", err.msg);
  return buf;
}

static char *default_profile(size_t *len)
{
  const char *dir = getenv("HR_PROFILES");
  cleanup_free char *path = NULL;

  assert_true(asprintf(&path, "%s/seccomp/default.json", dir ? dir : "profiles") > 0);
  return read_profile(path, len);
}

static struct hr_seccomp_filter *parse(const char *buf, size_t len, const char *cache)
{
  struct hr_seccomp_filter *f = NULL;
  struct hr_error err = {0};

  assert_ok(hr_seccomp_filter_parse(buf, len, "test.json", cache, &f, &err), &err);
  return f;
}

/* The name of the one entry in `dir` (temp files of a store included). */
static char *only_entry(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char *name = NULL;
  size_t n = 0;

  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    n++;
    free(name);
    name = strdup(e->d_name);
  }
  closedir(d);
  if (n != 1)
    fail_msg("%s: %zu entries, expected 1", dir, n);
  return name;
}

static size_t count_entries(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

static char *entry_path(const char *dir, const char *name)
{
  char *p = NULL;

  assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
  return p;
}

static char *slurp(const char *path, size_t *len)
{
  struct hr_error err = {0};
  char *buf = NULL;

  if (hr_read_file_at(AT_FDCWD, path, 64u << 20, &buf, len, NULL, &err) < 0)
    fail_msg("%s", err.msg);
  return buf;
}

/* Write `buf` to `path` with `mode`, replacing whatever was there. */
static void spit(const char *path, const char *buf, size_t len, mode_t mode)
{
  int fd;

  unlink(path);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, buf, len), (ssize_t)len);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

/* ---- two filters are the same filter ---------------------------------------------- */

static void assert_rules_equal(const struct hr_seccomp_rule *a, const struct hr_seccomp_rule *b)
{
  assert_int_equal(a->action, b->action);
  assert_int_equal(a->has_errno_ret, b->has_errno_ret);
  assert_int_equal(a->errno_ret, b->errno_ret);
  assert_int_equal(a->index, b->index);
  assert_int_equal(a->n_names, b->n_names);
  for (size_t j = 0; j < a->n_names; j++) {
    assert_string_equal(a->names[j], b->names[j]);
    assert_int_equal(a->nrs[j], b->nrs[j]);
  }
  assert_int_equal(a->n_args, b->n_args);
  for (size_t k = 0; k < a->n_args; k++) {
    assert_int_equal(a->args[k].index, b->args[k].index);
    assert_int_equal(a->args[k].op, b->args[k].op);
    assert_true(a->args[k].value == b->args[k].value);
    assert_true(a->args[k].value_two == b->args[k].value_two);
  }
}

static char *export_bpf(const struct hr_seccomp_filter *f, size_t *len)
{
  struct hr_error err = {0};
  int fd = memfd_create("test-seccomp-cache", MFD_CLOEXEC);
  off_t size;
  char *buf;

  assert_true(fd >= 0);
  assert_ok(hr_seccomp_filter_export(f, fd, &err), &err);
  size = lseek(fd, 0, SEEK_END);
  assert_true(size > 0);
  buf = malloc((size_t)size);
  assert_non_null(buf);
  assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
  close(fd);
  *len = (size_t)size;
  return buf;
}

/* Field by field, and the BPF program libseccomp makes of each. */
static void assert_filters_equal(const struct hr_seccomp_filter *a,
                                 const struct hr_seccomp_filter *b)
{
  cleanup_free char *pa = NULL, *pb = NULL;
  size_t la, lb;

  assert_int_equal(a->default_action, b->default_action);
  assert_int_equal(a->has_default_errno_ret, b->has_default_errno_ret);
  assert_int_equal(a->default_errno_ret, b->default_errno_ret);
  assert_int_equal(a->n_archs, b->n_archs);
  for (size_t i = 0; i < a->n_archs; i++) {
    assert_string_equal(a->archs[i], b->archs[i]);
    assert_int_equal(a->arch_tokens[i], b->arch_tokens[i]);
  }
  assert_int_equal(a->n_rules, b->n_rules);
  for (size_t i = 0; i < a->n_rules; i++)
    assert_rules_equal(&a->rules[i], &b->rules[i]);
  assert_int_equal(a->n_dropped, b->n_dropped);
  for (size_t i = 0; i < a->n_dropped; i++)
    assert_string_equal(a->dropped[i], b->dropped[i]);
  pa = export_bpf(a, &la);
  pb = export_bpf(b, &lb);
  assert_int_equal(la, lb);
  assert_memory_equal(pa, pb, la);
  /* The program kept for crun is that program, from the cache too. */
  assert_int_equal(a->bpf_len, la);
  assert_int_equal(b->bpf_len, la);
  assert_memory_equal(a->bpf, pa, la);
  assert_memory_equal(b->bpf, pa, la);
}

/* ---- hit and miss ------------------------------------------------------------------- */

static void check_hit(const char *buf, size_t len)
{
  cleanup_free char *cache = new_cache_dir(), *name = NULL, *path = NULL;
  struct hr_seccomp_filter *fresh, *again, *uncached;
  struct stat st;

  fresh = parse(buf, len, cache);
  assert_false(fresh->from_cache);
  assert_int_equal(stat(cache, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  name = only_entry(cache);
  path = entry_path(cache, name);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_uid, geteuid());

  again = parse(buf, len, cache);
  assert_true(again->from_cache);
  assert_null(again->doc);
  uncached = parse(buf, len, NULL);
  assert_false(uncached->from_cache);
  assert_filters_equal(fresh, again);
  assert_filters_equal(uncached, again);
  {
    cleanup_free char *still = only_entry(cache);
    assert_string_equal(still, name);
  }
  hr_seccomp_filter_free(fresh);
  hr_seccomp_filter_free(again);
  hr_seccomp_filter_free(uncached);
}

static void test_hit_default(void **state)
{
  size_t len;
  cleanup_free char *buf = default_profile(&len);

  (void)state;
  check_hit(buf, len);
}

/* Arguments, errno values and names this libseccomp does not know. */
static void test_hit_fixtures(void **state)
{
  static const char *const names[] = {"unknown-names.json", "uint64.json", "small.json"};

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++) {
    cleanup_free char *rel = NULL, *path = NULL, *buf = NULL;
    size_t len;
    assert_true(asprintf(&rel, "seccomp/profiles/seccomp/%s", names[i]) > 0);
    path = unit_fixture_path(rel);
    buf = read_profile(path, &len);
    check_hit(buf, len);
  }
}

/* A profile that does not validate leaves nothing behind, and fails each
 * time with the same message. */
static void test_invalid_never_cached(void **state)
{
  static const char bad[] =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"write\"],\"action\":"
      "\"SCMP_ACT_TRAP\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},{\"names\":"
      "[\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
      "\"SCMP_CMP_EQ\"}]}]}";
  cleanup_free char *cache = new_cache_dir();
  struct hr_error err = {0};

  (void)state;
  for (int i = 0; i < 2; i++) {
    struct hr_seccomp_filter *f = NULL;
    assert_int_equal(hr_seccomp_filter_parse(bad, strlen(bad), "sc.json", cache, &f, &err), -1);
    assert_null(f);
    assert_non_null(strstr(err.msg, "libseccomp refused the rule for \"write\""));
    assert_int_equal(count_entries(cache), 0);
  }
}

/* An edited profile has other bytes: it is validated, and its own entry
 * is added beside the old one. */
static void test_profile_changed(void **state)
{
  static const char one[] =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],"
      "\"action\":\"SCMP_ACT_ALLOW\"}]}";
  static const char two[] =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
      "\"action\":\"SCMP_ACT_ALLOW\"}]}";
  cleanup_free char *cache = new_cache_dir();
  struct hr_seccomp_filter *f;

  (void)state;
  hr_seccomp_filter_free(parse(one, strlen(one), cache));
  f = parse(two, strlen(two), cache);
  assert_false(f->from_cache);
  assert_int_equal(f->rules[0].n_names, 1);
  hr_seccomp_filter_free(f);
  assert_int_equal(count_entries(cache), 2);
  f = parse(two, strlen(two), cache);
  assert_true(f->from_cache);
  assert_int_equal(f->rules[0].n_names, 1);
  hr_seccomp_filter_free(f);
  f = parse(one, strlen(one), cache);
  assert_true(f->from_cache);
  assert_int_equal(f->rules[0].n_names, 2);
  hr_seccomp_filter_free(f);
}

/* The file name only finds an entry: one made for other bytes, or under
 * another key (another libseccomp, kernel or hardrun), that sits under
 * this name is not used. */
static void test_name_not_trusted(void **state)
{
  /* Of one length, as are the two keys: only the bytes differ. */
  static const char one[] = "{\"defaultAction\":\"SCMP_ACT_KILL\"}";
  static const char two[] = "{\"defaultAction\":\"SCMP_ACT_TRAP\"}";
  cleanup_free char *cache = new_cache_dir(), *from = NULL, *to = NULL;
  char key[HR_SC_CACHE_KEY_MAX], other_key[HR_SC_CACHE_KEY_MAX], name_one[17], name_two[17];
  size_t key_len = hr_seccomp__cache_key(key, sizeof(key));
  struct hr_seccomp_filter *f;
  int dirfd;

  (void)state;
  assert_true(key_len > 0);
  memcpy(other_key, key, key_len);
  other_key[key_len - 1] ^= 1;
  f = parse(one, strlen(one), cache);
  hr_seccomp__cache_entry_name(key, key_len, one, strlen(one), name_one);
  hr_seccomp__cache_entry_name(key, key_len, two, strlen(two), name_two);
  from = entry_path(cache, name_one);
  to = entry_path(cache, name_two);
  assert_int_equal(rename(from, to), 0);
  hr_seccomp_filter_free(f);
  f = parse(two, strlen(two), cache);
  assert_false(f->from_cache);
  assert_int_equal(f->default_action, HR_SCMP_ACT_TRAP);
  hr_seccomp_filter_free(f);

  /* one's entry, written under another key, renamed to where one's
   * entry under the real key belongs. */
  f = parse(one, strlen(one), NULL);
  dirfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(dirfd >= 0);
  assert_int_equal(unlink(to), 0);
  hr_seccomp__cache_store(dirfd, other_key, key_len, one, strlen(one), f);
  close(dirfd);
  hr_seccomp_filter_free(f);
  {
    cleanup_free char *other = only_entry(cache), *other_path = entry_path(cache, other);
    assert_string_not_equal(other, name_one);
    assert_int_equal(rename(other_path, from), 0);
  }
  f = parse(one, strlen(one), cache);
  assert_false(f->from_cache);
  hr_seccomp_filter_free(f);
}

/* ---- damaged entries ------------------------------------------------------------ */

enum damage { FLIP, TRUNCATE, APPEND, EMPTY };

/* Where: the entry holds magic (8), checksum (8), key length (4), key,
 * profile length (4), profile, then the filter. */
enum where { MAGIC, CHECKSUM, KEY, PROFILE, FILTER, LAST };

struct damage_case {
  const char *name;
  enum damage damage;
  enum where where;
  bool seal; /* with a checksum that fits the damaged bytes */
};

static const struct damage_case damage_cases[] = {
    {"corrupt entry: magic", FLIP, MAGIC, false},
    {"corrupt entry: checksum", FLIP, CHECKSUM, false},
    {"corrupt entry: key", FLIP, KEY, false},
    {"corrupt entry: profile text", FLIP, PROFILE, false},
    {"corrupt entry: filter", FLIP, FILTER, false},
    {"corrupt entry: last byte", FLIP, LAST, false},
    {"corrupt entry: truncated by one byte", TRUNCATE, LAST, false},
    {"corrupt entry: cut in the filter", TRUNCATE, FILTER, false},
    {"corrupt entry: a byte appended", APPEND, LAST, false},
    {"corrupt entry: empty", EMPTY, MAGIC, false},
    /* What the checksum cannot catch: each field check alone. */
    {"sealed entry: other magic", FLIP, MAGIC, true},
    {"sealed entry: another key (libseccomp, kernel, hardrun)", FLIP, KEY, true},
    {"sealed entry: other profile text", FLIP, PROFILE, true},
    {"sealed entry: cut in the filter", TRUNCATE, FILTER, true},
    {"sealed entry: a byte appended", APPEND, LAST, true},
};

static size_t damage_offset(enum where w, size_t key_len, size_t profile_len, size_t entry_len)
{
  switch (w) {
  case MAGIC:
    return 3;
  case CHECKSUM:
    return 12;
  case KEY:
    return 20 + key_len / 2;
  case PROFILE:
    return 24 + key_len + profile_len / 2;
  case FILTER:
    return 24 + key_len + profile_len + (entry_len - 24 - key_len - profile_len) / 2;
  case LAST:
  default:
    return entry_len - 1;
  }
}

static void run_damage_case(void **state)
{
  const struct damage_case *c = *state;
  cleanup_free char *cache = new_cache_dir(), *name = NULL, *path = NULL, *entry = NULL;
  cleanup_free char *buf = NULL;
  char key[HR_SC_CACHE_KEY_MAX];
  size_t len, entry_len, key_len = hr_seccomp__cache_key(key, sizeof(key)), at;
  struct hr_seccomp_filter *fresh, *f;

  buf = default_profile(&len);
  fresh = parse(buf, len, cache);
  name = only_entry(cache);
  path = entry_path(cache, name);
  entry = slurp(path, &entry_len);
  at = damage_offset(c->where, key_len, len, entry_len);
  assert_true(at < entry_len);
  switch (c->damage) {
  case FLIP:
    entry[at] ^= 0x20;
    break;
  case TRUNCATE:
    entry_len = at;
    break;
  case APPEND:
    entry = realloc(entry, entry_len + 1);
    assert_non_null(entry);
    entry[entry_len++] = '\0';
    break;
  case EMPTY:
  default:
    entry_len = 0;
    break;
  }
  if (c->seal)
    hr_seccomp__cache_seal(entry, entry_len);
  spit(path, entry, entry_len, 0600);

  f = parse(buf, len, cache);
  assert_false(f->from_cache);
  assert_filters_equal(fresh, f);
  hr_seccomp_filter_free(f);
  /* The validation replaced the entry. */
  f = parse(buf, len, cache);
  assert_true(f->from_cache);
  hr_seccomp_filter_free(f);
  hr_seccomp_filter_free(fresh);
}

/* ---- entries hardrun would not have written ------------------------------------ */

/* Checksum right, fields wrong: written through the store itself, so only
 * the field checks can refuse them. */
enum forge {
  BAD_ACTION,
  BAD_OP,
  BAD_ARG_INDEX,
  TWICE_SAME_ARG,
  ERRNO_TOO_BIG,
  ERRNO_ON_ALLOW,
  BAD_NAME,
  EMPTY_NAME,
  NO_NAMES,
  BAD_ARCH,
  BPF_PART_INSN,
  BPF_TOO_LONG
};

struct forge_case {
  const char *name;
  enum forge forge;
};

static const struct forge_case forge_cases[] = {
    {"forged entry: unknown action", BAD_ACTION},
    {"forged entry: unknown operator", BAD_OP},
    {"forged entry: argument index 6", BAD_ARG_INDEX},
    {"forged entry: two conditions on one argument", TWICE_SAME_ARG},
    {"forged entry: errno 4095", ERRNO_TOO_BIG},
    {"forged entry: errno on an ALLOW rule", ERRNO_ON_ALLOW},
    {"forged entry: a name that is no syscall name", BAD_NAME},
    {"forged entry: an empty name", EMPTY_NAME},
    {"forged entry: a rule without names", NO_NAMES},
    {"forged entry: unknown architecture", BAD_ARCH},
    {"forged entry: a program with part of an instruction", BPF_PART_INSN},
    {"forged entry: a program longer than the kernel loads", BPF_TOO_LONG},
};

static void forge(struct hr_seccomp_filter *f, enum forge what)
{
  struct hr_seccomp_rule *r = &f->rules[0];

  switch (what) {
  case BAD_ACTION:
    r->action = (enum hr_seccomp_action)(HR_SCMP_ACT_LOG + 1);
    break;
  case BAD_OP:
    r->args[0].op = (enum hr_seccomp_op)(HR_SCMP_CMP_MASKED_EQ + 1);
    break;
  case BAD_ARG_INDEX:
    r->args[0].index = 6;
    break;
  case TWICE_SAME_ARG:
    r->args[1].index = r->args[0].index;
    break;
  case ERRNO_TOO_BIG:
    f->rules[1].errno_ret = 4095;
    break;
  case ERRNO_ON_ALLOW:
    r->has_errno_ret = true;
    r->errno_ret = 1;
    break;
  case BAD_NAME:
    r->names[0] = "Read";
    break;
  case EMPTY_NAME:
    r->names[0] = "";
    break;
  case NO_NAMES:
    r->n_names = 0;
    break;
  case BPF_PART_INSN:
    f->bpf_len -= 3;
    break;
  case BPF_TOO_LONG:
    f->bpf = calloc(HR_SC_BPF_MAX + 8, 1);
    assert_non_null(f->bpf);
    f->bpf_len = HR_SC_BPF_MAX + 8;
    break;
  case BAD_ARCH:
  default:
    f->arch_tokens[0] = 0x1234;
    break;
  }
}

static void run_forge_case(void **state)
{
  static const char profile[] =
      "{\"defaultAction\":\"SCMP_ACT_KILL\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
      "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
      "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":2,\"op\":"
      "\"SCMP_CMP_NE\"}]},{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}";
  const struct forge_case *c = *state;
  cleanup_free char *cache = new_cache_dir();
  char key[HR_SC_CACHE_KEY_MAX];
  size_t key_len = hr_seccomp__cache_key(key, sizeof(key));
  struct hr_seccomp_filter *f = parse(profile, strlen(profile), cache);
  struct hr_seccomp_rule saved = f->rules[0];
  uint32_t saved_arch = f->arch_tokens[0];
  unsigned char *saved_bpf = f->bpf;
  size_t saved_bpf_len = f->bpf_len;
  int dirfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  assert_true(dirfd >= 0);
  assert_false(f->from_cache);
  forge(f, c->forge);
  hr_seccomp__cache_store(dirfd, key, key_len, profile, strlen(profile), f);
  close(dirfd);
  /* Put back what free() and the comparison need. */
  f->rules[0] = saved;
  f->rules[0].args[1].index = 1;
  f->rules[0].args[0].index = 0;
  f->rules[0].args[0].op = HR_SCMP_CMP_EQ;
  f->rules[0].names[0] = "read";
  f->rules[1].errno_ret = 1;
  f->arch_tokens[0] = saved_arch;
  if (f->bpf != saved_bpf)
    free(f->bpf);
  f->bpf = saved_bpf;
  f->bpf_len = saved_bpf_len;
  assert_int_equal(count_entries(cache), 1);
  {
    struct hr_seccomp_filter *g = parse(profile, strlen(profile), cache);
    assert_false(g->from_cache);
    assert_filters_equal(f, g);
    hr_seccomp_filter_free(g);
  }
  hr_seccomp_filter_free(f);
}

/* ---- ownership and modes --------------------------------------------------------- */

struct mode_case {
  const char *name;
  mode_t entry_mode; /* 0: leave */
  mode_t dir_mode;   /* 0: leave */
  bool hardlink, symlink, foreign;
  bool rewritten; /* the entry is trusted again after the miss */
};

static const struct mode_case mode_cases[] = {
    {"an entry others can read is ignored", 0644, 0, false, false, false, true},
    {"an entry the group can write is ignored", 0620, 0, false, false, false, true},
    {"a hard-linked entry is ignored", 0, 0, true, false, false, true},
    {"a symlinked entry is ignored", 0, 0, false, true, false, true},
    {"a foreign-owned entry is ignored", 0, 0, false, false, true, true},
    {"a directory others can write is neither read nor written", 0, 0777, false, false, false,
     false},
};

static void run_mode_case(void **state)
{
  const struct mode_case *c = *state;
  cleanup_free char *cache = new_cache_dir(), *name = NULL, *path = NULL, *other = NULL;
  cleanup_free char *buf = NULL;
  struct hr_seccomp_filter *f;
  size_t len;

  if (c->foreign && geteuid() != 0)
    skip();
  buf = default_profile(&len);
  hr_seccomp_filter_free(parse(buf, len, cache));
  name = only_entry(cache);
  path = entry_path(cache, name);
  other = entry_path(cache, "elsewhere");
  if (c->entry_mode != 0)
    assert_int_equal(chmod(path, c->entry_mode), 0);
  if (c->dir_mode != 0)
    assert_int_equal(chmod(cache, c->dir_mode), 0);
  if (c->hardlink)
    assert_int_equal(link(path, other), 0);
  if (c->symlink) {
    assert_int_equal(rename(path, other), 0);
    assert_int_equal(symlink("elsewhere", path), 0);
  }
  if (c->foreign)
    assert_int_equal(chown(path, 1, 1), 0);

  f = parse(buf, len, cache);
  assert_false(f->from_cache);
  hr_seccomp_filter_free(f);
  f = parse(buf, len, cache);
  assert_true(f->from_cache == c->rewritten);
  hr_seccomp_filter_free(f);
  if (!c->rewritten) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(count_entries(cache), 1);
  }
}

/* Edited profiles leave entries behind: the oldest go, the newest stays,
 * and nothing but entries is removed. */
static void test_pruned(void **state)
{
  cleanup_free char *cache = new_cache_dir(), *keep = NULL;
  struct hr_seccomp_filter *f;
  char profile[128];

  (void)state;
  for (int i = 1; i <= HR_SC_CACHE_MAX_ENTRIES + 6; i++) {
    snprintf(profile, sizeof(profile),
             "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":%d}", i);
    f = parse(profile, strlen(profile), cache);
    assert_false(f->from_cache);
    hr_seccomp_filter_free(f);
    if (i == 1) {
      keep = entry_path(cache, "keep.me");
      spit(keep, "x", 1, 0600);
    }
    assert_true(count_entries(cache) <= HR_SC_CACHE_MAX_ENTRIES + 1);
  }
  assert_int_equal(count_entries(cache), HR_SC_CACHE_MAX_ENTRIES + 1);
  assert_int_equal(access(keep, F_OK), 0);
  f = parse(profile, strlen(profile), cache);
  assert_true(f->from_cache);
  hr_seccomp_filter_free(f);
}

/* A stateDir whose "seccomp" is no directory: no cache, full validation. */
static void test_cache_unusable(void **state)
{
  cleanup_free char *cache = new_cache_dir(), *buf = NULL;
  char *slash;
  struct hr_seccomp_filter *f;
  size_t len;

  (void)state;
  buf = default_profile(&len);
  slash = strrchr(cache, '/');
  *slash = '\0';
  assert_int_equal(mkdir(cache, 0700), 0);
  *slash = '/';
  spit(cache, "", 0, 0600);
  for (int i = 0; i < 2; i++) {
    f = parse(buf, len, cache);
    assert_false(f->from_cache);
    hr_seccomp_filter_free(f);
  }
}

/* ---- running the rows ----------------------------------------------------------- */

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

  if (mkdtemp(top_dir) == NULL)
    return 1;
  add("miss, then a hit equal to validation (default profile)", test_hit_default, NULL);
  add("hits for dropped names, uint64 values, arguments", test_hit_fixtures, NULL);
  add("a profile that does not validate is never cached", test_invalid_never_cached, NULL);
  add("a changed profile is validated again", test_profile_changed, NULL);
  add("the entry's name is not trusted", test_name_not_trusted, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(damage_cases); i++)
    add(damage_cases[i].name, run_damage_case, &damage_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(forge_cases); i++)
    add(forge_cases[i].name, run_forge_case, &forge_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(mode_cases); i++)
    add(mode_cases[i].name, run_mode_case, &mode_cases[i]);
  add("old entries are pruned, the newest kept", test_pruned, NULL);
  add("a stateDir/seccomp that is a file: no cache", test_cache_unusable, NULL);
  rc = _cmocka_run_group_tests("seccomp-cache", tests, n_tests, NULL, NULL);
  if (asprintf(&cmd, "rm -rf '%s'", top_dir) > 0 && system(cmd) != 0)
    rc = 1;
  return rc;
}
