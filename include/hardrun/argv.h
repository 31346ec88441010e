/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_ARGV_H
#define HARDRUN_ARGV_H

#include <stdbool.h>
#include <stdint.h>

#include "hardrun/error.h"

/* What hardrun must do for a runc command line. */
enum hr_cmd_class {
  HR_CLASS_PASSTHROUGH, /* no spec: exec the runtime without reading policy */
  HR_CLASS_SPEC,        /* create, run, restore: rewrite <bundle>/config.json */
  HR_CLASS_EXEC,        /* exec: the process spec (issue 4) */
  HR_CLASS_UPDATE,      /* update: resources (issue 4) */
  HR_CLASS_DELETE,      /* delete: release per-container state (issue 3) */
  HR_CLASS_HARDRUN,     /* hardrun's own subcommands ("policy", "doctor") */
};

/* One flag of the command as it was given, in argv order, so that exec's and
 * update's flags can be read the way runc reads them and rewritten. */
struct hr_argv_flag {
  const char *name;  /* the long name runc defines: "cap" for -c, --cap, -cap=X */
  const char *value; /* NULL for a boolean given without "=" */
  int index;         /* the flag's word in runtime_argv */
  int n_words;       /* 2 when the value is a word of its own, else 1 */
  /* The value's word in runtime_argv when n_words is 2, else -1.  Mostly
   * index + 1; not when runc's reordering hands a trailing flag a word
   * that stands before it ("update id1 id2 -r" reads the file id1). */
  int value_index;
};

/* A flag to add with hr_argv_set_flags(): "--name" or "--name=value". */
struct hr_argv_set {
  const char *name;
  const char *value; /* NULL: a boolean switch */
};

/* The parsed command line.  Every string points into the caller's argv and
 * lives as long as it does, except the words hr_argv_set_flags() made;
 * `runtime_argv`, `flags` and those words are malloc'ed and freed by
 * hr_argv_free(). */
struct hr_argv {
  /* hardrun's own options, removed before the exec */
  const char *hardrun_profile;
  const char *hardrun_config;
  const char *hardrun_runtime;

  /* runc global options, as runc would read them */
  const char *log;        /* --log */
  const char *log_format; /* --log-format: "text" or "json" (runc's default: text) */
  const char *root;       /* --root */
  bool debug;

  /* the command */
  const char *command; /* as spelled in argv, NULL when none (e.g. --version) */
  enum hr_cmd_class cls;
  const char *bundle;  /* --bundle/-b value; NULL means the current directory */
  const char *id;      /* container id; NULL when the command takes none */
  const char *process; /* exec --process/-p value */

  /* argv for the real runtime: argv[0] is left for the caller to fill
   * (runtime_argv[0] == NULL on return), then every argument of the original
   * argv except the --hardrun-* options, in the same order, then NULL. */
  char **runtime_argv;
  int runtime_argc;
  int command_index; /* the command's word in runtime_argv, 0 when none */

  /* the command's flags (not the global ones), for the commands whose flags
   * are read (hr_cmd_class other than PASSTHROUGH and HARDRUN) */
  struct hr_argv_flag *flags;
  size_t n_flags;

  char **owned; /* words made by hr_argv_set_flags() */
  size_t n_owned;
};

/* Parse `argv` as runc 1.1 does (Go flag syntax: -x == --x, --x=v == --x v,
 * booleans take a value only as --x=false, "--" ends flags; for every command
 * except exec and ps, flags after the container id are moved in front of it
 * the way urfave/cli reorders them).  Options starting with --hardrun- are
 * accepted only among the global options, before the command.
 *
 * Fails (HR_ERR_INPUT) on an unknown --hardrun- option, a repeated one, a
 * global or spec-command flag runc does not define, or a flag that lacks its
 * value: a misread command line could make hardrun rewrite the wrong bundle,
 * so hardrun refuses instead of guessing.  For pass-through commands unknown
 * command flags are left for the runtime to judge.
 *
 * Empty --bundle, --process, --log, --log-format values and an empty id are
 * reported as NULL, as runc treats them like absent ones.  --help/-h (global
 * or the command's) and --version make the class HR_CLASS_PASSTHROUGH: runc
 * then only prints.  Pass-through commands' own flags are not read, so their
 * `id` is NULL.  On failure `*ret` is zeroed except `log` and `log_format`,
 * kept as far as they were read so the error can go where runc's would. */
int hr_argv_parse(int argc, char **argv, struct hr_argv *ret, struct hr_error *err);
void hr_argv_free(struct hr_argv *a);

/* strconv.ParseInt(s, base0 ? 0 : 10, 64) exactly: an optional sign, with
 * base0 the prefixes 0b, 0o, 0x and a bare leading 0 (octal) and '_'
 * between digits.  Go's int flags (e.g. update --pids-limit) use base0. */
int hr_go_parse_int(const char *s, bool base0, int64_t *ret);

/* The last occurrence of the command flag `name` (the long name), or NULL:
 * Go's flag package keeps the last value. */
const struct hr_argv_flag *hr_argv_last_flag(const struct hr_argv *a, const char *name);

/* runc hands the container fds 3 and up of its own process: for create,
 * run and restore first LISTEN_FDS of them (systemd socket activation,
 * when LISTEN_PID is runc's pid, which is hardrun's after the exec), then
 * --preserve-fds more (create, run, exec).  A number the caller did not
 * pass is by then one of runc's own descriptors: its --log file, an epoll
 * fd, an O_PATH fd of the host's /sys/fs/cgroup.  Fails (HR_ERR_INPUT)
 * unless each of them is open in this process and survives the exec.
 * `listen_pid` and `listen_fds` are the environment's values (NULL when
 * unset); `self_pid` is getpid(). */
int hr_argv_check_passed_fds(const struct hr_argv *a, const char *listen_pid,
                             const char *listen_fds, int64_t self_pid, struct hr_error *err);

/* Rewrite runtime_argv: drop every occurrence of the command flags listed
 * in `remove` (NULL-terminated long names; both spellings, with their value
 * words) and put `add` right after the command word, in order, as
 * "--name=value" words.  `flags` follows the edit.  Only for commands whose
 * flags stand before the container id in runtime_argv (all of them once
 * runc has reordered; exec never reorders, so its flags are already
 * there). */
int hr_argv_set_flags(struct hr_argv *a, const char *const *remove, const struct hr_argv_set *add,
                      size_t n_add, struct hr_error *err);

/* ---- hardrun's own commands ------------------------------------------------
 * `policy explain|check|show` and `doctor` are hardrun's, not runc's: they
 * read their arguments with the syntax below, never exec the runtime, and
 * are not on any container's start path. */

enum hr_tool {
  HR_TOOL_USAGE, /* "policy" without a subcommand: print what there is */
  HR_TOOL_EXPLAIN,
  HR_TOOL_CHECK,
  HR_TOOL_SHOW,
  HR_TOOL_DOCTOR,
};

enum hr_format {
  HR_FORMAT_TEXT,
  HR_FORMAT_JSON,
};

/* The arguments of one of hardrun's commands.  Options are long ones,
 * "--x V", "--x=V" or with one dash, in any place before "--"; "-h" and
 * "--help" ask for the usage.  Strings point into the parsed argv. */
struct hr_tool_args {
  enum hr_tool tool;
  bool help;
  const char *profile;   /* --profile NAME: explain, show */
  enum hr_format format; /* --format text|json: explain, show, doctor */
  const char *bundle;    /* --bundle DIR: explain */
  const char *host_root; /* --host-root DIR: doctor */
  const char **args;     /* positional: FILE or "-" (explain), FILE... (check) */
  size_t n_args;
};

/* Read the words after `a->command` (which must be of HR_CLASS_HARDRUN).
 * Fails (HR_ERR_INPUT) on an unknown subcommand or option, an option given
 * twice, without its value or not taken by the command, and on the wrong
 * number of positional arguments; with --help only the first two. */
int hr_argv_parse_tool(const struct hr_argv *a, struct hr_tool_args *ret, struct hr_error *err);
void hr_tool_args_free(struct hr_tool_args *t);

#endif
