/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes the pass-through cache (hardrun/passcache.h); src/prestart.c
 * reads it before the C library starts. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hardrun/passcache.h"
#include "hardrun/rundir.h"
#include "hardrun/utils.h"

int hr_passcache_store(const char *conf_path, const char *conf, size_t len, const char *runtime,
                       struct hr_error *err)
{
  size_t plen = strlen(conf_path), rlen = strlen(runtime), total;
  struct hr_passcache_header h = {.magic = HR_PASSCACHE_MAGIC};
  char name[HR_PASSCACHE_NAME_LEN + 1];
  cleanup_free char *buf = NULL;
  cleanup_close int top = -1, dirfd = -1;

  /* Bounds the reader holds to as well: anything larger is never cached. */
  if (plen == 0 || plen > HR_PASSCACHE_PATH_MAX || rlen == 0 || rlen > HR_PASSCACHE_PATH_MAX ||
      runtime[0] != '/' || len > HR_PASSCACHE_CONF_MAX)
    return hr_error_input(err, "pass-through cache: nothing cacheable");
  h.path_len = (uint32_t)plen;
  h.runtime_len = (uint32_t)rlen;
  h.conf_len = len;
  total = sizeof(h) + plen + rlen + len;
  buf = hr_malloc(total, err);
  if (buf == NULL)
    return -1;
  memcpy(buf, &h, sizeof(h));
  memcpy(buf + sizeof(h), conf_path, plen);
  memcpy(buf + sizeof(h) + plen, runtime, rlen);
  if (len > 0)
    memcpy(buf + sizeof(h) + plen + rlen, conf, len);
  top = hr_rundir_open(AT_FDCWD, HR_PASSCACHE_TOP, HR_PASSCACHE_TOP, true, err);
  if (top < 0)
    return -1;
  dirfd = hr_rundir_open(top, HR_PASSCACHE_SUB, HR_PASSCACHE_DIR, true, err);
  if (dirfd < 0)
    return -1;
  hr_passcache_name(conf_path, name);
  return hr_replace_file_at(dirfd, name, buf, total, 0600, err);
}
