/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hardrun: harden an OCI bundle, then become the real runtime.
 *
 * The whole program is a straight line: parse argv, and for commands that
 * carry a spec (create, run, restore) load the policy, rewrite config.json,
 * record which profile the container got; for exec and update look that
 * record up and hold the new process or the new limits to the same profile;
 * for delete drop the record; report the decision; then one execve.  No
 * fork and no shell: hardrun sits on the start path of every container.
 * hardrun's own commands (policy, doctor) are handed to cmd-*.c and never
 * reach the runtime. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "hardrun/argv.h"
#include "hardrun/controls.h"
#include "hardrun/log.h"
#include "hardrun/passcache.h"
#include "hardrun/lsm.h"
#include "hardrun/policy.h"
#include "hardrun/refusals.h"
#include "hardrun/json.h"
#include "hardrun/spec.h"
#include "hardrun/state.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"
#include "prestart.h"

extern char **environ;

/* Everything main needs to report an error the way runc would. */
struct run_state {
  struct hr_argv argv;
  struct hr_conf conf;
  bool have_conf;
  char *chosen; /* the profile name hardrun.conf's rules chose */
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
                  const char *bundle, const struct hr_changes *changes,
                  const struct hr_error *refusal)
{
  struct hr_error aerr = {0};
  const struct hr_audit a = {
      .command = st->argv.command,
      .id = st->argv.id,
      .bundle = bundle,
      .profile = profile,
      .profile_path = p != NULL ? p->path : NULL,
      .changes = changes,
      .verdict = refusal == NULL ? "allowed" : "refused",
      .reason = refusal != NULL ? refusal->msg : NULL,
  };

  if (hr_audit_send(&a, st->conf.audit_socket, st->conf.audit_file, &aerr) < 0)
    warn(st, "audit record not delivered", aerr.msg);
}

/* runc's --root and the bundle as absolute, clean paths: how the state
 * record and the id slice name the container. */
static int container_paths(const struct run_state *st, char **ret_root, char **ret_bundle,
                           struct hr_error *err)
{
  cleanup_free char *root = NULL, *bundle = NULL, *cwd = NULL;
  const char *b = st->argv.bundle != NULL ? st->argv.bundle : ".";

  if (hr_state_root_abs(st->argv.root, &root, err) < 0)
    return -1;
  if (b[0] == '/') {
    bundle = hr_path_clean(b, err);
  } else if ((cwd = getcwd(NULL, 0)) == NULL) {
    return hr_error_sys(err, "getcwd");
  } else if (hr_asprintf(&bundle, err, "%s/%s", cwd, b) == 0) {
    char *clean = hr_path_clean(bundle, err);
    free(bundle);
    bundle = clean;
  }
  if (bundle == NULL)
    return -1;
  *ret_root = get_and_reset(&root);
  *ret_bundle = get_and_reset(&bundle);
  return 0;
}

/* The record exec and update will look up.  Written before runc runs: a
 * create that then fails leaves a record the next create of that id
 * replaces. */
static int record(struct run_state *st, const struct hr_policy *policy, const char *root,
                  const char *bundle, struct hr_error *err)
{
  const struct hr_state_record rec = {
      .id = (char *)st->argv.id,
      .root = (char *)root,
      .profile = policy->name,
      .profile_path = policy->path,
      .bundle = (char *)bundle,
  };

  /* runc refuses a create without an id; there is nothing to record. */
  if (st->argv.id == NULL)
    return 0;
  return hr_state_save(st->conf.state_dir, &rec, err);
}

/* The profile of a new container: --hardrun-profile, else hardrun.conf's
 * rules on the spec's annotations (as policy explain chooses it), read
 * from the same bytes that are then hardened. */
static int choose_profile(struct run_state *st, const char *buf, size_t len, const char **ret_name,
                          struct hr_error *err)
{
  *ret_name = st->argv.hardrun_profile;
  if (st->argv.hardrun_profile != NULL)
    return 0;
  if (hr_spec_choose_profile(&st->conf, buf, len, &st->chosen, err) < 0)
    return -1;
  *ret_name = st->chosen;
  return 0;
}

/* config.json is read once: the profile is chosen on the document the
 * policy is applied to, which no other writer can swap in between. */
static int harden_spec(struct run_state *st, struct hr_policy **policy, const char **name,
                       struct hr_userns_host *host, struct hr_changes *changes,
                       struct hr_error *err)
{
  cleanup_close int dirfd = -1;
  cleanup_free char *buf = NULL, *path = NULL;
  size_t len = 0;
  struct stat sb;

  if (hr_spec_read_bundle(st->argv.bundle, &dirfd, &buf, &len, &sb, err) < 0)
    return -1;
  /* runc reads config.json again, by name, after the exec.  Asked after
   * the read, so that a missing file gets the reader's message. */
  path = st->argv.bundle != NULL ? hr_strjoin(st->argv.bundle, "/", "config.json", err)
                                 : hr_strdup("config.json", err);
  if (path == NULL)
    return -1;
  if (hr_host_sole_writer(path, "config.json", err) < 0)
    return hr_error_prefix(err, "bundle `%s`", st->argv.bundle ? st->argv.bundle : ".");
  if (choose_profile(st, buf, len, name, err) < 0 ||
      hr_policy_load(&st->conf, *name, policy, err) < 0)
    return -1;
  /* restore's flags can undo the LSM controls before anything is written. */
  (*policy)->refusals.restore.restoring = strcmp(st->argv.command, "restore") == 0;
  if ((*policy)->refusals.restore.restoring && (*policy)->enforce &&
      hr_lsm_restore_flags(&st->argv, *policy, err) < 0)
    return -1;
  /* A profile that does not enforce takes no ids and changes no ACL. */
  host->dry_run = !(*policy)->enforce;
  (*policy)->seccomp.runtime_bpf = hr_conf_runtime_bpf(&st->conf, runtime_path(st));
  return hr_spec_harden_read(st->argv.bundle, dirfd, &buf, len, &sb, *policy, changes, err);
}

static int harden(struct run_state *st, struct hr_error *err)
{
  cleanup_policy struct hr_policy *policy = NULL;
  cleanup_free char *root = NULL, *bundle = NULL;
  struct hr_changes changes = {0};
  const char *name = NULL;
  struct hr_userns_host host = {.state_dir = st->conf.state_dir, .id = st->argv.id};
  int ret;

  hr_lsm_set_container(st->argv.id, st->conf.state_dir);
  ret = container_paths(st, &root, &bundle, err);
  host.root = root;
  host.bundle = bundle;
  hr_userns_bind(&host);
  if (ret == 0)
    ret = harden_spec(st, &policy, &name, &host, &changes, err);
  if (ret == 0)
    ret = record(st, policy, root, bundle, err);
  /* Never leave a half-applied policy: ids taken for a container that
   * will not start go back to the pool. */
  if (ret < 0)
    hr_userns_abort();
  hr_userns_bind(NULL);
  audit(st, policy, name != NULL ? name : "(none)", st->argv.bundle != NULL ? st->argv.bundle : ".",
        &changes, ret < 0 ? err : NULL);
  hr_changes_free(&changes);
  return ret;
}

/* The profile of the container exec or update is aimed at: the one its
 * record names.  A name that comes with the command (--hardrun-profile in
 * runtimeArgs) is not trusted.  Without a record (a container created
 * before hardrun was installed, or whose record a failed delete removed)
 * the default profile, the admin's baseline, applies. */
static int later_policy(struct run_state *st, struct hr_state_record *rec, struct hr_policy **ret,
                        const char **ret_name, struct hr_error *err)
{
  int found;

  if (st->argv.id == NULL)
    return hr_error_input(err, "%s: container id cannot be empty", st->argv.command);
  found = hr_state_load(st->conf.state_dir, st->argv.root, st->argv.id, rec, err);
  if (found < 0)
    return -1;
  *ret_name = found ? rec->profile : st->conf.default_profile;
  if (found == 0)
    warn(st, "no state record", "the default profile applies");
  return hr_policy_load(&st->conf, *ret_name, ret, err);
}

/* Under a profile that does not enforce, the flag forms of exec and update
 * are passed on untouched: they live in argv, which is not rewritten to
 * be looked at.  The record says so instead of staying silent. */
static int not_evaluated(struct hr_changes *changes, struct hr_error *err)
{
  int r = hr_changes_add_text(changes, "enforce", "argv",
                              "not evaluated: the profile does not enforce", "", err);

  if (r == 0 && changes->len > 0)
    changes->items[changes->len - 1].audit_only = true;
  return r;
}

/* exec's flag form: runc starts from the config.json its bundle label
 * names, which must be the bundle create hardened, as create left it. */
static int exec_flags(struct run_state *st, const struct hr_policy *policy, const char *name,
                      struct hr_changes *changes, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *state = NULL;
  cleanup_free char *root = NULL, *what = NULL;

  if (hr_state_root_abs(st->argv.root, &root, err) < 0 ||
      hr_asprintf(&what, err, "profile \"%s\": rule \"runtime-annotations\"", name) < 0 ||
      hr_exec_read_state(root, st->argv.id, &state, err) < 0 ||
      hr_exec_check_bundle_label(state, what, err) < 0 ||
      hr_exec_check_bundle_process(state, policy, err) < 0)
    return -1;
  return hr_exec_harden_flags(&st->argv, policy, changes, err);
}

static int exec_cgroup(struct run_state *st, const char *name, struct hr_error *err)
{
  cleanup_free char *what = NULL;

  if (hr_asprintf(&what, err, "profile \"%s\": rule \"host-namespaces\"", name) < 0)
    return -1;
  return hr_exec_check_cgroup(&st->argv, what, err);
}

/* crun 1.8's exec without --process does not take config.json's user, as
 * runc does: the process runs as uid 0.  With crun, the flag form must say
 * who it runs as (and the user rule then judges that). */
static int exec_crun_user(struct run_state *st, const char *name, struct hr_error *err)
{
  const struct hr_argv_flag *u = hr_argv_last_flag(&st->argv, "user");

  if (st->argv.process != NULL || !hr_runtime_is_crun(runtime_path(st)) ||
      (u != NULL && u->value != NULL && u->value[0] != '\0'))
    return 0;
  return hr_error_set(err, HR_ERR_REFUSED, 0,
                      "profile \"%s\": rule \"user\": process.user: crun runs exec without "
                      "--process as uid 0, not as config.json's user; give --user or --process",
                      name);
}

static int exec_harden(struct run_state *st, struct hr_error *err)
{
  cleanup_policy struct hr_policy *policy = NULL;
  struct hr_state_record rec = {0};
  struct hr_changes changes = {0};
  const char *name = NULL;
  int ret;

  hr_lsm_set_container(st->argv.id, st->conf.state_dir);
  ret = later_policy(st, &rec, &policy, &name, err);
  if (ret == 0 && policy->enforce)
    ret = exec_cgroup(st, name, err);
  if (ret == 0 && policy->enforce)
    ret = exec_crun_user(st, name, err);
  if (ret == 0 && st->argv.process != NULL)
    ret = hr_exec_harden_file(st->argv.process, policy, &changes, err);
  else if (ret == 0 && policy->enforce)
    ret = exec_flags(st, policy, name, &changes, err);
  else if (ret == 0)
    ret = not_evaluated(&changes, err);
  audit(st, policy, name, rec.bundle, &changes, ret < 0 ? err : NULL);
  hr_changes_free(&changes);
  hr_state_record_free(&rec);
  return ret;
}

/* The CPU bandwidth runc holds for the container: the last one hardrun
 * passed to update, else the one create wrote into the bundle. */
static void current_cpu(const struct hr_state_record *rec, struct hr_state_cpu *ret)
{
  cleanup_free char *buf = NULL;
  cleanup_close int dirfd = -1;
  struct hr_error ignored = {0};
  size_t len;

  *ret = rec->cpu;
  if (ret->known || rec->bundle == NULL)
    return;
  dirfd = open(rec->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0 &&
      hr_read_file_at(dirfd, "config.json", HR_SPEC_MAX_SIZE, &buf, &len, NULL, &ignored) == 0)
    hr_update_cpu_from_spec(buf, len, ret, &ignored);
}

static int update_harden(struct run_state *st, struct hr_error *err)
{
  cleanup_policy struct hr_policy *policy = NULL;
  struct hr_state_record rec = {0};
  struct hr_changes changes = {0};
  struct hr_state_cpu now, after = {0};
  const char *name = NULL;
  int ret, fd = -1;

  ret = later_policy(st, &rec, &policy, &name, err);
  if (ret == 0 && !policy->enforce) {
    ret = not_evaluated(&changes, err);
  } else if (ret == 0) {
    current_cpu(&rec, &now);
    ret = hr_update_harden(&st->argv, policy, &now, &changes, &after, &fd, err);
  }
  /* runc update reads its body from stdin; the clamped one is in `fd`. */
  if (ret == 0 && fd >= 0 && dup2(fd, STDIN_FILENO) < 0)
    ret = hr_error_sys(err, "hand the resources to runc on stdin");
  if (fd >= 0)
    close(fd);
  if (ret == 0 && rec.id != NULL && after.known &&
      (after.quota != rec.cpu.quota || after.period != rec.cpu.period || !rec.cpu.known)) {
    struct hr_error serr = {0};
    rec.cpu = after;
    if (hr_state_save(st->conf.state_dir, &rec, &serr) < 0)
      warn(st, "state record not updated", serr.msg);
  }
  audit(st, policy, name, rec.bundle, &changes, ret < 0 ? err : NULL);
  hr_changes_free(&changes);
  hr_state_record_free(&rec);
  return ret;
}

/* Go's strconv.ParseBool, which runc's flag package uses for --force=V. */
static bool go_true(const char *v)
{
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};

  if (v == NULL)
    return true;
  for (size_t i = 0; i < HR_ARRAY_SIZE(yes); i++)
    if (strcmp(v, yes[i]) == 0)
      return true;
  return false;
}

static int release_ids(struct run_state *st, struct hr_error *err)
{
  const struct hr_argv_flag *force = hr_argv_last_flag(&st->argv, "force");
  cleanup_free char *root = NULL;

  if (hr_state_root_abs(st->argv.root, &root, err) < 0)
    return -1;
  return hr_userns_forget(st->conf.state_dir, root, st->argv.id,
                          force != NULL && go_true(force->value), err);
}

/* Before runc's delete, since nothing runs after it.  Never fatal: a record
 * left behind is replaced by the next create of the id. */
static void forget(struct run_state *st)
{
  struct hr_error lerr = {0};

  if (st->argv.id == NULL || !st->have_conf)
    return;
  if (hr_state_remove(st->conf.state_dir, st->argv.root, st->argv.id, &lerr) < 0)
    warn(st, "state record not removed", lerr.msg);
  if (hr_mcs_release(st->conf.state_dir, st->argv.id, &lerr) < 0)
    warn(st, "SELinux categories not released", lerr.msg);
  if (release_ids(st, &lerr) < 0)
    warn(st, "user-namespace ids not released", lerr.msg);
}

/* Let the next pass-through with these hardrun.conf bytes skip this full
 * path (src/prestart.c).  Only an optimisation: a cache that cannot be
 * written leaves every pass-through on the full path, as before. */
static void remember_runtime(const struct run_state *st)
{
  char cached[HR_PASSCACHE_PATH_MAX + 1];
  struct hr_error ignored = {0};

  if (!HR_PRESTART_ENTRY || st->conf.src == NULL || st->argv.hardrun_runtime != NULL)
    return;
  if (hr_prestart_cached_runtime(st->argv.hardrun_config, cached, sizeof(cached)) &&
      strcmp(cached, st->conf.runtime) == 0)
    return;
  hr_passcache_store(st->conf.path, st->conf.src, st->conf.src_len, st->conf.runtime, &ignored);
}

/* hardrun reads argv as runc does (Go's flag package), crun with argp.
 * They part on a long flag given with one dash: "-bundle=B" is --bundle
 * to runc and hardrun, "-b undle=B" to crun, and exec's "-pid-file=F" is
 * crun's "-p id-file=F", a process file no check read.  And exec's
 * "--process -" is a file named "-" to runc and hardrun, stdin to crun.
 * Refused, with crun as the runtime, for the commands whose flags hardrun
 * reads. */
static int crun_argv(const struct run_state *st, struct hr_error *err)
{
  const struct hr_argv *a = &st->argv;

  if (!hr_runtime_is_crun(runtime_path(st)))
    return 0;
  /* crun 1.8 takes --rootless VALUE as its --root: the container would
   * live under another state root than the one hardrun keys it by. */
  for (int i = 1; i < a->command_index; i++) {
    const char *w = a->runtime_argv[i];
    if (w[0] != '-')
      continue;
    w += w[1] == '-' ? 2 : 1;
    if (strncmp(w, "rootless", 8) == 0 && (w[8] == '\0' || w[8] == '='))
      return hr_error_input(err,
                            "argv: %.64s: crun reads --rootless as its --root (the state "
                            "directory); leave it out",
                            a->runtime_argv[i]);
  }
  for (size_t i = 0; i < a->n_flags; i++) {
    const char *w = a->runtime_argv[a->flags[i].index];
    /* "-d" is a short flag to both; "-detach" only to Go. */
    if (w[0] == '-' && w[1] != '-' && strcspn(w + 1, "=") > 1)
      return hr_error_input(err,
                            "argv: %.64s: crun reads a long flag given with one dash as short "
                            "flags; write --%s",
                            w, a->flags[i].name);
  }
  if (a->process != NULL && strcmp(a->process, "-") == 0)
    return hr_error_input(err, "argv: --process -: crun reads the process from standard input, "
                               "which hardrun does not check; give a file");
  return 0;
}

static int run(struct run_state *st, struct hr_error *err)
{
  enum hr_cmd_class cls = st->argv.cls;

  if (st->argv.hardrun_runtime == NULL || cls != HR_CLASS_PASSTHROUGH) {
    int r = hr_conf_load(st->argv.hardrun_config, &st->conf, err);
    /* A broken hardrun.conf must not keep containers from being deleted. */
    if (r < 0 && !(cls == HR_CLASS_DELETE && st->argv.hardrun_runtime != NULL))
      return -1;
    st->have_conf = r == 0;
  }
  if ((cls == HR_CLASS_SPEC || cls == HR_CLASS_EXEC || cls == HR_CLASS_UPDATE) &&
      crun_argv(st, err) < 0)
    return -1;
  /* Before anything is written: a refusal leaves config.json as it was. */
  if ((cls == HR_CLASS_SPEC || cls == HR_CLASS_EXEC) &&
      hr_argv_check_passed_fds(&st->argv, getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(),
                               err) < 0)
    return -1;
  if (cls == HR_CLASS_SPEC && harden(st, err) < 0)
    return -1;
  if (cls == HR_CLASS_EXEC && exec_harden(st, err) < 0)
    return -1;
  if (cls == HR_CLASS_UPDATE && update_harden(st, err) < 0)
    return -1;
  if (cls == HR_CLASS_DELETE)
    forget(st);
  if (cls == HR_CLASS_PASSTHROUGH && st->have_conf)
    remember_runtime(st);
  return exec_runtime(st, err);
}

int main(int argc, char **argv)
{
  struct run_state st = {0};
  struct hr_error err = {0};

  if (hr_argv_parse(argc, argv, &st.argv, &err) == 0) {
    if (st.argv.cls == HR_CLASS_HARDRUN) {
      int rc = cmd_tool(&st.argv);
      hr_argv_free(&st.argv);
      return rc;
    }
    run(&st, &err);
  }
  /* Only reached on failure: success ends in execve. */
  report(&st, &err);
  if (st.have_conf)
    hr_conf_free(&st.conf);
  free(st.chosen);
  hr_argv_free(&st.argv);
  return 1;
}
