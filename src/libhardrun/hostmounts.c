/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "host-mounts" rule: a bind mount (or any mount with a host path as
 * its source) must not expose the host's system directories, the container
 * runtimes' state or a container daemon's socket.
 *
 * Sources are resolved on the host as the kernel will resolve them when runc
 * mounts them (symlinks and ".." followed), and the resolved path is what is
 * matched, by its name and by where it lies in its filesystem (the mount
 * table), so that another mount of /etc is /etc.  Docker's and
 * containerd's own per-container files are recognised by their shape, so
 * that they keep working wherever the data root is. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hostmounts-internal.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

/* "/" matches itself only (every path is under it); an entry ending in "*"
 * matches any name that starts with the rest at that level ("/lib*": /lib,
 * /lib64, /libx32). */
static const char *const default_sensitive[] = {
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/lib*",
    "/root",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/run/containerd",
    "/var/run",
    /* root's crontab: written through a bind, a command run as root */
    "/var/spool/cron",
};

/* File names of container-daemon sockets: bound anywhere, they hand the
 * container the daemon, which is root on the host. */
static const char *const default_sockets[] = {
    "docker.sock", "containerd.sock", "containerd.sock.ttrpc",
    "crio.sock",   "podman.sock",     "buildkitd.sock",
};

/* Read-only exceptions by default: the init Docker binds for --init, and
 * the host's time zone, commonly shared with -v /etc/localtime:...:ro. */
static const char *const default_allow_ro[] = {
    "/usr/bin/docker-init",
    "/usr/sbin/docker-init",
    "/usr/local/bin/docker-init",
    "/usr/libexec/docker/docker-init",
    "/etc/localtime",
    "/etc/timezone",
};

/* The filesystems runc's, Docker's and containerd's specs give a container.
 * Any other is the host kernel's (binfmt_misc registers interpreters for
 * the whole host, debugfs and tracefs reach into the kernel, devtmpfs holds
 * every device node) or a host device's or server's. */
static const char *const container_fs[] = {"proc",  "sysfs",  "cgroup", "cgroup2",
                                           "tmpfs", "devpts", "mqueue", "overlay"};

/* ---- profile ------------------------------------------------------------------ */

static int sensitive_list(const struct hr_json_doc *profile, const struct hr_json *node,
                          struct hr_rule_hostmounts *r, struct hr_error *err)
{
  if (node == NULL)
    return hr_rule_strv_dup(default_sensitive, HR_ARRAY_SIZE(default_sensitive), &r->sensitive,
                            &r->n_sensitive, err);
  if (hr_profile_get_strv(profile, node, &r->sensitive, &r->n_sensitive, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_sensitive; i++) {
    char *s = r->sensitive[i], *clean;
    size_t n = strlen(s);
    bool star = n > 1 && s[n - 1] == '*';
    if (s[0] != '/' || (star && s[n - 2] == '/') || strchr(s, '*') != (star ? s + n - 1 : NULL))
      return hr_profile_error(profile, node->u.array.items[i], err,
                              "hostMounts.sensitive[%zu]: expected an absolute path, "
                              "optionally ending in a name prefix and \"*\"",
                              i);
    if (star)
      s[n - 1] = '\0';
    clean = hr_path_clean(s, err);
    if (clean == NULL)
      return -1;
    free(r->sensitive[i]);
    r->sensitive[i] = NULL;
    if (star && hr_asprintf(&r->sensitive[i], err, "%s*", clean) < 0) {
      free(clean);
      return -1;
    }
    if (!star)
      r->sensitive[i] = clean;
    else
      free(clean);
  }
  return 0;
}

static int sockets_list(const struct hr_json_doc *profile, const struct hr_json *node,
                        struct hr_rule_hostmounts *r, struct hr_error *err)
{
  if (node == NULL)
    return hr_rule_strv_dup(default_sockets, HR_ARRAY_SIZE(default_sockets), &r->sockets,
                            &r->n_sockets, err);
  if (hr_profile_get_strv(profile, node, &r->sockets, &r->n_sockets, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_sockets; i++)
    if (r->sockets[i][0] == '\0' || strchr(r->sockets[i], '/') != NULL)
      return hr_profile_error(profile, node->u.array.items[i], err,
                              "hostMounts.sockets[%zu]: expected a file name", i);
  return 0;
}

int hr_hostmounts_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                        struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled",       "mode",    "sensitive", "allow",
                                     "allowReadOnly", "sockets", NULL};
  struct hr_rule_hostmounts *r = &p->refusals.hostmounts;
  const struct hr_json *obj = NULL, *node;
  enum hr_rule_mode mode = HR_MODE_REFUSE;
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0) {
    obj = section;
    if (hr_rule_parse_mode(profile, hr_json_get(obj, "mode"), true, &mode, err) < 0)
      return -1;
  }
  hr_hostmounts_release(p);
  if (sensitive_list(profile, obj ? hr_json_get(obj, "sensitive") : NULL, r, err) < 0 ||
      sockets_list(profile, obj ? hr_json_get(obj, "sockets") : NULL, r, err) < 0)
    return -1;
  node = obj ? hr_json_get(obj, "allow") : NULL;
  if (node != NULL &&
      hr_rule_parse_paths(profile, node, "hostMounts.allow", &r->allow, &r->n_allow, err) < 0)
    return -1;
  node = obj ? hr_json_get(obj, "allowReadOnly") : NULL;
  if (node != NULL ? hr_rule_parse_paths(profile, node, "hostMounts.allowReadOnly", &r->allow_ro,
                                         &r->n_allow_ro, err) < 0
                   : hr_rule_strv_dup(default_allow_ro, HR_ARRAY_SIZE(default_allow_ro),
                                      &r->allow_ro, &r->n_allow_ro, err) < 0)
    return -1;
  r->mode = on ? mode : HR_MODE_OFF;
  return 0;
}

bool hr_hostmounts_enabled(const struct hr_policy *p)
{
  return p->refusals.hostmounts.mode != HR_MODE_OFF;
}

void hr_hostmounts_release(struct hr_policy *p)
{
  struct hr_rule_hostmounts *r = &p->refusals.hostmounts;

  hr_rule_strv_free(&r->sensitive, &r->n_sensitive);
  hr_rule_strv_free(&r->allow, &r->n_allow);
  hr_rule_strv_free(&r->allow_ro, &r->n_allow_ro);
  hr_rule_strv_free(&r->sockets, &r->n_sockets);
}

/* ---- resolving host paths ---------------------------------------------------- */

/* Resolve `path` (absolute) as the kernel will when runc mounts it.  When it
 * does not exist (runc then fails), the longest existing prefix is resolved
 * and the rest is appended and cleaned, so that "/missing/../etc" still
 * reads as "/etc".  Errors other than a missing component (a symlink loop,
 * no permission) are returned: a path hardrun cannot resolve is one it
 * cannot vouch for.  `proc_link` (PATH_MAX bytes, or NULL) gets the first
 * link on procfs followed on the way, "" when none. */
static int resolve_via(const char *path, char **ret, char *proc_link, struct hr_error *err)
{
  cleanup_free char *head = hr_strdup(path, err), *joined = NULL;
  char buf[PATH_MAX];
  size_t cut = 0; /* offset of the first component not resolved, 0: none */
  int r;

  if (head == NULL)
    return -1;
  while ((r = hr_host_realpath_via(head[0] != '\0' ? head : "/", buf, proc_link)) < 0) {
    char *slash;
    if (r == -ENOMEM)
      return hr_error_oom(err);
    if (r != -ENOENT && r != -ENOTDIR)
      return hr_error_set(err, HR_ERR_SYSTEM, -r, "cannot resolve");
    slash = strrchr(head, '/');
    if (slash == NULL)
      return hr_error_set(err, HR_ERR_SYSTEM, ENOENT, "cannot resolve");
    *slash = '\0';
    cut = (size_t)(slash - head) + 1;
  }
  if (cut == 0) {
    *ret = hr_strdup(buf, err);
    return *ret == NULL ? -1 : 0;
  }
  if ((joined = hr_strjoin(buf, "/", path + cut, err)) == NULL)
    return -1;
  *ret = hr_path_clean(joined, err);
  return *ret == NULL ? -1 : 0;
}

static int resolve(const char *path, char **ret, struct hr_error *err)
{
  return resolve_via(path, ret, NULL, err);
}

/* ---- matching -------------------------------------------------------------------- */

/* How a resolved path relates to a sensitive entry. */
enum relation {
  REL_NONE,
  REL_IN,       /* the entry itself or below it */
  REL_CONTAINS, /* above it: the mount exposes it */
};

static enum relation relate(const char *path, const char *entry)
{
  size_t n = strlen(entry);
  const char *slash;
  char dir[PATH_MAX];

  /* Everything is below "/": only "/" itself is "/". */
  if (strcmp(entry, "/") == 0)
    return strcmp(path, "/") == 0 ? REL_IN : REL_NONE;
  if (entry[n - 1] != '*') {
    if (hr_path_has_prefix(path, entry))
      return REL_IN;
    return hr_path_has_prefix(entry, path) ? REL_CONTAINS : REL_NONE;
  }
  /* "DIR/PREFIX*" */
  slash = strrchr(entry, '/');
  if ((size_t)(slash - entry) >= sizeof(dir))
    return REL_NONE;
  memcpy(dir, entry, (size_t)(slash - entry));
  dir[slash - entry] = '\0';
  if (dir[0] == '\0')
    strcpy(dir, "/");
  if (hr_path_has_prefix(dir, path))
    return REL_CONTAINS;
  if (!hr_path_has_prefix(path, dir))
    return REL_NONE;
  /* the component of `path` right below DIR */
  const char *comp = path + strlen(dir) + (strcmp(dir, "/") != 0);
  size_t plen = n - 1 - (size_t)(slash + 1 - entry);
  return strncmp(comp, slash + 1, plen) == 0 ? REL_IN : REL_NONE;
}

static bool is_hex64(const char *s)
{
  for (size_t i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  return true;
}

/* `path` ends in "/DIR/<64 hex digits>/LEAF". */
static bool has_shape(const char *path, const char *dir, const char *leaf)
{
  size_t pl = strlen(path), dl = strlen(dir), ll = strlen(leaf);
  const char *p;

  if (pl < 1 + dl + 1 + 64 + 1 + ll)
    return false;
  p = path + pl - ll;
  if (strcmp(p, leaf) != 0 || p[-1] != '/')
    return false;
  p -= 1 + 64;
  if (!is_hex64(p) || p[-1] != '/')
    return false;
  p -= 1 + dl;
  return strncmp(p, dir, dl) == 0 && p[-1] == '/';
}

static bool is_kind(const char *path, mode_t kind)
{
  struct stat st;

  return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

/* The files Docker and containerd make for each container: Docker's
 * <data-root>/containers/<id>/{hosts,hostname,resolv.conf} and mounts/shm,
 * containerd CRI's <root>/io.containerd.grpc.v1.cri/sandboxes/<id>/... and
 * <state>/.../sandboxes/<id>/shm, each only at its own destination. */
static bool runtime_own_file(const char *path, const char *dest)
{
  static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
  static const char *const owners[] = {"containers", "io.containerd.grpc.v1.cri/sandboxes"};

  for (size_t o = 0; o < HR_ARRAY_SIZE(owners); o++) {
    for (size_t i = 0; i < HR_ARRAY_SIZE(etc); i++) {
      if (strncmp(dest, "/etc/", 5) == 0 && strcmp(dest + 5, etc[i]) == 0 &&
          has_shape(path, owners[o], etc[i]))
        return is_kind(path, S_IFREG);
    }
    if (strcmp(dest, "/dev/shm") == 0 && has_shape(path, owners[o], o == 0 ? "mounts/shm" : "shm"))
      return is_kind(path, S_IFDIR);
  }
  return false;
}

/* A Docker named volume, <data-root>/volumes/<name>/_data, next to Docker's
 * volume database. */
static bool docker_volume(const char *path)
{
  size_t n = strlen(path);
  const char *name, *vols;
  cleanup_free char *db = NULL;

  if (n < strlen("/volumes/x/_data") || strcmp(path + n - strlen("/_data"), "/_data") != 0)
    return false;
  name = path + n - strlen("/_data");
  while (name > path && name[-1] != '/')
    name--;
  if (name == path + n - strlen("/_data") || name - path < (long)strlen("/volumes/"))
    return false;
  vols = name - strlen("/volumes/");
  if (strncmp(vols, "/volumes/", strlen("/volumes/")) != 0)
    return false;
  if (asprintf(&db, "%.*svolumes/metadata.db", (int)(vols + 1 - path), path) < 0) {
    db = NULL;
    return false;
  }
  return is_kind(db, S_IFREG) && is_kind(path, S_IFDIR);
}

/* A sensitive path under another name: another mount of its filesystem
 * (a bind mount of /etc at /srv/etc, of / at /host, of /etc/ssl at /srv),
 * or a hard link of a sensitive file.  No comparison of names sees these;
 * the mount table and the file's identity do. */
struct entry_fs {
  bool known;
  dev_t dev;
  char *path; /* where the entry lies in its filesystem ("*" kept) */
  struct hr_file_id id;
  bool has_id;
};

/* The sensitive entries located in their filesystems, when a host path
 * first passes the comparison by name. */
struct alias_table {
  bool built;
  struct entry_fs *e; /* one per entry of r->sensitive */
  size_t n;
};

/* The rule's lists resolved once per apply: entries as written and as the
 * host resolves them ("/var/run" is "/run" on most systems). */
struct lists {
  char **sensitive; /* resolved twins of r->sensitive (NULL: same or wildcard) */
  char **allow, **allow_ro;
  char *rootfs; /* root.path resolved, NULL when unknown */
  struct alias_table *aliases;
};

static void lists_free(struct lists *l, const struct hr_rule_hostmounts *r)
{
  size_t ns = r->n_sensitive, na = r->n_allow, nr = r->n_allow_ro;

  hr_rule_strv_free(&l->sensitive, &ns);
  hr_rule_strv_free(&l->allow, &na);
  hr_rule_strv_free(&l->allow_ro, &nr);
  free(l->rootfs);
  l->rootfs = NULL;
  for (size_t i = 0; l->aliases != NULL && i < l->aliases->n; i++)
    free(l->aliases->e[i].path);
  if (l->aliases != NULL)
    free(l->aliases->e);
  l->aliases = NULL;
}

static int resolve_all(char *const *in, size_t n, bool keep_same, char ***ret, struct hr_error *err)
{
  char **out = hr_calloc(n + 1, sizeof(char *), err);

  *ret = out;
  if (out == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(in[i]);
    if (len > 0 && in[i][len - 1] == '*')
      continue;
    if (resolve(in[i], &out[i], err) < 0) {
      /* An entry that cannot be resolved is matched as written. */
      if (err->code == ENOMEM)
        return -1;
      *err = (struct hr_error){0};
      continue;
    }
    if (!keep_same && strcmp(out[i], in[i]) == 0) {
      free(out[i]);
      out[i] = NULL;
    }
  }
  return 0;
}

/* ---- the same files under other names ---------------------------------------------- */

/* Entry `i` as a path of its filesystem: "DIR/PREFIX*" keeps its "*" after
 * DIR's. */
static int locate_entry(const struct lists *l, const struct hr_rule_hostmounts *r, size_t i,
                        struct entry_fs *e, struct hr_error *err)
{
  const char *raw = r->sensitive[i], *p = l->sensitive[i] != NULL ? l->sensitive[i] : raw;
  size_t n = strlen(raw);
  cleanup_free char *dir = NULL, *dir_raw = NULL;
  char fs[PATH_MAX];
  const char *star = NULL;

  if (raw[n - 1] == '*') {
    star = strrchr(raw, '/') + 1;
    if ((dir_raw = hr_strndup(raw, (size_t)(star - 1 - raw), err)) == NULL)
      return -1;
    if (resolve(dir_raw[0] != '\0' ? dir_raw : "/", &dir, err) < 0) {
      if (err->code == ENOMEM)
        return -1;
      *err = (struct hr_error){0};
      return 0;
    }
    p = dir;
  } else {
    e->has_id = hr_host_file_id(p, &e->id);
  }
  if (hr_host_fs_path(p, &e->dev, fs) < 0)
    return 0;
  if (star == NULL)
    e->path = hr_strdup(fs, err);
  else
    hr_asprintf(&e->path, err, "%s/%s", strcmp(fs, "/") == 0 ? "" : fs, star);
  if (e->path == NULL)
    return -1;
  e->known = true;
  return 0;
}

static int alias_table_build(const struct lists *l, const struct hr_rule_hostmounts *r,
                             struct hr_error *err)
{
  struct alias_table *t = l->aliases;

  if (t->built)
    return 0;
  t->built = true;
  if ((t->e = hr_calloc(r->n_sensitive + 1, sizeof(*t->e), err)) == NULL)
    return -1;
  t->n = r->n_sensitive;
  for (size_t i = 0; i < r->n_sensitive; i++)
    if (locate_entry(l, r, i, &t->e[i], err) < 0)
      return -1;
  return 0;
}

/* What alias_hit() found. */
struct alias {
  size_t entry;
  enum relation rel;
  bool by_id; /* the same file: a hard link, or the entry's own mount */
  dev_t dev;
  char fs[PATH_MAX]; /* `res` in its filesystem */
};

/* How ret->fs on device ret->dev (where a path lies in its filesystem)
 * relates to a sensitive entry located in its own; `res` is the host path
 * for `inside_ok` (as for sensitive_hit()). */
static enum relation alias_fs_hit(const struct alias_table *t, const struct hr_rule_hostmounts *r,
                                  const char *res, bool (*inside_ok)(const char *),
                                  struct alias *ret)
{
  for (size_t i = 0; i < t->n; i++) {
    const struct entry_fs *e = &t->e[i];
    enum relation rel;
    if (!e->known || e->dev != ret->dev)
      continue;
    /* "/" is matched as itself only; what holds it holds /etc too. */
    if (strcmp(r->sensitive[i], "/") == 0)
      rel = strcmp(ret->fs, e->path) == 0 ? REL_IN : REL_NONE;
    else
      rel = relate(ret->fs, e->path);
    if (rel == REL_NONE ||
        (rel == REL_IN && strcmp(ret->fs, e->path) != 0 && inside_ok != NULL && inside_ok(res)))
      continue;
    ret->entry = i;
    ret->rel = rel;
    ret->by_id = false;
    return rel;
  }
  return REL_NONE;
}

/* How `res` (resolved, and not a sensitive path by its name) relates to a
 * sensitive path by what it is.  `inside_ok` as for sensitive_hit(). */
static enum relation alias_hit(const struct alias_table *t, const struct hr_rule_hostmounts *r,
                               const char *res, bool (*inside_ok)(const char *), struct alias *ret)
{
  struct hr_file_id id;

  if (!hr_host_file_id(res, &id))
    return REL_NONE;
  for (size_t i = 0; i < t->n; i++)
    if (t->e[i].has_id && t->e[i].id.dev == id.dev && t->e[i].id.ino == id.ino) {
      *ret = (struct alias){.entry = i, .rel = REL_IN, .by_id = true, .dev = id.dev};
      return REL_IN;
    }
  if (hr_host_fs_path(res, &ret->dev, ret->fs) < 0)
    return REL_NONE;
  return alias_fs_hit(t, r, res, inside_ok, ret);
}

/* The reason for an alias_hit(), after "SOURCE (resolves to ...)". */
static void alias_why(const struct hr_rule_hostmounts *r, const struct lists *l,
                      const struct alias *a, char *why, size_t size)
{
  const struct entry_fs *e = &l->aliases->e[a->entry];
  const char *entry = r->sensitive[a->entry];
  const char *host = l->sensitive[a->entry] != NULL ? l->sensitive[a->entry] : entry;
  char qe[HR_QUOTE_MAX], qf[HR_QUOTE_MAX], qp[HR_QUOTE_MAX], tail[HR_QUOTE_MAX + 64];
  size_t o = strlen(why);

  if (o >= size)
    return;
  hr_quote(qe, sizeof(qe), entry, strlen(entry));
  if (a->by_id) {
    snprintf(why + o, size - o,
             " is the sensitive host path %s under another name (device %u:%u, inode %llu), "
             "through a bind mount or a hard link",
             qe, major(e->id.dev), minor(e->id.dev), (unsigned long long)e->id.ino);
    return;
  }
  hr_quote(qf, sizeof(qf), a->fs, strlen(a->fs));
  if (strcmp(e->path, host) == 0)
    snprintf(tail, sizeof(tail), " (another mount of that filesystem)");
  else
    snprintf(tail, sizeof(tail), ", the filesystem that holds %s at %s", qe,
             hr_quote(qp, sizeof(qp), e->path, strlen(e->path)));
  snprintf(why + o, size - o,
           " %s the sensitive host path %s under another name: it is %s of "
           "device %u:%u%s",
           a->rel == REL_CONTAINS        ? "contains"
           : strcmp(a->fs, e->path) == 0 ? "is"
                                         : "lies in",
           qe, qf, major(a->dev), minor(a->dev), tail);
}

/* The kernel's own filesystems, wherever they are mounted: a bind of any
 * of them hands the container the host's processes, devices, kernel
 * settings or namespaces. */
static const struct {
  long magic;
  const char *name;
} kernel_fs[] = {
    {PROC_SUPER_MAGIC, "proc"},
    {SYSFS_MAGIC, "sysfs"},
    {DEBUGFS_MAGIC, "debugfs"},
    {TRACEFS_MAGIC, "tracefs"},
    {SECURITYFS_MAGIC, "securityfs"},
    {BPF_FS_MAGIC, "bpf"},
    {CGROUP_SUPER_MAGIC, "cgroup"},
    {CGROUP2_SUPER_MAGIC, "cgroup2"},
    {DEVPTS_SUPER_MAGIC, "devpts"},
    {BINFMTFS_MAGIC, "binfmt_misc"},
    {NSFS_MAGIC, "nsfs"},
    {PSTOREFS_MAGIC, "pstore"},
    {EFIVARFS_MAGIC, "efivarfs"},
    {SELINUX_MAGIC, "selinuxfs"},
    {SMACK_MAGIC, "smackfs"},
    {0x62656570, "configfs"},
};

/* The name of the kernel filesystem `res` lies on, or NULL. */
static const char *kernel_fs_of(const char *res)
{
  struct statfs sfs;

  if (statfs(res, &sfs) < 0)
    return NULL;
  for (size_t i = 0; i < HR_ARRAY_SIZE(kernel_fs); i++)
    if ((long)sfs.f_type == kernel_fs[i].magic)
      return kernel_fs[i].name;
  return NULL;
}

static bool listed(char *const *raw, char *const *res, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(raw[i], path) == 0 || (res[i] != NULL && strcmp(res[i], path) == 0))
      return true;
  return false;
}

/* A daemon socket right inside directory `dir` (resolved), or NULL.  Looked
 * up through the apply's memo: Docker's configs bind several files of one
 * directory, and a config may bind one directory many times. */
static const char *socket_inside(const struct hr_rule_hostmounts *r, const char *dir)
{
  char path[PATH_MAX];
  size_t n = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

  if (hr_host_file_type(dir) != S_IFDIR)
    return NULL;
  for (size_t i = 0; i < r->n_sockets; i++) {
    size_t m = strlen(r->sockets[i]);
    if (n + 1 + m >= sizeof(path))
      continue;
    memcpy(path, dir, n);
    path[n] = '/';
    memcpy(path + n + 1, r->sockets[i], m + 1);
    if (hr_host_file_type(path) == S_IFSOCK)
      return r->sockets[i];
  }
  return NULL;
}

/* The first sensitive path `res` relates to (as listed, or its resolved
 * form), in *ret_i, and how; REL_NONE when none.  `inside_ok`, when not
 * NULL, excuses a path strictly inside an entry. */
static enum relation sensitive_hit(const struct hr_rule_hostmounts *r, const struct lists *l,
                                   const char *res, bool (*inside_ok)(const char *), size_t *ret_i,
                                   const char **ret_hit)
{
  for (size_t i = 0; i < r->n_sensitive; i++) {
    const char *hit = r->sensitive[i];
    enum relation rel = relate(res, hit);
    if (rel == REL_NONE && l->sensitive[i] != NULL)
      rel = relate(res, hit = l->sensitive[i]);
    if (rel == REL_NONE ||
        (rel == REL_IN && strcmp(res, hit) != 0 && inside_ok != NULL && inside_ok(res)))
      continue;
    *ret_i = i;
    *ret_hit = hit;
    return rel;
  }
  return REL_NONE;
}

/* `src` quoted, and " (resolves to ...)" in `as` when its resolved form
 * `res` differs: how every reason names the source.  Built only for a
 * refusal, which few mounts meet. */
static void name_source(const char *src, const char *res, char q[HR_QUOTE_MAX],
                        char as[HR_QUOTE_MAX + 20])
{
  char qr[HR_QUOTE_MAX];

  hr_quote(q, HR_QUOTE_MAX, src, strlen(src));
  as[0] = '\0';
  if (strcmp(res, src) != 0)
    snprintf(as, HR_QUOTE_MAX + 20, " (resolves to %s)",
             hr_quote(qr, sizeof(qr), res, strlen(res)));
}

/* The checks by what `res` is rather than by its name: another name of a
 * sensitive path, or a kernel filesystem mounted elsewhere.  1 with `why`
 * filled ("SOURCE (resolves to RES) ..."), 0 when neither, -1 when out of
 * memory. */
static int other_name(const struct hr_rule_hostmounts *r, const struct lists *l, const char *src,
                      const char *res, bool (*inside_ok)(const char *), char *why, size_t size,
                      struct hr_error *err)
{
  char q[HR_QUOTE_MAX], as[HR_QUOTE_MAX + 20];
  struct alias a;
  const char *fs = NULL;
  enum relation rel;
  int ready = hr_host_mounts_ready();

  if (ready == -ENOMEM)
    return hr_error_oom(err);
  /* Without the table no other name can be ruled out. */
  if (ready < 0) {
    name_source(src, res, q, as);
    snprintf(why, size,
             "%s%s cannot be judged: the mount table (/proc/self/mountinfo) cannot be read (%s)", q,
             as, strerror(-ready));
    return 1;
  }
  if (alias_table_build(l, r, err) < 0)
    return -1;
  rel = alias_hit(l->aliases, r, res, inside_ok, &a);
  if (rel == REL_NONE && (fs = kernel_fs_of(res)) == NULL)
    return 0;
  name_source(src, res, q, as);
  if (rel != REL_NONE) {
    snprintf(why, size, "%s%s", q, as);
    alias_why(r, l, &a, why, size);
    return 1;
  }
  snprintf(why, size,
           "%s%s lies on a %s filesystem, which is the host kernel's own wherever it is mounted: "
           "bound into a container it hands over the host's processes, devices, namespaces or "
           "kernel settings",
           q, as, fs);
  return 1;
}

/* A Docker named volume lies in Docker's data root, which may be sensitive
 * (/var/lib/docker) and passes by its name.  But the local driver mounts
 * what its options say on _data before the container starts: a bind of any
 * host path (type=none,o=bind,device=/etc), a proc or a cgroup filesystem.
 * Such a volume is judged by what is mounted there.  1 with `why` filled, 0
 * when it may be mounted, -1 when out of memory. */
static int volume_mount(const struct hr_rule_hostmounts *r, const struct lists *l, const char *src,
                        const char *res, char *why, size_t size, struct hr_error *err)
{
  char q[HR_QUOTE_MAX], as[HR_QUOTE_MAX + 20], qs[HR_QUOTE_MAX];
  const char *sock;
  struct statfs sfs;
  int mp = hr_host_mount_point(res);

  if (mp == -ENOMEM)
    return hr_error_oom(err);
  if (mp == 0)
    return 0;
  if (mp > 0 && statfs(res, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC) {
    name_source(src, res, q, as);
    snprintf(why, size,
             "%s%s is a Docker volume with an overlay mounted on it: its lowerdir and upperdir "
             "are host directories that hardrun does not see",
             q, as);
    return 1;
  }
  if (mp > 0 && (sock = socket_inside(r, res)) != NULL) {
    name_source(src, res, q, as);
    snprintf(why, size, "%s%s, a Docker volume, contains the container-daemon socket %s", q, as,
             hr_quote(qs, sizeof(qs), sock, strlen(sock)));
    return 1;
  }
  /* Mounted by the driver, or the table is unreadable (other_name() then
   * fails closed). */
  return other_name(r, l, src, res, NULL, why, size, err);
}

/* Why the host path `src` must not be mounted at `dest`: 1 with `why`
 * filled, 0 when it may (and *ret_res is `src` resolved), -1 on
 * out-of-memory. */
static int judge(const struct hr_rule_hostmounts *r, const struct lists *l, const char *src,
                 const char *dest, bool ro, char **ret_res, char *why, size_t size,
                 struct hr_error *err)
{
  char q[HR_QUOTE_MAX], qe[HR_QUOTE_MAX], as[HR_QUOTE_MAX + 20];
  cleanup_free char *res = NULL;
  const char *base, *sock, *hit;
  char link[PATH_MAX];
  enum relation rel;
  size_t i;

  if (src[0] != '/') {
    snprintf(why, size,
             "relative source %s: runc resolves it against the bundle directory; use an "
             "absolute path",
             hr_quote(q, sizeof(q), src, strlen(src)));
    return 1;
  }
  if (resolve_via(src, &res, link, err) < 0) {
    if (err->code == ENOMEM)
      return -1;
    snprintf(why, size, "%s cannot be resolved on the host (%s)",
             hr_quote(q, sizeof(q), src, strlen(src)), strerror(err->code));
    *err = (struct hr_error){0};
    return 1;
  }
  /* runc's init follows the link, in the container's mount namespace and
   * with the rootfs as its working directory: /proc/self/cwd is the image
   * to it, and hardrun's caller's directory here. */
  if (link[0] != '\0') {
    snprintf(why, size,
             "%s is resolved through %s, a link of /proc that names the process following it: "
             "runc's init, in the container's mount namespace, resolves it to another path "
             "than hardrun",
             hr_quote(q, sizeof(q), src, strlen(src)),
             hr_quote(qe, sizeof(qe), link, strlen(link)));
    return 1;
  }
  if (runtime_own_file(res, dest) || listed(r->allow, l->allow, r->n_allow, res) ||
      (ro && listed(r->allow_ro, l->allow_ro, r->n_allow_ro, res))) {
    *ret_res = get_and_reset(&res);
    return 0;
  }
  if (docker_volume(res)) {
    int o = volume_mount(r, l, src, res, why, size, err);
    if (o == 0)
      *ret_res = get_and_reset(&res);
    return o;
  }
  base = strrchr(res, '/') + 1;
  if (hr_rule_strv_contains(r->sockets, r->n_sockets, base)) {
    name_source(src, res, q, as);
    snprintf(why, size, "%s%s is a container-daemon socket", q, as);
    return 1;
  }
  if ((sock = socket_inside(r, res)) != NULL) {
    name_source(src, res, q, as);
    snprintf(why, size, "%s%s contains the container-daemon socket %s", q, as,
             hr_quote(qe, sizeof(qe), sock, strlen(sock)));
    return 1;
  }
  if ((rel = sensitive_hit(r, l, res, NULL, &i, &hit)) == REL_NONE) {
    int o = other_name(r, l, src, res, NULL, why, size, err);
    if (o != 0)
      return o;
    *ret_res = get_and_reset(&res);
    return 0;
  }
  name_source(src, res, q, as);
  snprintf(why, size, "%s%s %s the sensitive host path %s", q, as,
           rel == REL_CONTAINS     ? "contains"
           : strcmp(res, hit) == 0 ? "is"
                                   : "lies in",
           hr_quote(qe, sizeof(qe), r->sensitive[i], strlen(r->sensitive[i])));
  return 1;
}

int hr_mount_info(const struct hr_json *m, size_t i, struct mount_info *ret, struct hr_error *err)
{
  struct hr_json *v;
  const char *fields[] = {"source", "destination", "type"};
  const char **out[] = {&ret->source, &ret->dest_raw, &ret->type};

  *ret = (struct mount_info){0};
  for (size_t k = 0; k < HR_ARRAY_SIZE(fields); k++) {
    v = hr_json_get(m, fields[k]);
    *out[k] = "";
    if (hr_json_is_null(v))
      continue;
    if (v->type != HR_JSON_STRING)
      return hr_error_input(err, "mounts[%zu].%s: expected a string", i, fields[k]);
    *out[k] = v->u.string.s;
  }
  v = hr_json_get(m, "options");
  if (!hr_json_is_null(v) && v->type != HR_JSON_ARRAY)
    return hr_error_input(err, "mounts[%zu].options: expected an array of strings", i);
  ret->options = hr_json_is_null(v) ? NULL : v;
  /* runc: any type with "bind" or "rbind" is a bind mount; "ro"/"rw" and
   * "rro"/"rrw" toggle in order. */
  ret->bind = strcmp(ret->type, "bind") == 0;
  bool ro = false;
  char rec = 0; /* the last of "rro" and "rrw": 'o', 'w', or none */
  for (size_t k = 0; ret->options != NULL && k < ret->options->u.array.len; k++) {
    const struct hr_json *o = ret->options->u.array.items[k];
    if (o->type != HR_JSON_STRING)
      return hr_error_input(err, "mounts[%zu].options: expected an array of strings", i);
    const char *s = o->u.string.s;
    /* By length first (a string holds no NUL): three controls read every
     * option of every mount. */
    switch (o->u.string.len) {
    case 2:
      if (strcmp(s, "ro") == 0 || strcmp(s, "rw") == 0)
        ro = s[1] == 'o';
      break;
    case 3:
      if (strcmp(s, "rro") == 0 || strcmp(s, "rrw") == 0)
        rec = s[2];
      break;
    case 4:
    case 5:
      ret->bind = ret->bind || strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0;
      break;
    default:
      break;
    }
  }
  /* runc 1.1 applies "rro"/"rrw" (mount_setattr) to bind mounts only,
   * after their read-only remount: "rrw" makes a bind writable whatever
   * "ro" said. */
  ret->ro = ret->bind ? rec == 'o' || (rec == 0 && ro) : ro;
  return 0;
}

int hr_mount_remove(struct hr_apply_ctx *ctx, struct hr_json *mounts, size_t i,
                    struct hr_error *err)
{
  char path[64];

  hr_field_path(path, sizeof(path), "mounts", i, "");
  if (hr_changes_add(ctx->changes, ctx->rule, path, mounts->u.array.items[i], NULL, err) < 0)
    return -1;
  return 1;
}

static bool container_fs_type(const char *type)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(container_fs); i++)
    if (strcmp(type, container_fs[i]) == 0)
      return true;
  return false;
}

/* runc 1.1 ignores a mount's own id map; crun 1.8 makes the mount
 * idmapped with it, onto any host ids the spec names: with a user
 * namespace, container root would own the host's root-owned files there. */
static int idmapped(struct hr_apply_ctx *ctx, const char *where, struct hr_error *err)
{
  return hr_rule_breach(ctx, ctx->policy->refusals.hostmounts.mode, where, err,
                        "an idmapped mount (crun maps the host ids the spec names onto the "
                        "container's for it; runc 1.1 ignores it)");
}

/* What a mount does, before where its source lies: an option that
 * remounts whatever is already at the destination, and a filesystem no
 * container is given.  Returns 1 when the mount was removed. */
static int check_kind(struct hr_apply_ctx *ctx, struct hr_json *mounts, size_t i,
                      const struct mount_info *mi, struct hr_error *err)
{
  const struct hr_rule_hostmounts *r = &ctx->policy->refusals.hostmounts;
  char where[64], q[HR_QUOTE_MAX];
  int rc = 0;

  for (size_t k = 0; rc == 0 && mi->options != NULL && k < mi->options->u.array.len; k++) {
    const char *o = mi->options->u.array.items[k]->u.string.s;
    bool idmap = strncmp(o, "idmap", 5) == 0 || strncmp(o, "ridmap", 6) == 0;
    if (!idmap && strcmp(o, "remount") != 0)
      continue;
    /* Built for the few options that need it: every option of every
     * mount passes here. */
    snprintf(where, sizeof(where), "mounts[%zu].options[%zu]", i, k);
    if (idmap) {
      rc = idmapped(ctx, where, err);
      continue;
    }
    /* runc passes MS_REMOUNT on with any type: the mount at the
     * destination (a host file bound read-only, say) gets this mount's
     * flags, "rw" included, and no check sees that mount change. */
    rc = hr_rule_breach(ctx, r->mode, where, err,
                        "\"remount\" changes the mount already at the destination (a read-only "
                        "bind made writable, say) instead of adding one");
  }
  for (size_t k = 0; rc == 0 && k < 2; k++) {
    static const char *const maps[] = {"uidMappings", "gidMappings"};
    if (hr_json_is_null(hr_json_get(mounts->u.array.items[i], maps[k])))
      continue;
    hr_field_path(where, sizeof(where), "mounts", i, k == 0 ? ".uidMappings" : ".gidMappings");
    rc = idmapped(ctx, where, err);
  }
  if (rc == 0 && !mi->bind && !container_fs_type(mi->type)) {
    hr_field_path(where, sizeof(where), "mounts", i, ".type");
    rc = hr_rule_breach(ctx, r->mode, where, err,
                        "filesystem type %s is not one a container is given (proc, sysfs, cgroup, "
                        "cgroup2, tmpfs, devpts, mqueue, overlay or a bind mount): others, such as "
                        "binfmt_misc, debugfs or devtmpfs, are the host kernel's",
                        hr_quote(q, sizeof(q), mi->type, strlen(mi->type)));
  }
  if (rc <= 0)
    return rc;
  return hr_mount_remove(ctx, mounts, i, err);
}

/* The first mount of the spec other than mounts[i], in *ret_j, with its
 * destination and type (for a message); false when there is none.  It is
 * made before mounts[i] unless mounts[i] is the first; one made after
 * reaches the copy too when the rootfs's propagation is shared. */
static bool other_mount(const struct hr_json *mounts, size_t i, size_t *ret_j,
                        const char **ret_dest, const char **ret_type)
{
  for (size_t j = 0; j < mounts->u.array.len; j++) {
    const struct hr_json *d = hr_json_get(mounts->u.array.items[j], "destination");
    const struct hr_json *t = hr_json_get(mounts->u.array.items[j], "type");
    if (j == i)
      continue;
    *ret_j = j;
    *ret_dest = d != NULL && d->type == HR_JSON_STRING ? d->u.string.s : "";
    *ret_type = t != NULL && t->type == HR_JSON_STRING && t->u.string.s[0] != '\0' ? t->u.string.s
                                                                                   : "other";
    return true;
  }
  return false;
}

/* runc mounts in the container's mount namespace, in the order of the
 * spec, so the rootfs already holds the spec's proc, sysfs, /dev and the
 * rest, without the masked and read-only paths (those come last).  A bind
 * source or an overlay directory inside the rootfs may be one of those
 * mounts, and an rbind of the rootfs or of a directory holding it (the
 * bundle) copies them along.  A plain bind of the rootfs itself is the
 * image (made read-only by readonly-rootfs), and so is an overlay layer
 * of it: overlayfs does not cross mounts.  `path` is mounts[i]'s source
 * when `source`, else a directory of an overlay option, and `res` is
 * `path` resolved.  1 with `why` filled, 0 when it may stay. */
static int judge_in_rootfs(const struct lists *l, const struct hr_json *mounts, size_t i,
                           const struct mount_info *mi, const char *path, const char *res,
                           bool source, char *why, size_t size)
{
  char q[HR_QUOTE_MAX], qr[HR_QUOTE_MAX], qd[HR_QUOTE_MAX];
  const char *dest, *type;
  bool recursive = false;
  size_t j;

  if (l->rootfs == NULL || path[0] != '/' || (source && !mi->bind))
    return 0;
  for (size_t k = 0; source && mi->options != NULL && k < mi->options->u.array.len; k++)
    recursive = recursive || strcmp(mi->options->u.array.items[k]->u.string.s, "rbind") == 0;
  if (hr_path_has_prefix(res, l->rootfs) && strcmp(res, l->rootfs) != 0) {
    snprintf(why, size,
             "%s lies in the container's root filesystem %s: runc mounts it in the container's "
             "mount namespace, after the spec's mounts before it (proc, sysfs, /dev) were made "
             "there, so it can be one of them, without the masked and read-only paths",
             hr_quote(q, sizeof(q), path, strlen(path)),
             hr_quote(qr, sizeof(qr), l->rootfs, strlen(l->rootfs)));
    return 1;
  }
  if (!recursive || !hr_path_has_prefix(l->rootfs, res) ||
      !other_mount(mounts, i, &j, &dest, &type))
    return 0;
  snprintf(why, size,
           "%s holds the container's root filesystem %s: an rbind copies the mounts runc made "
           "there along (mounts[%zu], %s at %s), without the masked and read-only paths",
           hr_quote(q, sizeof(q), path, strlen(path)),
           hr_quote(qr, sizeof(qr), l->rootfs, strlen(l->rootfs)), j, type,
           hr_quote(qd, sizeof(qd), dest, strlen(dest)));
  return 1;
}

/* The mounts below an rbind source, which runc copies along. */
struct submounts {
  const struct hr_rule_hostmounts *r;
  const struct lists *l;
  const char *src;
  char *why;
  size_t size;
};

static int judge_submount(void *arg, const char *point, dev_t dev, const char *root)
{
  struct submounts *s = arg;
  char q[HR_QUOTE_MAX], qp[HR_QUOTE_MAX];
  struct alias a = {.dev = dev};
  const char *fs = kernel_fs_of(point);

  hr_quote(q, sizeof(q), s->src, strlen(s->src));
  hr_quote(qp, sizeof(qp), point, strlen(point));
  if (fs != NULL) {
    snprintf(s->why, s->size,
             "%s holds %s, a %s filesystem mounted below it, which an rbind carries into the "
             "container: the host kernel's own, wherever it is mounted",
             q, qp, fs);
    return 1;
  }
  if (snprintf(a.fs, sizeof(a.fs), "%s", root) >= (int)sizeof(a.fs) ||
      alias_fs_hit(s->l->aliases, s->r, point, NULL, &a) == REL_NONE)
    return 0;
  snprintf(s->why, s->size,
           "%s holds %s, a mount below it which an rbind carries into the "
           "container, and that mount",
           q, qp);
  alias_why(s->r, s->l, &a, s->why, s->size);
  return 1;
}

/* An rbind source that passed: the mounts below it go along, and may be
 * a sensitive path or a kernel filesystem mounted there (a chroot's /proc,
 * /etc bound into a directory).  1 with `why` filled, 0, or -1. */
static int judge_submounts(const struct hr_rule_hostmounts *r, const struct lists *l,
                           const char *src, const char *res, char *why, size_t size,
                           struct hr_error *err)
{
  struct submounts s = {r, l, src, why, size};
  char q[HR_QUOTE_MAX];
  int rc;

  if (alias_table_build(l, r, err) < 0)
    return -1;
  rc = hr_host_submounts(res, judge_submount, &s);
  if (rc == -ENOMEM)
    return hr_error_oom(err);
  if (rc < 0) {
    snprintf(why, size,
             "%s cannot be judged: the mount table (/proc/self/mountinfo), which holds the "
             "mounts an rbind carries along, cannot be read (%s)",
             hr_quote(q, sizeof(q), src, strlen(src)), strerror(-rc));
    return 1;
  }
  return rc;
}

static bool is_rbind(const struct mount_info *mi)
{
  for (size_t k = 0; mi->options != NULL && k < mi->options->u.array.len; k++)
    if (strcmp(mi->options->u.array.items[k]->u.string.s, "rbind") == 0)
      return true;
  return false;
}

/* Judge one host path of mounts[i]: the source, or a directory named in
 * an overlay option.  Returns 1 when the mount was removed. */
static int check_path(struct hr_apply_ctx *ctx, const struct lists *l, struct hr_json *mounts,
                      size_t i, const char *where, const char *src, const struct mount_info *mi,
                      struct hr_error *err)
{
  const struct hr_rule_hostmounts *r = &ctx->policy->refusals.hostmounts;
  cleanup_free char *dest = hr_path_clean(mi->dest_raw, err), *res = NULL;
  char why[1024];
  int rc;

  if (dest == NULL)
    return -1;
  rc = judge(r, l, src, dest, mi->ro, &res, why, sizeof(why), err);
  /* `src` is the mount's own source, or a directory of an overlay option;
   * `res` is what it resolves to, when judge() let it pass */
  if (rc == 0)
    rc = judge_in_rootfs(l, mounts, i, mi, src, res, src == mi->source, why, sizeof(why));
  if (rc == 0 && src == mi->source && mi->bind && is_rbind(mi))
    rc = judge_submounts(r, l, src, res, why, sizeof(why), err);
  if (rc <= 0)
    return rc;
  rc = hr_rule_breach(ctx, r->mode, where, err, "%s", why);
  if (rc <= 0)
    return rc;
  return hr_mount_remove(ctx, mounts, i, err);
}

/* runc joins the data options with commas, and overlayfs splits them
 * again with backslash escapes and drops the backslash before a character
 * of a directory: one option "workdir=W,lowerdir=/etc" is two to the
 * kernel, and a lowerdir written /e, backslash, tc is /etc. */
static int overlay_option_plain(struct hr_apply_ctx *ctx, struct hr_json *mounts, size_t i,
                                size_t k, const char *opt, struct hr_error *err)
{
  char where[64], q[HR_QUOTE_MAX];
  int rc;

  if (strpbrk(opt, ",\\") == NULL)
    return 0;
  snprintf(where, sizeof(where), "mounts[%zu].options[%zu]", i, k);
  rc = hr_rule_breach(ctx, ctx->policy->refusals.hostmounts.mode, where, err,
                      "%s holds a comma or a backslash: runc joins the options with commas and "
                      "overlayfs splits them again, with backslash escapes, so the directories "
                      "it gets are not the ones written",
                      hr_quote(q, sizeof(q), opt, strlen(opt)));
  return rc <= 0 ? rc : hr_mount_remove(ctx, mounts, i, err);
}

/* overlay's lowerdir=a:b, upperdir= and workdir= (and the kernel's newer
 * lowerdir+= and datadir+=) name host directories. */
static int check_overlay(struct hr_apply_ctx *ctx, const struct lists *l, struct hr_json *mounts,
                         size_t i, const struct mount_info *mi, struct hr_error *err)
{
  static const char *const keys[] = {
      "lowerdir=", "upperdir=", "workdir=", "lowerdir+=", "datadir+="};

  for (size_t k = 0; mi->options != NULL && k < mi->options->u.array.len; k++) {
    const char *opt = mi->options->u.array.items[k]->u.string.s;
    char where[64];
    int rc = overlay_option_plain(ctx, mounts, i, k, opt, err);
    if (rc != 0)
      return rc;
    for (size_t j = 0; j < HR_ARRAY_SIZE(keys); j++) {
      if (strncmp(opt, keys[j], strlen(keys[j])) != 0)
        continue;
      cleanup_free char *list = hr_strdup(opt + strlen(keys[j]), err);
      char *save = NULL;
      if (list == NULL)
        return -1;
      snprintf(where, sizeof(where), "mounts[%zu].options[%zu]", i, k);
      for (char *d = strtok_r(list, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save))
        if ((rc = check_path(ctx, l, mounts, i, where, d, mi, err)) != 0)
          return rc;
    }
  }
  return 0;
}

static int check_mount(struct hr_apply_ctx *ctx, const struct lists *l, struct hr_json *mounts,
                       size_t i, struct hr_error *err)
{
  struct mount_info mi;
  char where[64];
  int rc;

  if (hr_mount_info(mounts->u.array.items[i], i, &mi, err) < 0)
    return -1;
  rc = check_kind(ctx, mounts, i, &mi, err);
  if (rc != 0)
    return rc;
  hr_field_path(where, sizeof(where), "mounts", i, ".source");
  /* A bind's source is always a host path (a relative one is the
   * bundle's); other types name one when their source is absolute, as a
   * block device for a disk filesystem. */
  if (mi.bind || mi.source[0] == '/') {
    rc = check_path(ctx, l, mounts, i, where, mi.source, &mi, err);
    if (rc != 0)
      return rc;
  }
  return strcmp(mi.type, "overlay") == 0 ? check_overlay(ctx, l, mounts, i, &mi, err) : 0;
}

/* ---- the root filesystem ---------------------------------------------------------- */

/* Filesystems an image's root filesystem is mounted from: overlay (Docker's
 * overlay2, containerd's snapshotter), fuse-overlayfs, and the disk
 * filesystems of the other graph drivers and of bind mounts.  Not the
 * kernel's (sysfs, cgroupfs) nor memory filesystems (/dev/shm,
 * /run/user/UID), which are the host's live state. */
static const long image_fs[] = {
    OVERLAYFS_SUPER_MAGIC,
    EXT4_SUPER_MAGIC,
    XFS_SUPER_MAGIC,
    BTRFS_SUPER_MAGIC,
    0x2fc12fc1, /* zfs */
    0x65735546, /* fuse */
};

/* `path` is the root of a mount of an image filesystem, as runtimes
 * mount a container's rootfs inside their own state directories. */
static bool image_mount_root(const char *path)
{
  struct statx stx;
  struct statfs sfs;

  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0 ||
      !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
      !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) || !S_ISDIR(stx.stx_mode) ||
      statfs(path, &sfs) < 0)
    return false;
  for (size_t i = 0; i < HR_ARRAY_SIZE(image_fs); i++)
    if ((long)sfs.f_type == image_fs[i])
      return true;
  return false;
}

/* Docker's vfs and btrfs graph drivers keep a container's rootfs as a plain
 * directory (or subvolume): DATA/vfs/dir/ID, DATA/btrfs/subvolumes/ID. */
static bool docker_layer_dir(const char *path)
{
  size_t n = strlen(path);

  if (n < 65 || path[n - 65] != '/' || !is_hex64(path + n - 64) || !is_kind(path, S_IFDIR))
    return false;
  return (n >= 65 + 8 && strncmp(path + n - 65 - 8, "/vfs/dir", 8) == 0) ||
         (n >= 65 + 17 && strncmp(path + n - 65 - 17, "/btrfs/subvolumes", 17) == 0);
}

static bool image_root_or_layer(const char *path)
{
  return image_mount_root(path) || docker_layer_dir(path);
}

/* Why the host directory `path` must not be the container's root: 1 with
 * `why` filled, 0 when it may, -1 on out-of-memory.  A rootfs may lie in a
 * sensitive path (Docker's and containerd's do) only where a runtime would
 * put one; it may not be, or hold, one. */
static int judge_root(const struct hr_rule_hostmounts *r, const struct lists *l, const char *path,
                      char *why, size_t size, struct hr_error *err)
{
  char q[HR_QUOTE_MAX], qr[HR_QUOTE_MAX], qe[HR_QUOTE_MAX], as[HR_QUOTE_MAX + 20];
  cleanup_free char *res = NULL;
  const char *sock, *hit;
  enum relation rel;
  size_t i;

  hr_quote(q, sizeof(q), path, strlen(path));
  if (resolve(path, &res, err) < 0) {
    if (err->code == ENOMEM)
      return -1;
    snprintf(why, size, "%s cannot be resolved on the host (%s)", q, strerror(err->code));
    *err = (struct hr_error){0};
    return 1;
  }
  as[0] = '\0';
  if (strcmp(res, path) != 0)
    snprintf(as, sizeof(as), " (resolves to %s)", hr_quote(qr, sizeof(qr), res, strlen(res)));
  if (listed(r->allow, l->allow, r->n_allow, res))
    return 0;
  if ((sock = socket_inside(r, res)) != NULL) {
    snprintf(why, size, "%s%s contains the container-daemon socket %s", q, as,
             hr_quote(qe, sizeof(qe), sock, strlen(sock)));
    return 1;
  }
  if ((rel = sensitive_hit(r, l, res, image_root_or_layer, &i, &hit)) == REL_NONE)
    return other_name(r, l, path, res, image_root_or_layer, why, size, err);
  snprintf(why, size, "%s%s %s the sensitive host path %s%s", q, as,
           rel == REL_CONTAINS     ? "contains"
           : strcmp(res, hit) == 0 ? "is"
                                   : "lies in",
           hr_quote(qe, sizeof(qe), r->sensitive[i], strlen(r->sensitive[i])),
           rel == REL_IN && strcmp(res, hit) != 0
               ? ", and is not where a runtime mounts an image (the root of an overlay or "
                 "disk filesystem mount)"
               : "");
  return 1;
}

static bool has_dotdot(const char *p)
{
  for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2)
    if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
      return true;
  return false;
}

/* root.path is a host directory runc makes the container's "/" (relative:
 * the bundle's).  Nothing can stand in for it, so "fix" refuses too. */
static int check_root(struct hr_apply_ctx *ctx, const struct lists *l, struct hr_error *err)
{
  const struct hr_rule_hostmounts *r = &ctx->policy->refusals.hostmounts;
  enum hr_rule_mode mode = r->mode == HR_MODE_FIX ? HR_MODE_REFUSE : r->mode;
  cleanup_free char *joined = NULL;
  const char *p, *bundle = hr_userns_bound_bundle();
  struct hr_json *root;
  char why[1024], q[HR_QUOTE_MAX];
  int rc;

  if (hr_rule_spec_get(ctx->spec, "root", HR_JSON_OBJECT, "root", &root, err) < 0)
    return -1;
  if (root == NULL || hr_rule_spec_string(root, "path", "root.path", &p, err) < 0)
    return root == NULL ? 0 : -1;
  if (p[0] != '/' && bundle == NULL) {
    /* policy explain knows no bundle: only a climb out of it is sure. */
    if (!has_dotdot(p))
      return 0;
    return hr_rule_breach(ctx, mode, "root.path", err,
                          "relative root path %s climbs out of the bundle with \"..\"",
                          hr_quote(q, sizeof(q), p, strlen(p))) < 0
               ? -1
               : 0;
  }
  if (p[0] != '/' && hr_asprintf(&joined, err, "%s/%s", bundle, p) < 0)
    return -1;
  rc = judge_root(r, l, joined != NULL ? joined : p, why, sizeof(why), err);
  if (rc <= 0)
    return rc;
  return hr_rule_breach(ctx, mode, "root.path", err, "%s", why) < 0 ? -1 : 0;
}

/* root.path as a host directory, resolved: NULL when there is none, it
 * cannot be resolved (check_root refuses that) or it is relative and no
 * bundle is known (policy explain). */
static int rootfs_path(struct hr_apply_ctx *ctx, char **ret, struct hr_error *err)
{
  const struct hr_json *root = hr_json_get(ctx->spec, "root");
  const struct hr_json *p =
      root != NULL && root->type == HR_JSON_OBJECT ? hr_json_get(root, "path") : NULL;

  *ret = NULL;
  return p == NULL || p->type != HR_JSON_STRING ? 0 : hr_rootfs_host_path(p->u.string.s, ret, err);
}

int hr_host_resolve(const char *path, char **ret, struct hr_error *err)
{
  return resolve(path, ret, err);
}

int hr_rootfs_host_path(const char *path, char **ret, struct hr_error *err)
{
  const char *bundle = hr_userns_bound_bundle();
  cleanup_free char *joined = NULL;

  *ret = NULL;
  if (path[0] != '/' && bundle == NULL)
    return 0;
  if (path[0] != '/' && hr_asprintf(&joined, err, "%s/%s", bundle, path) < 0)
    return -1;
  if (resolve(joined != NULL ? joined : path, ret, err) < 0) {
    /* One hardrun cannot resolve is check_root's to refuse. */
    if (err->code == ENOMEM)
      return -1;
    *err = (struct hr_error){0};
    *ret = NULL;
  }
  return 0;
}

int hr_mount_is_bind(const struct hr_json *m, size_t i, const char **ret_source,
                     struct hr_json **ret_options, bool *ret_bind, struct hr_error *err)
{
  struct mount_info mi;

  if (hr_mount_info(m, i, &mi, err) < 0)
    return -1;
  *ret_source = mi.source;
  *ret_options = mi.options;
  *ret_bind = mi.bind;
  return 0;
}

static int check_mounts(struct hr_apply_ctx *ctx, const struct lists *l, struct hr_json *mounts,
                        struct hr_error *err)
{
  size_t kept = 0;
  bool drop = false;

  for (size_t i = 0; mounts != NULL && i < mounts->u.array.len;
       hr_rule_squeeze(mounts, i++, &drop, &kept)) {
    int c = check_mount(ctx, l, mounts, i, err);
    if (c < 0)
      return -1;
    drop = c > 0;
  }
  hr_rule_squeeze_end(mounts, kept);
  return 0;
}

int hr_hostmounts_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_hostmounts *r = &ctx->policy->refusals.hostmounts;
  struct hr_json *mounts = hr_json_get(ctx->spec, "mounts");
  struct alias_table aliases = {0};
  struct lists l = {.aliases = &aliases};
  int rc = -1;

  if (hr_json_is_null(mounts))
    mounts = NULL;
  else if (mounts->type != HR_JSON_ARRAY)
    return hr_error_input(err, "mounts: expected an array");
  for (size_t i = 0; mounts != NULL && i < mounts->u.array.len; i++)
    if (mounts->u.array.items[i]->type != HR_JSON_OBJECT)
      return hr_error_input(err, "mounts[%zu]: expected an object", i);
  if (resolve_all(r->sensitive, r->n_sensitive, false, &l.sensitive, err) < 0 ||
      resolve_all(r->allow, r->n_allow, true, &l.allow, err) < 0 ||
      resolve_all(r->allow_ro, r->n_allow_ro, true, &l.allow_ro, err) < 0)
    goto out;
  if (rootfs_path(ctx, &l.rootfs, err) < 0 || check_mounts(ctx, &l, mounts, err) < 0 ||
      check_root(ctx, &l, err) < 0)
    goto out;
  rc = 0;
out:
  lists_free(&l, r);
  return rc;
}
