/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving host paths as the kernel will when runc mounts them.
 *
 * realpath(3) asks the kernel about every component of every path it is
 * given.  A policy apply resolves each bind source, the rootfs and every
 * entry of the host-mounts lists, and these share their leading
 * directories: "/usr" alone is looked up a dozen times per create.  Within
 * one apply the answers are kept, keyed by the canonical path asked about,
 * so that each directory costs one system call.  The walk is realpath's:
 * "." and ".." are taken on the resolved path, a symlink's target is
 * spliced in front of what remains (absolute targets restart at "/"), more
 * than 40 links is ELOOP, a non-directory followed by anything is ENOTDIR.
 * Outside an apply nothing is kept: a file system that changes between two
 * applies is seen as it is.
 *
 * The mount table tells where a resolved path lies in its filesystem: it is
 * read once per apply, and shared with the cgroup check.
 *
 * A mount destination is resolved in the rootfs instead, as runc resolves
 * it before it mounts: the readonly-rootfs control orders its tmpfs
 * mounts by where the spec's mounts really land. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hardrun/json.h"
#include "hardrun/refusals.h"
#include "hardrun/utils.h"

#define MEMO_BUCKETS 1024
#define MEMO_MAX     4096 /* entries; beyond it paths are looked up afresh */
#define MAX_LINKS    40

/* What the kernel said about one canonical path. */
struct memo_entry {
  struct memo_entry *next;
  struct memo_entry *all_next; /* every kept entry, for freeing them */
  int error;                   /* 0: it exists */
  mode_t type;                 /* S_IFMT bits, when it exists */
  mode_t perm;                 /* the other bits of st_mode */
  uid_t uid;
  struct hr_file_id id; /* when it exists */
  char *target;         /* a symlink's target, else NULL */
  size_t len;
  char path[];
};

static struct {
  bool active;
  size_t n;
  struct memo_entry *all;
  struct memo_entry *buckets[MEMO_BUCKETS];
} memo;

/* One line of /proc/self/mountinfo: what a mount shows, and where. */
struct mount_line {
  const char *point; /* where it is mounted, unescaped */
  const char *root;  /* the directory of its filesystem it shows */
  size_t point_len;
  dev_t dev;
};

/* The mount table, read once per apply when first asked (kept like the
 * memo), or for each question outside one.  `raw` is the text as read
 * (for the cgroup check); the lines point into `buf`, a copy. */
static struct {
  bool read;
  struct mount_line *m;
  size_t n;
  size_t *slot; /* hash of mount points: index + 1, 0 empty */
  size_t n_slots;
  char *raw, *buf;
} mounts;

static void mounts_free(void)
{
  free(mounts.m);
  free(mounts.slot);
  free(mounts.raw);
  free(mounts.buf);
  mounts = (typeof(mounts)){0};
}

/* Eight bytes at a time: every component of every path asked about is
 * hashed whole, and paths below a rootfs share a long prefix. */
static size_t hash_path(const char *p, size_t len)
{
  uint64_t h = len, w;

  for (; len >= 8; p += 8, len -= 8) {
    memcpy(&w, p, 8);
    h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
    h ^= h >> 29;
  }
  w = 0;
  memcpy(&w, p, len);
  h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
  return (size_t)(h >> 32);
}

void hr_host_resolve_begin(void)
{
  hr_host_resolve_end();
  memo.active = true;
}

/* Walks the kept entries, not the buckets: most of the 1024 are empty,
 * and an apply begins with this too. */
void hr_host_resolve_end(void)
{
  struct memo_entry *e = memo.all, *next;

  for (; e != NULL; e = next) {
    next = e->all_next;
    free(e->target);
    free(e);
  }
  if (memo.n > 0)
    memset(memo.buckets, 0, sizeof(memo.buckets));
  memo.all = NULL;
  memo.n = 0;
  memo.active = false;
  mounts_free();
}

static const struct memo_entry *memo_find(const char *path, size_t len)
{
  if (!memo.active)
    return NULL;
  for (const struct memo_entry *e = memo.buckets[hash_path(path, len) % MEMO_BUCKETS]; e != NULL;
       e = e->next)
    if (e->len == len && memcmp(e->path, path, len) == 0)
      return e;
  return NULL;
}

static void entry_free(struct memo_entry **e)
{
  if (*e != NULL) {
    free((*e)->target);
    free(*e);
  }
}

/* What the kernel says about `path`: the apply's memo, else a lookup,
 * kept in the memo when an apply is running.  An answer the memo does not
 * keep is also put in *ret_free, for the caller to free.  NULL when out of
 * memory. */
static const struct memo_entry *ask(const char *path, size_t len, struct memo_entry **ret_free)
{
  const struct memo_entry *found = memo_find(path, len);
  struct memo_entry *e;
  struct stat st;

  *ret_free = NULL;
  if (found != NULL)
    return found;
  if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
    return NULL;
  memcpy(e->path, path, len + 1);
  e->len = len;
  if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    e->error = errno;
  } else if (S_ISLNK(st.st_mode)) {
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf));
    e->type = S_IFLNK;
    if (n < 0 || (size_t)n >= sizeof(buf)) {
      e->error = n < 0 ? errno : ENAMETOOLONG;
    } else if ((e->target = strndup(buf, (size_t)n)) == NULL) {
      free(e);
      return NULL;
    }
  } else {
    e->type = st.st_mode & S_IFMT;
  }
  e->id = (struct hr_file_id){st.st_dev, st.st_ino};
  e->perm = st.st_mode & ~(mode_t)S_IFMT;
  e->uid = st.st_uid;
  if (!memo.active || memo.n >= MEMO_MAX) {
    *ret_free = e;
  } else {
    size_t b = hash_path(path, len) % MEMO_BUCKETS;
    e->next = memo.buckets[b];
    memo.buckets[b] = e;
    e->all_next = memo.all;
    memo.all = e;
    memo.n++;
  }
  return e;
}

/* rest becomes `target`, then "/" and `tail` when the link was followed
 * by a slash (which keeps the demand that the target be a directory). */
static int splice_target(char *rest, const char *target, const char *tail, bool slash)
{
  char buf[PATH_MAX];
  size_t tlen = strlen(target), rlen = strlen(tail);

  if (tlen + 1 + rlen >= sizeof(buf))
    return -ENAMETOOLONG;
  memcpy(buf, target, tlen);
  if (slash) {
    buf[tlen] = '/';
    memcpy(buf + tlen + 1, tail, rlen + 1);
  } else {
    buf[tlen] = '\0';
  }
  memcpy(rest, buf, strlen(buf) + 1);
  return 0;
}

/* Whether the directory `out` (its first `len` bytes, "" for "/") is on
 * procfs: its links (self, cwd, root, fd/N...) name the process that
 * follows them.  Asked only when a link is followed, which few paths do. */
static bool dir_on_proc(const char *out, size_t len)
{
  char dir[PATH_MAX];
  struct statfs sfs;

  if (len == 0)
    return false;
  memcpy(dir, out, len);
  dir[len] = '\0';
  return statfs(dir, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* Told of each entry a walk looks up: `out` is its path, the first
 * `dlen` bytes of which are its directory ("" for "/").  Non-zero stops
 * the walk with that value. */
struct walk {
  int links;
  char *proc_link;
  int (*visit)(struct walk *w, const char *out, size_t dlen, const struct memo_entry *e);
};

/* One component of `rest` (from *pos) appended to `out` (length *olen):
 * 0 when done with it, or a negative errno.  `w->proc_link`, when not NULL
 * and still "", gets the path of a link followed on procfs. */
static int step(char *out, size_t *olen, char *rest, size_t *pos, struct walk *w)
{
  const char *c = rest + *pos;
  size_t clen = strcspn(c, "/");
  __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
  const struct memo_entry *found;
  bool more;
  int r = 0;

  *pos += clen;
  while (rest[*pos] == '/')
    (*pos)++;
  if (clen == 0 || (clen == 1 && c[0] == '.'))
    return 0;
  if (clen == 2 && c[0] == '.' && c[1] == '.') {
    while (*olen > 0 && out[--(*olen)] != '/')
      ;
    out[*olen] = '\0';
    return 0;
  }
  if (*olen + 1 + clen >= PATH_MAX)
    return -ENAMETOOLONG;
  out[*olen] = '/';
  memcpy(out + *olen + 1, c, clen);
  out[*olen + 1 + clen] = '\0';
  more = rest[*pos] != '\0' || c[clen] == '/';
  if ((found = ask(out, *olen + 1 + clen, &unkept)) == NULL)
    return -ENOMEM;
  if (w->visit != NULL && (r = w->visit(w, out, *olen, found)) != 0)
    return r;
  if (found->error != 0) {
    r = -found->error;
  } else if (found->target != NULL) {
    if (++w->links > MAX_LINKS) {
      r = -ELOOP;
    } else {
      if (w->proc_link != NULL && w->proc_link[0] == '\0' && dir_on_proc(out, *olen))
        memcpy(w->proc_link, out, *olen + 1 + clen + 1);
      /* An absolute target starts again at "/", a relative one at the
       * link's directory. */
      r = splice_target(rest, found->target, rest + *pos, c[clen] == '/');
      *pos = 0;
      if (found->target[0] == '/')
        *olen = 0;
      out[*olen] = '\0';
    }
  } else if (more && found->type != S_IFDIR) {
    r = -ENOTDIR;
  } else {
    *olen += 1 + clen;
  }
  return r;
}

/* An absolute `path` resolved into `ret` (PATH_MAX bytes) as the kernel
 * would, telling `w` of each entry: 0, a negative errno, or what the
 * visitor stopped with. */
static int walk_path(const char *path, char *ret, struct walk *w)
{
  char rest[PATH_MAX];
  size_t olen = 0, pos = 0, plen = strlen(path);

  if (plen >= sizeof(rest))
    return -ENAMETOOLONG;
  memcpy(rest, path, plen + 1);
  ret[0] = '\0';
  while (rest[pos] != '\0') {
    int r = step(ret, &olen, rest, &pos, w);
    if (r != 0)
      return r;
  }
  if (olen == 0)
    strcpy(ret, "/");
  return 0;
}

int hr_host_realpath_via(const char *path, char *ret, char *ret_proc_link)
{
  struct walk w = {.proc_link = ret_proc_link};

  if (ret_proc_link != NULL)
    ret_proc_link[0] = '\0';
  if (path[0] != '/')
    /* Relative to the working directory: realpath knows it. */
    return realpath(path, ret) != NULL ? 0 : -errno;
  return walk_path(path, ret, &w);
}

int hr_host_realpath(const char *path, char *ret)
{
  return hr_host_realpath_via(path, ret, NULL);
}

/* ---- who else could change a file before the runtime reads it ------------------- */

struct writers {
  struct walk w; /* first: the visitor is handed &w */
  uid_t euid;
  /* the directory the last entry was found in, as looked up */
  char dir[PATH_MAX];
  uid_t dir_uid;
  mode_t dir_perm;
  /* what makes the path unsafe: a directory, or an entry of a sticky one */
  char culprit[PATH_MAX];
  uid_t uid;
  mode_t perm;
  bool sticky_entry;
  /* the last entry looked up: the file itself, at the end of a walk */
  char last[PATH_MAX];
  int last_error;
  uid_t last_uid;
  mode_t last_perm;
};

static bool trusted(const struct writers *x, uid_t uid)
{
  return uid == 0 || uid == x->euid;
}

/* The directory an entry is looked up in must be one only root (or this
 * euid) can change: owned by them and writable by nobody else, or sticky,
 * where others may only rename what they own. */
static int visit_writers(struct walk *w, const char *out, size_t dlen, const struct memo_entry *e)
{
  struct writers *x = (struct writers *)w;
  __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
  const struct memo_entry *d;
  size_t n = dlen > 0 ? dlen : 1;

  if (strlen(out) < sizeof(x->last)) {
    memcpy(x->last, out, strlen(out) + 1);
    x->last_error = e->error;
    x->last_uid = e->uid;
    x->last_perm = e->perm;
  }
  if (strlen(x->dir) != n || memcmp(x->dir, dlen > 0 ? out : "/", n) != 0) {
    memcpy(x->dir, dlen > 0 ? out : "/", n);
    x->dir[n] = '\0';
    if ((d = ask(x->dir, n, &unkept)) == NULL)
      return -ENOMEM;
    if (d->error != 0)
      return -d->error;
    x->dir_uid = d->uid;
    x->dir_perm = d->perm;
  }
  x->sticky_entry = trusted(x, x->dir_uid) && (x->dir_perm & S_ISVTX) && e->error == 0;
  if (trusted(x, x->dir_uid) &&
      (!(x->dir_perm & (S_IWGRP | S_IWOTH)) || (x->sticky_entry && trusted(x, e->uid)))) {
    /* Mostly the next entry's directory: spare looking it up again. */
    if (e->error == 0 && e->type == S_IFDIR && strlen(out) < sizeof(x->dir)) {
      memcpy(x->dir, out, strlen(out) + 1);
      x->dir_uid = e->uid;
      x->dir_perm = e->perm;
    }
    return 0;
  }
  memcpy(x->culprit, x->sticky_entry ? out : x->dir, strlen(x->sticky_entry ? out : x->dir) + 1);
  x->uid = x->sticky_entry ? e->uid : x->dir_uid;
  x->perm = x->dir_perm;
  return 1;
}

static int writers_found(const struct writers *x, const char *what, struct hr_error *err)
{
  const char *later = "after hardrun's check, before the runtime reads it; keep it where only "
                      "root can write";

  if (x->sticky_entry)
    return hr_error_refused(err,
                            "`%s` belongs to uid %u, who may move it out of the sticky directory "
                            "above it and put another %s in its place %s",
                            x->culprit, (unsigned)x->uid, what, later);
  if (!trusted(x, x->uid))
    return hr_error_refused(err, "`%s` belongs to uid %u, who could put another %s in its place %s",
                            x->culprit, (unsigned)x->uid, what, later);
  return hr_error_refused(err,
                          "`%s` is writable by its group or others (mode %04o), who could put "
                          "another %s in its place %s",
                          x->culprit, (unsigned)(x->perm & 07777), what, later);
}

int hr_host_sole_writer(const char *path, const char *what, struct hr_error *err)
{
  struct writers x = {.w.visit = visit_writers, .euid = geteuid()};
  __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
  cleanup_free char *abs = NULL, *cwd = NULL;
  char res[PATH_MAX];
  const struct memo_entry *f;
  int r;

  if (path[0] != '/') {
    if ((cwd = getcwd(NULL, 0)) == NULL)
      return hr_error_sys(err, "getcwd");
    if ((abs = hr_strjoin(cwd, "/", path, err)) == NULL)
      return -1;
  }
  r = walk_path(abs != NULL ? abs : path, res, &x.w);
  if (r > 0)
    return writers_found(&x, what, err);
  if (r == -ENOMEM)
    return hr_error_oom(err);
  /* Asked after the file was read: a path that does not resolve now was
   * moved meanwhile, or is too long for this walk (PATH_MAX) while the
   * readers, which open the file from its directory, still reach it.
   * Either way nothing is known of who else may write there. */
  if (r < 0)
    return hr_error_refused(err,
                            "`%.256s%s` cannot be judged (%s): who else could put another %s "
                            "in its place is not known",
                            abs != NULL ? abs : path,
                            strlen(abs != NULL ? abs : path) > 256 ? "..." : "", strerror(-r),
                            what);
  if (strcmp(x.last, res) != 0) {
    if ((f = ask(res, strlen(res), &unkept)) == NULL)
      return hr_error_oom(err);
    x.last_error = f->error;
    x.last_uid = f->uid;
    x.last_perm = f->perm;
  }
  if (x.last_error != 0 || (trusted(&x, x.last_uid) && !(x.last_perm & (S_IWGRP | S_IWOTH))))
    return 0;
  if (!trusted(&x, x.last_uid))
    return hr_error_refused(err,
                            "`%s` belongs to uid %u, who could change it after hardrun's check, "
                            "before the runtime reads it; keep it where only root can write",
                            res, (unsigned)x.last_uid);
  return hr_error_refused(err,
                          "`%s` is writable by its group or others (mode %04o), who could change "
                          "it after hardrun's check, before the runtime reads it",
                          res, (unsigned)(x.last_perm & 07777));
}

mode_t hr_host_file_type(const char *path)
{
  __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
  const struct memo_entry *found = ask(path, strlen(path), &unkept);

  return found != NULL && found->error == 0 ? found->type : 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
  char *o = s;

  for (; *s != '\0'; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      *o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
      s += 3;
      continue;
    }
    *o++ = *s;
  }
  *o = '\0';
}

/* The next space-separated field of *p, NUL terminated in place. */
static char *next_field(char **p)
{
  char *f = *p, *sp;

  if (f == NULL || *f == '\0')
    return NULL;
  sp = strchr(f, ' ');
  if (sp != NULL)
    *sp++ = '\0';
  *p = sp;
  return f;
}

static bool parse_dev(const char *f, dev_t *ret)
{
  char *end;
  unsigned long maj = strtoul(f, &end, 10), min;

  if (end == f || *end != ':')
    return false;
  min = strtoul(end + 1, &end, 10);
  if (*end != '\0' || maj > UINT32_MAX || min > UINT32_MAX)
    return false;
  *ret = makedev((unsigned)maj, (unsigned)min);
  return true;
}

/* "ID PARENT MAJOR:MINOR ROOT POINT ...", in place. */
static bool parse_mount_line(char *line, struct mount_line *ret)
{
  char *f[5];

  for (size_t i = 0; i < 5; i++)
    if ((f[i] = next_field(&line)) == NULL)
      return false;
  if (!parse_dev(f[2], &ret->dev) || f[3][0] != '/' || f[4][0] != '/')
    return false;
  if (strchr(f[3], '\\') != NULL)
    unescape(f[3]);
  if (strchr(f[4], '\\') != NULL)
    unescape(f[4]);
  ret->root = f[3];
  ret->point = f[4];
  /* "/" as the empty prefix: every absolute path is below it. */
  ret->point_len = strcmp(f[4], "/") == 0 ? 0 : strlen(f[4]);
  return true;
}

/* Mount points hashed, the later line winning: a mount made later on the
 * same point hides the earlier. */
static int mounts_index(void)
{
  mounts.n_slots = 2 * mounts.n + 1;
  if ((mounts.slot = calloc(mounts.n_slots, sizeof(size_t))) == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < mounts.n; i++) {
    const struct mount_line *m = &mounts.m[i];
    size_t k = hash_path(m->point, m->point_len) % mounts.n_slots;
    while (mounts.slot[k] != 0) {
      const struct mount_line *o = &mounts.m[mounts.slot[k] - 1];
      if (o->point_len == m->point_len && memcmp(o->point, m->point, m->point_len) == 0)
        break;
      k = (k + 1) % mounts.n_slots;
    }
    mounts.slot[k] = i + 1;
  }
  return 0;
}

/* The table from `raw` (malloc'ed, taken over). */
static int mounts_parse(char *raw)
{
  size_t cap = 0;
  char *line, *rest;

  mounts.raw = raw;
  if ((mounts.buf = strdup(mounts.raw)) == NULL)
    goto oom;
  for (rest = mounts.buf; (line = rest) != NULL && *line != '\0';) {
    char *nl = strchr(line, '\n');
    rest = nl != NULL ? nl + 1 : NULL;
    if (nl != NULL)
      *nl = '\0';
    if (mounts.n == cap) {
      struct mount_line *m = reallocarray(mounts.m, cap = cap ? 2 * cap : 64, sizeof(*m));
      if (m == NULL)
        goto oom;
      mounts.m = m;
    }
    if (parse_mount_line(line, &mounts.m[mounts.n]))
      mounts.n++;
  }
  if (mounts_index() < 0)
    goto oom;
  mounts.read = true;
  return 0;
oom:
  mounts_free();
  return -ENOMEM;
}

static int mounts_read(void)
{
  size_t len;
  struct hr_error err = {0};
  char *raw = NULL;

  if (mounts.read)
    return 0;
  /* A node running thousands of containers has a long table. */
  if (hr_read_file("/proc/self/mountinfo", 64u << 20, &raw, &len, &err) < 0)
    return -(err.code ? err.code : EIO);
  return mounts_parse(raw);
}

int hr_host__mounts_use(const char *text)
{
  char *raw = strdup(text);

  mounts_free();
  return raw == NULL ? -ENOMEM : mounts_parse(raw);
}

/* The mount `path` (absolute, clean) lies in: its longest prefix, taken
 * at each "/", that is a mount point. */
static const struct mount_line *mount_of(const char *path)
{
  size_t len = strlen(path);

  for (;;) {
    size_t k = hash_path(path, len) % mounts.n_slots;
    for (; mounts.slot[k] != 0; k = (k + 1) % mounts.n_slots) {
      const struct mount_line *m = &mounts.m[mounts.slot[k] - 1];
      if (m->point_len == len && memcmp(m->point, path, len) == 0)
        return m;
    }
    if (len == 0)
      return NULL;
    while (len > 0 && path[--len] != '/')
      ;
  }
}

/* The mount `path` (absolute) lies in, in *ret (NULL when none), with the
 * table read; mounts_done() after use.  0 or a negative errno. */
static int mount_lookup(const char *path, const struct mount_line **ret)
{
  int r;

  if (path[0] != '/')
    return -EINVAL;
  if ((r = mounts_read()) < 0)
    return r;
  *ret = mount_of(strcmp(path, "/") == 0 ? "" : path);
  return 0;
}

/* Outside an apply the table is read for each question. */
static void mounts_done(void)
{
  if (!memo.active)
    mounts_free();
}

int hr_host_fs_path(const char *path, dev_t *ret_dev, char *ret)
{
  const struct mount_line *m;
  const char *rest;
  int r;

  if ((r = mount_lookup(path, &m)) < 0)
    return r;
  if (m == NULL) {
    r = -ENOENT;
  } else {
    rest = path + m->point_len;
    if (strcmp(rest, "/") == 0)
      rest = "";
    if (strcmp(m->root, "/") == 0 && rest[0] != '\0')
      r = snprintf(ret, PATH_MAX, "%s", rest);
    else
      r = snprintf(ret, PATH_MAX, "%s%s", m->root, rest);
    r = r >= PATH_MAX ? -ENAMETOOLONG : 0;
    *ret_dev = m->dev;
  }
  mounts_done();
  return r;
}

int hr_host_mount_point(const char *path)
{
  const struct mount_line *m;
  int r;

  if ((r = mount_lookup(path, &m)) < 0)
    return r;
  r = m != NULL && m->point_len == (strcmp(path, "/") == 0 ? 0 : strlen(path));
  mounts_done();
  return r;
}

int hr_host_submounts(const char *path,
                      int (*fn)(void *arg, const char *point, dev_t dev, const char *root),
                      void *arg)
{
  size_t len = strcmp(path, "/") == 0 ? 0 : strlen(path);
  int r;

  if (path[0] != '/')
    return -EINVAL;
  if ((r = mounts_read()) < 0)
    return r;
  for (size_t i = 0; i < mounts.n && r == 0; i++) {
    const struct mount_line *m = &mounts.m[i];
    if (m->point_len > len && memcmp(m->point, path, len) == 0 && m->point[len] == '/')
      r = fn(arg, m->point, m->dev, m->root);
  }
  mounts_done();
  return r;
}

int hr_host_mounts_ready(void)
{
  int r = mounts_read();

  if (!memo.active)
    mounts_free();
  return r;
}

int hr_host_mountinfo(const char **ret, char **ret_owned)
{
  int r;

  *ret_owned = NULL;
  if ((r = mounts_read()) < 0)
    return r;
  *ret = mounts.raw;
  if (!memo.active) {
    /* Nothing is kept outside an apply: the caller frees the text. */
    *ret_owned = mounts.raw;
    mounts.raw = NULL;
    mounts_free();
  }
  return 0;
}

bool hr_host_file_id(const char *path, struct hr_file_id *ret)
{
  __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
  const struct memo_entry *found = ask(path, strlen(path), &unkept);

  if (found == NULL || found->error != 0)
    return false;
  *ret = found->id;
  return true;
}

/* ---- paths inside a rootfs ------------------------------------------------------- */

/* filepath-securejoin's limit, which runc 1.1 resolves destinations with. */
#define SECUREJOIN_MAX_LINKS 255

int hr_rootfs_resolve(const char *rootfs, const char *path, char **ret, struct hr_error *err)
{
  char rest[PATH_MAX], host[PATH_MAX];
  size_t rlen = strlen(rootfs), clen = 0, pos = 0;
  size_t missing = SIZE_MAX; /* cur[0..missing) exists, the next name does not */
  char *cur = host + rlen;   /* the path inside, clean, "" for the root */
  int links = 0;

  *ret = NULL;
  while (rlen > 0 && rootfs[rlen - 1] == '/')
    cur = host + --rlen;
  if (strlen(path) >= sizeof(rest) || rlen >= sizeof(host))
    return hr_error_set(err, HR_ERR_SYSTEM, ENAMETOOLONG, "cannot resolve");
  memcpy(host, rootfs, rlen);
  memcpy(rest, path, strlen(path) + 1);
  cur[0] = '\0';
  while (rest[pos] != '\0') {
    __attribute__((cleanup(entry_free))) struct memo_entry *unkept = NULL;
    const struct memo_entry *found;
    const char *c = rest + pos;
    size_t n = strcspn(c, "/");

    pos += n;
    while (rest[pos] == '/')
      pos++;
    if (n == 0 || (n == 1 && c[0] == '.'))
      continue;
    if (n == 2 && c[0] == '.' && c[1] == '.') {
      /* lexical, and never above the root */
      while (clen > 0 && cur[--clen] != '/')
        ;
      cur[clen] = '\0';
      if (clen <= missing)
        missing = SIZE_MAX;
      continue;
    }
    if (rlen + clen + 1 + n >= sizeof(host))
      return hr_error_set(err, HR_ERR_SYSTEM, ENAMETOOLONG, "cannot resolve");
    cur[clen] = '/';
    memmove(cur + clen + 1, c, n);
    cur[clen + 1 + n] = '\0';
    /* Nothing exists below a missing directory: no lookup, no link. */
    if (clen > missing) {
      clen += 1 + n;
      continue;
    }
    if ((found = ask(host, rlen + clen + 1 + n, &unkept)) == NULL)
      return hr_error_oom(err);
    /* A missing component is taken as it is written, as securejoin does;
     * runc makes it when it mounts. */
    if (found->error != 0 && found->error != ENOENT)
      return hr_error_set(err, HR_ERR_SYSTEM, found->error, "cannot resolve");
    if (found->error == ENOENT)
      missing = clen;
    if (found->target == NULL) {
      clen += 1 + n;
      continue;
    }
    if (++links > SECUREJOIN_MAX_LINKS)
      return hr_error_set(err, HR_ERR_SYSTEM, ELOOP, "cannot resolve");
    /* The target goes in front of what remains; an absolute one starts
     * again at the rootfs' root. */
    if (splice_target(rest, found->target, rest + pos, true) < 0)
      return hr_error_set(err, HR_ERR_SYSTEM, ENAMETOOLONG, "cannot resolve");
    pos = 0;
    if (found->target[0] == '/')
      clen = 0;
    cur[clen] = '\0';
  }
  *ret = hr_strdup(clen == 0 ? "/" : cur, err);
  return *ret == NULL ? -1 : 0;
}
