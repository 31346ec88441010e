/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hardrun/error.h"

int hr_error_set(struct hr_error *err, enum hr_error_kind kind, int code, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (err == NULL)
    return -1;
  err->kind = kind;
  err->code = code;
  va_start(ap, fmt);
  n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  if (n < 0)
    err->msg[0] = '\0';
  if (kind == HR_ERR_SYSTEM && code != 0) {
    size_t used = strlen(err->msg);
    if (used < sizeof(err->msg))
      snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(code));
  }
  return -1;
}

int hr_error_prefix(struct hr_error *err, const char *fmt, ...)
{
  char prefix[512];
  char old[HR_ERROR_MSG_MAX];
  va_list ap;

  if (err == NULL)
    return -1;
  va_start(ap, fmt);
  if (vsnprintf(prefix, sizeof(prefix), fmt, ap) < 0)
    prefix[0] = '\0';
  va_end(ap);
  memcpy(old, err->msg, sizeof(old));
  old[sizeof(old) - 1] = '\0';
  /* Truncation is the intended behaviour for over-long messages. */
  size_t plen = strlen(prefix), olen = strlen(old), cap = sizeof(err->msg) - 1, o = 0;
  memcpy(err->msg, prefix, plen < cap ? plen : cap);
  o = plen < cap ? plen : cap;
  if (o + 2 <= cap) {
    memcpy(err->msg + o, ": ", 2);
    o += 2;
  }
  if (olen > cap - o)
    olen = cap - o;
  memcpy(err->msg + o, old, olen);
  err->msg[o + olen] = '\0';
  return -1;
}
