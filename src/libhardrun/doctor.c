/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hardrun doctor`: the runner, reading host files under a root, and the
 * checks of hardrun itself, the runtime, the kernel and cgroups.  The LSM,
 * registration and CIS checks are in doctor-host.c. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "doctor-internal.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/passcache.h"
#include "hardrun/seccomp.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

#define RUNTIME_OUTPUT_MAX (256u * 1024)
#define RUNTIME_TIMEOUT_MS 5000u
#define PROFILES_MAX       256 /* profiles listed per directory */

/* ---- results --------------------------------------------------------------------- */

const char *hr_check_status_name(enum hr_check_status s)
{
  return s == HR_CHECK_PASS ? "PASS" : s == HR_CHECK_WARN ? "WARN" : "FAIL";
}

void doctor_add(struct doctor *d, const char *name, enum hr_check_status status, const char *fix,
                const char *fmt, ...)
{
  struct hr_doctor *o = d->out;
  char *msg = NULL, *f = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (n < 0 || (fix != NULL && (f = strdup(fix)) == NULL)) {
    free(n < 0 ? NULL : msg);
    d->failed = true;
    return;
  }
  if (o->len == o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 32;
    struct hr_check *items = reallocarray(o->items, cap, sizeof(*items));
    if (items == NULL) {
      free(msg);
      free(f);
      d->failed = true;
      return;
    }
    o->items = items;
    o->cap = cap;
  }
  o->items[o->len++] = (struct hr_check){.name = name, .status = status, .message = msg, .fix = f};
}

void hr_doctor_free(struct hr_doctor *d)
{
  if (d == NULL)
    return;
  for (size_t i = 0; i < d->len; i++) {
    free(d->items[i].message);
    free(d->items[i].fix);
  }
  free(d->items);
  *d = (struct hr_doctor){0};
}

/* ---- host files -------------------------------------------------------------------- */

/* openat2() has no glibc wrapper before 2.38. */
static int openat2_in_root(int rootfd, const char *path, int flags)
{
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };

  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

int doctor_open(const struct doctor *d, const char *path, int flags)
{
  return openat2_in_root(d->rootfd, path, flags);
}

int doctor_stat(const struct doctor *d, const char *path, bool follow, struct stat *ret)
{
  int fd = doctor_open(d, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
  int r, saved;

  if (fd < 0)
    return -1;
  r = fstat(fd, ret);
  saved = errno;
  close(fd);
  errno = saved;
  return r;
}

int doctor_read(const struct doctor *d, const char *path, char **ret, size_t *ret_len)
{
  cleanup_close int fd = doctor_open(d, path, O_RDONLY | O_NOCTTY);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  struct stat st;

  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0)
    return -1;
  if (!S_ISREG(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    return -1;
  }
  if ((buf = malloc(DOCTOR_FILE_MAX + 1)) == NULL)
    return -1;
  /* /proc files say size 0: read to the end, within the bound. */
  while (len < DOCTOR_FILE_MAX) {
    ssize_t n = read(fd, buf + len, DOCTOR_FILE_MAX - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  *ret = get_and_reset(&buf);
  *ret_len = len;
  return 0;
}

char *doctor_path(const struct doctor *d, const char *path)
{
  char *s = NULL;

  if (asprintf(&s, "%s%s", d->root, path) < 0)
    return NULL;
  return s;
}

/* Messages of library functions given doctor_path()s name the files as
 * the host sees them: the root is taken out again. */
static const char *unroot(const struct doctor *d, char *msg)
{
  size_t n = strlen(d->root);

  if (n == 0)
    return msg;
  for (char *p = strstr(msg, d->root); p != NULL; p = strstr(p, d->root))
    if (p[n] == '/')
      memmove(p, p + n, strlen(p + n) + 1);
    else
      p += n;
  return msg;
}

/* ---- running the runtime ----------------------------------------------------------- */

static void child_exec(const char *path, const char *arg, int out)
{
  char *argv[] = {(char *)path, (char *)arg, NULL};
  char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);

  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
      dup2(null, STDERR_FILENO) < 0)
    _exit(127);
  execve(path, argv, envp);
  _exit(127);
}

static long long now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the child's stdout until EOF, the deadline or the bound. */
static int collect(int fd, long long deadline, char *buf, size_t *len)
{
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    long long left = deadline - now_ms();
    ssize_t n;
    if (left <= 0)
      return -ETIMEDOUT;
    if (poll(&p, 1, (int)left) < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    n = read(fd, buf + *len, RUNTIME_OUTPUT_MAX - *len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0 || (*len += (size_t)n) == RUNTIME_OUTPUT_MAX)
      return n < 0 ? -errno : 0;
  }
}

/* `path arg` with stdout captured, a minimal environment and a deadline.
 * The only process doctor starts, and never with a shell. */
static int run_capture(const char *path, const char *arg, unsigned timeout_ms, char **ret,
                       int *ret_status, struct hr_error *err)
{
  cleanup_free char *buf = malloc(RUNTIME_OUTPUT_MAX + 1);
  int fds[2], status = 0, r;
  size_t len = 0;
  pid_t pid;

  if (buf == NULL)
    return hr_error_oom(err);
  if (pipe2(fds, O_CLOEXEC) < 0)
    return hr_error_sys(err, "pipe");
  pid = fork();
  if (pid < 0) {
    hr_error_sys(err, "fork");
    goto close_both;
  }
  if (pid == 0)
    child_exec(path, arg, fds[1]);
  close(fds[1]);
  r = collect(fds[0], now_ms() + timeout_ms, buf, &len);
  close(fds[0]);
  if (r < 0)
    kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return hr_error_set(err, HR_ERR_SYSTEM, -r, "`%s %s`", path, arg);
  buf[len] = '\0';
  *ret = get_and_reset(&buf);
  *ret_status = status;
  return 0;

close_both:
  close(fds[0]);
  close(fds[1]);
  return -1;
}

/* ---- hardrun.conf ------------------------------------------------------------------ */

static void check_conf(struct doctor *d)
{
  const char *path = d->opts->conf_path ? d->opts->conf_path : SYSCONFDIR "/hardrun/hardrun.conf";
  cleanup_free char *host = doctor_path(d, path);
  struct hr_error e = {0};
  struct stat st;

  if (host == NULL) {
    d->failed = true;
    return;
  }
  /* Only the default file may be absent, as for create. */
  if (d->opts->conf_path == NULL && doctor_stat(d, path, false, &st) < 0 && errno == ENOENT) {
    d->have_conf = hr_conf_defaults(&d->conf, &e) == 0;
    doctor_add(d, "hardrun.conf", HR_CHECK_PASS, NULL, "%s is absent: built-in defaults apply",
               path);
    return;
  }
  if (hr_conf_load(host, &d->conf, &e) < 0) {
    doctor_add(d, "hardrun.conf", HR_CHECK_FAIL,
               "correct it; `hardrun policy check FILE` lists every problem", "%s",
               unroot(d, e.msg));
    d->have_conf = hr_conf_defaults(&d->conf, &e) == 0;
    return;
  }
  d->have_conf = true;
  doctor_add(d, "hardrun.conf", HR_CHECK_PASS, NULL,
             "%s parses: default profile \"%s\", runtime %s, state directory %s", path,
             d->conf.default_profile, d->conf.runtime, d->conf.state_dir);
}

/* ---- the runtime ---------------------------------------------------------------------- */

static const char *runtime_of(const struct doctor *d)
{
  if (d->opts->runtime != NULL)
    return d->opts->runtime;
  return d->have_conf ? d->conf.runtime : HR_DEFAULT_RUNTIME;
}

/* "runc version 1.1.5+ds1" and "spec: 1.0.2-dev" from --version: the
 * first line is "NAME version VERSION". */
static bool parse_version(const char *out, char *name, size_t nsize, char *ver, size_t vsize,
                          char *spec, size_t ssize)
{
  const char *sp = strstr(out, "\nspec: ");
  size_t first = strcspn(out, "\n"), nl = strcspn(out, " ");
  const char *v;

  if (nl == 0 || nl >= nsize || nl >= first || strncmp(out + nl, " version ", 9) != 0)
    return false;
  v = out + nl + 9;
  if ((size_t)(out + first - v) == 0 || (size_t)(out + first - v) >= vsize)
    return false;
  snprintf(name, nsize, "%.*s", (int)nl, out);
  snprintf(ver, vsize, "%.*s", (int)(out + first - v), v);
  snprintf(spec, ssize, "%.*s", sp != NULL ? (int)strcspn(sp + 7, "\n") : 1,
           sp != NULL ? sp + 7 : "?");
  return true;
}

bool doctor_is_self(const struct stat *st)
{
  struct stat self;

  return stat("/proc/self/exe", &self) == 0 && self.st_dev == st->st_dev &&
         self.st_ino == st->st_ino;
}

static unsigned timeout_of(const struct doctor *d)
{
  return d->opts->timeout_ms ? d->opts->timeout_ms : RUNTIME_TIMEOUT_MS;
}

/* Present, executable, not hardrun, and answering --version. */
static bool check_runtime(struct doctor *d, char **ret_exec)
{
  static const char fix[] = "install runc (apt-get install runc) and name it as \"runtime\" in "
                            "hardrun.conf";
  const char *path = runtime_of(d);
  cleanup_free char *exe = doctor_path(d, path), *out = NULL;
  char name[32], ver[64], spec[64];
  struct hr_error e = {0};
  struct stat st;
  int status;

  if (exe == NULL) {
    d->failed = true;
    return false;
  }
  if (path[0] != '/' || doctor_stat(d, path, true, &st) < 0) {
    doctor_add(d, "runtime", HR_CHECK_FAIL, fix, "runtime %s: %s", path,
               path[0] != '/' ? "not an absolute path" : strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    doctor_add(d, "runtime", HR_CHECK_FAIL, fix, "runtime %s is not an executable file", path);
    return false;
  }
  if (doctor_is_self(&st)) {
    doctor_add(d, "runtime", HR_CHECK_FAIL,
               "set \"runtime\" in hardrun.conf to the real runc (`command -v runc`)",
               "runtime %s is hardrun itself: every command would loop", path);
    return false;
  }
  if (run_capture(exe, "--version", timeout_of(d), &out, &status, &e) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 ||
      !parse_version(out, name, sizeof(name), ver, sizeof(ver), spec, sizeof(spec))) {
    doctor_add(d, "runtime", HR_CHECK_FAIL, fix, "runtime %s: `--version` %s", path,
               e.kind != HR_ERR_NONE ? unroot(d, e.msg) : "does not print \"NAME version X\"");
    return false;
  }
  doctor_add(d, "runtime", HR_CHECK_PASS, NULL, "%s: %s version %s, OCI runtime spec %s", path,
             name, ver, spec);
  *ret_exec = get_and_reset(&exe);
  return true;
}

static void check_features(struct doctor *d, const char *exe)
{
  const struct hr_json_parse_opts opts = {.name = "features"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *out = NULL;
  const struct hr_json *max, *seccomp;
  struct hr_error e = {0};
  int status;

  if (run_capture(exe, "features", timeout_of(d), &out, &status, &e) < 0) {
    doctor_add(d, "runtime features", HR_CHECK_FAIL, "check the runtime by hand", "%s",
               unroot(d, e.msg));
    return;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    doctor_add(d, "runtime features", HR_CHECK_WARN, "upgrade runc to 1.1 or later",
               "`%s features` failed (exit status %d): the runtime predates runc 1.1",
               runtime_of(d), WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return;
  }
  if (hr_json_parse(out, strlen(out), &opts, &doc, &e) < 0 ||
      (max = hr_json_get(hr_json_doc_root(doc), "ociVersionMax")) == NULL ||
      max->type != HR_JSON_STRING) {
    doctor_add(d, "runtime features", HR_CHECK_FAIL, "check the runtime by hand",
               "`features` output does not parse: %s", e.kind ? e.msg : "no ociVersionMax");
    return;
  }
  seccomp = hr_json_get_path(hr_json_doc_root(doc), "linux.seccomp.enabled");
  doctor_add(d, "runtime features", HR_CHECK_PASS, NULL,
             "`features` parses: OCI runtime spec up to %s, seccomp %s", max->u.string.s,
             seccomp != NULL && seccomp->type == HR_JSON_BOOL && seccomp->u.boolean
                 ? "enabled"
                 : "not reported");
}

/* ---- the kernel -------------------------------------------------------------------------- */

static void check_seccomp(struct doctor *d)
{
  cleanup_free char *buf = NULL;
  size_t len;

  if (doctor_read(d, "/proc/sys/kernel/seccomp/actions_avail", &buf, &len) < 0) {
    doctor_add(d, "seccomp", HR_CHECK_FAIL,
               "use a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER",
               "/proc/sys/kernel/seccomp/actions_avail: %s: no seccomp filters", strerror(errno));
    return;
  }
  buf[strcspn(buf, "\n")] = '\0';
  if (strstr(buf, "errno") == NULL || strstr(buf, "kill_process") == NULL) {
    doctor_add(d, "seccomp", HR_CHECK_FAIL, "use a kernel of Linux 4.14 or later",
               "seccomp actions %s lack errno or kill_process", buf);
    return;
  }
  doctor_add(d, "seccomp", HR_CHECK_PASS, NULL, "seccomp filters available (actions: %s)", buf);
}

static bool userns_wanted(const struct doctor *d)
{
  return d->policy != NULL && d->policy->userns.enabled;
}

static void check_userns(struct doctor *d)
{
  static const char fix[] = "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d)";
  enum hr_check_status bad = userns_wanted(d) ? HR_CHECK_FAIL : HR_CHECK_WARN;
  cleanup_free char *buf = NULL;
  size_t len;
  int64_t n;

  if (doctor_read(d, "/proc/sys/user/max_user_namespaces", &buf, &len) < 0) {
    doctor_add(d, "user namespaces", bad, "use a kernel built with CONFIG_USER_NS",
               "/proc/sys/user/max_user_namespaces: %s", strerror(errno));
    return;
  }
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (hr_parse_i64(buf, len, &n) < 0 || n <= 0) {
    doctor_add(d, "user namespaces", bad, fix, "user.max_user_namespaces is %s%s", buf,
               userns_wanted(d) ? ", but the default profile enables user namespaces" : "");
    return;
  }
  doctor_add(d, "user namespaces", HR_CHECK_PASS, NULL, "user.max_user_namespaces is %" PRId64, n);
}

static int subid_ranges(const struct doctor *d, const char *file, const char *user,
                        struct hr_idrange **ret, size_t *n, struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;

  if (doctor_read(d, file, &buf, &len) < 0 && errno != ENOENT)
    return hr_error_sys(err, "%s", file);
  return hr_subid_parse(buf != NULL ? buf : "", len, file, user, ret, n, err);
}

/* The default profile's pool, or the subid files of its user. */
static void check_pool(struct doctor *d)
{
  const struct hr_policy_userns *u = d->policy != NULL ? &d->policy->userns : NULL;
  const char *user = u != NULL && u->subid_user ? u->subid_user : HR_USERNS_DEFAULT_USER;
  const char *uf = u != NULL && u->subuid_file ? u->subuid_file : HR_USERNS_DEFAULT_SUBUID;
  const char *gf = u != NULL && u->subgid_file ? u->subgid_file : HR_USERNS_DEFAULT_SUBGID;
  uint32_t size = u != NULL && u->size ? u->size : HR_USERNS_DEFAULT_SIZE;
  cleanup_free struct hr_idrange *uids = NULL, *gids = NULL;
  cleanup_free struct hr_userns_slot *slots = NULL;
  size_t nu = 0, ng = 0, ns = 0;
  struct hr_error e = {0};
  char fix[256];

  if (u != NULL && u->enabled && u->has_pool) {
    doctor_add(d, "id pool", HR_CHECK_PASS, NULL,
               "the default profile's own pool: uid %" PRIu32 ", gid %" PRIu32 ", %" PRIu32 " ids",
               u->pool_uid, u->pool_gid, u->pool_size);
    return;
  }
  snprintf(fix, sizeof(fix), "add \"%s:1000000:65536000\" to %s and %s", user, uf, gf);
  if (subid_ranges(d, uf, user, &uids, &nu, &e) < 0 ||
      subid_ranges(d, gf, user, &gids, &ng, &e) < 0 ||
      hr_userns_slots(uids, nu, gids, ng, size, &slots, &ns, &e) < 0) {
    doctor_add(d, "id pool", HR_CHECK_FAIL, fix, "%s", e.msg);
    return;
  }
  if (ns == 0)
    doctor_add(d, "id pool", userns_wanted(d) ? HR_CHECK_FAIL : HR_CHECK_WARN, fix,
               "%s and %s give user \"%s\" no range of %" PRIu32 " ids%s", uf, gf, user, size,
               userns_wanted(d) ? ": every create fails"
                                : " (the default profile does not use user namespaces)");
  else
    doctor_add(d, "id pool", HR_CHECK_PASS, NULL,
               "%zu slice%s of %" PRIu32 " ids for user \"%s\" in %s and %s", ns,
               ns == 1 ? "" : "s", size, user, uf, gf);
}

/* ---- cgroups ------------------------------------------------------------------------------ */

static const char *const cgroup_controllers[] = {"pids", "memory", "cpu"};

static bool has_word(const char *list, const char *word)
{
  size_t n = strlen(word);

  for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
        (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
      return true;
  return false;
}

/* /proc/cgroups: "name hierarchy num_cgroups enabled" per controller. */
static bool v1_controller(const struct doctor *d, const char *cgroups, const char *name)
{
  char path[64];
  struct stat st;

  for (const char *line = cgroups; line != NULL && *line != '\0';) {
    char n[32];
    unsigned hier, num, enabled;
    if (sscanf(line, "%31s %u %u %u", n, &hier, &num, &enabled) == 4 && strcmp(n, name) == 0) {
      snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", name);
      return enabled == 1 && hier > 0 && doctor_stat(d, path, true, &st) == 0 &&
             S_ISDIR(st.st_mode);
    }
    line = strchr(line, '\n');
    line = line != NULL ? line + 1 : NULL;
  }
  return false;
}

static void check_cgroups(struct doctor *d)
{
  static const char fix[] = "enable and mount the pids, memory and cpu controllers (kernel "
                            "command line cgroup_enable=..., or the cgroup mounts)";
  cleanup_free char *buf = NULL;
  char missing[64] = "";
  bool v2;
  size_t len;
  struct stat st;

  v2 = doctor_read(d, "/sys/fs/cgroup/cgroup.controllers", &buf, &len) == 0;
  if (!v2 && doctor_read(d, "/proc/cgroups", &buf, &len) < 0) {
    doctor_add(d, "cgroups", HR_CHECK_FAIL, fix,
               "neither /sys/fs/cgroup/cgroup.controllers nor "
               "/proc/cgroups can be read: %s",
               strerror(errno));
    return;
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(cgroup_controllers); i++) {
    bool ok =
        v2 ? has_word(buf, cgroup_controllers[i]) : v1_controller(d, buf, cgroup_controllers[i]);
    if (!ok)
      snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
               missing[0] ? ", " : "", cgroup_controllers[i]);
  }
  if (missing[0] != '\0') {
    doctor_add(d, "cgroups", HR_CHECK_FAIL, fix, "cgroup v%d without the %s controller%s",
               v2 ? 2 : 1, missing, strchr(missing, ',') ? "s" : "");
    return;
  }
  doctor_add(d, "cgroups", HR_CHECK_PASS, NULL,
             "cgroup v%d%s with the pids, memory and cpu controllers", v2 ? 2 : 1,
             !v2 && doctor_stat(d, "/sys/fs/cgroup/unified", true, &st) == 0 ? " (hybrid)" : "");
}

/* ---- hardrun's profiles, state and audit ------------------------------------------------ */

/* hardrun.conf with every path moved under the root, for the library
 * functions that take paths; no state directory, so nothing is written. */
static int rooted_conf(const struct doctor *d, struct hr_conf *ret, char ***ret_dirs)
{
  size_t n = 0;
  char **dirs;

  while (d->conf.profile_dirs != NULL && d->conf.profile_dirs[n] != NULL)
    n++;
  if ((dirs = calloc(n + 1, sizeof(*dirs))) == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((dirs[i] = doctor_path(d, d->conf.profile_dirs[i])) == NULL) {
      hr_strv_free(dirs);
      return -1;
    }
  *ret = d->conf;
  ret->profile_dirs = dirs;
  ret->state_dir = NULL;
  *ret_dirs = dirs;
  return 0;
}

/* Every NAME.json of one directory must load (the seccomp profile it
 * names included), and every seccomp/NAME.json must validate.  Returns
 * how many files were checked, -1 after recording a failure. */
static int check_dir(struct doctor *d, const struct hr_conf *rooted, const char *dir, bool seccomp,
                     char *names, size_t size)
{
  cleanup_free char *path = NULL;
  DIR *dp;
  struct dirent *de;
  int fd, count = 0;

  if (hr_asprintf(&path, d->err, "%s%s", dir, seccomp ? "/seccomp" : "") < 0) {
    d->failed = true;
    return -1;
  }
  if ((fd = doctor_open(d, path, O_RDONLY | O_DIRECTORY)) < 0 || (dp = fdopendir(fd)) == NULL) {
    if (fd >= 0)
      close(fd);
    return 0;
  }
  while ((de = readdir(dp)) != NULL && count < PROFILES_MAX) {
    size_t len = strlen(de->d_name);
    cleanup_free char *name = NULL, *file = NULL, *buf = NULL;
    struct hr_policy *p = NULL;
    struct hr_seccomp_filter *f = NULL;
    struct hr_error e = {0};
    size_t blen;
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
        (name = strndup(de->d_name, len - 5)) == NULL || !hr_policy_name_valid(name))
      continue;
    if (!seccomp ? hr_policy_load(rooted, name, &p, &e) < 0
                 : (hr_asprintf(&file, &e, "%s/%s", path, de->d_name) < 0 ||
                    doctor_read(d, file, &buf, &blen) < 0 ||
                    hr_seccomp_filter_parse(buf, blen, file, NULL, &f, &e) < 0)) {
      doctor_add(d, "profiles", HR_CHECK_FAIL,
                 "correct it; `hardrun policy check FILE` lists every problem", "%s/%s: %s", path,
                 de->d_name, e.kind ? e.msg : strerror(errno));
      hr_policy_free(p);
      closedir(dp);
      return -1;
    }
    hr_policy_free(p);
    hr_seccomp_filter_free(f);
    snprintf(names + strlen(names), size - strlen(names), "%s%s%s", names[0] ? ", " : "",
             seccomp ? "seccomp/" : "", name);
    count++;
  }
  closedir(dp);
  return count;
}

static void check_profiles(struct doctor *d, const struct hr_error *default_err)
{
  struct hr_conf rooted;
  char **dirs = NULL;
  char names[1024] = "";
  int total = 0;

  if (default_err->kind != HR_ERR_NONE) {
    char msg[HR_ERROR_MSG_MAX];
    snprintf(msg, sizeof(msg), "%s", default_err->msg);
    doctor_add(d, "profiles", HR_CHECK_FAIL,
               "correct it; `hardrun policy check FILE` lists every problem",
               "the default profile does not load: %s", unroot(d, msg));
    return;
  }
  if (rooted_conf(d, &rooted, &dirs) < 0) {
    d->failed = true;
    return;
  }
  for (size_t i = 0; d->conf.profile_dirs[i] != NULL; i++) {
    int a = check_dir(d, &rooted, d->conf.profile_dirs[i], false, names, sizeof(names));
    int b = a < 0 ? -1 : check_dir(d, &rooted, d->conf.profile_dirs[i], true, names, sizeof(names));
    if (b < 0) {
      hr_strv_free(dirs);
      return;
    }
    total += a + b;
  }
  hr_strv_free(dirs);
  doctor_add(d, "profiles", HR_CHECK_PASS, NULL, "%d profile files load (%s); default: %s", total,
             names, d->policy->path);
}

/* A directory as hr_rundir_open() wants it: hardrun's user's, and
 * writable by no one else. */
static bool own_dir(const struct stat *st)
{
  return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 022) == 0;
}

static void own_dir_fix(char *fix, size_t size, const char *dir)
{
  snprintf(fix, size, "chown %u:%u %s && chmod 0700 %s", (unsigned)geteuid(), (unsigned)getegid(),
           dir, dir);
}

/* stateDir holds the records that choose the profile of every exec: it
 * must be hardrun's alone, as create itself insists. */
static void check_state(struct doctor *d)
{
  const char *dir = d->conf.state_dir;
  struct stat st;
  char fix[512];

  own_dir_fix(fix, sizeof(fix), dir);
  if (doctor_stat(d, dir, false, &st) < 0) {
    if (errno == ENOENT)
      doctor_add(d, "state directory", HR_CHECK_PASS, NULL,
                 "%s is absent: the first create makes it with mode 0700", dir);
    else
      doctor_add(d, "state directory", HR_CHECK_FAIL, fix, "%s: %s", dir, strerror(errno));
    return;
  }
  if (!own_dir(&st)) {
    doctor_add(d, "state directory", HR_CHECK_FAIL, fix,
               "%s is %s owned by uid %u with mode %04o: it must be a directory of uid %u that "
               "no one else can write",
               dir, S_ISDIR(st.st_mode) ? "a directory" : "not a directory", (unsigned)st.st_uid,
               (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    return;
  }
  doctor_add(d, "state directory", HR_CHECK_PASS, NULL, "%s: mode %04o, owned by uid %u", dir,
             (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
}

/* The pass-through fast path trusts its cache only in directories of
 * hardrun's user that no one else can write; elsewhere state, start and
 * kill all take the full path (slower, never wrong), hence a WARN. */
static void check_passthrough(struct doctor *d)
{
  static const char *const dirs[] = {HR_PASSCACHE_TOP, HR_PASSCACHE_DIR};
  struct stat st;
  char fix[512];

  if (!HR_PRESTART_ENTRY) {
    doctor_add(d, "pass-through", HR_CHECK_PASS, NULL,
               "this build has no fast path (not a static PIE on x86-64): state, start and kill "
               "start the C library");
    return;
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(dirs); i++) {
    own_dir_fix(fix, sizeof(fix), dirs[i]);
    if (doctor_stat(d, dirs[i], false, &st) < 0) {
      if (errno == ENOENT)
        break;
      doctor_add(d, "pass-through", HR_CHECK_WARN, fix, "%s: %s", dirs[i], strerror(errno));
      return;
    }
    if (!own_dir(&st)) {
      doctor_add(d, "pass-through", HR_CHECK_WARN, fix,
                 "%s is not a directory of uid %u that no one else can write (uid %u, mode "
                 "%04o): the fast path's cache is ignored and every state, start and kill "
                 "starts the C library",
                 dirs[i], (unsigned)geteuid(), (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
      return;
    }
  }
  doctor_add(d, "pass-through", HR_CHECK_PASS, NULL,
             "fast path built in; its cache in %s is hardrun's alone (or made by the first "
             "pass-through)",
             HR_PASSCACHE_DIR);
}

/* Can a datagram reach the syslog socket?  connect() says so without
 * sending anything. */
static int socket_reachable(const struct doctor *d, const char *path)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  cleanup_free char *host = doctor_path(d, path);
  cleanup_close int fd = -1;

  if (host == NULL || strlen(host) >= sizeof(sa.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(sa.sun_path, host, strlen(host) + 1);
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* Would hardrun's write get through?  access() with the effective ids
 * answers for the permission bits, a read-only mount and an immutable
 * file, without writing anything. */
static int writable(const struct doctor *d, const char *path, bool follow, int mode)
{
  cleanup_close int fd = doctor_open(d, path, O_PATH | (follow ? 0 : O_NOFOLLOW));

  if (fd < 0)
    return -1;
  return faccessat(fd, "", mode, AT_EACCESS | AT_EMPTY_PATH);
}

static bool check_audit_file(struct doctor *d, const char *file)
{
  static const char fix[] = "make it a regular file of root with mode 0600, or set \"auditFile\"";
  cleanup_free char *parent = strndup(file, (size_t)(strrchr(file, '/') - file));
  const char *dir = parent != NULL && parent[0] != '\0' ? parent : "/";
  struct stat st;

  if (doctor_stat(d, file, false, &st) == 0) {
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
      doctor_add(d, "audit", HR_CHECK_FAIL, fix,
                 "auditFile %s is not a regular file of uid %u with mode 0600 (mode %04o, uid %u)",
                 file, (unsigned)geteuid(), (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
      return false;
    }
    if (writable(d, file, false, W_OK) < 0) {
      doctor_add(d, "audit", HR_CHECK_FAIL,
                 "make it writable (chattr -i, or a read-write mount), or set \"auditFile\"",
                 "auditFile %s is not writable: %s", file, strerror(errno));
      return false;
    }
    return true;
  }
  if (errno == ENOENT && doctor_stat(d, dir, true, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (writable(d, dir, true, W_OK | X_OK) == 0)
      return true;
    doctor_add(d, "audit", HR_CHECK_FAIL,
               "make its directory writable (a read-write mount), or set \"auditFile\"",
               "auditFile %s cannot be created: %s: %s", file, dir, strerror(errno));
    return false;
  }
  doctor_add(d, "audit", HR_CHECK_FAIL, "create its directory, or set \"auditFile\"",
             "auditFile %s cannot be created: %s", file, strerror(errno));
  return false;
}

static void check_audit(struct doctor *d)
{
  const char *sock = d->conf.audit_socket, *file = d->conf.audit_file;
  bool to_syslog = sock != NULL && sock[0] != '\0';
  int sock_errno = 0;

  if (to_syslog && socket_reachable(d, sock) < 0)
    sock_errno = errno;
  if (file != NULL && !check_audit_file(d, file))
    return;
  if (!to_syslog && file == NULL) {
    doctor_add(d, "audit", HR_CHECK_WARN, "set \"auditSocket\" or \"auditFile\" in hardrun.conf",
               "no audit destination: decisions are not recorded");
    return;
  }
  if (sock_errno != 0) {
    doctor_add(d, "audit", HR_CHECK_WARN,
               "run a syslog daemon (apt-get install rsyslog), or set \"auditSocket\" to \"\" "
               "and \"auditFile\" in hardrun.conf",
               "auditSocket %s: %s: %s", sock, strerror(sock_errno),
               file != NULL ? "records reach auditFile only" : "audit records are lost");
    return;
  }
  if (to_syslog && file != NULL)
    doctor_add(d, "audit", HR_CHECK_PASS, NULL, "audit records go to syslog (%s) and to %s", sock,
               file);
  else if (to_syslog)
    doctor_add(d, "audit", HR_CHECK_PASS, NULL, "audit records go to syslog (%s)", sock);
  else
    doctor_add(d, "audit", HR_CHECK_PASS, NULL, "audit records go to %s", file);
}

/* ---- the run --------------------------------------------------------------------------------- */

static void load_default_profile(struct doctor *d, struct hr_error *e)
{
  struct hr_conf rooted;
  char **dirs = NULL;

  if (!d->have_conf) {
    hr_error_profile(e, "no usable hardrun.conf");
    return;
  }
  if (rooted_conf(d, &rooted, &dirs) < 0) {
    d->failed = true;
    return;
  }
  /* A failed lookup in an earlier directory leaves its error behind even
   * when a later one succeeds. */
  if (hr_policy_load(&rooted, d->conf.default_profile, &d->policy, e) == 0)
    *e = (struct hr_error){0};
  hr_strv_free(dirs);
}

static void run_checks(struct doctor *d)
{
  struct hr_error profile_err = {0};
  cleanup_free char *exe = NULL;

  check_conf(d);
  load_default_profile(d, &profile_err);
  if (check_runtime(d, &exe))
    check_features(d, exe);
  check_seccomp(d);
  check_userns(d);
  check_pool(d);
  check_cgroups(d);
  doctor_lsm(d);
  doctor_registration(d);
  doctor_cis(d);
  check_profiles(d, &profile_err);
  if (d->have_conf) {
    check_state(d);
    check_audit(d);
  }
  check_passthrough(d);
}

int hr_doctor_run(const struct hr_doctor_opts *o, struct hr_doctor *ret, struct hr_error *err)
{
  const char *root = o->host_root != NULL ? o->host_root : "/";
  struct doctor d = {.out = ret, .opts = o, .err = err};

  *ret = (struct hr_doctor){0};
  d.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (d.rootfd < 0)
    return hr_error_sys(err, "host root `%s`", root);
  d.root = strcmp(root, "/") == 0 ? "" : root;
  run_checks(&d);
  close(d.rootfd);
  hr_policy_free(d.policy);
  if (d.have_conf)
    hr_conf_free(&d.conf);
  if (d.failed) {
    hr_doctor_free(ret);
    return hr_error_oom(err);
  }
  return 0;
}

int hr_doctor_format_json(const struct hr_doctor *d, char **ret, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = hr_jb_new(err);
  struct hr_json *root, *checks, *summary;
  int64_t count[3] = {0};

  if (doc == NULL)
    return -1;
  root = hr_json_doc_root(doc);
  if ((checks = hr_jb_arr(doc, root, "checks", err)) == NULL)
    return -1;
  for (size_t i = 0; i < d->len; i++) {
    const struct hr_check *c = &d->items[i];
    struct hr_json *o = hr_jb_obj(doc, checks, NULL, err);
    count[c->status]++;
    if (o == NULL || hr_jb_str(doc, o, "check", c->name, err) < 0 ||
        hr_jb_str(doc, o, "status", hr_check_status_name(c->status), err) < 0 ||
        hr_jb_str(doc, o, "message", c->message, err) < 0 ||
        hr_jb_str(doc, o, "fix", c->fix, err) < 0)
      return -1;
  }
  if ((summary = hr_jb_obj(doc, root, "summary", err)) == NULL ||
      hr_jb_i64(doc, summary, "pass", count[HR_CHECK_PASS], err) < 0 ||
      hr_jb_i64(doc, summary, "warn", count[HR_CHECK_WARN], err) < 0 ||
      hr_jb_i64(doc, summary, "fail", count[HR_CHECK_FAIL], err) < 0)
    return -1;
  return hr_jb_finish(doc, ret, err);
}
