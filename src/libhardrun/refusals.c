/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refusal rules: what no rewrite can make safe is refused (or, per the
 * profile, fixed or only audited).  Privileged-shaped specs, host
 * namespaces, host devices, sysctls, hooks, rlimits, the OOM killer, secrets
 * in the environment and sshd; host mounts live in hostmounts.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/utils.h"

/* ---- shared helpers --------------------------------------------------------- */

int hr_rule_breach(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, const char *path,
                   struct hr_error *err, const char *fmt, ...)
{
  char msg[HR_ERROR_MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  va_end(ap);
  switch (mode) {
  case HR_MODE_REFUSE:
    return hr_apply_breach_refuse(ctx, path, err, msg);
  case HR_MODE_AUDIT:
    return hr_apply_audit(ctx, path, err, "%s", msg) < 0 ? -1 : 0;
  case HR_MODE_FIX:
    return 1;
  case HR_MODE_OFF:
  default:
    return 0;
  }
}

int hr_rule_parse_mode(const struct hr_json_doc *profile, const struct hr_json *node, bool fix_ok,
                       enum hr_rule_mode *mode, struct hr_error *err)
{
  if (node == NULL)
    return 0;
  if (hr_profile_get_mode(profile, node, mode, err) < 0)
    return -1;
  if (*mode == HR_MODE_FIX && !fix_ok)
    return hr_profile_error(
        profile, node, err,
        "mode \"fix\" is not possible for this rule (use refuse, audit or off)");
  return 0;
}

void hr_rule_strv_free(char ***v, size_t *n)
{
  for (size_t i = 0; *v != NULL && i < *n; i++)
    free((*v)[i]);
  free(*v);
  *v = NULL;
  *n = 0;
}

bool hr_rule_strv_contains(char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

int hr_rule_strv_dup(const char *const *src, size_t n, char ***ret, size_t *ret_len,
                     struct hr_error *err)
{
  char **v = hr_calloc(n + 1, sizeof(char *), err);

  if (v == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    v[i] = hr_strdup(src[i], err);
    if (v[i] == NULL) {
      hr_rule_strv_free(&v, &i);
      return -1;
    }
  }
  *ret = v;
  *ret_len = n;
  return 0;
}

int hr_rule_parse_paths(const struct hr_json_doc *profile, const struct hr_json *node,
                        const char *what, char ***ret, size_t *ret_len, struct hr_error *err)
{
  cleanup_strv char **v = NULL;
  size_t n;

  if (hr_profile_get_strv(profile, node, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    char *clean;
    if (v[i][0] != '/')
      return hr_profile_error(profile, node->u.array.items[i], err,
                              "%s[%zu]: expected an absolute path", what, i);
    clean = hr_path_clean(v[i], err);
    if (clean == NULL)
      return -1;
    free(v[i]);
    v[i] = clean;
  }
  *ret = get_and_reset(&v);
  *ret_len = n;
  return 0;
}

/* A string list member of a rule's section, or the built-in list. */
int hr_rule_strv_or_default(const struct hr_json_doc *profile, const struct hr_json *section,
                            const char *key, const char *const *def, size_t n_def, char ***ret,
                            size_t *ret_len, struct hr_error *err)
{
  const struct hr_json *node = section != NULL ? hr_json_get(section, key) : NULL;

  hr_rule_strv_free(ret, ret_len);
  if (node != NULL)
    return hr_profile_get_strv(profile, node, ret, ret_len, err);
  return hr_rule_strv_dup(def, n_def, ret, ret_len, err);
}

static int paths_or_default(const struct hr_json_doc *profile, const struct hr_json *section,
                            const char *key, const char *what, const char *const *def, size_t n_def,
                            char ***ret, size_t *ret_len, struct hr_error *err)
{
  const struct hr_json *node = section != NULL ? hr_json_get(section, key) : NULL;

  hr_rule_strv_free(ret, ret_len);
  if (node != NULL)
    return hr_rule_parse_paths(profile, node, what, ret, ret_len, err);
  return hr_rule_strv_dup(def, n_def, ret, ret_len, err);
}

/* Start a rule's section: `true`, `false` or an object with "enabled",
 * "mode" and the rule's keys.  *mode gets `def`, the object's "mode", or
 * HR_MODE_OFF when the section is disabled.  Returns the object to read
 * the other keys from (NULL for a boolean) through *ret_obj. */
int hr_rule_begin(const struct hr_json_doc *profile, const struct hr_json *section,
                  const char *const *keys, enum hr_rule_mode def, bool fix_ok,
                  enum hr_rule_mode *mode, const struct hr_json **ret_obj, struct hr_error *err)
{
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  *mode = def;
  *ret_obj = rc > 0 ? section : NULL;
  if (rc > 0 && hr_rule_parse_mode(profile, hr_json_get(section, "mode"), fix_ok, mode, err) < 0)
    return -1;
  if (!on)
    *mode = HR_MODE_OFF;
  return 0;
}

/* ---- reading the spec ------------------------------------------------------------ */

/* obj[field] when it is of `type`; NULL when absent or null; an input
 * error naming `path` when it has another type. */
int hr_rule_spec_get(const struct hr_json *obj, const char *field, enum hr_json_type type,
                     const char *path, struct hr_json **ret, struct hr_error *err)
{
  static const char *const what[] = {
      [HR_JSON_NULL] = "null",       [HR_JSON_BOOL] = "a boolean", [HR_JSON_NUMBER] = "a number",
      [HR_JSON_STRING] = "a string", [HR_JSON_ARRAY] = "an array", [HR_JSON_OBJECT] = "an object",
  };
  struct hr_json *v = hr_json_get(obj, field);

  *ret = NULL;
  if (hr_json_is_null(v))
    return 0;
  if (v->type != type)
    return hr_error_input(err, "%s: expected %s", path, what[type]);
  *ret = v;
  return 0;
}

/* An array whose items are all objects (or all strings). */
int hr_rule_spec_get_array_of(const struct hr_json *obj, const char *field, enum hr_json_type item,
                              const char *path, struct hr_json **ret, struct hr_error *err)
{
  if (hr_rule_spec_get(obj, field, HR_JSON_ARRAY, path, ret, err) < 0)
    return -1;
  for (size_t i = 0; *ret != NULL && i < (*ret)->u.array.len; i++)
    if ((*ret)->u.array.items[i]->type != item)
      return hr_error_input(err, "%s[%zu]: expected %s", path, i,
                            item == HR_JSON_OBJECT ? "an object" : "a string");
  return 0;
}

bool hr_rule_spec_names_userns(const struct hr_json *namespaces)
{
  for (size_t i = 0;
       namespaces != NULL && namespaces->type == HR_JSON_ARRAY && i < namespaces->u.array.len;
       i++) {
    const struct hr_json *t = hr_json_get(namespaces->u.array.items[i], "type");
    if (t != NULL && t->type == HR_JSON_STRING && strcmp(t->u.string.s, "user") == 0)
      return true;
  }
  return false;
}

/* The spec's "linux" object, created when `create` and absent. */
int hr_rule_spec_linux(struct hr_apply_ctx *ctx, bool create, struct hr_json **ret,
                       struct hr_error *err)
{
  if (hr_rule_spec_get(ctx->spec, "linux", HR_JSON_OBJECT, "linux", ret, err) < 0)
    return -1;
  if (*ret == NULL && create) {
    *ret = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
    if (*ret == NULL)
      return -1;
  }
  return 0;
}

int hr_rule_spec_process(struct hr_apply_ctx *ctx, struct hr_json **ret, struct hr_error *err)
{
  return hr_rule_spec_get(ctx->spec, "process", HR_JSON_OBJECT, "process", ret, err);
}

/* A string member that Go would decode into a string ("" when absent). */
int hr_rule_spec_string(const struct hr_json *obj, const char *field, const char *path,
                        const char **ret, struct hr_error *err)
{
  struct hr_json *v;

  if (hr_rule_spec_get(obj, field, HR_JSON_STRING, path, &v, err) < 0)
    return -1;
  *ret = v != NULL ? v->u.string.s : "";
  return 0;
}

int hr_rule_spec_i64(const struct hr_json *obj, const char *field, const char *path, bool *present,
                     int64_t *ret, struct hr_error *err)
{
  struct hr_json *v;

  if (hr_rule_spec_get(obj, field, HR_JSON_NUMBER, path, &v, err) < 0)
    return -1;
  *present = v != NULL;
  *ret = 0;
  if (v != NULL && hr_json_get_i64(v, ret) < 0)
    return hr_error_input(err, "%s: expected an integer, got %.64s", path, v->u.number.text);
  return 0;
}

void hr_rule_squeeze(struct hr_json *node, size_t i, bool *drop, size_t *kept)
{
  if (node->type == HR_JSON_ARRAY) {
    struct hr_json **it = node->u.array.items;
    if (*drop)
      it[i]->parent = NULL;
    else
      it[(*kept)++] = it[i];
  } else {
    struct hr_json_member *it = node->u.object.items;
    if (*drop)
      it[i].value->parent = NULL;
    else
      it[(*kept)++] = it[i];
  }
  *drop = false;
}

void hr_rule_squeeze_end(struct hr_json *node, size_t kept)
{
  if (node == NULL)
    return;
  /* kept never exceeds the length it was counted against. */
  if (node->type == HR_JSON_ARRAY && kept != node->u.array.len)
    node->u.array.len = (uint32_t)kept;
  else if (node->type == HR_JSON_OBJECT && kept != node->u.object.len)
    node->u.object.len = (uint32_t)kept;
  else
    return;
  hr_json_touch(node);
}

/* Record the removal of arr[index] and mark it to go; `path` names the
 * item as it was. */
static int remove_item(struct hr_apply_ctx *ctx, struct hr_json *arr, size_t index,
                       const char *path, bool *drop, struct hr_error *err)
{
  if (hr_changes_add(ctx->changes, ctx->rule, path, arr->u.array.items[index], NULL, err) < 0)
    return -1;
  *drop = true;
  return 0;
}

/* Append `value` to obj[field] (an array, created when absent) and record
 * "PATH[N]: (absent) -> value". */
int hr_rule_append_item(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                        const char *path, struct hr_json *value, struct hr_error *err)
{
  struct hr_json *arr;
  char where[128];

  if (hr_rule_spec_get(obj, field, HR_JSON_ARRAY, path, &arr, err) < 0)
    return -1;
  if (arr == NULL) {
    arr = hr_json_new_array(ctx->doc, err);
    if (arr == NULL || hr_apply_set(ctx, obj, field, path, arr, err) < 0)
      return -1;
  }
  if (hr_json_array_append(ctx->doc, arr, value, err) < 0)
    return -1;
  hr_field_path(where, sizeof(where), path, (size_t)arr->u.array.len - 1, "");
  return hr_changes_add(ctx->changes, ctx->rule, where, NULL, value, err);
}

int hr_rule_set_bool(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field,
                     const char *path, bool v, struct hr_error *err)
{
  struct hr_json *node = hr_json_new_bool(ctx->doc, v, err);

  return node == NULL ? -1 : hr_apply_set(ctx, obj, field, path, node, err);
}

/* ---- privileged --------------------------------------------------------------------- */

/* runc 1.1's `runc spec` (libcontainer/specconv/example.go), which Docker
 * and containerd use too. */
static const char *const default_masked[] = {
    "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",       "/proc/scsi",
};
static const char *const default_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

int hr_privileged_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                        struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled",     "mode",          "systemPaths",
                                     "maskedPaths", "readonlyPaths", NULL};
  struct hr_rule_privileged *r = &p->refusals.privileged;
  const struct hr_json *obj = NULL;
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  r->mode = HR_MODE_REFUSE;
  r->paths_mode = HR_MODE_FIX;
  if (rc > 0) {
    obj = section;
    if (hr_rule_parse_mode(profile, hr_json_get(obj, "mode"), true, &r->mode, err) < 0 ||
        hr_rule_parse_mode(profile, hr_json_get(obj, "systemPaths"), true, &r->paths_mode, err) < 0)
      return -1;
  }
  if (paths_or_default(profile, obj, "maskedPaths", "privileged.maskedPaths", default_masked,
                       HR_ARRAY_SIZE(default_masked), &r->masked, &r->n_masked, err) < 0 ||
      paths_or_default(profile, obj, "readonlyPaths", "privileged.readonlyPaths", default_readonly,
                       HR_ARRAY_SIZE(default_readonly), &r->readonly, &r->n_readonly, err) < 0)
    return -1;
  if (!on)
    r->mode = r->paths_mode = HR_MODE_OFF;
  return 0;
}

bool hr_privileged_enabled(const struct hr_policy *p)
{
  return p->refusals.privileged.mode != HR_MODE_OFF ||
         p->refusals.privileged.paths_mode != HR_MODE_OFF;
}

void hr_privileged_release(struct hr_policy *p)
{
  hr_rule_strv_free(&p->refusals.privileged.masked, &p->refusals.privileged.n_masked);
  hr_rule_strv_free(&p->refusals.privileged.readonly, &p->refusals.privileged.n_readonly);
}

/* One rule of linux.resources.devices, read the way runc 1.1 does. */
struct dev_rule {
  bool allow;
  char type;            /* 'a', 'b' or 'c' */
  int64_t major, minor; /* -1: any */
  bool rw;              /* grants read or write, not only mknod */
};

static int read_dev_rule(const struct hr_json *node, const char *path, struct dev_rule *ret,
                         struct hr_error *err)
{
  char p[96];
  struct hr_json *allow;
  const char *type, *access;
  bool present;

  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".allow");
  if (hr_rule_spec_get(node, "allow", HR_JSON_BOOL, p, &allow, err) < 0)
    return -1;
  ret->allow = allow != NULL && allow->u.boolean;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".type");
  if (hr_rule_spec_string(node, "type", p, &type, err) < 0)
    return -1;
  /* runc: an empty type is "a"; anything but one of a, b, c is an error. */
  if (type[0] == '\0')
    type = "a";
  if (strlen(type) != 1 || strchr("abc", type[0]) == NULL)
    return hr_error_input(err, "%s: expected \"a\", \"b\" or \"c\"", p);
  ret->type = type[0];
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".major");
  if (hr_rule_spec_i64(node, "major", p, &present, &ret->major, err) < 0)
    return -1;
  /* absent is runc's wildcard, -1; any other negative is treated as the
   * broader of the two readings */
  if (!present || ret->major < 0)
    ret->major = -1;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".minor");
  if (hr_rule_spec_i64(node, "minor", p, &present, &ret->minor, err) < 0)
    return -1;
  if (!present || ret->minor < 0)
    ret->minor = -1;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".access");
  if (hr_rule_spec_string(node, "access", p, &access, err) < 0)
    return -1;
  /* An empty access is taken as "rwm": the widest reading is the safe one. */
  ret->rw = access[0] == '\0' || strpbrk(access, "rw") != NULL;
  return 0;
}

static int cgroup_devices(struct hr_apply_ctx *ctx, struct hr_json **ret, struct hr_error *err)
{
  struct hr_json *linux_obj, *res;

  *ret = NULL;
  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  if (linux_obj == NULL)
    return 0;
  if (hr_rule_spec_get(linux_obj, "resources", HR_JSON_OBJECT, "linux.resources", &res, err) < 0)
    return -1;
  if (res == NULL)
    return 0;
  return hr_rule_spec_get_array_of(res, "devices", HR_JSON_OBJECT, "linux.resources.devices", ret,
                                   err);
}

static int privileged_devices(struct hr_apply_ctx *ctx, enum hr_rule_mode mode,
                              struct hr_error *err)
{
  struct hr_json *devs;

  if (mode == HR_MODE_OFF)
    return 0;
  if (cgroup_devices(ctx, &devs, err) < 0)
    return -1;
  for (size_t i = 0; devs != NULL && i < devs->u.array.len; i++) {
    struct dev_rule d;
    char path[64];
    int r;
    hr_field_path(path, sizeof(path), "linux.resources.devices", i, "");
    if (read_dev_rule(devs->u.array.items[i], path, &d, err) < 0)
      return -1;
    /* Type "a" is every device whatever its numbers and access say: runc's
     * device emulator resets to allow-all on any "a" rule, and cgroup v1
     * reads "a" in devices.allow so. */
    if (!d.allow || d.type != 'a')
      continue;
    r = hr_rule_breach(ctx, mode, path, err,
                       "allows every device of the host (as --privileged does)");
    if (r < 0)
      return -1;
    /* The rule becomes a deny-all in place, so the rules after it still
     * grant what they grant. */
    if (r > 0) {
      char p[96];
      hr_field_path(p, sizeof(p), path, SIZE_MAX, ".allow");
      if (hr_rule_set_bool(ctx, devs->u.array.items[i], "allow", p, false, err) < 0)
        return -1;
    }
  }
  return 0;
}

static int paths_contain(const struct hr_json *arr, const char *want, bool *ret,
                         struct hr_error *err)
{
  *ret = false;
  for (size_t i = 0; arr != NULL && i < arr->u.array.len; i++) {
    const char *s = arr->u.array.items[i]->u.string.s;
    cleanup_free char *clean = NULL;
    /* A clean path is compared as it is: runc's own lists are. */
    if (!hr_path_is_clean(s) && (s = clean = hr_path_clean(s, err)) == NULL)
      return -1;
    if (strcmp(s, want) == 0) {
      *ret = true;
      return 0;
    }
  }
  return 0;
}

/* Every path of `want` must be in linux[field]; `verb` is "masked" or
 * "read-only" for messages. */
static int system_paths(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, const char *field,
                        char *const *want, size_t n_want, const char *verb, struct hr_error *err)
{
  struct hr_json *linux_obj, *arr;
  char path[64], q[HR_QUOTE_MAX];
  size_t missing = 0, first = 0;
  int r;

  snprintf(path, sizeof(path), "linux.%s", field);
  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  arr = NULL;
  if (linux_obj != NULL &&
      hr_rule_spec_get_array_of(linux_obj, field, HR_JSON_STRING, path, &arr, err) < 0)
    return -1;
  for (size_t i = 0; i < n_want; i++) {
    bool has;
    if (paths_contain(arr, want[i], &has, err) < 0)
      return -1;
    if (!has && missing++ == 0)
      first = i;
  }
  if (missing == 0)
    return 0;
  if (missing == 1)
    r = hr_rule_breach(ctx, mode, path, err, "%s is not %s (runc's default spec has it)",
                       hr_quote(q, sizeof(q), want[first], strlen(want[first])), verb);
  else
    r = hr_rule_breach(ctx, mode, path, err, "%s and %zu more of runc's default paths are not %s",
                       hr_quote(q, sizeof(q), want[first], strlen(want[first])), missing - 1, verb);
  if (r <= 0)
    return r;
  if (hr_rule_spec_linux(ctx, true, &linux_obj, err) < 0)
    return -1;
  for (size_t i = 0; i < n_want; i++) {
    struct hr_json *s;
    bool has;
    if (hr_rule_spec_get(linux_obj, field, HR_JSON_ARRAY, path, &arr, err) < 0 ||
        paths_contain(arr, want[i], &has, err) < 0)
      return -1;
    if (has)
      continue;
    s = hr_json_new_string(ctx->doc, want[i], err);
    if (s == NULL || hr_rule_append_item(ctx, linux_obj, field, path, s, err) < 0)
      return -1;
  }
  return 0;
}

int hr_privileged_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_privileged *r = &ctx->policy->refusals.privileged;

  if (privileged_devices(ctx, r->mode, err) < 0)
    return -1;
  if (r->paths_mode == HR_MODE_OFF)
    return 0;
  if (system_paths(ctx, r->paths_mode, "maskedPaths", r->masked, r->n_masked, "masked", err) < 0 ||
      system_paths(ctx, r->paths_mode, "readonlyPaths", r->readonly, r->n_readonly, "read-only",
                   err) < 0)
    return -1;
  return hr_privileged_mounts(ctx, r->paths_mode, err);
}

/* ---- host-namespaces ------------------------------------------------------------------ */

static const struct {
  const char *spec; /* linux.namespaces[].type */
  const char *proc; /* /proc/PID/ns/ entry */
  const char *key;  /* profile key of the per-namespace mode */
} namespaces[HR_NS_COUNT] = {
    [HR_NS_NETWORK] = {"network", "net", "network"},
    [HR_NS_PID] = {"pid", "pid", "pid"},
    [HR_NS_IPC] = {"ipc", "ipc", "ipc"},
    [HR_NS_UTS] = {"uts", "uts", "uts"},
    [HR_NS_MOUNT] = {"mount", "mnt", "mount"},
    [HR_NS_CGROUP] = {"cgroup", "cgroup", "cgroup"},
};

/* Per-namespace modes ("namespaces": {"cgroup": "fix"}) override "mode". */
static int hostns_modes(const struct hr_json_doc *profile, const struct hr_json *node,
                        struct hr_rule_hostns *r, struct hr_error *err)
{
  const char *keys[HR_NS_COUNT + 1];

  for (size_t i = 0; i < HR_NS_COUNT; i++)
    keys[i] = namespaces[i].key;
  keys[HR_NS_COUNT] = NULL;
  if (hr_profile_check_keys(profile, node, keys, err) < 0)
    return -1;
  for (size_t i = 0; i < HR_NS_COUNT; i++)
    if (hr_rule_parse_mode(profile, hr_json_get(node, keys[i]), true, &r->mode[i], err) < 0)
      return -1;
  return 0;
}

int hr_hostns_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                    struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "namespaces", NULL};
  struct hr_rule_hostns *r = &p->refusals.hostns;
  const struct hr_json *obj, *per;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, true, &mode, &obj, err) < 0)
    return -1;
  for (size_t i = 0; i < HR_NS_COUNT; i++)
    r->mode[i] = mode;
  /* On cgroup v1, Docker and `runc spec` share the host's cgroup namespace
   * by default: refusing that would refuse every container there.  Only
   * the container's own cgroup paths show through it. */
  if (mode == HR_MODE_REFUSE)
    r->mode[HR_NS_CGROUP] = HR_MODE_AUDIT;
  per = obj != NULL ? hr_json_get(obj, "namespaces") : NULL;
  if (per != NULL && hostns_modes(profile, per, r, err) < 0)
    return -1;
  if (mode == HR_MODE_OFF)
    for (size_t i = 0; i < HR_NS_COUNT; i++)
      r->mode[i] = HR_MODE_OFF;
  return 0;
}

bool hr_hostns_enabled(const struct hr_policy *p)
{
  for (size_t i = 0; i < HR_NS_COUNT; i++)
    if (p->refusals.hostns.mode[i] != HR_MODE_OFF)
      return true;
  return false;
}

void hr_hostns_release(struct hr_policy *p)
{
  (void)p;
}

/* 1 when `path` is the host's namespace of that kind: the one of PID 1, or
 * hardrun's own (the runtime's callers run in the host's namespaces; PID 1
 * may also be out of reach, as it is on some VMs).  A path that does not
 * exist is not (runc fails to join it); one that cannot be inspected is
 * taken as the host's: hardrun cannot tell it apart. */
static int is_host_ns(const char *path, const char *proc, int *ret_errno, struct hr_error *err)
{
  static const char *const pids[] = {"1", "self"};
  struct stat st, host;
  char hp[64];
  bool compared = false;

  if (stat(path, &st) < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return 0;
    *ret_errno = errno;
    return 2;
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(pids); i++) {
    snprintf(hp, sizeof(hp), "/proc/%s/ns/%s", pids[i], proc);
    if (stat(hp, &host) < 0)
      continue;
    compared = true;
    if (st.st_dev == host.st_dev && st.st_ino == host.st_ino)
      return 1;
  }
  if (!compared)
    return hr_error_sys(err, "cannot read the host's %s namespace", proc);
  return 0;
}

static int hostns_one(struct hr_apply_ctx *ctx, struct hr_json *linux_obj, struct hr_json *nss,
                      enum hr_ns ns, enum hr_rule_mode mode, struct hr_error *err)
{
  const char *type = namespaces[ns].spec;
  char path[96], q[HR_QUOTE_MAX];
  bool found = false;
  int r, why = 0;

  for (size_t i = 0; nss != NULL && i < nss->u.array.len; i++) {
    struct hr_json *e = nss->u.array.items[i];
    const char *t, *p;
    hr_field_path(path, sizeof(path), "linux.namespaces", i, ".type");
    if (hr_rule_spec_string(e, "type", path, &t, err) < 0)
      return -1;
    if (strcmp(t, type) != 0)
      continue;
    found = true;
    hr_field_path(path, sizeof(path), "linux.namespaces", i, ".path");
    if (hr_rule_spec_string(e, "path", path, &p, err) < 0)
      return -1;
    if (p[0] == '\0')
      continue;
    r = is_host_ns(p, namespaces[ns].proc, &why, err);
    /* runc resolves bind sources and root.path in the mount namespace it
     * joins; hardrun judged them in its own, and one an unprivileged user
     * made may hold the host's / anywhere. */
    if (r == 0 && ns == HR_NS_MOUNT && access(p, F_OK) == 0)
      r = 3;
    if (r == 0)
      continue;
    if (r < 0)
      return hr_error_prefix(err, "%s", path);
    if (r == 3)
      r = hr_rule_breach(ctx, mode, path, err,
                         "%s is another mount namespace: runc would find bind sources and "
                         "root.path in it, not where hardrun judged them",
                         hr_quote(q, sizeof(q), p, strlen(p)));
    else if (r == 2)
      r = hr_rule_breach(ctx, mode, path, err,
                         "%s cannot be inspected (%s): it may be the host's %s namespace",
                         hr_quote(q, sizeof(q), p, strlen(p)), strerror(why), type);
    else
      r = hr_rule_breach(ctx, mode, path, err, "%s is the host's %s namespace",
                         hr_quote(q, sizeof(q), p, strlen(p)), type);
    if (r <= 0) {
      if (r < 0)
        return -1;
      continue;
    }
    /* Without a path runc makes a new namespace. */
    if (hr_changes_add(ctx->changes, ctx->rule, path, hr_json_get(e, "path"), NULL, err) < 0)
      return -1;
    hr_json_remove(e, "path");
  }
  if (found)
    return 0;
  r = hr_rule_breach(ctx, mode, "linux.namespaces", err,
                     "no %s namespace: the container would share the host's", type);
  if (r <= 0)
    return r;
  snprintf(path, sizeof(path), "{\"type\":\"%s\"}", type);
  struct hr_json *entry = hr_json_new_from_text(ctx->doc, path, err);
  return entry == NULL
             ? -1
             : hr_rule_append_item(ctx, linux_obj, "namespaces", "linux.namespaces", entry, err);
}

int hr_hostns_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_hostns *r = &ctx->policy->refusals.hostns;
  struct hr_json *linux_obj, *nss = NULL;

  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  if (linux_obj != NULL && hr_rule_spec_get_array_of(linux_obj, "namespaces", HR_JSON_OBJECT,
                                                     "linux.namespaces", &nss, err) < 0)
    return -1;
  /* Every entry is checked before the first verdict, so that a malformed
   * one is reported as such whatever comes first. */
  for (size_t i = 0; nss != NULL && i < nss->u.array.len; i++) {
    const char *s;
    char path[64];
    hr_field_path(path, sizeof(path), "linux.namespaces", i, ".type");
    if (hr_rule_spec_string(nss->u.array.items[i], "type", path, &s, err) < 0)
      return -1;
    hr_field_path(path, sizeof(path), "linux.namespaces", i, ".path");
    if (hr_rule_spec_string(nss->u.array.items[i], "path", path, &s, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < HR_NS_COUNT; i++) {
    if (r->mode[i] == HR_MODE_OFF)
      continue;
    /* A fix may need the linux object; make it only then. */
    if (linux_obj == NULL && r->mode[i] == HR_MODE_FIX &&
        hr_rule_spec_linux(ctx, true, &linux_obj, err) < 0)
      return -1;
    if (hostns_one(ctx, linux_obj, nss, (enum hr_ns)i, r->mode[i], err) < 0)
      return -1;
    if (linux_obj != NULL &&
        hr_rule_spec_get(linux_obj, "namespaces", HR_JSON_ARRAY, "linux.namespaces", &nss, err) < 0)
      return -1;
  }
  /* Sharing a cgroup with other processes is sharing them with the
   * container as --pid=host does: runc signals the whole cgroup. */
  if (hr_hostns_cgroup_path(ctx, r->mode[HR_NS_PID], err) < 0)
    return -1;
  return hr_cgroup_unified_core(ctx, r->mode[HR_NS_PID], err);
}

/* ---- host-devices ---------------------------------------------------------------------- */

/* The devices every runtime gives a container (runtime-spec "Default
 * Devices", plus /dev/ptmx and the devpts range). */
static const char *const default_devices[] = {
    "c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2", "c 136:*",
};

/* "TYPE MAJOR:MINOR", TYPE one of a b c, numbers or "*". */
static int parse_device_pattern(const char *s, struct hr_device_pattern *ret)
{
  const char *colon;
  int64_t v[2];
  const char *parts[2];
  size_t lens[2];

  if (strchr("abc", s[0]) == NULL || s[0] == '\0' || s[1] != ' ')
    return -1;
  colon = strchr(s + 2, ':');
  if (colon == NULL)
    return -1;
  parts[0] = s + 2;
  lens[0] = (size_t)(colon - parts[0]);
  parts[1] = colon + 1;
  lens[1] = strlen(parts[1]);
  for (size_t i = 0; i < 2; i++) {
    if (lens[i] == 1 && parts[i][0] == '*')
      v[i] = -1;
    else if (hr_parse_i64(parts[i], lens[i], &v[i]) < 0 || v[i] < 0 || v[i] > UINT32_MAX)
      return -1;
  }
  *ret = (struct hr_device_pattern){.type = s[0], .major = v[0], .minor = v[1]};
  return 0;
}

int hr_hostdevices_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                         struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "allow", NULL};
  struct hr_rule_hostdevices *r = &p->refusals.hostdevices;
  const struct hr_json *obj, *node;
  cleanup_strv char **names = NULL;
  size_t n = 0;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, true, &mode, &obj, err) < 0)
    return -1;
  node = obj != NULL ? hr_json_get(obj, "allow") : NULL;
  if (hr_rule_strv_or_default(profile, obj, "allow", default_devices,
                              HR_ARRAY_SIZE(default_devices), &names, &n, err) < 0)
    return -1;
  free(r->allow);
  r->n_allow = 0;
  r->allow = hr_calloc(n + 1, sizeof(*r->allow), err);
  if (r->allow == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (parse_device_pattern(names[i], &r->allow[i]) < 0)
      return hr_profile_error(profile, node ? node->u.array.items[i] : NULL, err,
                              "hostDevices.allow[%zu]: expected \"TYPE MAJOR:MINOR\" such as "
                              "\"c 10:200\" or \"c 136:*\" (TYPE a, b or c)",
                              i);
    r->n_allow++;
  }
  r->mode = mode;
  return 0;
}

bool hr_hostdevices_enabled(const struct hr_policy *p)
{
  return p->refusals.hostdevices.mode != HR_MODE_OFF;
}

void hr_hostdevices_release(struct hr_policy *p)
{
  free(p->refusals.hostdevices.allow);
  p->refusals.hostdevices.allow = NULL;
  p->refusals.hostdevices.n_allow = 0;
}

/* A wildcard in the spec is covered only by a wildcard in the pattern. */
static bool device_allowed(const struct hr_rule_hostdevices *r, char type, int64_t major,
                           int64_t minor)
{
  for (size_t i = 0; i < r->n_allow; i++) {
    const struct hr_device_pattern *a = &r->allow[i];
    if ((a->type == 'a' || a->type == type) && (a->major == -1 || a->major == major) &&
        (a->minor == -1 || a->minor == minor))
      return true;
  }
  return false;
}

static void device_name(char *buf, size_t size, char type, int64_t major, int64_t minor)
{
  char ma[24], mi[24];

  snprintf(ma, sizeof(ma), "%" PRId64, major);
  snprintf(mi, sizeof(mi), "%" PRId64, minor);
  snprintf(buf, size, "%c %s:%s", type, major < 0 ? "*" : ma, minor < 0 ? "*" : mi);
}

/* One entry of linux.devices as runc reads it. */
struct dev_node {
  char type; /* c, u, b or p */
  int64_t major, minor;
  const char *path;
};

static int read_dev_node(const struct hr_json *d, const char *where, struct dev_node *ret,
                         struct hr_error *err)
{
  char p[96];
  const char *type;
  bool present;

  hr_field_path(p, sizeof(p), where, SIZE_MAX, ".type");
  if (hr_rule_spec_string(d, "type", p, &type, err) < 0)
    return -1;
  /* runc: "u" is an unbuffered character device, "p" a FIFO. */
  if (strcmp(type, "c") != 0 && strcmp(type, "u") != 0 && strcmp(type, "b") != 0 &&
      strcmp(type, "p") != 0)
    return hr_error_input(err, "%s: expected \"c\", \"b\", \"u\" or \"p\"", p);
  ret->type = type[0];
  hr_field_path(p, sizeof(p), where, SIZE_MAX, ".major");
  if (hr_rule_spec_i64(d, "major", p, &present, &ret->major, err) < 0)
    return -1;
  hr_field_path(p, sizeof(p), where, SIZE_MAX, ".minor");
  if (hr_rule_spec_i64(d, "minor", p, &present, &ret->minor, err) < 0)
    return -1;
  hr_field_path(p, sizeof(p), where, SIZE_MAX, ".path");
  return hr_rule_spec_string(d, "path", p, &ret->path, err);
}

/* Below /dev/, with no empty, "." or ".." component: runc joins the path
 * to the rootfs for the node, and to the host's / for the file it binds
 * under a user namespace. */
static bool clean_dev_path(const char *s)
{
  if (strncmp(s, "/dev/", 5) != 0)
    return false;
  for (s += 5;; s++) {
    size_t n = strcspn(s, "/");
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
      return false;
    s += n;
    if (*s == '\0')
      return true;
  }
}

/* Without openat2(): a component at a time, and no symbolic link at all. */
static int open_dev_nofollow(int dev, const char *rel)
{
  int dir = fcntl(dev, F_DUPFD_CLOEXEC, 3);

  while (dir >= 0) {
    char comp[NAME_MAX + 1];
    size_t n = strcspn(rel, "/");
    struct stat st;
    int fd = -1, e = ENAMETOOLONG;

    if (n <= NAME_MAX) {
      memcpy(comp, rel, n);
      comp[n] = '\0';
      fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      e = fd < 0 ? errno : fstat(fd, &st) < 0 ? errno : S_ISLNK(st.st_mode) ? ELOOP : 0;
    }
    close(dir);
    if (e != 0) {
      if (fd >= 0)
        close(fd);
      errno = e;
      return -1;
    }
    if (rel[n] == '\0')
      return fd;
    dir = fd;
    rel += n + 1;
  }
  return -1;
}

/* The host's file at `path` (clean, below /dev/), followed as mount(2)
 * follows it.  Only links that stay beneath /dev are followed: an
 * absolute or magic link (/dev/fd, /dev/stdin) leads to whatever the
 * process resolving it holds, and runc's init is not this process. */
static int host_dev_stat(const char *path, struct stat *st)
{
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  cleanup_close int dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

  if (dev < 0)
    return -errno;
  fd = (int)syscall(SYS_openat2, dev, path + 5, &how, sizeof(how));
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    fd = open_dev_nofollow(dev, path + 5);
  if (fd < 0 || fstat(fd, st) < 0)
    return -errno;
  return 0;
}

/* runc 1.1 cannot mknod in a user namespace, its own or the one it runs
 * in: it bind-mounts the host's file at each entry's path instead.  The
 * userNamespace control, when on, gives the spec one. */
static int nodes_bound(struct hr_apply_ctx *ctx, const struct hr_json *linux_obj, bool *ret,
                       struct hr_error *err)
{
  struct hr_json *nss = NULL;
  unsigned long a = 0, b = 0, c = 0;
  FILE *f;

  if (linux_obj != NULL && hr_rule_spec_get_array_of(linux_obj, "namespaces", HR_JSON_OBJECT,
                                                     "linux.namespaces", &nss, err) < 0)
    return -1;
  *ret = ctx->policy->userns.enabled || hr_rule_spec_names_userns(nss);
  /* runc's userns.RunningInUserNS(): anything but the whole identity map */
  f = fopen("/proc/self/uid_map", "re");
  if (f != NULL) {
    if (fscanf(f, "%lu %lu %lu", &a, &b, &c) != 3 || a != 0 || b != 0 || c != 4294967295UL)
      *ret = true;
    fclose(f);
  }
  return 0;
}

/* Why runc would give the container something other than the entry's
 * own device, or NULL. */
static const char *node_flaw(const struct dev_node *n, bool bound, char *buf, size_t size)
{
  char q[HR_QUOTE_MAX], name[64];
  struct stat st;
  int r;

  hr_quote(q, sizeof(q), n->path, strlen(n->path));
  if (!clean_dev_path(n->path))
    snprintf(buf, size,
             "device path %s is not a clean absolute path below /dev/ (no \".\", \"..\" or "
             "empty component)",
             q);
  else if (!bound)
    return NULL;
  else if (n->type == 'p')
    snprintf(buf, size,
             "under a user namespace runc binds the host's file %s read-write in place of a FIFO",
             q);
  else if ((r = host_dev_stat(n->path, &st)) < 0)
    snprintf(buf, size,
             "under a user namespace runc binds the host's file %s, which does not resolve to a "
             "node within /dev: %s",
             q, strerror(-r));
  else if ((n->type == 'b' ? S_ISBLK(st.st_mode) : S_ISCHR(st.st_mode)) &&
           (int64_t)major(st.st_rdev) == n->major && (int64_t)minor(st.st_rdev) == n->minor)
    return NULL;
  else {
    device_name(name, sizeof(name), n->type == 'b' ? 'b' : 'c', n->major, n->minor);
    snprintf(buf, size,
             "under a user namespace runc binds the host's file %s, which is not the device "
             "node %s",
             q, name);
  }
  return buf;
}

/* linux.devices: nodes runc creates in the container's /dev. */
static int device_nodes(struct hr_apply_ctx *ctx, const struct hr_rule_hostdevices *r,
                        struct hr_error *err)
{
  struct hr_json *linux_obj, *devs = NULL;
  size_t kept = 0;
  bool drop = false, bound;

  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  if (linux_obj != NULL && hr_rule_spec_get_array_of(linux_obj, "devices", HR_JSON_OBJECT,
                                                     "linux.devices", &devs, err) < 0)
    return -1;
  if (devs == NULL || devs->u.array.len == 0)
    return 0;
  if (nodes_bound(ctx, linux_obj, &bound, err) < 0)
    return -1;
  for (size_t i = 0; i < devs->u.array.len; hr_rule_squeeze(devs, i++, &drop, &kept)) {
    char path[64], p[96], name[64], q[HR_QUOTE_MAX], why[HR_ERROR_MSG_MAX / 2];
    struct dev_node n;
    int rc;

    hr_field_path(path, sizeof(path), "linux.devices", i, "");
    if (read_dev_node(devs->u.array.items[i], path, &n, err) < 0)
      return -1;
    hr_field_path(p, sizeof(p), path, SIZE_MAX, ".path");
    if (node_flaw(&n, bound, why, sizeof(why)) != NULL)
      rc = hr_rule_breach(ctx, r->mode, p, err, "%s", why);
    /* a FIFO reaches no host device when runc makes it */
    else if (n.type == 'p' || (n.major >= 0 && n.minor >= 0 &&
                               device_allowed(r, n.type == 'b' ? 'b' : 'c', n.major, n.minor)))
      continue;
    else {
      device_name(name, sizeof(name), n.type == 'b' ? 'b' : 'c', n.major, n.minor);
      rc = hr_rule_breach(ctx, r->mode, path, err, "host device %s (%s) is not in the allowlist",
                          hr_quote(q, sizeof(q), n.path, strlen(n.path)), name);
    }
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    if (remove_item(ctx, devs, i, path, &drop, err) < 0)
      return -1;
  }
  hr_rule_squeeze_end(devs, kept);
  return 0;
}

/* linux.resources.devices: what the device cgroup lets the container open. */
static int device_rules(struct hr_apply_ctx *ctx, const struct hr_rule_hostdevices *r,
                        struct hr_error *err)
{
  struct hr_json *devs;
  size_t kept = 0;
  bool drop = false;

  if (cgroup_devices(ctx, &devs, err) < 0)
    return -1;
  for (size_t i = 0; devs != NULL && i < devs->u.array.len;
       hr_rule_squeeze(devs, i++, &drop, &kept)) {
    struct dev_rule d;
    char path[64], name[64];
    int rc;

    hr_field_path(path, sizeof(path), "linux.resources.devices", i, "");
    if (read_dev_rule(devs->u.array.items[i], path, &d, err) < 0)
      return -1;
    /* Deny rules only take away; mknod alone opens nothing. */
    if (!d.allow || !d.rw || device_allowed(r, d.type, d.major, d.minor))
      continue;
    device_name(name, sizeof(name), d.type, d.major, d.minor);
    rc = hr_rule_breach(ctx, r->mode, path, err,
                        "the device cgroup allows %s, beyond the allowed devices", name);
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    if (remove_item(ctx, devs, i, path, &drop, err) < 0)
      return -1;
  }
  hr_rule_squeeze_end(devs, kept);
  return 0;
}

int hr_hostdevices_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_rule_hostdevices *r = &ctx->policy->refusals.hostdevices;

  if (device_nodes(ctx, r, err) < 0)
    return -1;
  return device_rules(ctx, r, err);
}

/* ---- device rules in an update --------------------------------------------------------- */

/* One rule's judgement of an update body; a refusal under a profile that
 * does not enforce is a finding, as the driver makes it. */
static int update_rule(struct hr_apply_ctx *ctx, const char *rule, int rc, struct hr_error *err)
{
  struct hr_error refusal;

  if (rc >= 0)
    return 0;
  hr_error_prefix(err, "profile \"%s\": rule \"%s\"", ctx->policy->name, rule);
  if (err->kind != HR_ERR_REFUSED || ctx->policy->enforce)
    return -1;
  refusal = *err;
  *err = (struct hr_error){0};
  return hr_apply_audit(ctx, "linux.resources.devices", err, "would refuse: %s", refusal.msg);
}

int hr_update_devices_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_policy *p = ctx->policy;

  ctx->rule = "privileged";
  if (update_rule(ctx, "privileged", privileged_devices(ctx, p->refusals.privileged.mode, err),
                  err) < 0)
    return -1;
  if (p->refusals.hostdevices.mode == HR_MODE_OFF)
    return 0;
  ctx->rule = "host-devices";
  return update_rule(ctx, "host-devices", device_rules(ctx, &p->refusals.hostdevices, err), err);
}

/* ---- sysctls ---------------------------------------------------------------------------- */

/* Kubernetes Pod Security "baseline" (1.29): namespaced and isolated from
 * other containers and the host. */
static const char *const default_sysctls[] = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
};

int hr_sysctls_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "allow", NULL};
  struct hr_rule_sysctls *r = &p->refusals.sysctls;
  const struct hr_json *obj;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, true, &mode, &obj, err) < 0 ||
      hr_rule_strv_or_default(profile, obj, "allow", default_sysctls,
                              HR_ARRAY_SIZE(default_sysctls), &r->allow, &r->n_allow, err) < 0)
    return -1;
  /* Stored as runc writes them: "/" and "." are the same separator. */
  for (size_t i = 0; i < r->n_allow; i++)
    for (char *c = r->allow[i]; *c != '\0'; c++)
      if (*c == '/')
        *c = '.';
  r->mode = mode;
  return 0;
}

bool hr_sysctls_enabled(const struct hr_policy *p)
{
  return p->refusals.sysctls.mode != HR_MODE_OFF;
}

void hr_sysctls_release(struct hr_policy *p)
{
  hr_rule_strv_free(&p->refusals.sysctls.allow, &p->refusals.sysctls.n_allow);
}

int hr_sysctls_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  size_t kept = 0;
  bool drop = false;
  const struct hr_rule_sysctls *r = &ctx->policy->refusals.sysctls;
  struct hr_json *linux_obj, *map = NULL;

  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  if (linux_obj != NULL &&
      hr_rule_spec_get(linux_obj, "sysctl", HR_JSON_OBJECT, "linux.sysctl", &map, err) < 0)
    return -1;
  for (size_t i = 0; map != NULL && i < map->u.object.len;
       hr_rule_squeeze(map, i++, &drop, &kept)) {
    const struct hr_json_member *m = &map->u.object.items[i];
    char q[HR_QUOTE_MAX], path[HR_QUOTE_MAX + 32];
    cleanup_free char *name = NULL;
    int rc;

    hr_quote(q, sizeof(q), m->key, strlen(m->key));
    snprintf(path, sizeof(path), "linux.sysctl[%s]", q);
    if (m->value->type != HR_JSON_STRING)
      return hr_error_input(err, "%s: expected a string", path);
    /* runc writes the value to /proc/sys/ + the name with every "." turned
     * into "/": "net/ipv4/x" and "net.ipv4.x" are one sysctl. */
    name = hr_strdup(m->key, err);
    if (name == NULL)
      return -1;
    for (char *c = name; *c != '\0'; c++)
      if (*c == '/')
        *c = '.';
    if (hr_rule_strv_contains(r->allow, r->n_allow, name))
      continue;
    rc = hr_rule_breach(ctx, r->mode, path, err,
                        "%s is not in the allowlist of namespaced, safe sysctls", q);
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    if (hr_changes_add(ctx->changes, ctx->rule, path, m->value, NULL, err) < 0)
      return -1;
    drop = true;
  }
  hr_rule_squeeze_end(map, kept);
  return 0;
}

/* ---- hooks ------------------------------------------------------------------------------ */

/* runc 1.1 runs all six kinds. */
static const char *const hook_kinds[] = {"prestart",       "createRuntime", "createContainer",
                                         "startContainer", "poststart",     "poststop"};
static const char *const default_dockerd[] = {"/usr/bin/dockerd", "/usr/sbin/dockerd",
                                              "/usr/local/bin/dockerd"};
static const char *const default_containerd[] = {"/usr/bin/containerd", "/usr/sbin/containerd",
                                                 "/usr/local/bin/containerd"};

int hr_hooks_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                   struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "mode", "allow", "dockerd", "containerd", NULL};
  struct hr_rule_hooks *r = &p->refusals.hooks;
  const struct hr_json *obj;
  enum hr_rule_mode mode;

  if (hr_rule_begin(profile, section, keys, HR_MODE_REFUSE, true, &mode, &obj, err) < 0 ||
      paths_or_default(profile, obj, "allow", "hooks.allow", NULL, 0, &r->allow, &r->n_allow, err) <
          0 ||
      paths_or_default(profile, obj, "dockerd", "hooks.dockerd", default_dockerd,
                       HR_ARRAY_SIZE(default_dockerd), &r->dockerd, &r->n_dockerd, err) < 0 ||
      paths_or_default(profile, obj, "containerd", "hooks.containerd", default_containerd,
                       HR_ARRAY_SIZE(default_containerd), &r->containerd, &r->n_containerd,
                       err) < 0)
    return -1;
  r->mode = mode;
  return 0;
}

bool hr_hooks_enabled(const struct hr_policy *p)
{
  return p->refusals.hooks.mode != HR_MODE_OFF;
}

void hr_hooks_release(struct hr_policy *p)
{
  struct hr_rule_hooks *r = &p->refusals.hooks;

  hr_rule_strv_free(&r->allow, &r->n_allow);
  hr_rule_strv_free(&r->dockerd, &r->n_dockerd);
  hr_rule_strv_free(&r->containerd, &r->n_containerd);
}

/* hook.args[i], or NULL. */
static const char *hook_arg(const struct hr_json *args, size_t i)
{
  if (args == NULL || i >= args->u.array.len)
    return NULL;
  return args->u.array.items[i]->u.string.s;
}

/* dockerd's network hook: {"path": "/proc/<dockerd's pid>/exe", "args":
 * ["libnetwork-setkey", "-exec-root=<dir>", <container id>, <controller
 * id>]}, exactly as dockerd writes it.  The pid must be a live dockerd: its
 * exe link resolves to one of the profile's dockerd binaries (" (deleted)"
 * after an upgrade in place still counts).  The container id argument, or
 * NULL when the hook is not dockerd's. */
static const char *dockerd_hook_id(const struct hr_rule_hooks *r, const char *path,
                                   const struct hr_json *args)
{
  const char *arg0 = hook_arg(args, 0), *arg1 = hook_arg(args, 1), *pid = path + strlen("/proc/");
  char target[PATH_MAX];
  size_t n = 0, len;
  ssize_t got;

  if (arg0 == NULL || strcmp(arg0, "libnetwork-setkey") != 0 || arg1 == NULL ||
      strncmp(arg1, "-exec-root=", strlen("-exec-root=")) != 0 || hook_arg(args, 3) == NULL ||
      hook_arg(args, 4) != NULL || strncmp(path, "/proc/", strlen("/proc/")) != 0)
    return NULL;
  while (pid[n] >= '0' && pid[n] <= '9')
    n++;
  if (n == 0 || n > 10 || pid[0] == '0' || strcmp(pid + n, "/exe") != 0)
    return NULL;
  got = readlink(path, target, sizeof(target) - 1);
  if (got <= 0)
    return NULL;
  target[got] = '\0';
  len = (size_t)got;
  if (len > strlen(" (deleted)") && strcmp(target + len - strlen(" (deleted)"), " (deleted)") == 0)
    target[len - strlen(" (deleted)")] = '\0';
  return hr_rule_strv_contains(r->dockerd, r->n_dockerd, target) ? hook_arg(args, 2) : NULL;
}

/* Whether dockerd's hook naming container `id` belongs to this container.
 * Docker always writes the container's own id; with another container's,
 * dockerd's binary, run as root, tells dockerd to move that container's
 * network sandbox into this container's network namespace.  One that
 * starts with "-" would be read as a flag by the hook's flag parser.
 * `policy explain` knows no id: the hook passes there on its shape. */
static bool dockerd_hook_ours(const struct hr_apply_ctx *ctx, const char *id)
{
  if (ctx->container_id == NULL)
    return ctx->refusals != NULL;
  return id[0] != '-' && strcmp(id, ctx->container_id) == 0;
}

/* containerd's relay: {"path": "<containerd>", "args": ["containerd",
 * "oci-hook", "--", PROGRAM, ...]} runs PROGRAM, which must be allowed
 * itself. */
static bool is_containerd_hook(const struct hr_rule_hooks *r, const char *path,
                               const struct hr_json *args)
{
  const char *a0 = hook_arg(args, 0), *a1 = hook_arg(args, 1), *a2 = hook_arg(args, 2),
             *prog = hook_arg(args, 3);

  return hr_rule_strv_contains(r->containerd, r->n_containerd, path) && a0 != NULL &&
         strcmp(a0, "containerd") == 0 && a1 != NULL && strcmp(a1, "oci-hook") == 0 && a2 != NULL &&
         strcmp(a2, "--") == 0 && prog != NULL && hr_rule_strv_contains(r->allow, r->n_allow, prog);
}

/* What the dynamic loader and the C library read from the environment:
 * glibc's list of variables it drops for setuid programs, for the same
 * reason.  A hook runs as root on the host with the environment the spec
 * gives it, so LD_PRELOAD pointing into the rootfs would run the
 * container's code there, through any allowed hook (dockerd and containerd
 * are dynamically linked). */
static bool loader_variable(const char *entry)
{
  static const char *const names[] = {
      "GCONV_PATH",
      "GETCONF_DIR",
      "GLIBC_TUNABLES",
      "HOSTALIASES",
      "LOCALDOMAIN",
      "LOCPATH",
      "MALLOC_ARENA_MAX",
      "MALLOC_ARENA_TEST",
      "MALLOC_PERTURB_",
      "MALLOC_TRACE",
      "MALLOC_TOP_PAD_",
      "MALLOC_MMAP_MAX_",
      "MALLOC_MMAP_THRESHOLD_",
      "MALLOC_TRIM_THRESHOLD_",
      "NIS_PATH",
      "NLSPATH",
      "RESOLV_HOST_CONF",
      "RES_OPTIONS",
      "TMPDIR",
      "TZDIR",
  };
  size_t n = strcspn(entry, "=");

  if (strncmp(entry, "LD_", 3) == 0)
    return true;
  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++)
    if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
      return true;
  return false;
}

/* Index of the first loader variable in hook.env, or -1. */
static long hook_env_loader(const struct hr_json *env)
{
  for (size_t i = 0; env != NULL && i < env->u.array.len; i++)
    if (loader_variable(env->u.array.items[i]->u.string.s))
      return (long)i;
  return -1;
}

static int hooks_of_kind(struct hr_apply_ctx *ctx, struct hr_json *hooks, const char *kind,
                         struct hr_error *err)
{
  const struct hr_rule_hooks *r = &ctx->policy->refusals.hooks;
  struct hr_json *list;
  char path[64];
  size_t kept = 0;
  bool drop = false;

  snprintf(path, sizeof(path), "hooks.%s", kind);
  if (hr_rule_spec_get_array_of(hooks, kind, HR_JSON_OBJECT, path, &list, err) < 0)
    return -1;
  for (size_t i = 0; list != NULL && i < list->u.array.len;
       hr_rule_squeeze(list, i++, &drop, &kept)) {
    struct hr_json *h = list->u.array.items[i], *args, *env;
    char hp[96], q[HR_QUOTE_MAX];
    const char *exe, *docker_id;
    long bad;
    int rc;

    hr_field_path(hp, sizeof(hp), path, i, ".args");
    if (hr_rule_spec_get_array_of(h, "args", HR_JSON_STRING, hp, &args, err) < 0)
      return -1;
    hr_field_path(hp, sizeof(hp), path, i, ".env");
    if (hr_rule_spec_get_array_of(h, "env", HR_JSON_STRING, hp, &env, err) < 0)
      return -1;
    hr_field_path(hp, sizeof(hp), path, i, ".path");
    if (hr_rule_spec_string(h, "path", hp, &exe, err) < 0)
      return -1;
    bad = hook_env_loader(env);
    docker_id = bad < 0 ? dockerd_hook_id(r, exe, args) : NULL;
    if (bad < 0 && (hr_rule_strv_contains(r->allow, r->n_allow, exe) ||
                    (docker_id != NULL && dockerd_hook_ours(ctx, docker_id)) ||
                    is_containerd_hook(r, exe, args)))
      continue;
    if (bad >= 0) {
      const char *e = env->u.array.items[bad]->u.string.s;
      snprintf(hp, sizeof(hp), "%s[%zu].env[%ld]", path, i, bad);
      /* The name only: the value may be anything. */
      rc = hr_rule_breach(ctx, r->mode, hp, err,
                          "%s is read by the dynamic loader or the C library of the hook, which "
                          "runs as root on the host",
                          hr_quote(q, sizeof(q), e, strcspn(e, "=")));
    } else if (docker_id != NULL) {
      char qo[HR_QUOTE_MAX];
      const char *own = ctx->container_id != NULL ? ctx->container_id : "";
      hr_field_path(hp, sizeof(hp), path, i, ".args[2]");
      rc = hr_rule_breach(ctx, r->mode, hp, err,
                          "dockerd's network hook names container %s, not this one (%s): dockerd "
                          "would give that container's network to this container",
                          hr_quote(q, sizeof(q), docker_id, strlen(docker_id)),
                          hr_quote(qo, sizeof(qo), own, strlen(own)));
    } else {
      rc = hr_rule_breach(ctx, r->mode, hp, err,
                          "hook %s is not in the allowlist (hooks run as root on the host)",
                          hr_quote(q, sizeof(q), exe, strlen(exe)));
    }
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    hr_field_path(hp, sizeof(hp), path, i, "");
    if (remove_item(ctx, list, i, hp, &drop, err) < 0)
      return -1;
  }
  hr_rule_squeeze_end(list, kept);
  return 0;
}

int hr_hooks_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *hooks;

  if (hr_rule_spec_get(ctx->spec, "hooks", HR_JSON_OBJECT, "hooks", &hooks, err) < 0)
    return -1;
  for (size_t i = 0; hooks != NULL && i < HR_ARRAY_SIZE(hook_kinds); i++)
    if (hooks_of_kind(ctx, hooks, hook_kinds[i], err) < 0)
      return -1;
  return 0;
}
