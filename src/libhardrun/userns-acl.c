/* SPDX-License-Identifier: GPL-2.0-or-later */
/* POSIX access ACLs, read and written as the kernel's xattr
 * (system.posix_acl_access) so that no libacl is needed: a header word
 * (version 2) and 8-byte entries {tag, perm, id}, little endian, sorted by
 * tag and then id, which is the order the kernel checks on write. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "hardrun/userns.h"
#include "hardrun/utils.h"

#define ACL_XATTR     "system.posix_acl_access"
#define ACL_VERSION   2u
#define ACL_MAX       128u /* entries hardrun will read or write */
#define TAG_USER_OBJ  0x01u
#define TAG_USER      0x02u
#define TAG_GROUP_OBJ 0x04u
#define TAG_GROUP     0x08u
#define TAG_MASK      0x10u
#define TAG_OTHER     0x20u
#define PERM_X        1u
#define NO_ID         UINT32_MAX

struct acl_entry {
  uint16_t tag, perm;
  uint32_t id;
};

struct acl {
  struct acl_entry e[ACL_MAX];
  size_t n;
};

/* The ACL of `fd`; without an xattr, the three entries of the mode bits. */
static int acl_read(int fd, const struct stat *st, struct acl *ret, struct hr_error *err)
{
  unsigned char buf[4 + ACL_MAX * 8];
  ssize_t n = fgetxattr(fd, ACL_XATTR, buf, sizeof(buf));
  uint32_t version;

  ret->n = 0;
  if (n < 0 && (errno == ENODATA || errno == EOPNOTSUPP)) {
    ret->e[0] = (struct acl_entry){TAG_USER_OBJ, (st->st_mode >> 6) & 7, NO_ID};
    ret->e[1] = (struct acl_entry){TAG_GROUP_OBJ, (st->st_mode >> 3) & 7, NO_ID};
    ret->e[2] = (struct acl_entry){TAG_OTHER, st->st_mode & 7, NO_ID};
    ret->n = 3;
    return 0;
  }
  if (n < 0)
    return hr_error_sys(err, "read the ACL");
  memcpy(&version, buf, 4);
  if (n < 4 || (n - 4) % 8 != 0 || le32toh(version) != ACL_VERSION)
    return hr_error_set(err, HR_ERR_SYSTEM, EINVAL, "read the ACL: unknown format");
  for (ssize_t off = 4; off < n; off += 8) {
    struct acl_entry *e = &ret->e[ret->n++];
    memcpy(&e->tag, buf + off, 2);
    memcpy(&e->perm, buf + off + 2, 2);
    memcpy(&e->id, buf + off + 4, 4);
    e->tag = le16toh(e->tag);
    e->perm = le16toh(e->perm);
    e->id = le32toh(e->id);
  }
  return 0;
}

static int acl_write(int fd, const struct acl *a, struct hr_error *err)
{
  unsigned char buf[4 + ACL_MAX * 8];
  uint32_t version = htole32(ACL_VERSION);

  memcpy(buf, &version, 4);
  for (size_t i = 0; i < a->n; i++) {
    uint16_t tag = htole16(a->e[i].tag), perm = htole16(a->e[i].perm);
    uint32_t id = htole32(a->e[i].id);
    memcpy(buf + 4 + i * 8, &tag, 2);
    memcpy(buf + 6 + i * 8, &perm, 2);
    memcpy(buf + 8 + i * 8, &id, 4);
  }
  if (fsetxattr(fd, ACL_XATTR, buf, 4 + a->n * 8, 0) < 0)
    return hr_error_sys(err, "write the ACL");
  return 0;
}

static struct acl_entry *acl_find(struct acl *a, uint16_t tag, uint32_t id)
{
  for (size_t i = 0; i < a->n; i++)
    if (a->e[i].tag == tag && (id == NO_ID || a->e[i].id == id))
      return &a->e[i];
  return NULL;
}

/* The kernel's order of checks (fs/posix_acl.c), for search permission. */
static bool acl_allows_x(struct acl *a, const struct stat *st, uid_t uid, gid_t gid)
{
  struct acl_entry *mask = acl_find(a, TAG_MASK, NO_ID), *e;
  unsigned m = mask != NULL ? mask->perm : 7;
  bool group_matched = false;

  if (st->st_uid == uid)
    return (st->st_mode & S_IXUSR) != 0;
  /* The kernel reads the ACL only when the mode's group bits (the mask)
   * grant something; else the mode bits alone decide (acl_permission_check). */
  if ((st->st_mode & S_IRWXG) == 0)
    return st->st_gid != gid && (st->st_mode & S_IXOTH) != 0;
  if ((e = acl_find(a, TAG_USER, uid)) != NULL)
    return (e->perm & m & PERM_X) != 0;
  for (size_t i = 0; i < a->n; i++) {
    e = &a->e[i];
    if ((e->tag == TAG_GROUP_OBJ && st->st_gid == gid) || (e->tag == TAG_GROUP && e->id == gid)) {
      group_matched = true;
      if (e->perm & m & PERM_X)
        return true;
    }
  }
  if (group_matched)
    return false;
  e = acl_find(a, TAG_OTHER, NO_ID);
  return e != NULL && (e->perm & PERM_X) != 0;
}

int hr_acl_can_search(int fd, uid_t uid, gid_t gid, struct hr_error *err)
{
  struct stat st;
  struct acl a;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "stat");
  if (acl_read(fd, &st, &a, err) < 0)
    return -1;
  return acl_allows_x(&a, &st, uid, gid) ? 1 : 0;
}

static void acl_insert(struct acl *a, struct acl_entry e)
{
  size_t i = 0;

  while (i < a->n && (a->e[i].tag < e.tag || (a->e[i].tag == e.tag && a->e[i].id < e.id)))
    i++;
  memmove(&a->e[i + 1], &a->e[i], (a->n - i) * sizeof(a->e[0]));
  a->e[i] = e;
  a->n++;
}

/* Why a "--x" entry for `uid` cannot be added to `a`, or 0. */
static int grant_refusal(const struct acl *a, const char *path, uid_t uid, struct hr_error *err)
{
  const struct acl_entry *mask = acl_find((struct acl *)a, TAG_MASK, NO_ID);

  if (acl_find((struct acl *)a, TAG_USER, uid) != NULL)
    return hr_error_refused(err,
                            "the ACL of `%s` already has an entry for uid %u that denies "
                            "search; remove it or make the directory searchable",
                            path, (unsigned)uid);
  if (a->n + 2 > ACL_MAX)
    return hr_error_refused(err, "the ACL of `%s` is full", path);
  if (mask != NULL && (mask->perm & PERM_X) == 0)
    return hr_error_refused(err,
                            "the ACL mask of `%s` denies search to every named entry; "
                            "make the directory searchable (chmod o+x)",
                            path);
  return 0;
}

int hr_acl_grant_check(int fd, const char *path, uid_t uid, struct hr_error *err)
{
  struct stat st;
  struct acl a;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "stat `%s`", path);
  if (acl_read(fd, &st, &a, err) < 0)
    return hr_error_prefix(err, "`%s`", path);
  return grant_refusal(&a, path, uid, err);
}

int hr_acl_grant_search(int fd, const char *path, uid_t uid, struct hr_error *err)
{
  struct acl_entry *group_obj;
  struct stat st;
  struct acl a;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "stat `%s`", path);
  if (acl_read(fd, &st, &a, err) < 0)
    return hr_error_prefix(err, "`%s`", path);
  if (grant_refusal(&a, path, uid, err) < 0)
    return -1;
  if (acl_find(&a, TAG_MASK, NO_ID) == NULL) {
    /* The mask caps the group class: group_obj's own bits keep it as it was. */
    group_obj = acl_find(&a, TAG_GROUP_OBJ, NO_ID);
    acl_insert(&a, (struct acl_entry){
                       TAG_MASK, (uint16_t)((group_obj ? group_obj->perm : 0) | PERM_X), NO_ID});
  }
  acl_insert(&a, (struct acl_entry){TAG_USER, PERM_X, (uint32_t)uid});
  if (acl_write(fd, &a, err) < 0) {
    if (err->code == EOPNOTSUPP || err->code == ENOSPC || err->code == E2BIG)
      return hr_error_refused(err,
                              "cannot add an ACL entry to `%s` (%s); make the directory "
                              "searchable (chmod o+x)",
                              path, strerror(err->code));
    return hr_error_prefix(err, "`%s`", path);
  }
  return 0;
}

int hr_acl_revoke(int fd, const char *path, uid_t uid, struct hr_error *err)
{
  struct acl_entry *e;
  bool named = false;
  struct stat st;
  struct acl a;
  size_t i;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "stat `%s`", path);
  if (acl_read(fd, &st, &a, err) < 0)
    return hr_error_prefix(err, "`%s`", path);
  if ((e = acl_find(&a, TAG_USER, uid)) == NULL)
    return 0;
  i = (size_t)(e - a.e);
  memmove(&a.e[i], &a.e[i + 1], (a.n - i - 1) * sizeof(a.e[0]));
  a.n--;
  for (i = 0; i < a.n; i++)
    named |= a.e[i].tag == TAG_USER || a.e[i].tag == TAG_GROUP;
  /* Without named entries the mask is ours; dropping it leaves the three
   * mode entries, which the kernel stores as plain mode bits again. */
  if (!named && (e = acl_find(&a, TAG_MASK, NO_ID)) != NULL) {
    i = (size_t)(e - a.e);
    memmove(&a.e[i], &a.e[i + 1], (a.n - i - 1) * sizeof(a.e[0]));
    a.n--;
  }
  if (acl_write(fd, &a, err) < 0)
    return hr_error_prefix(err, "`%s`", path);
  return 0;
}
