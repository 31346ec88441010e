/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_PASSCACHE_H
#define HARDRUN_PASSCACHE_H

/* The pass-through cache: which runtime hardrun.conf names, stored
 * together with the exact bytes of hardrun.conf it was read from.
 *
 * Commands that carry no spec (state, start, kill, ...) only need the
 * runtime's path, yet finding it means parsing hardrun.conf, and a glibc
 * program pays its C library's start-up before it can do even that (close
 * to a millisecond under some hypervisors, where each CPUID traps).  The
 * pre-start code (src/prestart.c) runs before the C library, compares
 * hardrun.conf byte for byte with the copy in this file, and on a match
 * execs the runtime named here.  Only a full run of hardrun writes the
 * file, after parsing those very bytes, so a hit gives the runtime the
 * full parser gave; anything else falls through to it.
 *
 * The file is trusted only as a state record is: opened without following
 * a symlink, in a directory and as a file owned by hardrun's user that no
 * one else can write. */

#include <stddef.h>
#include <stdint.h>

#include "hardrun/error.h"

/* One file per hardrun.conf path (hosts and tests run several), named by
 * hr_passcache_name(), in HR_PASSCACHE_DIR. */
#define HR_PASSCACHE_TOP      "/run/hardrun"
#define HR_PASSCACHE_SUB      "passthrough"
#define HR_PASSCACHE_DIR      HR_PASSCACHE_TOP "/" HR_PASSCACHE_SUB
#define HR_PASSCACHE_NAME_LEN 16u

/* 16 bytes, then the lengths, then the conf's path, the runtime and the
 * conf's bytes, then the end of the file. */
#define HR_PASSCACHE_MAGIC     "hardrun-pt-1\n\0\0\0"
#define HR_PASSCACHE_MAGIC_LEN 16u
#define HR_PASSCACHE_PATH_MAX  4095u
#define HR_PASSCACHE_CONF_MAX  (1u << 20) /* hardrun.conf's own bound */

struct hr_passcache_header {
  char magic[HR_PASSCACHE_MAGIC_LEN];
  uint32_t path_len;    /* the conf's path as hardrun was given it */
  uint32_t runtime_len; /* absolute path of the runtime */
  uint64_t conf_len;
};

/* The cache file's name for hardrun.conf at `path`: FNV-1a 64 of the path
 * in hex.  Two paths that share a name only take turns in the file: the
 * path is stored in it and compared.  No libc: src/prestart.c uses it. */
static inline void hr_passcache_name(const char *path, char buf[HR_PASSCACHE_NAME_LEN + 1])
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);

  for (; *path != '\0'; path++)
    h = (h ^ (unsigned char)*path) * UINT64_C(0x100000001b3);
  for (unsigned i = HR_PASSCACHE_NAME_LEN; i-- > 0; h >>= 4)
    buf[i] = "0123456789abcdef"[h & 15];
  buf[HR_PASSCACHE_NAME_LEN] = '\0';
}

/* Record that hardrun.conf at `conf_path`, holding `conf` (len bytes),
 * names `runtime`.  Replaces the file atomically; makes its directory when
 * missing.  Fails without harm when hardrun's user cannot write there. */
int hr_passcache_store(const char *conf_path, const char *conf, size_t len, const char *runtime,
                       struct hr_error *err);

#endif
