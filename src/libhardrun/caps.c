/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "capabilities" control: every capability set of the container's
 * process is intersected with the profile's allowlist. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <cap-ng.h>

#include "hardrun/controls.h"
#include "hardrun/utils.h"

/* Docker's default set without AUDIT_WRITE, MKNOD, NET_RAW and SETFCAP:
 * raw sockets allow spoofing on the bridge network, device nodes and file
 * capabilities are rarely needed by a service and widen what a compromised
 * one can do. */
static const char *const default_allow[] = {
    "CHOWN",  "DAC_OVERRIDE", "FOWNER",  "FSETID",           "KILL",
    "SETGID", "SETUID",       "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT",
};

/* The five sets of the runtime-spec's LinuxCapabilities, all []string. */
static const char *const cap_sets[] = {"bounding", "effective", "inheritable", "permitted",
                                       "ambient"};

#define CAP_NAME_MAX 64

/* Accept "CAP_CHOWN", "chown", "Cap_Chown": the CAP_ prefix is optional and
 * libcap-ng matches the rest without regard to case.  The stored form is
 * the one runc compares against, "CAP_" plus upper case. */
static int normalise_cap(const char *name, char **ret)
{
  const char *base = name;
  int cap;

  if (strncasecmp(base, "CAP_", 4) == 0)
    base += 4;
  if (*base == '\0' || strlen(base) > CAP_NAME_MAX)
    return -1;
  cap = capng_name_to_capability(base);
  if (cap < 0)
    return -1;
  const char *canon = capng_capability_to_name((unsigned)cap);
  if (canon == NULL)
    return -1;

  char *out = malloc(strlen(canon) + 5);
  if (out == NULL)
    return -ENOMEM;
  memcpy(out, "CAP_", 4);
  for (size_t i = 0; canon[i] != '\0'; i++)
    out[4 + i] = (char)toupper((unsigned char)canon[i]);
  out[4 + strlen(canon)] = '\0';
  *ret = out;
  return 0;
}

static bool strv_contains(char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

/* Turn `names` into a deduplicated, normalised, NULL-terminated list.
 * `allow` is the profile's array the names came from (for error positions),
 * NULL for the built-in list. */
static int build_allowlist(const struct hr_json_doc *profile, const struct hr_json *allow,
                           char **names, size_t n_names, struct hr_policy_caps *caps,
                           struct hr_error *err)
{
  cleanup_strv char **out = hr_calloc(n_names + 1, sizeof(char *), err);
  size_t n = 0;

  if (out == NULL)
    return -1;
  for (size_t i = 0; i < n_names; i++) {
    char *canon = NULL;
    int r = normalise_cap(names[i], &canon);
    if (r == -ENOMEM)
      return hr_error_oom(err);
    if (r < 0 && allow == NULL)
      return hr_error_profile(err, "capabilities: built-in name %s is unknown to libcap-ng",
                              names[i]);
    if (r < 0)
      return hr_profile_error(profile, allow->u.array.items[i], err,
                              "capabilities.allow[%zu]: unknown capability \"%s\"", i, names[i]);
    if (strv_contains(out, n, canon)) {
      free(canon);
      continue;
    }
    out[n++] = canon;
  }
  hr_strv_free(caps->allow);
  caps->allow = get_and_reset(&out);
  caps->n_allow = n;
  return 0;
}

/* `true`, `false` or {"enabled": bool, "allow": [...]}; a missing "allow"
 * means the built-in list, as `true` does. */
int hr_caps_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                  struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "allow", NULL};
  const struct hr_json *allow = NULL;
  cleanup_strv char **names = NULL;
  size_t n_names = 0;
  bool on = true;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0)
    allow = hr_json_get(section, "allow");

  if (allow != NULL) {
    if (hr_profile_get_strv(profile, allow, &names, &n_names, err) < 0)
      return -1;
  } else {
    names = hr_calloc(HR_ARRAY_SIZE(default_allow) + 1, sizeof(char *), err);
    if (names == NULL)
      return -1;
    for (size_t i = 0; i < HR_ARRAY_SIZE(default_allow); i++)
      if ((names[n_names++] = hr_strdup(default_allow[i], err)) == NULL)
        return -1;
  }
  if (build_allowlist(profile, allow, names, n_names, &p->caps, err) < 0)
    return -1;
  p->caps.enabled = on;
  return 0;
}

bool hr_caps_enabled(const struct hr_policy *p)
{
  return p->caps.enabled;
}

/* Keep the entries of one set that runc would grant only if allowed.  runc
 * looks capability names up exactly, so "cap_sys_admin" is not CAP_SYS_ADMIN
 * to runc (it is rejected or ignored there) and is dropped here as well. */
static int filter_set(struct hr_apply_ctx *ctx, struct hr_json *caps, const char *set,
                      struct hr_error *err)
{
  struct hr_json *arr = hr_json_get(caps, set), *out;
  const struct hr_policy_caps *pc = &ctx->policy->caps;
  char path[64];
  size_t kept = 0;

  snprintf(path, sizeof(path), "process.capabilities.%s", set);
  if (hr_json_is_null(arr))
    return 0;
  if (arr->type != HR_JSON_ARRAY)
    return hr_error_input(err, "%s: expected an array of strings", path);
  for (size_t i = 0; i < arr->u.array.len; i++) {
    const struct hr_json *item = arr->u.array.items[i];
    if (item->type != HR_JSON_STRING)
      return hr_error_input(err, "%s: expected an array of strings", path);
    kept += strv_contains(pc->allow, pc->n_allow, item->u.string.s);
  }
  if (kept == arr->u.array.len)
    return 0;

  out = hr_json_new_array(ctx->doc, err);
  if (out == NULL)
    return -1;
  for (size_t i = 0; i < arr->u.array.len; i++) {
    const char *name = arr->u.array.items[i]->u.string.s;
    struct hr_json *s;
    if (!strv_contains(pc->allow, pc->n_allow, name))
      continue;
    s = hr_json_new_string(ctx->doc, name, err);
    if (s == NULL || hr_json_array_append(ctx->doc, out, s, err) < 0)
      return -1;
  }
  return hr_apply_set(ctx, caps, set, path, out, err);
}

int hr_caps_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *process = hr_json_get(ctx->spec, "process"), *caps;

  /* Without a process (or without capabilities) runc grants nothing. */
  if (hr_json_is_null(process))
    return 0;
  if (process->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process: expected an object");
  caps = hr_json_get(process, "capabilities");
  if (hr_json_is_null(caps))
    return 0;
  if (caps->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process.capabilities: expected an object");
  for (size_t i = 0; i < HR_ARRAY_SIZE(cap_sets); i++)
    if (filter_set(ctx, caps, cap_sets[i], err) < 0)
      return -1;
  return 0;
}
