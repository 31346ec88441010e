/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hardrun doctor`, the host around hardrun: LSMs, whether dockerd and
 * containerd run containers through hardrun, and the host items of the
 * CIS Docker Benchmark (the daemon socket, the docker group, the daemon
 * on TCP without TLS, /etc/docker and daemon.json). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "doctor-internal.h"
#include "hardrun/json.h"
#include "hardrun/lsm.h"
#include "hardrun/utils.h"

#define DAEMON_JSON     "/etc/docker/daemon.json"
#define CONTAINERD_TOML "/etc/containerd/config.toml"
#define DOCKER_SOCK     "/var/run/docker.sock"
#define MAX_RUNTIMES    64
#define MAX_HOSTS       32
#define MAX_MEMBERS     64
#define MAX_PROCS       65536 /* /proc entries looked at for dockerd */
#define MAX_RUNTIMES    64    /* --add-runtime flags looked at */

/* ---- LSMs ------------------------------------------------------------------------------ */

static bool file_starts(const struct doctor *d, const char *path, const char *prefix)
{
  cleanup_free char *buf = NULL;
  size_t len;

  return doctor_read(d, path, &buf, &len) == 0 && strncmp(buf, prefix, strlen(prefix)) == 0;
}

/* Is `name` a line "NAME (mode)" of AppArmor's profiles list? */
static bool apparmor_loaded(const struct doctor *d, const char *name)
{
  cleanup_free char *buf = NULL;
  size_t len, n = strlen(name);

  if (doctor_read(d, "/sys/kernel/security/apparmor/profiles", &buf, &len) < 0)
    return false;
  for (const char *l = buf; l != NULL && *l != '\0';
       l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (strncmp(l, name, n) == 0 && l[n] == ' ')
      return true;
  return false;
}

static void check_apparmor_profile(struct doctor *d)
{
  const struct hr_policy *p = d->policy;
  const char *name =
      p != NULL && p->apparmor.profile ? p->apparmor.profile : HR_APPARMOR_DEFAULT_PROFILE;
  bool require = p != NULL && p->apparmor.require;

  if (p != NULL && !p->apparmor.enabled)
    return;
  if (apparmor_loaded(d, name))
    doctor_add(d, "apparmor profile", HR_CHECK_PASS, NULL, "AppArmor profile %s is loaded", name);
  else
    doctor_add(d, "apparmor profile", require ? HR_CHECK_FAIL : HR_CHECK_WARN,
               "load it: make install-apparmor (apparmor_parser -r " DATADIR
               "/hardrun/apparmor/hardrun-default)",
               "AppArmor profile %s is not loaded: %s", name,
               require ? "the default profile requires it, every create fails"
                       : "containers keep the spec's profile or none");
}

/* SELINUXTYPE= of /etc/selinux/config, as libselinux reads it; "targeted"
 * when the file does not say. */
static void selinux_type(const struct doctor *d, char *buf, size_t size)
{
  cleanup_free char *conf = NULL;
  size_t len;

  snprintf(buf, size, "targeted");
  if (doctor_read(d, "/etc/selinux/config", &conf, &len) < 0)
    return;
  for (const char *l = conf; l != NULL && *l != '\0';
       l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    size_t n = strcspn(l, " \t\r\n");
    if (strncmp(l, "SELINUXTYPE=", 12) == 0 && n > 12 && n - 12 < size &&
        memchr(l + 12, '/', n - 12) == NULL)
      snprintf(buf, size, "%.*s", (int)(n - 12), l + 12);
  }
}

/* What SELinux has in place of a profile for hardrun: the container
 * contexts of lxc_contexts (container-selinux), which the selinux control
 * labels every container with.  A file that does not parse fails every
 * create. */
static void check_selinux_contexts(struct doctor *d)
{
  const struct hr_policy *p = d->policy;
  cleanup_free char *buf = NULL, *process = NULL, *file = NULL;
  char type[64], path[160];
  struct hr_error e = {0};
  size_t len;

  if (p != NULL && !p->selinux.enabled)
    return;
  selinux_type(d, type, sizeof(type));
  snprintf(path, sizeof(path), "/etc/selinux/%s/contexts/lxc_contexts", type);
  if (doctor_read(d, path, &buf, &len) < 0) {
    doctor_add(d, "selinux contexts", HR_CHECK_WARN,
               "install container-selinux, which gives the policy container_t and lxc_contexts",
               "%s: %s: containers are labelled " HR_SELINUX_FALLBACK_PROCESS
               " with a pair of categories, a type the loaded policy may not have",
               path, strerror(errno));
    return;
  }
  if (hr_lsm_parse_lxc_contexts(buf, len, &process, &file, &e) < 0) {
    doctor_add(d, "selinux contexts", HR_CHECK_FAIL, "correct it, or reinstall container-selinux",
               "%s: %s: every create fails", path, e.msg);
    return;
  }
  doctor_add(d, "selinux contexts", HR_CHECK_PASS, NULL,
             "%s: containers run as %s%s%s, their files are %s", path,
             process != NULL ? process : HR_SELINUX_FALLBACK_PROCESS " (built in)",
             p != NULL && p->selinux.type != NULL ? " with type " : "",
             p != NULL && p->selinux.type != NULL ? p->selinux.type : "",
             file != NULL ? file : HR_SELINUX_FALLBACK_FILE " (built in)");
}

void doctor_lsm(struct doctor *d)
{
  bool apparmor = file_starts(d, "/sys/module/apparmor/parameters/enabled", "Y");
  cleanup_free char *lsms = NULL, *enforce = NULL;
  size_t len;
  struct stat st;
  bool selinux = doctor_stat(d, "/sys/fs/selinux/enforce", true, &st) == 0;

  if (doctor_read(d, "/sys/kernel/security/lsm", &lsms, &len) < 0)
    lsms = strdup("unknown");
  if (lsms != NULL)
    lsms[strcspn(lsms, "\n")] = '\0';
  if (!apparmor && !selinux) {
    doctor_add(d, "lsm", HR_CHECK_WARN,
               "boot with apparmor=1 security=apparmor, then make install-apparmor",
               "neither AppArmor nor SELinux is enabled (active LSMs: %s): containers are "
               "confined by seccomp, capabilities and namespaces only",
               lsms != NULL ? lsms : "unknown");
    return;
  }
  if (apparmor)
    doctor_add(d, "lsm", HR_CHECK_PASS, NULL, "AppArmor is enabled");
  if (selinux) {
    bool enforcing =
        doctor_read(d, "/sys/fs/selinux/enforce", &enforce, &len) == 0 && enforce[0] == '1';
    doctor_add(d, "lsm", enforcing ? HR_CHECK_PASS : HR_CHECK_WARN,
               enforcing ? NULL : "setenforce 1, and SELINUX=enforcing in /etc/selinux/config",
               "SELinux is enabled, %s", enforcing ? "enforcing" : "permissive");
  }
  if (apparmor)
    check_apparmor_profile(d);
  if (selinux)
    check_selinux_contexts(d);
}

/* ---- registration ------------------------------------------------------------------- */

/* A runtime path that runs hardrun: named so, or this very binary. */
static bool is_hardrun(const struct doctor *d, const char *path)
{
  const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
  struct stat st;

  return strcmp(base, "hardrun") == 0 ||
         (path[0] == '/' && doctor_stat(d, path, true, &st) == 0 && doctor_is_self(&st));
}

static void self_path(char *buf, size_t size)
{
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);

  if (n > 0)
    buf[n] = '\0';
  else
    snprintf(buf, size, "%s", "/usr/local/bin/hardrun");
}

/* What the first running dockerd says on its command line: runtimes added
 * with --add-runtime, --default-runtime, and the config file it reads. */
struct dockerd_flags {
  char *cmdline;                      /* the strings below point into it */
  const char *runtimes[MAX_RUNTIMES]; /* "NAME=PATH" */
  size_t n_runtimes;
  const char *def, *config;
};

static void dockerd_flags_free(struct dockerd_flags *f)
{
  free(f->cmdline);
}

static bool dockerd_cmdline(struct doctor *d, const char *pid, char **ret, size_t *ret_len)
{
  char path[300];
  const char *base;

  *ret = NULL;
  snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
  if (doctor_read(d, path, ret, ret_len) < 0)
    return false;
  /* a kernel thread's is empty */
  base = *ret_len == 0 ? "" : strrchr(*ret, '/') != NULL ? strrchr(*ret, '/') + 1 : *ret;
  if (strcmp(base, "dockerd") == 0)
    return true;
  free(*ret);
  *ret = NULL;
  return false;
}

/* Calls `fn` with each process id under /proc until it returns true. */
static void each_process(struct doctor *d, bool (*fn)(struct doctor *, const char *, void *),
                         void *data)
{
  int fd = doctor_open(d, "/proc", O_RDONLY | O_DIRECTORY);
  DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
  struct dirent *de;
  int seen = 0;

  if (dp == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  while ((de = readdir(dp)) != NULL && seen++ < MAX_PROCS)
    if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
        strspn(de->d_name, "0123456789") == strlen(de->d_name) && fn(d, de->d_name, data))
      break;
  closedir(dp);
}

static bool take_dockerd(struct doctor *d, const char *pid, void *data)
{
  struct dockerd_flags *f = data;
  size_t len = 0;

  if (!dockerd_cmdline(d, pid, &f->cmdline, &len))
    return false;
  f->n_runtimes =
      hr_doctor_dockerd_runtimes(f->cmdline, len, f->runtimes, MAX_RUNTIMES, &f->def, &f->config);
  return true;
}

/* The daemon config file, parsed; 0 when absent (*ret NULL), -1 after a
 * FAIL. */
static int daemon_json(struct doctor *d, const char *path, struct hr_json_doc **ret)
{
  const struct hr_json_parse_opts opts = {.name = path};
  cleanup_free char *buf = NULL;
  struct hr_error e = {0};
  size_t len;

  *ret = NULL;
  if (doctor_read(d, path, &buf, &len) < 0) {
    if (errno == ENOENT)
      return 0;
    doctor_add(d, "dockerd", HR_CHECK_FAIL, "make it a readable regular file", "%s: %s", path,
               strerror(errno));
    return -1;
  }
  if (hr_json_parse(buf, len, &opts, ret, &e) < 0) {
    doctor_add(d, "dockerd", HR_CHECK_FAIL, "correct the JSON: dockerd does not start with it",
               "%s", e.msg);
    return -1;
  }
  return 0;
}

/* hardrun among the runtimes: first those of dockerd's command line
 * ("NAME=PATH"), then those of its config file. */
static bool find_hardrun(struct doctor *d, const struct dockerd_flags *f,
                         const struct hr_json *runtimes, char *name, size_t size,
                         const char **ret_path)
{
  for (size_t i = 0; i < f->n_runtimes; i++) {
    const char *eq = strchr(f->runtimes[i], '=');
    if (eq != NULL && is_hardrun(d, eq + 1) && (size_t)(eq - f->runtimes[i]) < size) {
      snprintf(name, size, "%.*s", (int)(eq - f->runtimes[i]), f->runtimes[i]);
      *ret_path = eq + 1;
      return true;
    }
  }
  for (size_t i = 0;
       runtimes != NULL && runtimes->type == HR_JSON_OBJECT && i < runtimes->u.object.len; i++) {
    const struct hr_json *p = hr_json_get(runtimes->u.object.items[i].value, "path");
    if (p != NULL && p->type == HR_JSON_STRING && is_hardrun(d, p->u.string.s)) {
      snprintf(name, size, "%s", runtimes->u.object.items[i].key);
      *ret_path = p->u.string.s;
      return true;
    }
  }
  return false;
}

static void check_dockerd(struct doctor *d, const struct hr_json_doc *doc,
                          const struct dockerd_flags *f, const char *config)
{
  char self[512], fix[1024], name[256];
  const struct hr_json *root = doc != NULL ? hr_json_doc_root(doc) : NULL;
  const struct hr_json *defj = hr_json_get(root, "default-runtime");
  const char *path = NULL, *def = f->def;
  struct stat st;

  if (def == NULL && defj != NULL && defj->type == HR_JSON_STRING)
    def = defj->u.string.s;
  self_path(self, sizeof(self));
  snprintf(fix, sizeof(fix),
           "add \"runtimes\": {\"hardrun\": {\"path\": \"%s\"}} and \"default-runtime\": "
           "\"hardrun\" to %s, then reload dockerd (SIGHUP)",
           self, config);
  if (!find_hardrun(d, f, hr_json_get(root, "runtimes"), name, sizeof(name), &path)) {
    doctor_add(d, "dockerd", HR_CHECK_WARN, fix, "%s%s: hardrun is not one of dockerd's runtimes",
               config, doc != NULL ? "" : " is absent");
  } else if (path[0] != '/' || doctor_stat(d, path, true, &st) < 0 || (st.st_mode & 0111) == 0) {
    doctor_add(d, "dockerd", HR_CHECK_FAIL, fix,
               "runtime \"%s\" is %s, which is not an executable file: containers fail", name,
               path);
  } else if (def == NULL || strcmp(def, name) != 0) {
    snprintf(fix, sizeof(fix), "set \"default-runtime\": \"%s\" in %s%s", name, config,
             f->def != NULL ? ", or --default-runtime on dockerd's command line" : "");
    doctor_add(d, "dockerd", HR_CHECK_WARN, fix,
               "hardrun is runtime \"%s\" (%s), but the default runtime is %s: only containers "
               "run with --runtime %s are hardened",
               name, path, def != NULL ? def : "runc", name);
  } else {
    doctor_add(d, "dockerd", HR_CHECK_PASS, NULL,
               "hardrun is runtime \"%s\" (%s) and dockerd's default-runtime", name, path);
  }
}

/* ---- containerd's config.toml ----------------------------------------------------- */

/* A TOML basic or literal string at `s` ("..." or '...', no escapes are
 * needed for paths and names); NULL when it is not one. */
static char *toml_string(const char *s, const char **ret_end)
{
  char q = *s;
  const char *end;

  if (q != '"' && q != '\'')
    return NULL;
  end = strchr(s + 1, q);
  if (end == NULL || memchr(s + 1, '\n', (size_t)(end - s - 1)) != NULL)
    return NULL;
  *ret_end = end + 1;
  return strndup(s + 1, (size_t)(end - s - 1));
}

/* NAME of a "[...runtimes.NAME.options]" header (NAME bare or quoted). */
static char *runtime_of_header(const char *line)
{
  const char *p = strstr(line, ".runtimes."), *end;
  cleanup_free char *name = NULL;

  if (p == NULL)
    return NULL;
  p += strlen(".runtimes.");
  if (*p == '"' || *p == '\'') {
    name = toml_string(p, &end);
  } else {
    end = p + strcspn(p, ".]");
    name = strndup(p, (size_t)(end - p));
  }
  if (name == NULL || name[0] == '\0' || strncmp(end, ".options]", 9) != 0)
    return NULL;
  return get_and_reset(&name);
}

/* `key = "value"` on `line`: the value, or NULL. */
static char *toml_value(const char *line, const char *key)
{
  const char *end;
  size_t n = strlen(key);

  if (strncmp(line, key, n) != 0)
    return NULL;
  line += n;
  line += strspn(line, " \t");
  if (*line != '=')
    return NULL;
  line += 1 + strspn(line + 1, " \t");
  return toml_string(line, &end);
}

int hr_doctor_containerd_runtimes(const char *toml, size_t len, struct hr_doctor_runtime *ret,
                                  size_t max, char **ret_default, struct hr_error *err)
{
  cleanup_free char *copy = hr_strndup(toml, len, err), *table = NULL;
  size_t n = 0;

  *ret_default = NULL;
  if (copy == NULL)
    return -1;
  for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l != NULL;
       l = strtok_r(NULL, "\n", &save)) {
    char *v;
    l += strspn(l, " \t");
    if (*l == '[') {
      free(table);
      table = runtime_of_header(l);
    } else if ((v = toml_value(l, "default_runtime_name")) != NULL) {
      free(*ret_default);
      *ret_default = v;
    } else if (table != NULL && n < max && (v = toml_value(l, "BinaryName")) != NULL) {
      ret[n].binary = v;
      if ((ret[n].name = strdup(table)) == NULL) {
        free(v);
        break;
      }
      n++;
    }
  }
  return (int)n;
}

static void check_containerd(struct doctor *d)
{
  struct hr_doctor_runtime rt[MAX_RUNTIMES];
  cleanup_free char *buf = NULL, *def = NULL;
  const char *name = NULL, *path = NULL;
  struct hr_error e = {0};
  char self[512], fix[1024];
  size_t len;
  int n;

  self_path(self, sizeof(self));
  snprintf(
      fix, sizeof(fix),
      "add [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hardrun] with "
      "runtime_type \"io.containerd.runc.v2\" and options BinaryName = \"%s\" to " CONTAINERD_TOML
      " (see hardrun(8)); with ctr use --runc-binary",
      self);
  if (doctor_read(d, CONTAINERD_TOML, &buf, &len) < 0) {
    doctor_add(d, "containerd", HR_CHECK_WARN, fix, CONTAINERD_TOML " is absent: %s",
               "containerd's CRI plugin runs runc itself");
    return;
  }
  n = hr_doctor_containerd_runtimes(buf, len, rt, MAX_RUNTIMES, &def, &e);
  for (int i = 0; i < n; i++)
    if (name == NULL && is_hardrun(d, rt[i].binary)) {
      name = rt[i].name;
      path = rt[i].binary;
    }
  if (n < 0)
    d->failed = true;
  else if (name == NULL)
    doctor_add(d, "containerd", HR_CHECK_WARN, fix,
               CONTAINERD_TOML ": no runtime has hardrun as its BinaryName");
  else if (def == NULL || strcmp(def, name) != 0)
    doctor_add(d, "containerd", HR_CHECK_WARN,
               "set default_runtime_name to it, or select it "
               "with a RuntimeClass whose handler is its name",
               "hardrun is containerd runtime \"%s\" (%s), but the default runtime is %s", name,
               path, def != NULL ? def : "runc");
  else
    doctor_add(d, "containerd", HR_CHECK_PASS, NULL,
               "hardrun is containerd runtime \"%s\" (%s), the default_runtime_name", name, path);
  for (int i = 0; i < n; i++) {
    free(rt[i].name);
    free(rt[i].binary);
  }
}

/* dockerd takes runtimes and its default from its command line as well as
 * from its config file (--config-file, else /etc/docker/daemon.json);
 * the first dockerd running is asked, and without one the default file. */
void doctor_registration(struct doctor *d)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct dockerd_flags f = {0};
  const char *config;

  each_process(d, take_dockerd, &f);
  config = f.config != NULL ? f.config : DAEMON_JSON;
  if (daemon_json(d, config, &doc) == 0)
    check_dockerd(d, doc, &f, config);
  dockerd_flags_free(&f);
  check_containerd(d);
}

/* ---- CIS: who can reach the daemon --------------------------------------------------- */

int hr_doctor_group_members(const char *group_file, size_t group_len, const char *passwd_file,
                            size_t passwd_len, const char *group, char **ret, size_t max,
                            int64_t *ret_gid, struct hr_error *err)
{
  cleanup_free char *g = hr_strndup(group_file, group_len, err);
  cleanup_free char *p = hr_strndup(passwd_file, passwd_len, err);
  size_t n = 0, glen = strlen(group);
  int64_t gid = -1;

  *ret_gid = -1;
  if (g == NULL || p == NULL)
    return -1;
  /* name:password:gid:member,member */
  for (char *save = NULL, *l = strtok_r(g, "\n", &save); l != NULL && gid < 0;
       l = strtok_r(NULL, "\n", &save)) {
    char *f[4] = {l, NULL, NULL, NULL};
    for (int i = 1; i < 4 && f[i - 1] != NULL; i++)
      f[i] = strchr(f[i - 1], ':') != NULL ? strchr(f[i - 1], ':') + 1 : NULL;
    if (f[3] == NULL || strncmp(l, group, glen) != 0 || l[glen] != ':' ||
        hr_parse_i64(f[2], (size_t)(f[3] - 1 - f[2]), &gid) < 0)
      continue;
    for (char *s2 = NULL, *m = strtok_r(f[3], ",", &s2); m != NULL && n < max;
         m = strtok_r(NULL, ",", &s2))
      if (m[0] != '\0' && (ret[n] = strdup(m)) != NULL)
        n++;
  }
  /* name:password:uid:gid:...: users whose primary group it is */
  for (char *save = NULL, *l = strtok_r(p, "\n", &save); l != NULL && gid >= 0;
       l = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *c3 = c2 ? strchr(c2 + 1, ':') : NULL, *c4 = c3 ? strchr(c3 + 1, ':') : NULL;
    int64_t ug;
    bool listed = false;
    if (c4 == NULL || hr_parse_i64(c3 + 1, (size_t)(c4 - c3 - 1), &ug) < 0 || ug != gid)
      continue;
    *c1 = '\0';
    for (size_t i = 0; i < n; i++)
      listed |= strcmp(ret[i], l) == 0;
    if (!listed && n < max && (ret[n] = strdup(l)) != NULL)
      n++;
  }
  *ret_gid = gid;
  return (int)n;
}

static void check_group(struct doctor *d, int64_t *ret_gid)
{
  cleanup_free char *g = NULL, *p = NULL;
  char *members[MAX_MEMBERS], list[1024] = "";
  struct hr_error e = {0};
  size_t gl = 0, pl = 0;
  int n;

  *ret_gid = -1;
  if (doctor_read(d, "/etc/group", &g, &gl) < 0) {
    doctor_add(d, "docker group", HR_CHECK_WARN, "check /etc/group by hand", "/etc/group: %s",
               strerror(errno));
    return;
  }
  if (doctor_read(d, "/etc/passwd", &p, &pl) < 0)
    p = strdup("");
  n = p == NULL ? -1
                : hr_doctor_group_members(g, gl, p, strlen(p), "docker", members, MAX_MEMBERS,
                                          ret_gid, &e);
  if (n < 0) {
    d->failed = true;
    return;
  }
  for (int i = 0; i < n; i++) {
    snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", members[i]);
    free(members[i]);
  }
  if (n > 0)
    doctor_add(d, "docker group", HR_CHECK_WARN,
               "remove every user who does not need dockerd: gpasswd -d USER docker",
               "group docker has %d member%s (%s): each can run a privileged container through "
               "dockerd, which is root on this host",
               n, n == 1 ? "" : "s", list);
  else
    doctor_add(d, "docker group", HR_CHECK_PASS, NULL, "%s",
               *ret_gid < 0 ? "there is no docker group" : "group docker has no members");
}

/* The socket dockerd serves its API on must be root's, group docker at
 * most, and nobody else's. */
static void check_socket(struct doctor *d, const char *path, bool configured, int64_t docker_gid)
{
  char fix[512];
  struct stat st;

  snprintf(fix, sizeof(fix), "chown root:%s %s && chmod 660 %s",
           docker_gid >= 0 ? "docker" : "root", path, path);
  if (doctor_stat(d, path, true, &st) < 0) {
    if (errno == ENOENT && !configured)
      doctor_add(d, "docker.sock", HR_CHECK_PASS, NULL, "%s is absent: dockerd is not running",
                 path);
    else
      doctor_add(d, "docker.sock", HR_CHECK_WARN, "start dockerd, or correct \"hosts\"", "%s: %s",
                 path, strerror(errno));
    return;
  }
  if (!S_ISSOCK(st.st_mode) || (st.st_mode & 0117) != 0) {
    doctor_add(d, "docker.sock", HR_CHECK_FAIL, fix,
               "%s has mode %04o: only root and group docker may use it (660 or less)", path,
               (unsigned)(st.st_mode & 07777));
    return;
  }
  if (st.st_uid != 0 || (st.st_gid != 0 && (int64_t)st.st_gid != docker_gid)) {
    doctor_add(d, "docker.sock", HR_CHECK_FAIL, fix, "%s is owned by %u:%u: it must be root:docker",
               path, (unsigned)st.st_uid, (unsigned)st.st_gid);
    return;
  }
  doctor_add(d, "docker.sock", HR_CHECK_PASS, NULL, "%s: mode %04o, owner %u:%u", path,
             (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
}

/* ---- CIS: the daemon on TCP without TLS ------------------------------------------------ */

/* A value of flag `name` ("-H", "--host", ...) at args[i]: "--host X",
 * "--host=X", and for a one-letter flag "-HX" too (pflag's syntax). */
static const char *flag_value(const char *const *args, size_t n, size_t *i, const char *name)
{
  size_t len = strlen(name);
  const char *a = args[*i];

  if (strncmp(a, name, len) != 0)
    return NULL;
  if (a[len] == '=')
    return a + len + 1;
  if (a[len] == '\0')
    return *i + 1 < n ? args[++*i] : NULL;
  return len == 2 ? a + len : NULL;
}

/* Go's strconv.ParseBool, which pflag applies to "--flag=V": 1, 0, or -1
 * for what it refuses. */
static int go_bool(const char *s)
{
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(yes); i++) {
    if (strcmp(s, yes[i]) == 0)
      return 1;
    if (strcmp(s, no[i]) == 0)
      return 0;
  }
  return -1;
}

/* A NUL-separated command line (/proc/PID/cmdline) as an argv. */
static size_t split_args(const char *cmdline, size_t len, const char **args, size_t max)
{
  size_t n = 0;

  for (size_t off = 0; off < len && n < max; off += strlen(cmdline + off) + 1)
    args[n++] = cmdline + off;
  return n;
}

size_t hr_doctor_dockerd_runtimes(const char *cmdline, size_t len, const char **ret, size_t max,
                                  const char **ret_default, const char **ret_config)
{
  const char *args[256];
  size_t n = split_args(cmdline, len, args, HR_ARRAY_SIZE(args)), found = 0;

  *ret_default = NULL;
  *ret_config = NULL;
  for (size_t i = 1; i < n; i++) {
    const char *v;
    if ((v = flag_value(args, n, &i, "--add-runtime")) != NULL) {
      if (found < max && strchr(v, '=') != NULL)
        ret[found++] = v;
    } else if ((v = flag_value(args, n, &i, "--default-runtime")) != NULL) {
      *ret_default = v;
    } else if ((v = flag_value(args, n, &i, "--config-file")) != NULL) {
      *ret_config = v;
    }
  }
  return found;
}

size_t hr_doctor_dockerd_args(const char *cmdline, size_t len, const char **hosts, size_t max,
                              int *ret_tlsverify, const char **ret_config)
{
  const char *args[256];
  size_t n = split_args(cmdline, len, args, HR_ARRAY_SIZE(args)), found = 0;

  *ret_tlsverify = -1;
  *ret_config = NULL;
  for (size_t i = 1; i < n; i++) {
    const char *v;
    if ((v = flag_value(args, n, &i, "--host")) != NULL ||
        (v = flag_value(args, n, &i, "-H")) != NULL) {
      if (found < max)
        hosts[found++] = v;
    } else if ((v = flag_value(args, n, &i, "--config-file")) != NULL) {
      *ret_config = v;
    } else if (strcmp(args[i], "--tlsverify") == 0) {
      *ret_tlsverify = 1;
    } else if (strncmp(args[i], "--tlsverify=", 12) == 0 && go_bool(args[i] + 12) >= 0) {
      *ret_tlsverify = go_bool(args[i] + 12);
    }
  }
  return found;
}

/* What one dockerd listens on, and where the unix sockets are. */
struct listeners {
  char offenders[1024];
  char *sockets[MAX_HOSTS];
  size_t n_sockets;
  int daemons;
};

static void note_host(struct listeners *l, const char *who, const char *host, bool tlsverify)
{
  if (strncmp(host, "tcp://", 6) == 0 && !tlsverify)
    snprintf(l->offenders + strlen(l->offenders), sizeof(l->offenders) - strlen(l->offenders),
             "%s%s on %s", l->offenders[0] ? "; " : "", who, host);
  if (strncmp(host, "unix://", 7) == 0 && host[7] == '/' && l->n_sockets < MAX_HOSTS) {
    for (size_t i = 0; i < l->n_sockets; i++)
      if (strcmp(l->sockets[i], host + 7) == 0)
        return;
    l->sockets[l->n_sockets] = strdup(host + 7);
    l->n_sockets += l->sockets[l->n_sockets] != NULL;
  }
}

static bool config_tlsverify(const struct hr_json *root)
{
  const struct hr_json *tls = hr_json_get(root, "tlsverify");

  return tls != NULL && tls->type == HR_JSON_BOOL && tls->u.boolean;
}

/* "hosts" of a daemon.json document, verified when `tlsverify` is. */
static void note_config(struct listeners *l, const char *who, const struct hr_json *root,
                        bool tlsverify)
{
  const struct hr_json *hosts = hr_json_get(root, "hosts");

  for (size_t i = 0; hosts != NULL && hosts->type == HR_JSON_ARRAY && i < hosts->u.array.len; i++)
    if (hosts->u.array.items[i]->type == HR_JSON_STRING)
      note_host(l, who, hosts->u.array.items[i]->u.string.s, tlsverify);
}

/* dockerd's --tlsverify defaults to true when DOCKER_TLS_VERIFY is set to
 * anything but "" in its environment. */
static bool env_tlsverify(const struct doctor *d, const char *pid)
{
  static const char key[] = "DOCKER_TLS_VERIFY=";
  cleanup_free char *env = NULL;
  char path[300];
  size_t len;

  snprintf(path, sizeof(path), "/proc/%s/environ", pid);
  if (doctor_read(d, path, &env, &len) < 0)
    return false;
  for (size_t off = 0; off < len; off += strlen(env + off) + 1)
    if (strncmp(env + off, key, strlen(key)) == 0 && env[off + strlen(key)] != '\0')
      return true;
  return false;
}

/* One running process: a dockerd's flags, its environment and the config
 * file it reads, which together decide whether it verifies TLS clients on
 * every address it listens on. */
static bool note_process(struct doctor *d, const char *pid, void *data)
{
  struct listeners *l = data;
  cleanup_free char *cmd = NULL, *buf = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const char *hosts[MAX_HOSTS], *config = NULL;
  struct hr_json_parse_opts opts = {0};
  char who[300];
  struct hr_error e = {0};
  int flag;
  bool tls;
  size_t len, n;

  if (!dockerd_cmdline(d, pid, &cmd, &len))
    return false;
  l->daemons++;
  snprintf(who, sizeof(who), "dockerd (pid %s)", pid);
  n = hr_doctor_dockerd_args(cmd, len, hosts, MAX_HOSTS, &flag, &config);
  opts.name = config != NULL ? config : DAEMON_JSON;
  if (doctor_read(d, opts.name, &buf, &len) == 0)
    hr_json_parse(buf, len, &opts, &doc, &e);
  tls = flag >= 0
            ? flag == 1
            : env_tlsverify(d, pid) || (doc != NULL && config_tlsverify(hr_json_doc_root(doc)));
  for (size_t i = 0; i < n; i++)
    note_host(l, who, hosts[i], tls);
  if (doc != NULL)
    note_config(l, who, hr_json_doc_root(doc), tls);
  return false;
}

static void check_tcp(struct doctor *d, const struct hr_json_doc *daemon, struct listeners *l)
{
  if (daemon != NULL)
    note_config(l, DAEMON_JSON, hr_json_doc_root(daemon),
                config_tlsverify(hr_json_doc_root(daemon)));
  each_process(d, note_process, l);
  if (l->offenders[0] != '\0')
    doctor_add(d, "docker tcp", HR_CHECK_FAIL,
               "remove the tcp:// address, or add tlsverify with tlscacert, tlscert and tlskey",
               "the daemon API is on TCP without TLS client verification: %s (anyone who reaches "
               "it is root on this host)",
               l->offenders);
  else
    doctor_add(d, "docker tcp", HR_CHECK_PASS, NULL,
               "no TCP address without TLS verification (%s, %d running dockerd)",
               daemon != NULL ? DAEMON_JSON : "no " DAEMON_JSON, l->daemons);
}

/* ---- CIS: /etc/docker and daemon.json ----------------------------------------------------- */

static void check_owner_mode(struct doctor *d, const char *name, const char *path,
                             unsigned forbidden, const char *want)
{
  char fix[256];
  struct stat st;

  snprintf(fix, sizeof(fix), "chown root:root %s && chmod %s %s", path, want, path);
  if (doctor_stat(d, path, false, &st) < 0) {
    if (errno == ENOENT)
      doctor_add(d, name, HR_CHECK_PASS, NULL, "%s is absent", path);
    else
      doctor_add(d, name, HR_CHECK_FAIL, fix, "%s: %s", path, strerror(errno));
    return;
  }
  if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & forbidden) != 0)
    doctor_add(d, name, HR_CHECK_FAIL, fix,
               "%s is %u:%u with mode %04o: it must be root:root, mode %s or stricter", path,
               (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777), want);
  else
    doctor_add(d, name, HR_CHECK_PASS, NULL, "%s is root:root with mode %04o", path,
               (unsigned)(st.st_mode & 07777));
}

void doctor_cis(struct doctor *d)
{
  cleanup_json_doc struct hr_json_doc *daemon = NULL;
  const struct hr_json_parse_opts opts = {.name = DAEMON_JSON};
  cleanup_free char *buf = NULL;
  struct listeners l = {0};
  struct hr_error e = {0};
  int64_t gid;
  size_t len;

  if (doctor_read(d, DAEMON_JSON, &buf, &len) == 0)
    hr_json_parse(buf, len, &opts, &daemon, &e);
  check_group(d, &gid);
  check_tcp(d, daemon, &l);
  if (l.n_sockets == 0)
    check_socket(d, DOCKER_SOCK, false, gid);
  for (size_t i = 0; i < l.n_sockets; i++) {
    check_socket(d, l.sockets[i], true, gid);
    free(l.sockets[i]);
  }
  check_owner_mode(d, "/etc/docker", "/etc/docker", 0022, "755");
  check_owner_mode(d, "daemon.json", DAEMON_JSON, 0133, "644");
}
