/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-container records: which profile each container was created with.
 *
 * hardrun execs runc and cannot act after it, so a record is written before
 * create's exec (a create that then fails leaves a record that the next
 * create of the same id overwrites) and removed before delete's exec. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hardrun/json.h"
#include "hardrun/rundir.h"
#include "hardrun/state.h"
#include "hardrun/utils.h"

#define RECORD_MAX_SIZE (64u * 1024)
#define RECORD_VERSION  1
#define RUNC_ROOT       "/run/runc"

bool hr_state_id_valid(const char *id)
{
  size_t n = id != NULL ? strlen(id) : 0;

  if (n == 0 || n > HR_STATE_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    bool word =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!word && !(c >= '+' && c <= '.'))
      return false;
  }
  return true;
}

void hr_state_record_free(struct hr_state_record *r)
{
  if (r == NULL)
    return;
  free(r->id);
  free(r->root);
  free(r->profile);
  free(r->profile_path);
  free(r->bundle);
  free(r->created);
  *r = (struct hr_state_record){0};
}

int hr_state_root_abs(const char *root, char **ret, struct hr_error *err)
{
  cleanup_free char *cwd = NULL, *joined = NULL;

  *ret = NULL;
  if (root == NULL)
    root = RUNC_ROOT;
  if (root[0] == '/') {
    *ret = hr_path_clean(root, err);
    return *ret != NULL ? 0 : -1;
  }
  /* filepath.Abs: relative to the working directory, which runc shares. */
  cwd = getcwd(NULL, 0);
  if (cwd == NULL)
    return hr_error_sys(err, "getcwd for --root `%s`", root);
  if (hr_asprintf(&joined, err, "%s/%s", cwd, root) < 0)
    return -1;
  *ret = hr_path_clean(joined, err);
  return *ret != NULL ? 0 : -1;
}

/* FNV-1a: the key only spreads roots over directories; the record repeats
 * the root, so a collision is detected, never confused. */
static void root_key(const char *root, char out[17])
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);

  for (const unsigned char *p = (const unsigned char *)root; *p != '\0'; p++) {
    h ^= *p;
    h *= UINT64_C(0x100000001b3);
  }
  snprintf(out, 17, "%016" PRIx64, h);
}

/* The directory of root's records and the record's file name.  Returns the
 * directory fd, -1 on error, -2 when absent and not `create`. */
static int open_root_dir(const char *state_dir, const char *root_abs, const char *id, bool create,
                         char name[HR_STATE_ID_MAX + 8], struct hr_error *err)
{
  cleanup_close int top = -1;
  char key[17];

  if (!hr_state_id_valid(id))
    return hr_error_input(err,
                          "container id \"%.80s\" is not valid for runc or too long (at most %d "
                          "characters of [A-Za-z0-9_+,.-])",
                          id != NULL ? id : "", HR_STATE_ID_MAX);
  if (state_dir == NULL || state_dir[0] != '/')
    return hr_error_profile(err, "stateDir must be an absolute path");
  top = hr_rundir_open(AT_FDCWD, state_dir, state_dir, create, err);
  if (top < 0)
    return top;
  root_key(root_abs, key);
  snprintf(name, HR_STATE_ID_MAX + 8, "%s.json", id);
  return hr_rundir_open(top, key, state_dir, create, err);
}

static int set_string(struct hr_json_doc *doc, struct hr_json *obj, const char *key, const char *v,
                      struct hr_error *err)
{
  struct hr_json *node = hr_json_new_string(doc, v != NULL ? v : "", err);

  return node != NULL ? hr_json_set(doc, obj, key, node, err) : -1;
}

static int set_cpu(struct hr_json_doc *doc, struct hr_json *root, const struct hr_state_cpu *cpu,
                   struct hr_error *err)
{
  struct hr_json *obj, *q, *p;

  if (!cpu->known)
    return 0;
  obj = hr_json_new_object(doc, err);
  q = hr_json_new_i64(doc, cpu->quota, err);
  p = hr_json_new_u64(doc, cpu->period, err);
  if (obj == NULL || q == NULL || p == NULL || hr_json_set(doc, obj, "quota", q, err) < 0 ||
      hr_json_set(doc, obj, "period", p, err) < 0)
    return -1;
  return hr_json_set(doc, root, "cpu", obj, err);
}

static int now_rfc3339(char *buf, size_t size)
{
  return hr_format_utc((int64_t)time(NULL), buf, size);
}

/* The record as JSON text; the json layer does the escaping. */
static int record_text(const struct hr_state_record *rec, char **ret, size_t *ret_len,
                       struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.name = "state record"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json *root, *version;
  char now[32];

  if (hr_json_parse("{}", 2, &opts, &doc, err) < 0)
    return -1;
  root = hr_json_doc_root(doc);
  if (rec->created == NULL && now_rfc3339(now, sizeof(now)) < 0)
    return hr_error_sys(err, "format the time");
  version = hr_json_new_i64(doc, RECORD_VERSION, err);
  if (version == NULL || hr_json_set(doc, root, "version", version, err) < 0 ||
      set_string(doc, root, "id", rec->id, err) < 0 ||
      set_string(doc, root, "root", rec->root, err) < 0 ||
      set_string(doc, root, "profile", rec->profile, err) < 0 ||
      set_string(doc, root, "profilePath", rec->profile_path, err) < 0 ||
      set_string(doc, root, "bundle", rec->bundle, err) < 0 ||
      set_string(doc, root, "created", rec->created != NULL ? rec->created : now, err) < 0 ||
      set_cpu(doc, root, &rec->cpu, err) < 0)
    return -1;
  return hr_json_serialize(doc, ret, ret_len, err);
}

int hr_state_save(const char *state_dir, const struct hr_state_record *rec, struct hr_error *err)
{
  cleanup_close int dirfd = -1;
  cleanup_free char *text = NULL;
  char name[HR_STATE_ID_MAX + 8];
  size_t len;

  if (rec->root == NULL || rec->root[0] != '/')
    return hr_error_input(err, "state record: the runc root must be absolute");
  dirfd = open_root_dir(state_dir, rec->root, rec->id, true, name, err);
  if (dirfd < 0)
    return -1;
  /* No fsync (hr_replace_file_at): a record describes a container that a
   * crash ends anyway, while create would wait for the sync (half a
   * millisecond on a disk-backed /run).  A record a crash left half-written
   * fails to parse and is refused, never guessed. */
  if (record_text(rec, &text, &len, err) < 0 ||
      hr_replace_file_at(dirfd, name, text, len, 0600, err) < 0)
    return hr_error_prefix(err, "state record of container %s", rec->id);
  return 0;
}

/* A required string member of the record, copied. */
static int get_string(const struct hr_json *root, const char *key, char **ret, struct hr_error *err)
{
  const struct hr_json *v = hr_json_get(root, key);

  if (v == NULL || v->type != HR_JSON_STRING)
    return hr_error_input(err, "%s: expected a string", key);
  *ret = hr_strdup(v->u.string.s, err);
  return *ret != NULL ? 0 : -1;
}

static int get_cpu(const struct hr_json *root, struct hr_state_cpu *ret, struct hr_error *err)
{
  const struct hr_json *cpu = hr_json_get(root, "cpu");

  *ret = (struct hr_state_cpu){0};
  if (cpu == NULL)
    return 0;
  if (cpu->type != HR_JSON_OBJECT || hr_json_get_i64(hr_json_get(cpu, "quota"), &ret->quota) < 0 ||
      hr_json_get_u64(hr_json_get(cpu, "period"), &ret->period) < 0)
    return hr_error_input(err, "cpu: expected {\"quota\": int64, \"period\": uint64}");
  ret->known = true;
  return 0;
}

static int parse_record(const char *buf, size_t len, struct hr_state_record *ret,
                        struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.max_size = RECORD_MAX_SIZE, .name = "state record"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_state_record r = {0};
  const struct hr_json *root;
  int64_t version;

  if (hr_json_parse(buf, len, &opts, &doc, err) < 0)
    return -1;
  root = hr_json_doc_root(doc);
  if (hr_json_get_i64(hr_json_get(root, "version"), &version) < 0 || version != RECORD_VERSION)
    return hr_error_input(err, "version: expected %d", RECORD_VERSION);
  if (get_string(root, "id", &r.id, err) < 0 || get_string(root, "root", &r.root, err) < 0 ||
      get_string(root, "profile", &r.profile, err) < 0 ||
      get_string(root, "profilePath", &r.profile_path, err) < 0 ||
      get_string(root, "bundle", &r.bundle, err) < 0 ||
      get_string(root, "created", &r.created, err) < 0 || get_cpu(root, &r.cpu, err) < 0) {
    hr_state_record_free(&r);
    return -1;
  }
  *ret = r;
  return 0;
}

int hr_state_load(const char *state_dir, const char *root, const char *id,
                  struct hr_state_record *ret, struct hr_error *err)
{
  cleanup_free char *root_abs = NULL, *buf = NULL;
  cleanup_close int dirfd = -1;
  char name[HR_STATE_ID_MAX + 8];
  struct hr_state_record r = {0};
  size_t len;

  *ret = (struct hr_state_record){0};
  if (hr_state_root_abs(root, &root_abs, err) < 0)
    return -1;
  dirfd = open_root_dir(state_dir, root_abs, id, false, name, err);
  if (dirfd == -2)
    return 0;
  if (dirfd < 0)
    return -1;
  if (hr_read_file_at(dirfd, name, RECORD_MAX_SIZE, &buf, &len, NULL, err) < 0) {
    if (err->kind == HR_ERR_SYSTEM && err->code == ENOENT)
      return 0;
    return hr_error_prefix(err, "state record of container %s", id);
  }
  if (parse_record(buf, len, &r, err) < 0)
    return hr_error_prefix(err, "state record of container %s in %s", id, state_dir);
  if (strcmp(r.root, root_abs) != 0 || strcmp(r.id, id) != 0) {
    hr_state_record_free(&r);
    return 0;
  }
  *ret = r;
  return 1;
}

int hr_state_remove(const char *state_dir, const char *root, const char *id, struct hr_error *err)
{
  cleanup_free char *root_abs = NULL;
  cleanup_close int dirfd = -1;
  char name[HR_STATE_ID_MAX + 8];

  if (hr_state_root_abs(root, &root_abs, err) < 0)
    return -1;
  dirfd = open_root_dir(state_dir, root_abs, id, false, name, err);
  if (dirfd == -2)
    return 0;
  if (dirfd < 0)
    return -1;
  if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
    return hr_error_sys(err, "remove the state record of container %s", id);
  return 0;
}
