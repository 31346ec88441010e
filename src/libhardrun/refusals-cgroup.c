/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.cgroupsPath, held to the pid namespace's mode of "host-namespaces".
 *
 * runc 1.1's cgroupfs driver puts the container into whatever cgroup the
 * path names: "/" is the host's root cgroup, a relative path is cleaned
 * as if rooted (no ".." climbs out: "../x" is "x", "../.." is "." and
 * names runc's own cgroup, its caller's) and counts from runc's own
 * cgroup (from its parent with the v2 driver), and an existing cgroup is
 * joined with only a warning when it
 * already holds processes.  A container there shares their limits (the
 * root has none), runc writes its own limits over theirs, and `runc kill
 * --all` or `delete --force` signal every process below that cgroup.  A
 * container therefore gets a cgroup that holds no process and no cgroup
 * of its own: a new one, or one a crashed runc left empty. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/utils.h"

/* A /proc/self/mountinfo line is one mount; far less than this. */
#define LINE_MAX_LEN 4096

/* Field `n` (0-based, space separated) of a mountinfo line, copied into
 * buf with the kernel's octal escapes (\040) undone. */
static bool field(const char *line, size_t n, char *buf, size_t size)
{
  const char *s = line;
  size_t o = 0;

  for (size_t i = 0; i < n; i++) {
    s = strchr(s, ' ');
    if (s == NULL)
      return false;
    s++;
  }
  while (*s != '\0' && *s != ' ' && *s != '\n' && o + 1 < size) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      buf[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 4;
    } else {
      buf[o++] = *s++;
    }
  }
  buf[o] = '\0';
  return *s == '\0' || *s == ' ' || *s == '\n';
}

/* Whether every comma-separated name of `ctrls` is an option of `opts`. */
static bool has_all(const char *opts, const char *ctrls)
{
  const char *c = ctrls;

  if (*c == '\0')
    return false;
  while (*c != '\0') {
    size_t n = strcspn(c, ",");
    bool found = false;
    for (const char *o = opts; *o != '\0';) {
      size_t m = strcspn(o, ",");
      if (m == n && strncmp(o, c, n) == 0)
        found = true;
      o += m + (o[m] == ',');
    }
    if (!found)
      return false;
    c += n + (c[n] == ',');
  }
  return true;
}

/* The path of this process's cgroup in the hierarchy mounted with super
 * options `opts` (cgroup2: the "0::" line). */
static bool own_cgroup(const char *self_cgroup, bool v2, const char *opts, char *buf, size_t size)
{
  for (const char *l = self_cgroup; l != NULL && *l != '\0';) {
    const char *nl = strchr(l, '\n'), *c1 = strchr(l, ':'), *c2;
    size_t len = nl != NULL ? (size_t)(nl - l) : strlen(l);
    char ctrls[256];

    c2 = c1 != NULL ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l)) : NULL;
    if (c1 != NULL && c2 != NULL && c1 < l + len && (size_t)(c2 - c1 - 1) < sizeof(ctrls)) {
      memcpy(ctrls, c1 + 1, (size_t)(c2 - c1 - 1));
      ctrls[c2 - c1 - 1] = '\0';
      if ((v2 && strncmp(l, "0:", 2) == 0 && ctrls[0] == '\0') ||
          (!v2 && ctrls[0] != '\0' && has_all(opts, ctrls))) {
        size_t plen = len - (size_t)(c2 + 1 - l);
        if (plen >= size)
          return false;
        memcpy(buf, c2 + 1, plen);
        buf[plen] = '\0';
        return true;
      }
    }
    l = nl != NULL ? nl + 1 : NULL;
  }
  return false;
}

/* 1 when the cgroup directory `dir` exists and holds a process or a child
 * cgroup, 0 when it does not exist or is empty. */
static int occupied(const char *dir)
{
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int procs = -1;
  DIR *d;
  struct dirent *e;
  char c;
  int ret = 0;

  if (fd < 0)
    return 0;
  procs = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  if (procs >= 0 && read(procs, &c, 1) == 1)
    return 1;
  d = fdopendir(fd);
  if (d == NULL)
    return 0;
  fd = -1;
  while (ret == 0 && (e = readdir(d)) != NULL)
    ret = e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return ret;
}

/* Whether `line` (one of /proc/self/mountinfo) mounts a cgroup hierarchy,
 * with its root, mount point, type and super options. */
static bool hierarchy(const char *line, char *root, char *mnt, char *type, size_t type_size,
                      char *opts, size_t opts_size)
{
  const char *dash = strstr(line, " - ");

  return dash != NULL && field(dash + 3, 0, type, type_size) &&
         (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) &&
         field(dash + 3, 2, opts, opts_size) && field(line, 3, root, PATH_MAX) &&
         field(line, 4, mnt, PATH_MAX);
}

/* 1 with *ret_dir when the cgroup `base` + `rel` (both cleaned) of the
 * hierarchy that shows `root` at `mnt` exists and is occupied. */
static int probe(const char *root, const char *mnt, const char *base, const char *rel,
                 char **ret_dir, struct hr_error *err)
{
  cleanup_free char *full = hr_strjoin(base, "/", rel, err), *clean = NULL, *dir = NULL;

  if (full == NULL || (clean = hr_path_clean(full, err)) == NULL)
    return -1;
  /* A hierarchy mounted from below its root shows only what is below. */
  if (!hr_path_has_prefix(clean, root))
    return 0;
  dir = hr_strjoin(mnt, "", clean + (strcmp(root, "/") == 0 ? 0 : strlen(root)), err);
  if (dir == NULL)
    return -1;
  if (!occupied(dir))
    return 0;
  *ret_dir = get_and_reset(&dir);
  return 1;
}

/* runc 1.1 cleans a relative cgroupsPath with utils.CleanPath: cleaned as
 * if it began with "/", then made relative again, so that no ".." climbs
 * out ("../x" is "x", "../.." is ".").  hr_path_clean() cleans every path
 * as rooted: `rel` is that result, joined below the base.  The cgroupfs
 * driver (v1, and the unified hierarchy of a hybrid host) joins it below
 * runc's own cgroup; the v2 one below that cgroup's parent.  Both are
 * judged on a cgroup2 hierarchy, since which driver runs is not read
 * here. */
static int probe_relative(const char *root, const char *mnt, const char *own, bool v2,
                          const char *rel, char **ret_dir, struct hr_error *err)
{
  char parent[PATH_MAX];
  char *slash;
  int r = probe(root, mnt, own, rel, ret_dir, err);

  if (r != 0 || !v2)
    return r;
  snprintf(parent, sizeof(parent), "%s", own);
  slash = strrchr(parent, '/');
  if (slash == NULL || strcmp(parent, "/") == 0)
    return 0;
  slash[slash == parent] = '\0';
  return probe(root, mnt, parent, rel, ret_dir, err);
}

int hr_cgroup_path_occupied(const char *mountinfo, const char *self_cgroup, const char *path,
                            char **ret_dir, struct hr_error *err)
{
  cleanup_free char *rel = hr_path_clean(path, err);

  *ret_dir = NULL;
  if (rel == NULL)
    return -1;
  for (const char *l = mountinfo; l != NULL && *l != '\0';) {
    const char *start = l, *nl = strchr(l, '\n');
    char line[LINE_MAX_LEN], root[PATH_MAX], mnt[PATH_MAX], type[32], opts[1024], own[PATH_MAX];
    size_t len = nl != NULL ? (size_t)(nl - l) : strlen(l);
    bool v2;
    int r;

    l = nl != NULL ? nl + 1 : NULL;
    if (len >= sizeof(line))
      continue;
    memcpy(line, start, len);
    line[len] = '\0';
    if (!hierarchy(line, root, mnt, type, sizeof(type), opts, sizeof(opts)))
      continue;
    v2 = strcmp(type, "cgroup2") == 0;
    if (path[0] == '/')
      r = probe(root, mnt, "/", rel, ret_dir, err);
    else if (own_cgroup(self_cgroup, v2, opts, own, sizeof(own)))
      r = probe_relative(root, mnt, own, v2, rel, ret_dir, err);
    else
      continue;
    if (r != 0)
      return r;
  }
  return 0;
}

/* runc's CleanPath: "" and "." for a relative path that names runc's own
 * cgroup. */
static bool names_own(const char *path, struct hr_error *err, int *ret)
{
  cleanup_free char *clean = hr_path_clean(path, err);

  if (clean == NULL)
    return false;
  *ret = path[0] != '/' && strcmp(clean, "/") == 0;
  return true;
}

int hr_cgroup_unified_core(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err)
{
  size_t kept = 0;
  bool drop = false;
  struct hr_json *u = hr_json_get_path(ctx->spec, "linux.resources.unified");

  if (mode == HR_MODE_OFF || u == NULL || u->type != HR_JSON_OBJECT)
    return 0;
  for (size_t i = 0; i < u->u.object.len; hr_rule_squeeze(u, i++, &drop, &kept)) {
    const struct hr_json_member *m = &u->u.object.items[i];
    char q[HR_QUOTE_MAX], path[HR_QUOTE_MAX + 32];
    int r;

    if (strncmp(m->key, "cgroup.", strlen("cgroup.")) != 0)
      continue;
    hr_quote(q, sizeof(q), m->key, strlen(m->key));
    snprintf(path, sizeof(path), "linux.resources.unified[%s]", q);
    /* runc writes them as root: cgroup.procs and cgroup.threads take any
     * host pid into the container's cgroup, cgroup.kill and cgroup.freeze
     * act on it, cgroup.type and cgroup.subtree_control reshape it. */
    r = hr_rule_breach(ctx, mode, path, err,
                       "%s is a core file of the cgroup, not a resource: writing a host pid to "
                       "cgroup.procs moves that process into the container's cgroup",
                       q);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    if (hr_changes_add(ctx->changes, ctx->rule, path, m->value, NULL, err) < 0)
      return -1;
    drop = true;
  }
  hr_rule_squeeze_end(u, kept);
  return 0;
}

int hr_hostns_cgroup_path(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err)
{
  cleanup_free char *mountinfo_owned = NULL, *self = NULL, *clean = NULL, *dir = NULL;
  const char *mountinfo = NULL;
  struct hr_json *linux_obj;
  const char *p;
  char q[HR_QUOTE_MAX], qd[HR_QUOTE_MAX];
  size_t len;
  int own = 0, r;

  if (mode == HR_MODE_OFF || hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return mode == HR_MODE_OFF ? 0 : -1;
  if (linux_obj == NULL ||
      hr_rule_spec_string(linux_obj, "cgroupsPath", "linux.cgroupsPath", &p, err) < 0)
    return linux_obj == NULL ? 0 : -1;
  if (p[0] == '\0')
    return 0;
  hr_quote(q, sizeof(q), p, strlen(p));
  if ((clean = hr_path_clean(p, err)) == NULL || !names_own(p, err, &own))
    return -1;
  if (own || strcmp(clean, "/") == 0) {
    r = hr_rule_breach(ctx, mode, "linux.cgroupsPath", err,
                       "%s is %s: the container would share its processes' limits, and runc "
                       "kill --all would signal them",
                       q, own ? "runc's own cgroup (its caller's)" : "the host's root cgroup");
  } else {
    /* The mount table host-mounts reads too, once per apply. */
    if ((r = hr_host_mountinfo(&mountinfo, &mountinfo_owned)) < 0)
      return hr_error_set(err, HR_ERR_SYSTEM, -r, "/proc/self/mountinfo");
    if (hr_read_file("/proc/self/cgroup", 1 << 20, &self, &len, err) < 0)
      return -1;
    r = hr_cgroup_path_occupied(mountinfo, self, p, &dir, err);
    /* runc joins a relative path, cleaned as if rooted, below its own
     * cgroup; crun 1.8 below the root: both readings must be free. */
    if (r == 0 && p[0] != '/') {
      cleanup_free char *abs = hr_strjoin("/", "", p, err);
      r = abs != NULL ? hr_cgroup_path_occupied(mountinfo, self, abs, &dir, err) : -1;
    }
    if (r <= 0)
      return r;
    r = hr_rule_breach(ctx, mode, "linux.cgroupsPath", err,
                       "%s names a cgroup that already holds processes or cgroups (%s): the "
                       "container would share their limits, and runc kill --all would signal "
                       "them",
                       q, hr_quote(qd, sizeof(qd), dir, strlen(dir)));
  }
  if (r <= 0)
    return r;
  /* Without a path runc makes a new cgroup named after the container,
   * below its own. */
  if (hr_changes_add(ctx->changes, ctx->rule, "linux.cgroupsPath",
                     hr_json_get(linux_obj, "cgroupsPath"), NULL, err) < 0)
    return -1;
  hr_json_remove(linux_obj, "cgroupsPath");
  return 0;
}
