/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "apparmor" and "selinux" controls: confine the container with
 * hardrun's AppArmor profile, or give it the container SELinux type and its
 * own pair of MCS categories.
 *
 * Three layers: the hr_lsm_* wrappers, which alone know whether libapparmor
 * and libselinux are built in; the host facts (struct hr_lsm_host), filled
 * from the wrappers on a real create and by hand in unit tests; and the
 * rewrites of config.json, which only read the host facts.  None of this
 * runs on pass-through commands: the wrappers are called from the controls'
 * apply functions only. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif
#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "hardrun/argv.h"
#include "hardrun/controls.h"
#include "hardrun/lsm.h"
#include "hardrun/refusals.h"
#include "hardrun/rundir.h"
#include "hardrun/utils.h"

#define LXC_CONTEXTS_MAX  (64u * 1024)
#define MCS_STATE         "selinux-mcs"
#define MCS_LOCK          "selinux-mcs.lock"
#define MCS_STATE_MAX     (8u * 1024 * 1024)
#define MCS_ENTRIES_MAX   65536u
#define CONTAINER_ID_MAX  1024u
#define LABEL_MAX         1024u
#define PROFILE_NAME_MAX  255u
#define SELINUX_TYPE_MAX  255u
#define MCS_RANDOM_TRIES  64
#define APPARMOR_LINE_MAX 4096

/* Types that mean "not confined": a container labelled with one of them
 * is as strong as the host's root. */
static const char *const refused_types[] = {"spc_t", "unconfined_t"};

/* ---- the wrappers -------------------------------------------------------- */

bool hr_lsm_apparmor_enabled(void)
{
#ifdef HAVE_APPARMOR
  /* aa_is_enabled() opens four files on every call, even on a kernel
   * without AppArmor; without the module parameter it cannot succeed. */
  if (access("/sys/module/apparmor/parameters/enabled", F_OK) < 0 && errno == ENOENT)
    return false;
  return aa_is_enabled() == 1;
#else
  char c = 0;
  int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return false;
  if (read(fd, &c, 1) != 1)
    c = 0;
  close(fd);
  return c == 'Y';
#endif
}

/* The securityfs file that lists loaded profiles, one "NAME (MODE)" a line;
 * NULL when AppArmor's securityfs directory is not there. */
static char *apparmor_profiles_path(struct hr_error *err)
{
  char *path = NULL;
#ifdef HAVE_APPARMOR
  cleanup_free char *mnt = NULL;

  if (aa_find_mountpoint(&mnt) < 0) {
    mnt = NULL;
    return NULL;
  }
  if (hr_asprintf(&path, err, "%s/profiles", mnt) < 0)
    return NULL;
#else
  path = hr_strdup("/sys/kernel/security/apparmor/profiles", err);
#endif
  return path;
}

int hr_lsm_apparmor_profile_loaded(const char *name, struct hr_error *err)
{
  struct hr_error perr = {0};
  cleanup_free char *path = apparmor_profiles_path(&perr);
  cleanup_fclose FILE *f = NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0, n = strlen(name);
  ssize_t len;

  if (path == NULL) {
    if (perr.kind == HR_ERR_NONE)
      return 0;
    *err = perr;
    return -1;
  }
  f = fopen(path, "re");
  if (f == NULL)
    return errno == ENOENT ? 0 : hr_error_sys(err, "open `%s`", path);
  while ((len = getline(&line, &cap, f)) > 0) {
    if ((size_t)len > APPARMOR_LINE_MAX)
      continue;
    if ((size_t)len > n + 2 && memcmp(line, name, n) == 0 && memcmp(line + n, " (", 2) == 0)
      return 1;
  }
  if (ferror(f))
    return hr_error_sys(err, "read `%s`", path);
  return 0;
}

bool hr_lsm_selinux_enabled(void)
{
#ifdef HAVE_SELINUX
  return is_selinux_enabled() > 0;
#else
  /* Without libselinux an SELinux host must still be noticed, so that the
   * control fails closed (hr_lsm_selinux_check_context refuses everything)
   * instead of silently leaving the container unlabelled. */
  struct statfs sfs;
  return statfs("/sys/fs/selinux", &sfs) == 0 && (unsigned long)sfs.f_type == 0xf97cff8cUL;
#endif
}

int hr_lsm_selinux_check_context(const char *context)
{
#ifdef HAVE_SELINUX
  return security_check_context(context) < 0 ? -1 : 0;
#else
  (void)context;
  errno = ENOTSUP;
  return -1;
#endif
}

int hr_lsm_selinux_container_contexts(char **ret_process, char **ret_file, struct hr_error *err)
{
  *ret_process = *ret_file = NULL;
#ifdef HAVE_SELINUX
  const char *path = selinux_lxc_contexts_path();
  cleanup_free char *buf = NULL;
  size_t len;

  if (path == NULL)
    return 0;
  if (hr_read_file(path, LXC_CONTEXTS_MAX, &buf, &len, err) < 0) {
    if (err->kind == HR_ERR_SYSTEM && err->code == ENOENT) {
      *err = (struct hr_error){0};
      return 0;
    }
    return -1;
  }
  if (hr_lsm_parse_lxc_contexts(buf, len, ret_process, ret_file, err) < 0)
    return hr_error_prefix(err, "%s", path);
#else
  (void)err;
#endif
  return 0;
}

/* ---- lxc_contexts ------------------------------------------------------------ */

static const char *trim(const char *s, const char *end, const char **ret_end)
{
  while (s < end && isspace((unsigned char)*s))
    s++;
  while (end > s && isspace((unsigned char)end[-1]))
    end--;
  *ret_end = end;
  return s;
}

/* One `key = "value"` line; stores the value when the key is wanted. */
static int lxc_line(const char *s, const char *end, unsigned lineno, char **process, char **file,
                    struct hr_error *err)
{
  const char *eq = memchr(s, '=', (size_t)(end - s)), *kend, *v, *vend;
  char **dst = NULL;

  s = trim(s, end, &end);
  if (s == end || *s == '#')
    return 0;
  if (eq == NULL)
    return hr_error_input(err, "line %u: expected KEY = \"CONTEXT\"", lineno);
  s = trim(s, eq, &kend);
  v = trim(eq + 1, end, &vend);
  if ((size_t)(kend - s) == 7 && memcmp(s, "process", 7) == 0)
    dst = process;
  else if ((size_t)(kend - s) == 4 && memcmp(s, "file", 4) == 0)
    dst = file;
  if (dst == NULL)
    return 0;
  if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
    v++;
    vend--;
  }
  if (v == vend || (size_t)(vend - v) > LABEL_MAX || memchr(v, '"', (size_t)(vend - v)))
    return hr_error_input(err, "line %u: malformed context", lineno);
  free(*dst);
  *dst = hr_strndup(v, (size_t)(vend - v), err);
  return *dst == NULL ? -1 : 0;
}

int hr_lsm_parse_lxc_contexts(const char *buf, size_t len, char **ret_process, char **ret_file,
                              struct hr_error *err)
{
  cleanup_free char *process = NULL, *file = NULL;
  const char *end = buf + len;
  unsigned lineno = 0;

  for (const char *s = buf; s < end;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *eol = nl != NULL ? nl : end;
    if (memchr(s, '\0', (size_t)(eol - s)) != NULL)
      return hr_error_input(err, "line %u: NUL byte", lineno + 1);
    if (lxc_line(s, eol, ++lineno, &process, &file, err) < 0)
      return -1;
    s = nl != NULL ? nl + 1 : end;
  }
  *ret_process = get_and_reset(&process);
  *ret_file = get_and_reset(&file);
  return 0;
}

/* ---- host facts ---------------------------------------------------------------- */

static const char *bound_id;
static const char *bound_run_dir;
static const struct hr_lsm_host *bound_host;

void hr_lsm_set_container(const char *id, const char *run_dir)
{
  bound_id = id;
  bound_run_dir = run_dir;
}

const char *hr_lsm_container(void)
{
  return bound_id;
}

static int real_apparmor_loaded(const struct hr_lsm_host *h, const char *name, struct hr_error *err)
{
  return hr_lsm_apparmor_profile_loaded(name, err);
}

static int real_selinux_check(const struct hr_lsm_host *h, const char *context)
{
  return hr_lsm_selinux_check_context(context);
}

void hr_lsm_bind_host(const struct hr_lsm_host *h)
{
  bound_host = h;
}

/* The bound host's facts, in a copy that owns its strings. */
static int bound_probe(struct hr_lsm_host *ret, struct hr_error *err)
{
  *ret = *bound_host;
  ret->run_dir = bound_run_dir != NULL ? bound_run_dir : HR_RUN_DIR;
  ret->container_id = bound_id;
  ret->dry_run = false;
  ret->selinux_process = ret->selinux_file = NULL;
  if ((bound_host->selinux_process != NULL &&
       (ret->selinux_process = hr_strdup(bound_host->selinux_process, err)) == NULL) ||
      (bound_host->selinux_file != NULL &&
       (ret->selinux_file = hr_strdup(bound_host->selinux_file, err)) == NULL)) {
    hr_lsm_host_release(ret);
    return -1;
  }
  return 0;
}

int hr_lsm_host_probe(struct hr_lsm_host *ret, unsigned what, struct hr_error *err)
{
  if (bound_host != NULL)
    return bound_probe(ret, err);
  *ret = (struct hr_lsm_host){
      .apparmor_loaded = real_apparmor_loaded,
      .selinux_check = real_selinux_check,
      .run_dir = bound_run_dir != NULL ? bound_run_dir : HR_RUN_DIR,
      .container_id = bound_id,
  };
  if (what & HR_LSM_PROBE_APPARMOR)
    ret->apparmor = hr_lsm_apparmor_enabled();
  if (what & HR_LSM_PROBE_SELINUX) {
    ret->selinux = hr_lsm_selinux_enabled();
    /* The contexts file is read only where it means something. */
    if (ret->selinux &&
        hr_lsm_selinux_container_contexts(&ret->selinux_process, &ret->selinux_file, err) < 0) {
      hr_lsm_host_release(ret);
      return -1;
    }
  }
  return 0;
}

void hr_lsm_host_release(struct hr_lsm_host *h)
{
  free(h->selinux_process);
  free(h->selinux_file);
  h->selinux_process = h->selinux_file = NULL;
}

/* ---- profile sections ---------------------------------------------------------- */

static bool profile_name_valid(const char *s)
{
  size_t n = strlen(s);

  if (n == 0 || n > PROFILE_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] <= ' ' || s[i] == 0x7f || (unsigned char)s[i] >= 0x80)
      return false;
  return true;
}

static bool type_refused(const char *type, size_t len)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(refused_types); i++)
    if (strlen(refused_types[i]) == len && memcmp(type, refused_types[i], len) == 0)
      return true;
  return false;
}

/* "apparmor": true | false | {"enabled", "profile", "require"} */
int hr_apparmor_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                      struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "profile", "require", NULL};
  const struct hr_json *node;
  const char *name = HR_APPARMOR_DEFAULT_PROFILE;
  bool on, require = false;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0 && (node = hr_json_get(section, "profile")) != NULL) {
    if (hr_profile_get_string(profile, node, &name, err) < 0)
      return -1;
    if (!profile_name_valid(name))
      return hr_profile_error(profile, node, err,
                              "apparmor.profile: expected a profile name (1 to %u printable "
                              "ASCII characters, no spaces)",
                              PROFILE_NAME_MAX);
    if (strcmp(name, "unconfined") == 0)
      return hr_profile_error(profile, node, err,
                              "apparmor.profile: \"unconfined\" confines nothing");
  }
  if (rc > 0 && (node = hr_json_get(section, "require")) != NULL &&
      hr_profile_get_bool(profile, node, &require, err) < 0)
    return -1;
  free(p->apparmor.profile);
  p->apparmor.profile = hr_strdup(name, err);
  if (p->apparmor.profile == NULL)
    return -1;
  p->apparmor.require = require;
  p->apparmor.enabled = on;
  return 0;
}

bool hr_apparmor_enabled(const struct hr_policy *p)
{
  return p->apparmor.enabled;
}

void hr_apparmor_release(struct hr_policy *p)
{
  free(p->apparmor.profile);
  p->apparmor.profile = NULL;
}

static int selinux_type(const struct hr_json_doc *profile, const struct hr_json *node,
                        const char *key, char **ret, struct hr_error *err)
{
  const char *s;
  size_t n;

  if (hr_profile_get_string(profile, node, &s, err) < 0)
    return -1;
  n = strlen(s);
  if (n == 0 || n > SELINUX_TYPE_MAX ||
      strspn(s, "abcdefghijklmnopqrstuvwxyz"
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
    return hr_profile_error(profile, node, err,
                            "selinux.%s: expected an SELinux type name such as \"container_t\"",
                            key);
  if (type_refused(s, n))
    return hr_profile_error(profile, node, err, "selinux.%s: \"%s\" is not confined", key, s);
  free(*ret);
  *ret = hr_strdup(s, err);
  return *ret == NULL ? -1 : 0;
}

/* "selinux": true | false | {"enabled", "type", "fileType"} */
int hr_selinux_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "type", "fileType", NULL};
  const struct hr_json *node;
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0 && (node = hr_json_get(section, "type")) != NULL &&
      selinux_type(profile, node, "type", &p->selinux.type, err) < 0)
    return -1;
  if (rc > 0 && (node = hr_json_get(section, "fileType")) != NULL &&
      selinux_type(profile, node, "fileType", &p->selinux.file_type, err) < 0)
    return -1;
  p->selinux.enabled = on;
  return 0;
}

bool hr_selinux_enabled(const struct hr_policy *p)
{
  return p->selinux.enabled;
}

void hr_selinux_release(struct hr_policy *p)
{
  free(p->selinux.type);
  free(p->selinux.file_type);
  p->selinux.type = p->selinux.file_type = NULL;
}

/* ---- spec access shared by both controls ------------------------------------- */

/* The process object, which both labels live in. */
static int spec_process(struct hr_apply_ctx *ctx, struct hr_json **ret, struct hr_error *err)
{
  struct hr_json *process = hr_json_get(ctx->spec, "process");

  if (hr_json_is_null(process))
    return hr_error_input(err, "process: missing");
  if (process->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process: expected an object");
  *ret = process;
  return 0;
}

/* A string field where absent, null and "" all mean "none" (runc skips an
 * empty label or profile).  *ret is NULL for none. */
static int spec_string(const struct hr_json *obj, const char *field, const char *path,
                       const char **ret, struct hr_error *err)
{
  const struct hr_json *v = hr_json_get(obj, field);

  *ret = NULL;
  if (hr_json_is_null(v))
    return 0;
  if (v->type != HR_JSON_STRING)
    return hr_error_input(err, "%s: expected a string", path);
  if (v->u.string.len > 0)
    *ret = v->u.string.s;
  return 0;
}

static int set_string(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                      const char *path, const char *value, struct hr_error *err)
{
  struct hr_json *v = hr_json_new_string(ctx->doc, value, err);

  if (v == NULL)
    return -1;
  return hr_apply_set(ctx, obj, field, path, v, err);
}

/* ---- AppArmor ---------------------------------------------------------------------- */

#define AA_PATH "process.apparmorProfile"

/* The profile is not loaded: refuse when the policy requires it, else say
 * so in the audit record and leave the spec as it is (runc would fail on a
 * profile the kernel does not know). */
static int apparmor_not_loaded(struct hr_apply_ctx *ctx, const char *current, const char *why,
                               struct hr_error *err)
{
  const char *name = ctx->policy->apparmor.profile;

  if (ctx->policy->apparmor.require)
    return hr_apply_refuse(ctx, AA_PATH, err,
                           "AppArmor profile \"%s\" %s (load it with `make install-apparmor`)",
                           name, why);
  return hr_apply_audit(ctx, AA_PATH, err, "AppArmor profile \"%s\" %s; left %s%s%s", name, why,
                        current ? "\"" : "unset", current ? current : "", current ? "\"" : "");
}

int hr_lsm_apparmor_rewrite(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                            struct hr_error *err)
{
  const char *name = ctx->policy->apparmor.profile, *current;
  struct hr_json *process;
  struct hr_error lerr = {0};
  int loaded;

  if (!host->apparmor)
    return hr_apply_audit(ctx, AA_PATH, err,
                          "AppArmor is not enabled on this host; nothing changed");
  if (spec_process(ctx, &process, err) < 0 ||
      spec_string(process, "apparmorProfile", AA_PATH, &current, err) < 0)
    return -1;
  /* A profile the spec chose is the caller's decision, except
   * "unconfined", which is no confinement at all.  On exec an absent
   * profile keeps the container's. */
  if (current != NULL && strcmp(current, "unconfined") != 0)
    return 0;
  if (current == NULL && ctx->overrides_only)
    return 0;
  loaded = host->apparmor_loaded(host, name, &lerr);
  if (loaded < 0) {
    if (ctx->policy->apparmor.require) {
      *err = lerr;
      return hr_error_prefix(err, "%s: AppArmor profile \"%s\"", AA_PATH, name);
    }
    return hr_apply_audit(ctx, AA_PATH, err,
                          "cannot tell whether AppArmor profile \"%s\" is loaded "
                          "(%s); left %s",
                          name, lerr.msg, current ? "\"unconfined\"" : "unset");
  }
  if (loaded == 0)
    return apparmor_not_loaded(ctx, current, "is not loaded", err);
  return set_string(ctx, process, "apparmorProfile", AA_PATH, name, err);
}

int hr_apparmor_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_lsm_host host;
  int r;

  if (hr_lsm_host_probe(&host, HR_LSM_PROBE_APPARMOR, err) < 0)
    return -1;
  r = hr_lsm_apparmor_rewrite(ctx, &host, err);
  hr_lsm_host_release(&host);
  return r;
}

/* ---- SELinux labels ------------------------------------------------------------------ */

#define SE_PATH "process.selinuxLabel"
#define ML_PATH "linux.mountLabel"

/* user:role:type[:level], split in a private copy; the level keeps its own
 * colons ("s0:c1,c2"). */
struct label {
  char *buf;
  const char *user, *role, *type, *level;
};

static void label_free(struct label *l)
{
  free(l->buf);
  *l = (struct label){0};
}

static bool label_field_ok(const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s != '\0'; s++)
    if (*s <= ' ' || *s == 0x7f || (unsigned char)*s >= 0x80)
      return false;
  return true;
}

static int label_parse(const char *s, struct label *ret)
{
  char *parts[4] = {0}, *p;
  size_t n = 0;

  *ret = (struct label){0};
  if (strlen(s) > LABEL_MAX)
    return -1;
  if ((ret->buf = strdup(s)) == NULL)
    return -ENOMEM;
  p = ret->buf;
  parts[n++] = p;
  while (n < 4 && (p = strchr(p, ':')) != NULL) {
    *p++ = '\0';
    parts[n++] = p;
  }
  for (size_t i = 0; i < n; i++)
    if (!label_field_ok(parts[i])) {
      label_free(ret);
      return -1;
    }
  if (n < 3) {
    label_free(ret);
    return -1;
  }
  ret->user = parts[0];
  ret->role = parts[1];
  ret->type = parts[2];
  ret->level = parts[3];
  return 0;
}

/* A category number: decimal, no leading zero, below HR_MCS_CATEGORIES. */
static const char *parse_cat(const char *s, unsigned *ret)
{
  unsigned v = 0;
  const char *start;

  if (*s++ != 'c')
    return NULL;
  start = s;
  while (*s >= '0' && *s <= '9' && s - start < 5)
    v = v * 10 + (unsigned)(*s++ - '0');
  if (s == start || (*start == '0' && s - start > 1) || v >= HR_MCS_CATEGORIES)
    return NULL;
  *ret = v;
  return s;
}

/* "cA,cB" with A != B and nothing after; the pair comes back ordered. */
static bool parse_cat_pair(const char *s, const char *end, struct hr_mcs_pair *ret)
{
  unsigned a, b;

  s = parse_cat(s, &a);
  if (s == NULL || *s++ != ',')
    return false;
  s = parse_cat(s, &b);
  if (s != end || a == b)
    return false;
  *ret = (struct hr_mcs_pair){a < b ? a : b, a < b ? b : a};
  return true;
}

/* Length of the sensitivity at the start of `level` ("s0"), 0 if none. */
static size_t sensitivity_len(const char *level)
{
  size_t n = 1;

  if (level == NULL || level[0] != 's')
    return 0;
  while (level[n] >= '0' && level[n] <= '9')
    n++;
  return n > 1 ? n : 0;
}

/* The container's own level is a single sensitivity with exactly two
 * categories: no range, which would dominate other containers' levels. */
static bool level_pair(const char *level, struct hr_mcs_pair *ret)
{
  size_t n = sensitivity_len(level);

  if (n == 0 || level[n] != ':')
    return false;
  return parse_cat_pair(level + n + 1, level + strlen(level), ret);
}

/* Parse a label and check it against the refused types and the policy. */
static int check_label(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host, const char *path,
                       const char *s, struct label *ret, struct hr_error *err)
{
  int r = label_parse(s, ret);

  if (r == -ENOMEM)
    return hr_error_oom(err);
  if (r < 0)
    return hr_apply_refuse(ctx, path, err,
                           "not an SELinux context of the form user:role:type:level");
  if (type_refused(ret->type, strlen(ret->type)))
    return hr_apply_refuse(ctx, path, err, "type %s is not confined; refused", ret->type);
  errno = 0;
  if (host->selinux_check(host, s) < 0)
    return hr_apply_refuse(ctx, path, err,
                           "\"%s\" is not a valid context in the loaded SELinux policy (%s)", s,
                           errno ? strerror(errno) : "rejected");
  return 0;
}

/* One of lxc_contexts' contexts (or the fallback), with the profile's type
 * in place of its own when the profile names one. */
static int base_label(const char *context, const char *fallback, const char *type, const char *what,
                      struct label *ret, struct hr_error *err)
{
  const char *s = context != NULL ? context : fallback;
  int r = label_parse(s, ret);

  if (r == -ENOMEM)
    return hr_error_oom(err);
  if (r < 0)
    return hr_error_set(err, HR_ERR_SYSTEM, 0, "lxc_contexts: malformed %s context \"%.256s\"",
                        what, s);
  if (type != NULL)
    ret->type = type;
  return 0;
}

static char *compose(const struct label *base, const char *level, struct hr_error *err)
{
  char *s = NULL;

  if (hr_asprintf(&s, err, "%s:%s:%s:%s", base->user, base->role, base->type, level) < 0)
    return NULL;
  return s;
}

static int need_container(const struct hr_lsm_host *host, struct hr_error *err)
{
  if (host->container_id == NULL)
    return hr_error_set(err, HR_ERR_SYSTEM, 0,
                        "%s: no container id to record the MCS categories under", SE_PATH);
  return 0;
}

/* Record the pair of a label the spec brings; a dry run only looks
 * whether another container holds it. */
static int keep_pair(const struct hr_lsm_host *host, const struct hr_mcs_pair *pair, bool *shared,
                     struct hr_error *err)
{
  int r;

  if (host->dry_run) {
    r = hr_mcs_held_by_other(host->run_dir, host->container_id, pair, err);
    *shared = r > 0;
    return r < 0 ? -1 : 0;
  }
  if (need_container(host, err) < 0)
    return -1;
  return hr_mcs_reserve(host->run_dir, host->container_id, pair, host->random, host->data, NULL,
                        shared, err);
}

/* The spec brings its own process label (Docker's or Podman's, say): keep
 * it when it has a pair of categories of its own, record that pair, and
 * give the mounts the same level. */
static int keep_labels(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                       const struct label *proc, const struct label *mount, struct hr_error *err)
{
  struct hr_mcs_pair pair;
  struct label file = {0};
  cleanup_free char *mount_label = NULL;
  bool shared = false;
  int r;

  if (!level_pair(proc->level, &pair))
    return hr_apply_refuse(ctx, SE_PATH, err,
                           "level \"%s\" does not give the container its own pair of MCS "
                           "categories (expected sN:cA,cB)",
                           proc->level != NULL ? proc->level : "");
  if (mount != NULL && (mount->level == NULL || strcmp(mount->level, proc->level) != 0))
    return hr_apply_refuse(ctx, ML_PATH, err, "level \"%s\" differs from %s's \"%s\"",
                           mount->level != NULL ? mount->level : "", SE_PATH, proc->level);
  if (keep_pair(host, &pair, &shared, err) < 0)
    return -1;
  if (shared && hr_apply_audit(ctx, SE_PATH, err,
                               "categories c%u,c%u are also recorded for another container", pair.a,
                               pair.b) < 0)
    return -1;
  if (mount != NULL)
    return 0;
  if (base_label(host->selinux_file, HR_SELINUX_FALLBACK_FILE, ctx->policy->selinux.file_type,
                 "file", &file, err) < 0)
    return -1;
  mount_label = compose(&file, proc->level, err);
  label_free(&file);
  if (mount_label == NULL)
    return -1;
  r = check_label(ctx, host, ML_PATH, mount_label, &file, err);
  label_free(&file);
  if (r < 0)
    return -1;
  struct hr_json *linux_ = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
  if (linux_ == NULL)
    return -1;
  return set_string(ctx, linux_, "mountLabel", ML_PATH, mount_label, err);
}

/* Both labels made at `level` and checked, then set at `shown`: the same
 * level on create, the placeholder of a dry run otherwise. */
static int set_new_labels(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                          struct hr_json *process, const char *level, const char *shown,
                          struct hr_error *err)
{
  struct label proc = {0}, file = {0}, chk = {0};
  cleanup_free char *proc_label = NULL, *mount_label = NULL;
  struct hr_json *linux_;
  int r = -1;

  if (base_label(host->selinux_process, HR_SELINUX_FALLBACK_PROCESS, ctx->policy->selinux.type,
                 "process", &proc, err) < 0 ||
      base_label(host->selinux_file, HR_SELINUX_FALLBACK_FILE, ctx->policy->selinux.file_type,
                 "file", &file, err) < 0)
    goto out;
  proc_label = compose(&proc, level, err);
  mount_label = compose(&file, level, err);
  if (proc_label == NULL || mount_label == NULL)
    goto out;
  if (check_label(ctx, host, SE_PATH, proc_label, &chk, err) < 0)
    goto out;
  label_free(&chk);
  if (check_label(ctx, host, ML_PATH, mount_label, &chk, err) < 0)
    goto out;
  if (strcmp(shown, level) != 0) {
    free(proc_label);
    free(mount_label);
    proc_label = compose(&proc, shown, err);
    mount_label = compose(&file, shown, err);
    if (proc_label == NULL || mount_label == NULL)
      goto out;
  }
  linux_ = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
  if (linux_ == NULL || set_string(ctx, process, "selinuxLabel", SE_PATH, proc_label, err) < 0 ||
      set_string(ctx, linux_, "mountLabel", ML_PATH, mount_label, err) < 0)
    goto out;
  r = 0;
out:
  label_free(&proc);
  label_free(&file);
  label_free(&chk);
  return r;
}

/* A dry run's labels: checked at the outermost pair create may reserve,
 * shown with the placeholder, since no pair is reserved. */
static int dry_new_labels(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                          struct hr_json *process, const char *sens, size_t n, struct hr_error *err)
{
  cleanup_free char *level = NULL, *shown = NULL;

  if (hr_asprintf(&level, err, "%.*s:c0,c%u", (int)n, sens, HR_MCS_CATEGORIES - 1) < 0 ||
      hr_asprintf(&shown, err, "%.*s:%s", (int)n, sens, HR_MCS_DRY_RUN_PAIR) < 0)
    return -1;
  return set_new_labels(ctx, host, process, level, shown, err);
}

/* No process label in the spec: a fresh pair, and both labels from
 * lxc_contexts (or the fallbacks) at that level. */
static int new_labels(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                      struct hr_json *process, struct hr_error *err)
{
  struct label proc = {0};
  struct hr_mcs_pair pair;
  cleanup_free char *level = NULL;
  size_t sens;
  int r;

  if (base_label(host->selinux_process, HR_SELINUX_FALLBACK_PROCESS, NULL, "process", &proc, err) <
      0)
    return -1;
  sens = sensitivity_len(proc.level);
  if (sens == 0) {
    label_free(&proc);
    return hr_error_set(
        err, HR_ERR_SYSTEM, 0,
        "%s: the container context \"%.256s\" has no MLS/MCS level, so "
        "containers cannot get categories of their own",
        SE_PATH, host->selinux_process ? host->selinux_process : HR_SELINUX_FALLBACK_PROCESS);
  }
  if (host->dry_run) {
    r = dry_new_labels(ctx, host, process, proc.level, sens, err);
    label_free(&proc);
    return r;
  }
  if (need_container(host, err) < 0 ||
      hr_mcs_reserve(host->run_dir, host->container_id, NULL, host->random, host->data, &pair, NULL,
                     err) < 0 ||
      hr_asprintf(&level, err, "%.*s:c%u,c%u", (int)sens, proc.level, pair.a, pair.b) < 0) {
    label_free(&proc);
    return -1;
  }
  label_free(&proc);
  r = set_new_labels(ctx, host, process, level, level, err);
  if (r < 0) {
    /* Do not keep categories for a container that will not exist. */
    struct hr_error rerr = {0};
    hr_mcs_release(host->run_dir, host->container_id, &rerr);
  }
  return r;
}

/* runc exec with a label of its own: it must be the container's, or the
 * process could read another container's files. */
static int exec_label(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                      const struct label *proc, struct hr_error *err)
{
  struct hr_mcs_pair pair, mine;
  int found;

  if (!level_pair(proc->level, &pair))
    return hr_apply_refuse(ctx, SE_PATH, err,
                           "level \"%s\" does not give the process its container's pair of MCS "
                           "categories (expected sN:cA,cB)",
                           proc->level != NULL ? proc->level : "");
  if (need_container(host, err) < 0)
    return -1;
  found = hr_mcs_lookup(host->run_dir, host->container_id, &mine, err);
  if (found < 0)
    return -1;
  if (found == 0)
    return hr_apply_refuse(ctx, SE_PATH, err, "no MCS categories are recorded for container %s",
                           host->container_id);
  if (pair.a != mine.a || pair.b != mine.b)
    return hr_apply_refuse(ctx, SE_PATH, err,
                           "categories c%u,c%u are not the container's (c%u,c%u)", pair.a, pair.b,
                           mine.a, mine.b);
  return 0;
}

int hr_lsm_selinux_rewrite(struct hr_apply_ctx *ctx, const struct hr_lsm_host *host,
                           struct hr_error *err)
{
  const char *cur_proc, *cur_mount;
  struct label proc = {0}, mount = {0};
  struct hr_json *process, *linux_;
  int r = -1;

  if (!host->selinux)
    return hr_apply_audit(ctx, SE_PATH, err,
                          "SELinux is not enabled on this host; nothing changed");
  if (spec_process(ctx, &process, err) < 0 ||
      spec_string(process, "selinuxLabel", SE_PATH, &cur_proc, err) < 0)
    return -1;
  linux_ = hr_json_get(ctx->spec, "linux");
  if (!hr_json_is_null(linux_) && linux_->type != HR_JSON_OBJECT)
    return hr_error_input(err, "linux: expected an object");
  if (spec_string(linux_, "mountLabel", ML_PATH, &cur_mount, err) < 0)
    return -1;
  /* Every label the spec brings is checked, even one about to be
   * replaced: a refused type is a request worth refusing outright. */
  if ((cur_proc != NULL && check_label(ctx, host, SE_PATH, cur_proc, &proc, err) < 0) ||
      (cur_mount != NULL && check_label(ctx, host, ML_PATH, cur_mount, &mount, err) < 0))
    goto out;
  if (ctx->overrides_only)
    /* exec: no label keeps the container's; mounts are not exec's */
    r = cur_proc != NULL ? exec_label(ctx, host, &proc, err) : 0;
  else if (cur_proc != NULL)
    r = keep_labels(ctx, host, &proc, cur_mount != NULL ? &mount : NULL, err);
  else
    r = new_labels(ctx, host, process, err);
out:
  label_free(&proc);
  label_free(&mount);
  return r;
}

int hr_selinux_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_lsm_host host;
  int r;

  if (hr_lsm_host_probe(&host, HR_LSM_PROBE_SELINUX, err) < 0)
    return -1;
  /* `policy explain` walks the table with a refusal list (controls.h):
   * it must not take categories for a container that may never exist. */
  host.dry_run = ctx->refusals != NULL;
  r = hr_lsm_selinux_rewrite(ctx, &host, err);
  hr_lsm_host_release(&host);
  return r;
}

/* ---- MCS category pairs ------------------------------------------------------------- */

/* runc's container id alphabet ([\w+-.]+): it also keeps the state file's
 * lines unambiguous. */
static bool id_valid(const char *id)
{
  size_t n = strlen(id);

  return n > 0 && n <= CONTAINER_ID_MAX &&
         strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") == n;
}

static uint32_t default_random(void *data)
{
  uint32_t r;

  /* Uniqueness comes from the state file, not from the randomness, so a
   * weaker fallback only makes pairs easier to guess. */
  if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
    r = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 12) ^ (uint32_t)clock();
  return r;
}

struct mcs_entry {
  const char *id, *line;
  size_t id_len, line_len;
  struct hr_mcs_pair pair;
};

struct mcs_state {
  char *buf;
  size_t len;
  struct mcs_entry *items;
  size_t n;
};

static void mcs_state_free(struct mcs_state *st)
{
  free(st->buf);
  free(st->items);
}

static int mcs_parse_line(const char *s, const char *eol, struct mcs_entry *e)
{
  const char *sp = memchr(s, ' ', (size_t)(eol - s));
  char id[CONTAINER_ID_MAX + 1];

  if (sp == NULL || sp == s || (size_t)(sp - s) > CONTAINER_ID_MAX)
    return -1;
  memcpy(id, s, (size_t)(sp - s));
  id[sp - s] = '\0';
  if (!id_valid(id) || !parse_cat_pair(sp + 1, eol, &e->pair))
    return -1;
  e->id = s;
  e->id_len = (size_t)(sp - s);
  e->line = s;
  e->line_len = (size_t)(eol - s) + 1;
  return 0;
}

/* Read and check the whole state: a damaged file fails every create on an
 * SELinux host rather than risk handing out a pair twice. */
static int mcs_load(int dfd, const char *run_dir, struct mcs_state *st, struct hr_error *err)
{
  size_t lineno = 0, cap = 0;

  *st = (struct mcs_state){0};
  if (hr_read_file_at(dfd, MCS_STATE, MCS_STATE_MAX, &st->buf, &st->len, NULL, err) < 0) {
    if (err->kind == HR_ERR_SYSTEM && err->code == ENOENT) {
      *err = (struct hr_error){0};
      return 0;
    }
    return hr_error_prefix(err, "%s", run_dir);
  }
  for (const char *s = st->buf, *end = st->buf + st->len; s < end; lineno++) {
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    if (st->n == cap) {
      cap = cap ? cap * 2 : 64;
      if (cap > MCS_ENTRIES_MAX + 1)
        cap = MCS_ENTRIES_MAX + 1;
      struct mcs_entry *items = reallocarray(st->items, cap, sizeof(*items));
      if (items == NULL)
        return hr_error_oom(err);
      st->items = items;
    }
    if (st->n > MCS_ENTRIES_MAX)
      return hr_error_set(err, HR_ERR_SYSTEM, 0, "%s/%s: more than %u containers", run_dir,
                          MCS_STATE, MCS_ENTRIES_MAX);
    if (eol == NULL || mcs_parse_line(s, eol, &st->items[st->n]) < 0)
      return hr_error_set(err, HR_ERR_SYSTEM, 0, "%s/%s:%zu: malformed entry", run_dir, MCS_STATE,
                          lineno + 1);
    st->n++;
    s = eol + 1;
  }
  return 0;
}

/* The directory must be ours alone: whoever can write the state file can
 * make two containers share categories. */
/* Opened as the state records' directory is: never through a symlink,
 * owned by hardrun's euid and writable by no one else. */
static int open_run_dir(const char *run_dir, bool create, struct hr_error *err)
{
  int fd = hr_rundir_open(AT_FDCWD, run_dir, run_dir, create, err);

  if (fd == -2)
    return hr_error_set(err, HR_ERR_SYSTEM, ENOENT, "open `%s`", run_dir);
  return fd;
}

static bool same_id(const struct mcs_entry *e, const char *id)
{
  return e->id_len == strlen(id) && memcmp(e->id, id, e->id_len) == 0;
}

#define PAIR_INDEX(a, b) ((size_t)(a)*HR_MCS_CATEGORIES + (b))

static bool bit_get(const unsigned char *map, size_t i)
{
  return (map[i / 8] >> (i % 8)) & 1;
}

/* A pair no other container holds: random first, then a scan from a
 * random place, which always ends because entries are bounded far below
 * the number of pairs. */
static int mcs_choose(const struct mcs_state *st, const char *id, uint32_t (*rnd)(void *),
                      void *data, struct hr_mcs_pair *ret, struct hr_error *err)
{
  cleanup_free unsigned char *used = hr_calloc(HR_MCS_CATEGORIES * HR_MCS_CATEGORIES / 8, 1, err);
  size_t total = (size_t)HR_MCS_CATEGORIES * HR_MCS_CATEGORIES, start;

  if (used == NULL)
    return -1;
  for (size_t i = 0; i < st->n; i++)
    if (!same_id(&st->items[i], id)) {
      size_t k = PAIR_INDEX(st->items[i].pair.a, st->items[i].pair.b);
      used[k / 8] |= (unsigned char)(1u << (k % 8));
    }
  for (int t = 0; t < MCS_RANDOM_TRIES; t++) {
    uint32_t r = rnd(data);
    unsigned a = r % HR_MCS_CATEGORIES, b = (r / HR_MCS_CATEGORIES) % HR_MCS_CATEGORIES;
    if (a == b)
      continue;
    *ret = (struct hr_mcs_pair){a < b ? a : b, a < b ? b : a};
    if (!bit_get(used, PAIR_INDEX(ret->a, ret->b)))
      return 0;
  }
  start = rnd(data) % total;
  for (size_t i = 0; i < total; i++) {
    size_t k = (start + i) % total;
    unsigned a = (unsigned)(k / HR_MCS_CATEGORIES), b = (unsigned)(k % HR_MCS_CATEGORIES);
    if (a < b && !bit_get(used, k)) {
      *ret = (struct hr_mcs_pair){a, b};
      return 0;
    }
  }
  return hr_error_set(err, HR_ERR_SYSTEM, 0, "every MCS category pair is in use");
}

/* The state without `id`'s lines, plus `add` (a line, or NULL). */
static int mcs_store(int dfd, const char *run_dir, const struct mcs_state *st, const char *id,
                     const char *add, struct hr_error *err)
{
  cleanup_free char *out = hr_malloc(st->len + (add ? strlen(add) : 0) + 1, err);
  size_t len = 0;

  if (out == NULL)
    return -1;
  for (size_t i = 0; i < st->n; i++)
    if (!same_id(&st->items[i], id)) {
      memcpy(out + len, st->items[i].line, st->items[i].line_len);
      len += st->items[i].line_len;
    }
  if (add != NULL) {
    memcpy(out + len, add, strlen(add));
    len += strlen(add);
  }
  if (hr_write_file_atomic_at(dfd, MCS_STATE, out, len, 0600, (uid_t)-1, (gid_t)-1, err) < 0)
    return hr_error_prefix(err, "%s", run_dir);
  return 0;
}

/* The pair `id` holds already, when no other container holds it too.  A
 * fresh label keeps it rather than drawing a new one: a second create of a
 * running container's id (which runc refuses afterwards) must not take
 * away the categories that container's files are labelled with and leave
 * them for the next one; a line left by a container deleted without
 * hardrun is that id's alone.  A pair shared with another container (a
 * label a spec brought) is never handed out again. */
static bool mcs_own(const struct mcs_state *st, const char *id, struct hr_mcs_pair *ret)
{
  bool found = false;

  for (size_t i = 0; i < st->n; i++)
    if (same_id(&st->items[i], id)) {
      *ret = st->items[i].pair;
      found = true;
    }
  for (size_t i = 0; found && i < st->n; i++)
    if (!same_id(&st->items[i], id) && st->items[i].pair.a == ret->a &&
        st->items[i].pair.b == ret->b)
      return false;
  return found;
}

static int mcs_reserve_locked(int dfd, const char *run_dir, const char *id,
                              const struct hr_mcs_pair *want, uint32_t (*rnd)(void *), void *data,
                              struct hr_mcs_pair *pair, bool *shared, struct hr_error *err)
{
  struct mcs_state st;
  char line[CONTAINER_ID_MAX + 32];
  size_t others = 0;
  int r = -1;

  if (mcs_load(dfd, run_dir, &st, err) < 0)
    goto out;
  for (size_t i = 0; i < st.n; i++)
    if (!same_id(&st.items[i], id)) {
      others++;
      if (want != NULL && st.items[i].pair.a == want->a && st.items[i].pair.b == want->b)
        *shared = true;
    }
  if (others >= MCS_ENTRIES_MAX) {
    hr_error_set(err, HR_ERR_SYSTEM, 0, "%s/%s: more than %u containers", run_dir, MCS_STATE,
                 MCS_ENTRIES_MAX);
    goto out;
  }
  if (want != NULL)
    *pair = *want;
  else if (!mcs_own(&st, id, pair) &&
           mcs_choose(&st, id, rnd ? rnd : default_random, data, pair, err) < 0)
    goto out;
  snprintf(line, sizeof(line), "%s c%u,c%u\n", id, pair->a, pair->b);
  r = mcs_store(dfd, run_dir, &st, id, line, err);
out:
  mcs_state_free(&st);
  return r;
}

int hr_mcs_reserve(const char *run_dir, const char *id, const struct hr_mcs_pair *want,
                   uint32_t (*random)(void *), void *data, struct hr_mcs_pair *ret,
                   bool *ret_shared, struct hr_error *err)
{
  cleanup_close int dfd = -1, lock = -1;
  struct hr_mcs_pair pair;
  bool shared = false;

  if (!id_valid(id))
    return hr_error_input(err, "container id \"%.64s\": not a valid runc container id", id);
  if (want != NULL && (want->a >= want->b || want->b >= HR_MCS_CATEGORIES))
    return hr_error_input(err, "invalid MCS category pair c%u,c%u", want->a, want->b);
  dfd = open_run_dir(run_dir, true, err);
  if (dfd < 0)
    return -1;
  lock = hr_rundir_lock(dfd, MCS_LOCK, run_dir, err);
  if (lock < 0)
    return -1;
  if (mcs_reserve_locked(dfd, run_dir, id, want, random, data, &pair, &shared, err) < 0)
    return -1;
  if (ret != NULL)
    *ret = pair;
  if (ret_shared != NULL)
    *ret_shared = shared;
  return 0;
}

int hr_mcs_held_by_other(const char *run_dir, const char *id, const struct hr_mcs_pair *pair,
                         struct hr_error *err)
{
  cleanup_close int dfd = open_run_dir(run_dir, false, err);
  struct mcs_state st;
  int held = 0;

  if (dfd < 0) {
    if (err->code != ENOENT)
      return -1;
    *err = (struct hr_error){0};
    return 0;
  }
  if (mcs_load(dfd, run_dir, &st, err) < 0) {
    mcs_state_free(&st);
    return -1;
  }
  for (size_t i = 0; i < st.n && !held; i++)
    held = (id == NULL || !same_id(&st.items[i], id)) && st.items[i].pair.a == pair->a &&
           st.items[i].pair.b == pair->b;
  mcs_state_free(&st);
  return held;
}

/* Open the run directory, take the lock and load the table, for an id that
 * may have a line.  Returns 0 when there is nothing to look at (an id runc
 * would refuse never got a line; no run directory means no table), 1 with
 * *dfd, *lock and *st filled (the caller frees st), -1 on error. */
static int mcs_open_for(const char *run_dir, const char *id, int *dfd, int *lock,
                        struct mcs_state *st, struct hr_error *err)
{
  if (!id_valid(id))
    return 0;
  *dfd = open_run_dir(run_dir, false, err);
  if (*dfd < 0) {
    if (err->code != ENOENT)
      return -1;
    *err = (struct hr_error){0};
    return 0;
  }
  *lock = hr_rundir_lock(*dfd, MCS_LOCK, run_dir, err);
  if (*lock < 0)
    return -1;
  if (mcs_load(*dfd, run_dir, st, err) < 0) {
    mcs_state_free(st);
    return -1;
  }
  return 1;
}

int hr_mcs_lookup(const char *run_dir, const char *id, struct hr_mcs_pair *ret,
                  struct hr_error *err)
{
  cleanup_close int dfd = -1, lock = -1;
  struct mcs_state st;
  int found = 0;
  int r = mcs_open_for(run_dir, id, &dfd, &lock, &st, err);

  if (r <= 0)
    return r;
  for (size_t i = 0; i < st.n && !found; i++)
    if (same_id(&st.items[i], id)) {
      *ret = st.items[i].pair;
      found = 1;
    }
  mcs_state_free(&st);
  return found;
}

int hr_mcs_release(const char *run_dir, const char *id, struct hr_error *err)
{
  cleanup_close int dfd = -1, lock = -1;
  struct mcs_state st;
  bool found = false;
  int r = mcs_open_for(run_dir, id, &dfd, &lock, &st, err);

  if (r <= 0)
    return r;
  for (size_t i = 0; i < st.n; i++)
    found |= same_id(&st.items[i], id);
  r = found ? mcs_store(dfd, run_dir, &st, id, NULL, err) : 0;
  mcs_state_free(&st);
  return r;
}

/* ---- restore's own LSM flags ------------------------------------------------------ */

/* The control --lsm-profile VALUE would override: its TYPE's, else (a
 * value CRIU cannot read) whichever is on. */
static const char *profile_flag_rule(const char *v, const struct hr_policy *p)
{
  bool aa = hr_apparmor_enabled(p), se = hr_selinux_enabled(p);

  if (strncmp(v, "apparmor:", 9) == 0)
    return aa ? "apparmor" : NULL;
  if (strncmp(v, "selinux:", 8) == 0)
    return se ? "selinux" : NULL;
  return aa ? "apparmor" : se ? "selinux" : NULL;
}

int hr_lsm_restore_flags(const struct hr_argv *a, const struct hr_policy *p, struct hr_error *err)
{
  static const char *const names[] = {"lsm-profile", "lsm-mount-context"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++) {
    const struct hr_argv_flag *f = hr_argv_last_flag(a, names[i]);
    const char *rule;
    char q[HR_QUOTE_MAX];

    if (f == NULL || f->value == NULL || f->value[0] == '\0')
      continue;
    rule = i == 0 ? profile_flag_rule(f->value, p) : hr_selinux_enabled(p) ? "selinux" : NULL;
    if (rule == NULL)
      continue;
    hr_quote(q, sizeof(q), f->value, strlen(f->value));
    return hr_error_set(err, HR_ERR_REFUSED, 0,
                        "profile \"%s\": rule \"%s\": restore --%s: %s would replace what the "
                        "checkpoint holds and the %s control set; restore without it",
                        p->name, rule, names[i], q, rule);
  }
  return 0;
}
