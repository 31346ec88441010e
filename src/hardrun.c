/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hardrun: harden an OCI bundle, then become the real runtime.
 *
 * The whole program is a straight line: parse argv, and for commands that
 * carry a spec (create, run, restore) load the policy, rewrite config.json,
 * record the decision; then one execve.  No fork and no shell: hardrun sits
 * on the start path of every container. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/argv.h"
#include "hardrun/log.h"
#include "hardrun/policy.h"
#include "hardrun/spec.h"
#include "hardrun/utils.h"

extern char **environ;

/* Everything main needs to report an error the way runc would. */
struct run_state {
  struct hr_argv argv;
  struct hr_conf conf;
  bool have_conf;
};

static void report(const struct run_state *st, const struct hr_error *err)
{
  struct hr_error lerr = {0};
  char msg[HR_ERROR_MSG_MAX + 16];

  snprintf(msg, sizeof(msg), "hardrun: %s", err->msg);
  if (hr_log_line(st->argv.log, st->argv.log_format, "error", msg, &lerr) < 0 &&
      st->argv.log != NULL) {
    /* The log file is what containerd shows; if it cannot be written the
     * message must still go somewhere. */
    fprintf(stderr, "%s\n(and writing --log failed: %s)\n", msg, lerr.msg);
  }
}

static void warn(const struct run_state *st, const char *what, const char *detail)
{
  struct hr_error lerr = {0};
  char msg[HR_ERROR_MSG_MAX + 64];

  snprintf(msg, sizeof(msg), "hardrun: %s: %s", what, detail);
  /* Warnings go only to --log: containerd keeps the last *error* line, so a
   * warning there never replaces a real error, and without --log stderr is
   * the container's stdio on create, which must stay clean. */
  if (st->argv.log != NULL)
    hr_log_line(st->argv.log, st->argv.log_format, "warning", msg, &lerr);
}

static const char *runtime_path(const struct run_state *st)
{
  if (st->argv.hardrun_runtime != NULL)
    return st->argv.hardrun_runtime;
  if (st->have_conf && st->conf.runtime != NULL)
    return st->conf.runtime;
  return HR_DEFAULT_RUNTIME;
}

/* Exec'ing ourselves would loop forever, each round re-applying the policy;
 * catch a misconfigured runtime path instead. */
static int check_runtime(const char *path, struct hr_error *err)
{
  struct stat self, rt;

  if (path[0] != '/')
    return hr_error_profile(err, "runtime path must be absolute: %s", path);
  if (stat(path, &rt) < 0)
    return hr_error_sys(err, "runtime `%s`", path);
  if (stat("/proc/self/exe", &self) == 0 && self.st_dev == rt.st_dev && self.st_ino == rt.st_ino)
    return hr_error_profile(err, "runtime `%s` is hardrun itself; set the real runc", path);
  return 0;
}

static int exec_runtime(struct run_state *st, struct hr_error *err)
{
  const char *path = runtime_path(st);

  if (check_runtime(path, err) < 0)
    return -1;
  st->argv.runtime_argv[0] = (char *)path;
  execve(path, st->argv.runtime_argv, environ);
  return hr_error_sys(err, "exec runtime `%s`", path);
}

static void audit(struct run_state *st, const struct hr_policy *p, const char *profile,
                  const struct hr_changes *changes, const struct hr_error *refusal)
{
  struct hr_error aerr = {0};
  const struct hr_audit a = {
      .command = st->argv.command,
      .id = st->argv.id,
      .bundle = st->argv.bundle != NULL ? st->argv.bundle : ".",
      .profile = profile,
      .profile_path = p != NULL ? p->path : NULL,
      .changes = changes,
      .verdict = refusal == NULL ? "allowed" : "refused",
      .reason = refusal != NULL ? refusal->msg : NULL,
  };

  if (hr_audit_send(&a, st->conf.audit_socket, st->conf.audit_file, &aerr) < 0)
    warn(st, "audit record not delivered", aerr.msg);
}

static int harden(struct run_state *st, struct hr_error *err)
{
  cleanup_policy struct hr_policy *policy = NULL;
  struct hr_changes changes = {0};
  const char *name =
      st->argv.hardrun_profile != NULL ? st->argv.hardrun_profile : st->conf.default_profile;
  int ret;

  ret = hr_policy_load(&st->conf, name, &policy, err);
  if (ret == 0)
    ret = hr_spec_harden_bundle(st->argv.bundle, policy, &changes, err);
  audit(st, policy, name, &changes, ret < 0 ? err : NULL);
  hr_changes_free(&changes);
  return ret;
}

static int run(struct run_state *st, int argc, char **argv, struct hr_error *err)
{
  if (hr_argv_parse(argc, argv, &st->argv, err) < 0)
    return -1;
  if (st->argv.cls == HR_CLASS_HARDRUN)
    return hr_error_input(err, "`%s` is not implemented in this version", st->argv.command);
  if (st->argv.hardrun_runtime == NULL || st->argv.cls == HR_CLASS_SPEC) {
    if (hr_conf_load(st->argv.hardrun_config, &st->conf, err) < 0)
      return -1;
    st->have_conf = true;
  }
  if (st->argv.cls == HR_CLASS_SPEC && harden(st, err) < 0)
    return -1;
  return exec_runtime(st, err);
}

int main(int argc, char **argv)
{
  struct run_state st = {0};
  struct hr_error err = {0};

  run(&st, argc, argv, &err);
  /* Only reached on failure: success ends in execve. */
  report(&st, &err);
  if (st.have_conf)
    hr_conf_free(&st.conf);
  hr_argv_free(&st.argv);
  return 1;
}
