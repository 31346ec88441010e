/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles and hardrun.conf: finding, reading and parsing them, and the
 * parsing helpers every control uses for its own section. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "hardrun/controls.h"
#include "hardrun/policy.h"
#include "hardrun/select.h"
#include "hardrun/utils.h"

/* Both files are small, hand-written and admin-owned; the bounds only keep
 * a mistake (or a hostile file) from costing much. */
#define HR_PROFILE_MAX_SIZE  (1u << 20)
#define HR_PROFILE_MAX_DEPTH 32u
#define HR_CONF_MAX_SIZE     (1u << 20)
#define HR_PROFILE_NAME_MAX  64
/* Room for "description" plus every control's key in the top-level list. */
#define HR_TOPLEVEL_KEYS_MAX 64
/* Levels of "extends" above a profile. */
#define HR_EXTENDS_MAX 8
/* Keys longer than this are never "close" to one of ours. */
#define HR_SUGGEST_MAX_LEN 64

/* ---- error helpers ------------------------------------------------------- */

static const char *type_name(enum hr_json_type t)
{
  switch (t) {
  case HR_JSON_NULL:
    return "null";
  case HR_JSON_BOOL:
    return "boolean";
  case HR_JSON_NUMBER:
    return "number";
  case HR_JSON_STRING:
    return "string";
  case HR_JSON_ARRAY:
    return "array";
  case HR_JSON_OBJECT:
    return "object";
  default:
    return "unknown";
  }
}

static const char *type_what(enum hr_json_type t)
{
  switch (t) {
  case HR_JSON_NULL:
    return "null";
  case HR_JSON_BOOL:
    return "a boolean";
  case HR_JSON_NUMBER:
    return "a number";
  case HR_JSON_STRING:
    return "a string";
  case HR_JSON_ARRAY:
    return "an array";
  case HR_JSON_OBJECT:
    return "an object";
  default:
    return "a value";
  }
}

/* The dotted path of a profile node ("capabilities.allow[2]"), so that
 * type errors name the field as well as the position. */
static void node_path(const struct hr_json *node, char *buf, size_t size)
{
  const struct hr_json *parent = node ? node->parent : NULL;
  char seg[96];

  buf[0] = '\0';
  if (parent == NULL)
    return;
  node_path(parent, buf, size);
  seg[0] = '\0';
  if (parent->type == HR_JSON_ARRAY) {
    for (size_t i = 0; i < parent->u.array.len; i++)
      if (parent->u.array.items[i] == node)
        snprintf(seg, sizeof(seg), "[%zu]", i);
  } else if (parent->type == HR_JSON_OBJECT) {
    for (size_t i = 0; i < parent->u.object.len; i++) {
      const struct hr_json_member *m = &parent->u.object.items[i];
      if (m->value == node)
        snprintf(seg, sizeof(seg), "%s%.64s", buf[0] ? "." : "", m->key);
    }
  }
  strncat(buf, seg, size - strlen(buf) - 1);
}

static int verror(const struct hr_json_doc *profile, const struct hr_json *node,
                  struct hr_error *err, const char *fmt, va_list ap)
{
  char msg[HR_ERROR_MSG_MAX];
  const char *name = profile ? hr_json_doc_name(profile) : NULL;
  unsigned line = 0, col = 0;

  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  if (name == NULL)
    name = "(profile)";
  if (profile != NULL && node != NULL)
    hr_json_line_col(profile, node, &line, &col);
  if (line == 0)
    return hr_error_set(err, HR_ERR_PROFILE, 0, "%s: %s", name, msg);
  return hr_error_set(err, HR_ERR_PROFILE, 0, "%s:%u:%u: %s", name, line, col, msg);
}

int hr_profile_error(const struct hr_json_doc *profile, const struct hr_json *node,
                     struct hr_error *err, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  verror(profile, node, err, fmt, ap);
  va_end(ap);
  return -1;
}

/* Like hr_profile_error, with the node's path in front of the message. */
static int __attribute__((format(printf, 4, 5)))
node_error(const struct hr_json_doc *profile, const struct hr_json *node, struct hr_error *err,
           const char *fmt, ...)
{
  char path[512], msg[HR_ERROR_MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  va_end(ap);
  node_path(node, path, sizeof(path));
  if (path[0] == '\0')
    return hr_profile_error(profile, node, err, "%s", msg);
  return hr_profile_error(profile, node, err, "%s: %s", path, msg);
}

int hr_profile_path_error(const struct hr_json_doc *profile, const struct hr_json *node,
                          struct hr_error *err, const char *fmt, ...)
{
  char msg[HR_ERROR_MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  va_end(ap);
  return node_error(profile, node, err, "%s", msg);
}

/* ---- key checks ------------------------------------------------------------ */

static int ascii_lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Levenshtein distance, ignoring ASCII case so that "ReadOnlyRootfs" still
 * finds "readonlyRootfs".  Both strings are at most HR_SUGGEST_MAX_LEN. */
static size_t edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
  size_t row[HR_SUGGEST_MAX_LEN + 1];

  for (size_t j = 0; j <= blen; j++)
    row[j] = j;
  for (size_t i = 1; i <= alen; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= blen; j++) {
      size_t up = row[j];
      size_t cost = ascii_lower(a[i - 1]) == ascii_lower(b[j - 1]) ? 0 : 1;
      size_t best = diag + cost;
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[blen];
}

static const char *suggest(const char *key, size_t len, const char *const *allowed)
{
  const char *best = NULL;
  size_t best_d = SIZE_MAX;

  if (len > HR_SUGGEST_MAX_LEN)
    return NULL;
  for (const char *const *a = allowed; *a != NULL; a++) {
    size_t alen = strlen(*a);
    size_t d;
    if (alen > HR_SUGGEST_MAX_LEN)
      continue;
    d = edit_distance(key, len, *a, alen);
    /* Close enough to be a typo: a couple of edits, or a third of the
     * word for long keys. */
    if ((d <= 2 || d * 3 <= alen) && d < alen && d < best_d) {
      best = *a;
      best_d = d;
    }
  }
  return best;
}

static int unknown_key(const struct hr_json_doc *profile, const struct hr_json *obj,
                       const struct hr_json_member *m, const char *const *allowed,
                       struct hr_error *err)
{
  char path[512], qkey[160], list[1024];
  const char *hint = suggest(m->key, m->key_len, allowed);
  size_t o = 0;

  node_path(obj, path, sizeof(path));
  hr_quote(qkey, sizeof(qkey), m->key, m->key_len);
  if (hint != NULL)
    return hr_profile_error(profile, m->value, err, "%s%sunknown key %s; did you mean \"%s\"?",
                            path, path[0] ? ": " : "", qkey, hint);
  list[0] = '\0';
  for (const char *const *a = allowed; *a != NULL && o + 1 < sizeof(list); a++) {
    int n = snprintf(list + o, sizeof(list) - o, "%s\"%s\"", o ? ", " : "", *a);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return hr_profile_error(profile, m->value, err, "%s%sunknown key %s (known keys: %s)", path,
                          path[0] ? ": " : "", qkey, list);
}

int hr_profile_check_keys(const struct hr_json_doc *profile, const struct hr_json *obj,
                          const char *const *allowed, struct hr_error *err)
{
  /* Which allowed key was seen where: with only known keys accepted, a
   * duplicate can be found in one pass. */
  const struct hr_json *seen[HR_TOPLEVEL_KEYS_MAX] = {0};
  size_t n_allowed = 0;

  if (hr_profile_expect(profile, obj, HR_JSON_OBJECT, NULL, err) < 0)
    return -1;
  while (allowed[n_allowed] != NULL)
    n_allowed++;
  if (n_allowed > HR_ARRAY_SIZE(seen))
    return hr_error_set(err, HR_ERR_PROFILE, EINVAL, "internal error: too many allowed keys");
  for (size_t i = 0; i < obj->u.object.len; i++) {
    const struct hr_json_member *m = &obj->u.object.items[i];
    size_t k = 0;
    while (k < n_allowed && !(strlen(allowed[k]) == m->key_len && strcmp(allowed[k], m->key) == 0))
      k++;
    if (k == n_allowed)
      return unknown_key(profile, obj, m, allowed, err);
    if (seen[k] != NULL) {
      /* Which of two equal keys wins differs between parsers; refuse. */
      unsigned line = 0, col = 0;
      char path[512];
      hr_json_line_col(profile, seen[k], &line, &col);
      node_path(obj, path, sizeof(path));
      return hr_profile_error(profile, m->value, err,
                              "%s%sduplicate key \"%s\" (first set at line %u, column %u)", path,
                              path[0] ? ": " : "", allowed[k], line, col);
    }
    seen[k] = m->value;
  }
  return 0;
}

/* ---- typed getters ------------------------------------------------------------ */

int hr_profile_expect(const struct hr_json_doc *profile, const struct hr_json *node,
                      enum hr_json_type type, const char *what, struct hr_error *err)
{
  if (node == NULL)
    return hr_profile_error(profile, NULL, err, "expected %s, got nothing",
                            what ? what : type_what(type));
  if (node->type == type)
    return 0;
  return node_error(profile, node, err, "expected %s, got %s", what ? what : type_what(type),
                    type_name(node->type));
}

int hr_profile_get_bool(const struct hr_json_doc *profile, const struct hr_json *node, bool *ret,
                        struct hr_error *err)
{
  if (hr_profile_expect(profile, node, HR_JSON_BOOL, "a boolean (true or false)", err) < 0)
    return -1;
  *ret = node->u.boolean;
  return 0;
}

int hr_profile_get_string(const struct hr_json_doc *profile, const struct hr_json *node,
                          const char **ret, struct hr_error *err)
{
  if (hr_profile_expect(profile, node, HR_JSON_STRING, "a string", err) < 0)
    return -1;
  *ret = node->u.string.s;
  return 0;
}

int hr_profile_get_int(const struct hr_json_doc *profile, const struct hr_json *node, bool sizes,
                       int64_t *ret, struct hr_error *err)
{
  const char *what =
      sizes ? "a non-negative integer or a size string such as \"64m\"" : "a non-negative integer";
  int64_t v;

  if (node == NULL || (node->type != HR_JSON_NUMBER && !(sizes && node->type == HR_JSON_STRING)))
    return hr_profile_expect(profile, node, HR_JSON_NUMBER, what, err);
  if (node->type == HR_JSON_STRING) {
    char q[160];
    if (node->u.string.len == strlen(node->u.string.s) &&
        hr_parse_size(node->u.string.s, &v) == 0) {
      *ret = v;
      return 0;
    }
    return node_error(profile, node, err,
                      "invalid size %s: expected digits with an optional k, m, g or t suffix",
                      hr_quote(q, sizeof(q), node->u.string.s, node->u.string.len));
  }
  if (hr_json_get_i64(node, &v) < 0 || v < 0)
    return node_error(profile, node, err, "expected %s, got %.64s", what, node->u.number.text);
  *ret = v;
  return 0;
}

static const char *const limit_keys[] = {"default", "ceiling", NULL};

int hr_profile_get_limit(const struct hr_json_doc *profile, const struct hr_json *node, bool sizes,
                         struct hr_limit *ret, struct hr_error *err)
{
  struct hr_limit l = {0};

  if (hr_profile_expect(profile, node, HR_JSON_OBJECT, "an object {\"default\", \"ceiling\"}",
                        err) < 0 ||
      hr_profile_check_keys(profile, node, limit_keys, err) < 0)
    return -1;
  for (size_t i = 0; i < node->u.object.len; i++) {
    const struct hr_json_member *m = &node->u.object.items[i];
    bool is_def = strcmp(m->key, "default") == 0;
    int64_t v;
    if (hr_profile_get_int(profile, m->value, sizes, &v, err) < 0)
      return -1;
    /* runc reads 0 as "not set": a default or ceiling of 0 would let the
     * container run unlimited while the profile seems to say otherwise. */
    if (v == 0)
      return node_error(profile, m->value, err,
                        "must be greater than 0 (runc treats 0 as no limit)");
    if (is_def) {
      l.has_default = true;
      l.def = v;
    } else {
      l.has_ceiling = true;
      l.ceiling = v;
    }
  }
  if (l.has_default && l.has_ceiling && l.def > l.ceiling)
    return node_error(profile, hr_json_get(node, "default"), err,
                      "default %" PRId64 " is above the ceiling %" PRId64, l.def, l.ceiling);
  *ret = l;
  return 0;
}

int hr_profile_get_strv(const struct hr_json_doc *profile, const struct hr_json *node, char ***ret,
                        size_t *ret_len, struct hr_error *err)
{
  cleanup_strv char **v = NULL;
  size_t n;

  if (hr_profile_expect(profile, node, HR_JSON_ARRAY, "an array of strings", err) < 0)
    return -1;
  n = node->u.array.len;
  v = hr_calloc(n + 1, sizeof(*v), err);
  if (v == NULL)
    return -1;
  for (size_t i = 0; i < n; i++) {
    const char *s;
    if (hr_profile_get_string(profile, node->u.array.items[i], &s, err) < 0)
      return -1;
    v[i] = hr_strdup(s, err);
    if (v[i] == NULL)
      return -1;
  }
  *ret = get_and_reset(&v);
  *ret_len = n;
  return 0;
}

/* ---- reading admin files ------------------------------------------------------ */

/* Read an admin-owned file.  Returns 1 when it does not exist (ENOENT),
 * 0 when read.  A dangling symlink is not "absent": the admin pointed at
 * something, and silently falling back to another file would fail open. */
static int read_admin_file(const char *path, size_t max, char **ret_buf, size_t *ret_len,
                           struct hr_error *err)
{
  struct stat st;

  if (hr_read_file(path, max, ret_buf, ret_len, err) == 0)
    return 0;
  if (err->kind == HR_ERR_SYSTEM && err->code == ENOENT) {
    if (lstat(path, &st) < 0 && errno == ENOENT)
      return 1;
    hr_error_set(err, HR_ERR_PROFILE, ENOENT, "%s: dangling symbolic link", path);
    return -1;
  }
  err->kind = HR_ERR_PROFILE;
  return -1;
}

static int parse_admin_json(const char *buf, size_t len, const char *name, size_t max,
                            struct hr_json_doc **ret, struct hr_error *err)
{
  struct hr_json_parse_opts opts = {
      .max_size = max,
      .max_depth = HR_PROFILE_MAX_DEPTH,
      .allow_comments = true,
      .name = name,
  };

  if (hr_json_parse(buf, len, &opts, ret, err) < 0) {
    err->kind = HR_ERR_PROFILE;
    return -1;
  }
  return 0;
}

/* ---- hardrun.conf -------------------------------------------------------------- */

void hr_conf_free(struct hr_conf *conf)
{
  if (conf == NULL)
    return;
  free(conf->path);
  free(conf->default_profile);
  free(conf->runtime);
  free(conf->src);
  hr_strv_free(conf->profile_dirs);
  free(conf->audit_socket);
  free(conf->audit_file);
  free(conf->state_dir);
  free(conf->profile_annotation);
  hr_conf_free_rules(conf);
  memset(conf, 0, sizeof(*conf));
}

static int conf_defaults(struct hr_conf *c, struct hr_error *err)
{
  c->default_profile = hr_strdup("default", err);
  c->runtime = hr_strdup(HR_DEFAULT_RUNTIME, err);
  c->audit_socket = hr_strdup("/dev/log", err);
  c->state_dir = hr_strdup("/run/hardrun", err);
  c->profile_dirs = hr_calloc(3, sizeof(char *), err);
  if (c->default_profile == NULL || c->runtime == NULL || c->audit_socket == NULL ||
      c->state_dir == NULL || c->profile_dirs == NULL)
    return -1;
  /* The admin's directory first, so a local profile overrides a shipped
   * one of the same name. */
  c->profile_dirs[0] = hr_strdup(SYSCONFDIR "/hardrun/profiles", err);
  if (c->profile_dirs[0] == NULL)
    return -1;
  c->profile_dirs[1] = hr_strdup(DATADIR "/hardrun/profiles", err);
  if (c->profile_dirs[1] == NULL)
    return -1;
  return 0;
}

int hr_conf_defaults(struct hr_conf *ret, struct hr_error *err)
{
  struct hr_conf c = {0};

  if (conf_defaults(&c, err) < 0) {
    hr_conf_free(&c);
    return -1;
  }
  *ret = c;
  return 0;
}

static int conf_get_abs_path(const struct hr_json_doc *doc, const struct hr_json *node, char **ret,
                             struct hr_error *err)
{
  const char *s;

  if (hr_profile_get_string(doc, node, &s, err) < 0)
    return -1;
  if (s[0] != '/')
    return node_error(doc, node, err, "expected an absolute path, got \"%.256s\"", s);
  free(*ret);
  *ret = hr_strdup(s, err);
  return *ret ? 0 : -1;
}

static int conf_profile_dirs(const struct hr_json_doc *doc, const struct hr_json *node,
                             struct hr_conf *c, struct hr_error *err)
{
  cleanup_strv char **dirs = NULL;
  size_t n;

  if (hr_profile_get_strv(doc, node, &dirs, &n, err) < 0)
    return -1;
  if (n == 0)
    return node_error(doc, node, err, "must list at least one directory");
  for (size_t i = 0; i < n; i++)
    if (dirs[i][0] != '/')
      return node_error(doc, node->u.array.items[i], err,
                        "expected an absolute path, got \"%.256s\"", dirs[i]);
  hr_strv_free(c->profile_dirs);
  c->profile_dirs = get_and_reset(&dirs);
  return 0;
}

static int conf_runtime_bpf(const struct hr_json_doc *doc, const struct hr_json *node,
                            struct hr_conf *c, struct hr_error *err)
{
  static const char *const names[] = {"auto", "always", "never"};
  const char *s;

  if (hr_profile_get_string(doc, node, &s, err) < 0)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(names); i++)
    if (strcmp(s, names[i]) == 0) {
      c->runtime_bpf = (enum hr_runtime_bpf)i;
      return 0;
    }
  return node_error(doc, node, err, "expected \"auto\", \"always\" or \"never\", got \"%.64s\"", s);
}

bool hr_runtime_is_crun(const char *runtime)
{
  const char *base = strrchr(runtime, '/');

  return strcmp(base != NULL ? base + 1 : runtime, "crun") == 0;
}

bool hr_conf_runtime_bpf(const struct hr_conf *c, const char *runtime)
{
  if (c->runtime_bpf != HR_RUNTIME_BPF_AUTO)
    return c->runtime_bpf == HR_RUNTIME_BPF_ALWAYS;
  return hr_runtime_is_crun(runtime);
}

static int conf_member(const struct hr_json_doc *doc, const struct hr_json_member *m,
                       struct hr_conf *c, struct hr_error *err)
{
  const char *s;

  if (strcmp(m->key, "defaultProfile") == 0) {
    if (hr_profile_get_string(doc, m->value, &s, err) < 0)
      return -1;
    if (!hr_policy_name_valid(s))
      return node_error(doc, m->value, err,
                        "invalid profile name \"%.80s\" (expected [A-Za-z0-9][A-Za-z0-9._-]*, "
                        "at most 64 bytes)",
                        s);
    free(c->default_profile);
    c->default_profile = hr_strdup(s, err);
    return c->default_profile ? 0 : -1;
  }
  if (strcmp(m->key, "runtime") == 0)
    return conf_get_abs_path(doc, m->value, &c->runtime, err);
  if (strcmp(m->key, "profileDirs") == 0)
    return conf_profile_dirs(doc, m->value, c, err);
  if (strcmp(m->key, "stateDir") == 0)
    return conf_get_abs_path(doc, m->value, &c->state_dir, err);
  if (strcmp(m->key, "auditSocket") == 0) {
    if (hr_profile_get_string(doc, m->value, &s, err) < 0)
      return -1;
    if (s[0] == '\0') {
      free(c->audit_socket);
      c->audit_socket = hr_strdup("", err);
      return c->audit_socket ? 0 : -1;
    }
    return conf_get_abs_path(doc, m->value, &c->audit_socket, err);
  }
  if (strcmp(m->key, "profileRules") == 0)
    return hr_conf_parse_rules(doc, m->value, c, err);
  if (strcmp(m->key, "profileAnnotation") == 0) {
    if (hr_profile_get_string(doc, m->value, &s, err) < 0)
      return -1;
    if (s[0] == '\0')
      return node_error(doc, m->value, err, "must not be empty");
    free(c->profile_annotation);
    c->profile_annotation = hr_strdup(s, err);
    return c->profile_annotation ? 0 : -1;
  }
  if (strcmp(m->key, "runtimeSeccompBpf") == 0)
    return conf_runtime_bpf(doc, m->value, c, err);
  /* auditFile: the only key left after hr_profile_check_keys. */
  free(c->audit_file);
  c->audit_file = NULL;
  if (m->value->type == HR_JSON_NULL)
    return 0;
  if (m->value->type != HR_JSON_STRING)
    return hr_profile_expect(doc, m->value, HR_JSON_STRING, "an absolute path or null", err);
  return conf_get_abs_path(doc, m->value, &c->audit_file, err);
}

const char *const hr_conf_keys[] = {
    "defaultProfile", "runtime",      "profileDirs",       "auditSocket",       "auditFile",
    "stateDir",       "profileRules", "profileAnnotation", "runtimeSeccompBpf", NULL,
};

int hr_conf_parse_member(const struct hr_json_doc *doc, const struct hr_json_member *m,
                         struct hr_conf *c, struct hr_error *err)
{
  /* conf_member takes any key it does not name for auditFile. */
  for (size_t i = 0; hr_conf_keys[i] != NULL; i++)
    if (strcmp(m->key, hr_conf_keys[i]) == 0)
      return conf_member(doc, m, c, err);
  return hr_profile_error(doc, m->value, err, "unknown key \"%.64s\"", m->key);
}

/* The keys over the built-in defaults already in `c`. */
static int conf_parse_into(const char *buf, size_t len, const char *name, struct hr_conf *c,
                           struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json *root;

  if (parse_admin_json(buf, len, name, HR_CONF_MAX_SIZE, &doc, err) < 0)
    return -1;
  root = hr_json_doc_root(doc);
  if (hr_profile_check_keys(doc, root, hr_conf_keys, err) < 0)
    return -1;
  for (size_t i = 0; i < root->u.object.len; i++)
    if (conf_member(doc, &root->u.object.items[i], c, err) < 0)
      return -1;
  c->path = hr_strdup(name, err);
  return c->path != NULL ? 0 : -1;
}

int hr_conf_parse(const char *buf, size_t len, const char *name, struct hr_conf *ret,
                  struct hr_error *err)
{
  struct hr_conf c = {0};

  if (conf_defaults(&c, err) < 0 ||
      conf_parse_into(buf, len, name != NULL ? name : "(hardrun.conf)", &c, err) < 0) {
    hr_conf_free(&c);
    return -1;
  }
  *ret = c;
  return 0;
}

int hr_conf_load(const char *path, struct hr_conf *ret, struct hr_error *err)
{
  const char *file = path ? path : SYSCONFDIR "/hardrun/hardrun.conf";
  cleanup_free char *buf = NULL;
  size_t len;
  int r;

  r = read_admin_file(file, HR_CONF_MAX_SIZE, &buf, &len, err);
  if (r < 0)
    return -1;
  if (r == 0) {
    if (hr_conf_parse(buf, len, file, ret, err) < 0)
      return -1;
    /* For the pass-through cache, which must hold what was parsed. */
    ret->src = get_and_reset(&buf);
    ret->src_len = len;
    return 0;
  }
  /* Only the default location may be absent: a file named on the command
   * line that is missing is a typo, not a request for defaults. */
  if (path != NULL)
    return hr_error_set(err, HR_ERR_PROFILE, ENOENT, "%s: configuration file not found", file);
  return hr_conf_defaults(ret, err);
}

/* ---- profiles -------------------------------------------------------------------- */

bool hr_policy_name_valid(const char *name)
{
  size_t n = name ? strlen(name) : 0;

  if (n == 0 || n > HR_PROFILE_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = name[i];
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
      return false;
  }
  return true;
}

static void free_strv_n(char **v, size_t n)
{
  /* By count, not by terminator: a control may have filled the vector
   * itself. */
  if (v == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void hr_policy_free(struct hr_policy *p)
{
  if (p == NULL)
    return;
  free(p->name);
  free(p->path);
  free(p->description);
  free_strv_n(p->rootfs.tmpfs, p->rootfs.n_tmpfs);
  free_strv_n(p->caps.allow, p->caps.n_allow);
  free(p->propagation.rootfs);
  if (p->sources != NULL)
    free_strv_n(p->sources, hr_n_controls);
  for (size_t i = 0; i < hr_n_controls; i++)
    if (hr_controls[i].release != NULL)
      hr_controls[i].release(p);
  free(p);
}

void hr_policy_freep(struct hr_policy **p)
{
  hr_policy_free(*p);
  *p = NULL;
}

/* A profile and the profiles it extends, most derived first. */
struct layer {
  struct hr_json_doc *doc;
  char *path;
  size_t dir; /* index in profileDirs where it was found */
};

struct layers {
  struct layer l[HR_EXTENDS_MAX + 1];
  size_t n;
};

static void layers_free(struct layers *ls)
{
  for (size_t i = 0; i < ls->n; i++) {
    hr_json_doc_free(ls->l[i].doc);
    free(ls->l[i].path);
  }
  ls->n = 0;
}

static int check_toplevel_keys(const struct hr_json_doc *doc, struct hr_error *err)
{
  const char *keys[HR_TOPLEVEL_KEYS_MAX + 1];
  size_t n = 0;

  if (hr_n_controls + 3 > HR_TOPLEVEL_KEYS_MAX)
    return hr_error_set(err, HR_ERR_PROFILE, EINVAL, "internal error: too many controls");
  keys[n++] = "description";
  keys[n++] = "extends";
  keys[n++] = "enforce";
  for (size_t i = 0; i < hr_n_controls; i++)
    keys[n++] = hr_controls[i].profile_key;
  keys[n] = NULL;
  return hr_profile_check_keys(doc, hr_json_doc_root(doc), keys, err);
}

/* The first layer (most derived) that has `key`, or NULL.  Lengths are
 * compared first: keys hold no NUL (the parser refuses one), and most of a
 * profile's keys differ in length from the one looked for. */
static const struct hr_json *layer_get(const struct layers *ls, const char *key, size_t *ret_i)
{
  size_t len = strlen(key);

  for (size_t i = 0; i < ls->n; i++) {
    const struct hr_json *root = hr_json_doc_root(ls->l[i].doc);
    for (size_t k = 0; k < root->u.object.len; k++)
      if (root->u.object.items[k].key_len == len &&
          memcmp(root->u.object.items[k].key, key, len) == 0) {
        *ret_i = i;
        return root->u.object.items[k].value;
      }
  }
  return NULL;
}

/* Each top-level key comes whole from the most derived profile that has
 * it: a section is replaced, never merged, so what a profile says about a
 * control is all there is to read about it. */
static int parse_layers(const struct layers *ls, struct hr_policy *p, struct hr_error *err)
{
  const struct hr_json *v;
  const char *s;
  size_t i;

  p->enforce = true;
  p->sources = hr_calloc(hr_n_controls + 1, sizeof(*p->sources), err);
  if (p->sources == NULL)
    return -1;
  if ((v = layer_get(ls, "description", &i)) != NULL) {
    if (hr_profile_get_string(ls->l[i].doc, v, &s, err) < 0 ||
        (p->description = hr_strdup(s, err)) == NULL)
      return -1;
  }
  if ((v = layer_get(ls, "enforce", &i)) != NULL &&
      hr_profile_get_bool(ls->l[i].doc, v, &p->enforce, err) < 0)
    return -1;
  for (size_t k = 0; k < hr_n_controls; k++) {
    v = layer_get(ls, hr_controls[k].profile_key, &i);
    if (v == NULL)
      continue;
    if (hr_controls[k].parse(ls->l[i].doc, v, p, err) < 0)
      return -1;
    if ((p->sources[k] = hr_strdup(ls->l[i].path, err)) == NULL)
      return -1;
  }
  return 0;
}

static int add_layer(struct layers *ls, const char *buf, size_t len, const char *path, size_t dir,
                     struct hr_error *err)
{
  struct layer *l = &ls->l[ls->n];

  *l = (struct layer){.dir = dir};
  if (parse_admin_json(buf, len, path, HR_PROFILE_MAX_SIZE, &l->doc, err) < 0)
    return -1;
  if ((l->path = hr_strdup(path, err)) == NULL) {
    hr_json_doc_free(l->doc);
    return -1;
  }
  ls->n++;
  return check_toplevel_keys(l->doc, err);
}

/* The name the newest layer extends, or NULL. */
static int extends_name(const struct layers *ls, const char **ret, struct hr_error *err)
{
  const struct layer *l = &ls->l[ls->n - 1];
  const struct hr_json *v = hr_json_get(hr_json_doc_root(l->doc), "extends");

  *ret = NULL;
  if (v == NULL)
    return 0;
  if (hr_profile_get_string(l->doc, v, ret, err) < 0)
    return -1;
  if (!hr_policy_name_valid(*ret))
    return hr_profile_error(l->doc, v, err, "extends: invalid profile name");
  return 0;
}

static int find_profile(const struct hr_conf *conf, const char *name, size_t first, char **ret_buf,
                        size_t *ret_len, char **ret_path, size_t *ret_dir, struct hr_error *err);

/* Follow "extends" from the newest layer.  A profile that extends its own
 * name (an admin's /etc/hardrun/profiles/default.json extending the
 * shipped "default") is looked up in the directories after its own. */
static int load_parents(const struct hr_conf *conf, const char *name, struct layers *ls,
                        struct hr_error *err)
{
  for (;;) {
    cleanup_free char *buf = NULL, *path = NULL;
    const char *parent;
    size_t len, dir;
    int r;

    if (extends_name(ls, &parent, err) < 0)
      return -1;
    if (parent == NULL)
      return 0;
    if (conf == NULL)
      return hr_profile_error(ls->l[ls->n - 1].doc, NULL, err,
                              "extends: only a profile loaded by name can extend another");
    if (ls->n > HR_EXTENDS_MAX)
      return hr_profile_error(ls->l[ls->n - 1].doc, NULL, err,
                              "extends: more than %d levels (a cycle?)", HR_EXTENDS_MAX);
    r = find_profile(conf, parent, strcmp(parent, name) == 0 ? ls->l[ls->n - 1].dir + 1 : 0, &buf,
                     &len, &path, &dir, err);
    if (r > 0)
      return hr_error_profile(err, "%s: extends \"%s\", which is not found", ls->l[ls->n - 1].path,
                              parent);
    if (r < 0 || add_layer(ls, buf, len, path, dir, err) < 0)
      return -1;
    name = parent;
  }
}

static int policy_from(const struct hr_conf *conf, const char *buf, size_t len, const char *path,
                       size_t dir, const char *name, struct hr_policy **ret, struct hr_error *err)
{
  cleanup_policy struct hr_policy *p = NULL;
  struct layers ls = {.n = 0};
  int r;

  p = hr_calloc(1, sizeof(*p), err);
  if (p == NULL)
    return -1;
  p->name = hr_strdup(name ? name : path, err);
  p->path = hr_strdup(path, err);
  if (p->name == NULL || p->path == NULL)
    return -1;
  r = add_layer(&ls, buf, len, path, dir, err);
  if (r == 0)
    r = load_parents(conf, p->name, &ls, err);
  if (r == 0)
    r = parse_layers(&ls, p, err);
  layers_free(&ls);
  if (r < 0)
    return -1;
  *ret = get_and_reset(&p);
  return 0;
}

int hr_policy_parse(const char *buf, size_t len, const char *filename, const char *name,
                    struct hr_policy **ret, struct hr_error *err)
{
  return policy_from(NULL, buf, len, filename != NULL ? filename : "(profile)", 0, name, ret, err);
}

int hr_policy_parse_with(const struct hr_conf *conf, const char *buf, size_t len,
                         const char *filename, const char *name, struct hr_policy **ret,
                         struct hr_error *err)
{
  /* A file given by path extends through every profile directory. */
  return policy_from(conf, buf, len, filename != NULL ? filename : "(profile)", (size_t)-1, name,
                     ret, err);
}

static int not_found(const struct hr_conf *conf, const char *name, struct hr_error *err)
{
  char dirs[1024];
  size_t o = 0;

  dirs[0] = '\0';
  for (char **d = conf->profile_dirs; d && *d && o + 1 < sizeof(dirs); d++) {
    int n = snprintf(dirs + o, sizeof(dirs) - o, "%s%s", o ? ", " : "", *d);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return hr_error_profile(err, "profile \"%s\" not found in %s", name,
                          o ? dirs : "(no profile directories)");
}

/* NAME.json in profileDirs from index `first` on.  Returns 1 when absent. */
static int find_profile(const struct hr_conf *conf, const char *name, size_t first, char **ret_buf,
                        size_t *ret_len, char **ret_path, size_t *ret_dir, struct hr_error *err)
{
  size_t i = 0;

  for (char **d = conf->profile_dirs; d && *d; d++, i++) {
    cleanup_free char *path = NULL;
    int r;

    if (i < first && first != (size_t)-1)
      continue;
    if (hr_asprintf(&path, err, "%s/%s.json", *d, name) < 0)
      return -1;
    r = read_admin_file(path, HR_PROFILE_MAX_SIZE, ret_buf, ret_len, err);
    if (r > 0)
      continue;
    /* Anything but "absent" stops the search: skipping an unreadable
     * profile would silently apply a different one. */
    if (r < 0)
      return hr_error_prefix(err, "profile \"%s\"", name);
    *ret_path = get_and_reset(&path);
    *ret_dir = i;
    return 0;
  }
  return 1;
}

int hr_policy_load(const struct hr_conf *conf, const char *name, struct hr_policy **ret,
                   struct hr_error *err)
{
  cleanup_free char *buf = NULL, *path = NULL;
  size_t len, dir;
  int r;

  if (!hr_policy_name_valid(name)) {
    char q[160];
    return hr_error_profile(
        err, "invalid profile name %s (expected [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)",
        hr_quote(q, sizeof(q), name ? name : "", name ? strlen(name) : 0));
  }
  r = find_profile(conf, name, 0, &buf, &len, &path, &dir, err);
  if (r > 0)
    return not_found(conf, name, err);
  if (r < 0 || policy_from(conf, buf, len, path, dir, name, ret, err) < 0)
    return -1;
  /* The seccomp control names a second file, found through the same
   * directories, which the profile parser does not know. */
  if (hr_seccomp_load(*ret, (const char *const *)conf->profile_dirs, conf->state_dir, err) < 0) {
    hr_policy_freep(ret);
    return -1;
  }
  return 0;
}

int hr_profile_section_begin(const struct hr_json_doc *profile, const struct hr_json *section,
                             const char *const *keys, bool *on, struct hr_error *err)
{
  const struct hr_json *enabled;

  *on = true;
  if (section->type == HR_JSON_BOOL) {
    *on = section->u.boolean;
    return 0;
  }
  if (hr_profile_expect(profile, section, HR_JSON_OBJECT, "a boolean or an object", err) < 0 ||
      hr_profile_check_keys(profile, section, keys, err) < 0)
    return -1;
  enabled = hr_json_get(section, "enabled");
  if (enabled != NULL && hr_profile_get_bool(profile, enabled, on, err) < 0)
    return -1;
  return 1;
}

int hr_profile_get_mode(const struct hr_json_doc *profile, const struct hr_json *node,
                        enum hr_rule_mode *ret, struct hr_error *err)
{
  static const struct {
    const char *name;
    enum hr_rule_mode mode;
  } modes[] = {
      {"refuse", HR_MODE_REFUSE},
      {"fix", HR_MODE_FIX},
      {"audit", HR_MODE_AUDIT},
      {"off", HR_MODE_OFF},
  };
  const char *s;

  if (hr_profile_get_string(profile, node, &s, err) < 0)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(modes); i++)
    if (strcmp(s, modes[i].name) == 0) {
      *ret = modes[i].mode;
      return 0;
    }
  return hr_profile_error(profile, node, err,
                          "unknown mode \"%s\" (expected refuse, fix, audit or off)", s);
}
