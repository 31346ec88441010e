/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_ERROR_H
#define HARDRUN_ERROR_H

#include <stddef.h>

/* What went wrong decides the exit code of `policy explain` and how main
 * words the report; everything else treats all kinds alike. */
enum hr_error_kind {
  HR_ERR_NONE = 0,
  HR_ERR_SYSTEM,  /* I/O or resource failure; `code` holds errno */
  HR_ERR_INPUT,   /* malformed config.json, process.json, argv, stdin */
  HR_ERR_PROFILE, /* the profile or hardrun.conf is unreadable or invalid */
  HR_ERR_REFUSED, /* the policy refuses this container */
};

#define HR_ERROR_MSG_MAX 2048

/* The library's one error type.  A function that fails fills it and returns
 * a negative value; only main reports it.  It is a fixed buffer on purpose:
 * reporting an out-of-memory error must not need memory. */
struct hr_error {
  enum hr_error_kind kind;
  int code; /* errno, or 0 */
  char msg[HR_ERROR_MSG_MAX];
};

/* Fill `err` and return -1.  With HR_ERR_SYSTEM and code != 0 the message
 * gets ": strerror(code)" appended. */
int hr_error_set(struct hr_error *err, enum hr_error_kind kind, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepend "context: " to an already filled error and return -1, so callers
 * can add where-context on the way up without losing the cause. */
int hr_error_prefix(struct hr_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define hr_error_sys(err, fmt, ...)     hr_error_set(err, HR_ERR_SYSTEM, errno, fmt, ##__VA_ARGS__)
#define hr_error_input(err, fmt, ...)   hr_error_set(err, HR_ERR_INPUT, 0, fmt, ##__VA_ARGS__)
#define hr_error_profile(err, fmt, ...) hr_error_set(err, HR_ERR_PROFILE, 0, fmt, ##__VA_ARGS__)
#define hr_error_refused(err, fmt, ...) hr_error_set(err, HR_ERR_REFUSED, 0, fmt, ##__VA_ARGS__)
#define hr_error_oom(err)               hr_error_set(err, HR_ERR_SYSTEM, ENOMEM, "out of memory")

#endif
