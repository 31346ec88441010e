/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `policy explain`: read a config.json the way create does and run the
 * controls on it through hr_spec_explain_buffer(), next to create's
 * hr_spec_harden_buffer() in spec.c.  Nothing is written. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/explain.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/lsm.h"
#include "hardrun/spec.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"

/* Standard input may be a pipe: read it to the end, within the bound a
 * config.json has. */
static int read_stdin(char **ret, size_t *ret_len, struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0;

  for (;;) {
    ssize_t n;
    if (len == cap) {
      char *nb;
      if (cap > HR_SPEC_MAX_SIZE)
        return hr_error_input(err, "-: larger than the limit of %u bytes", HR_SPEC_MAX_SIZE);
      cap = cap ? cap * 2 : 64 * 1024;
      nb = realloc(buf, cap + 1);
      if (nb == NULL)
        return hr_error_oom(err);
      buf = nb;
    }
    n = read(STDIN_FILENO, buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return hr_error_sys(err, "read standard input");
    if (n == 0)
      break;
    len += (size_t)n;
  }
  if (len > HR_SPEC_MAX_SIZE)
    return hr_error_input(err, "-: larger than the limit of %u bytes", HR_SPEC_MAX_SIZE);
  buf[len] = '\0';
  *ret = get_and_reset(&buf);
  *ret_len = len;
  return 0;
}

static int read_config(const char *bundle, const char *file, char **ret_buf, size_t *ret_len,
                       char **ret_name, struct hr_error *err)
{
  cleanup_close int dirfd = -1;

  if (bundle != NULL) {
    if (hr_spec_read_bundle(bundle, &dirfd, ret_buf, ret_len, NULL, err) < 0)
      return -1;
    return hr_asprintf(ret_name, err, "%s/config.json", bundle) < 0 ? -1 : 0;
  }
  if (strcmp(file, "-") == 0) {
    if (read_stdin(ret_buf, ret_len, err) < 0)
      return -1;
  } else if (hr_read_file(file, HR_SPEC_MAX_SIZE, ret_buf, ret_len, err) < 0) {
    return -1;
  }
  *ret_name = hr_strdup(file, err);
  return *ret_name != NULL ? 0 : -1;
}

/* The rules refused to choose a profile: create fails with that alone. */
static int selection_refused(struct hr_explain *e, const struct hr_error *why, struct hr_error *err)
{
  static const char prefix[] = "rule \"profile-selection\": ";
  struct hr_refusal *r = hr_calloc(1, sizeof(*r), err);

  if (r == NULL)
    return -1;
  r->rule = "profile-selection";
  r->full = hr_strdup(why->msg, err);
  r->message = hr_strdup(
      strncmp(why->msg, prefix, strlen(prefix)) == 0 ? why->msg + strlen(prefix) : why->msg, err);
  e->refusals = (struct hr_refusal_list){.items = r, .len = 1, .cap = 1};
  return r->full != NULL && r->message != NULL ? 0 : -1;
}

static int explain_with(const struct hr_conf *conf, const char *name, const char *buf, size_t len,
                        const char *doc_name, struct hr_explain *e, struct hr_error *err)
{
  const struct hr_userns_host dry = {.state_dir = conf->state_dir, .dry_run = true};
  cleanup_policy struct hr_policy *policy = NULL;
  struct hr_conf readonly = *conf;
  int r;

  /* No state directory: the seccomp validation cache is not written. */
  readonly.state_dir = NULL;
  if (hr_policy_load(&readonly, name, &policy, err) < 0)
    return -1;
  if ((e->profile_path = hr_strdup(policy->path, err)) == NULL)
    return -1;
  /* No container id, and the selinux control runs dry (the walk has a
   * refusal list): it reads the MCS table under the state directory to
   * tell whether a label's pair is held already, and reserves nothing. */
  hr_lsm_set_container(NULL, conf->state_dir);
  hr_userns_bind(&dry);
  r = hr_spec_explain_buffer(buf, len, doc_name, policy, &e->changes, &e->refusals, &e->rewrite,
                             err);
  hr_userns_bind(NULL);
  return r;
}

int hr_explain_config(const struct hr_conf *conf, const char *profile, const char *bundle,
                      const char *file, struct hr_explain *ret, struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  struct hr_explain e = {0};
  struct hr_error why = {0};
  size_t len = 0;
  int r;

  *ret = e;
  r = read_config(bundle, file, &buf, &len, &e.config, err);
  if (r == 0 && profile != NULL) {
    r = (e.profile = hr_strdup(profile, err)) != NULL ? 0 : -1;
  } else if (r == 0 && hr_spec_choose_profile(conf, buf, len, &e.profile, &why) < 0) {
    r = why.kind == HR_ERR_REFUSED ? selection_refused(&e, &why, err) : -1;
    if (why.kind != HR_ERR_REFUSED)
      *err = why;
  }
  /* create names the document "config.json" in its messages; so does
   * explain for a bundle, so that the two messages are the same. */
  if (r == 0 && e.profile != NULL)
    r = explain_with(conf, e.profile, buf, len, bundle != NULL ? "config.json" : e.config, &e, err);
  if (r < 0) {
    hr_explain_free(&e);
    return -1;
  }
  *ret = e;
  return 0;
}

void hr_explain_free(struct hr_explain *e)
{
  if (e == NULL)
    return;
  free(e->config);
  free(e->profile);
  free(e->profile_path);
  hr_changes_free(&e->changes);
  hr_refusal_list_free(&e->refusals);
  *e = (struct hr_explain){0};
}

/* The members of one change, as the audit record's JSON has them. */
static int change_json(struct hr_json_doc *doc, struct hr_json *arr, const struct hr_change *c,
                       struct hr_error *err)
{
  struct hr_json *o = hr_jb_obj(doc, arr, NULL, err);

  if (o == NULL || hr_jb_str(doc, o, "rule", c->rule, err) < 0 ||
      hr_jb_str(doc, o, "path", c->path, err) < 0)
    return -1;
  if (c->audit_only)
    return hr_jb_str(doc, o, "finding", c->old_value, err);
  if (hr_jb_str(doc, o, "old", c->old_value, err) < 0)
    return -1;
  return hr_jb_str(doc, o, "new", c->new_value, err);
}

int hr_explain_format_json(const struct hr_explain *e, char **ret, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = hr_jb_new(err);
  struct hr_json *root, *changes, *refusals;
  bool refused = e->refusals.len > 0;

  if (doc == NULL)
    return -1;
  root = hr_json_doc_root(doc);
  if (hr_jb_str(doc, root, "config", e->config, err) < 0 ||
      hr_jb_str(doc, root, "profile", e->profile, err) < 0 ||
      hr_jb_str(doc, root, "profilePath", e->profile_path, err) < 0 ||
      hr_jb_str(doc, root, "verdict", refused ? "refused" : "allowed", err) < 0 ||
      hr_jb_str(doc, root, "reason", refused ? e->refusals.items[0].full : NULL, err) < 0 ||
      hr_jb_bool(doc, root, "rewrite", e->rewrite, err) < 0)
    return -1;
  if ((changes = hr_jb_arr(doc, root, "changes", err)) == NULL)
    return -1;
  for (size_t i = 0; i < e->changes.len; i++)
    if (change_json(doc, changes, &e->changes.items[i], err) < 0)
      return -1;
  if ((refusals = hr_jb_arr(doc, root, "refusals", err)) == NULL)
    return -1;
  for (size_t i = 0; i < e->refusals.len; i++) {
    struct hr_json *o = hr_jb_obj(doc, refusals, NULL, err);
    if (o == NULL || hr_jb_str(doc, o, "rule", e->refusals.items[i].rule, err) < 0 ||
        hr_jb_str(doc, o, "message", e->refusals.items[i].message, err) < 0)
      return -1;
  }
  return hr_jb_finish(doc, ret, err);
}
