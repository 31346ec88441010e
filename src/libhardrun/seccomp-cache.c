/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp validation cache.
 *
 * Validating the default seccomp profile (parsing it, resolving every name
 * for every architecture with libseccomp, checking rules against each
 * other, compiling) costs more than the rest of a create together, and its
 * result depends only on the profile's bytes, on hardrun, on libseccomp and
 * on the kernel (libseccomp asks it which actions exist).  So a filter that
 * passed is written to <stateDir>/seccomp/<hash> and read back by later
 * creates.
 *
 * Nothing in an entry is taken on trust.  It is used only when the
 * directory and the file belong to this euid and no one else may write
 * them (the file not even read), when its checksum holds, when it holds
 * the same key (hardrun version and cache format, libseccomp version,
 * native architecture, kernel release) and, byte for byte, the same
 * profile text it was validated from, and when every field decodes within
 * the bounds a profile must keep.  Anything else is a miss: the profile is
 * validated in full and the entry replaced.  The hash in the file name only
 * finds the entry; the profile bytes are compared, never assumed. */
#include "config.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <seccomp.h>

#include "hardrun/seccomp.h"
#include "hardrun/utils.h"
#include "seccomp-internal.h"

/* Bump when validation starts to check more, or the layout changes. */
#define CACHE_FORMAT 3
static const char cache_magic[8] = {'H', 'R', 'S', 'C', 'M', 'P', '\0', CACHE_FORMAT};
/* The profile text plus its decoded rules, names with their numbers, and
 * the compiled program. */
#define CACHE_MAX_SIZE (4u * HR_SC_FILE_MAX_SIZE + HR_SC_BPF_MAX)

/* ---- hashing ---------------------------------------------------------------------- */

/* Eight bytes at a time: the entry is hashed on every create.  Not
 * cryptographic, and it need not be: it names the entry and catches a
 * torn or damaged file, while the profile bytes are compared in full. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  uint64_t w;

  for (; len >= 8; p += 8, len -= 8) {
    memcpy(&w, p, 8);
    h = (h ^ (w * UINT64_C(0x9e3779b97f4a7c15))) * UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 31;
  }
  w = 0;
  memcpy(&w, p, len);
  h = (h ^ (w * UINT64_C(0x9e3779b97f4a7c15)) ^ len) * UINT64_C(0x94d049bb133111eb);
  return h ^ (h >> 29);
}

size_t hr_seccomp__cache_key(char *buf, size_t size)
{
  const struct scmp_version *v = seccomp_version();
  struct utsname u;
  int n;

  if (uname(&u) < 0)
    u.release[0] = '\0';
  n = snprintf(buf, size, "hardrun %s cache %d; libseccomp %u.%u.%u; native %#" PRIx32 "; %.128s",
               PACKAGE_VERSION, CACHE_FORMAT, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
               seccomp_arch_native(), u.release);
  return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

void hr_seccomp__cache_entry_name(const char *key, size_t key_len, const char *buf, size_t len,
                                  char name[17])
{
  uint64_t h = hash_bytes(UINT64_C(0x6861726472756e31), key, key_len);

  snprintf(name, 17, "%016" PRIx64, hash_bytes(h, buf, len));
}

/* ---- the directory ------------------------------------------------------------------ */

/* Made only when missing (the stateDir too): on every create but the
 * first, the mkdirs would be wasted system calls. */
static int make_dirs(const char *dir)
{
  cleanup_free char *parent = strdup(dir);
  char *slash = parent ? strrchr(parent, '/') : NULL;

  if (slash != NULL && slash != parent) {
    *slash = '\0';
    (void)mkdir(parent, 0700);
  }
  (void)mkdir(dir, 0700);
  return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

int hr_seccomp__cache_open(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;

  if (fd < 0 && errno == ENOENT)
    fd = make_dirs(dir);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- writing an entry ------------------------------------------------------------- */

struct wbuf {
  char *p;
  size_t len, cap;
  bool bad;
};

static void put(struct wbuf *w, const void *data, size_t n)
{
  if (w->bad)
    return;
  if (n > CACHE_MAX_SIZE - w->len) {
    w->bad = true;
    return;
  }
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 16384;
    char *p;
    while (cap < w->len + n)
      cap *= 2;
    p = realloc(w->p, cap);
    if (p == NULL) {
      w->bad = true;
      return;
    }
    w->p = p;
    w->cap = cap;
  }
  memcpy(w->p + w->len, data, n);
  w->len += n;
}

/* Little-endian, whatever the host: the bytes are what is hashed. */
static void put_uint(struct wbuf *w, uint64_t v, size_t size)
{
  unsigned char b[8];

  for (size_t i = 0; i < size; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  put(w, b, size);
}

/* A name: length byte, bytes, NUL (so that it is used in place). */
static void put_name(struct wbuf *w, const char *s)
{
  size_t n = strlen(s);

  if (n > HR_SC_NAME_MAX) {
    w->bad = true;
    return;
  }
  put_uint(w, n, 1);
  put(w, s, n + 1);
}

static void put_rule(struct wbuf *w, const struct hr_seccomp_rule *r)
{
  put_uint(w, r->action, 1);
  put_uint(w, r->has_errno_ret, 1);
  put_uint(w, r->errno_ret, 2);
  put_uint(w, r->index, 4);
  put_uint(w, r->n_args, 1);
  put_uint(w, r->n_names, 4);
  for (size_t j = 0; j < r->n_names; j++) {
    put_uint(w, (uint32_t)r->nrs[j], 4);
    put_name(w, r->names[j]);
  }
  for (size_t k = 0; k < r->n_args; k++) {
    put_uint(w, r->args[k].index, 1);
    put_uint(w, r->args[k].op, 1);
    put_uint(w, r->args[k].value, 8);
    put_uint(w, r->args[k].value_two, 8);
  }
}

/* magic, checksum of the rest, key, profile text, then the filter and
 * its program. */
static void put_entry(struct wbuf *w, const char *key, size_t key_len, const char *buf, size_t len,
                      const struct hr_seccomp_filter *f)
{
  put(w, cache_magic, sizeof(cache_magic));
  put_uint(w, 0, 8);
  put_uint(w, key_len, 4);
  put(w, key, key_len);
  put_uint(w, len, 4);
  put(w, buf, len);
  put_uint(w, f->default_action, 1);
  put_uint(w, f->has_default_errno_ret, 1);
  put_uint(w, f->default_errno_ret, 2);
  put_uint(w, f->n_archs, 1);
  for (size_t i = 0; i < f->n_archs; i++)
    put_uint(w, f->arch_tokens[i], 4);
  put_uint(w, f->n_rules, 4);
  for (size_t i = 0; i < f->n_rules; i++)
    put_rule(w, &f->rules[i]);
  put_uint(w, f->n_dropped, 4);
  for (size_t i = 0; i < f->n_dropped; i++)
    put_name(w, f->dropped[i]);
  put_uint(w, f->bpf_len, 4);
  if (f->bpf_len > 0)
    put(w, f->bpf, f->bpf_len);
  if (!w->bad)
    hr_seccomp__cache_seal(w->p, w->len);
}

void hr_seccomp__cache_seal(char *entry, size_t len)
{
  uint64_t sum;

  if (len < 16)
    return;
  sum = hash_bytes(0, entry + 16, len - 16);
  for (size_t i = 0; i < 8; i++)
    entry[8 + i] = (char)(sum >> (8 * i));
}

/* ---- keeping the directory small ------------------------------------------------ */

struct aged {
  char name[17];
  struct timespec mtime;
};

static bool is_entry_name(const char *s)
{
  size_t n = strspn(s, "0123456789abcdef");

  return n == 16 && s[n] == '\0';
}

static int older_first(const void *pa, const void *pb)
{
  const struct aged *a = pa, *b = pb;

  if (a->mtime.tv_sec != b->mtime.tv_sec)
    return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
  return (a->mtime.tv_nsec > b->mtime.tv_nsec) - (a->mtime.tv_nsec < b->mtime.tv_nsec);
}

/* Every edit of a profile leaves an entry for bytes that will not come back
 * (and the stateDir is usually a tmpfs, that is memory): past
 * HR_SC_CACHE_MAX_ENTRIES, the oldest go.  Run after a miss only, never on
 * the hit path.  Only names an entry can have are touched. */
static void prune(int dirfd, const char *keep)
{
  cleanup_free struct aged *list = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  DIR *d;
  int fd = dup(dirfd);

  if (fd < 0 || (d = fdopendir(fd)) == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  while ((e = readdir(d)) != NULL && n < HR_SC_CACHE_SCAN_MAX) {
    struct stat st;
    /* The entry just written is never the one to go, whatever the
     * clock's resolution says about its age. */
    if (!is_entry_name(e->d_name) || strcmp(e->d_name, keep) == 0 ||
        fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (n == cap) {
      struct aged *l = reallocarray(list, cap ? cap * 2 : 32, sizeof(*list));
      if (l == NULL)
        break;
      list = l;
      cap = cap ? cap * 2 : 32;
    }
    memcpy(list[n].name, e->d_name, 17);
    list[n++].mtime = st.st_mtim;
  }
  closedir(d);
  if (n < HR_SC_CACHE_MAX_ENTRIES)
    return;
  qsort(list, n, sizeof(*list), older_first);
  for (size_t i = 0; i <= n - HR_SC_CACHE_MAX_ENTRIES; i++)
    (void)unlinkat(dirfd, list[i].name, 0);
}

void hr_seccomp__cache_store(int dirfd, const char *key, size_t key_len, const char *buf,
                             size_t len, const struct hr_seccomp_filter *f)
{
  struct wbuf w = {0};
  struct hr_error ignored = {0};
  char name[17];

  if (key_len == 0 || key_len > HR_SC_CACHE_KEY_MAX)
    return;
  hr_seccomp__cache_entry_name(key, key_len, buf, len, name);
  put_entry(&w, key, key_len, buf, len, f);
  if (!w.bad && hr_replace_file_at(dirfd, name, w.p, w.len, 0600, &ignored) == 0)
    prune(dirfd, name);
  free(w.p);
}

/* ---- reading an entry --------------------------------------------------------------- */

struct rbuf {
  const char *p;
  size_t left;
  bool bad;
};

static const char *take(struct rbuf *r, size_t n)
{
  const char *p = r->p;

  if (r->bad || n > r->left) {
    r->bad = true;
    return NULL;
  }
  r->p += n;
  r->left -= n;
  return p;
}

/* Little-endian, as put_uint() wrote it; one load per field, not one per
 * byte: an entry is about a thousand fields, read on every create. */
static uint64_t get_uint(struct rbuf *r, size_t size, uint64_t max)
{
  const unsigned char *b = (const unsigned char *)take(r, size);
  uint64_t v = 0;
  uint32_t v32;
  uint16_t v16;

  if (b == NULL)
    return 0;
  switch (size) {
  case 1:
    v = b[0];
    break;
  case 2:
    memcpy(&v16, b, 2);
    v = le16toh(v16);
    break;
  case 4:
    memcpy(&v32, b, 4);
    v = le32toh(v32);
    break;
  case 8:
    memcpy(&v, b, 8);
    v = le64toh(v);
    break;
  default:
    for (size_t i = 0; i < size; i++)
      v |= (uint64_t)b[i] << (8 * i);
    break;
  }
  if (v > max) {
    r->bad = true;
    return 0;
  }
  return v;
}

static const char *get_name(struct rbuf *r)
{
  size_t n = (size_t)get_uint(r, 1, HR_SC_NAME_MAX);
  const char *s = take(r, n + 1);

  if (s == NULL || s[n] != '\0' || !hr_seccomp__name_well_formed(s, n)) {
    r->bad = true;
    return NULL;
  }
  return s;
}

/* An errno only where runc passes one on, as parsing requires. */
static bool errno_fits(enum hr_seccomp_action a, bool has, unsigned e)
{
  if (!has)
    return e == 0;
  return (a == HR_SCMP_ACT_ERRNO || a == HR_SCMP_ACT_TRACE) && e <= HR_SC_ERRNO_MAX;
}

static int get_args(struct rbuf *r, struct hr_seccomp_rule *rule)
{
  unsigned seen = 0;

  rule->args = calloc(rule->n_args, sizeof(*rule->args));
  if (rule->args == NULL)
    return -1;
  for (size_t k = 0; k < rule->n_args; k++) {
    struct hr_seccomp_arg *a = &rule->args[k];
    a->index = (unsigned)get_uint(r, 1, HR_SC_MAX_ARG);
    a->op = (enum hr_seccomp_op)get_uint(r, 1, HR_SCMP_CMP_MASKED_EQ);
    a->value = get_uint(r, 8, UINT64_MAX);
    a->value_two = get_uint(r, 8, UINT64_MAX);
    if (seen & (1u << a->index))
      return -1;
    seen |= 1u << a->index;
  }
  return r->bad ? -1 : 0;
}

static int get_rule(struct rbuf *r, struct hr_seccomp_rule *rule)
{
  rule->action = (enum hr_seccomp_action)get_uint(r, 1, HR_SCMP_ACT_LOG);
  rule->has_errno_ret = get_uint(r, 1, 1) != 0;
  rule->errno_ret = (unsigned)get_uint(r, 2, HR_SC_ERRNO_MAX);
  rule->index = (size_t)get_uint(r, 4, HR_SC_MAX_RULES - 1);
  rule->n_args = (size_t)get_uint(r, 1, HR_SC_MAX_ARG + 1);
  rule->n_names = (size_t)get_uint(r, 4, HR_SC_MAX_NAMES);
  if (r->bad || rule->n_names == 0 ||
      !errno_fits(rule->action, rule->has_errno_ret, rule->errno_ret))
    return -1;
  rule->names = calloc(rule->n_names, sizeof(*rule->names));
  rule->nrs = calloc(rule->n_names, sizeof(*rule->nrs));
  if (rule->names == NULL || rule->nrs == NULL)
    return -1;
  for (size_t j = 0; j < rule->n_names; j++) {
    rule->nrs[j] = (int)(int32_t)(uint32_t)get_uint(r, 4, UINT32_MAX);
    rule->names[j] = get_name(r);
  }
  if (r->bad)
    return -1;
  return get_args(r, rule);
}

static int get_archs(struct rbuf *r, struct hr_seccomp_filter *f)
{
  size_t n = (size_t)get_uint(r, 1, HR_SC_MAX_ARCHS);

  if (r->bad)
    return -1;
  f->archs = calloc(n + 1, sizeof(*f->archs));
  f->arch_tokens = calloc(n + 1, sizeof(*f->arch_tokens));
  if (f->archs == NULL || f->arch_tokens == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    uint32_t token = (uint32_t)get_uint(r, 4, UINT32_MAX);
    const char *name = hr_seccomp__arch_name(token);
    if (r->bad || name == NULL)
      return -1;
    f->arch_tokens[i] = token;
    f->archs[f->n_archs++] = name;
  }
  return 0;
}

/* Whole instructions only, and no more than the kernel loads; none at all
 * is an entry whose filter compiled to a program too long to keep. */
static int get_bpf(struct rbuf *r, struct hr_seccomp_filter *f)
{
  size_t n = (size_t)get_uint(r, 4, HR_SC_BPF_MAX);
  const char *p;

  if (r->bad || n % 8 != 0)
    return -1;
  if (n == 0)
    return 0;
  p = take(r, n);
  f->bpf = p != NULL ? malloc(n) : NULL;
  if (f->bpf == NULL)
    return -1;
  memcpy(f->bpf, p, n);
  f->bpf_len = n;
  return 0;
}

static int get_filter(struct rbuf *r, struct hr_seccomp_filter *f)
{
  size_t n;

  f->default_action = (enum hr_seccomp_action)get_uint(r, 1, HR_SCMP_ACT_LOG);
  f->has_default_errno_ret = get_uint(r, 1, 1) != 0;
  f->default_errno_ret = (unsigned)get_uint(r, 2, HR_SC_ERRNO_MAX);
  if (r->bad || !errno_fits(f->default_action, f->has_default_errno_ret, f->default_errno_ret) ||
      get_archs(r, f) < 0)
    return -1;
  n = (size_t)get_uint(r, 4, HR_SC_MAX_RULES);
  f->rules = calloc(n + 1, sizeof(*f->rules));
  if (r->bad || f->rules == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    /* Counted first, so that free() sees what was allocated so far. */
    f->n_rules++;
    if (get_rule(r, &f->rules[i]) < 0)
      return -1;
  }
  n = (size_t)get_uint(r, 4, HR_SC_MAX_NAMES);
  f->dropped = calloc(n + 1, sizeof(*f->dropped));
  if (r->bad || f->dropped == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    f->dropped[f->n_dropped++] = get_name(r);
  if (get_bpf(r, f) < 0)
    return -1;
  /* Trailing bytes are damage too. */
  return r->bad || r->left != 0 ? -1 : 0;
}

/* The entry's bytes, if the file is one only this euid could have written
 * and no one else can read. */
static char *read_entry(int dirfd, const char *name, size_t *ret_len)
{
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  struct stat st;
  size_t got = 0;

  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 077) != 0 || st.st_nlink != 1 || st.st_size < 16 ||
      (uintmax_t)st.st_size > CACHE_MAX_SIZE)
    return NULL;
  buf = malloc((size_t)st.st_size);
  if (buf == NULL)
    return NULL;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return NULL;
    got += (size_t)n;
  }
  *ret_len = got;
  return get_and_reset(&buf);
}

/* The header: magic, checksum, key, profile text, each as expected. */
static int check_head(struct rbuf *r, const char *key, size_t key_len, const char *buf, size_t len)
{
  const char *magic = take(r, sizeof(cache_magic));
  uint64_t sum = get_uint(r, 8, UINT64_MAX);
  const char *k, *text;

  if (magic == NULL || memcmp(magic, cache_magic, sizeof(cache_magic)) != 0 ||
      sum != hash_bytes(0, r->p, r->left) || get_uint(r, 4, HR_SC_CACHE_KEY_MAX) != key_len)
    return -1;
  k = take(r, key_len);
  if (k == NULL || memcmp(k, key, key_len) != 0 || get_uint(r, 4, HR_SC_FILE_MAX_SIZE) != len)
    return -1;
  text = take(r, len);
  return text != NULL && memcmp(text, buf, len) == 0 ? 0 : -1;
}

int hr_seccomp__cache_load(int dirfd, const char *key, size_t key_len, const char *buf, size_t len,
                           struct hr_seccomp_filter **ret)
{
  struct hr_seccomp_filter *f;
  size_t entry_len = 0;
  struct rbuf r;
  char name[17];
  char *entry;

  if (key_len == 0 || key_len > HR_SC_CACHE_KEY_MAX)
    return -1;
  hr_seccomp__cache_entry_name(key, key_len, buf, len, name);
  entry = read_entry(dirfd, name, &entry_len);
  if (entry == NULL)
    return -1;
  r = (struct rbuf){.p = entry, .left = entry_len};
  f = calloc(1, sizeof(*f));
  if (f == NULL) {
    free(entry);
    return -1;
  }
  /* The filter's names point into the entry from here on. */
  f->blob = entry;
  f->from_cache = true;
  if (check_head(&r, key, key_len, buf, len) < 0 || get_filter(&r, f) < 0) {
    hr_seccomp_filter_free(f);
    return -1;
  }
  *ret = f;
  return 0;
}
