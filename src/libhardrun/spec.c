/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/explain.h"
#include "hardrun/select.h"
#include "hardrun/spec.h"
#include "hardrun/utils.h"

/* The one way create and explain read a config.json: as runc's decoder
 * would accept it, with the same bounds and the same error wording. */
static struct hr_json_parse_opts spec_opts(const char *name)
{
  /* Comments are refused: runc's decoder would refuse them too, and a
   * document that means anything to hardrun must mean the same to runc. */
  return (struct hr_json_parse_opts){
      .max_size = HR_SPEC_MAX_SIZE,
      .max_depth = HR_SPEC_MAX_DEPTH,
      .allow_comments = false,
      .name = name,
  };
}

static int spec_parsed(int r, const struct hr_policy *policy, struct hr_error *err)
{
  if (r < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-syntax\"", policy->name);
  return 0;
}

static int spec_parse(const char *buf, size_t len, const char *name, const struct hr_policy *policy,
                      struct hr_json_doc **ret, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = spec_opts(name);

  return spec_parsed(hr_json_parse(buf, len, &opts, ret, err), policy, err);
}

int hr_spec_harden_buffer(const char *buf, size_t len, const char *name,
                          const struct hr_policy *policy, struct hr_changes *changes,
                          char **ret_out, size_t *ret_out_len, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  *ret_out = NULL;
  *ret_out_len = 0;
  if (spec_parse(buf, len, name, policy, &doc, err) < 0)
    return -1;
  if (hr_policy_apply(policy, doc, changes, err) < 0)
    return -1;
  if (!hr_json_doc_root(doc)->dirty)
    return 0;
  return hr_json_serialize(doc, ret_out, ret_out_len, err);
}

int hr_spec_explain_buffer(const char *buf, size_t len, const char *name,
                           const struct hr_policy *policy, struct hr_changes *changes,
                           struct hr_refusal_list *refusals, bool *ret_rewrite,
                           struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  *ret_rewrite = false;
  if (spec_parse(buf, len, name, policy, &doc, err) < 0)
    return -1;
  if (hr_policy_explain(policy, doc, changes, refusals, err) < 0)
    return -1;
  /* As hr_spec_harden_bundle: a profile that does not enforce writes
   * nothing. */
  *ret_rewrite = refusals->len == 0 && policy->enforce && hr_json_doc_root(doc)->dirty;
  return 0;
}

int hr_spec_choose_profile(const struct hr_conf *conf, const char *buf, size_t len, char **ret,
                           struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {
      .max_size = HR_SPEC_MAX_SIZE, .max_depth = HR_SPEC_MAX_DEPTH, .name = "config.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const char *name = conf->default_profile;
  long rule;

  *ret = NULL;
  if (hr_profile_select_needs_spec(conf, buf, len)) {
    if (hr_json_parse(buf, len, &opts, &doc, err) < 0)
      return hr_error_prefix(err, "rule \"profile-selection\"");
    if (hr_profile_select(conf, NULL, hr_json_get(hr_json_doc_root(doc), "annotations"), &name,
                          &rule, err) < 0)
      return hr_error_prefix(err, "rule \"profile-selection\"");
  }
  /* The name may point into the document, which goes with this scope. */
  *ret = hr_strdup(name, err);
  return *ret != NULL ? 0 : -1;
}

int hr_spec_read_bundle(const char *bundle, int *ret_dirfd, char **ret_buf, size_t *ret_len,
                        struct stat *ret_st, struct hr_error *err)
{
  const char *dir = bundle != NULL ? bundle : ".";
  cleanup_close int dirfd = -1;

  /* The bundle path itself is resolved like runc's chdir(bundle); only the
   * config.json inside it must not be a symlink. */
  dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return hr_error_sys(err, "open bundle `%s`", dir);
  if (hr_read_file_at(dirfd, "config.json", HR_SPEC_MAX_SIZE, ret_buf, ret_len, ret_st, err) < 0)
    return hr_error_prefix(err, "bundle `%s`", dir);
  *ret_dirfd = dirfd;
  dirfd = -1;
  return 0;
}

static int write_doc(int fd, void *doc, struct hr_error *err)
{
  return hr_json_serialize_fd(doc, fd, err);
}

int hr_spec_harden_read(const char *bundle, int dirfd, char **buf, size_t len,
                        const struct stat *st, const struct hr_policy *policy,
                        struct hr_changes *changes, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = spec_opts("config.json");
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  /* The document takes the buffer over and the new text goes to the file
   * as it is produced: a large config.json is held once, not three times. */
  if (spec_parsed(hr_json_parse_owned(buf, len, &opts, &doc, err), policy, err) < 0)
    return -1;
  if (hr_policy_apply(policy, doc, changes, err) < 0)
    return -1;
  /* A profile that does not enforce only records what it would change. */
  if (!hr_json_doc_root(doc)->dirty || !policy->enforce)
    return 0;
  if (hr_write_file_atomic_fill_at(dirfd, "config.json", write_doc, doc, st->st_mode, st->st_uid,
                                   st->st_gid, err) < 0)
    return hr_error_prefix(err, "bundle `%s`", bundle != NULL ? bundle : ".");
  return 0;
}

int hr_spec_harden_bundle(const char *bundle, const struct hr_policy *policy,
                          struct hr_changes *changes, struct hr_error *err)
{
  cleanup_close int dirfd = -1;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  struct stat st;

  if (hr_spec_read_bundle(bundle, &dirfd, &buf, &len, &st, err) < 0)
    return -1;
  return hr_spec_harden_read(bundle, dirfd, &buf, len, &st, policy, changes, err);
}
