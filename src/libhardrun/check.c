/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `policy check`: report every problem of a file, not only the first.
 *
 * The profile parser stops at its first error, and each control parses its
 * own section.  Check runs the same parsers, section by section, on one
 * parsed document: after an error it removes the node the error points at
 * and parses the section again, until the section passes or the error
 * points at the section itself (or at a node above one already removed:
 * that error only follows from the removal).  Positions do not move when a
 * node is removed, since every node keeps its offset in the source; array
 * indices do, so messages are given the path of the node in the file as
 * written.  Then the sections that passed are parsed together into one
 * policy, for the checks across sections. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "hardrun/check.h"
#include "hardrun/controls.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/policy.h"
#include "hardrun/seccomp.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

#define CHECK_MAX_SIZE       (1u << 20)
#define CHECK_MAX_DEPTH      32u
#define CHECK_SECTION_ROUNDS 64   /* problems reported per section */
#define CHECK_MAX_PROBLEMS   1000 /* per file */
#define CHECK_TOPLEVEL_MAX   64

/* ---- problems ---------------------------------------------------------------- */

void hr_problems_free(struct hr_problems *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->len; i++) {
    free(p->items[i].file);
    free(p->items[i].message);
  }
  free(p->items);
  *p = (struct hr_problems){0};
}

static int problem_add(struct hr_problems *p, const char *file, unsigned line, unsigned col,
                       const char *msg, struct hr_error *err)
{
  cleanup_free char *f = hr_strdup(file, err), *m = hr_strdup(msg, err);

  if (f == NULL || m == NULL)
    return -1;
  if (p->len == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    struct hr_problem *items = reallocarray(p->items, cap, sizeof(*items));
    if (items == NULL)
      return hr_error_oom(err);
    p->items = items;
    p->cap = cap;
  }
  p->items[p->len++] = (struct hr_problem){
      .file = get_and_reset(&f),
      .line = line ? line : 1,
      .col = col ? col : 1,
      .message = get_and_reset(&m),
  };
  return 0;
}

/* Split "...FILE:LINE:COL: message" (a parser's error, perhaps behind a
 * prefix such as `profile "P": rule "seccomp": `).  Returns false when the
 * message carries no position. */
static bool split_location(const char *msg, char *file, size_t file_size, unsigned *line,
                           unsigned *col, const char **rest)
{
  for (const char *p = strchr(msg, ':'); p != NULL; p = strchr(p + 1, ':')) {
    const char *start = p;
    unsigned l, c;
    int n = 0;
    if (sscanf(p, ":%u:%u: %n", &l, &c, &n) != 2 || n == 0 || p[1] < '0' || p[1] > '9')
      continue;
    /* The file name starts after the last ": " before it, or at the start. */
    while (start > msg && !(start[-1] == ' ' && start - 1 > msg && start[-2] == ':'))
      start--;
    if ((size_t)(p - start) >= file_size)
      return false;
    memcpy(file, start, (size_t)(p - start));
    file[p - start] = '\0';
    *line = l;
    *col = c;
    *rest = p + n;
    return true;
  }
  return false;
}

/* A parser's error as a problem of `file`: at the position it names, else
 * at `fallback` (a node of `doc`), else at 1:1. */
static int problem_from_error(struct hr_problems *p, const char *file, const struct hr_error *e,
                              const struct hr_json_doc *doc, const struct hr_json *fallback,
                              struct hr_error *err)
{
  char where[1024];
  const char *rest;
  unsigned line = 0, col = 0;

  if (split_location(e->msg, where, sizeof(where), &line, &col, &rest))
    return problem_add(p, where, line, col, rest, err);
  if (doc != NULL && fallback != NULL)
    hr_json_line_col(doc, fallback, &line, &col);
  rest = e->msg;
  /* "FILE: message" without a position: the file name is already known. */
  if (strncmp(rest, file, strlen(file)) == 0 && strncmp(rest + strlen(file), ": ", 2) == 0)
    rest += strlen(file) + 2;
  return problem_add(p, file, line, col, rest, err);
}

static int cmp_problem(const void *a, const void *b)
{
  const struct hr_problem *x = a, *y = b;

  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  return 0;
}

/* Sort the problems of `file` added since `first` by position; those of
 * other files (a seccomp profile) go after them, in their own order. */
static void sort_problems(struct hr_problems *p, size_t first, const char *file)
{
  size_t mine = first;

  for (size_t i = first; i < p->len; i++) {
    if (strcmp(p->items[i].file, file) != 0)
      continue;
    struct hr_problem t = p->items[i];
    memmove(&p->items[mine + 1], &p->items[mine], (i - mine) * sizeof(t));
    p->items[mine++] = t;
  }
  /* qsort is not stable; equal positions keep discovery order this way. */
  for (size_t i = first + 1; i < mine; i++)
    for (size_t j = i; j > first && cmp_problem(&p->items[j - 1], &p->items[j]) > 0; j--) {
      struct hr_problem t = p->items[j];
      p->items[j] = p->items[j - 1];
      p->items[j - 1] = t;
    }
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);

  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- nodes and paths ------------------------------------------------------------ */

static const struct hr_json *node_at(const struct hr_json_doc *doc, const struct hr_json *n,
                                     unsigned line, unsigned col)
{
  unsigned l, c;

  if (n == NULL)
    return NULL;
  hr_json_line_col(doc, n, &l, &c);
  if (l == line && c == col)
    return n;
  if (n->type == HR_JSON_ARRAY)
    for (size_t i = 0; i < n->u.array.len; i++) {
      const struct hr_json *f = node_at(doc, n->u.array.items[i], line, col);
      if (f != NULL)
        return f;
    }
  if (n->type == HR_JSON_OBJECT)
    for (size_t i = 0; i < n->u.object.len; i++) {
      const struct hr_json *f = node_at(doc, n->u.object.items[i].value, line, col);
      if (f != NULL)
        return f;
    }
  return NULL;
}

/* "capabilities.allow[2]", as the profile parser words paths. */
static void node_path(const struct hr_json *node, char *buf, size_t size)
{
  const struct hr_json *parent = node != NULL ? node->parent : NULL;
  char seg[96] = "";

  buf[0] = '\0';
  if (parent == NULL)
    return;
  node_path(parent, buf, size);
  if (parent->type == HR_JSON_ARRAY) {
    for (size_t i = 0; i < parent->u.array.len; i++)
      if (parent->u.array.items[i] == node)
        snprintf(seg, sizeof(seg), "[%zu]", i);
  } else {
    for (size_t i = 0; i < parent->u.object.len; i++)
      if (parent->u.object.items[i].value == node)
        snprintf(seg, sizeof(seg), "%s%.64s", buf[0] ? "." : "", parent->u.object.items[i].key);
  }
  strncat(buf, seg, size - strlen(buf) - 1);
}

static bool is_ancestor(const struct hr_json *a, const struct hr_json *n)
{
  for (; n != NULL; n = n->parent)
    if (n == a)
      return true;
  return false;
}

/* Detach `n` from its parent, by position: hr_json_remove() would also
 * take members whose keys only differ in case. */
static void detach(struct hr_json *n)
{
  struct hr_json *parent = n->parent;

  if (parent->type == HR_JSON_ARRAY) {
    for (size_t i = 0; i < parent->u.array.len; i++)
      if (parent->u.array.items[i] == n) {
        hr_json_array_remove(parent, i);
        return;
      }
  }
  for (size_t i = 0; i < parent->u.object.len; i++)
    if (parent->u.object.items[i].value == n) {
      memmove(&parent->u.object.items[i], &parent->u.object.items[i + 1],
              (parent->u.object.len - i - 1) * sizeof(parent->u.object.items[0]));
      parent->u.object.len--;
      return;
    }
}

/* The file being checked: the document that is edited, and a second,
 * untouched parse of the same bytes, for paths as written. */
struct checked {
  const char *path;
  const char *buf; /* the file's bytes */
  size_t len;
  struct hr_json_doc *doc, *pristine;
  struct hr_problems *out;
  size_t first;
  const struct hr_json *removed[CHECK_SECTION_ROUNDS * 4];
  size_t n_removed;
};

/* Record `e` (an error at `node` of c->doc, or NULL) with the node's path
 * as written in the file.  The message may name the node or one of its
 * parents ("profileRules[1]: unknown key"): the deepest path it holds is
 * the one rewritten. */
static int record(struct checked *c, const struct hr_error *e, const struct hr_json *node,
                  const struct hr_json *fallback, struct hr_error *err)
{
  char now[512], orig[512], msg[HR_ERROR_MSG_MAX];
  struct hr_error fixed = *e;
  unsigned line = 0, col = 0;
  const char *at = NULL;

  if (c->out->len - c->first >= CHECK_MAX_PROBLEMS)
    return 0;
  for (const struct hr_json *n = node; n != NULL && at == NULL; n = n->parent) {
    node_path(n, now, sizeof(now));
    at = now[0] != '\0' ? strstr(e->msg, now) : NULL;
    if (at == NULL)
      continue;
    hr_json_line_col(c->doc, n, &line, &col);
    node_path(node_at(c->pristine, hr_json_doc_root(c->pristine), line, col), orig, sizeof(orig));
    if (orig[0] != '\0' && strcmp(now, orig) != 0) {
      snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(at - e->msg), e->msg, orig, at + strlen(now));
      snprintf(fixed.msg, sizeof(fixed.msg), "%s", msg);
    }
  }
  return problem_from_error(c->out, c->path, &fixed, c->doc, fallback, err);
}

/* ---- profiles ------------------------------------------------------------------- */

static const struct hr_json *error_node(const struct checked *c, const struct hr_json *within,
                                        const struct hr_error *e)
{
  char file[1024];
  const char *rest;
  unsigned line, col;

  if (!split_location(e->msg, file, sizeof(file), &line, &col, &rest) || strcmp(file, c->path) != 0)
    return NULL;
  return node_at(c->doc, within, line, col);
}

static bool follows_removal(const struct checked *c, const struct hr_json *n)
{
  for (size_t i = 0; i < c->n_removed; i++)
    if (is_ancestor(n, c->removed[i]))
      return true;
  return false;
}

/* One section on its own: a profile's control (`ctl`), or the member `key`
 * of hardrun.conf (`ctl` NULL).  What it fills is thrown away. */
static int parse_one(const struct checked *c, const char *key, const struct hr_control *ctl,
                     struct hr_json *section, struct hr_error *e)
{
  const struct hr_json_member m = {.key = key, .key_len = strlen(key), .value = section};
  struct hr_conf conf = {0};
  int r;

  if (ctl != NULL) {
    cleanup_policy struct hr_policy *p = hr_calloc(1, sizeof(*p), e);
    return p == NULL ? -1 : ctl->parse(c->doc, section, p, e);
  }
  r = hr_conf_parse_member(c->doc, &m, &conf, e);
  hr_conf_free(&conf);
  return r;
}

/* Parse one section again and again, removing what each error points at.
 * An error at a node above one already removed only follows from the
 * removal: that node goes too, unreported, so that its siblings (the next
 * rule of a list, say) are still checked, but the section no longer says
 * what the file says and is left out of the checks across sections.
 * Returns 1 when the section ends up parsing whole, 0 when it does not. */
static int check_section(struct checked *c, const char *key, const struct hr_control *ctl,
                         struct hr_json *section, struct hr_error *err)
{
  bool cut = false;

  for (int round = 0; round < CHECK_SECTION_ROUNDS; round++) {
    struct hr_error e = {0};
    const struct hr_json *n;
    if (parse_one(c, key, ctl, section, &e) == 0)
      return cut ? 0 : 1;
    if (e.kind == HR_ERR_SYSTEM && e.code == ENOMEM)
      return hr_error_oom(err);
    n = error_node(c, section, &e);
    if (n != NULL && follows_removal(c, n)) {
      if (n == section)
        return 0;
      detach((struct hr_json *)n);
      cut = true;
      continue;
    }
    if (record(c, &e, n, section, err) < 0)
      return -1;
    if (n == NULL || n == section || c->n_removed == HR_ARRAY_SIZE(c->removed))
      return 0;
    c->removed[c->n_removed++] = n;
    detach((struct hr_json *)n);
  }
  return 0;
}

static const struct hr_control *control_of(const char *key)
{
  for (size_t i = 0; i < hr_n_controls; i++)
    if (strcmp(hr_controls[i].profile_key, key) == 0)
      return &hr_controls[i];
  return NULL;
}

/* Unknown and duplicate top-level keys, each reported and removed. */
static int check_toplevel(struct checked *c, const char *const *keys, struct hr_error *err)
{
  struct hr_json *root = hr_json_doc_root(c->doc);

  for (int round = 0; round < CHECK_SECTION_ROUNDS; round++) {
    struct hr_error e = {0};
    const struct hr_json *bad;
    if (hr_profile_check_keys(c->doc, root, keys, &e) == 0)
      return 0;
    bad = error_node(c, root, &e);
    if (record(c, &e, bad, root, err) < 0)
      return -1;
    if (bad == NULL || bad == root)
      return 1;
    detach((struct hr_json *)bad);
  }
  return 0;
}

/* The sections that parsed on their own, parsed together: the policy the
 * checks across sections look at. */
static int combined_policy(struct checked *c, const bool *ok, struct hr_policy **ret,
                           struct hr_error *err)
{
  cleanup_policy struct hr_policy *p = hr_calloc(1, sizeof(*p), err);
  const struct hr_json *root = hr_json_doc_root(c->doc);

  const char *base = strrchr(c->path, '/') != NULL ? strrchr(c->path, '/') + 1 : c->path;

  /* Named as hr_policy_load would name it, for messages that carry it. */
  if (p == NULL ||
      (p->name = hr_strndup(base, ends_with(base, ".json") ? strlen(base) - 5 : strlen(base),
                            err)) == NULL ||
      (p->path = hr_strdup(c->path, err)) == NULL)
    return -1;
  for (size_t i = 0; i < root->u.object.len; i++) {
    const struct hr_json_member *m = &root->u.object.items[i];
    const struct hr_control *ctl = control_of(m->key);
    struct hr_error e = {0};
    if (ctl != NULL && ok[i] && ctl->parse(c->doc, m->value, p, &e) < 0)
      return record(c, &e, error_node(c, m->value, &e), m->value, err);
  }
  *ret = get_and_reset(&p);
  return 0;
}

/* A clean file that extends another: the policy as create would load it,
 * parents included; a parent that cannot be loaded is this file's
 * problem, at its "extends". */
static int extended_policy(struct checked *c, const char *const *dirs, struct hr_policy **ret,
                           struct hr_error *err)
{
  const struct hr_json *ext = hr_json_get(hr_json_doc_root(c->doc), "extends");
  const char *base = strrchr(c->path, '/') != NULL ? strrchr(c->path, '/') + 1 : c->path;
  cleanup_free char *name = hr_strndup(base, strcspn(base, "."), err);
  struct hr_conf conf = {.profile_dirs = (char **)dirs};
  struct hr_error e = {0};

  *ret = NULL;
  if (name == NULL)
    return -1;
  if (hr_policy_parse_with(&conf, c->buf, c->len, c->path, name, ret, &e) == 0)
    return 0;
  return record(c, &e, NULL, ext, err);
}

static int check_sections(struct checked *c, struct hr_policy **ret, struct hr_error *err)
{
  struct hr_json *root = hr_json_doc_root(c->doc);
  bool ok[CHECK_TOPLEVEL_MAX * 2] = {false};
  const char *keys[CHECK_TOPLEVEL_MAX + 1];
  size_t n = 0;

  keys[n++] = "description";
  keys[n++] = "extends";
  keys[n++] = "enforce";
  for (size_t i = 0; i < hr_n_controls && n < CHECK_TOPLEVEL_MAX; i++)
    keys[n++] = hr_controls[i].profile_key;
  keys[n] = NULL;
  if (check_toplevel(c, keys, err) < 0)
    return -1;
  for (size_t i = 0; i < root->u.object.len && i < HR_ARRAY_SIZE(ok); i++) {
    const struct hr_json_member *m = &root->u.object.items[i];
    const struct hr_control *ctl = control_of(m->key);
    struct hr_error e = {0};
    const char *s;
    int r;
    if (ctl == NULL) {
      /* "description", "extends" (a profile name) or "enforce" */
      bool b;
      r = strcmp(m->key, "enforce") == 0 ? hr_profile_get_bool(c->doc, m->value, &b, &e)
                                         : hr_profile_get_string(c->doc, m->value, &s, &e);
      if (r == 0 && strcmp(m->key, "extends") == 0 && !hr_policy_name_valid(s))
        r = hr_profile_error(c->doc, m->value, &e, "extends: invalid profile name");
      if (r < 0 && record(c, &e, m->value, m->value, err) < 0)
        return -1;
      continue;
    }
    r = check_section(c, m->key, ctl, m->value, err);
    if (r < 0)
      return -1;
    ok[i] = r == 1;
  }
  return combined_policy(c, ok, ret, err);
}

/* ---- across sections -------------------------------------------------------------- */

static const struct hr_json *section_node(const struct checked *c, const char *key)
{
  return hr_json_get(hr_json_doc_root(c->doc), key);
}

static int problem_at(struct checked *c, const struct hr_json *node, const char *msg,
                      struct hr_error *err)
{
  struct hr_error e = {.kind = HR_ERR_PROFILE};

  snprintf(e.msg, sizeof(e.msg), "%s", msg);
  return record(c, &e, NULL, node, err);
}

static int subid_pool(const char *file, const char *user, struct hr_idrange **ret, size_t *n,
                      struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;

  if (hr_read_file(file, 1024 * 1024, &buf, &len, err) < 0) {
    if (err->code != ENOENT)
      return -1;
    *err = (struct hr_error){0};
  }
  return hr_subid_parse(buf != NULL ? buf : "", len, file, user, ret, n, err);
}

/* A user namespace needs ids to map: with no "pool" they come from the
 * subid files, and a user with no range there fails every create. */
static int check_userns(struct checked *c, const struct hr_policy *p, struct hr_error *err)
{
  const struct hr_policy_userns *u = &p->userns;
  cleanup_free struct hr_idrange *uids = NULL, *gids = NULL;
  cleanup_free struct hr_userns_slot *slots = NULL;
  size_t n_u = 0, n_g = 0, n_slots = 0;
  struct hr_error e = {0};
  char msg[HR_ERROR_MSG_MAX];

  if (!u->enabled || u->has_pool)
    return 0;
  if (subid_pool(u->subuid_file, u->subid_user, &uids, &n_u, &e) < 0 ||
      subid_pool(u->subgid_file, u->subid_user, &gids, &n_g, &e) < 0 ||
      hr_userns_slots(uids, n_u, gids, n_g, u->size, &slots, &n_slots, &e) < 0)
    return problem_at(c, section_node(c, "userNamespace"), e.msg, err);
  if (n_slots > 0)
    return 0;
  snprintf(msg, sizeof(msg),
           "userNamespace: %s, but there is no id pool: %s and %s give user \"%s\" no range of "
           "%u ids, and the profile has no \"pool\"; every create would fail",
           u->required ? "required" : "enabled", u->subuid_file, u->subgid_file, u->subid_user,
           (unsigned)u->size);
  return problem_at(c, section_node(c, "userNamespace"), msg, err);
}

/* A device allowlist entry with a wildcard major number lets the
 * container open every device of a type, /dev/mem and the disks included. */
static int check_devices(struct checked *c, const struct hr_policy *p, struct hr_error *err)
{
  const struct hr_rule_hostdevices *r = &p->refusals.hostdevices;
  const struct hr_json *allow = hr_json_get(section_node(c, "hostDevices"), "allow");

  if (r->mode == HR_MODE_OFF || allow == NULL || allow->type != HR_JSON_ARRAY)
    return 0;
  for (size_t i = 0; i < r->n_allow && i < allow->u.array.len; i++) {
    struct hr_error e = {.kind = HR_ERR_PROFILE};
    if (r->allow[i].major != -1)
      continue;
    /* The index is the one in the parsed list; record() turns the path
     * into the one in the file. */
    snprintf(e.msg, sizeof(e.msg), "hostDevices.allow[%zu]: allows every %s of the host", i,
             r->allow[i].type == 'c'   ? "character device"
             : r->allow[i].type == 'b' ? "block device"
                                       : "device");
    if (record(c, &e, allow->u.array.items[i], allow->u.array.items[i], err) < 0)
      return -1;
  }
  return 0;
}

/* The node of a seccomp profile's document holding the name `s` (the
 * filter's names point into its document). */
static const struct hr_json *name_node(const struct hr_json *n, const char *s)
{
  if (n == NULL)
    return NULL;
  if (n->type == HR_JSON_STRING && n->u.string.s == s)
    return n;
  if (n->type == HR_JSON_ARRAY)
    for (size_t i = 0; i < n->u.array.len; i++) {
      const struct hr_json *f = name_node(n->u.array.items[i], s);
      if (f != NULL)
        return f;
    }
  if (n->type == HR_JSON_OBJECT)
    for (size_t i = 0; i < n->u.object.len; i++) {
      const struct hr_json *f = name_node(n->u.object.items[i].value, s);
      if (f != NULL)
        return f;
    }
  return NULL;
}

/* Names libseccomp does not know are dropped from the filter when it is
 * loaded (runc could not filter them either): a typo there would silently
 * leave a system call to the default action. */
static int check_filter(struct hr_problems *out, const char *file,
                        const struct hr_seccomp_filter *f, struct hr_error *err)
{
  const struct scmp_version *v = seccomp_version();

  for (size_t i = 0; i < f->n_dropped; i++) {
    const struct hr_json *n = name_node(hr_json_doc_root(f->doc), f->dropped[i]);
    unsigned line = 0, col = 0;
    char msg[256], q[96];
    if (n != NULL)
      hr_json_line_col(f->doc, n, &line, &col);
    snprintf(msg, sizeof(msg),
             "system call %s is unknown to libseccomp %u.%u.%u on every listed architecture; "
             "it is dropped from the filter",
             hr_quote(q, sizeof(q), f->dropped[i], strlen(f->dropped[i])), v->major, v->minor,
             v->micro);
    if (problem_add(out, file, line, col, msg, err) < 0)
      return -1;
  }
  return 0;
}

static int check_seccomp(struct checked *c, struct hr_policy *p, const char *const *dirs,
                         struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *tmp = NULL;
  const struct hr_json *section = section_node(c, "seccomp");
  struct hr_error e = {0};
  char msg[HR_ERROR_MSG_MAX];
  const char *leak = NULL;
  bool unconfined = false;

  if (!p->seccomp.enabled)
    return 0;
  if (hr_seccomp_load(p, dirs, NULL, &e) < 0) {
    const struct hr_json *at = hr_json_get(section, "profile");
    const char *rest = strstr(e.msg, "rule \"seccomp\": ");
    /* The profile and the rule are this file and this section. */
    if (rest != NULL)
      memmove(e.msg, rest + strlen("rule \"seccomp\": "),
              strlen(rest + strlen("rule \"seccomp\": ")) + 1);
    return record(c, &e, NULL, at != NULL ? at : section, err);
  }
  if (check_filter(c->out, p->seccomp.path, p->seccomp.filter, err) < 0)
    return -1;
  tmp = hr_jb_new(err);
  if (tmp == NULL)
    return -1;
  if (hr_seccomp_spec_leak(hr_seccomp_filter_to_json(p->seccomp.filter, tmp, &e), &unconfined,
                           &leak, &e) < 0 ||
      !unconfined)
    return 0;
  if (leak != NULL)
    /* "fill" would replace such a filter in a spec; the profile's own is
     * written as it is, and must not let the call through either. */
    snprintf(msg, sizeof(msg),
             "seccomp: the seccomp profile %s lets %s through, which hardrun counts as "
             "confining nothing",
             p->seccomp.path, leak);
  else
    snprintf(msg, sizeof(msg),
             "seccomp: the seccomp profile %s lets every system call through: the control "
             "confines nothing",
             p->seccomp.path);
  return problem_at(c, section, msg, err);
}

/* Where a profile's seccomp profile and parents are looked up: next to
 * the file first, so that a profile checked before it is installed finds
 * what it ships with, then profileDirs. */
static const char **search_dirs(const char *path, const char *const *profile_dirs, char **own,
                                struct hr_error *err)
{
  const char *slash = strrchr(path, '/');
  const char **dirs;
  size_t n = 0, k = 0;

  *own = slash == NULL   ? hr_strdup(".", err)
         : slash == path ? hr_strdup("/", err)
                         : hr_strndup(path, (size_t)(slash - path), err);
  while (profile_dirs != NULL && profile_dirs[n] != NULL)
    n++;
  dirs = hr_calloc(n + 2, sizeof(*dirs), err);
  if (*own == NULL || dirs == NULL) {
    free(dirs);
    return NULL;
  }
  dirs[k++] = *own;
  for (size_t i = 0; i < n; i++)
    dirs[k++] = profile_dirs[i];
  return dirs;
}

static int check_profile(struct checked *c, const char *const *profile_dirs, struct hr_error *err)
{
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_free char *own = NULL;
  cleanup_free const char **dirs = search_dirs(c->path, profile_dirs, &own, err);
  size_t before = c->out->len;

  if (dirs == NULL || check_sections(c, &p, err) < 0)
    return -1;
  if (p == NULL)
    return 0;
  /* With "extends", the checks across sections look at what create would
   * load, the parents' sections included, once the file itself is clean. */
  if (hr_json_get(hr_json_doc_root(c->doc), "extends") != NULL && c->out->len == before) {
    hr_policy_freep(&p);
    if (extended_policy(c, dirs, &p, err) < 0)
      return -1;
    if (p == NULL)
      return 0;
  }
  if (check_userns(c, p, err) < 0 || check_devices(c, p, err) < 0)
    return -1;
  return check_seccomp(c, p, dirs, err);
}

/* ---- the file -------------------------------------------------------------------- */

/* hardrun.conf: every member parsed on its own, as a profile's sections
 * are.  Then the file is loaded as hardrun does; should that fail where the
 * members passed (a bound the members do not see), its error is the
 * problem, so that check never passes a file hardrun refuses. */
static int check_conf(struct checked *c, struct hr_error *err)
{
  struct hr_json *root = hr_json_doc_root(c->doc);
  struct hr_conf conf = {0};
  struct hr_error e = {0};

  if (check_toplevel(c, hr_conf_keys, err) < 0)
    return -1;
  for (size_t i = 0; i < root->u.object.len; i++)
    if (check_section(c, root->u.object.items[i].key, NULL, root->u.object.items[i].value, err) < 0)
      return -1;
  if (hr_conf_load(c->path, &conf, &e) == 0) {
    hr_conf_free(&conf);
    return 0;
  }
  if (c->out->len > c->first)
    return 0;
  return problem_from_error(c->out, c->path, &e, NULL, NULL, err);
}

static int check_seccomp_file(const char *path, const char *buf, size_t len,
                              struct hr_problems *out, struct hr_error *err)
{
  struct hr_seccomp_filter *f = NULL;
  struct hr_error e = {0};
  int r;

  if (hr_seccomp_filter_parse(buf, len, path, NULL, &f, &e) < 0)
    return problem_from_error(out, path, &e, NULL, NULL, err);
  r = check_filter(out, path, f, err);
  hr_seccomp_filter_free(f);
  return r;
}

/* hardrun.conf is usually named so; one named otherwise is known by its
 * keys, none of which a profile has. */
static bool looks_like_conf(const struct hr_json *root)
{
  static const char *const keys[] = {"defaultProfile", "runtime",           "profileDirs",
                                     "auditSocket",    "auditFile",         "stateDir",
                                     "profileRules",   "profileAnnotation", "runtimeSeccompBpf"};

  for (size_t i = 0; i < root->u.object.len; i++)
    for (size_t k = 0; k < HR_ARRAY_SIZE(keys); k++)
      if (strcmp(root->u.object.items[i].key, keys[k]) == 0)
        return true;
  return false;
}

int hr_check_file(const char *path, const char *const *profile_dirs, struct hr_problems *out,
                  struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {
      .max_size = CHECK_MAX_SIZE,
      .max_depth = CHECK_MAX_DEPTH,
      .allow_comments = true,
      .name = path,
  };
  struct checked c = {.path = path, .out = out, .first = out->len};
  cleanup_json_doc struct hr_json_doc *doc = NULL, *pristine = NULL;
  cleanup_free char *buf = NULL;
  struct hr_error e = {0};
  size_t len;
  int r;

  if (hr_read_file(path, CHECK_MAX_SIZE, &buf, &len, &e) < 0 ||
      hr_json_parse(buf, len, &opts, &doc, &e) < 0)
    r = problem_from_error(out, path, &e, NULL, NULL, err);
  else if (!ends_with(path, ".conf") && !looks_like_conf(hr_json_doc_root(doc)) &&
           hr_json_get(hr_json_doc_root(doc), "defaultAction") != NULL)
    r = check_seccomp_file(path, buf, len, out, err);
  else if (hr_json_parse(buf, len, &opts, &pristine, err) < 0)
    r = -1;
  else {
    c.doc = doc;
    c.pristine = pristine;
    c.buf = buf;
    c.len = len;
    r = ends_with(path, ".conf") || looks_like_conf(hr_json_doc_root(doc))
            ? check_conf(&c, err)
            : check_profile(&c, profile_dirs, err);
  }
  sort_problems(out, c.first, path);
  return r;
}
