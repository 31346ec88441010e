/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mount controls: "readonly-rootfs" (read-only root plus writable tmpfs
 * where programs expect to write) and "mount-propagation" (no mount event
 * crosses between host and container). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/refusals.h"
#include "hardrun/utils.h"

#define TMPFS_SIZE_DEFAULT (64LL << 20)
#define TMPFS_MODE_DEFAULT 01777

static const char *const default_tmpfs[] = {"/tmp", "/run", "/var/tmp"};

/* ---- profile parsing ------------------------------------------------------ */

/* Store clean absolute paths; "/" itself is refused because a tmpfs there
 * would hide the whole image. */
static int tmpfs_paths(const struct hr_json_doc *profile, const struct hr_json *node, char **names,
                       size_t n, struct hr_policy_rootfs *r, struct hr_error *err)
{
  char **out = hr_calloc(n + 1, sizeof(char *), err);

  if (out == NULL)
    return -1;
  /* Handed over at once: hr_policy_free() frees by count, so a failure
   * half way leaves nothing behind. */
  r->tmpfs = out;
  r->n_tmpfs = 0;
  for (size_t i = 0; i < n; i++) {
    const struct hr_json *at = node != NULL ? node->u.array.items[i] : NULL;
    if (names[i][0] != '/')
      return hr_profile_error(profile, at, err,
                              "readonlyRootfs.tmpfs[%zu]: expected an absolute path", i);
    out[i] = hr_path_clean(names[i], err);
    if (out[i] == NULL)
      return -1;
    r->n_tmpfs++;
    if (strcmp(out[i], "/") == 0)
      return hr_profile_error(profile, at, err, "readonlyRootfs.tmpfs[%zu]: \"/\" is the root", i);
  }
  return 0;
}

static int tmpfs_list(const struct hr_json_doc *profile, const struct hr_json *node,
                      struct hr_policy_rootfs *r, struct hr_error *err)
{
  cleanup_strv char **names = NULL;
  size_t n = 0;

  if (node != NULL) {
    if (hr_profile_get_strv(profile, node, &names, &n, err) < 0)
      return -1;
  } else {
    names = hr_calloc(HR_ARRAY_SIZE(default_tmpfs) + 1, sizeof(char *), err);
    if (names == NULL)
      return -1;
    for (; n < HR_ARRAY_SIZE(default_tmpfs); n++)
      if ((names[n] = hr_strdup(default_tmpfs[n], err)) == NULL)
        return -1;
  }
  return tmpfs_paths(profile, node, names, n, r, err);
}

/* An octal mode string such as "1777" or "0755"; a JSON number is refused
 * because 1777 written as a number would read as decimal. */
static int tmpfs_mode(const struct hr_json_doc *profile, const struct hr_json *node, unsigned *ret,
                      struct hr_error *err)
{
  const char *s;
  unsigned v = 0;
  size_t n;
  bool ok;

  if (hr_profile_get_string(profile, node, &s, err) < 0)
    return -1;
  n = strlen(s);
  ok = n >= 1 && n <= 5;
  for (size_t i = 0; ok && i < n; i++) {
    ok = s[i] >= '0' && s[i] <= '7';
    v = v * 8 + (unsigned)(s[i] - '0');
  }
  if (!ok || v > 07777)
    return hr_profile_error(profile, node, err,
                            "readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\"");
  *ret = v;
  return 0;
}

static int rootfs_members(const struct hr_json_doc *profile, const struct hr_json *section,
                          struct hr_policy_rootfs *r, struct hr_error *err)
{
  const struct hr_json *size = hr_json_get(section, "tmpfsSize");
  const struct hr_json *mode = hr_json_get(section, "tmpfsMode");

  if (size != NULL) {
    if (hr_profile_get_int(profile, size, true, &r->tmpfs_size, err) < 0)
      return -1;
    if (r->tmpfs_size == 0)
      /* tmpfs reads size=0 as "no limit" */
      return hr_profile_error(profile, size, err,
                              "readonlyRootfs.tmpfsSize: must be greater than 0");
  }
  if (mode != NULL && tmpfs_mode(profile, mode, &r->tmpfs_mode, err) < 0)
    return -1;
  return tmpfs_list(profile, hr_json_get(section, "tmpfs"), r, err);
}

int hr_rootfs_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                    struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "tmpfs", "tmpfsSize", "tmpfsMode", NULL};
  struct hr_policy_rootfs *r = &p->rootfs;
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  for (size_t i = 0; i < r->n_tmpfs; i++)
    free(r->tmpfs[i]);
  free(r->tmpfs);
  *r =
      (struct hr_policy_rootfs){.tmpfs_size = TMPFS_SIZE_DEFAULT, .tmpfs_mode = TMPFS_MODE_DEFAULT};
  if (rc > 0 ? rootfs_members(profile, section, r, err) < 0 : tmpfs_list(profile, NULL, r, err) < 0)
    return -1;
  r->enabled = on;
  return 0;
}

bool hr_rootfs_enabled(const struct hr_policy *p)
{
  return p->rootfs.enabled;
}

int hr_propagation_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                         struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "rootfs", NULL};
  const struct hr_json *node = NULL;
  const char *value = "rprivate";
  bool on;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0)
    node = hr_json_get(section, "rootfs");
  if (node != NULL) {
    if (hr_profile_get_string(profile, node, &value, err) < 0)
      return -1;
    /* Only the two values that cut every propagation link to the host. */
    if (strcmp(value, "private") != 0 && strcmp(value, "rprivate") != 0)
      return hr_profile_error(profile, node, err,
                              "mountPropagation.rootfs: expected \"private\" or \"rprivate\"");
  }
  free(p->propagation.rootfs);
  p->propagation.rootfs = hr_strdup(value, err);
  if (p->propagation.rootfs == NULL)
    return -1;
  p->propagation.enabled = on;
  return 0;
}

bool hr_propagation_enabled(const struct hr_policy *p)
{
  return p->propagation.enabled;
}

/* ---- reading the spec's mounts -------------------------------------------- */

/* The spec's "mounts" array, NULL when absent or null. */
static int get_mounts(struct hr_json *spec, struct hr_json **ret, struct hr_error *err)
{
  struct hr_json *mounts = hr_json_get(spec, "mounts");

  *ret = NULL;
  if (hr_json_is_null(mounts))
    return 0;
  if (mounts->type != HR_JSON_ARRAY)
    return hr_error_input(err, "mounts: expected an array");
  for (size_t i = 0; i < mounts->u.array.len; i++)
    if (mounts->u.array.items[i]->type != HR_JSON_OBJECT)
      return hr_error_input(err, "mounts[%zu]: expected an object", i);
  *ret = mounts;
  return 0;
}

/* The clean destination of mounts[i], in *ret.  runc joins a relative
 * destination to the rootfs, so "tmp" and "//tmp/" are both "/tmp".  An
 * absent one is "" to Go, which cleans to "/".  A destination that is
 * clean already (nearly all) is used in place; another is cleaned into
 * *ret_free, for the caller to free. */
static int mount_dest(const struct hr_json *mounts, size_t i, const char **ret, char **ret_free,
                      struct hr_error *err)
{
  const struct hr_json *dest = hr_json_get(mounts->u.array.items[i], "destination");

  *ret_free = NULL;
  if (hr_json_is_null(dest)) {
    *ret = "/";
    return 0;
  }
  if (dest->type != HR_JSON_STRING)
    return hr_error_input(err, "mounts[%zu].destination: expected a string", i);
  if (hr_path_is_clean(dest->u.string.s)) {
    *ret = dest->u.string.s;
    return 0;
  }
  *ret = *ret_free = hr_path_clean(dest->u.string.s, err);
  return *ret == NULL ? -1 : 0;
}

/* ---- readonly-rootfs -------------------------------------------------------- */

static int add_string(struct hr_json_doc *doc, struct hr_json *obj, const char *field,
                      const char *s, struct hr_error *err)
{
  struct hr_json *v = hr_json_new_string(doc, s, err);

  return v == NULL ? -1 : hr_json_set(doc, obj, field, v, err);
}

static struct hr_json *tmpfs_mount(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err)
{
  const struct hr_policy_rootfs *r = &ctx->policy->rootfs;
  struct hr_json *m = hr_json_new_object(ctx->doc, err), *opts = NULL;
  char mode[32], size[48];
  /* tmpcopyup (runc and crun): the tmpfs starts with what the image has
   * there, owners kept, so that an image's /run/app owned by its service
   * user is still there; symbolic links are copied as links.  runc 1.1
   * refuses to start on a FIFO or device node there (hardrun-policy(5)). */
  const char *opt[] = {"nosuid", "nodev", mode, size, "tmpcopyup"};

  /* tmpfs takes the size in kilobytes; round up so it is never smaller
   * than the profile asked for. */
  snprintf(mode, sizeof(mode), "mode=%o", r->tmpfs_mode);
  snprintf(size, sizeof(size), "size=%" PRId64 "k",
           r->tmpfs_size / 1024 + (r->tmpfs_size % 1024 != 0));
  if (m == NULL || add_string(ctx->doc, m, "destination", path, err) < 0 ||
      add_string(ctx->doc, m, "type", "tmpfs", err) < 0 ||
      add_string(ctx->doc, m, "source", "tmpfs", err) < 0 ||
      (opts = hr_json_new_array(ctx->doc, err)) == NULL)
    return NULL;
  for (size_t i = 0; i < HR_ARRAY_SIZE(opt); i++) {
    struct hr_json *s = hr_json_new_string(ctx->doc, opt[i], err);
    if (s == NULL || hr_json_array_append(ctx->doc, opts, s, err) < 0)
      return NULL;
  }
  return hr_json_set(ctx->doc, m, "options", opts, err) < 0 ? NULL : m;
}

/* Where runc will mount on `dest` (clean): the path resolved in the rootfs
 * (its host directory, NULL when unknown) as runc resolves it, in *ret;
 * NULL when that is `dest` itself, or when it cannot be resolved (runc then
 * fails that mount on its own). */
static int dest_in_rootfs(const char *rootfs, const char *dest, char **ret, struct hr_error *err)
{
  *ret = NULL;
  if (rootfs == NULL)
    return 0;
  if (hr_rootfs_resolve(rootfs, dest, ret, err) < 0) {
    if (err->code == ENOMEM)
      return -1;
    *err = (struct hr_error){0};
    return 0;
  }
  if (strcmp(*ret, dest) == 0) {
    free(*ret);
    *ret = NULL;
  }
  return 0;
}

/* Where runc will mount each entry of mounts: resolved once per apply, as a
 * spec may hold thousands of mounts.  NULL where that is the destination
 * itself, as for nearly every one. */
struct landing {
  char **at;
  size_t n;
};

static void landing_free(struct landing *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->at[i]);
  free(l->at);
}

/* Room is made for `extra` entries more, the tmpfs mounts to come. */
static int landing_make(const struct hr_json *mounts, const char *rootfs, size_t extra,
                        struct landing *ret, struct hr_error *err)
{
  size_t n = mounts != NULL ? mounts->u.array.len : 0;

  ret->at = hr_calloc(n + extra + 1, sizeof(char *), err);
  if (ret->at == NULL)
    return -1;
  ret->n = n;
  for (size_t i = 0; rootfs != NULL && i < n; i++) {
    cleanup_free char *owned = NULL;
    const char *dest;
    if (mount_dest(mounts, i, &dest, &owned, err) < 0 ||
        dest_in_rootfs(rootfs, dest, &ret->at[i], err) < 0)
      return -1;
  }
  return 0;
}

/* Where a tmpfs on `path` goes: -1 when an existing mount already provides
 * it (the same destination, or a parent such as a "/var" volume for
 * "/var/tmp"); else before the first mount below it, so that a mount such
 * as "/run/secrets" stays visible on top of the new "/run"; else at the end.
 * Destinations are compared where runc mounts them: in most images
 * /var/run is a link to /run, and the kubelet binds every pod's service
 * account token at /var/run/secrets/kubernetes.io/serviceaccount. */
static int tmpfs_position(const struct hr_json *mounts, const struct landing *land,
                          const char *path, long *ret, struct hr_error *err)
{
  size_t n = mounts != NULL ? mounts->u.array.len : 0;

  *ret = (long)n;
  for (size_t i = 0; i < n; i++) {
    cleanup_free char *owned = NULL;
    const char *dest;
    if (mount_dest(mounts, i, &dest, &owned, err) < 0)
      return -1;
    if (land->at[i] != NULL)
      dest = land->at[i];
    if (strcmp(dest, "/") != 0 && hr_path_has_prefix(path, dest)) {
      *ret = -1;
      return 0;
    }
    if (*ret == (long)n && hr_path_has_prefix(dest, path))
      *ret = (long)i;
  }
  return 0;
}

static int add_tmpfs(struct hr_apply_ctx *ctx, const char *path, const char *rootfs,
                     struct landing *land, struct hr_error *err)
{
  struct hr_json *mounts, *m;
  cleanup_free char *lands = NULL;
  char where[48];
  long at;

  if (get_mounts(ctx->spec, &mounts, err) < 0 || dest_in_rootfs(rootfs, path, &lands, err) < 0 ||
      tmpfs_position(mounts, land, lands != NULL ? lands : path, &at, err) < 0)
    return -1;
  if (at < 0)
    return 0;
  if (mounts == NULL) {
    mounts = hr_json_new_array(ctx->doc, err);
    if (mounts == NULL || hr_apply_set(ctx, ctx->spec, "mounts", "mounts", mounts, err) < 0)
      return -1;
  }
  m = tmpfs_mount(ctx, path, err);
  if (m == NULL || hr_json_array_insert(ctx->doc, mounts, (size_t)at, m, err) < 0)
    return -1;
  memmove(land->at + at + 1, land->at + at, (land->n - (size_t)at) * sizeof(char *));
  land->at[at] = lands;
  lands = NULL;
  land->n++;
  snprintf(where, sizeof(where), "mounts[%ld]", at);
  return hr_changes_add(ctx->changes, ctx->rule, where, NULL, m, err);
}

/* A bind mount of the rootfs itself, of a directory in it or of one that
 * holds it (the bundle) would give the image back writable at another
 * place: such a mount is made read-only too. */
static int bind_rootfs_ro(struct hr_apply_ctx *ctx, struct hr_json *mounts, const char *rootfs,
                          struct hr_error *err)
{
  for (size_t i = 0; mounts != NULL && i < mounts->u.array.len; i++) {
    struct hr_json *m = mounts->u.array.items[i], *opts, *ro;
    cleanup_free char *src = NULL;
    const char *source;
    bool bind, is_ro = false, recursive = false;
    char rec = 0; /* the last of "rro" and "rrw": 'o', 'w', or none */
    char path[64];

    if (hr_mount_is_bind(m, i, &source, &opts, &bind, err) < 0)
      return -1;
    if (!bind || source[0] != '/')
      continue;
    if (hr_host_resolve(source, &src, err) < 0) {
      if (err->code == ENOMEM)
        return -1;
      *err = (struct hr_error){0};
      continue;
    }
    if (!hr_path_has_prefix(src, rootfs) && !hr_path_has_prefix(rootfs, src))
      continue;
    for (size_t k = 0; opts != NULL && k < opts->u.array.len; k++) {
      const char *o = opts->u.array.items[k]->u.string.s;
      if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
        is_ro = o[1] == 'o';
      if (strcmp(o, "rro") == 0 || strcmp(o, "rrw") == 0)
        rec = o[2];
      recursive = recursive || strcmp(o, "rbind") == 0;
    }
    hr_field_path(path, sizeof(path), "mounts", i, ".options");
    /* runc remounts only the top of an rbind read-only: the rootfs is a
     * mount of its own below the bundle by then, so "rro" is needed too.
     * And a last "rrw" clears read-only after that remount, bind or rbind:
     * "rro" after it undoes it. */
    if (!is_ro && ((ro = hr_json_new_string(ctx->doc, "ro", err)) == NULL ||
                   hr_rule_append_item(ctx, m, "options", path, ro, err) < 0))
      return -1;
    if (((recursive && rec != 'o') || rec == 'w') &&
        ((ro = hr_json_new_string(ctx->doc, "rro", err)) == NULL ||
         hr_rule_append_item(ctx, m, "options", path, ro, err) < 0))
      return -1;
  }
  return 0;
}

int hr_rootfs_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_policy_rootfs *r = &ctx->policy->rootfs;
  struct hr_json *root = hr_json_get(ctx->spec, "root"), *yes, *mounts;
  __attribute__((cleanup(landing_free))) struct landing land = {0};
  cleanup_free char *rootfs = NULL;
  const char *path;

  if (hr_json_is_null(root))
    return hr_error_input(err, "root: missing");
  if (root->type != HR_JSON_OBJECT)
    return hr_error_input(err, "root: expected an object");
  /* Validate every mount before the first edit. */
  if (get_mounts(ctx->spec, &mounts, err) < 0)
    return -1;
  for (size_t i = 0; mounts != NULL && i < mounts->u.array.len; i++) {
    cleanup_free char *owned = NULL;
    const char *dest;
    if (mount_dest(mounts, i, &dest, &owned, err) < 0)
      return -1;
  }
  yes = hr_json_new_bool(ctx->doc, true, err);
  if (yes == NULL || hr_apply_set(ctx, root, "readonly", "root.readonly", yes, err) < 0)
    return -1;
  if (hr_rule_spec_string(root, "path", "root.path", &path, err) < 0 ||
      hr_rootfs_host_path(path, &rootfs, err) < 0 ||
      (rootfs != NULL && bind_rootfs_ro(ctx, mounts, rootfs, err) < 0) ||
      landing_make(mounts, rootfs, r->n_tmpfs, &land, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_tmpfs; i++)
    if (add_tmpfs(ctx, r->tmpfs[i], rootfs, &land, err) < 0)
      return -1;
  return 0;
}

/* ---- mount-propagation ------------------------------------------------------ */

/* The private counterpart of a propagation option, or NULL.  runc compares
 * options exactly, so "Shared" is not a propagation flag and stays. */
static const char *private_of(const char *opt)
{
  static const char *const map[][2] = {
      {"shared", "private"},
      {"rshared", "rprivate"},
      {"slave", "private"},
      {"rslave", "rprivate"},
  };

  for (size_t i = 0; i < HR_ARRAY_SIZE(map); i++)
    if (strcmp(opt, map[i][0]) == 0)
      return map[i][1];
  return NULL;
}

static int rewrite_options(struct hr_apply_ctx *ctx, struct hr_json *mount, size_t idx,
                           struct hr_error *err)
{
  struct hr_json *opts = hr_json_get(mount, "options"), *out;
  char path[64];
  bool any = false;

  hr_field_path(path, sizeof(path), "mounts", idx, ".options");
  if (hr_json_is_null(opts))
    return 0;
  if (opts->type != HR_JSON_ARRAY)
    return hr_error_input(err, "%s: expected an array of strings", path);
  for (size_t i = 0; i < opts->u.array.len; i++) {
    if (opts->u.array.items[i]->type != HR_JSON_STRING)
      return hr_error_input(err, "%s: expected an array of strings", path);
    any = any || private_of(opts->u.array.items[i]->u.string.s) != NULL;
  }
  if (!any)
    return 0;
  out = hr_json_new_array(ctx->doc, err);
  if (out == NULL)
    return -1;
  for (size_t i = 0; i < opts->u.array.len; i++) {
    const char *s = opts->u.array.items[i]->u.string.s, *priv = private_of(s);
    struct hr_json *v = hr_json_new_string(ctx->doc, priv != NULL ? priv : s, err);
    if (v == NULL || hr_json_array_append(ctx->doc, out, v, err) < 0)
      return -1;
  }
  return hr_apply_set(ctx, mount, "options", path, out, err);
}

int hr_propagation_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *mounts, *linux_obj, *value;

  if (get_mounts(ctx->spec, &mounts, err) < 0)
    return -1;
  linux_obj = hr_json_get(ctx->spec, "linux");
  if (!hr_json_is_null(linux_obj) && linux_obj->type != HR_JSON_OBJECT)
    return hr_error_input(err, "linux: expected an object");
  linux_obj = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
  if (linux_obj == NULL)
    return -1;
  value = hr_json_new_string(ctx->doc, ctx->policy->propagation.rootfs, err);
  if (value == NULL ||
      hr_apply_set(ctx, linux_obj, "rootfsPropagation", "linux.rootfsPropagation", value, err) < 0)
    return -1;
  for (size_t i = 0; mounts != NULL && i < mounts->u.array.len; i++)
    if (rewrite_options(ctx, mounts->u.array.items[i], i, err) < 0)
      return -1;
  return 0;
}
