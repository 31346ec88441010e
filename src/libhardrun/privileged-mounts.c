/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "privileged" rule's part in mounts: the kernel's own filesystems a
 * spec mounts (a second proc or sysfs, a writable sysfs or cgroupfs). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/userns.h"
#include "hardrun/utils.h"
#include "hostmounts-internal.h"

/* The last of "ro" and "rw" wins, as in runc's flag table; "rro" is applied
 * by mount_setattr after runc's own remount of cgroupfs, so only MS_RDONLY
 * counts here. */
static bool read_only_flag(const struct hr_json *options)
{
  bool ro = false;

  for (size_t k = 0; options != NULL && k < options->u.array.len; k++) {
    const char *o = options->u.array.items[k]->u.string.s;
    if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
      ro = o[1] == 'o';
  }
  return ro;
}

/* The spec makes a user namespace of its own (no path) that maps no
 * container id onto host uid 0: its root owns nothing of the host's sysfs
 * or cgroupfs, so those may stay writable (docker --userns-remap). */
static int private_userns(struct hr_apply_ctx *ctx, bool *ret, struct hr_error *err)
{
  struct hr_json *linux_obj, *nss = NULL, *maps = NULL;
  bool userns = false;

  *ret = false;
  if (hr_rule_spec_linux(ctx, false, &linux_obj, err) < 0)
    return -1;
  if (linux_obj == NULL ||
      hr_rule_spec_get_array_of(linux_obj, "namespaces", HR_JSON_OBJECT, "linux.namespaces", &nss,
                                err) < 0 ||
      hr_rule_spec_get_array_of(linux_obj, "uidMappings", HR_JSON_OBJECT, "linux.uidMappings",
                                &maps, err) < 0)
    return linux_obj == NULL ? 0 : -1;
  for (size_t i = 0; nss != NULL && i < nss->u.array.len; i++) {
    const struct hr_json *e = nss->u.array.items[i], *t = hr_json_get(e, "type"),
                         *path = hr_json_get(e, "path");
    if (t != NULL && t->type == HR_JSON_STRING && strcmp(t->u.string.s, "user") == 0)
      userns = hr_json_is_null(path) || (path->type == HR_JSON_STRING && path->u.string.s[0] == 0);
  }
  if (!userns || maps == NULL || maps->u.array.len == 0)
    return 0;
  for (size_t i = 0; i < maps->u.array.len; i++) {
    char p[64];
    int64_t host, size;
    bool present;
    hr_field_path(p, sizeof(p), "linux.uidMappings", i, ".hostID");
    if (hr_rule_spec_i64(maps->u.array.items[i], "hostID", p, &present, &host, err) < 0)
      return -1;
    hr_field_path(p, sizeof(p), "linux.uidMappings", i, ".size");
    if (hr_rule_spec_i64(maps->u.array.items[i], "size", p, &present, &size, err) < 0)
      return -1;
    if (host <= 0 && host + size > 0)
      return 0;
  }
  *ret = true;
  return 0;
}

/* One non-bind mount of a kernel filesystem: proc anywhere but /proc
 * (runc's masked and read-only paths are all under /proc), sysfs anywhere
 * but /sys (/sys/firmware and Docker's /sys/devices/virtual/powercap are
 * masked there only), and a writable sysfs or cgroupfs (uevent_helper,
 * /sys/power, the container's own pids.max and memory limits).  Returns 1
 * when the mount was removed. */
static int privileged_mount(struct hr_apply_ctx *ctx, enum hr_rule_mode mode,
                            struct hr_json *mounts, size_t i, const struct mount_info *mi,
                            bool userns, struct hr_error *err)
{
  struct hr_json *m = mounts->u.array.items[i], *ro;
  char where[64], q[HR_QUOTE_MAX];
  int rc;

  if (strcmp(mi->type, "proc") == 0 || strcmp(mi->type, "sysfs") == 0) {
    bool proc = mi->type[0] == 'p';
    cleanup_free char *dest = hr_path_clean(mi->dest_raw, err);
    if (dest == NULL)
      return -1;
    if (strcmp(dest, proc ? "/proc" : "/sys") != 0) {
      hr_field_path(where, sizeof(where), "mounts", i, ".destination");
      rc = hr_rule_breach(
          ctx, mode, where, err,
          proc ? "a proc mount at %s has none of the masked and read-only paths "
                 "runc puts under /proc (/proc/sys, /proc/sysrq-trigger, /proc/kcore)"
               : "a sysfs mount at %s has none of the masked paths runc puts under "
                 "/sys (/sys/firmware, /sys/devices/virtual/powercap)",
          hr_quote(q, sizeof(q), dest, strlen(dest)));
      return rc <= 0 ? rc : hr_mount_remove(ctx, mounts, i, err);
    }
    if (proc)
      return 0;
  }
  if ((strcmp(mi->type, "sysfs") != 0 && strcmp(mi->type, "cgroup") != 0 &&
       strcmp(mi->type, "cgroup2") != 0) ||
      read_only_flag(mi->options) || userns)
    return 0;
  hr_field_path(where, sizeof(where), "mounts", i, ".options");
  rc = hr_rule_breach(ctx, mode, where, err,
                      "a writable %s mount lets the container change %s (as --privileged does)",
                      mi->type,
                      strcmp(mi->type, "sysfs") == 0 ? "the host's kernel and device settings"
                                                     : "its own cgroup limits");
  if (rc <= 0)
    return rc;
  ro = hr_json_new_string(ctx->doc, "ro", err);
  if (ro == NULL)
    return -1;
  return hr_rule_append_item(ctx, m, "options", where, ro, err) < 0 ? -1 : 0;
}

int hr_privileged_mounts(struct hr_apply_ctx *ctx, enum hr_rule_mode mode, struct hr_error *err)
{
  struct hr_json *mounts = hr_json_get(ctx->spec, "mounts");
  size_t kept = 0;
  bool drop = false;
  bool userns;

  if (mode == HR_MODE_OFF)
    return 0;
  /* Read whether or not there are mounts: readonly-rootfs adds some, and
   * the rewrite must read as its input did (a uidMappings of the wrong
   * type refused both times, not only the second). */
  if (private_userns(ctx, &userns, err) < 0)
    return -1;
  if (hr_json_is_null(mounts))
    return 0;
  if (mounts->type != HR_JSON_ARRAY)
    return hr_error_input(err, "mounts: expected an array");
  for (size_t i = 0; i < mounts->u.array.len; hr_rule_squeeze(mounts, i++, &drop, &kept)) {
    struct mount_info mi;
    int rc;
    if (mounts->u.array.items[i]->type != HR_JSON_OBJECT)
      return hr_error_input(err, "mounts[%zu]: expected an object", i);
    if (hr_mount_info(mounts->u.array.items[i], i, &mi, err) < 0)
      return -1;
    rc = mi.bind ? 0 : privileged_mount(ctx, mode, mounts, i, &mi, userns, err);
    if (rc < 0)
      return -1;
    drop = rc > 0;
  }
  hr_rule_squeeze_end(mounts, kept);
  return 0;
}
