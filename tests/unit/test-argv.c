/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hr_argv_parse against what runc 1.1.5 (Debian bookworm, urfave/cli
 * 1.22.9) does with the same command line.  Rows marked "runc:" were run
 * against /usr/sbin/runc with nonexistent bundles, whose "chdir <bundle>"
 * error shows which bundle runc took; "Incorrect Usage" means runc refused
 * the argument count. */
#include "config.h"

#include "unit.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hardrun/argv.h"

#define PASS    HR_CLASS_PASSTHROUGH
#define SPEC    HR_CLASS_SPEC
#define EXEC    HR_CLASS_EXEC
#define UPDATE  HR_CLASS_UPDATE
#define DELETE  HR_CLASS_DELETE
#define HARDRUN HR_CLASS_HARDRUN

/* One case.  `line` is argv after argv[0], split on single spaces, with ''
 * standing for an empty argument.  `err` is a substring of the expected
 * error (NULL: success).  `rt` is the expected runtime argv after slot 0;
 * NULL means "the line unchanged". */
struct row {
  const char *line;
  const char *err;
  enum hr_cmd_class cls;
  const char *command, *id, *bundle, *process;
  const char *log, *log_format, *root;
  bool debug;
  const char *profile, *config, *runtime;
  const char *rt;
};

/* containerd's shim (go-runc) and dockerd, from runtime-facts.md */
#define ROOT "--root /run/docker/runtime-runc/moby"
#define TASK "/run/containerd/io.containerd.runtime.v2.task/moby/c0ffee"
#define SHIM ROOT " --log " TASK "/log.json --log-format json"
#define SHIM_FIELDS                                                                                \
  .log = TASK "/log.json", .log_format = "json", .root = "/run/docker/runtime-runc/moby"

static const struct row rows[] = {
    /* every spelling of the bundle; runc: chdir <bundle> for each */
    {"create -b /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create --bundle /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create -bundle /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create --bundle=/b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create -b=/b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create -bundle=/b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create --b /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create id", .cls = SPEC, .command = "create", .id = "id"},
    /* runc: an empty bundle is the current directory ("config.json not found") */
    {"create -b= id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --bundle '' id", .cls = SPEC, .command = "create", .id = "id"},
    /* runc: chdir a=b */
    {"create --bundle=a=b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "a=b"},
    /* a value flag takes the next argument whatever it looks like; runc: chdir -- */
    {"create --bundle -- id", .cls = SPEC, .command = "create", .id = "id", .bundle = "--"},
    {"create --bundle -x id", .cls = SPEC, .command = "create", .id = "id", .bundle = "-x"},
    {"create -b - id", .cls = SPEC, .command = "create", .id = "id", .bundle = "-"},
    /* the same spelling twice: the last wins (runc: chdir /b2) */
    {"create --bundle /b1 --bundle /b2 id", .cls = SPEC, .command = "create", .id = "id",
     .bundle = "/b2"},
    /* runc: "Cannot use two forms of the same flag: b bundle" */
    {"create -b /b1 --bundle /b2 id", .err = "cannot use both --bundle and -b"},

    /* flags after the id are moved in front of it (urfave/cli reorderArgs) */
    {"create id --bundle /b", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create id -b=/b", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create id -b /b --no-pivot", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create id --no-pivot=true -b /b", .cls = SPEC, .command = "create", .id = "id",
     .bundle = "/b"},
    {"create id --pid-file /p --console-socket /s -b /b", .cls = SPEC, .command = "create",
     .id = "id", .bundle = "/b"},
    {"create --no-pivot id", .cls = SPEC, .command = "create", .id = "id"},
    {"run -d id", .cls = SPEC, .command = "run", .id = "id"},
    {"run id -d --bundle /b", .cls = SPEC, .command = "run", .id = "id", .bundle = "/b"},
    /* Surprise (runc: Incorrect Usage): reordering moves "id" along as the
     * possible value of --no-pivot, so Go's parser stops at it and sees
     * "--bundle /b" as two more arguments. */
    {"create --no-pivot id --bundle /b", .err = "unexpected argument \"--bundle\""},
    /* the same quirk: "/b" moves in front of the id (runc: Incorrect Usage) */
    {"create id --no-pivot /b", .err = "unexpected argument \"id\""},
    /* a boolean takes a value only after '=' (runc: Incorrect Usage) */
    {"create --no-pivot false id", .err = "unexpected argument \"id\""},
    {"create --no-pivot=false id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --no-pivot=maybe id", .err = "invalid boolean value \"maybe\""},
    /* Surprise: the value of a trailing flag is the id, so runc finds bundle
     * "id" and no id (runc: Incorrect Usage, after no chdir). */
    {"create id --bundle", .cls = SPEC, .command = "create", .bundle = "id"},

    /* "--" */
    /* runc: works with 1.22.9 ("--" moves to the front), not with 1.22.1 */
    {"create id --", .cls = SPEC, .command = "create", .id = "id"},
    {"create --bundle /b -- id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    /* runc: Incorrect Usage for the next three */
    {"create id -- --bundle /b", .err = "unexpected argument \"--bundle\""},
    {"create -- id --bundle /b", .err = "unexpected argument \"--bundle\""},
    {"create id --no-pivot -- --bundle /b", .err = "unexpected argument \"/b\""},
    {"create -- -b", .cls = SPEC, .command = "create", .id = "-b"},
    {"create -", .cls = SPEC, .command = "create", .id = "-"},

    /* refused command lines */
    {"create --bogus id", .err = "create: flag provided but not defined: --bogus"},
    /* runc: Incorrect Usage (an unknown flag after the id is an argument) */
    {"create id --bogus", .err = "unexpected argument \"--bogus\""},
    {"run -dt id", .err = "run: flag provided but not defined: -dt"},
    {"create ---bundle /b id", .err = "bad flag syntax: ---bundle"},
    /* runc: bad flag syntax: reorderArgs strips three dashes and moves it */
    {"create id ---bundle /b", .err = "bad flag syntax: ---bundle"},
    {"create -=x id", .err = "bad flag syntax: -=x"},
    {"create --pid-file", .err = "flag needs an argument: --pid-file"},
    {"create --root /r id", .err = "flag provided but not defined: --root"},
    {"create --hardrun-profile p id",
     .err = "--hardrun-profile is accepted only before the command"},
    {"create a b", .err = "unexpected argument \"b\""},

    /* integer flags take Go's strconv.ParseInt(v, 0, 64) syntax; runc:
     * "invalid value ... for flag -preserve-fds" for the refused ones */
    {"create --preserve-fds 0x10 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 1_000 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 9223372036854775807 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds -9223372036854775808 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 0 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds +5 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 0_7 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 0x_1 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 0B1 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds 0o17 id", .cls = SPEC, .command = "create", .id = "id"},
    {"create --preserve-fds x id", .err = "invalid value \"x\" for --preserve-fds"},
    {"create --preserve-fds _1 id", .err = "invalid value \"_1\" for --preserve-fds"},
    {"create --preserve-fds 9223372036854775808 id",
     .err = "invalid value \"9223372036854775808\" for --preserve-fds"},
    {"create --preserve-fds -9223372036854775809 id",
     .err = "invalid value \"-9223372036854775809\" for --preserve-fds"},
    {"create --preserve-fds 08 id", .err = "invalid value \"08\" for --preserve-fds"},
    {"create --preserve-fds 0x id", .err = "invalid value \"0x\" for --preserve-fds"},
    {"create --preserve-fds 1__0 id", .err = "invalid value \"1__0\" for --preserve-fds"},
    {"create --preserve-fds 1_ id", .err = "invalid value \"1_\" for --preserve-fds"},
    {"create --preserve-fds 0O8 id", .err = "invalid value \"0O8\" for --preserve-fds"},
    {"create --preserve-fds '' id", .err = "invalid value \"\" for --preserve-fds"},
    /* Int64Slice parses base 10 only */
    {"exec -g 010 -g -5 -g +5 id sh", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec -g 1_0 id sh", .err = "invalid value \"1_0\" for -g"},
    {"exec --additional-gids=0x1 id sh", .err = "invalid value \"0x1\" for --additional-gids"},
    {"update --pids-limit=0b102 id", .err = "invalid value \"0b102\" for --pids-limit"},
    {"update --blkio-weight 0x1F4 id", .cls = UPDATE, .command = "update", .id = "id"},

    /* --help anywhere makes runc print instead of run */
    {"create --help id", .cls = PASS, .command = "create"},
    {"create --bundle /b id -h", .cls = PASS, .command = "create"},
    {"create --help a b c", .cls = PASS, .command = "create"},
    {"create -help=0 --bundle /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"create -h --help id", .err = "cannot use both --help and -h"},
    {"--help create --bogus", .cls = PASS, .command = "create"},
    {"-h=1 create id", .cls = PASS, .command = "create"},
    {"--help=false create -b /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"--version", .cls = PASS},
    {"-v", .cls = PASS},
    {"--version create -b /b id", .cls = PASS, .command = "create"},
    {"", .cls = PASS},

    /* global options */
    {"--root /r --log /l --log-format json create --bundle /b id", .cls = SPEC, .command = "create",
     .id = "id", .bundle = "/b", .log = "/l", .log_format = "json", .root = "/r"},
    {"-root=/r -log=/l -log-format=text create id", .cls = SPEC, .command = "create", .id = "id",
     .log = "/l", .log_format = "text", .root = "/r"},
    {"--rootless true create id", .cls = SPEC, .command = "create", .id = "id"},
    {"--rootless=auto create id", .cls = SPEC, .command = "create", .id = "id"},
    /* Surprise: --rootless takes the next word, here the command; runc: "No
     * help topic for 'id'" */
    {"--rootless create id", .cls = PASS, .command = "id"},
    {"--criu /c --systemd-cgroup --debug create id", .cls = SPEC, .command = "create", .id = "id",
     .debug = true},
    {"--debug --debug=false create id", .cls = SPEC, .command = "create", .id = "id"},
    /* runc: "No help topic for 'false'" */
    {"--debug false create id", .cls = PASS, .command = "false", .debug = true},
    {"--log= --log-format= create id", .cls = SPEC, .command = "create", .id = "id"},
    /* an empty --root is runc's current directory, not its default */
    {"--root= create id", .cls = SPEC, .command = "create", .id = "id", .root = ""},
    {"--log /l1 --log /l2 create id", .cls = SPEC, .command = "create", .id = "id", .log = "/l2"},
    {"--log -x create id", .cls = SPEC, .command = "create", .id = "id", .log = "-x"},
    /* "--" ends the global options only; runc: chdir /b */
    {"-- create --bundle /b id", .cls = SPEC, .command = "create", .id = "id", .bundle = "/b"},
    {"--bogus create id", .err = "global options: flag provided but not defined: --bogus"},
    {"--root", .err = "global options: flag needs an argument: --root"},
    {"---log x create id", .err = "bad flag syntax: ---log"},
    {"-dv create id", .err = "flag provided but not defined: -dv"},
    {"--systemd-cgroup=yes create id", .err = "invalid boolean value \"yes\""},
    /* runc: "invalid log-format: xml", but --version still prints first */
    {"--log-format xml create id", .err = "invalid --log-format \"xml\""},
    {"--log-format=JSON state id", .err = "invalid --log-format \"JSON\""},
    {"--log-format xml --version", .cls = PASS, .log_format = "xml"},
    {"--log --hardrun-profile p create id",
     .err = "--log needs a value, not \"--hardrun-profile\""},

    /* hardrun's own options, and their removal from the runtime argv */
    {"--hardrun-profile p create id", .cls = SPEC, .command = "create", .id = "id", .profile = "p",
     .rt = "create id"},
    {"--hardrun-profile=p create id", .cls = SPEC, .command = "create", .id = "id", .profile = "p",
     .rt = "create id"},
    {"-hardrun-profile p create id", .cls = SPEC, .command = "create", .id = "id", .profile = "p",
     .rt = "create id"},
    {"-hardrun-profile=p create id", .cls = SPEC, .command = "create", .id = "id", .profile = "p",
     .rt = "create id"},
    {"--hardrun-config /c --hardrun-runtime /usr/sbin/runc --hardrun-profile p --root /r "
     "create -b /b id",
     .cls = SPEC, .command = "create", .id = "id", .bundle = "/b", .root = "/r", .profile = "p",
     .config = "/c", .runtime = "/usr/sbin/runc", .rt = "--root /r create -b /b id"},
    {"--root /r --hardrun-profile=p --log /l -hardrun-config /c create id", .cls = SPEC,
     .command = "create", .id = "id", .root = "/r", .log = "/l", .profile = "p", .config = "/c",
     .rt = "--root /r --log /l create id"},
    {"--hardrun-runtime /rt --version", .cls = PASS, .runtime = "/rt", .rt = "--version"},
    {"--hardrun-profile p state id", .cls = PASS, .command = "state", .profile = "p",
     .rt = "state id"},
    {"--hardrun-profile=-x create id", .cls = SPEC, .command = "create", .id = "id",
     .profile = "-x", .rt = "create id"},
    {"--hardrun-bogus x create id", .err = "--hardrun-bogus: unknown hardrun option"},
    {"--hardrun-profile a --hardrun-profile b create id",
     .err = "--hardrun-profile: given more than once"},
    {"--hardrun-profile a -hardrun-profile=b create id",
     .err = "--hardrun-profile: given more than once"},
    {"--hardrun-profile", .err = "--hardrun-profile: needs a non-empty value"},
    /* taking "--root" as the profile would make the bundle path the command */
    {"--hardrun-profile --root /r create id", .err = "--hardrun-profile: needs a non-empty value"},
    {"--hardrun-profile= create id", .err = "--hardrun-profile: needs a non-empty value"},
    {"--hardrun-config '' create id", .err = "--hardrun-config: needs a non-empty value"},
    {"---hardrun-profile p create id", .err = "bad flag syntax: ---hardrun-profile"},
    /* after "--" it is runc's command word (runc: "No help topic") */
    {"-- --hardrun-profile p create", .cls = PASS, .command = "--hardrun-profile"},

    /* pass-through commands: their flags are runc's business */
    {"state id", .cls = PASS, .command = "state"},
    {"start id", .cls = PASS, .command = "start"},
    {"kill id KILL", .cls = PASS, .command = "kill"},
    {"kill --all id 9", .cls = PASS, .command = "kill"},
    {"kill id --bogus", .cls = PASS, .command = "kill"},
    {"ps --format json id", .cls = PASS, .command = "ps"},
    {"events --stats id", .cls = PASS, .command = "events"},
    {"pause id", .cls = PASS, .command = "pause"},
    {"resume id", .cls = PASS, .command = "resume"},
    {"list -q", .cls = PASS, .command = "list"},
    {"features", .cls = PASS, .command = "features"},
    {"spec --bundle /b", .cls = PASS, .command = "spec"},
    {"checkpoint --image-path /i id", .cls = PASS, .command = "checkpoint"},
    {"help create", .cls = PASS, .command = "help"},
    {"h", .cls = PASS, .command = "h"},
    {"Create id", .cls = PASS, .command = "Create"},
    {"frobnicate --weird id", .cls = PASS, .command = "frobnicate"},
    {"-", .cls = PASS, .command = "-"},

    /* exec: no reordering, so flags after the id belong to the process */
    {"exec -p /p id", .cls = EXEC, .command = "exec", .id = "id", .process = "/p"},
    {"exec --process=/p id", .cls = EXEC, .command = "exec", .id = "id", .process = "/p"},
    {"exec -process /p id", .cls = EXEC, .command = "exec", .id = "id", .process = "/p"},
    {"exec -p=/p id", .cls = EXEC, .command = "exec", .id = "id", .process = "/p"},
    {"exec id -p /p", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec id --bogus", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec id --hardrun-profile p", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec -t id sh -c ls", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec -e A=1 -e B=2 -c CAP_KILL -c CAP_CHOWN -u 0:0 --cwd / -g 10 --no-new-privs id ls",
     .cls = EXEC, .command = "exec", .id = "id"},
    {"exec -p= id sh", .cls = EXEC, .command = "exec", .id = "id"},
    {"exec -p /p", .cls = EXEC, .command = "exec", .process = "/p"},
    {"exec", .cls = EXEC, .command = "exec"},
    /* runc: "container does not exist" for id "-p" */
    {"exec -- -p id", .cls = EXEC, .command = "exec", .id = "-p"},
    {"exec --help id", .cls = PASS, .command = "exec"},
    {"exec --bogus id", .err = "exec: flag provided but not defined: --bogus"},
    {"exec -dt id sh", .err = "exec: flag provided but not defined: -dt"},
    {"exec -p /a --process /b id", .err = "cannot use both --process and -p"},
    /* runc: "Cannot use two forms of the same flag: c cap", slices too */
    {"exec --cap CAP_KILL -c CAP_CHOWN id ls", .err = "cannot use both --cap and -c"},
    {"exec --tty=2 id", .err = "invalid boolean value \"2\""},

    /* update */
    {"update --resources - id", .cls = UPDATE, .command = "update", .id = "id"},
    {"update --resources=- id", .cls = UPDATE, .command = "update", .id = "id"},
    /* runc: "container does not exist", so "-" was taken as the value */
    {"update id -r -", .cls = UPDATE, .command = "update", .id = "id"},
    {"update id --pids-limit -1", .cls = UPDATE, .command = "update", .id = "id"},
    {"update --pids-limit 10 --memory 512m --memory-swap -1 id", .cls = UPDATE, .command = "update",
     .id = "id"},
    {"update --kernel-memory 1 id", .cls = UPDATE, .command = "update", .id = "id"},
    {"update --bogus id", .err = "update: flag provided but not defined: --bogus"},
    {"update id extra", .err = "unexpected argument \"extra\""},
    {"update", .cls = UPDATE, .command = "update"},

    /* delete */
    {"delete id", .cls = DELETE, .command = "delete", .id = "id"},
    {"delete --force id", .cls = DELETE, .command = "delete", .id = "id"},
    {"delete -f id", .cls = DELETE, .command = "delete", .id = "id"},
    {"delete id -f", .cls = DELETE, .command = "delete", .id = "id"},
    {"delete id --force=false", .cls = DELETE, .command = "delete", .id = "id"},
    {"delete ''", .cls = DELETE, .command = "delete"},
    {"delete", .cls = DELETE, .command = "delete"},
    {"delete -f=maybe id", .err = "invalid boolean value \"maybe\""},
    {"delete --bogus id", .err = "delete: flag provided but not defined: --bogus"},
    {"delete a b", .err = "unexpected argument \"b\""},

    /* restore */
    {"restore --image-path /i --bundle /b id", .cls = SPEC, .command = "restore", .id = "id",
     .bundle = "/b"},
    {"restore id --image-path /i -b /b --tcp-established", .cls = SPEC, .command = "restore",
     .id = "id", .bundle = "/b"},
    {"restore --empty-ns network --detach -b /b id", .cls = SPEC, .command = "restore", .id = "id",
     .bundle = "/b"},
    {"restore --leave-running id", .err = "flag provided but not defined: --leave-running"},

    /* hardrun's own commands: their arguments are not runc's */
    {"policy explain --bundle /b", .cls = HARDRUN, .command = "policy"},
    {"doctor", .cls = HARDRUN, .command = "doctor"},
    {"--hardrun-profile p policy", .cls = HARDRUN, .command = "policy", .profile = "p",
     .rt = "policy"},
    {"--help policy", .cls = PASS, .command = "policy"},

    /* containerd-shim-runc-v2 and dockerd */
    {SHIM " create --bundle " TASK " --pid-file " TASK "/init.pid c0ffee", .cls = SPEC,
     .command = "create", .id = "c0ffee", .bundle = TASK, SHIM_FIELDS},
    {SHIM " create --bundle " TASK " --pid-file " TASK "/init.pid --console-socket "
          "/tmp/pty123/pty.sock c0ffee",
     .cls = SPEC, .command = "create", .id = "c0ffee", .bundle = TASK, SHIM_FIELDS},
    {"--hardrun-profile strict " SHIM " create --bundle " TASK " --pid-file " TASK
     "/init.pid c0ffee",
     .cls = SPEC, .command = "create", .id = "c0ffee", .bundle = TASK, .profile = "strict",
     SHIM_FIELDS, .rt = SHIM " create --bundle " TASK " --pid-file " TASK "/init.pid c0ffee"},
    {SHIM " --systemd-cgroup create --bundle " TASK " --pid-file " TASK
          "/init.pid --no-pivot --no-new-keyring c0ffee",
     .cls = SPEC, .command = "create", .id = "c0ffee", .bundle = TASK, SHIM_FIELDS},
    {SHIM " start c0ffee", .cls = PASS, .command = "start", SHIM_FIELDS},
    {SHIM " delete --force c0ffee", .cls = DELETE, .command = "delete", .id = "c0ffee",
     SHIM_FIELDS},
    {SHIM " kill --all c0ffee 9", .cls = PASS, .command = "kill", SHIM_FIELDS},
    {SHIM " ps --format json c0ffee", .cls = PASS, .command = "ps", SHIM_FIELDS},
    {SHIM " exec --process /tmp/runc-process123 --console-socket /tmp/pty1/pty.sock "
          "--detach --pid-file " TASK "/exec1.pid c0ffee",
     .cls = EXEC, .command = "exec", .id = "c0ffee", .process = "/tmp/runc-process123",
     SHIM_FIELDS},
    {SHIM " update --resources - c0ffee", .cls = UPDATE, .command = "update", .id = "c0ffee",
     SHIM_FIELDS},
    {SHIM " update --resources=- c0ffee", .cls = UPDATE, .command = "update", .id = "c0ffee",
     SHIM_FIELDS},
    {SHIM " restore --detach --image-path /ckpt --work-path /work --bundle " TASK " c0ffee",
     .cls = SPEC, .command = "restore", .id = "c0ffee", .bundle = TASK, SHIM_FIELDS},
    {SHIM " --version", .cls = PASS, SHIM_FIELDS},
};

#define MAX_ARGS 64

/* Split `line` into words; returns argc (argv[0] is "hardrun"). */
static int split(char *buf, char **argv)
{
  int argc = 0;

  argv[argc++] = "hardrun";
  for (char *save = NULL, *w = strtok_r(buf, " ", &save); w != NULL;
       w = strtok_r(NULL, " ", &save)) {
    assert_true(argc < MAX_ARGS);
    argv[argc++] = strcmp(w, "''") == 0 ? w + 2 : w;
  }
  argv[argc] = NULL;
  return argc;
}

static void expect_str(const struct row *r, const char *field, const char *got, const char *want)
{
  if (got == NULL && want == NULL)
    return;
  if (got == NULL || want == NULL || strcmp(got, want) != 0)
    fail_msg("`%s`: %s = %s%s%s, want %s%s%s", r->line, field, got ? "\"" : "", got ? got : "NULL",
             got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
}

/* Every result string must point into argv, the runtime argv in order. */
static void expect_in_argv(const struct row *r, int argc, char **argv, const char *p)
{
  if (p == NULL)
    return;
  for (int i = 0; i < argc; i++) {
    if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
      return;
  }
  fail_msg("`%s`: result \"%s\" does not point into argv", r->line, p);
}

static void expect_runtime_argv(const struct row *r, int argc, char **argv, const struct hr_argv *a)
{
  char want_buf[1024];
  char *want[MAX_ARGS + 1];
  int want_argc, j = 1;

  snprintf(want_buf, sizeof(want_buf), "%s", r->rt != NULL ? r->rt : r->line);
  want_argc = split(want_buf, want);
  assert_null(a->runtime_argv[0]);
  assert_int_equal(a->runtime_argc, want_argc);
  assert_null(a->runtime_argv[a->runtime_argc]);
  for (int i = 1; i < want_argc; i++) {
    expect_str(r, "runtime_argv[i]", a->runtime_argv[i], want[i]);
    /* byte-for-byte: the very same strings, in the same order */
    while (j < argc && argv[j] != a->runtime_argv[i])
      j++;
    if (j++ == argc)
      fail_msg("`%s`: runtime_argv[%d] is not argv's string, in order", r->line, i);
  }
}

static void expect_fields(const struct row *r, int argc, char **argv, const struct hr_argv *a)
{
  const char *all[] = {
      a->command,    a->id,   a->bundle,          a->process,        a->log,
      a->log_format, a->root, a->hardrun_profile, a->hardrun_config, a->hardrun_runtime};

  if (a->cls != r->cls)
    fail_msg("`%s`: class %d, want %d", r->line, a->cls, r->cls);
  expect_str(r, "command", a->command, r->command);
  expect_str(r, "id", a->id, r->id);
  expect_str(r, "bundle", a->bundle, r->bundle);
  expect_str(r, "process", a->process, r->process);
  expect_str(r, "log", a->log, r->log);
  expect_str(r, "log_format", a->log_format, r->log_format);
  expect_str(r, "root", a->root, r->root);
  expect_str(r, "hardrun_profile", a->hardrun_profile, r->profile);
  expect_str(r, "hardrun_config", a->hardrun_config, r->config);
  expect_str(r, "hardrun_runtime", a->hardrun_runtime, r->runtime);
  if (a->debug != r->debug)
    fail_msg("`%s`: debug %d, want %d", r->line, a->debug, r->debug);
  for (size_t i = 0; i < HR_ARRAY_SIZE(all); i++)
    expect_in_argv(r, argc, argv, all[i]);
  expect_runtime_argv(r, argc, argv, a);
}

static void run_row(const struct row *r)
{
  char buf[1024];
  char *argv[MAX_ARGS + 1];
  struct hr_argv a;
  struct hr_error err = {0};
  int argc, ret;

  snprintf(buf, sizeof(buf), "%s", r->line);
  argc = split(buf, argv);
  memset(&a, 0xa5, sizeof(a));
  ret = hr_argv_parse(argc, argv, &a, &err);
  if (r->err != NULL) {
    if (ret >= 0)
      fail_msg("`%s`: parsed, want error containing \"%s\"", r->line, r->err);
    if (err.kind != HR_ERR_INPUT || strstr(err.msg, r->err) == NULL)
      fail_msg("`%s`: error \"%s\", want \"%s\"", r->line, err.msg, r->err);
    assert_null(a.runtime_argv);
    assert_null(a.command);
  } else {
    if (ret < 0)
      fail_msg("`%s`: %s", r->line, err.msg);
    expect_fields(r, argc, argv, &a);
  }
  hr_argv_free(&a);
}

static void test_table(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++)
    run_row(&rows[i]);
}

/* A broken hardrun option still leaves --log known, wherever it stands, so
 * docker shows hardrun's error instead of "unable to retrieve OCI runtime
 * error". */
static void test_error_keeps_log(void **state)
{
  char *argv[] = {"hardrun", "--hardrun-profle", "strict", "--root", "/r", "--log",
                  "/l.json", "--log-format",     "json",   "create", "c1", NULL};
  char *argv2[] = {"hardrun", "--log", "/l.json", "create", "--bogus", "c1", NULL};
  char *argv3[] = {"hardrun", "--bogus", "--log", "/l.json", "create", NULL};
  struct hr_error err = {0};
  struct hr_argv a;

  assert_int_equal(hr_argv_parse(11, argv, &a, &err), -1);
  assert_string_equal(err.msg, "--hardrun-profle: unknown hardrun option");
  assert_string_equal(a.log, "/l.json");
  assert_string_equal(a.log_format, "json");
  assert_null(a.runtime_argv);
  hr_argv_free(&a);

  assert_int_equal(hr_argv_parse(6, argv2, &a, &err), -1);
  assert_string_equal(a.log, "/l.json");
  assert_null(a.log_format);
  hr_argv_free(&a);

  /* runc's own parser stops at --bogus: nothing after it is known */
  assert_int_equal(hr_argv_parse(5, argv3, &a, &err), -1);
  assert_null(a.log);
  hr_argv_free(&a);
}

static void test_bad_input(void **state)
{
  char *argv[] = {"hardrun", NULL, "create", NULL};
  struct hr_error err = {0};
  struct hr_argv a;

  assert_int_equal(hr_argv_parse(0, argv, &a, &err), -1);
  assert_int_equal(err.kind, HR_ERR_INPUT);
  assert_int_equal(hr_argv_parse(1, NULL, &a, &err), -1);
  assert_int_equal(hr_argv_parse(3, argv, &a, &err), -1);
  assert_string_equal(err.msg, "argument 1 is NULL");
  assert_null(a.runtime_argv);
  hr_argv_free(&a);
  hr_argv_free(NULL);
}

/* argv[0] alone, and a long line: runtime_argv is exactly argc slots plus
 * the terminator, and hr_argv_free may be called twice. */
static void test_sizes(void **state)
{
  enum { N = 5000 };
  static char *argv[N + 1];
  struct hr_error err = {0};
  struct hr_argv a;

  argv[0] = "hardrun";
  assert_ok(hr_argv_parse(1, argv, &a, &err), &err);
  assert_int_equal(a.runtime_argc, 1);
  assert_null(a.runtime_argv[0]);
  assert_null(a.runtime_argv[1]);
  assert_int_equal(a.cls, HR_CLASS_PASSTHROUGH);
  hr_argv_free(&a);
  hr_argv_free(&a);

  /* exec id followed by thousands of process arguments, and create with
   * thousands of flags after the id, through the reordering */
  argv[1] = "exec";
  argv[2] = "c1";
  for (int i = 3; i < N; i++)
    argv[i] = "-x";
  assert_ok(hr_argv_parse(N, argv, &a, &err), &err);
  assert_int_equal(a.runtime_argc, N);
  assert_string_equal(a.id, "c1");
  hr_argv_free(&a);

  argv[1] = "create";
  for (int i = 3; i + 1 < N; i += 2) {
    argv[i] = "--pid-file";
    argv[i + 1] = "/p";
  }
  argv[N - 1] = "--no-pivot";
  assert_ok(hr_argv_parse(N, argv, &a, &err), &err);
  assert_string_equal(a.id, "c1");
  assert_null(a.bundle);
  hr_argv_free(&a);
}

/* ---- the command's flags, as exec and update read and rewrite them ------- */

/* `flags`: each recorded flag as "name=value@index/words" ("name@..." for a
 * boolean without a value), space separated, index in runtime_argv. */
struct flag_row {
  const char *line;
  const char *flags;
};

static const struct flag_row flag_rows[] = {
    {"exec --cap CAP_KILL --cap=CAP_CHOWN --no-new-privs id sh",
     "cap=CAP_KILL@2/2 cap=CAP_CHOWN@4/1 no-new-privs@5/1"},
    {"exec -c CAP_KILL -c=CAP_CHOWN id sh", "cap=CAP_KILL@2/2 cap=CAP_CHOWN@4/1"},
    /* exec is not reordered: flags after the id are the process's */
    {"exec -u 0:0 id --cap CAP_SYS_ADMIN", "user=0:0@2/2"},
    {"exec --no-new-privs=false -p /tmp/p id", "no-new-privs=false@2/1 process=/tmp/p@3/2"},
    /* update is reordered; the indices are still those of runtime_argv */
    {"update id --pids-limit -1", "pids-limit=-1@3/2"},
    {"update id --memory=1g -r - ", "memory=1g@3/1 resources=-@4/2"},
    {"update --pids-limit 5 --pids-limit=7 id", "pids-limit=5@2/2 pids-limit=7@4/1"},
    /* the index is runtime_argv's: hardrun's own options are gone from it */
    {"--hardrun-profile p --root /r update id --cpu-quota 5", "cpu-quota=5@5/2"},
    {"--hardrun-config=/c update --resources=- id", "resources=-@2/1"},
    /* a trailing flag takes its value from a word before it (the reordered
     * id): the flag's word and its value's are apart (runc: reads file a) */
    {"update a b -r", "resources=a@4/2"},
    {"--hardrun-profile p update a b --cpuset-cpus", "cpuset-cpus=a@4/2"},
    /* --help makes it a pass-through: nothing to read */
    {"update --pids-limit 5 --help id", ""},
    {"start id", ""},
};

static void run_flag_row(const struct flag_row *r)
{
  char buf[512], got[512] = "";
  char *argv[MAX_ARGS + 1];
  struct hr_error err = {0};
  struct hr_argv a;
  size_t off = 0;
  int argc;

  snprintf(buf, sizeof(buf), "%s", r->line);
  argc = split(buf, argv);
  if (hr_argv_parse(argc, argv, &a, &err) < 0)
    fail_msg("`%s`: %s", r->line, err.msg);
  for (size_t i = 0; i < a.n_flags; i++) {
    const struct hr_argv_flag *f = &a.flags[i];
    off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s%s%s@%d/%d", i ? " " : "", f->name,
                            f->value ? "=" : "", f->value ? f->value : "", f->index, f->n_words);
    /* the index points at the flag's own word, value_index at its value's */
    if (a.runtime_argv[f->index][0] != '-')
      fail_msg("`%s`: flag %s at %d is \"%s\"", r->line, f->name, f->index,
               a.runtime_argv[f->index]);
    if (f->n_words == 2 ? strcmp(a.runtime_argv[f->value_index], f->value) != 0
                        : f->value_index != -1)
      fail_msg("`%s`: flag %s has its value at %d", r->line, f->name, f->value_index);
  }
  if (strcmp(got, r->flags) != 0)
    fail_msg("`%s`: flags\n  got:  %s\n  want: %s", r->line, got, r->flags);
  hr_argv_free(&a);
}

static void test_flags(void **state)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(flag_rows); i++)
    run_flag_row(&flag_rows[i]);
}

/* hr_argv_set_flags: `remove` and `add` ("name=value" or "name", space
 * separated), the runtime argv after it, and the flags it then records. */
struct set_row {
  const char *line, *remove, *add, *rt, *flags;
};

static const struct set_row set_rows[] = {
    {"exec -c A -c B -t --no-new-privs=false id sh -c x", "cap no-new-privs", "cap=A no-new-privs",
     "exec --cap=A --no-new-privs -t id sh -c x", "cap=A@2/1 no-new-privs@3/1 tty@4/1"},
    {"--root /r exec --cap X id", "cap", "", "--root /r exec id", ""},
    {"exec id sh", "cap", "no-new-privs", "exec --no-new-privs id sh", "no-new-privs@2/1"},
    /* the value word after the id goes with its flag */
    {"update id --pids-limit -1 --memory 1g", "pids-limit memory",
     "pids-limit=16384 memory=1073741824", "update --pids-limit=16384 --memory=1073741824 id",
     "pids-limit=16384@2/1 memory=1073741824@3/1"},
    {"update -r /f id", "resources", "resources=-", "update --resources=- id", "resources=-@2/1"},
    /* flags not named survive, in order, with their new index */
    {"update --cpuset-cpus 0 id --pids-limit 5", "pids-limit", "pids-limit=5",
     "update --pids-limit=5 --cpuset-cpus 0 id", "pids-limit=5@2/1 cpuset-cpus=0@3/2"},
    /* a value that stands before its flag goes with it (once written past
     * the end of the drop list) */
    {"update a b -r", "resources", "resources=-", "update --resources=- b", "resources=-@2/1"},
    {"update a b --pids-limit 5 --cpuset-cpus", "cpuset-cpus", "", "update b --pids-limit 5",
     "pids-limit=5@3/2"},
};

static int split_set(char *buf, struct hr_argv_set *out, const char **names)
{
  int n = 0;

  for (char *save = NULL, *w = strtok_r(buf, " ", &save); w != NULL;
       w = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(w, '=');
    if (eq != NULL)
      *eq = '\0';
    if (out != NULL)
      out[n] = (struct hr_argv_set){w, eq != NULL ? eq + 1 : NULL};
    if (names != NULL)
      names[n] = w;
    n++;
  }
  if (names != NULL)
    names[n] = NULL;
  return n;
}

static void run_set_row(const struct set_row *r)
{
  char buf[512], rbuf[256], abuf[256], got[512] = "", fgot[512] = "";
  char *argv[MAX_ARGS + 1];
  const char *remove[16];
  struct hr_argv_set add[16];
  struct hr_error err = {0};
  struct hr_argv a;
  size_t off = 0;
  int argc, n_add;

  snprintf(buf, sizeof(buf), "%s", r->line);
  snprintf(rbuf, sizeof(rbuf), "%s", r->remove);
  snprintf(abuf, sizeof(abuf), "%s", r->add);
  argc = split(buf, argv);
  split_set(rbuf, NULL, remove);
  n_add = split_set(abuf, add, NULL);
  assert_ok(hr_argv_parse(argc, argv, &a, &err), &err);
  assert_ok(hr_argv_set_flags(&a, remove, add, (size_t)n_add, &err), &err);
  assert_null(a.runtime_argv[0]);
  assert_null(a.runtime_argv[a.runtime_argc]);
  for (int i = 1; i < a.runtime_argc; i++)
    off +=
        (size_t)snprintf(got + off, sizeof(got) - off, "%s%s", i > 1 ? " " : "", a.runtime_argv[i]);
  if (strcmp(got, r->rt) != 0)
    fail_msg("`%s`: runtime argv\n  got:  %s\n  want: %s", r->line, got, r->rt);
  off = 0;
  for (size_t i = 0; i < a.n_flags; i++)
    off += (size_t)snprintf(fgot + off, sizeof(fgot) - off, "%s%s%s%s@%d/%d", i ? " " : "",
                            a.flags[i].name, a.flags[i].value ? "=" : "",
                            a.flags[i].value ? a.flags[i].value : "", a.flags[i].index,
                            a.flags[i].n_words);
  if (strcmp(fgot, r->flags) != 0)
    fail_msg("`%s`: flags after the edit\n  got:  %s\n  want: %s", r->line, fgot, r->flags);
  for (size_t i = 0; i < a.n_flags; i++)
    if (a.flags[i].n_words == 2 && strcmp(a.runtime_argv[a.flags[i].value_index], a.flags[i].value))
      fail_msg("`%s`: flag %s has its value at %d", r->line, a.flags[i].name,
               a.flags[i].value_index);
  hr_argv_free(&a);
}

static void test_set_flags(void **state)
{
  char *argv[] = {"hardrun", "--version", NULL};
  struct hr_error err = {0};
  struct hr_argv a;

  for (size_t i = 0; i < HR_ARRAY_SIZE(set_rows); i++)
    run_set_row(&set_rows[i]);
  /* no command: nothing to put flags after */
  assert_ok(hr_argv_parse(2, argv, &a, &err), &err);
  assert_int_equal(hr_argv_set_flags(&a, NULL, NULL, 0, &err), -1);
  hr_argv_free(&a);
}

/* strconv.ParseInt(s, 0 or 10, 64) */
static void test_go_parse_int(void **state)
{
  static const struct {
    const char *s;
    bool base0;
    int ok;
    int64_t want;
  } cases[] = {
      {"0", true, 0, 0},
      {"-1", true, 0, -1},
      {"+5", true, 0, 5},
      {"010", true, 0, 8},
      {"010", false, 0, 10},
      {"0x10", true, 0, 16},
      {"0X1f", true, 0, 31},
      {"0b101", true, 0, 5},
      {"0o17", true, 0, 15},
      {"1_000", true, 0, 1000},
      {"0x_1", true, 0, 1},
      {"1_000", false, -1, 0},
      {"0x10", false, -1, 0},
      {"_1", true, -1, 0},
      {"1__0", true, -1, 0},
      {"1_", true, -1, 0},
      {"0x", true, -1, 0},
      {"", true, -1, 0},
      {"-", true, -1, 0},
      {" 1", true, -1, 0},
      {"1.0", true, -1, 0},
      {"9223372036854775807", true, 0, INT64_MAX},
      {"-9223372036854775808", false, 0, INT64_MIN},
      {"9223372036854775808", true, -1, 0},
      {"-9223372036854775809", true, -1, 0},
      {"18446744073709551616", true, -1, 0},
  };

  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++) {
    int64_t v = 0;
    int r = hr_go_parse_int(cases[i].s, cases[i].base0, &v);
    if (r != cases[i].ok || (r == 0 && v != cases[i].want))
      fail_msg("\"%s\" base0=%d: %d %" PRId64 ", want %d %" PRId64, cases[i].s, cases[i].base0, r,
               v, cases[i].ok, cases[i].want);
  }
}

/* Parse `line` (split on spaces) and run hr_argv_check_passed_fds on it. */
static int passed_fds(const char *line, const char *listen_pid, const char *listen_fds,
                      struct hr_error *err)
{
  char buf[256], *words[16] = {"runc"};
  struct hr_argv a = {0};
  int n = 1, r;

  snprintf(buf, sizeof(buf), "%s", line);
  for (char *w = strtok(buf, " "); w != NULL && n < 15; w = strtok(NULL, " "))
    words[n++] = w;
  assert_int_equal(hr_argv_parse(n, words, &a, err), 0);
  r = hr_argv_check_passed_fds(&a, listen_pid, listen_fds, 4242, err);
  hr_argv_free(&a);
  return r;
}

/* runc hands the container fds 3.. of its own for --preserve-fds and
 * LISTEN_FDS: each must be open here, and survive the exec. */
static void test_passed_fds(void **state)
{
  struct hr_error err = {0};
  int saved[3];

  (void)state;
  /* fds 3-5 as this test wants them; the harness's own put back at the end */
  for (int i = 0; i < 3; i++) {
    saved[i] = fcntl(3 + i, F_DUPFD_CLOEXEC, 100);
    close(3 + i);
  }
  assert_int_equal(passed_fds("exec id true", NULL, NULL, &err), 0);
  assert_int_equal(passed_fds("exec --preserve-fds 0 id true", NULL, NULL, &err), 0);
  assert_int_equal(passed_fds("exec --preserve-fds=-3 id true", NULL, NULL, &err), 0);
  assert_int_equal(passed_fds("exec --preserve-fds 1 id true", NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "argv: --preserve-fds: fd 3 is not open for runc to inherit"));
  assert_int_equal(dup2(STDIN_FILENO, 3), 3);
  assert_int_equal(dup2(STDIN_FILENO, 4), 4);
  assert_int_equal(passed_fds("exec --preserve-fds 2 id true", NULL, NULL, &err), 0);
  /* the last of a repeated flag counts, in Go's base 0 */
  assert_int_equal(passed_fds("exec --preserve-fds 1 --preserve-fds 0x3 id true", NULL, NULL, &err),
                   -1);
  assert_non_null(strstr(err.msg, "fd 5 is not open"));
  /* close-on-exec: gone by the time runc runs */
  assert_int_equal(fcntl(4, F_SETFD, FD_CLOEXEC), 0);
  assert_int_equal(passed_fds("create --preserve-fds 2 id", NULL, NULL, &err), -1);
  assert_non_null(strstr(err.msg, "fd 4 is not open"));
  assert_int_equal(fcntl(4, F_SETFD, 0), 0);
  /* LISTEN_FDS: create, run and restore, for runc's pid (hardrun's) only */
  assert_int_equal(passed_fds("create id", "4242", "3", &err), -1);
  assert_non_null(strstr(err.msg, "argv: LISTEN_FDS: fd 5 is not open"));
  assert_int_equal(passed_fds("create --preserve-fds 1 id", "+4242", "2", &err), -1);
  assert_non_null(strstr(err.msg, "argv: --preserve-fds (after LISTEN_FDS): fd 5 is not open"));
  assert_int_equal(passed_fds("run id", "4242", "2", &err), 0);
  assert_int_equal(passed_fds("create id", "4243", "3", &err), 0);
  assert_int_equal(passed_fds("create id", "4242", "", &err), 0);
  assert_int_equal(passed_fds("create id", "4242", "-1", &err), 0);
  assert_int_equal(passed_fds("exec id true", "4242", "3", &err), 0);
  /* more than any fd table */
  assert_int_equal(passed_fds("create --preserve-fds 9223372036854775807 id", NULL, NULL, &err),
                   -1);
  assert_non_null(strstr(err.msg, "more descriptors than a process can hold"));
  for (int i = 0; i < 3; i++) {
    close(3 + i);
    if (saved[i] >= 0) {
      dup2(saved[i], 3 + i);
      close(saved[i]);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),        cmocka_unit_test(test_error_keeps_log),
      cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_flags),        cmocka_unit_test(test_set_flags),
      cmocka_unit_test(test_go_parse_int), cmocka_unit_test(test_passed_fds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
