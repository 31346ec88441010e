/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What hostmounts.c and privileged-mounts.c share: reading one entry of
 * mounts as runc 1.1 reads it, and removing one. */
#ifndef HARDRUN_HOSTMOUNTS_INTERNAL_H
#define HARDRUN_HOSTMOUNTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "hardrun/controls.h"
#include "hardrun/error.h"
#include "hardrun/json.h"

/* What runc 1.1 reads from one mount. */
struct mount_info {
  const char *source, *dest_raw, *type;
  struct hr_json *options; /* array of strings or NULL */
  bool bind, ro;
};

/* mounts[i] (`m`) as runc reads it: wrong types are HR_ERR_INPUT. */
int hr_mount_info(const struct hr_json *m, size_t i, struct mount_info *ret, struct hr_error *err);

/* Record the removal of mounts[i] and return 1; the caller's loop takes
 * it out (hr_rule_squeeze), so i is still its index in the spec. */
int hr_mount_remove(struct hr_apply_ctx *ctx, struct hr_json *mounts, size_t i,
                    struct hr_error *err);

#endif
