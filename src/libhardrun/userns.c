/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "user-namespace" control: every container runs in a user namespace
 * of its own, on a slice of host ids no other container holds (see
 * hardrun/userns.h for the pool and the table). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

#define NS_PATH    "linux.namespaces"
#define PING_RANGE "net.ipv4.ping_group_range"

/* ---- profile ------------------------------------------------------------ */

static int parse_pool(const struct hr_json_doc *profile, const struct hr_json *node,
                      struct hr_policy_userns *u, struct hr_error *err)
{
  static const char *const keys[] = {"uid", "gid", "size", NULL};
  int64_t v[3];

  if (hr_profile_expect(profile, node, HR_JSON_OBJECT, "an object", err) < 0 ||
      hr_profile_check_keys(profile, node, keys, err) < 0)
    return -1;
  for (int i = 0; i < 3; i++) {
    const struct hr_json *n = hr_json_get(node, keys[i]);
    if (n == NULL)
      return hr_profile_error(profile, node, err, "userNamespace.pool: \"%s\" is required",
                              keys[i]);
    if (hr_profile_get_int(profile, n, false, &v[i], err) < 0)
      return -1;
  }
  /* Host root (0) and (uid_t)-1 can never be part of a pool.  The sums are
   * unsigned: the values reach INT64_MAX, and a wrapped int64 sum passes. */
  if (v[0] < 1 || v[1] < 1 || v[2] < 1 || (uint64_t)v[0] + (uint64_t)v[2] > UINT32_MAX ||
      (uint64_t)v[1] + (uint64_t)v[2] > UINT32_MAX)
    return hr_profile_error(profile, node, err,
                            "userNamespace.pool: uid and gid ranges must lie within "
                            "1..4294967294 and size must be at least 1");
  u->has_pool = true;
  u->pool_uid = (uint32_t)v[0];
  u->pool_gid = (uint32_t)v[1];
  u->pool_size = (uint32_t)v[2];
  return 0;
}

static int get_path(const struct hr_json_doc *profile, const struct hr_json *node, char **ret,
                    struct hr_error *err)
{
  const char *s;

  if (hr_profile_get_string(profile, node, &s, err) < 0)
    return -1;
  if (s[0] != '/')
    return hr_profile_error(profile, node, err, "expected an absolute path");
  free(*ret);
  *ret = hr_strdup(s, err);
  return *ret != NULL ? 0 : -1;
}

static int parse_members(const struct hr_json_doc *profile, const struct hr_json *section,
                         struct hr_policy_userns *u, struct hr_error *err)
{
  const struct hr_json *n;
  const char *user;
  int64_t size;

  if ((n = hr_json_get(section, "required")) != NULL &&
      hr_profile_get_bool(profile, n, &u->required, err) < 0)
    return -1;
  if ((n = hr_json_get(section, "size")) != NULL) {
    if (hr_profile_get_int(profile, n, false, &size, err) < 0)
      return -1;
    if (size < 1 || size > UINT32_MAX - 1)
      return hr_profile_error(profile, n, err, "userNamespace.size must be at least 1");
    u->size = (uint32_t)size;
  }
  if ((n = hr_json_get(section, "pool")) != NULL && parse_pool(profile, n, u, err) < 0)
    return -1;
  if ((n = hr_json_get(section, "subidUser")) != NULL) {
    if (u->has_pool)
      return hr_profile_error(profile, n, err,
                              "userNamespace: give either \"pool\" or \"subidUser\", not both");
    if (hr_profile_get_string(profile, n, &user, err) < 0)
      return -1;
    if (user[0] == '\0' || strchr(user, ':') != NULL || strchr(user, '\n') != NULL)
      return hr_profile_error(profile, n, err, "userNamespace.subidUser: not a user name");
    free(u->subid_user);
    if ((u->subid_user = hr_strdup(user, err)) == NULL)
      return -1;
  }
  for (int k = 0; k < 2; k++) {
    n = hr_json_get(section, k == 0 ? "subuidFile" : "subgidFile");
    /* With a pool they would be read by no one: say so instead. */
    if (n != NULL && u->has_pool)
      return hr_profile_error(profile, n, err,
                              "userNamespace: the subid files are not read when \"pool\" is "
                              "given");
    if (n != NULL && get_path(profile, n, k == 0 ? &u->subuid_file : &u->subgid_file, err) < 0)
      return -1;
  }
  if (u->has_pool && u->size > u->pool_size)
    return hr_profile_error(profile, section, err,
                            "userNamespace: the pool (%" PRIu32 " ids) is smaller than one "
                            "slice (size %" PRIu32 ")",
                            u->pool_size, u->size);
  return 0;
}

int hr_userns_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                    struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled",   "required",   "size",       "pool",
                                     "subidUser", "subuidFile", "subgidFile", NULL};
  struct hr_policy_userns *u = &p->userns;
  int r;

  hr_userns_release(p);
  *u = (struct hr_policy_userns){.required = true, .size = HR_USERNS_DEFAULT_SIZE};
  r = hr_profile_section_begin(profile, section, keys, &u->enabled, err);
  if (r > 0)
    r = parse_members(profile, section, u, err);
  if (r >= 0 && !u->has_pool &&
      ((u->subid_user == NULL &&
        (u->subid_user = hr_strdup(HR_USERNS_DEFAULT_USER, err)) == NULL) ||
       (u->subuid_file == NULL &&
        (u->subuid_file = hr_strdup(HR_USERNS_DEFAULT_SUBUID, err)) == NULL) ||
       (u->subgid_file == NULL &&
        (u->subgid_file = hr_strdup(HR_USERNS_DEFAULT_SUBGID, err)) == NULL)))
    r = -1;
  return r < 0 ? -1 : 0;
}

bool hr_userns_enabled(const struct hr_policy *p)
{
  return p->userns.enabled;
}

void hr_userns_release(struct hr_policy *p)
{
  free(p->userns.subid_user);
  free(p->userns.subuid_file);
  free(p->userns.subgid_file);
  p->userns.subid_user = p->userns.subuid_file = p->userns.subgid_file = NULL;
}

/* ---- the pool --------------------------------------------------------------- */

struct pool {
  struct hr_idrange *uids, *gids;
  size_t n_uids, n_gids;
  struct hr_userns_slot *slots;
  size_t n_slots;
};

static void pool_free(struct pool *p)
{
  free(p->uids);
  free(p->gids);
  free(p->slots);
}

static int subid_ranges(const char *file, const char *user, struct hr_idrange **ret, size_t *n,
                        struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len;

  if (hr_read_file(file, 1024 * 1024, &buf, &len, err) < 0) {
    if (err->code != ENOENT)
      return -1;
    buf = hr_strdup("", err);
    if (buf == NULL)
      return -1;
    len = 0;
  }
  return hr_subid_parse(buf, len, file, user, ret, n, err);
}

static int pool_load(const struct hr_policy_userns *u, struct pool *ret, struct hr_error *err)
{
  *ret = (struct pool){0};
  if (u->has_pool) {
    ret->uids = hr_calloc(1, sizeof(*ret->uids), err);
    ret->gids = hr_calloc(1, sizeof(*ret->gids), err);
    if (ret->uids == NULL || ret->gids == NULL)
      return -1;
    ret->uids[0] = (struct hr_idrange){u->pool_uid, u->pool_size};
    ret->gids[0] = (struct hr_idrange){u->pool_gid, u->pool_size};
    ret->n_uids = ret->n_gids = 1;
  } else if (subid_ranges(u->subuid_file, u->subid_user, &ret->uids, &ret->n_uids, err) < 0 ||
             subid_ranges(u->subgid_file, u->subid_user, &ret->gids, &ret->n_gids, err) < 0) {
    return -1;
  }
  if (hr_userns_slots(ret->uids, ret->n_uids, ret->gids, ret->n_gids, u->size, &ret->slots,
                      &ret->n_slots, err) < 0)
    return -1;
  if (ret->n_slots == 0 && u->has_pool)
    return hr_error_profile(err, "userNamespace: the pool holds no slice of %" PRIu32 " ids",
                            u->size);
  if (ret->n_slots == 0)
    return hr_error_profile(err,
                            "userNamespace: no id pool: %s and %s need a range of at least "
                            "%" PRIu32 " ids for user \"%s\" (for example "
                            "\"%s:1000000:65536000\" in both)",
                            u->subuid_file, u->subgid_file, u->size, u->subid_user, u->subid_user);
  return 0;
}

static bool in_ranges(const struct hr_idrange *r, size_t n, uint64_t start, uint64_t count)
{
  for (size_t i = 0; i < n; i++)
    if (start < (uint64_t)r[i].start + r[i].count && r[i].start < start + count)
      return true;
  return false;
}

/* ---- the spec's own mappings ------------------------------------------------- */

struct mapping {
  uint64_t container, host, size;
};

/* `linux.uidMappings` or `gidMappings` as runc decodes them (uint32 fields);
 * an entry runc would refuse to decode is refused here. */
static int read_mappings(struct hr_apply_ctx *ctx, const struct hr_json *arr, const char *path,
                         struct mapping *out, size_t max, size_t *n, struct hr_error *err)
{
  *n = 0;
  if (hr_json_is_null(arr))
    return 0;
  if (arr->type != HR_JSON_ARRAY || arr->u.array.len > max)
    return hr_apply_refuse(ctx, path, err, "expected an array of at most %zu mappings", max);
  for (size_t i = 0; i < arr->u.array.len; i++) {
    const struct hr_json *m = arr->u.array.items[i];
    uint64_t v[3];
    static const char *const keys[] = {"containerID", "hostID", "size"};
    for (int k = 0; k < 3; k++) {
      const struct hr_json *f = hr_json_get(m, keys[k]);
      v[k] = 0;
      if (!hr_json_is_null(f) && (hr_json_get_u64(f, &v[k]) < 0 || v[k] > UINT32_MAX))
        return hr_apply_refuse(ctx, path, err, "mapping %zu: \"%s\" is not a uint32", i, keys[k]);
    }
    out[(*n)++] = (struct mapping){v[0], v[1], v[2]};
  }
  return 0;
}

/* Container ids 0..N-1 are mapped contiguously from the entry of id 0. */
static uint64_t mapped_from_zero(const struct mapping *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (m[i].container == 0)
      return m[i].size;
  return 0;
}

/* What makes a mapping unsafe: host id 0 inside it, or a host id that is
 * the container id itself (the container's users are the host's users). */
static const char *mapping_flaw(const struct mapping *m, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (m[i].size == 0)
      continue;
    if (m[i].host == 0)
      return "maps onto host root (host id 0)";
    if (m[i].host == m[i].container)
      return "is an identity mapping (container ids are the host's own)";
  }
  return NULL;
}

/* 1: keep the spec's mapping, 0: replace it by a slice of the pool, -1:
 * refused.  A mapping into the pool is replaced, not refused: it is what a
 * bundle hardrun already hardened carries when it is run again, and a spec
 * must never pick its own slice, which may be another container's. */
static int check_own(struct hr_apply_ctx *ctx, const struct mapping *m, size_t n,
                     const struct hr_idrange *pool, size_t n_pool, const char *path,
                     struct hr_error *err)
{
  const char *flaw = mapping_flaw(m, n);

  if (flaw != NULL && ctx->policy->userns.required)
    return hr_apply_refuse(ctx, path, err, "the spec's mapping %s", flaw);
  if (flaw != NULL)
    return hr_apply_audit(ctx, path, err, "the spec's mapping %s", flaw) < 0 ? -1 : 1;
  for (size_t i = 0; i < n; i++)
    if (m[i].size != 0 && in_ranges(pool, n_pool, m[i].host, m[i].size))
      return 0;
  return 1;
}

/* A namespace joined by path: only /proc/PID/ns/user can be checked, by
 * the maps of that process. */
static int read_proc_map(int64_t pid, const char *which, struct mapping *out, size_t max, size_t *n,
                         struct hr_error *err)
{
  cleanup_free char *path = NULL, *buf = NULL;
  const char *s;
  size_t len;

  *n = 0;
  if (hr_asprintf(&path, err, "/proc/%" PRId64 "/%s", pid, which) < 0 ||
      hr_read_file(path, 64 * 1024, &buf, &len, err) < 0)
    return -1;
  for (s = buf; *s != '\0' && *n < max;) {
    unsigned long long c, h, z;
    int used = 0;
    if (sscanf(s, " %llu %llu %llu%n", &c, &h, &z, &used) != 3)
      break;
    out[(*n)++] = (struct mapping){c, h, z};
    s += used;
  }
  return 0;
}

static int check_joined(struct hr_apply_ctx *ctx, const char *nspath, struct hr_error *err)
{
  struct mapping m[340];
  const char *flaw = NULL;
  int64_t pid = -1;
  size_t n;
  char tail[16];

  if (sscanf(nspath, "/proc/%" SCNd64 "/ns/use%15s", &pid, tail) != 2 || strcmp(tail, "r") != 0 ||
      pid <= 0) {
    if (ctx->policy->userns.required)
      return hr_apply_refuse(ctx, NS_PATH, err,
                             "the user namespace at \"%.200s\" cannot be checked (only "
                             "/proc/PID/ns/user can)",
                             nspath);
    return hr_apply_audit(ctx, NS_PATH, err, "the user namespace at \"%.200s\" is not checked",
                          nspath);
  }
  for (int k = 0; k < 2 && flaw == NULL; k++) {
    if (read_proc_map(pid, k == 0 ? "uid_map" : "gid_map", m, HR_ARRAY_SIZE(m), &n, err) < 0)
      return hr_error_prefix(err, "%s: the joined user namespace", NS_PATH);
    flaw = mapping_flaw(m, n);
  }
  if (flaw == NULL)
    return 0;
  if (ctx->policy->userns.required)
    return hr_apply_refuse(ctx, NS_PATH, err, "the joined user namespace %s", flaw);
  return hr_apply_audit(ctx, NS_PATH, err, "the joined user namespace %s", flaw);
}

/* ---- what docker's specs need under a user namespace ----------------------------- */

static struct hr_json *ns_entry(const struct hr_json *namespaces, const char *type, size_t *count)
{
  struct hr_json *found = NULL;

  *count = 0;
  if (namespaces == NULL || namespaces->type != HR_JSON_ARRAY)
    return NULL;
  for (size_t i = 0; i < namespaces->u.array.len; i++) {
    struct hr_json *t = hr_json_get(namespaces->u.array.items[i], "type");
    if (t != NULL && t->type == HR_JSON_STRING && strcmp(t->u.string.s, type) == 0) {
      found = namespaces->u.array.items[i];
      (*count)++;
    }
  }
  return found;
}

static const char *ns_path(const struct hr_json *entry)
{
  const struct hr_json *p = hr_json_get(entry, "path");
  return p != NULL && p->type == HR_JSON_STRING ? p->u.string.s : "";
}

/* Docker sets ping_group_range to "0 2147483647"; the kernel refuses gids
 * that the container's namespace does not map, so the range is cut to the
 * gids it maps (0..mapped-1; "1 0", nobody, when it maps none). */
static int fix_ping_range(struct hr_apply_ctx *ctx, struct hr_json *linux_obj, uint64_t mapped,
                          struct hr_error *err)
{
  struct hr_json *sysctl = hr_json_get(linux_obj, "sysctl"), *v = NULL, *nv;
  unsigned long long lo, hi;
  char text[64];
  int used = 0;

  if (sysctl == NULL || sysctl->type != HR_JSON_OBJECT)
    return 0;
  /* linux.sysctl is a Go map: keys match exactly. */
  for (size_t i = 0; i < sysctl->u.object.len; i++)
    if (strcmp(sysctl->u.object.items[i].key, PING_RANGE) == 0)
      v = sysctl->u.object.items[i].value;
  if (v == NULL || v->type != HR_JSON_STRING ||
      sscanf(v->u.string.s, " %llu %llu %n", &lo, &hi, &used) != 2 || v->u.string.s[used] != '\0')
    return 0;
  if (hi < mapped && lo < mapped)
    return 0;
  if (mapped == 0 || lo >= mapped)
    snprintf(text, sizeof(text), "1 0");
  else
    snprintf(text, sizeof(text), "%llu %" PRIu64, lo, mapped - 1);
  nv = hr_json_new_string(ctx->doc, text, err);
  return nv != NULL ? hr_apply_set(ctx, sysctl, PING_RANGE, "linux.sysctl." PING_RANGE, nv, err)
                    : -1;
}

/* sysfs may be mounted only by the owner of the network namespace; one
 * the container joins (a path) or the host's (no entry) is not owned by
 * its user namespace, and runc 1.1 has no fallback.  A read-only recursive
 * bind of the host's /sys is what the kernel allows (a non-recursive bind
 * is refused: it would uncover what /sys's submounts hide). */
static int fix_sysfs(struct hr_apply_ctx *ctx, const struct hr_json *namespaces,
                     struct hr_error *err)
{
  static const char bind_sys[] = "{\"destination\":\"/sys\",\"type\":\"bind\",\"source\":\"/sys\","
                                 "\"options\":[\"rbind\",\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}";
  struct hr_json *mounts = hr_json_get(ctx->spec, "mounts"), *net;
  size_t count;

  net = ns_entry(namespaces, "network", &count);
  if ((net != NULL && ns_path(net)[0] == '\0') || mounts == NULL || mounts->type != HR_JSON_ARRAY)
    return 0;
  for (size_t i = 0; i < mounts->u.array.len; i++) {
    struct hr_json *m = mounts->u.array.items[i];
    const struct hr_json *d = hr_json_get(m, "destination"), *t = hr_json_get(m, "type");
    cleanup_free char *dest = NULL;
    char path[32];

    if (d == NULL || d->type != HR_JSON_STRING || t == NULL || t->type != HR_JSON_STRING ||
        strcmp(t->u.string.s, "sysfs") != 0)
      continue;
    if ((dest = hr_path_clean(d->u.string.s, err)) == NULL)
      return -1;
    if (strcmp(dest, "/sys") != 0)
      continue;
    struct hr_json *nv = hr_json_new_from_text(ctx->doc, bind_sys, err);
    snprintf(path, sizeof(path), "mounts[%zu]", i);
    if (nv == NULL || hr_changes_add(ctx->changes, ctx->rule, path, m, nv, err) < 0)
      return -1;
    if (hr_json_array_replace(ctx->doc, mounts, i, nv, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- the container's slice ------------------------------------------------------- */

static const struct hr_userns_host *bound;
/* What this create took, for hr_userns_abort(). */
static struct {
  bool taken;
  uint32_t uid;
} taken;

void hr_userns_bind(const struct hr_userns_host *h)
{
  bound = h;
}

const char *hr_userns_bound_bundle(void)
{
  return bound != NULL ? bound->bundle : NULL;
}

/* Revoked by dev and inode: a directory removed and replaced since (a
 * container's overlay directory, say) is not ours to edit.  The path is
 * followed as the grant followed it (a symlinked data root): the inode
 * check on the open fd, not O_NOFOLLOW, decides what is edited.  A grant
 * planned but never written (hardrun killed between the two) has no entry
 * to remove, which is no error. */
static int revoke_grants(const struct hr_userns_slice *s, struct hr_error *err)
{
  int ret = 0;

  for (size_t g = 0; g < s->n_grants; g++) {
    const struct hr_userns_grant *gr = &s->grants[g];
    cleanup_close int fd = open(gr->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
      ret = hr_error_sys(err, "open `%s` to revoke its ACL entry", gr->path);
    if (fd < 0)
      continue;
    if (fstat(fd, &st) < 0)
      ret = hr_error_sys(err, "stat `%s`", gr->path);
    else if ((uint64_t)st.st_dev == gr->dev && (uint64_t)st.st_ino == gr->ino &&
             hr_acl_revoke(fd, gr->path, s->uid, err) < 0)
      ret = -1;
  }
  return ret;
}

/* A slice leaves the table only once its ACL entries are gone: while one
 * may remain, its ids are not handed out again (a new holder would
 * inherit the entry), and the next reclaim tries again. */
int hr_userns_table_drop(struct hr_userns_table *t, size_t i, struct hr_error *err)
{
  struct hr_userns_slice *s = &t->items[i];

  if (revoke_grants(s, err) < 0)
    return -1;
  free(s->root);
  free(s->id);
  for (size_t g = 0; g < s->n_grants; g++)
    free(s->grants[g].path);
  free(s->grants);
  memmove(&t->items[i], &t->items[i + 1], (t->len - i - 1) * sizeof(t->items[0]));
  t->len--;
  return 0;
}

int hr_userns_reclaim(struct hr_userns_table *t, struct hr_error *err)
{
  struct hr_error derr = {0};
  int dropped = 0;

  (void)err;
  for (size_t i = t->len; i-- > 0;) {
    if (hr_userns_slice_live(&t->items[i]))
      continue;
    /* A revoke that fails keeps the slice (and its ids) for next time. */
    if (hr_userns_table_drop(t, i, &derr) == 0)
      dropped = 1;
  }
  return dropped;
}

/* Plan one grant: the directory's dev and inode, if the slice's root
 * cannot search it.  Nothing is written yet: the table records the plan
 * first, so that no entry can exist that the table does not account for. */
static int plan_one(const char *path, struct hr_userns_slice *s, bool is_rootfs,
                    struct hr_error *err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct hr_userns_grant *g;
  struct stat st;
  int can;

  if (fd < 0 || fstat(fd, &st) < 0)
    return hr_error_sys(err, "open `%s`", path);
  for (size_t i = 0; i < s->n_grants; i++)
    if (s->grants[i].dev == (uint64_t)st.st_dev && s->grants[i].ino == (uint64_t)st.st_ino)
      return 0;
  can = hr_acl_can_search(fd, s->uid, s->gid, err);
  if (can != 0)
    return can < 0 ? hr_error_prefix(err, "`%s`", path) : 0;
  /* An ACL on the rootfs itself would be copied up into the container's
   * layer, where it hides "other" from the image's own users. */
  if (is_rootfs)
    return hr_error_refused(err,
                            "root.path: the rootfs `%s` is not searchable by the container's root "
                            "(host uid %" PRIu32 "); make it mode 0755",
                            path, s->uid);
  if (s->n_grants == HR_USERNS_MAX_ACL_ENTRIES)
    return hr_error_refused(err, "more than %u directories above the rootfs need an ACL entry",
                            HR_USERNS_MAX_ACL_ENTRIES);
  /* Refused now, not at apply: a planned grant is revoked on failure, and
   * a revoke would remove an entry for the uid that is not ours. */
  if (hr_acl_grant_check(fd, path, s->uid, err) < 0)
    return -1;
  g = &s->grants[s->n_grants];
  *g = (struct hr_userns_grant){.dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino};
  if ((g->path = hr_strdup(path, err)) == NULL)
    return -1;
  s->n_grants++;
  return 0;
}

/* The directories above the rootfs the slice's root must be able to
 * search, along the path as given and along its real path: runc mounts
 * the rootfs from inside the user namespace, as that root.  Docker's
 * data root and overlay directories are 0710 root:root. */
static int plan_grants(const char *rootfs, struct hr_userns_slice *s, struct hr_error *err)
{
  cleanup_free char *real = realpath(rootfs, NULL);
  const char *paths[2] = {rootfs, real};

  if (real == NULL)
    return hr_error_sys(err, "resolve the rootfs `%s`", rootfs);
  for (int k = 0; k < 2; k++) {
    cleanup_free char *p = hr_strdup(paths[k], err);
    if (p == NULL)
      return -1;
    for (char *slash = p; (slash = strchr(slash + 1, '/')) != NULL;) {
      *slash = '\0';
      if (plan_one(p, s, false, err) < 0)
        return -1;
      *slash = '/';
    }
    if (plan_one("/", s, false, err) < 0)
      return -1;
  }
  return plan_one(real, s, true, err);
}

/* Write the planned entries, each on the directory the plan saw. */
static int apply_grants(const struct hr_userns_slice *s, struct hr_error *err)
{
  for (size_t i = 0; i < s->n_grants; i++) {
    const struct hr_userns_grant *g = &s->grants[i];
    cleanup_close int fd = open(g->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
      return hr_error_sys(err, "open `%s`", g->path);
    if ((uint64_t)st.st_dev != g->dev || (uint64_t)st.st_ino != g->ino)
      return hr_error_sys(err, "`%s` was replaced while its ACL entry was being added", g->path);
    if (hr_acl_grant_search(fd, g->path, s->uid, err) < 0)
      return -1;
  }
  return 0;
}

static char *rootfs_path(const struct hr_json *spec, struct hr_error *err)
{
  const struct hr_json *p = hr_json_get(hr_json_get(spec, "root"), "path");
  cleanup_free char *joined = NULL;

  if (p == NULL || p->type != HR_JSON_STRING || p->u.string.s[0] == '\0')
    return NULL;
  if (p->u.string.s[0] == '/')
    return hr_path_clean(p->u.string.s, err);
  if (hr_asprintf(&joined, err, "%s/%s", bound->bundle, p->u.string.s) < 0)
    return NULL;
  return hr_path_clean(joined, err);
}

static int take_slice(struct hr_userns_state *st, const struct pool *pool, uint32_t size,
                      const char *rootfs, size_t *ret_slot, struct hr_error *err)
{
  struct hr_userns_slice s = {.size = size, .pid = (int64_t)getpid()};
  cleanup_free struct hr_userns_slice *items = NULL;
  size_t i;

  hr_userns_reclaim(&st->table, err);
  if (!hr_userns_choose(&st->table, pool->slots, pool->n_slots, size, NULL, &i))
    return hr_error_refused(err,
                            "the id pool is exhausted: all %zu slices of %" PRIu32
                            " ids are held by live containers",
                            pool->n_slots, size);
  s.uid = pool->slots[i].uid;
  s.gid = pool->slots[i].gid;
  if (hr_userns_current_start(&s.pid_start) < 0)
    return hr_error_sys(err, "read this process's start time");
  items = reallocarray(st->table.items, st->table.len + 1, sizeof(*items));
  if (items == NULL)
    return hr_error_oom(err);
  st->table.items = get_and_reset(&items);
  s.grants = hr_calloc(HR_USERNS_MAX_ACL_ENTRIES, sizeof(*s.grants), err);
  s.root = hr_strdup(bound->root, err);
  s.id = hr_strdup(bound->id, err);
  /* In the table, on disk, before any host change: whatever happens to
   * this process afterwards, every ACL entry it may have written belongs
   * to a slice the next reclaim revokes.  A failure here undoes through the
   * one drop path; a drop that cannot revoke keeps the slice on disk. */
  st->table.items[st->table.len++] = s;
  if (s.grants == NULL || s.root == NULL || s.id == NULL ||
      (rootfs != NULL && plan_grants(rootfs, &st->table.items[st->table.len - 1], err) < 0) ||
      hr_userns_state_save(st, err) < 0 ||
      apply_grants(&st->table.items[st->table.len - 1], err) < 0) {
    struct hr_error derr = {0};
    hr_userns_table_drop(&st->table, st->table.len - 1, &derr);
    hr_userns_state_save(st, &derr);
    return -1;
  }
  taken.taken = true;
  taken.uid = s.uid;
  *ret_slot = i;
  return 0;
}

/* The slot this container gets: taken under the lock with a binding, else
 * the one it would get now (a dry run changes nothing). */
static int choose_slot(struct hr_apply_ctx *ctx, const struct pool *pool, size_t *ret,
                       struct hr_error *err)
{
  const struct hr_policy_userns *u = &ctx->policy->userns;
  struct hr_userns_state st;
  cleanup_free char *rootfs = NULL;
  int r;

  if (bound == NULL || bound->dry_run) {
    r = bound != NULL ? hr_userns_state_open(bound->state_dir, false, &st, err) : -2;
    if (r == -1)
      return -1;
    if (r == -2)
      st = (struct hr_userns_state){.dirfd = -1, .lockfd = -1};
    r = hr_userns_choose(&st.table, pool->slots, pool->n_slots, u->size, hr_userns_slice_live, ret);
    hr_userns_state_close(&st);
    return r ? 0 : hr_error_refused(err, "the id pool is exhausted");
  }
  if (bound->id == NULL || bound->id[0] == '\0')
    return hr_apply_refuse(ctx, NS_PATH, err, "no container id to own the id slice");
  rootfs = rootfs_path(ctx->spec, err);
  if (rootfs == NULL && err->kind != HR_ERR_NONE)
    return -1;
  if (hr_userns_state_open(bound->state_dir, true, &st, err) < 0)
    return -1;
  r = take_slice(&st, pool, u->size, rootfs, ret, err);
  hr_userns_state_close(&st);
  return r;
}

void hr_userns_abort(void)
{
  struct hr_userns_state st;
  struct hr_error err = {0};

  if (!taken.taken || bound == NULL)
    return;
  taken.taken = false;
  if (hr_userns_state_open(bound->state_dir, false, &st, &err) < 0)
    return;
  for (size_t i = st.table.len; i-- > 0;) {
    const struct hr_userns_slice *s = &st.table.items[i];
    if (s->uid == taken.uid && s->pid == (int64_t)getpid()) {
      hr_userns_table_drop(&st.table, i, &err);
      hr_userns_state_save(&st, &err);
      break;
    }
  }
  hr_userns_state_close(&st);
}

/* ---- apply ------------------------------------------------------------------------ */

static int set_mappings(struct hr_apply_ctx *ctx, struct hr_json *linux_obj, uint32_t uid,
                        uint32_t gid, uint32_t size, struct hr_error *err)
{
  const char *const fields[2] = {"uidMappings", "gidMappings"};
  const uint32_t host[2] = {uid, gid};

  for (int k = 0; k < 2; k++) {
    char text[96], path[32];
    struct hr_json *v;
    snprintf(text, sizeof(text),
             "[{\"containerID\":0,\"hostID\":%" PRIu32 ",\"size\":%" PRIu32 "}]", host[k], size);
    snprintf(path, sizeof(path), "linux.%s", fields[k]);
    v = hr_json_new_from_text(ctx->doc, text, err);
    if (v == NULL || hr_apply_set(ctx, linux_obj, fields[k], path, v, err) < 0)
      return -1;
  }
  return 0;
}

static int add_user_ns(struct hr_apply_ctx *ctx, struct hr_json *linux_obj, struct hr_error *err)
{
  struct hr_json *namespaces = hr_json_get(linux_obj, "namespaces"), *entry;

  if (hr_json_is_null(namespaces)) {
    namespaces = hr_json_new_array(ctx->doc, err);
    if (namespaces == NULL || hr_json_set(ctx->doc, linux_obj, "namespaces", namespaces, err) < 0)
      return -1;
  }
  if (namespaces->type != HR_JSON_ARRAY)
    return hr_apply_refuse(ctx, NS_PATH, err, "expected an array");
  entry = hr_json_new_from_text(ctx->doc, "{\"type\":\"user\"}", err);
  if (entry == NULL || hr_json_array_append(ctx->doc, namespaces, entry, err) < 0)
    return -1;
  return hr_changes_add(ctx->changes, ctx->rule, NS_PATH "[+]", NULL, entry, err);
}

/* The container keeps the mappings its spec gives (checked), or gets a
 * slice of the pool of its own. */
static int apply_mappings(struct hr_apply_ctx *ctx, struct hr_json *linux_obj,
                          struct hr_json *user_ns, const struct pool *pool, uint64_t *ret_mapped,
                          struct hr_error *err)
{
  const struct hr_policy_userns *u = &ctx->policy->userns;
  struct hr_json *um = hr_json_get(linux_obj, "uidMappings");
  struct hr_json *gm = hr_json_get(linux_obj, "gidMappings");
  struct mapping m[340];
  size_t n_u, n_g, slot = 0;

  if (user_ns != NULL && (!hr_json_is_null(um) || !hr_json_is_null(gm))) {
    int keep_u, keep_g;
    if (read_mappings(ctx, um, "linux.uidMappings", m, HR_ARRAY_SIZE(m), &n_u, err) < 0 ||
        (keep_u = check_own(ctx, m, n_u, pool->uids, pool->n_uids, "linux.uidMappings", err)) < 0 ||
        read_mappings(ctx, gm, "linux.gidMappings", m, HR_ARRAY_SIZE(m), &n_g, err) < 0 ||
        (keep_g = check_own(ctx, m, n_g, pool->gids, pool->n_gids, "linux.gidMappings", err)) < 0)
      return -1;
    *ret_mapped = mapped_from_zero(m, n_g);
    if (keep_u && keep_g)
      return 0;
  }
  if (choose_slot(ctx, pool, &slot, err) < 0)
    return -1;
  if (user_ns == NULL && add_user_ns(ctx, linux_obj, err) < 0)
    return -1;
  *ret_mapped = u->size;
  return set_mappings(ctx, linux_obj, pool->slots[slot].uid, pool->slots[slot].gid, u->size, err);
}

int hr_userns_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *linux_obj, *namespaces, *user_ns;
  struct pool pool;
  uint64_t mapped = 0;
  size_t count;
  int r;

  linux_obj = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
  if (linux_obj == NULL)
    return -1;
  namespaces = hr_json_get(linux_obj, "namespaces");
  user_ns = ns_entry(namespaces, "user", &count);
  if (count > 1)
    return hr_apply_refuse(ctx, NS_PATH, err, "more than one user namespace");
  if (user_ns != NULL && ns_path(user_ns)[0] != '\0')
    return check_joined(ctx, ns_path(user_ns), err);
  if (pool_load(&ctx->policy->userns, &pool, err) < 0) {
    pool_free(&pool);
    return -1;
  }
  r = apply_mappings(ctx, linux_obj, user_ns, &pool, &mapped, err);
  pool_free(&pool);
  if (r == 0)
    r = fix_ping_range(ctx, linux_obj, mapped, err);
  if (r == 0)
    r = fix_sysfs(ctx, hr_json_get(linux_obj, "namespaces"), err);
  return r;
}

/* ---- delete ------------------------------------------------------------------------- */

/* Will runc's delete remove the container?  It refuses a running or paused
 * one without --force, and kills a created one (still waiting on its
 * exec.fifo).  When unsure, the answer is "running": ids kept too long
 * come back at the next reclaim, ids given out twice never do. */
static bool still_running(const char *root, const char *id)
{
  const struct hr_json_parse_opts opts = {.name = "state.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *dir = NULL, *buf = NULL;
  cleanup_close int dfd = -1;
  struct hr_error ignored = {0};
  uint64_t pid, start;
  size_t len;
  struct stat st;

  if (hr_asprintf(&dir, &ignored, "%s/%s", root, id) < 0)
    return true;
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno != ENOENT;
  if (fstatat(dfd, "exec.fifo", &st, AT_SYMLINK_NOFOLLOW) == 0)
    return false;
  if (hr_read_file_at(dfd, "state.json", 64u * 1024 * 1024, &buf, &len, NULL, &ignored) < 0)
    return ignored.code != ENOENT;
  if (hr_json_parse(buf, len, &opts, &doc, &ignored) < 0 ||
      hr_json_get_u64(hr_json_get(hr_json_doc_root(doc), "init_process_pid"), &pid) < 0 ||
      hr_json_get_u64(hr_json_get(hr_json_doc_root(doc), "init_process_start"), &start) < 0 ||
      pid == 0 || pid > INT32_MAX)
    return true;
  return hr_userns_pid_live((int64_t)pid, start);
}

int hr_userns_forget(const char *state_dir, const char *root, const char *id, bool force,
                     struct hr_error *err)
{
  struct hr_userns_state st;
  bool changed = false;
  int r;

  r = hr_userns_state_open(state_dir, false, &st, err);
  if (r == -2)
    return 0;
  if (r < 0)
    return -1;
  for (size_t i = st.table.len; i-- > 0;) {
    const struct hr_userns_slice *s = &st.table.items[i];
    if (strcmp(s->root, root) != 0 || strcmp(s->id, id) != 0 || (!force && still_running(root, id)))
      continue;
    r = hr_userns_table_drop(&st.table, i, err) < 0 ? -1 : r;
    changed = true;
  }
  changed |= hr_userns_reclaim(&st.table, err) > 0;
  if (changed && hr_userns_state_save(&st, err) < 0)
    r = -1;
  hr_userns_state_close(&st);
  return r;
}
