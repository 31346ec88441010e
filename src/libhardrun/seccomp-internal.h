/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between seccomp.c (parsing, validation, the control) and
 * seccomp-cache.c (the validation cache); not part of the library's
 * interface. */
#ifndef HARDRUN_SECCOMP_INTERNAL_H
#define HARDRUN_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hardrun/seccomp.h"

/* Limits of a seccomp profile, checked when it is parsed and again when a
 * validated filter is read back from the cache. */
#define HR_SC_FILE_MAX_SIZE (1u << 20)
#define HR_SC_MAX_RULES     4096
#define HR_SC_MAX_NAMES     4096
#define HR_SC_NAME_MAX      64
/* Larger values do not look like an error to libc, and libseccomp refuses
 * ERRNO data from MAX_ERRNO (4095) up. */
#define HR_SC_ERRNO_MAX 4094
#define HR_SC_MAX_ARG   5
#define HR_SC_MAX_ARCHS 16
/* The kernel loads at most BPF_MAXINSNS (4096) instructions of 8 bytes. */
#define HR_SC_BPF_MAX (4096u * 8u)

/* [a-z0-9_], 1..HR_SC_NAME_MAX bytes. */
bool hr_seccomp__name_well_formed(const char *s, size_t len);
/* The OCI name of a libseccomp architecture token runc 1.1 knows, or NULL. */
const char *hr_seccomp__arch_name(uint32_t token);
/* Free one rule's arrays (not the rule itself). */
void hr_seccomp__rule_free(struct hr_seccomp_rule *r);

/* The cache directory `dir` (made 0700 when missing, with its parent), or
 * -1 when it cannot be used or could have been written by anyone but this
 * euid: every create then validates in full. */
int hr_seccomp__cache_open(const char *dir);
/* What besides the profile's bytes decides whether they validate: this
 * hardrun and its cache format, libseccomp's version, the native
 * architecture and the kernel release.  Returns its length (0: unknown,
 * then there is no caching). */
#define HR_SC_CACHE_KEY_MAX 512
/* Entries kept in the cache directory (the newest), and how many names a
 * store looks at when it prunes. */
#define HR_SC_CACHE_MAX_ENTRIES 64
#define HR_SC_CACHE_SCAN_MAX    4096
size_t hr_seccomp__cache_key(char *buf, size_t size);
/* The file name of the entry for `key` and the profile bytes. */
void hr_seccomp__cache_entry_name(const char *key, size_t key_len, const char *buf, size_t len,
                                  char name[17]);
/* The filter validated earlier from exactly these `len` bytes of profile
 * under `key`: 0 and `*ret` (from_cache set) on a hit; -1 on a miss, for
 * any reason, including an entry that is corrupt, foreign-owned, too open,
 * made under another key or from other bytes. */
int hr_seccomp__cache_load(int dirfd, const char *key, size_t key_len, const char *buf, size_t len,
                           struct hr_seccomp_filter **ret);
/* Set the checksum of an entry of `len` bytes (the store does; tests use it
 * to make entries whose only fault is in their fields). */
void hr_seccomp__cache_seal(char *entry, size_t len);
/* Remember a filter that passed validation, then drop the oldest entries
 * beyond HR_SC_CACHE_MAX_ENTRIES.  Best effort: an entry that cannot be
 * written costs a full validation next time. */
void hr_seccomp__cache_store(int dirfd, const char *key, size_t key_len, const char *buf,
                             size_t len, const struct hr_seccomp_filter *f);

#endif
