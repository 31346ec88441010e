/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_LOG_H
#define HARDRUN_LOG_H

#include <stdbool.h>

#include "hardrun/error.h"
#include "hardrun/policy.h"

/* A line in runc's own log format.  containerd reads <bundle>/log.json and
 * shows the msg of the last "error" line to `docker run`, so the line must be
 * one valid JSON object: {"level":"error","msg":"...","time":"...Z"}.
 * With format "text" (runc's default) the line is
 * time="..." level=error msg="...".  `path` NULL or "" means stderr
 * (fd 2, text form), as runc does without --log. */
int hr_log_line(const char *path, const char *format, const char *level, const char *msg,
                struct hr_error *err);

/* Format of one runc-style JSON log line into a malloc'ed string (no
 * trailing newline), exposed for tests. */
char *hr_log_format_json(const char *level, const char *msg, long long epoch_seconds);

/* The audit record of one decision. */
struct hr_audit {
  const char *command; /* "create", "run", "restore" */
  const char *id;
  const char *bundle;
  const char *profile;
  const char *profile_path;
  const struct hr_changes *changes;
  const char *verdict; /* "allowed" or "refused" */
  const char *reason;  /* refusal message, or NULL */
};

/* Render the record as one line of text ("key=value ... changes: a: x -> y;
 * ...") and as one JSON object, both malloc'ed. */
char *hr_audit_format_text(const struct hr_audit *a);
char *hr_audit_format_json(const struct hr_audit *a);

/* Send the record as one syslog datagram (facility authpriv, tag "hardrun")
 * to `socket_path` when non-empty, and append its JSON form to `file` when
 * non-NULL.  Returns -1 when a destination could not be written; the caller
 * decides whether that is fatal. */
int hr_audit_send(const struct hr_audit *a, const char *socket_path, const char *file,
                  struct hr_error *err);

#endif
