/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The id pool and the table of slices in use (see hardrun/userns.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/json.h"
#include "hardrun/rundir.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

#define USERNS_DIR       "userns"
#define USERNS_TABLE     "slices.json"
#define USERNS_LOCK      "lock"
#define USERNS_TABLE_MAX (16u * 1024 * 1024)

/* ---- subid files --------------------------------------------------------- */

static int subid_line(const char *s, const char *eol, const char *file, unsigned lineno,
                      const char *user, struct hr_idrange *ret, bool *mine, struct hr_error *err)
{
  const char *c1 = memchr(s, ':', (size_t)(eol - s));
  const char *c2 = c1 != NULL ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
  uint64_t start, count;

  if (c1 == NULL || c2 == NULL || c1 == s ||
      hr_parse_u64(c1 + 1, (size_t)(c2 - c1 - 1), &start) < 0 ||
      hr_parse_u64(c2 + 1, (size_t)(eol - c2 - 1), &count) < 0)
    return hr_error_profile(err, "%s:%u: expected NAME:START:COUNT", file, lineno);
  *mine = (size_t)(c1 - s) == strlen(user) && memcmp(s, user, strlen(user)) == 0;
  if (!*mine)
    return 0;
  /* uid 0 is host root and 4294967295 is (uid_t)-1, "no id", to the kernel.
   * Each bound first: a sum that wraps in 64 bits would pass. */
  if (start == 0 || count == 0 || start > UINT32_MAX || count > UINT32_MAX ||
      start + count > UINT32_MAX)
    return hr_error_profile(err,
                            "%s:%u: range %" PRIu64 ":%" PRIu64 " of %s is not usable: "
                            "it must lie within 1..4294967294",
                            file, lineno, start, count, user);
  *ret = (struct hr_idrange){(uint32_t)start, (uint32_t)count};
  return 0;
}

int hr_subid_parse(const char *buf, size_t len, const char *file, const char *user,
                   struct hr_idrange **ret, size_t *ret_n, struct hr_error *err)
{
  cleanup_free struct hr_idrange *out = NULL;
  const char *s = buf, *end = buf + len;
  size_t n = 0;
  unsigned lineno = 0;

  *ret = NULL;
  *ret_n = 0;
  out = hr_calloc(HR_USERNS_MAX_RANGES, sizeof(*out), err);
  if (out == NULL)
    return -1;
  while (s < end) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    struct hr_idrange r;
    bool mine = false;

    if (eol == NULL)
      eol = end;
    lineno++;
    /* Blank lines and '#' comments: shadow-utils skips them too. */
    if (eol > s && *s != '#' && subid_line(s, eol, file, lineno, user, &r, &mine, err) < 0)
      return -1;
    if (mine && n == HR_USERNS_MAX_RANGES)
      return hr_error_profile(err, "%s:%u: more than %u ranges for %s", file, lineno,
                              HR_USERNS_MAX_RANGES, user);
    if (mine)
      out[n++] = r;
    s = eol + 1;
  }
  *ret = get_and_reset(&out);
  *ret_n = n;
  return 0;
}

static int cut(const struct hr_idrange *r, size_t n, uint32_t size, uint32_t *out, size_t max)
{
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    for (uint64_t off = 0; off + size <= r[i].count && k < max; off += size)
      out[k++] = r[i].start + (uint32_t)off;
  return (int)k;
}

int hr_userns_slots(const struct hr_idrange *uids, size_t n_uids, const struct hr_idrange *gids,
                    size_t n_gids, uint32_t size, struct hr_userns_slot **ret, size_t *ret_n,
                    struct hr_error *err)
{
  cleanup_free uint32_t *u = hr_calloc(HR_USERNS_MAX_SLICES, sizeof(*u), err);
  cleanup_free uint32_t *g = hr_calloc(HR_USERNS_MAX_SLICES, sizeof(*g), err);
  struct hr_userns_slot *out;
  int nu, ng, n;

  *ret = NULL;
  *ret_n = 0;
  if (u == NULL || g == NULL)
    return -1;
  if (size == 0)
    return hr_error_profile(err, "userNamespace.size must be at least 1");
  nu = cut(uids, n_uids, size, u, HR_USERNS_MAX_SLICES);
  ng = cut(gids, n_gids, size, g, HR_USERNS_MAX_SLICES);
  n = nu < ng ? nu : ng;
  if (n == 0)
    return 0;
  out = hr_calloc((size_t)n, sizeof(*out), err);
  if (out == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    out[i] = (struct hr_userns_slot){u[i], g[i]};
  *ret = out;
  *ret_n = (size_t)n;
  return 0;
}

/* ---- the table ------------------------------------------------------------ */

static void slice_free(struct hr_userns_slice *s)
{
  for (size_t i = 0; i < s->n_grants; i++)
    free(s->grants[i].path);
  free(s->grants);
  free(s->root);
  free(s->id);
}

void hr_userns_table_free(struct hr_userns_table *t)
{
  for (size_t i = 0; i < t->len; i++)
    slice_free(&t->items[i]);
  free(t->items);
  *t = (struct hr_userns_table){0};
}

static int get_u64(const struct hr_json *obj, const char *key, uint64_t max, uint64_t *ret)
{
  return hr_json_get_u64(hr_json_get(obj, key), ret) < 0 || *ret > max ? -1 : 0;
}

static char *get_str(const struct hr_json *obj, const char *key, struct hr_error *err)
{
  const struct hr_json *n = hr_json_get(obj, key);

  if (n == NULL || n->type != HR_JSON_STRING) {
    hr_error_input(err, "missing \"%s\"", key);
    return NULL;
  }
  return hr_strdup(n->u.string.s, err);
}

static int parse_grants(const struct hr_json *arr, struct hr_userns_slice *s, struct hr_error *err)
{
  if (arr == NULL)
    return 0;
  if (arr->type != HR_JSON_ARRAY || arr->u.array.len > HR_USERNS_MAX_ACL_ENTRIES)
    return hr_error_input(err, "\"acl\" must be an array of at most %u entries",
                          HR_USERNS_MAX_ACL_ENTRIES);
  s->grants = hr_calloc(arr->u.array.len + 1, sizeof(*s->grants), err);
  if (s->grants == NULL)
    return -1;
  for (size_t i = 0; i < arr->u.array.len; i++) {
    const struct hr_json *g = arr->u.array.items[i];
    struct hr_userns_grant *out = &s->grants[s->n_grants];

    if (get_u64(g, "dev", UINT64_MAX, &out->dev) < 0 ||
        get_u64(g, "ino", UINT64_MAX, &out->ino) < 0)
      return hr_error_input(err, "acl entry %zu: bad \"dev\" or \"ino\"", i);
    if ((out->path = get_str(g, "path", err)) == NULL)
      return -1;
    s->n_grants++;
  }
  return 0;
}

static int parse_slice(const struct hr_json *o, struct hr_userns_slice *s, struct hr_error *err)
{
  uint64_t uid, gid, size, pid;

  if (o->type != HR_JSON_OBJECT || get_u64(o, "uid", UINT32_MAX, &uid) < 0 ||
      get_u64(o, "gid", UINT32_MAX, &gid) < 0 || get_u64(o, "size", UINT32_MAX, &size) < 0 ||
      get_u64(o, "pid", INT32_MAX, &pid) < 0 ||
      get_u64(o, "pidStart", UINT64_MAX, &s->pid_start) < 0 || size == 0)
    return hr_error_input(err, "bad uid, gid, size, pid or pidStart");
  s->uid = (uint32_t)uid;
  s->gid = (uint32_t)gid;
  s->size = (uint32_t)size;
  s->pid = (int64_t)pid;
  if ((s->root = get_str(o, "root", err)) == NULL || (s->id = get_str(o, "id", err)) == NULL)
    return -1;
  return parse_grants(hr_json_get(o, "acl"), s, err);
}

/* The table is hardrun's own file in a root-only directory, so a malformed
 * one means a bug or tampering: it is refused, never guessed at, because a
 * slice dropped by guessing could be handed out twice. */
int hr_userns_table_parse(const char *buf, size_t len, const char *name,
                          struct hr_userns_table *ret, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.max_size = USERNS_TABLE_MAX, .name = name};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const struct hr_json *arr;
  struct hr_userns_table t = {0};

  *ret = (struct hr_userns_table){0};
  if (hr_json_parse(buf, len, &opts, &doc, err) < 0)
    return -1;
  arr = hr_json_get(hr_json_doc_root(doc), "slices");
  if (arr == NULL || arr->type != HR_JSON_ARRAY || arr->u.array.len > HR_USERNS_MAX_SLICES)
    return hr_error_input(err, "%s: expected {\"slices\": [...]}", name);
  t.items = hr_calloc(arr->u.array.len + 1, sizeof(*t.items), err);
  if (t.items == NULL)
    return -1;
  for (size_t i = 0; i < arr->u.array.len; i++) {
    if (parse_slice(arr->u.array.items[i], &t.items[t.len], err) < 0) {
      slice_free(&t.items[t.len]);
      hr_userns_table_free(&t);
      return hr_error_prefix(err, "%s: slice %zu", name, i);
    }
    t.len++;
  }
  *ret = t;
  return 0;
}

static int set_num(struct hr_json_doc *doc, struct hr_json *o, const char *k, uint64_t v,
                   struct hr_error *err)
{
  struct hr_json *n = hr_json_new_u64(doc, v, err);
  return n != NULL ? hr_json_set(doc, o, k, n, err) : -1;
}

static int set_str(struct hr_json_doc *doc, struct hr_json *o, const char *k, const char *v,
                   struct hr_error *err)
{
  struct hr_json *n = hr_json_new_string(doc, v, err);
  return n != NULL ? hr_json_set(doc, o, k, n, err) : -1;
}

static struct hr_json *slice_json(struct hr_json_doc *doc, const struct hr_userns_slice *s,
                                  struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err), *acl = hr_json_new_array(doc, err);

  if (o == NULL || acl == NULL || set_num(doc, o, "uid", s->uid, err) < 0 ||
      set_num(doc, o, "gid", s->gid, err) < 0 || set_num(doc, o, "size", s->size, err) < 0 ||
      set_str(doc, o, "root", s->root, err) < 0 || set_str(doc, o, "id", s->id, err) < 0 ||
      set_num(doc, o, "pid", (uint64_t)s->pid, err) < 0 ||
      set_num(doc, o, "pidStart", s->pid_start, err) < 0)
    return NULL;
  for (size_t i = 0; i < s->n_grants; i++) {
    struct hr_json *g = hr_json_new_object(doc, err);
    if (g == NULL || set_str(doc, g, "path", s->grants[i].path, err) < 0 ||
        set_num(doc, g, "dev", s->grants[i].dev, err) < 0 ||
        set_num(doc, g, "ino", s->grants[i].ino, err) < 0 ||
        hr_json_array_append(doc, acl, g, err) < 0)
      return NULL;
  }
  return hr_json_set(doc, o, "acl", acl, err) < 0 ? NULL : o;
}

int hr_userns_table_serialize(const struct hr_userns_table *t, char **ret, size_t *ret_len,
                              struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.name = USERNS_TABLE};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json *arr;

  if (hr_json_parse("{\"slices\":[]}", 13, &opts, &doc, err) < 0)
    return -1;
  arr = hr_json_get(hr_json_doc_root(doc), "slices");
  for (size_t i = 0; i < t->len; i++) {
    struct hr_json *o = slice_json(doc, &t->items[i], err);
    if (o == NULL || hr_json_array_append(doc, arr, o, err) < 0)
      return -1;
  }
  return hr_json_serialize(doc, ret, ret_len, err);
}

/* ---- liveness ------------------------------------------------------------- */

/* Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with
 * the pid it names one process for the life of the host. */
static int pid_start_time(int64_t pid, uint64_t *ret)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;

  snprintf(path, sizeof(path), "/proc/%" PRId64 "/stat", pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
    return -1;
  buf[n] = '\0';
  /* The command name may hold spaces and ')': skip to the last ')'. */
  p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ' || p[2] == 'Z')
    return -1;
  p += 2;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (p == NULL)
      return -1;
    p++;
  }
  return hr_parse_u64(p, strcspn(p, " "), ret);
}

bool hr_userns_slice_live(const struct hr_userns_slice *s)
{
  cleanup_free char *dir = NULL;
  struct hr_error ignored = {0};
  struct stat st;

  if (hr_asprintf(&dir, &ignored, "%s/%s", s->root, s->id) < 0)
    return true; /* cannot tell: keep it, never hand out ids twice */
  if (lstat(dir, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return true;
  } else if (errno != ENOENT && errno != ENOTDIR) {
    return true;
  }
  return hr_userns_pid_live(s->pid, s->pid_start);
}

bool hr_userns_pid_live(int64_t pid, uint64_t start)
{
  uint64_t now;

  return pid > 0 && pid_start_time(pid, &now) == 0 && now == start;
}

int hr_userns_current_start(uint64_t *ret)
{
  return pid_start_time((int64_t)getpid(), ret);
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
  return (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

int hr_userns_choose(const struct hr_userns_table *t, const struct hr_userns_slot *slots,
                     size_t n_slots, uint32_t size, bool (*live)(const struct hr_userns_slice *),
                     size_t *ret_index)
{
  for (size_t i = 0; i < n_slots; i++) {
    bool taken = false;
    for (size_t j = 0; j < t->len && !taken; j++) {
      const struct hr_userns_slice *s = &t->items[j];
      taken = (overlaps(slots[i].uid, size, s->uid, s->size) ||
               overlaps(slots[i].gid, size, s->gid, s->size)) &&
              (live == NULL || live(s));
    }
    if (!taken) {
      *ret_index = i;
      return 1;
    }
  }
  return 0;
}

/* ---- the locked state ----------------------------------------------------- */

int hr_userns_state_open(const char *state_dir, bool create, struct hr_userns_state *ret,
                         struct hr_error *err)
{
  cleanup_close int top = -1;
  cleanup_free char *buf = NULL;
  cleanup_free char *what = NULL;
  size_t len;

  *ret = (struct hr_userns_state){.dirfd = -1, .lockfd = -1};
  if (state_dir == NULL || state_dir[0] != '/')
    return hr_error_profile(err, "stateDir must be an absolute path");
  if (hr_asprintf(&what, err, "%s/%s", state_dir, USERNS_DIR) < 0)
    return -1;
  top = hr_rundir_open(AT_FDCWD, state_dir, state_dir, create, err);
  if (top < 0)
    return top;
  ret->dirfd = hr_rundir_open(top, USERNS_DIR, what, create, err);
  if (ret->dirfd < 0)
    return ret->dirfd;
  ret->lockfd = hr_rundir_lock(ret->dirfd, USERNS_LOCK, what, err);
  if (ret->lockfd < 0)
    goto fail;
  if (hr_read_file_at(ret->dirfd, USERNS_TABLE, USERNS_TABLE_MAX, &buf, &len, NULL, err) < 0) {
    if (err->code == ENOENT)
      return 0;
    goto fail;
  }
  if (hr_userns_table_parse(buf, len, USERNS_TABLE, &ret->table, err) < 0) {
    hr_error_prefix(err, "%s", what);
    goto fail;
  }
  return 0;

fail:
  hr_userns_state_close(ret);
  return -1;
}

int hr_userns_state_save(struct hr_userns_state *st, struct hr_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  if (hr_userns_table_serialize(&st->table, &text, &len, err) < 0)
    return -1;
  return hr_write_file_atomic_at(st->dirfd, USERNS_TABLE, text, len, 0600, (uid_t)-1, (gid_t)-1,
                                 err);
}

void hr_userns_state_close(struct hr_userns_state *st)
{
  hr_userns_table_free(&st->table);
  if (st->lockfd >= 0)
    close(st->lockfd);
  if (st->dirfd >= 0)
    close(st->dirfd);
  st->lockfd = st->dirfd = -1;
}
