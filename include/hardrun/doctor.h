/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_DOCTOR_H
#define HARDRUN_DOCTOR_H

/* `hardrun doctor`: is this host ready for hardrun, and is it configured
 * the way the CIS Docker Benchmark asks?  Each check gives PASS, WARN or
 * FAIL, a one-line finding and, unless it passed, a one-line fix.
 *
 * Every host file is read under a root directory (the real / by default),
 * with symbolic links resolved inside it, so that tests point the checks
 * at a fixture tree.  The only process started is the runtime, for its
 * --version and features; doctor is not on any container's start path. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"

enum hr_check_status {
  HR_CHECK_PASS,
  HR_CHECK_WARN,
  HR_CHECK_FAIL,
};

struct hr_check {
  const char *name; /* static: "runtime", "cgroups", "docker.sock", ... */
  enum hr_check_status status;
  char *message;
  char *fix; /* NULL when the check passed */
};

struct hr_doctor {
  struct hr_check *items;
  size_t len, cap;
};

struct hr_doctor_opts {
  const char *host_root; /* NULL or "/": this host */
  const char *conf_path; /* --hardrun-config (a path on the host); NULL: the default */
  const char *runtime;   /* --hardrun-runtime; NULL: hardrun.conf's */
  unsigned timeout_ms;   /* for each run of the runtime; 0: 5000 */
};

/* Run every check.  Fails only when the checks cannot run at all (the root
 * directory cannot be opened, out of memory); a check that cannot read
 * what it needs reports that as its finding. */
int hr_doctor_run(const struct hr_doctor_opts *o, struct hr_doctor *ret, struct hr_error *err);
void hr_doctor_free(struct hr_doctor *d);
const char *hr_check_status_name(enum hr_check_status s);

/* The stable JSON form (documented in hardrun(8)), one line, malloc'ed. */
int hr_doctor_format_json(const struct hr_doctor *d, char **ret, struct hr_error *err);

/* ---- parsers, exposed for the unit tests --------------------------------- */

/* The addresses a dockerd command line (NUL-separated, as
 * /proc/PID/cmdline) listens on (-H/--host, any spelling), and what it says
 * of TLS client verification: 1 for --tlsverify or --tlsverify=V with V
 * true to Go's strconv.ParseBool, 0 for V false, -1 when it does not say
 * (dockerd then verifies when DOCKER_TLS_VERIFY is set or daemon.json says
 * so).  `ret_config` gets --config-file's value (a pointer into `cmdline`)
 * or NULL.  Returns the number of addresses put in `hosts` (at most
 * `max`). */
size_t hr_doctor_dockerd_args(const char *cmdline, size_t len, const char **hosts, size_t max,
                              int *ret_tlsverify, const char **ret_config);

/* The runtimes a dockerd command line adds (--add-runtime NAME=PATH, any
 * spelling, repeatable: pointers into `cmdline` at "NAME=PATH", at most
 * `max`), its --default-runtime and its --config-file (NULL when absent).
 * Returns the number of runtimes. */
size_t hr_doctor_dockerd_runtimes(const char *cmdline, size_t len, const char **ret, size_t max,
                                  const char **ret_default, const char **ret_config);

/* A runtime of containerd's config.toml: the NAME of a
 * [...runtimes.NAME.options] table and its BinaryName. */
struct hr_doctor_runtime {
  char *name;
  char *binary;
};

/* The runtimes with a BinaryName in containerd's config.toml (versions 2
 * and 3), and default_runtime_name.  A line-based reading of the few keys
 * that matter (tables, `key = "string"` or 'string', comments), not a TOML
 * parser.  Fills up to `max` entries (malloc'ed strings) and returns how
 * many; *ret_default is malloc'ed, or NULL when the file has none. */
int hr_doctor_containerd_runtimes(const char *toml, size_t len, struct hr_doctor_runtime *ret,
                                  size_t max, char **ret_default, struct hr_error *err);

/* The members of group `group` in /etc/group and /etc/passwd texts: the
 * listed ones, then users whose primary group it is.  Returns the count
 * (names malloc'ed into `ret`, at most `max`), 0 when the group does not
 * exist; *ret_gid gets its gid (-1 when absent). */
int hr_doctor_group_members(const char *group_file, size_t group_len, const char *passwd_file,
                            size_t passwd_len, const char *group, char **ret, size_t max,
                            int64_t *ret_gid, struct hr_error *err);

#endif
