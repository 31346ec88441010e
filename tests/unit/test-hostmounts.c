/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "host-mounts" rule against a real directory tree: symlinks, "..",
 * sockets, Docker's per-container files and volumes, made under a temporary
 * directory T whose parts the test profile declares sensitive.  One row per
 * case: a mount (with "@" standing for T), and the exact refusal or "ok".
 * A few rows use the host's own paths with the built-in lists. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "hardrun/userns.h"

static char tmpdir[] = "/tmp/hr-hostmounts.XXXXXX";

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- the tree ------------------------------------------------------------------ */

static void mk(const char *kind, const char *rel, const char *target)
{
  char path[PATH_MAX];
  int r = 0;

  snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
  if (strcmp(kind, "dir") == 0)
    r = mkdir(path, 0755);
  else if (strcmp(kind, "file") == 0) {
    FILE *f = fopen(path, "we");
    r = f == NULL ? -1 : fclose(f);
  } else if (strcmp(kind, "link") == 0)
    r = symlink(target, path);
  else if (strcmp(kind, "sock") == 0) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (strlen(path) >= sizeof(sa.sun_path))
      fail_msg("socket path too long: %s", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    if (fd >= 0)
      close(fd);
  }
  if (r < 0)
    fail_msg("make %s %s: %s", kind, path, strerror(errno));
}

static int setup(void **state)
{
  static const char *const tree[][3] = {
      {"dir", "etc", NULL},
      {"file", "etc/passwd", NULL},
      {"file", "etc/allowed", NULL},
      {"file", "etc/ro-only", NULL},
      {"link", "etc-link", "etc"},
      {"dir", "run", NULL},
      {"dir", "var", NULL},
      {"link", "var/run", "../run"},
      {"sock", "run/docker.sock", NULL},
      {"dir", "ok", NULL},
      {"file", "ok/file", NULL},
      {"link", "ok/escape", "../etc/passwd"},
      {"dir", "ok/sockdir", NULL},
      {"sock", "ok/sockdir/containerd.sock", NULL},
      {"dir", "lib64", NULL},
      {"dir", "li", NULL},
      {"dir", "data", NULL},
      {"dir", "data/containers", NULL},
      {"dir", "data/containers/" ID64, NULL},
      {"file", "data/containers/" ID64 "/hosts", NULL},
      {"file", "data/containers/" ID64 "/hostname", NULL},
      {"file", "data/containers/" ID64 "/resolv.conf", NULL},
      {"dir", "data/containers/" ID64 "/mounts", NULL},
      {"dir", "data/containers/" ID64 "/mounts/shm", NULL},
      {"dir", "data/containers/abc", NULL},
      {"file", "data/containers/abc/hosts", NULL},
      {"dir", "data/volumes", NULL},
      {"file", "data/volumes/metadata.db", NULL},
      {"dir", "data/volumes/myvol", NULL},
      {"dir", "data/volumes/myvol/_data", NULL},
      {"dir", "data/other", NULL},
      {"dir", "data/other/volumes", NULL},
      {"dir", "data/other/volumes/v", NULL},
      {"dir", "data/other/volumes/v/_data", NULL},
      {"dir", "data/ctd", NULL},
      {"dir", "data/ctd/io.containerd.grpc.v1.cri", NULL},
      {"dir", "data/ctd/io.containerd.grpc.v1.cri/sandboxes", NULL},
      {"dir", "data/ctd/io.containerd.grpc.v1.cri/sandboxes/" ID64, NULL},
      {"file", "data/ctd/io.containerd.grpc.v1.cri/sandboxes/" ID64 "/resolv.conf", NULL},
      {"dir", "data/ctd/io.containerd.grpc.v1.cri/sandboxes/" ID64 "/shm", NULL},
      {"link", "loop", "loop"},
      {"dir", "etc/sub", NULL},
      {"dir", "data/vfs", NULL},
      {"dir", "data/vfs/dir", NULL},
      {"dir", "data/vfs/dir/" ID64, NULL},
      {"dir", "data/vfs/dir/" ID64 "/etc", NULL},
      {"dir", "ok/img", NULL},
      {"dir", "ok/img/proc", NULL},
      {"link", "ok/selfroot", "/proc/self/root"},
  };

  (void)state;
  if (mkdtemp(tmpdir) == NULL)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(tree); i++)
    mk(tree[i][0], tree[i][1], tree[i][2]);
  return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int teardown(void **state)
{
  (void)state;
  return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* `s` with every "@" replaced by the temporary directory. */
static char *subst(const char *s)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  assert_non_null(f);
  for (; *s != '\0'; s++)
    if (*s == '@')
      fputs(tmpdir, f);
    else
      fputc(*s, f);
  fclose(f);
  return out;
}

/* ---- the runner ------------------------------------------------------------------- */

struct mcase {
  const char *name;
  const char *profile; /* "" = the test profile below */
  const char *mounts;  /* the spec's mounts array */
  const char *out;     /* NULL: unchanged */
  const char *log;     /* change and finding records */
  const char *refused; /* exact refusal after the rule prefix */
  const char *input;   /* exact input error after the rule prefix */
};

#define IDMAP_MSG                                                                                  \
  "an idmapped mount (crun maps the host ids the spec names onto the container's for it; runc "    \
  "1.1 ignores it)"

#define TEST_PROFILE                                                                               \
  "{\"hostMounts\":{\"sensitive\":[\"/\",\"@/etc\",\"@/var/run\",\"@/data\",\"@/lib*\"],"          \
  "\"allow\":[\"@/etc/allowed\"],\"allowReadOnly\":[\"@/etc-link/ro-only\"]}}"

static void run_case(void **state)
{
  const struct mcase *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_free char *profile = subst(c->profile[0] ? c->profile : TEST_PROFILE);
  cleanup_free char *mounts = subst(c->mounts), *spec = NULL, *want_out = NULL;
  cleanup_free char *want_log = subst(c->log ? c->log : ""), *out = NULL, *log = NULL;
  cleanup_free char *want_err = NULL;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  assert_true(asprintf(&spec, "{\"mounts\":%s}", mounts) > 0);
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->refused != NULL || c->input != NULL) {
    cleanup_free char *tail = subst(c->refused ? c->refused : c->input);
    assert_true(asprintf(&want_err, "profile \"test\": rule \"host-mounts\": %s", tail) > 0);
    if (r >= 0)
      fail_msg("expected \"%s\", got success with:\n%s", want_err, log);
    assert_int_equal(err.kind, c->refused != NULL ? HR_ERR_REFUSED : HR_ERR_INPUT);
    assert_string_equal(err.msg, want_err);
    return;
  }
  if (r < 0)
    fail_msg("apply failed: %s", err.msg);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  if (c->out != NULL) {
    cleanup_free char *m = subst(c->out);
    assert_true(asprintf(&want_out, "{\"mounts\":%s}", m) > 0);
  }
  assert_string_equal(out, want_out ? want_out : spec);
  assert_string_equal(log, want_log);
}

/* ---- rows ---------------------------------------------------------------------------- */

#define BIND(src, dst)                                                                             \
  "{\"destination\":\"" dst "\",\"type\":\"bind\",\"source\":\"" src "\",\"options\":[\"rbind\"]}"
#define BIND_O(src, dst, o)                                                                        \
  "{\"destination\":\"" dst "\",\"type\":\"bind\",\"source\":\"" src "\",\"options\":[" o "]}"
#define ONE(m) "[" m "]"
#define KERNEL_FS(t)                                                                               \
  "{\"destination\":\"/k\",\"type\":\"" t "\",\"source\":\"" t "\",\"options\":[\"ro\"]}"
#define TYPE_MSG(t)                                                                                \
  "filesystem type \"" t "\" is not one a container is given (proc, sysfs, cgroup, cgroup2, "      \
  "tmpfs, devpts, mqueue, overlay or a bind mount): others, such as binfmt_misc, debugfs or "      \
  "devtmpfs, are the host kernel's"
#define REMOUNT_MSG                                                                                \
  "\"remount\" changes the mount already at the destination (a read-only bind made writable, "     \
  "say) instead of adding one"
#define OVERLAY(o)                                                                                 \
  "{\"destination\":\"/o\",\"type\":\"overlay\",\"source\":\"overlay\",\"options\":[" o "]}"
#define OVERLAY_MSG                                                                                \
  " holds a comma or a backslash: runc joins the options with commas and overlayfs splits them "   \
  "again, with backslash escapes, so the directories it gets are not the ones written"
#define PROC_LINK_MSG                                                                              \
  ", a link of /proc that names the process following it: runc's init, in the container's mount "  \
  "namespace, resolves it to another path than hardrun"
#define SRC0    "mounts[0].source: "
#define C       "@/data/containers/" ID64
#define SANDBOX "@/data/ctd/io.containerd.grpc.v1.cri/sandboxes/" ID64

static const struct mcase cases[] = {
    {"an ordinary directory", "", ONE(BIND("@/ok", "/data")), NULL, "", NULL, NULL},
    {"a file in it", "", ONE(BIND("@/ok/file", "/f")), NULL, "", NULL, NULL},
    {"the sensitive directory itself", "", ONE(BIND("@/etc", "/host-etc")), NULL, NULL,
     SRC0 "\"@/etc\" is the sensitive host path \"@/etc\"", NULL},
    {"a file below it", "", ONE(BIND("@/etc/passwd", "/p")), NULL, NULL,
     SRC0 "\"@/etc/passwd\" lies in the sensitive host path \"@/etc\"", NULL},
    {"through a symlinked directory", "", ONE(BIND("@/etc-link/passwd", "/p")), NULL, NULL,
     SRC0 "\"@/etc-link/passwd\" (resolves to \"@/etc/passwd\") lies in the sensitive host path "
          "\"@/etc\"",
     NULL},
    {"through a symlink at the end", "", ONE(BIND("@/ok/escape", "/p")), NULL, NULL,
     SRC0 "\"@/ok/escape\" (resolves to \"@/etc/passwd\") lies in the sensitive host path "
          "\"@/etc\"",
     NULL},
    {"through ..", "", ONE(BIND("@/ok/../etc", "/e")), NULL, NULL,
     SRC0 "\"@/ok/../etc\" (resolves to \"@/etc\") is the sensitive host path \"@/etc\"", NULL},
    {"through a missing directory and ..", "", ONE(BIND("@/missing/../etc/x", "/e")), NULL, NULL,
     SRC0 "\"@/missing/../etc/x\" (resolves to \"@/etc/x\") lies in the sensitive host path "
          "\"@/etc\"",
     NULL},
    {"a missing path below a sensitive one", "", ONE(BIND("@/etc/nope/deeper", "/e")), NULL, NULL,
     SRC0 "\"@/etc/nope/deeper\" lies in the sensitive host path \"@/etc\"", NULL},
    {"a missing path elsewhere is runc's to fail", "", ONE(BIND("@/ok/nope", "/e")), NULL, "", NULL,
     NULL},
    {"a parent of sensitive paths", "", ONE(BIND("@", "/t")), NULL, NULL,
     SRC0 "\"@\" contains the sensitive host path \"@/etc\"", NULL},
    {"a daemon socket through the sensitive symlink", "",
     ONE(BIND("@/var/run/docker.sock", "/var/run/docker.sock")), NULL, NULL,
     SRC0 "\"@/var/run/docker.sock\" (resolves to \"@/run/docker.sock\") is a container-daemon "
          "socket",
     NULL},
    {"the resolved twin of a sensitive entry", "", ONE(BIND("@/run/other", "/r")), NULL, NULL,
     SRC0 "\"@/run/other\" lies in the sensitive host path \"@/var/run\"", NULL},
    {"a directory holding a daemon socket", "", ONE(BIND("@/ok/sockdir", "/s")), NULL, NULL,
     SRC0 "\"@/ok/sockdir\" contains the container-daemon socket \"containerd.sock\"", NULL},
    {"a daemon socket's name anywhere", "", ONE(BIND("@/ok/sockdir/containerd.sock", "/s")), NULL,
     NULL, SRC0 "\"@/ok/sockdir/containerd.sock\" is a container-daemon socket", NULL},
    {"a name prefix entry", "", ONE(BIND("@/lib64", "/l")), NULL, NULL,
     SRC0 "\"@/lib64\" lies in the sensitive host path \"@/lib*\"", NULL},
    {"a shorter name is not the prefix", "", ONE(BIND("@/li", "/l")), NULL, "", NULL, NULL},
    {"a symlink loop cannot be vouched for", "", ONE(BIND("@/loop", "/l")), NULL, NULL,
     SRC0 "\"@/loop\" cannot be resolved on the host (Too many levels of symbolic links)", NULL},
    {"a relative bind source", "", ONE(BIND("etc", "/e")), NULL, NULL,
     SRC0 "relative source \"etc\": runc resolves it against the bundle directory; use an "
          "absolute path",
     NULL},
    {"a bind without a source is the bundle's", "",
     "[{\"destination\":\"/b\",\"options\":[\"bind\"]}]", NULL, NULL,
     SRC0 "relative source \"\": runc resolves it against the bundle directory; use an absolute "
          "path",
     NULL},
    {"any type with rbind is a bind", "",
     "[{\"destination\":\"/e\",\"type\":\"tmpfs\",\"source\":\"@/etc\",\"options\":[\"rbind\"]}]",
     NULL, NULL, SRC0 "\"@/etc\" is the sensitive host path \"@/etc\"", NULL},
    {"a disk filesystem from a host path", "",
     "[{\"destination\":\"/d\",\"type\":\"ext4\",\"source\":\"@/etc/passwd\"}]", NULL, NULL,
     "mounts[0].type: " TYPE_MSG("ext4"), NULL},
    {"a container filesystem with a host path as its source", "",
     "[{\"destination\":\"/d\",\"type\":\"tmpfs\",\"source\":\"@/etc/passwd\"}]", NULL, NULL,
     SRC0 "\"@/etc/passwd\" lies in the sensitive host path \"@/etc\"", NULL},
    {"binfmt_misc registers interpreters for the whole host", "", ONE(KERNEL_FS("binfmt_misc")),
     NULL, NULL, "mounts[0].type: " TYPE_MSG("binfmt_misc"), NULL},
    {"debugfs", "", ONE(KERNEL_FS("debugfs")), NULL, NULL, "mounts[0].type: " TYPE_MSG("debugfs"),
     NULL},
    {"devtmpfs holds every device node", "", ONE(KERNEL_FS("devtmpfs")), NULL, NULL,
     "mounts[0].type: " TYPE_MSG("devtmpfs"), NULL},
    {"type names are exact, as mount(2) takes them", "", ONE(KERNEL_FS("Proc")), NULL, NULL,
     "mounts[0].type: " TYPE_MSG("Proc"), NULL},
    {"no type and no bind option", "", "[{\"destination\":\"/x\",\"source\":\"x\"}]", NULL, NULL,
     "mounts[0].type: " TYPE_MSG(""), NULL},
    {"the type of a bind does not matter", "",
     "[{\"destination\":\"/x\",\"type\":\"debugfs\",\"source\":\"@/ok\",\"options\":["
     "\"bind\"]}]",
     NULL, "", NULL, NULL},
    {"the container's own filesystems", "",
     "[" KERNEL_FS("sysfs") "," KERNEL_FS("cgroup") "," KERNEL_FS("cgroup2") "," KERNEL_FS(
         "devpts") "," KERNEL_FS("mqueue") "]",
     NULL, "", NULL, NULL},
    {"remount turns a read-only bind writable", "",
     "[" BIND_O(
         "@/etc/ro-only", "/r",
         "\"rbind\",\"ro\"") ",{\"destination\":\"/r\",\"type\":"
                             "\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"rw\",\"remount\"]}]",
     NULL, NULL, "mounts[1].options[1]: " REMOUNT_MSG, NULL},
    {"remount with bind", "", ONE(BIND_O("@/ok", "/etc/hosts", "\"bind\",\"remount\",\"rw\"")),
     NULL, NULL, "mounts[0].options[1]: " REMOUNT_MSG, NULL},
    /* crun 1.8 idmaps such a mount onto whatever host ids it names. */
    {"an idmap option", "", ONE(BIND_O("@/ok", "/d", "\"rbind\",\"idmap=uids=0-0-1\"")), NULL, NULL,
     "mounts[0].options[1]: " IDMAP_MSG, NULL},
    {"a recursive idmap option", "", ONE(BIND_O("@/ok", "/d", "\"ridmap\"")), NULL, NULL,
     "mounts[0].options[0]: " IDMAP_MSG, NULL},
    {"a mount's own gidMappings", "",
     "[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"@/ok\",\"options\":[\"rbind\"],"
     "\"uidMappings\":null,\"gidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}]}]",
     NULL, NULL, "mounts[0].gidMappings: " IDMAP_MSG, NULL},
    {"fix removes an idmapped mount",
     "{\"hostMounts\":{\"mode\":\"fix\",\"sensitive\":[\"@/etc\"]}}",
     "[" BIND_O("@/ok", "/d", "\"idmap\"") "," BIND("@/ok", "/b") "]", ONE(BIND("@/ok", "/b")),
     "mounts[0]: " BIND_O("@/ok", "/d", "\"idmap\"") " -> (absent)", NULL, NULL},
    {"fix removes a remount and a kernel filesystem",
     "{\"hostMounts\":{\"mode\":\"fix\",\"sensitive\":[\"@/etc\"]}}",
     "[" KERNEL_FS("debugfs") "," BIND("@/ok", "/b") "," BIND_O("@/ok", "/b", "\"remount\"") "]",
     ONE(BIND("@/ok", "/b")),
     "mounts[0]: " KERNEL_FS("debugfs") " -> (absent)\nmounts[2]: " BIND_O(
         "@/ok", "/b", "\"remount\"") " -> (absent)",
     NULL, NULL},
    {"audit records a kernel filesystem and keeps it",
     "{\"hostMounts\":{\"mode\":\"audit\",\"sensitive\":[\"@/etc\"]}}", ONE(KERNEL_FS("bpf")), NULL,
     "mounts[0].type: AUDIT " TYPE_MSG("bpf"), NULL, NULL},
    {"pseudo filesystems name no host path", "",
     "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},{\"destination\":\"/"
     "tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}]",
     NULL, "", NULL, NULL},
    {"overlay layers", "",
     "[{\"destination\":\"/o\",\"type\":\"overlay\",\"source\":\"overlay\",\"options\":["
     "\"lowerdir=@/ok:@/etc\",\"upperdir=@/ok\"]}]",
     NULL, NULL, "mounts[0].options[0]: \"@/etc\" is the sensitive host path \"@/etc\"", NULL},

    {"Docker's /etc/hosts", "", ONE(BIND(C "/hosts", "/etc/hosts")), NULL, "", NULL, NULL},
    {"Docker's three files", "",
     "[" BIND(C "/resolv.conf", "/etc/resolv.conf") "," BIND(
         C "/hostname", "/etc/hostname") "," BIND(C "/hosts", "etc//hosts") "]",
     NULL, "", NULL, NULL},
    {"Docker's file at another destination", "", ONE(BIND(C "/hosts", "/etc/hostname")), NULL, NULL,
     SRC0 "\"" C "/hosts\" lies in the sensitive host path \"@/data\"", NULL},
    {"a short id is not Docker's", "", ONE(BIND("@/data/containers/abc/hosts", "/etc/hosts")), NULL,
     NULL, SRC0 "\"@/data/containers/abc/hosts\" lies in the sensitive host path \"@/data\"", NULL},
    {"Docker's file reached through ..", "",
     ONE(BIND("@/data/containers/" ID64 "/../" ID64 "/hosts", "/etc/hosts")), NULL, "", NULL, NULL},
    {"the container directory itself", "", ONE(BIND(C, "/etc/hosts")), NULL, NULL,
     SRC0 "\"" C "\" lies in the sensitive host path \"@/data\"", NULL},
    {"Docker's shareable /dev/shm", "", ONE(BIND(C "/mounts/shm", "/dev/shm")), NULL, "", NULL,
     NULL},
    {"a Docker named volume", "", ONE(BIND("@/data/volumes/myvol/_data", "/v")), NULL, "", NULL,
     NULL},
    {"a volume-shaped path without Docker's volume database", "",
     ONE(BIND("@/data/other/volumes/v/_data", "/v")), NULL, NULL,
     SRC0 "\"@/data/other/volumes/v/_data\" lies in the sensitive host path \"@/data\"", NULL},
    {"the volumes directory", "", ONE(BIND("@/data/volumes", "/v")), NULL, NULL,
     SRC0 "\"@/data/volumes\" lies in the sensitive host path \"@/data\"", NULL},
    {"containerd CRI's resolv.conf and shm", "",
     "[" BIND(SANDBOX "/resolv.conf", "/etc/resolv.conf") "," BIND(SANDBOX "/shm", "/dev/shm") "]",
     NULL, "", NULL, NULL},

    {"an allowlisted exact path", "", ONE(BIND("@/etc/allowed", "/a")), NULL, "", NULL, NULL},
    {"a read-only exception, read-only", "", ONE(BIND_O("@/etc/ro-only", "/r", "\"rbind\",\"ro\"")),
     NULL, "", NULL, NULL},
    {"a read-only exception, recursively read-only", "",
     ONE(BIND_O("@/etc/ro-only", "/r", "\"rbind\",\"rro\"")), NULL, "", NULL, NULL},
    {"a read-only exception, writable", "", ONE(BIND("@/etc/ro-only", "/r")), NULL, NULL,
     SRC0 "\"@/etc/ro-only\" lies in the sensitive host path \"@/etc\"", NULL},
    /* runc 1.1 clears read-only with mount_setattr after its remount. */
    {"a read-only exception, ro then rrw", "",
     ONE(BIND_O("@/etc/ro-only", "/r", "\"rbind\",\"ro\",\"rrw\"")), NULL, NULL,
     SRC0 "\"@/etc/ro-only\" lies in the sensitive host path \"@/etc\"", NULL},
    {"a read-only exception, rro then rrw", "",
     ONE(BIND_O("@/etc/ro-only", "/r", "\"bind\",\"rro\",\"ro\",\"rrw\"")), NULL, NULL,
     SRC0 "\"@/etc/ro-only\" lies in the sensitive host path \"@/etc\"", NULL},
    {"a read-only exception, rrw then rro then rw", "",
     ONE(BIND_O("@/etc/ro-only", "/r", "\"rbind\",\"rrw\",\"rro\",\"rw\"")), NULL, "", NULL, NULL},
    {"a read-only exception, ro then rw", "",
     ONE(BIND_O("@/etc/ro-only", "/r", "\"ro\",\"rbind\",\"rw\"")), NULL, NULL,
     SRC0 "\"@/etc/ro-only\" lies in the sensitive host path \"@/etc\"", NULL},
    {"the allowlist is exact", "", ONE(BIND("@/etc", "/e")), NULL, NULL,
     SRC0 "\"@/etc\" is the sensitive host path \"@/etc\"", NULL},

    {"fix removes the mounts, naming their original places",
     "{\"hostMounts\":{\"mode\":\"fix\",\"sensitive\":[\"@/etc\"]}}",
     "[" BIND("@/etc", "/a") "," BIND("@/ok", "/b") "," BIND("@/etc/passwd", "/c") "]",
     ONE(BIND("@/ok", "/b")),
     "mounts[0]: " BIND("@/etc", "/a") " -> (absent)\nmounts[2]: " BIND("@/etc/passwd",
                                                                        "/c") " -> (absent)",
     NULL, NULL},
    {"audit records each", "{\"hostMounts\":{\"mode\":\"audit\",\"sensitive\":[\"@/etc\"]}}",
     "[" BIND("@/etc", "/a") "," BIND("@/etc/passwd", "/c") "]", NULL,
     "mounts[0].source: AUDIT \"@/etc\" is the sensitive host path \"@/etc\"\n"
     "mounts[1].source: AUDIT \"@/etc/passwd\" lies in the sensitive host path \"@/etc\"",
     NULL, NULL},
    {"the host's root with the built-in list", "{\"hostMounts\":true}", ONE(BIND("/", "/host")),
     NULL, NULL, SRC0 "\"/\" is the sensitive host path \"/\"", NULL},
    {"the host's /etc/shadow", "{\"hostMounts\":true}", ONE(BIND("/etc//shadow", "/s")), NULL, NULL,
     SRC0 "\"/etc//shadow\" (resolves to \"/etc/shadow\") lies in the sensitive host path \"/etc\"",
     NULL},
    {"the host's /var", "{\"hostMounts\":true}", ONE(BIND("/var", "/v")), NULL, NULL,
     SRC0 "\"/var\" contains the sensitive host path \"/var/lib/docker\"", NULL},
    {"Docker's init, read-only", "{\"hostMounts\":true}",
     ONE(BIND_O("/usr/bin/docker-init", "/sbin/docker-init", "\"bind\",\"ro\"")), NULL, "", NULL,
     NULL},
    {"the host's time zone, read-only", "{\"hostMounts\":true}",
     ONE(BIND_O("/etc/localtime", "/etc/localtime", "\"rbind\",\"ro\"")), NULL, "", NULL, NULL},
    /* runc's init resolves these, with the rootfs as its working directory:
     * refused whatever the lists say */
    {"through /proc/self", "", ONE(BIND("/proc/self/cwd", "/m")), NULL, NULL,
     SRC0 "\"/proc/self/cwd\" is resolved through \"/proc/self\"" PROC_LINK_MSG, NULL},
    {"through a host symlink to /proc/self", "", ONE(BIND("@/ok/selfroot/etc", "/m")), NULL, NULL,
     SRC0 "\"@/ok/selfroot/etc\" is resolved through \"/proc/self\"" PROC_LINK_MSG, NULL},
    {"/proc/thread-self", "", ONE(BIND("/proc/thread-self/cwd", "/m")), NULL, NULL,
     SRC0 "\"/proc/thread-self/cwd\" is resolved through \"/proc/thread-self\"" PROC_LINK_MSG,
     NULL},
    /* runc joins the options with commas; overlayfs splits and unescapes */
    {"overlay: a comma smuggling a lowerdir", "",
     ONE(OVERLAY("\"upperdir=@/ok\",\"workdir=@/ok/w,lowerdir=@/etc\"")), NULL, NULL,
     "mounts[0].options[1]: \"workdir=@/ok/w,lowerdir=@/etc\"" OVERLAY_MSG, NULL},
    {"overlay: a backslash escape", "", ONE(OVERLAY("\"lowerdir=@/e\\\\tc:@/ok\"")), NULL, NULL,
     "mounts[0].options[0]: \"lowerdir=@/e\\x5ctc:@/ok\"" OVERLAY_MSG, NULL},
    {"overlay: lowerdir+=", "", ONE(OVERLAY("\"lowerdir+=@/etc\"")), NULL, NULL,
     "mounts[0].options[0]: \"@/etc\" is the sensitive host path \"@/etc\"", NULL},
    {"overlay: plain directories", "", ONE(OVERLAY("\"lowerdir=@/ok:@/ok/sockdir/..\"")), NULL, "",
     NULL, NULL},
    {"a source that is not a string", "", "[{\"destination\":\"/a\",\"source\":1}]", NULL, NULL,
     NULL, "mounts[0].source: expected a string"},
    {"an option that is not a string", "", "[{\"destination\":\"/a\",\"options\":[true]}]", NULL,
     NULL, NULL, "mounts[0].options: expected an array of strings"},
};

/* "/lib64" resolves differently with and without merged /usr. */
static void test_host_lib64(void **state)
{
  char res[PATH_MAX], want[PATH_MAX + 128];
  const char *entry;
  struct mcase c = {.profile = "{\"hostMounts\":true}", .mounts = ONE(BIND("/lib64/", "/l"))};

  (void)state;
  if (realpath("/lib64", res) == NULL)
    skip();
  entry = hr_path_has_prefix(res, "/usr") ? "/usr" : "/lib*";
  snprintf(want, sizeof(want),
           SRC0 "\"/lib64/\" (resolves to \"%s\") %s the sensitive host path \"%s\"", res,
           strcmp(entry, "/usr") == 0 ? "lies in" : "lies in", entry);
  c.refused = want;
  run_case((void **)&(const struct mcase *){&c});
}

/* The docker socket under the host's /var/run (a symlink to /run on most
 * systems): refused whether or not a daemon runs here. */
static void test_host_docker_sock(void **state)
{
  char res[PATH_MAX], want[PATH_MAX + 128];
  struct mcase c = {.profile = "{\"hostMounts\":true}",
                    .mounts = ONE(BIND("/var/run/docker.sock", "/var/run/docker.sock"))};

  (void)state;
  if (realpath("/var/run", res) == NULL)
    skip();
  if (strcmp(res, "/var/run") == 0)
    snprintf(want, sizeof(want), SRC0 "\"/var/run/docker.sock\" is a container-daemon socket");
  else
    snprintf(want, sizeof(want),
             SRC0 "\"/var/run/docker.sock\" (resolves to \"%s/docker.sock\") is a "
                  "container-daemon socket",
             res);
  c.refused = want;
  run_case((void **)&(const struct mcase *){&c});
}

/* The captured `docker run --privileged -v /:/host` config. */
static void test_privileged_capture(void **state)
{
  cleanup_free char *buf = NULL;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  struct hr_error err = {0};
  const char *profile = "{\"hostMounts\":true}";
  size_t len;

  (void)state;
  buf = unit_read_fixture("configs/docker-run-privileged.json", &len);
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(buf, len, &opts, &doc, &err), &err);
  assert_int_equal(hr_policy_apply(p, doc, NULL, &err), -1);
  assert_string_equal(err.msg, "profile \"test\": rule \"host-mounts\": mounts[7].source: \"/\" is "
                               "the sensitive host path \"/\"");
}

/* ---- root.path ---------------------------------------------------------------------- */

struct rootcase {
  const char *name;
  const char *profile; /* "" = the test profile */
  const char *root;    /* root.path */
  const char *bundle;  /* bound bundle, NULL: none (policy explain) */
  const char *refused; /* exact refusal after the rule prefix, NULL: passes */
  const char *mounts;  /* the spec's mounts, NULL: [] */
};

#define ROOT0        "root.path: "
#define PROC_AT_PROC "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}"
#define IN_ROOTFS_MSG                                                                              \
  ": runc mounts it in the container's mount namespace, after the spec's mounts before it (proc, " \
  "sysfs, /dev) were made there, so it can be one of them, without the masked and read-only paths"
#define HOLDS_ROOTFS_MSG                                                                           \
  ": an rbind copies the mounts runc made there along (mounts[0], proc at \"/proc\"), without "    \
  "the "                                                                                           \
  "masked and read-only paths"
#define NOT_IMAGE                                                                                  \
  ", and is not where a runtime mounts an image (the root of an overlay or disk "                  \
  "filesystem mount)"

static const struct rootcase root_cases[] = {
    {"root: a directory of its own", "", "@/ok", NULL, NULL},
    {"root: the host's root", "{\"hostMounts\":true}", "/", NULL,
     ROOT0 "\"/\" is the sensitive host path \"/\""},
    {"root: a sensitive directory", "", "@/etc", NULL,
     ROOT0 "\"@/etc\" is the sensitive host path \"@/etc\""},
    {"root: through a symlink", "", "@/etc-link", NULL,
     ROOT0 "\"@/etc-link\" (resolves to \"@/etc\") is the sensitive host path \"@/etc\""},
    {"root: a directory below a sensitive one", "", "@/etc/sub", NULL,
     ROOT0 "\"@/etc/sub\" lies in the sensitive host path \"@/etc\"" NOT_IMAGE},
    {"root: a parent of sensitive paths", "", "@", NULL,
     ROOT0 "\"@\" contains the sensitive host path \"@/etc\""},
    {"root: a directory holding a daemon socket", "", "@/ok/sockdir", NULL,
     ROOT0 "\"@/ok/sockdir\" contains the container-daemon socket \"containerd.sock\""},
    {"root: Docker's vfs layer in its data root", "", "@/data/vfs/dir/" ID64, NULL, NULL},
    {"root: inside Docker's vfs layer is not the layer", "", "@/data/vfs/dir/" ID64 "/etc", NULL,
     ROOT0 "\"@/data/vfs/dir/" ID64 "/etc\" lies in the sensitive host path \"@/data\"" NOT_IMAGE},
    {"root: relative, in the bundle", "", "rootfs", "@/ok", NULL},
    {"root: relative, climbing out of the bundle", "", "../etc", "@/ok",
     ROOT0 "\"@/ok/../etc\" (resolves to \"@/etc\") is the sensitive host path \"@/etc\""},
    {"root: relative without a known bundle", "", "rootfs", NULL, NULL},
    {"root: relative .. without a known bundle", "", "a/../../etc", NULL,
     ROOT0 "relative root path \"a/../../etc\" climbs out of the bundle with \"..\""},
    /* runc binds in the container's mount namespace, after the mounts
     * before: a source in the rootfs may be one of them */
    {"root: a bind of a mount made in the rootfs", "", "@/ok/img", NULL,
     "mounts[1].source: \"@/ok/img/proc\" lies in the container's root filesystem "
     "\"@/ok/img\"" IN_ROOTFS_MSG,
     "[" PROC_AT_PROC "," BIND_O("@/ok/img/proc", "/m", "\"bind\"") "]"},
    {"root: an overlay layer in the rootfs", "", "@/ok/img", NULL,
     "mounts[1].options[0]: \"@/ok/img/proc\" lies in the container's root filesystem "
     "\"@/ok/img\"" IN_ROOTFS_MSG,
     "[" PROC_AT_PROC ",{\"destination\":\"/o\",\"type\":\"overlay\",\"source\":\"overlay\","
     "\"options\":[\"lowerdir=@/ok/img/proc:@/ok\"]}]"},
    {"root: the rootfs itself as an overlay layer is the image", "", "@/ok/img", NULL, NULL,
     "[" PROC_AT_PROC ",{\"destination\":\"/o\",\"type\":\"overlay\",\"source\":\"overlay\","
     "\"options\":[\"lowerdir=@/ok/img:@/ok\"]}]"},
    {"root: an rbind of the rootfs", "", "@/ok/img", NULL,
     "mounts[1].source: \"@/ok/img\" holds the container's root filesystem "
     "\"@/ok/img\"" HOLDS_ROOTFS_MSG,
     "[" PROC_AT_PROC "," BIND("@/ok/img", "/i") "]"},
    {"root: an rbind of the bundle holding a relative rootfs", "", "img", "@/ok",
     "mounts[1].source: \"@/ok\" holds the container's root filesystem "
     "\"@/ok/img\"" HOLDS_ROOTFS_MSG,
     "[" PROC_AT_PROC "," BIND("@/ok", "/b") "]"},
    {"root: a plain bind of the rootfs is the image", "", "@/ok/img", NULL, NULL,
     "[" PROC_AT_PROC "," BIND_O("@/ok/img", "/i", "\"bind\",\"ro\"") "]"},
    {"root: an rbind of the rootfs with nothing mounted in it", "", "@/ok/img", NULL, NULL,
     ONE(BIND("@/ok/img", "/i"))},
    {"root: fix cannot replace a root, it refuses",
     "{\"hostMounts\":{\"mode\":\"fix\",\"sensitive\":[\"@/etc\"]}}", "@/etc", NULL,
     ROOT0 "\"@/etc\" is the sensitive host path \"@/etc\""},
};

static void run_root_case(void **state)
{
  const struct rootcase *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_free char *profile = subst(c->profile[0] ? c->profile : TEST_PROFILE);
  cleanup_free char *root = subst(c->root), *bundle = c->bundle ? subst(c->bundle) : NULL;
  cleanup_free char *spec = NULL, *want = NULL, *tail = c->refused ? subst(c->refused) : NULL;
  cleanup_free char *mounts = subst(c->mounts != NULL ? c->mounts : "[]");
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_userns_host host = {.bundle = bundle, .dry_run = true};
  struct hr_error err = {0};
  int r;

  assert_true(asprintf(&spec, "{\"root\":{\"path\":\"%s\"},\"mounts\":%s}", root, mounts) > 0);
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  hr_userns_bind(bundle != NULL ? &host : NULL);
  r = hr_policy_apply(p, doc, NULL, &err);
  hr_userns_bind(NULL);
  if (tail == NULL) {
    if (r < 0)
      fail_msg("apply failed: %s", err.msg);
    return;
  }
  assert_true(asprintf(&want, "profile \"test\": rule \"host-mounts\": %s", tail) > 0);
  if (r >= 0)
    fail_msg("expected \"%s\", got success", want);
  assert_int_equal(err.kind, HR_ERR_REFUSED);
  assert_string_equal(err.msg, want);
}

struct pcase {
  const char *name, *profile, *error;
};

static const struct pcase profile_cases[] = {
    {"profile: a relative sensitive path", "{\"hostMounts\":{\"sensitive\":[\"etc\"]}}",
     "test.json:1:29: hostMounts.sensitive[0]: expected an absolute path, optionally ending in a "
     "name prefix and \"*\""},
    {"profile: a star inside", "{\"hostMounts\":{\"sensitive\":[\"/lib*/x\"]}}",
     "test.json:1:29: hostMounts.sensitive[0]: expected an absolute path, optionally ending in a "
     "name prefix and \"*\""},
    {"profile: a bare star", "{\"hostMounts\":{\"sensitive\":[\"/x/*\"]}}",
     "test.json:1:29: hostMounts.sensitive[0]: expected an absolute path, optionally ending in a "
     "name prefix and \"*\""},
    {"profile: a socket with a slash", "{\"hostMounts\":{\"sockets\":[\"a/b\"]}}",
     "test.json:1:27: hostMounts.sockets[0]: expected a file name"},
    {"profile: a relative allow", "{\"hostMounts\":{\"allow\":[\"x\"]}}",
     "test.json:1:25: hostMounts.allow[0]: expected an absolute path"},
    {"profile: unknown key", "{\"hostMounts\":{\"allowRO\":[]}}",
     "test.json:1:26: hostMounts: unknown key \"allowRO\"; did you mean \"allow\"?"},
};

static void run_profile_case(void **state)
{
  const struct pcase *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_int_equal(hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err),
                   -1);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, c->error);
}

int main(void)
{
  static struct CMUnitTest tests[128];
  size_t n = 0;

  for (size_t i = 0; i < HR_ARRAY_SIZE(cases); i++)
    tests[n++] = (struct CMUnitTest){
        .name = cases[i].name, .test_func = run_case, .initial_state = (void *)&cases[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(root_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = root_cases[i].name,
                                     .test_func = run_root_case,
                                     .initial_state = (void *)&root_cases[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = profile_cases[i].name,
                                     .test_func = run_profile_case,
                                     .initial_state = (void *)&profile_cases[i]};
  tests[n++] = (struct CMUnitTest){.name = "the host's /lib64", .test_func = test_host_lib64};
  tests[n++] =
      (struct CMUnitTest){.name = "the host's docker socket", .test_func = test_host_docker_sock};
  tests[n++] = (struct CMUnitTest){.name = "docker run --privileged -v /:/host",
                                   .test_func = test_privileged_capture};
  return _cmocka_run_group_tests("hostmounts", tests, n, setup, teardown);
}
