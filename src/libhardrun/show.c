/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `policy show`: a parsed profile written back out as a profile, with
 * every built-in default filled in, and for each value the file, line and
 * column it was read from.
 *
 * The effective profile is built from the parsed struct, not copied from
 * the file, so that it shows what the controls will enforce.  One writer
 * per control, in a table keyed by the profile key; test-show.c checks
 * that every row of the control table has one and that parsing the output
 * gives the same output again. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hardrun/controls.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/show.h"
#include "hardrun/utils.h"

#define SHOW_MAX_DEPTH  32u
#define SHOW_CONF_MAX   (1u << 20)
#define SHOW_MAX_VALUES 4096
#define HR_N_FILES      16 /* a profile and the ones it extends */

typedef struct hr_json *(*writer_fn)(const struct hr_policy *p, struct hr_json_doc *d,
                                     struct hr_error *err);

static size_t strv_len(char *const *v)
{
  size_t n = 0;

  while (v != NULL && v[n] != NULL)
    n++;
  return n;
}

/* ---- small writers -------------------------------------------------------------- */

static const char *mode_name(enum hr_rule_mode m)
{
  switch (m) {
  case HR_MODE_REFUSE:
    return "refuse";
  case HR_MODE_FIX:
    return "fix";
  case HR_MODE_AUDIT:
    return "audit";
  case HR_MODE_OFF:
  default:
    return "off";
  }
}

static int put_strv(struct hr_json_doc *d, struct hr_json *o, const char *key, char *const *v,
                    size_t n, struct hr_error *err)
{
  struct hr_json *a = hr_jb_arr(d, o, key, err);

  if (a == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (hr_jb_str(d, a, NULL, v[i], err) < 0)
      return -1;
  return 0;
}

static int put_u64(struct hr_json_doc *d, struct hr_json *o, const char *key, uint64_t v,
                   struct hr_error *err)
{
  return hr_jb_add(d, o, key, hr_json_new_u64(d, v, err), err);
}

/* A size as the profiles write them: "64m" when a unit divides it. */
static int put_size(struct hr_json_doc *d, struct hr_json *o, const char *key, int64_t v,
                    struct hr_error *err)
{
  static const char units[] = "kmgt";
  char s[32];
  int u = -1;

  for (int64_t x = v; x > 0 && x % 1024 == 0 && u < 3; x /= 1024)
    u++;
  if (u < 0)
    return hr_jb_i64(d, o, key, v, err);
  snprintf(s, sizeof(s), "%" PRId64 "%c", v >> (10 * (u + 1)), units[u]);
  return hr_jb_str(d, o, key, s, err);
}

/* {"default", "ceiling"}, each only when set; sizes or plain integers. */
static struct hr_json *limit_obj(struct hr_json_doc *d, struct hr_json *o, const char *key,
                                 const struct hr_limit *l, bool sizes, struct hr_error *err)
{
  struct hr_json *x = key != NULL ? hr_jb_obj(d, o, key, err) : hr_json_new_object(d, err);
  int (*put)(struct hr_json_doc *, struct hr_json *, const char *, int64_t, struct hr_error *) =
      sizes ? put_size : hr_jb_i64;

  if (x == NULL || (l->has_default && put(d, x, "default", l->def, err) < 0) ||
      (l->has_ceiling && put(d, x, "ceiling", l->ceiling, err) < 0))
    return NULL;
  return x;
}

static struct hr_json *new_section(struct hr_json_doc *d, struct hr_error *err)
{
  return hr_json_new_object(d, err);
}

static struct hr_json *off(struct hr_json_doc *d, struct hr_error *err)
{
  return hr_json_new_bool(d, false, err);
}

/* A rule whose only setting is its mode. */
static struct hr_json *mode_section(struct hr_json_doc *d, enum hr_rule_mode m,
                                    struct hr_error *err)
{
  struct hr_json *o;

  if (m == HR_MODE_OFF)
    return off(d, err);
  o = new_section(d, err);
  return o != NULL && hr_jb_str(d, o, "mode", mode_name(m), err) == 0 ? o : NULL;
}

/* ---- one writer per control ---------------------------------------------------------- */

static struct hr_json *w_privileged(const struct hr_policy *p, struct hr_json_doc *d,
                                    struct hr_error *err)
{
  const struct hr_rule_privileged *r = &p->refusals.privileged;
  struct hr_json *o;

  if (r->mode == HR_MODE_OFF && r->paths_mode == HR_MODE_OFF)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL || hr_jb_str(d, o, "mode", mode_name(r->mode), err) < 0 ||
      hr_jb_str(d, o, "systemPaths", mode_name(r->paths_mode), err) < 0 ||
      put_strv(d, o, "maskedPaths", r->masked, r->n_masked, err) < 0 ||
      put_strv(d, o, "readonlyPaths", r->readonly, r->n_readonly, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_hostns(const struct hr_policy *p, struct hr_json_doc *d,
                                struct hr_error *err)
{
  static const char *const names[HR_NS_COUNT] = {
      [HR_NS_NETWORK] = "network", [HR_NS_PID] = "pid",     [HR_NS_IPC] = "ipc",
      [HR_NS_UTS] = "uts",         [HR_NS_MOUNT] = "mount", [HR_NS_CGROUP] = "cgroup",
  };
  struct hr_json *o, *ns;

  if (!hr_hostns_enabled(p))
    return off(d, err);
  /* Every type spelled out: "mode" alone would bring back the built-in
   * exception for cgroup. */
  if ((o = new_section(d, err)) == NULL || (ns = hr_jb_obj(d, o, "namespaces", err)) == NULL)
    return NULL;
  for (size_t i = 0; i < HR_NS_COUNT; i++)
    if (hr_jb_str(d, ns, names[i], mode_name(p->refusals.hostns.mode[i]), err) < 0)
      return NULL;
  return o;
}

static struct hr_json *w_hostmounts(const struct hr_policy *p, struct hr_json_doc *d,
                                    struct hr_error *err)
{
  const struct hr_rule_hostmounts *r = &p->refusals.hostmounts;
  struct hr_json *o;

  if (r->mode == HR_MODE_OFF)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL || hr_jb_str(d, o, "mode", mode_name(r->mode), err) < 0 ||
      put_strv(d, o, "sensitive", r->sensitive, r->n_sensitive, err) < 0 ||
      put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0 ||
      put_strv(d, o, "allowReadOnly", r->allow_ro, r->n_allow_ro, err) < 0 ||
      put_strv(d, o, "sockets", r->sockets, r->n_sockets, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_hostdevices(const struct hr_policy *p, struct hr_json_doc *d,
                                     struct hr_error *err)
{
  const struct hr_rule_hostdevices *r = &p->refusals.hostdevices;
  struct hr_json *o, *a;

  if (r->mode == HR_MODE_OFF)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL || hr_jb_str(d, o, "mode", mode_name(r->mode), err) < 0 ||
      (a = hr_jb_arr(d, o, "allow", err)) == NULL)
    return NULL;
  for (size_t i = 0; i < r->n_allow; i++) {
    char s[64], maj[24], min[24];
    const struct hr_device_pattern *dp = &r->allow[i];
    snprintf(maj, sizeof(maj), dp->major < 0 ? "*" : "%" PRId64, dp->major);
    snprintf(min, sizeof(min), dp->minor < 0 ? "*" : "%" PRId64, dp->minor);
    snprintf(s, sizeof(s), "%c %s:%s", dp->type, maj, min);
    if (hr_jb_str(d, a, NULL, s, err) < 0)
      return NULL;
  }
  return o;
}

static struct hr_json *w_sysctls(const struct hr_policy *p, struct hr_json_doc *d,
                                 struct hr_error *err)
{
  const struct hr_rule_sysctls *r = &p->refusals.sysctls;
  struct hr_json *o = mode_section(d, r->mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  return put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0 ? NULL : o;
}

static struct hr_json *w_annotations(const struct hr_policy *p, struct hr_json_doc *d,
                                     struct hr_error *err)
{
  const struct hr_rule_annotations *r = &p->refusals.annotations;
  struct hr_json *o = mode_section(d, r->mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  if (put_strv(d, o, "deny", r->deny, r->n_deny, err) < 0 ||
      put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_hooks(const struct hr_policy *p, struct hr_json_doc *d,
                               struct hr_error *err)
{
  const struct hr_rule_hooks *r = &p->refusals.hooks;
  struct hr_json *o = mode_section(d, r->mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  if (put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0 ||
      put_strv(d, o, "dockerd", r->dockerd, r->n_dockerd, err) < 0 ||
      put_strv(d, o, "containerd", r->containerd, r->n_containerd, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_images(const struct hr_policy *p, struct hr_json_doc *d,
                                struct hr_error *err)
{
  const struct hr_rule_images *r = &p->refusals.images;
  struct hr_json *o = mode_section(d, r->mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  if (put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0 ||
      (r->annotation != NULL && hr_jb_str(d, o, "annotation", r->annotation, err) < 0) ||
      hr_jb_str(d, o, "missing", mode_name(r->missing), err) < 0 ||
      hr_jb_bool(d, o, "requireDigest", r->require_digest, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_rootfs(const struct hr_policy *p, struct hr_json_doc *d,
                                struct hr_error *err)
{
  const struct hr_policy_rootfs *r = &p->rootfs;
  struct hr_json *o;
  char mode[16];

  if (!r->enabled)
    return off(d, err);
  snprintf(mode, sizeof(mode), "%04o", r->tmpfs_mode);
  if ((o = new_section(d, err)) == NULL || put_strv(d, o, "tmpfs", r->tmpfs, r->n_tmpfs, err) < 0 ||
      put_size(d, o, "tmpfsSize", r->tmpfs_size, err) < 0 ||
      hr_jb_str(d, o, "tmpfsMode", mode, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_nnp(const struct hr_policy *p, struct hr_json_doc *d, struct hr_error *err)
{
  return hr_json_new_bool(d, p->no_new_privileges, err);
}

static struct hr_json *w_caps(const struct hr_policy *p, struct hr_json_doc *d,
                              struct hr_error *err)
{
  struct hr_json *o;

  if (!p->caps.enabled)
    return off(d, err);
  o = new_section(d, err);
  return o != NULL && put_strv(d, o, "allow", p->caps.allow, p->caps.n_allow, err) == 0 ? o : NULL;
}

static struct hr_json *w_user(const struct hr_policy *p, struct hr_json_doc *d,
                              struct hr_error *err)
{
  struct hr_json *o;

  if (!hr_user_enabled(p))
    return off(d, err);
  o = new_section(d, err);
  return o != NULL && hr_jb_str(d, o, "root", mode_name(p->user.root), err) == 0 ? o : NULL;
}

static struct hr_json *w_pids(const struct hr_policy *p, struct hr_json_doc *d,
                              struct hr_error *err)
{
  return p->pids.enabled ? limit_obj(d, NULL, NULL, &p->pids.limit, false, err) : off(d, err);
}

static struct hr_json *w_memory(const struct hr_policy *p, struct hr_json_doc *d,
                                struct hr_error *err)
{
  const struct hr_policy_memory *m = &p->memory;
  struct hr_json *o;

  if (!m->enabled)
    return off(d, err);
  o = limit_obj(d, NULL, NULL, &m->limit, true, err);
  if (o == NULL || ((m->swap.has_default || m->swap.has_ceiling) &&
                    limit_obj(d, o, "swap", &m->swap, true, err) == NULL))
    return NULL;
  return o;
}

/* Thousandths of a CPU as the profile writes them: "2", "0.5". */
static int put_mcpus(struct hr_json_doc *d, struct hr_json *o, const char *key, int64_t v,
                     struct hr_error *err)
{
  char s[40];
  int n = snprintf(s, sizeof(s), "%" PRId64 ".%03" PRId64, v / 1000, v % 1000);

  while (n > 0 && s[n - 1] == '0')
    s[--n] = '\0';
  if (n > 0 && s[n - 1] == '.')
    s[--n] = '\0';
  return hr_jb_str(d, o, key, s, err);
}

static struct hr_json *w_cpu(const struct hr_policy *p, struct hr_json_doc *d, struct hr_error *err)
{
  const struct hr_policy_cpu *c = &p->cpu;
  struct hr_json *o;

  if (!c->enabled)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL ||
      (c->mcpus.has_default && put_mcpus(d, o, "default", c->mcpus.def, err) < 0) ||
      (c->mcpus.has_ceiling && put_mcpus(d, o, "ceiling", c->mcpus.ceiling, err) < 0) ||
      put_u64(d, o, "period", c->period, err) < 0)
    return NULL;
  if ((c->shares.has_default || c->shares.has_ceiling) &&
      limit_obj(d, o, "shares", &c->shares, false, err) == NULL)
    return NULL;
  return o;
}

static struct hr_json *w_propagation(const struct hr_policy *p, struct hr_json_doc *d,
                                     struct hr_error *err)
{
  struct hr_json *o;

  if (!p->propagation.enabled)
    return off(d, err);
  o = new_section(d, err);
  return o != NULL && hr_jb_str(d, o, "rootfs", p->propagation.rootfs, err) == 0 ? o : NULL;
}

static struct hr_json *w_rlimits(const struct hr_policy *p, struct hr_json_doc *d,
                                 struct hr_error *err)
{
  const struct hr_rule_rlimits *r = &p->refusals.rlimits;
  struct hr_json *o = mode_section(d, r->mode, err), *limits;

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  if ((limits = hr_jb_obj(d, o, "limits", err)) == NULL)
    return NULL;
  for (size_t i = 0; i < r->n_limits; i++) {
    const struct hr_rlimit_rule *l = &r->limits[i];
    struct hr_json *x = hr_jb_obj(d, limits, l->type, err);
    if (x == NULL || (l->has_default && put_u64(d, x, "default", l->def_hard, err) < 0) ||
        (l->has_default && l->def_soft != l->def_hard &&
         put_u64(d, x, "defaultSoft", l->def_soft, err) < 0) ||
        (l->has_ceiling && put_u64(d, x, "ceiling", l->ceiling, err) < 0))
      return NULL;
  }
  return o;
}

static struct hr_json *w_oom(const struct hr_policy *p, struct hr_json_doc *d, struct hr_error *err)
{
  struct hr_json *o = mode_section(d, p->refusals.oom.mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  return hr_jb_i64(d, o, "minScoreAdj", p->refusals.oom.min_score_adj, err) < 0 ? NULL : o;
}

static struct hr_json *w_secretenv(const struct hr_policy *p, struct hr_json_doc *d,
                                   struct hr_error *err)
{
  const struct hr_rule_secretenv *r = &p->refusals.secretenv;
  struct hr_json *o = mode_section(d, r->mode, err);

  if (o == NULL || o->type == HR_JSON_BOOL)
    return o;
  if (put_strv(d, o, "patterns", r->patterns, r->n_patterns, err) < 0 ||
      put_strv(d, o, "allow", r->allow, r->n_allow, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_sshd(const struct hr_policy *p, struct hr_json_doc *d,
                              struct hr_error *err)
{
  return mode_section(d, p->refusals.sshd.mode, err);
}

static struct hr_json *w_restore(const struct hr_policy *p, struct hr_json_doc *d,
                                 struct hr_error *err)
{
  return mode_section(d, p->refusals.restore.mode, err);
}

static struct hr_json *w_seccomp(const struct hr_policy *p, struct hr_json_doc *d,
                                 struct hr_error *err)
{
  struct hr_json *o;

  if (!p->seccomp.enabled)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL ||
      hr_jb_str(d, o, "profile", p->seccomp.profile, err) < 0 ||
      hr_jb_str(d, o, "mode", p->seccomp.mode == HR_SECCOMP_REPLACE ? "replace" : "fill", err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_apparmor(const struct hr_policy *p, struct hr_json_doc *d,
                                  struct hr_error *err)
{
  struct hr_json *o;

  if (!p->apparmor.enabled)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL ||
      hr_jb_str(d, o, "profile", p->apparmor.profile, err) < 0 ||
      hr_jb_bool(d, o, "require", p->apparmor.require, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *w_selinux(const struct hr_policy *p, struct hr_json_doc *d,
                                 struct hr_error *err)
{
  struct hr_json *o;

  if (!p->selinux.enabled)
    return off(d, err);
  /* No type means lxc_contexts' at create time: left out, as the profile
   * would leave it out. */
  if ((o = new_section(d, err)) == NULL ||
      (p->selinux.type != NULL && hr_jb_str(d, o, "type", p->selinux.type, err) < 0) ||
      (p->selinux.file_type != NULL && hr_jb_str(d, o, "fileType", p->selinux.file_type, err) < 0))
    return NULL;
  return o;
}

static struct hr_json *w_userns(const struct hr_policy *p, struct hr_json_doc *d,
                                struct hr_error *err)
{
  const struct hr_policy_userns *u = &p->userns;
  struct hr_json *o, *pool;

  if (!u->enabled)
    return off(d, err);
  if ((o = new_section(d, err)) == NULL || hr_jb_bool(d, o, "required", u->required, err) < 0 ||
      put_u64(d, o, "size", u->size, err) < 0)
    return NULL;
  if (!u->has_pool)
    return hr_jb_str(d, o, "subidUser", u->subid_user, err) < 0 ||
                   hr_jb_str(d, o, "subuidFile", u->subuid_file, err) < 0 ||
                   hr_jb_str(d, o, "subgidFile", u->subgid_file, err) < 0
               ? NULL
               : o;
  if ((pool = hr_jb_obj(d, o, "pool", err)) == NULL ||
      put_u64(d, pool, "uid", u->pool_uid, err) < 0 ||
      put_u64(d, pool, "gid", u->pool_gid, err) < 0 ||
      put_u64(d, pool, "size", u->pool_size, err) < 0)
    return NULL;
  return o;
}

static const struct {
  const char *key;
  writer_fn write;
} writers[] = {
    {"privileged", w_privileged},
    {"hostNamespaces", w_hostns},
    {"hostMounts", w_hostmounts},
    {"hostDevices", w_hostdevices},
    {"sysctls", w_sysctls},
    {"hooks", w_hooks},
    {"runtimeAnnotations", w_annotations},
    {"images", w_images},
    {"readonlyRootfs", w_rootfs},
    {"noNewPrivileges", w_nnp},
    {"capabilities", w_caps},
    {"user", w_user},
    {"pids", w_pids},
    {"memory", w_memory},
    {"cpu", w_cpu},
    {"mountPropagation", w_propagation},
    {"rlimits", w_rlimits},
    {"oom", w_oom},
    {"secretEnv", w_secretenv},
    {"sshd", w_sshd},
    {"checkpointRestore", w_restore},
    {"seccomp", w_seccomp},
    {"apparmor", w_apparmor},
    {"selinux", w_selinux},
    {"userNamespace", w_userns},
};

struct hr_json *hr_policy_effective(const struct hr_policy *p, struct hr_json_doc *doc,
                                    struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err);

  if (o == NULL ||
      (p->description != NULL && hr_jb_str(doc, o, "description", p->description, err) < 0) ||
      hr_jb_bool(doc, o, "enforce", p->enforce, err) < 0)
    return NULL;
  for (size_t i = 0; i < hr_n_controls; i++) {
    const char *key = hr_controls[i].profile_key;
    size_t w = 0;
    while (w < HR_ARRAY_SIZE(writers) && strcmp(writers[w].key, key) != 0)
      w++;
    /* A control added to the table without a writer here: fail loudly
     * rather than show a profile that lacks it. */
    if (w == HR_ARRAY_SIZE(writers)) {
      hr_error_set(err, HR_ERR_SYSTEM, 0, "policy show does not know the control \"%s\"", key);
      return NULL;
    }
    if (hr_jb_add(doc, o, key, writers[w].write(p, doc, err), err) < 0)
      return NULL;
  }
  return o;
}

/* ---- where each value comes from -------------------------------------------------- */

/* The hostNamespaces types that a file does not name get the section's
 * "mode". */
static const struct hr_json *fallback_node(const struct hr_json *root, const char *key)
{
  static const char prefix[] = "hostNamespaces.namespaces.";

  if (strncmp(key, prefix, strlen(prefix)) == 0)
    return hr_json_get(hr_json_get(root, "hostNamespaces"), "mode");
  return NULL;
}

/* The node at the dotted `key` in the file as written (exact keys, as the
 * profile parser matches them), or NULL. */
static const struct hr_json *find_key(const struct hr_json *root, const char *key)
{
  char buf[256];
  const struct hr_json *n = root;

  if (snprintf(buf, sizeof(buf), "%s", key) >= (int)sizeof(buf))
    return NULL;
  for (char *save = NULL, *part = strtok_r(buf, ".", &save); part != NULL && n != NULL;
       part = strtok_r(NULL, ".", &save)) {
    const struct hr_json *next = NULL;
    if (n->type != HR_JSON_OBJECT)
      return NULL;
    for (size_t i = 0; i < n->u.object.len; i++)
      if (strcmp(n->u.object.items[i].key, part) == 0)
        next = n->u.object.items[i].value;
    n = next;
  }
  return n;
}

/* "FILE:LINE:COL" of the value, "built-in" for a default the parser
 * filled in, `absent` when not even the top-level key is in the file. */
static char *source_of(const struct hr_json_doc *file, const char *key, const char *absent,
                       struct hr_error *err)
{
  const struct hr_json *root = file != NULL ? hr_json_doc_root(file) : NULL;
  const struct hr_json *n = root != NULL ? find_key(root, key) : NULL;
  char top[128];
  unsigned line, col;
  char *s = NULL;

  if (n == NULL && root != NULL)
    n = fallback_node(root, key);
  if (n == NULL) {
    snprintf(top, sizeof(top), "%.*s", (int)strcspn(key, "."), key);
    return hr_strdup(root != NULL && find_key(root, top) != NULL ? "built-in" : absent, err);
  }
  hr_json_line_col(file, n, &line, &col);
  return hr_asprintf(&s, err, "%s:%u:%u", hr_json_doc_name(file), line, col) < 0 ? NULL : s;
}

struct values {
  struct hr_show_value *items;
  size_t len, cap;
};

static int value_add(struct values *v, const char *key, const struct hr_json *node,
                     const struct hr_json_doc *file, const char *absent, struct hr_error *err)
{
  cleanup_free char *k = hr_strdup(key, err), *val = NULL, *src = NULL;

  if (k == NULL || (val = hr_json_render(node, SIZE_MAX)) == NULL)
    return k == NULL ? -1 : hr_error_oom(err);
  src = source_of(file, key, absent, err);
  if (src == NULL)
    return -1;
  if (v->len == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    struct hr_show_value *items;
    if (cap > SHOW_MAX_VALUES || (items = reallocarray(v->items, cap, sizeof(*items))) == NULL)
      return hr_error_oom(err);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->len++] = (struct hr_show_value){
      .key = get_and_reset(&k), .value = get_and_reset(&val), .source = get_and_reset(&src)};
  return 0;
}

/* One value per leaf: a scalar, an array, or an empty object. */
static int flatten(struct values *v, const char *prefix, const struct hr_json *node,
                   const struct hr_json_doc *file, const char *absent, struct hr_error *err)
{
  if (node->type != HR_JSON_OBJECT || node->u.object.len == 0)
    return value_add(v, prefix, node, file, absent, err);
  for (size_t i = 0; i < node->u.object.len; i++) {
    const struct hr_json_member *m = &node->u.object.items[i];
    cleanup_free char *key = NULL;
    if (hr_asprintf(&key, err, "%s%s%s", prefix, prefix[0] ? "." : "", m->key) < 0 ||
        flatten(v, key, m->value, file, absent, err) < 0)
      return -1;
  }
  return 0;
}

/* A file read again for the positions of its values; NULL when there is
 * none (hardrun.conf may be absent). */
static int reread(const char *path, struct hr_json_doc **ret, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {
      .max_size = SHOW_CONF_MAX,
      .max_depth = SHOW_MAX_DEPTH,
      .allow_comments = true,
      .name = path,
  };
  cleanup_free char *buf = NULL;
  size_t len;

  *ret = NULL;
  if (path == NULL)
    return 0;
  if (hr_read_file(path, SHOW_CONF_MAX, &buf, &len, err) < 0)
    return -1;
  return hr_json_parse(buf, len, &opts, ret, err);
}

static int conf_values(const struct hr_conf *conf, struct hr_json_doc *d, struct values *v,
                       struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *file = NULL;
  struct hr_json *o = hr_json_new_object(d, err);

  if (o == NULL || reread(conf->path, &file, err) < 0 ||
      hr_jb_str(d, o, "defaultProfile", conf->default_profile, err) < 0 ||
      hr_jb_str(d, o, "runtime", conf->runtime, err) < 0 ||
      put_strv(d, o, "profileDirs", conf->profile_dirs, strv_len(conf->profile_dirs), err) < 0 ||
      hr_jb_str(d, o, "stateDir", conf->state_dir, err) < 0 ||
      hr_jb_str(d, o, "auditSocket", conf->audit_socket, err) < 0 ||
      hr_jb_str(d, o, "auditFile", conf->audit_file, err) < 0)
    return -1;
  /* A key hardrun.conf leaves out keeps its built-in default. */
  return flatten(v, "", o, file, "built-in", err);
}

/* The files of a profile and of the profiles it extends, each read once
 * more for the positions of its values. */
struct files {
  const char *path[HR_N_FILES];
  struct hr_json_doc *doc[HR_N_FILES];
  size_t n;
};

static void files_free(struct files *f)
{
  for (size_t i = 0; i < f->n; i++)
    hr_json_doc_free(f->doc[i]);
  f->n = 0;
}

static int file_doc(struct files *f, const char *path, const struct hr_json_doc **ret,
                    struct hr_error *err)
{
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->path[i], path) == 0) {
      *ret = f->doc[i];
      return 0;
    }
  if (f->n == HR_N_FILES)
    return hr_error_set(err, HR_ERR_PROFILE, 0, "%s: too many profile files", path);
  if (reread(path, &f->doc[f->n], err) < 0)
    return -1;
  f->path[f->n] = path;
  *ret = f->doc[f->n++];
  return 0;
}

/* "description" and "enforce" come from the most derived file that has
 * them: the profile's own, else one it extends. */
static int toplevel_doc(const struct hr_policy *p, struct files *f, const char *key,
                        const struct hr_json_doc **ret, struct hr_error *err)
{
  if (file_doc(f, p->path, ret, err) < 0)
    return -1;
  if (hr_json_get(hr_json_doc_root(*ret), key) != NULL)
    return 0;
  for (size_t k = 0; p->sources != NULL && k < hr_n_controls; k++) {
    const struct hr_json_doc *d;
    if (p->sources[k] == NULL || file_doc(f, p->sources[k], &d, err) < 0)
      continue;
    if (hr_json_get(hr_json_doc_root(d), key) != NULL) {
      *ret = d;
      return 0;
    }
  }
  return 0;
}

/* Each section's values, sourced in the file the section came from. */
static int profile_values(const struct hr_policy *p, const struct hr_json *effective,
                          struct values *v, struct hr_error *err)
{
  struct files f = {.n = 0};
  int r = 0;

  for (size_t i = 0; r == 0 && i < effective->u.object.len; i++) {
    const struct hr_json_member *m = &effective->u.object.items[i];
    const struct hr_json_doc *doc = NULL;
    size_t k = 0;
    while (k < hr_n_controls && strcmp(hr_controls[k].profile_key, m->key) != 0)
      k++;
    if (k == hr_n_controls)
      r = toplevel_doc(p, &f, m->key, &doc, err);
    else if (p->sources != NULL && p->sources[k] != NULL)
      r = file_doc(&f, p->sources[k], &doc, err);
    if (r == 0)
      r = flatten(v, m->key, m->value, doc, k == hr_n_controls ? "built-in" : "absent", err);
  }
  files_free(&f);
  return r;
}

/* ---- the whole report ------------------------------------------------------------------ */

static void values_free(struct hr_show_value *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].key);
    free(v[i].value);
    free(v[i].source);
  }
  free(v);
}

void hr_show_free(struct hr_show *s)
{
  if (s == NULL)
    return;
  free(s->conf_path);
  values_free(s->conf, s->n_conf);
  free(s->profile);
  free(s->profile_path);
  for (size_t i = 0; i < s->n_shadowed; i++)
    free(s->shadowed[i]);
  free(s->shadowed);
  for (size_t i = 0; i < s->n_inherited; i++)
    free(s->inherited[i]);
  free(s->inherited);
  free(s->seccomp_path);
  hr_json_doc_free(s->doc);
  values_free(s->items, s->n_items);
  *s = (struct hr_show){0};
}

/* The files of the same name in the profile directories after the one
 * that was used: an admin's copy hides the shipped profile. */
static int shadowed(const struct hr_conf *conf, const char *name, const char *used,
                    struct hr_show *s, struct hr_error *err)
{
  size_t n = strv_len(conf->profile_dirs);
  bool after = false;

  s->shadowed = hr_calloc(n + 1, sizeof(char *), err);
  if (s->shadowed == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    cleanup_free char *path = NULL;
    struct stat st;
    if (hr_asprintf(&path, err, "%s/%s.json", conf->profile_dirs[i], name) < 0)
      return -1;
    if (after && stat(path, &st) == 0)
      s->shadowed[s->n_shadowed++] = get_and_reset(&path);
    else if (path != NULL && strcmp(path, used) == 0)
      after = true;
  }
  return 0;
}

static bool listed(char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

/* The other files sections came from ("extends"), in table order; a file
 * of the same name that the profile extends is a parent, not hidden. */
static int inherited(const struct hr_policy *p, struct hr_show *s, struct hr_error *err)
{
  size_t kept = 0;

  s->inherited = hr_calloc(hr_n_controls + 1, sizeof(char *), err);
  if (s->inherited == NULL)
    return -1;
  for (size_t k = 0; p->sources != NULL && k < hr_n_controls; k++) {
    const char *f = p->sources[k];
    if (f == NULL || strcmp(f, p->path) == 0 || listed(s->inherited, s->n_inherited, f))
      continue;
    if ((s->inherited[s->n_inherited] = hr_strdup(f, err)) == NULL)
      return -1;
    s->n_inherited++;
  }
  for (size_t i = 0; i < s->n_shadowed; i++)
    if (listed(s->inherited, s->n_inherited, s->shadowed[i]))
      free(s->shadowed[i]);
    else
      s->shadowed[kept++] = s->shadowed[i];
  s->n_shadowed = kept;
  return 0;
}

static int dup_or_null(char **ret, const char *s, struct hr_error *err)
{
  *ret = NULL;
  return s == NULL || (*ret = hr_strdup(s, err)) != NULL ? 0 : -1;
}

int hr_policy_show(const struct hr_conf *conf, const char *name, struct hr_show *ret,
                   struct hr_error *err)
{
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_conf readonly = *conf;
  struct values cv = {0}, pv = {0};
  struct hr_show s = {0};
  int r;

  *ret = s;
  /* No state directory: the seccomp validation cache is not written. */
  readonly.state_dir = NULL;
  if (hr_policy_load(&readonly, name, &p, err) < 0)
    return -1;
  r = dup_or_null(&s.conf_path, conf->path, err);
  if (r == 0)
    r = dup_or_null(&s.profile, p->name, err) | dup_or_null(&s.profile_path, p->path, err) |
        dup_or_null(&s.seccomp_path, p->seccomp.path, err);
  if (r == 0 && ((s.doc = hr_jb_new(err)) == NULL ||
                 (s.effective = hr_policy_effective(p, s.doc, err)) == NULL))
    r = -1;
  if (r == 0)
    r = shadowed(conf, name, p->path, &s, err);
  if (r == 0)
    r = inherited(p, &s, err);
  if (r == 0)
    r = conf_values(conf, s.doc, &cv, err);
  if (r == 0)
    r = profile_values(p, s.effective, &pv, err);
  s.conf = cv.items;
  s.n_conf = cv.len;
  s.items = pv.items;
  s.n_items = pv.len;
  if (r < 0) {
    hr_show_free(&s);
    return -1;
  }
  *ret = s;
  return 0;
}

static int values_json(struct hr_json_doc *d, struct hr_json *o, const char *key,
                       const struct hr_show_value *v, size_t n, struct hr_error *err)
{
  struct hr_json *a = hr_jb_arr(d, o, key, err);

  if (a == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    struct hr_json *x = hr_jb_obj(d, a, NULL, err);
    if (x == NULL || hr_jb_str(d, x, "key", v[i].key, err) < 0 ||
        hr_jb_add(d, x, "value", hr_json_new_from_text(d, v[i].value, err), err) < 0 ||
        hr_jb_str(d, x, "source", v[i].source, err) < 0)
      return -1;
  }
  return 0;
}

int hr_show_format_json(const struct hr_show *s, char **ret, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *d = hr_jb_new(err);
  struct hr_json *root, *sh;
  cleanup_free char *effective = NULL;

  if (d == NULL || (effective = hr_json_render(s->effective, SIZE_MAX)) == NULL)
    return d == NULL ? -1 : hr_error_oom(err);
  root = hr_json_doc_root(d);
  if (hr_jb_str(d, root, "conf", s->conf_path, err) < 0 ||
      values_json(d, root, "confValues", s->conf, s->n_conf, err) < 0 ||
      hr_jb_str(d, root, "profile", s->profile, err) < 0 ||
      hr_jb_str(d, root, "profilePath", s->profile_path, err) < 0 ||
      (sh = hr_jb_arr(d, root, "shadowed", err)) == NULL)
    return -1;
  for (size_t i = 0; i < s->n_shadowed; i++)
    if (hr_jb_str(d, sh, NULL, s->shadowed[i], err) < 0)
      return -1;
  if ((sh = hr_jb_arr(d, root, "extends", err)) == NULL)
    return -1;
  for (size_t i = 0; i < s->n_inherited; i++)
    if (hr_jb_str(d, sh, NULL, s->inherited[i], err) < 0)
      return -1;
  if (hr_jb_str(d, root, "seccompProfilePath", s->seccomp_path, err) < 0 ||
      hr_jb_add(d, root, "effective", hr_json_new_from_text(d, effective, err), err) < 0 ||
      values_json(d, root, "values", s->items, s->n_items, err) < 0)
    return -1;
  return hr_jb_finish(d, ret, err);
}
