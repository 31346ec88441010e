/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runc exec: the process a later command starts inside a hardened
 * container.  `docker exec --privileged` becomes `runc exec --process F`
 * with every capability in F; the same controls that hardened config.json
 * on create are applied to F, or to exec's flags when there is no F.
 *
 * Also here: the driver that applies the rows of one scope, the wrapping
 * that presents a later command's document to the controls as a spec, and
 * the "user" control. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/refusals.h"
#include "hardrun/spec.h"
#include "hardrun/state.h"
#include "hardrun/utils.h"

/* ---- wrapping ---------------------------------------------------------------- */

static size_t leading_ws(const char *s, size_t len)
{
  size_t i = 0;

  while (i < len && strchr(" \t\r\n", s[i]) != NULL && s[i] != '\0')
    i++;
  return i;
}

static size_t trailing_ws(const char *s, size_t len)
{
  size_t i = 0;

  while (i < len && strchr(" \t\r\n", s[len - 1 - i]) != NULL && s[len - 1 - i] != '\0')
    i++;
  return i;
}

int hr_wrap_parse(const struct hr_wrap *w, const char *buf, size_t len, const char *name,
                  const char *profile, struct hr_json_doc **ret, struct hr_error *err)
{
  const struct hr_json_parse_opts alone = {
      .max_size = w->max_size,
      .max_depth = HR_SPEC_MAX_DEPTH,
      .name = name,
  };
  const struct hr_json_parse_opts wrapped = {
      .max_size = w->max_size + strlen(w->head) + strlen(w->tail),
      .max_depth = HR_SPEC_MAX_DEPTH + 2,
      .name = name,
  };
  cleanup_json_doc struct hr_json_doc *check = NULL;
  cleanup_free char *text = NULL;
  size_t hl = strlen(w->head), tl = strlen(w->tail);

  *ret = NULL;
  /* Parsed alone first, which refuses anything but one object with only
   * whitespace around it: text after the object would otherwise land in
   * the wrapper as a sibling, while runc's json.Decoder reads the first
   * object and ignores the rest. */
  if (hr_json_parse(buf, len, &alone, &check, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-syntax\"", profile);
  /* Checked here too, where line:col are the document's own. */
  if (hr_json_check_go_keys(check, w->map_paths, &hr_spec_fields, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-keys\"", profile);
  text = hr_malloc(hl + len + tl + 1, err);
  if (text == NULL)
    return -1;
  memcpy(text, w->head, hl);
  memcpy(text + hl, buf, len);
  memcpy(text + hl + len, w->tail, tl + 1);
  if (hr_json_parse(text, hl + len + tl, &wrapped, ret, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-syntax\"", profile);
  return 0;
}

int hr_wrap_serialize(const struct hr_wrap *w, const struct hr_json_doc *doc, const char *orig,
                      size_t orig_len, char **ret, size_t *ret_len, struct hr_error *err)
{
  cleanup_free char *text = NULL;
  size_t len, hl = strlen(w->head), tl = strlen(w->tail), lead, trail, inner;
  char *out;

  *ret = NULL;
  if (hr_json_serialize(doc, &text, &len, err) < 0)
    return -1;
  /* An edited wrapper is re-emitted compactly, keeping its keys' spelling:
   * exactly head + the inner document + tail. */
  if (len < hl + tl || memcmp(text, w->head, hl) != 0 || memcmp(text + len - tl, w->tail, tl) != 0)
    return hr_error_set(err, HR_ERR_SYSTEM, 0, "internal error: unexpected wrapper `%.40s`", text);
  inner = len - hl - tl;
  /* The whitespace around the original object survives too. */
  lead = leading_ws(orig, orig_len);
  trail = lead < orig_len ? trailing_ws(orig, orig_len) : 0;
  out = hr_malloc(lead + inner + trail + 1, err);
  if (out == NULL)
    return -1;
  memcpy(out, orig, lead);
  memcpy(out + lead, text + hl, inner);
  memcpy(out + lead + inner, orig + orig_len - trail, trail);
  out[lead + inner + trail] = '\0';
  *ret = out;
  *ret_len = lead + inner + trail;
  return 0;
}

/* ---- exec --process ------------------------------------------------------------- */

static const struct hr_wrap process_wrap = {
    .head = "{\"process\":",
    .tail = "}",
    .max_size = HR_SPEC_MAX_SIZE,
};

int hr_exec_harden_buffer(const char *buf, size_t len, const char *name,
                          const struct hr_policy *policy, struct hr_changes *changes,
                          char **ret_out, size_t *ret_out_len, struct hr_error *err)
{
  const struct hr_apply_ctx mode = {.overrides_only = true, .process_file = true};
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  *ret_out = NULL;
  *ret_out_len = 0;
  if (hr_wrap_parse(&process_wrap, buf, len, name, policy->name, &doc, err) < 0)
    return -1;
  if (hr_policy_apply_scope(policy, &mode, HR_SCOPE_PROCESS, doc, changes, err) < 0)
    return -1;
  if (!hr_json_doc_root(doc)->dirty)
    return 0;
  return hr_wrap_serialize(&process_wrap, doc, buf, len, ret_out, ret_out_len, err);
}

int hr_exec_harden_file(const char *path, const struct hr_policy *policy,
                        struct hr_changes *changes, struct hr_error *err)
{
  const char *slash = strrchr(path, '/');
  cleanup_free char *dir = NULL, *buf = NULL, *out = NULL;
  cleanup_close int dirfd = -1;
  const char *base = slash != NULL ? slash + 1 : path;
  size_t len, out_len;
  struct stat st;

  if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return hr_error_input(err, "--process `%s`: not a file name", path);
  dir = slash == NULL ? hr_strdup(".", err)
                      : hr_strndup(path, slash == path ? 1 : (size_t)(slash - path), err);
  if (dir == NULL)
    return -1;
  /* The directories resolve as they do for runc's open(); only the file
   * itself must not be a symlink, so that the file rewritten is the one
   * that was read. */
  dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return hr_error_sys(err, "--process: open directory `%s`", dir);
  if (hr_read_file_at(dirfd, base, HR_SPEC_MAX_SIZE, &buf, &len, &st, err) < 0)
    return hr_error_prefix(err, "--process `%s`", path);
  /* runc opens the file by name after the exec. */
  if (hr_host_sole_writer(path, "process file", err) < 0)
    return hr_error_prefix(err, "--process `%s`", path);
  if (hr_exec_harden_buffer(buf, len, path, policy, changes, &out, &out_len, err) < 0)
    return -1;
  if (out == NULL || !policy->enforce)
    return 0;
  if (hr_write_file_atomic_at(dirfd, base, out, out_len, st.st_mode, st.st_uid, st.st_gid, err) < 0)
    return hr_error_prefix(err, "--process `%s`", path);
  return 0;
}

/* ---- exec's flags ------------------------------------------------------------------ */

/* strconv.Atoi, which runc uses for --user: an optional sign and decimal
 * digits, within int64 (no underscores, no base prefix). */
static int go_atoi(const char *s, size_t len, int64_t *ret)
{
  uint64_t mag = 0;
  size_t i = 0;
  bool neg = false;

  if (len > 0 && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == len)
    return -1;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9' || mag > (UINT64_MAX - 9) / 10)
      return -1;
    mag = mag * 10 + (uint64_t)(s[i] - '0');
  }
  if (mag > (uint64_t)INT64_MAX + neg)
    return -1;
  *ret = neg ? (int64_t)(0 - mag) : (int64_t)mag;
  return 0;
}

/* runc: uint32(Atoi(x)), which wraps: "-4294967296" is uid 0. */
static int parse_id(const char *s, size_t len, const char *what, uint32_t *ret,
                    struct hr_error *err)
{
  int64_t v;

  if (go_atoi(s, len, &v) < 0)
    return hr_error_input(err, "exec --user: %s \"%.*s\" is not an integer", what,
                          (int)(len < 64 ? len : 64), s);
  *ret = (uint32_t)(uint64_t)v;
  return 0;
}

static int add_u64(struct hr_json_doc *doc, struct hr_json *obj, const char *key, uint64_t v,
                   struct hr_error *err)
{
  struct hr_json *n = hr_json_new_u64(doc, v, err);

  return n != NULL ? hr_json_set(doc, obj, key, n, err) : -1;
}

/* "uid[:gid]" as {"uid": U, "gid": G}. */
static int add_user(struct hr_json_doc *doc, struct hr_json *process, const char *spec,
                    struct hr_error *err)
{
  const char *colon = strchr(spec, ':');
  struct hr_json *user = hr_json_new_object(doc, err);
  uint32_t uid = 0, gid = 0;

  if (user == NULL)
    return -1;
  if (parse_id(spec, colon ? (size_t)(colon - spec) : strlen(spec), "uid", &uid, err) < 0 ||
      add_u64(doc, user, "uid", uid, err) < 0)
    return -1;
  if (colon != NULL && (parse_id(colon + 1, strlen(colon + 1), "gid", &gid, err) < 0 ||
                        add_u64(doc, user, "gid", gid, err) < 0))
    return -1;
  return hr_json_set(doc, process, "user", user, err);
}

static int add_string(struct hr_json_doc *doc, struct hr_json *obj, const char *key, const char *v,
                      struct hr_error *err)
{
  struct hr_json *n = hr_json_new_string(doc, v, err);

  return n != NULL ? hr_json_set(doc, obj, key, n, err) : -1;
}

/* runc appends each --cap to four of the five sets (not inheritable). */
static const char *const flag_cap_sets[] = {"bounding", "effective", "permitted", "ambient"};

static int add_caps(struct hr_json_doc *doc, struct hr_json *process, const struct hr_argv *a,
                    struct hr_error *err)
{
  struct hr_json *caps = hr_json_new_object(doc, err);

  if (caps == NULL)
    return -1;
  for (size_t s = 0; s < HR_ARRAY_SIZE(flag_cap_sets); s++) {
    struct hr_json *arr = hr_json_new_array(doc, err);
    if (arr == NULL)
      return -1;
    for (size_t i = 0; i < a->n_flags; i++) {
      struct hr_json *v;
      if (strcmp(a->flags[i].name, "cap") != 0)
        continue;
      v = hr_json_new_string(doc, a->flags[i].value, err);
      if (v == NULL || hr_json_array_append(doc, arr, v, err) < 0)
        return -1;
    }
    if (hr_json_set(doc, caps, flag_cap_sets[s], arr, err) < 0)
      return -1;
  }
  return hr_json_set(doc, process, "capabilities", caps, err);
}

/* A string flag runc reads only when non-empty. */
static const char *string_flag(const struct hr_argv *a, const char *name)
{
  const struct hr_argv_flag *f = hr_argv_last_flag(a, name);

  return f != NULL && f->value != NULL && f->value[0] != '\0' ? f->value : NULL;
}

static bool has_flag(const struct hr_argv *a, const char *name)
{
  return hr_argv_last_flag(a, name) != NULL;
}

/* --no-new-privs is a Go boolean: "--no-new-privs" or "--no-new-privs=V". */
static int nnp_flag(const struct hr_argv *a, int *ret)
{
  const struct hr_argv_flag *f = hr_argv_last_flag(a, "no-new-privs");
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};

  *ret = -1;
  if (f == NULL)
    return 0;
  *ret = f->value == NULL;
  for (size_t i = 0; f->value != NULL && i < HR_ARRAY_SIZE(yes); i++)
    *ret |= strcmp(f->value, yes[i]) == 0;
  return 0;
}

/* What exec's flags ask for, as a process object over config.json's:
 * {"process": {"capabilities": ..., "noNewPrivileges": ..., ...}}, only
 * the fields the flags set. */
static int flags_doc(const struct hr_argv *a, struct hr_json_doc **ret, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.name = "exec flags"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json *process;
  const char *v;
  int nnp;
  static const char text[] = "{\"process\":{}}";

  if (hr_json_parse(text, sizeof(text) - 1, &opts, &doc, err) < 0)
    return -1;
  process = hr_json_get(hr_json_doc_root(doc), "process");
  if (has_flag(a, "cap") && add_caps(doc, process, a, err) < 0)
    return -1;
  nnp_flag(a, &nnp);
  if (nnp >= 0) {
    struct hr_json *b = hr_json_new_bool(doc, nnp == 1, err);
    if (b == NULL || hr_json_set(doc, process, "noNewPrivileges", b, err) < 0)
      return -1;
  }
  if ((v = string_flag(a, "apparmor")) != NULL &&
      add_string(doc, process, "apparmorProfile", v, err) < 0)
    return -1;
  if ((v = string_flag(a, "process-label")) != NULL &&
      add_string(doc, process, "selinuxLabel", v, err) < 0)
    return -1;
  if ((v = string_flag(a, "user")) != NULL && add_user(doc, process, v, err) < 0)
    return -1;
  *ret = get_and_reset(&doc);
  return 0;
}

#define MAX_FLAG_ADDS 512

/* The flags that say what the checked document says: every --cap left in
 * the bounding set (all four sets were filtered alike), --no-new-privs,
 * --apparmor and --process-label. */
static int flags_from_doc(struct hr_argv *a, const struct hr_json *process, struct hr_error *err)
{
  static const char *const rewritten[] = {"cap", "no-new-privs", "apparmor", "process-label", NULL};
  struct hr_argv_set add[MAX_FLAG_ADDS];
  const struct hr_json *bounding = hr_json_get_path(process, "capabilities.bounding");
  const struct hr_json *nnp = hr_json_get(process, "noNewPrivileges");
  const struct hr_json *aa = hr_json_get(process, "apparmorProfile");
  const struct hr_json *label = hr_json_get(process, "selinuxLabel");
  size_t n = 0;

  for (size_t i = 0; bounding != NULL && bounding->type == HR_JSON_ARRAY &&
                     i < bounding->u.array.len && n < MAX_FLAG_ADDS - 3;
       i++)
    if (bounding->u.array.items[i]->type == HR_JSON_STRING)
      add[n++] = (struct hr_argv_set){"cap", bounding->u.array.items[i]->u.string.s};
  if (bounding != NULL && bounding->type == HR_JSON_ARRAY && n < bounding->u.array.len)
    return hr_error_input(err, "exec: more than %d --cap flags", MAX_FLAG_ADDS - 3);
  if (nnp != NULL && nnp->type == HR_JSON_BOOL)
    add[n++] = (struct hr_argv_set){"no-new-privs", nnp->u.boolean ? NULL : "false"};
  if (aa != NULL && aa->type == HR_JSON_STRING && aa->u.string.s[0] != '\0')
    add[n++] = (struct hr_argv_set){"apparmor", aa->u.string.s};
  if (label != NULL && label->type == HR_JSON_STRING && label->u.string.s[0] != '\0')
    add[n++] = (struct hr_argv_set){"process-label", label->u.string.s};
  return hr_argv_set_flags(a, rewritten, add, n, err);
}

int hr_exec_harden_flags(struct hr_argv *a, const struct hr_policy *policy,
                         struct hr_changes *changes, struct hr_error *err)
{
  const struct hr_apply_ctx mode = {.overrides_only = true, .process_file = false};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *before = NULL, *after = NULL;
  size_t before_len, after_len;

  /* The document is built by edits, so it is "dirty" from the start: what
   * the controls changed shows in its text. */
  if (flags_doc(a, &doc, err) < 0 || hr_json_serialize(doc, &before, &before_len, err) < 0)
    return -1;
  if (hr_policy_apply_scope(policy, &mode, HR_SCOPE_PROCESS, doc, changes, err) < 0 ||
      hr_json_serialize(doc, &after, &after_len, err) < 0)
    return -1;
  /* The flags are rewritten only when a control changed what they ask. */
  if (before_len == after_len && memcmp(before, after, after_len) == 0)
    return 0;
  return flags_from_doc(a, hr_json_get(hr_json_doc_root(doc), "process"), err);
}

/* ---- runc's bundle label ------------------------------------------------------------ */

static bool bundle_label(const char *l)
{
  return strncmp(l, "bundle=", 7) == 0;
}

int hr_exec_read_state(const char *root_abs, const char *id, struct hr_json_doc **ret,
                       struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {
      .max_size = HR_SPEC_MAX_SIZE, .max_depth = HR_SPEC_MAX_DEPTH + 4, .name = "state.json"};
  cleanup_free char *dir = NULL, *buf = NULL;
  cleanup_close int dirfd = -1;
  size_t len;

  *ret = NULL;
  /* An id runc refuses names no state of runc's (and no path to follow). */
  if (id == NULL || !hr_state_id_valid(id))
    return 0;
  if ((dir = hr_strjoin(root_abs, "/", id, err)) == NULL)
    return -1;
  dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : hr_error_sys(err, "open `%s`", dir);
  if (hr_read_file_at(dirfd, "state.json", HR_SPEC_MAX_SIZE, &buf, &len, NULL, err) < 0) {
    if (err->code != ENOENT)
      return -1;
    *err = (struct hr_error){0};
    return 0;
  }
  if (hr_json_parse(buf, len, &opts, ret, err) < 0)
    return hr_error_prefix(err, "runc's state of `%s`", id);
  return 0;
}

int hr_exec_check_bundle_label(const struct hr_json_doc *state, const char *what,
                               struct hr_error *err)
{
  const struct hr_json *labels =
      state == NULL ? NULL : hr_json_get_path(hr_json_doc_root(state), "config.labels");

  if (labels == NULL || labels->type != HR_JSON_ARRAY)
    return 0;
  /* The last label is runc's own; runc's SearchLabels takes the first. */
  for (size_t i = 0; i + 1 < labels->u.array.len; i++) {
    const struct hr_json *l = labels->u.array.items[i];
    char q[HR_QUOTE_MAX];
    if (l->type != HR_JSON_STRING || !bundle_label(l->u.string.s))
      continue;
    hr_quote(q, sizeof(q), l->u.string.s + 7, l->u.string.len - 7);
    return hr_error_set(err, HR_ERR_REFUSED, 0,
                        "%s: the container carries the annotation \"bundle\" (%s): runc exec "
                        "without --process would load its process from that directory's "
                        "config.json; use --process",
                        what, q);
  }
  return 0;
}

/* The bundle of runc's own label, the last of config.labels ("bundle=DIR"),
 * copied into *ret; NULL when there is none. */
static int state_bundle(const struct hr_json_doc *doc, char **ret, struct hr_error *err)
{
  const struct hr_json *labels = hr_json_get_path(hr_json_doc_root(doc), "config.labels"), *l;

  *ret = NULL;
  if (labels == NULL || labels->type != HR_JSON_ARRAY || labels->u.array.len == 0)
    return 0;
  l = labels->u.array.items[labels->u.array.len - 1];
  if (l->type != HR_JSON_STRING || !bundle_label(l->u.string.s))
    return 0;
  *ret = hr_strdup(l->u.string.s + 7, err);
  return *ret == NULL ? -1 : 0;
}

/* The first change a control made (not an audit finding), or NULL. */
static const struct hr_change *first_change(const struct hr_changes *c)
{
  for (size_t i = 0; i < c->len; i++)
    if (!c->items[i].audit_only)
      return &c->items[i];
  return NULL;
}

int hr_exec_check_bundle_process(const struct hr_json_doc *state, const struct hr_policy *policy,
                                 struct hr_error *err)
{
  /* config.json's process is all runc takes, as from a --process file */
  const struct hr_apply_ctx mode = {.overrides_only = true, .process_file = true};
  const struct hr_json_parse_opts opts = {
      .max_size = HR_SPEC_MAX_SIZE, .max_depth = HR_SPEC_MAX_DEPTH, .name = "config.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *bundle = NULL, *buf = NULL, *path = NULL;
  cleanup_close int dirfd = -1;
  struct hr_changes changes = {0};
  const struct hr_change *c;
  char q[HR_QUOTE_MAX];
  struct stat st;
  size_t len;
  int r;

  if (state != NULL && state_bundle(state, &bundle, err) < 0)
    return -1;
  if (bundle == NULL)
    return 0;
  if ((path = hr_strjoin(bundle, "/", "config.json", err)) == NULL)
    return -1;
  hr_quote(q, sizeof(q), path, strlen(path));
  if (hr_spec_read_bundle(bundle, &dirfd, &buf, &len, &st, err) < 0 ||
      hr_host_sole_writer(path, "config.json", err) < 0)
    return hr_error_prefix(err, "exec without --process: runc reads the process from %s", q);
  if (hr_json_parse(buf, len, &opts, &doc, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-syntax\"", policy->name);
  r = hr_policy_apply_scope(policy, &mode, HR_SCOPE_PROCESS, doc, &changes, err);
  c = r == 0 && hr_json_doc_root(doc)->dirty ? first_change(&changes) : NULL;
  if (c != NULL)
    hr_error_set(err, HR_ERR_REFUSED, 0,
                 "profile \"%s\": rule \"%s\": %s: %s is not as create left it "
                 "(the rule would change this field): runc exec without --process takes the "
                 "process from it; use --process",
                 policy->name, c->rule, c->path, q);
  hr_changes_free(&changes);
  return r < 0 || c != NULL ? -1 : 0;
}

/* ---- the "user" control ------------------------------------------------------------ */

/* `true` is {"root": "refuse"}.  "fix" is refused: hardrun cannot know
 * which other user an image can run as. */
int hr_user_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                  struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "root", NULL};
  struct hr_policy_user out = {.root = HR_MODE_REFUSE};
  const struct hr_json *root;
  int r = hr_profile_section_begin(profile, section, keys, &out.enabled, err);

  if (r < 0)
    return -1;
  root = r > 0 ? hr_json_get(section, "root") : NULL;
  if (root != NULL) {
    if (hr_profile_get_mode(profile, root, &out.root, err) < 0)
      return -1;
    if (out.root == HR_MODE_FIX)
      return hr_profile_error(profile, root, err,
                              "user.root: \"fix\" is not supported (hardrun cannot choose a user "
                              "for the image); use \"refuse\", \"audit\" or \"off\"");
  }
  p->user = out;
  return 0;
}

bool hr_user_enabled(const struct hr_policy *p)
{
  return p->user.enabled && p->user.root != HR_MODE_OFF;
}

void hr_user_release(struct hr_policy *p)
{
}

/* A uint32 field of a mapping; absent or null is Go's zero value. */
static int mapping_field(const struct hr_json *m, const char *key, size_t i, uint64_t *ret,
                         struct hr_error *err)
{
  const struct hr_json *v = hr_json_get(m, key);

  *ret = 0;
  if (!hr_json_is_null(v) && (hr_json_get_u64(v, ret) < 0 || *ret > UINT32_MAX))
    return hr_error_input(err, "linux.uidMappings[%zu].%s: expected a 32-bit unsigned integer", i,
                          key);
  return 0;
}

/* The index of the spec's uid mapping that takes `uid` onto host uid 0,
 * or -1.  Under a user namespace of the spec's, uid 0 inside need not be
 * host root and another uid may be: host id = hostID + (uid - containerID),
 * all uint32, so it is 0 only for hostID 0 at uid == containerID. */
static int root_mapping(const struct hr_json *spec, uint64_t uid, ssize_t *ret,
                        struct hr_error *err)
{
  const struct hr_json *linux_obj = hr_json_get(spec, "linux"), *maps;

  *ret = -1;
  if (hr_json_is_null(linux_obj) || linux_obj->type != HR_JSON_OBJECT)
    return 0;
  maps = hr_json_get(linux_obj, "uidMappings");
  if (!hr_rule_spec_names_userns(hr_json_get(linux_obj, "namespaces")) || hr_json_is_null(maps))
    return 0;
  if (maps->type != HR_JSON_ARRAY)
    return hr_error_input(err, "linux.uidMappings: expected an array");
  for (size_t i = 0; i < maps->u.array.len; i++) {
    const struct hr_json *m = maps->u.array.items[i];
    uint64_t c, h, n;
    if (m->type != HR_JSON_OBJECT)
      return hr_error_input(err, "linux.uidMappings[%zu]: expected an object", i);
    if (mapping_field(m, "containerID", i, &c, err) < 0 ||
        mapping_field(m, "hostID", i, &h, err) < 0 || mapping_field(m, "size", i, &n, err) < 0)
      return -1;
    if (h == 0 && n > 0 && uid == c && *ret < 0)
      *ret = (ssize_t)i;
  }
  return 0;
}

/* The uid runc runs the process as: process.user.uid; an absent user or
 * uid is Go's zero value, root.  1: judged by config.json's user (exec
 * without --process or --user). */
static int process_uid(const struct hr_apply_ctx *ctx, uint64_t *ret, struct hr_error *err)
{
  const struct hr_json *process = hr_json_get(ctx->spec, "process"), *user, *uid;

  *ret = 0;
  if (hr_json_is_null(process))
    return 1;
  if (process->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process: expected an object");
  user = hr_json_get(process, "user");
  if (hr_json_is_null(user) && ctx->overrides_only && !ctx->process_file)
    return 1;
  if (!hr_json_is_null(user) && user->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process.user: expected an object");
  uid = hr_json_is_null(user) ? NULL : hr_json_get(user, "uid");
  if (!hr_json_is_null(uid) && (hr_json_get_u64(uid, ret) < 0 || *ret > UINT32_MAX))
    return hr_error_input(err, "process.user.uid: expected a 32-bit unsigned integer");
  return 0;
}

int hr_user_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  uint64_t v;
  ssize_t m;
  int r = process_uid(ctx, &v, err);

  if (r != 0)
    return r < 0 ? -1 : 0;
  if (v == 0) {
    if (ctx->policy->user.root == HR_MODE_AUDIT)
      return hr_apply_audit(ctx, "process.user.uid", err, "runs as root (uid 0)");
    return hr_apply_refuse(ctx, "process.user.uid", err, "the process would run as root (uid 0)");
  }
  if (root_mapping(ctx->spec, v, &m, err) < 0)
    return -1;
  if (m < 0)
    return 0;
  if (ctx->policy->user.root == HR_MODE_AUDIT)
    return hr_apply_audit(ctx, "process.user.uid", err,
                          "runs as host root (uid %" PRIu64
                          " maps onto host uid 0 through linux.uidMappings[%zd])",
                          v, m);
  return hr_apply_refuse(ctx, "process.user.uid", err,
                         "the process would run as host root (uid %" PRIu64
                         " maps onto host uid 0 through linux.uidMappings[%zd])",
                         v, m);
}

int hr_exec_check_cgroup(const struct hr_argv *a, const char *what, struct hr_error *err)
{
  for (size_t i = 0; i < a->n_flags; i++) {
    const char *v = a->flags[i].value, *p;
    char q[HR_QUOTE_MAX];
    if (strcmp(a->flags[i].name, "cgroup") != 0 || v == NULL)
      continue;
    for (p = v; *p != '\0'; p += strcspn(p, "/:"), p += *p != '\0') {
      size_t n = strcspn(p, "/:");
      if (n == 2 && p[0] == '.' && p[1] == '.')
        break;
    }
    if (*p == '\0')
      continue;
    hr_quote(q, sizeof(q), v, strlen(v));
    return hr_error_set(err, HR_ERR_REFUSED, 0,
                        "%s: exec --cgroup %s climbs out of the container's cgroup (\"..\"); "
                        "crun would put the process there, past the container's limits",
                        what, q);
  }
  return 0;
}
