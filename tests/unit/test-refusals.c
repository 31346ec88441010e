/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refusal rules of refusals.c, as data: one row per case.  A row is a
 * profile, an input config.json, and either the exact output with the exact
 * change and finding records, or the exact refusal (HR_ERR_REFUSED, with the
 * profile and rule prefix) or input error.  Rows that depend on this host
 * (a live process for dockerd's hook) are built at run time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "hardrun/lsm.h"
#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

struct rcase {
  const char *name;
  const char *profile;
  const char *spec;
  const char *out;     /* whole output; NULL: byte-identical to spec */
  const char *log;     /* "path: old -> new" and "path: AUDIT finding" lines */
  const char *refused; /* exact HR_ERR_REFUSED message */
  const char *input;   /* exact HR_ERR_INPUT message */
  bool restore;        /* applied as for runc restore */
};

static void check_case(const struct rcase *c)
{
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *out = NULL, *log = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  assert_ok(hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(c->spec, strlen(c->spec), &opts, &doc, &err), &err);
  p->refusals.restore.restoring = c->restore;
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->refused != NULL || c->input != NULL) {
    if (r >= 0)
      fail_msg("expected an error, got success with:\n%s", log);
    if (err.kind != (c->refused != NULL ? HR_ERR_REFUSED : HR_ERR_INPUT))
      fail_msg("error of kind %d: %s", err.kind, err.msg);
    assert_string_equal(err.msg, c->refused != NULL ? c->refused : c->input);
    /* a failed apply leaves no record behind */
    assert_string_equal(log, "");
    return;
  }
  if (r < 0)
    fail_msg("apply failed: %s", err.msg);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  if (strcmp(out, c->out ? c->out : c->spec) != 0)
    fail_msg("output\n  got:  %s\n  want: %s", out, c->out ? c->out : c->spec);
  if (strcmp(log, c->log) != 0)
    fail_msg("log\n  got:\n%s\n  want:\n%s", log, c->log);
}

static void run_case(void **state)
{
  check_case(*state);
}

#define REF(rule, msg) "profile \"test\": rule \"" rule "\": " msg

/* ---- privileged --------------------------------------------------------------- */

#define MASKED                                                                                     \
  "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","               \
  "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","      \
  "\"/sys/firmware\",\"/proc/scsi\"],\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\"," \
  "\"/proc/sys\",\"/proc/sysrq-trigger\"]"
#define DEVS(d)   "{\"linux\":{" MASKED ",\"resources\":{\"devices\":[" d "]}}}"
#define ALLOW_ALL "{\"allow\":true,\"access\":\"rwm\"}"
#define DENY_ALL  "{\"allow\":false,\"access\":\"rwm\"}"
#define P_PRIV    "{\"privileged\":true}"
#define PRIV_MSG  "allows every device of the host (as --privileged does)"
#define P_SHORT(m)                                                                                 \
  "{\"privileged\":{\"mode\":\"off\",\"systemPaths\":\"" m                                         \
  "\",\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/sys\"]}}"

#define PMOUNTS(...)                                                                               \
  "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/"       \
  "sys\"]},\"mounts\":[" __VA_ARGS__ "]}"
#define PMOUNTS_USERNS(host, ...)                                                                  \
  "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/"       \
  "sys\"],\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"               \
  "\"hostID\":" #host ",\"size\":65536}]},\"mounts\":[" __VA_ARGS__ "]}"
#define PROCFS(d) "{\"destination\":\"" d "\",\"type\":\"proc\",\"source\":\"proc\"}"
#define KFS(t, o) "{\"destination\":\"/k\",\"type\":\"" t "\",\"options\":[" o "]}"
/* sysfs anywhere but /sys is refused on its own (its masked paths) */
#define SYSFS(o) "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"options\":[" o "]}"
#define SYSFS_MSG(d)                                                                               \
  "a sysfs mount at \"" d "\" has none of the masked paths runc puts under /sys (/sys/firmware, "  \
  "/sys/devices/virtual/powercap)"
#define PROC_MSG(d)                                                                                \
  "a proc mount at \"" d "\" has none of the masked and read-only paths runc puts under /proc "    \
  "(/proc/sys, /proc/sysrq-trigger, /proc/kcore)"
#define SYSFS_WHAT "the host's kernel and device settings"
#define CG_WHAT    "its own cgroup limits"
#define RW_MSG(t, what)                                                                            \
  "a writable " t " mount lets the container change " what " (as --privileged does)"

static const struct rcase privileged_cases[] = {
    {"privileged: allow-all device rule is refused", P_PRIV, DEVS(DENY_ALL "," ALLOW_ALL), NULL,
     NULL, REF("privileged", "linux.resources.devices[1]: " PRIV_MSG), NULL},
    {"privileged: explicit type a and wildcards -1", P_PRIV,
     DEVS("{\"allow\":true,\"type\":\"a\",\"major\":-1,\"minor\":-1,\"access\":\"rwm\"}"), NULL,
     NULL, REF("privileged", "linux.resources.devices[0]: " PRIV_MSG), NULL},
    {"privileged: an absent access reads as rwm", P_PRIV, DEVS("{\"allow\":true}"), NULL, NULL,
     REF("privileged", "linux.resources.devices[0]: " PRIV_MSG), NULL},
    {"privileged: case variants of the keys", P_PRIV, DEVS("{\"Allow\":true,\"Access\":\"rw\"}"),
     NULL, NULL, NULL,
     "profile \"test\": rule \"spec-keys\": config.json:1:304: " UNIT_MISSPELLED(
         "Allow", "linux.resources.devices[0]", "allow")},
    /* runc's device emulator makes any allowed type "a" rule allow-all. */
    {"privileged: type a with mknod only allows every device", P_PRIV,
     DEVS("{\"allow\":true,\"access\":\"m\"}"), NULL, NULL,
     REF("privileged", "linux.resources.devices[0]: " PRIV_MSG), NULL},
    {"privileged: type a with numbers allows every device", P_PRIV,
     DEVS(DENY_ALL ",{\"allow\":true,\"type\":\"a\",\"major\":8,\"minor\":0,\"access\":\"r\"}"),
     NULL, NULL, REF("privileged", "linux.resources.devices[1]: " PRIV_MSG), NULL},
    {"privileged: mknod of every char and block device is not privileged", P_PRIV,
     DEVS(DENY_ALL ",{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},{\"allow\":true,"
                   "\"type\":\"b\",\"access\":\"m\"}"),
     NULL, "", NULL, NULL},
    {"privileged: every char device is host-devices' business", P_PRIV,
     DEVS("{\"allow\":true,\"type\":\"c\",\"access\":\"rwm\"}"), NULL, "", NULL, NULL},
    {"privileged: a deny-all rule passes", P_PRIV, DEVS(DENY_ALL), NULL, "", NULL, NULL},
    {"privileged: fix turns the rule into a deny", "{\"privileged\":{\"mode\":\"fix\"}}",
     DEVS(DENY_ALL "," ALLOW_ALL), DEVS(DENY_ALL ",{\"allow\":false,\"access\":\"rwm\"}"),
     "linux.resources.devices[1].allow: true -> false", NULL, NULL},
    {"privileged: audit records and keeps", "{\"privileged\":{\"mode\":\"audit\"}}",
     DEVS(ALLOW_ALL), NULL, "linux.resources.devices[0]: AUDIT " PRIV_MSG, NULL, NULL},
    {"privileged: off", "{\"privileged\":{\"mode\":\"off\",\"systemPaths\":\"off\"}}",
     "{\"linux\":{\"resources\":{\"devices\":[" ALLOW_ALL "]}}}", NULL, "", NULL, NULL},
    {"privileged: enabled false", "{\"privileged\":{\"enabled\":false}}",
     "{\"linux\":{\"resources\":{\"devices\":[" ALLOW_ALL "]}}}", NULL, "", NULL, NULL},
    {"privileged: a bad device type", P_PRIV, DEVS("{\"allow\":true,\"type\":\"x\"}"), NULL, NULL,
     NULL, REF("privileged", "linux.resources.devices[0].type: expected \"a\", \"b\" or \"c\"")},
    {"privileged: a fractional major", P_PRIV, DEVS("{\"allow\":true,\"major\":1.5}"), NULL, NULL,
     NULL, REF("privileged", "linux.resources.devices[0].major: expected an integer, got 1.5")},
    {"privileged: devices is an object", P_PRIV,
     "{\"linux\":{" MASKED ",\"resources\":{\"devices\":{}}}}", NULL, NULL, NULL,
     REF("privileged", "linux.resources.devices: expected an array")},

    {"system paths: all present", P_SHORT("refuse"),
     "{\"linux\":{\"maskedPaths\":[\"/proc/keys\",\"//proc/kcore/\"],\"readonlyPaths\":[\"/proc/"
     "sys\"]}}",
     NULL, "", NULL, NULL},
    {"system paths: one missing is refused", P_SHORT("refuse"),
     "{\"linux\":{\"maskedPaths\":[\"/proc/keys\"],\"readonlyPaths\":[\"/proc/sys\"]}}", NULL, NULL,
     REF("privileged",
         "linux.maskedPaths: \"/proc/kcore\" is not masked (runc's default spec has it)"),
     NULL},
    {"system paths: several missing", P_SHORT("refuse"), "{\"linux\":{}}", NULL, NULL,
     REF("privileged", "linux.maskedPaths: \"/proc/kcore\" and 1 more of runc's default paths are "
                       "not masked"),
     NULL},
    {"system paths: read-only missing", P_SHORT("refuse"),
     "{\"linux\":{\"maskedPaths\":[\"/proc/keys\",\"/proc/kcore\"],\"readonlyPaths\":null}}", NULL,
     NULL,
     REF("privileged",
         "linux.readonlyPaths: \"/proc/sys\" is not read-only (runc's default spec has it)"),
     NULL},
    {"system paths: fix appends what is missing", P_SHORT("fix"),
     "{\"linux\":{\"maskedPaths\":[\"/proc/keys\"]}}",
     "{\"linux\":{\"maskedPaths\":[\"/proc/keys\",\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/"
     "sys\"]}}",
     "linux.maskedPaths[1]: (absent) -> \"/proc/kcore\"\nlinux.readonlyPaths: (absent) -> "
     "[]\nlinux.readonlyPaths[0]: (absent) -> \"/proc/sys\"",
     NULL, NULL},
    {"system paths: fix creates linux", P_SHORT("fix"), "{}",
     "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/"
     "sys\"]}}",
     "linux.maskedPaths: (absent) -> []\nlinux.maskedPaths[0]: (absent) -> "
     "\"/proc/kcore\"\nlinux.maskedPaths[1]: (absent) -> \"/proc/keys\"\nlinux.readonlyPaths: "
     "(absent) -> []\nlinux.readonlyPaths[0]: (absent) -> \"/proc/sys\"",
     NULL, NULL},
    {"system paths: audit", P_SHORT("audit"), "{\"linux\":{\"maskedPaths\":[\"/proc/keys\"]}}",
     NULL,
     "linux.maskedPaths: AUDIT \"/proc/kcore\" is not masked (runc's default spec has it)\n"
     "linux.readonlyPaths: AUDIT \"/proc/sys\" is not read-only (runc's default spec has it)",
     NULL, NULL},
    {"system paths: the built-in lists by default", "{\"privileged\":{\"systemPaths\":\"refuse\"}}",
     "{\"linux\":{}}", NULL, NULL,
     REF("privileged", "linux.maskedPaths: \"/proc/acpi\" and 9 more of runc's default paths are "
                       "not masked"),
     NULL},
    {"system paths: proc outside /proc", P_SHORT("refuse"),
     PMOUNTS("{\"destination\":\"/mnt/../host-proc\",\"type\":\"proc\",\"source\":\"proc\"}"), NULL,
     NULL, REF("privileged", "mounts[0].destination: " PROC_MSG("/host-proc")), NULL},
    {"system paths: proc at a relative /proc", P_SHORT("refuse"),
     PMOUNTS("{\"destination\":\"proc\",\"type\":\"proc\",\"source\":\"proc\"}"), NULL, "", NULL,
     NULL},
    {"system paths: a bind is not a proc mount", P_SHORT("refuse"),
     PMOUNTS("{\"destination\":\"/p\",\"type\":\"proc\",\"source\":\"/x\",\"options\":["
             "\"rbind\"]}"),
     NULL, "", NULL, NULL},
    {"system paths: fix removes proc outside /proc", P_SHORT("fix"),
     PMOUNTS(PROCFS("/proc") "," PROCFS("/p")), PMOUNTS(PROCFS("/proc")),
     "mounts[1]: " PROCFS("/p") " -> (absent)", NULL, NULL},
    {"system paths: sysfs outside /sys", P_SHORT("refuse"), PMOUNTS(KFS("sysfs", "\"ro\"")), NULL,
     NULL, REF("privileged", "mounts[0].destination: " SYSFS_MSG("/k")), NULL},
    {"system paths: fix removes sysfs outside /sys", P_SHORT("fix"),
     PMOUNTS(SYSFS("\"ro\"") "," KFS("sysfs", "\"ro\"")), PMOUNTS(SYSFS("\"ro\"")),
     "mounts[1]: " KFS("sysfs", "\"ro\"") " -> (absent)", NULL, NULL},
    {"system paths: a writable sysfs", P_SHORT("refuse"), PMOUNTS(SYSFS("\"nosuid\"")), NULL, NULL,
     REF("privileged", "mounts[0].options: " RW_MSG("sysfs", SYSFS_WHAT)), NULL},
    {"system paths: rw after ro is writable", P_SHORT("refuse"),
     PMOUNTS(KFS("cgroup", "\"ro\",\"rw\"")), NULL, NULL,
     REF("privileged", "mounts[0].options: " RW_MSG("cgroup", CG_WHAT)), NULL},
    {"system paths: rro alone is not runc's read-only remount", P_SHORT("refuse"),
     PMOUNTS(KFS("cgroup2", "\"rro\"")), NULL, NULL,
     REF("privileged", "mounts[0].options: " RW_MSG("cgroup2", CG_WHAT)), NULL},
    {"system paths: read-only kernel filesystems pass", P_SHORT("refuse"),
     PMOUNTS(SYSFS("\"ro\"") "," KFS("cgroup", "\"rw\",\"ro\"")), NULL, "", NULL, NULL},
    {"system paths: fix makes them read-only", P_SHORT("fix"),
     PMOUNTS(KFS("cgroup", "\"nosuid\",\"rw\"") ",{\"destination\":\"/sys\",\"type\":"
                                                "\"sysfs\"}"),
     PMOUNTS(KFS("cgroup", "\"nosuid\",\"rw\",\"ro\"") ",{\"destination\":\"/sys\",\"type\":"
                                                       "\"sysfs\",\"options\":[\"ro\"]}"),
     "mounts[0].options[2]: (absent) -> \"ro\"\nmounts[1].options: (absent) -> []\n"
     "mounts[1].options[0]: (absent) -> \"ro\"",
     NULL, NULL},
    {"system paths: audit records a writable cgroupfs", P_SHORT("audit"),
     PMOUNTS(KFS("cgroup", "\"rw\"")), NULL, "mounts[0].options: AUDIT " RW_MSG("cgroup", CG_WHAT),
     NULL, NULL},
    {"system paths: a user namespace that maps no host root may keep them writable",
     P_SHORT("refuse"), PMOUNTS_USERNS(100000, KFS("cgroup", "\"rw\"")), NULL, "", NULL, NULL},
    {"system paths: a user namespace that maps host root may not", P_SHORT("refuse"),
     PMOUNTS_USERNS(0, KFS("cgroup", "\"rw\"")), NULL, NULL,
     REF("privileged", "mounts[0].options: " RW_MSG("cgroup", CG_WHAT)), NULL},
    {"system paths: a path that is not a string", P_SHORT("refuse"),
     "{\"linux\":{\"maskedPaths\":[1]}}", NULL, NULL, NULL,
     REF("privileged", "linux.maskedPaths[0]: expected a string")},
};

/* ---- host-namespaces ---------------------------------------------------------- */

#define NS(t)        "{\"type\":\"" t "\"}"
#define NSP(t, p)    "{\"type\":\"" t "\",\"path\":\"" p "\"}"
#define NSS(...)     "{\"linux\":{\"namespaces\":[" __VA_ARGS__ "]}}"
#define FIVE         NS("pid") "," NS("network") "," NS("ipc") "," NS("uts") "," NS("mount")
#define SIX          FIVE "," NS("cgroup")
#define P_NS         "{\"hostNamespaces\":true}"
#define NO_NS(t)     "no " t " namespace: the container would share the host's"
#define CGROUP_AUDIT "linux.namespaces: AUDIT " NO_NS("cgroup")

#define CGP(p) "{\"linux\":{\"namespaces\":[" SIX "],\"cgroupsPath\":\"" p "\"}}"
#define UNIFIED(...)                                                                               \
  "{\"linux\":{\"namespaces\":[" SIX "],\"resources\":{\"unified\":{" __VA_ARGS__ "}}}}"
#define CORE_MSG                                                                                   \
  "is a core file of the cgroup, not a resource: writing a host pid to cgroup.procs moves that "   \
  "process into the container's cgroup"
#define CGP_TAIL                                                                                   \
  ": the container would share its processes' limits, and runc kill --all would signal them"

static const struct rcase hostns_cases[] = {
    {"hostns: all six private", P_NS, NSS(SIX), NULL, "", NULL, NULL},
    {"hostns: no cgroup namespace is only audited by default", P_NS, NSS(FIVE), NULL, CGROUP_AUDIT,
     NULL, NULL},
    {"hostns: no pid namespace (--pid=host)", P_NS,
     NSS(NS("network") "," NS("ipc") "," NS("uts") "," NS("mount") "," NS("cgroup")), NULL, NULL,
     REF("host-namespaces", "linux.namespaces: " NO_NS("pid")), NULL},
    {"hostns: no namespaces at all", P_NS, "{\"linux\":{}}", NULL, NULL,
     REF("host-namespaces", "linux.namespaces: " NO_NS("network")), NULL},
    {"hostns: no linux at all", P_NS, "{}", NULL, NULL,
     REF("host-namespaces", "linux.namespaces: " NO_NS("network")), NULL},
    {"hostns: a type runc does not know is not the namespace", P_NS,
     NSS(NS("PID") "," NS("network") "," NS("ipc") "," NS("uts") "," NS("mount") "," NS("cgroup")),
     NULL, NULL, REF("host-namespaces", "linux.namespaces: " NO_NS("pid")), NULL},
    {"hostns: the runtime's own network namespace", P_NS,
     NSS(NS("pid") "," NSP("network", "/proc/self/ns/net") "," NS("ipc") "," NS("uts") "," NS(
         "mount") "," NS("cgroup")),
     NULL, NULL,
     REF("host-namespaces",
         "linux.namespaces[1].path: \"/proc/self/ns/net\" is the host's network namespace"),
     NULL},
    {"hostns: the runtime's own ipc namespace", P_NS,
     NSS(NS("pid") "," NS("network") "," NSP("ipc", "/proc/self/ns/ipc") "," NS("uts") "," NS(
         "mount") "," NS("cgroup")),
     NULL, NULL,
     REF("host-namespaces",
         "linux.namespaces[2].path: \"/proc/self/ns/ipc\" is the host's ipc namespace"),
     NULL},
    {"hostns: a path that does not exist is runc's to fail", P_NS,
     NSS(NS("pid") "," NSP("network", "/nonexistent/netns") "," NS("ipc") "," NS("uts") "," NS(
         "mount") "," NS("cgroup")),
     NULL, "", NULL, NULL},
    {"hostns: fix drops a host path and adds what is missing",
     "{\"hostNamespaces\":{\"mode\":\"fix\"}}",
     NSS(NSP("network", "/proc/self/ns/net") "," NS("ipc") "," NS("uts") "," NS("mount")),
     NSS(NS("network") "," NS("ipc") "," NS("uts") "," NS("mount") "," NS("pid") "," NS("cgroup")),
     "linux.namespaces[0].path: \"/proc/self/ns/net\" -> (absent)\nlinux.namespaces[4]: (absent) "
     "-> "
     "{\"type\":\"pid\"}\nlinux.namespaces[5]: (absent) -> {\"type\":\"cgroup\"}",
     NULL, NULL},
    {"hostns: fix makes the array", "{\"hostNamespaces\":{\"mode\":\"fix\"}}", "{}",
     NSS(NS("network") "," NS("pid") "," NS("ipc") "," NS("uts") "," NS("mount") "," NS("cgroup")),
     "linux.namespaces: (absent) -> []\nlinux.namespaces[0]: (absent) -> "
     "{\"type\":\"network\"}\nlinux.namespaces[1]: (absent) -> {\"type\":\"pid\"}\n"
     "linux.namespaces[2]: (absent) -> {\"type\":\"ipc\"}\nlinux.namespaces[3]: (absent) -> "
     "{\"type\":\"uts\"}\nlinux.namespaces[4]: (absent) -> {\"type\":\"mount\"}\n"
     "linux.namespaces[5]: (absent) -> {\"type\":\"cgroup\"}",
     NULL, NULL},
    {"hostns: per-namespace modes",
     "{\"hostNamespaces\":{\"namespaces\":{\"network\":\"off\","
     "\"cgroup\":\"refuse\"}}}",
     NSS(NS("pid") "," NS("ipc") "," NS("uts") "," NS("mount")), NULL, NULL,
     REF("host-namespaces", "linux.namespaces: " NO_NS("cgroup")), NULL},
    {"hostns: audit everything", "{\"hostNamespaces\":{\"mode\":\"audit\"}}",
     NSS(NS("pid") "," NS("ipc") "," NS("uts") "," NS("mount")), NULL,
     "linux.namespaces: AUDIT " NO_NS("network") "\n" CGROUP_AUDIT, NULL, NULL},
    {"hostns: cgroupsPath is the host's root cgroup", P_NS, CGP("/"), NULL, NULL,
     REF("host-namespaces", "linux.cgroupsPath: \"/\" is the host's root cgroup" CGP_TAIL), NULL},
    {"hostns: cgroupsPath cleans to the root", P_NS, CGP("/a/../.."), NULL, NULL,
     REF("host-namespaces", "linux.cgroupsPath: \"/a/../..\" is the host's root cgroup" CGP_TAIL),
     NULL},
    {"hostns: a relative cgroupsPath that cleans to runc's own cgroup", P_NS, CGP("../.."), NULL,
     NULL,
     REF("host-namespaces",
         "linux.cgroupsPath: \"../..\" is runc's own cgroup (its caller's)" CGP_TAIL),
     NULL},
    {"hostns: an empty cgroupsPath is runc's default", P_NS, CGP(""), NULL, "", NULL, NULL},
    {"hostns: a new cgroup", P_NS, CGP("/hardrun-test-no-such-cgroup/x"), NULL, "", NULL, NULL},
    {"hostns: the cgroup check follows the pid namespace's mode",
     "{\"hostNamespaces\":{\"namespaces\":{\"pid\":\"audit\"}}}", CGP("/"), NULL,
     "linux.cgroupsPath: AUDIT \"/\" is the host's root cgroup" CGP_TAIL, NULL, NULL},
    {"hostns: fix drops the cgroupsPath", "{\"hostNamespaces\":{\"mode\":\"fix\"}}", CGP("."),
     NSS(SIX), "linux.cgroupsPath: \".\" -> (absent)", NULL, NULL},
    {"hostns: unified cgroup.procs takes host processes into the container's cgroup", P_NS,
     UNIFIED("\"io.weight\":\"10\",\"cgroup.procs\":\"1\""), NULL, NULL,
     REF("host-namespaces",
         "linux.resources.unified[\"cgroup.procs\"]: \"cgroup.procs\" " CORE_MSG),
     NULL},
    {"hostns: unified keys are a Go map: case matters", P_NS, UNIFIED("\"CGROUP.procs\":\"1\""),
     NULL, "", NULL, NULL},
    {"hostns: fix drops the core files", "{\"hostNamespaces\":{\"mode\":\"fix\"}}",
     UNIFIED("\"cgroup.kill\":\"1\",\"io.weight\":\"10\",\"cgroup.threads\":\"1\""),
     UNIFIED("\"io.weight\":\"10\""),
     "linux.resources.unified[\"cgroup.kill\"]: \"1\" -> (absent)\n"
     "linux.resources.unified[\"cgroup.threads\"]: \"1\" -> (absent)",
     NULL, NULL},
    {"hostns: an entry is a string", P_NS, NSS("\"pid\""), NULL, NULL, NULL,
     REF("host-namespaces", "linux.namespaces[0]: expected an object")},
    {"hostns: a path is a number", P_NS, NSS("{\"type\":\"pid\",\"path\":1}"), NULL, NULL, NULL,
     REF("host-namespaces", "linux.namespaces[0].path: expected a string")},
};

/* ---- host-devices -------------------------------------------------------------- */

#define P_DEV      "{\"hostDevices\":true}"
#define NODES(...) "{\"linux\":{\"devices\":[" __VA_ARGS__ "]}}"
#define NODE(p, t, ma, mi)                                                                         \
  "{\"path\":\"" p "\",\"type\":\"" t "\",\"major\":" #ma ",\"minor\":" #mi "}"
#define RULES(...) "{\"linux\":{\"resources\":{\"devices\":[" __VA_ARGS__ "]}}}"
#define RULE(t, ma, mi, a)                                                                         \
  "{\"allow\":true,\"type\":\"" t "\",\"major\":" #ma ",\"minor\":" #mi ",\"access\":\"" a "\"}"
#define KVM       NODE("/dev/kvm", "c", 10, 232)
#define CG_MSG(d) "the device cgroup allows " d ", beyond the allowed devices"
#define UNODES(...)                                                                                \
  "{\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"          \
  "\"hostID\":0,\"size\":65536}],\"devices\":[" __VA_ARGS__ "]}}"
#define UNCLEAN(p)                                                                                 \
  "device path \"" p "\" is not a clean absolute path below /dev/ (no \".\", \"..\" or empty "     \
  "component)"
#define BOUND(p, d)                                                                                \
  "under a user namespace runc binds the host's file \"" p "\", which is not the device node " d
#define UNRESOLVED(p)                                                                              \
  "under a user namespace runc binds the host's file \"" p "\", which does not resolve to a node " \
  "within /dev: "

static const struct rcase hostdevices_cases[] = {
    {"devices: the standard nodes pass", P_DEV,
     NODES(NODE("/dev/null", "c", 1, 3) "," NODE("/dev/zero", "u", 1, 5) "," NODE("/dev/fifo", "p",
                                                                                  0, 0)),
     NULL, "", NULL, NULL},
    {"devices: a host device node is refused", P_DEV, NODES(NODE("/dev/null", "c", 1, 3) "," KVM),
     NULL, NULL,
     REF("host-devices",
         "linux.devices[1]: host device \"/dev/kvm\" (c 10:232) is not in the allowlist"),
     NULL},
    {"devices: a block device", P_DEV, NODES(NODE("/dev/loop0", "b", 7, 0)), NULL, NULL,
     REF("host-devices",
         "linux.devices[0]: host device \"/dev/loop0\" (b 7:0) is not in the allowlist"),
     NULL},
    {"devices: /dev/null's numbers as a block device", P_DEV, NODES(NODE("/dev/x", "b", 1, 3)),
     NULL, NULL,
     REF("host-devices",
         "linux.devices[0]: host device \"/dev/x\" (b 1:3) is not in the allowlist"),
     NULL},
    {"devices: an allowed extra device", "{\"hostDevices\":{\"allow\":[\"c 10:232\"]}}", NODES(KVM),
     NULL, "", NULL, NULL},
    {"devices: the standard cgroup rules pass", P_DEV,
     RULES("{\"allow\":false,\"access\":\"rwm\"}," RULE("c", 1, 3, "rwm") "," RULE(
         "c", 5, 2, "rw") ",{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}"),
     NULL, "", NULL, NULL},
    {"devices: mknod-only wildcards pass", P_DEV,
     RULES("{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},{\"allow\":true,\"type\":\"b\","
           "\"access\":\"m\"}"),
     NULL, "", NULL, NULL},
    {"devices: a cgroup rule for tun", P_DEV,
     RULES(RULE("c", 1, 3, "rwm") "," RULE("c", 10, 200, "rwm")), NULL, NULL,
     REF("host-devices", "linux.resources.devices[1]: " CG_MSG("c 10:200")), NULL},
    {"devices: every char device", P_DEV, RULES("{\"allow\":true,\"type\":\"c\",\"access\":\"r\"}"),
     NULL, NULL, REF("host-devices", "linux.resources.devices[0]: " CG_MSG("c *:*")), NULL},
    {"devices: a wildcard minor is not covered by one minor", P_DEV,
     RULES("{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rw\"}"), NULL, NULL,
     REF("host-devices", "linux.resources.devices[0]: " CG_MSG("c 1:*")), NULL},
    {"devices: fix removes nodes and rules, naming the original indices",
     "{\"hostDevices\":{\"mode\":\"fix\"}}",
     "{\"linux\":{\"devices\":[" KVM "," NODE("/dev/null", "c", 1, 3) "," NODE(
         "/dev/sda", "b", 8,
         0) "],\"resources\":{\"devices\":[" RULE("c", 10, 232,
                                                  "rwm") "," RULE("c", 1, 3,
                                                                  "rwm") "," RULE("b", 8, 0,
                                                                                  "r") "]}}}",
     "{\"linux\":{\"devices\":[" NODE("/dev/null", "c", 1, 3) "],\"resources\":{\"devices\":[" RULE(
         "c", 1, 3, "rwm") "]}}}",
     "linux.devices[0]: " KVM " -> (absent)\nlinux.devices[2]: " NODE(
         "/dev/sda", "b", 8, 0) " -> (absent)\n"
                                "linux.resources.devices[0]: " RULE(
                                    "c", 10, 232, "rwm") " -> (absent)\n"
                                                         "linux.resources.devices[2]: " RULE(
                                                             "b", 8, 0, "r") " -> (absent)",
     NULL, NULL},
    {"devices: audit", "{\"hostDevices\":{\"mode\":\"audit\"}}", NODES(KVM), NULL,
     "linux.devices[0]: AUDIT host device \"/dev/kvm\" (c 10:232) is not in the allowlist", NULL,
     NULL},
    {"devices: a node of an unknown type", P_DEV, NODES(NODE("/dev/x", "z", 1, 3)), NULL, NULL,
     NULL, REF("host-devices", "linux.devices[0].type: expected \"c\", \"b\", \"u\" or \"p\"")},
    /* the path: runc makes the node there, or binds the host's file */
    {"devices: a path outside /dev", P_DEV, NODES(NODE("/etc/shadow", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("/etc/shadow")), NULL},
    {"devices: a path that climbs out of /dev", P_DEV, NODES(NODE("/dev/../tmp/x", "c", 1, 5)),
     NULL, NULL, REF("host-devices", "linux.devices[0].path: " UNCLEAN("/dev/../tmp/x")), NULL},
    {"devices: a FIFO is judged by its path too", P_DEV, NODES(NODE("/etc/shadow", "p", 0, 0)),
     NULL, NULL, REF("host-devices", "linux.devices[0].path: " UNCLEAN("/etc/shadow")), NULL},
    {"devices: a double slash", P_DEV, NODES(NODE("/dev//null", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("/dev//null")), NULL},
    {"devices: a dot component", P_DEV, NODES(NODE("/dev/./null", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("/dev/./null")), NULL},
    {"devices: a trailing slash", P_DEV, NODES(NODE("/dev/net/", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("/dev/net/")), NULL},
    {"devices: /dev itself", P_DEV, NODES(NODE("/dev", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("/dev")), NULL},
    {"devices: a relative path", P_DEV, NODES(NODE("dev/null", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("dev/null")), NULL},
    {"devices: no path", P_DEV, NODES("{\"type\":\"c\",\"major\":1,\"minor\":3}"), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " UNCLEAN("")), NULL},
    {"devices: nested paths below /dev pass",
     "{\"hostDevices\":{\"allow\":[\"c 10:200\",\"c 1:3\"]}}",
     NODES(NODE("/dev/net/tun", "c", 10, 200) "," NODE("/dev/a..b/.x", "c", 1, 3)), NULL, "", NULL,
     NULL},
    /* under a user namespace runc binds the host's file at the path */
    {"devices: userns: the host's own nodes pass", P_DEV,
     UNODES(NODE("/dev/null", "c", 1, 3) "," NODE("/dev/zero", "u", 1, 5)), NULL, "", NULL, NULL},
    {"devices: userns: the host file is another device", P_DEV,
     UNODES(NODE("/dev/zero", "c", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " BOUND("/dev/zero", "c 1:3")), NULL},
    {"devices: userns: a char device as a block device", P_DEV,
     UNODES(NODE("/dev/null", "b", 1, 3)), NULL, NULL,
     REF("host-devices", "linux.devices[0].path: " BOUND("/dev/null", "b 1:3")), NULL},
    {"devices: userns: a FIFO binds the host's file", P_DEV, UNODES(NODE("/dev/null", "p", 0, 0)),
     NULL, NULL,
     REF("host-devices", "linux.devices[0].path: under a user namespace runc binds the host's file "
                         "\"/dev/null\" read-write in place of a FIFO"),
     NULL},
    {"devices: userns: a joined one binds too", P_DEV,
     "{\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}],"
     "\"devices\":[" NODE("/dev/zero", "c", 1, 3) "]}}",
     NULL, NULL, REF("host-devices", "linux.devices[0].path: " BOUND("/dev/zero", "c 1:3")), NULL},
    {"devices: userns: no such host file", P_DEV, UNODES(NODE("/dev/hr-absent", "c", 1, 3)), NULL,
     NULL,
     REF("host-devices",
         "linux.devices[0].path: " UNRESOLVED("/dev/hr-absent") "No such file or directory"),
     NULL},
    {"devices: userns: fix removes the entry", "{\"hostDevices\":{\"mode\":\"fix\"}}",
     UNODES(NODE("/dev/zero", "c", 1, 3) "," NODE("/dev/null", "c", 1, 3)),
     UNODES(NODE("/dev/null", "c", 1, 3)),
     "linux.devices[0]: " NODE("/dev/zero", "c", 1, 3) " -> (absent)", NULL, NULL},
    {"devices: userns: audit", "{\"hostDevices\":{\"mode\":\"audit\"}}",
     UNODES(NODE("/dev/zero", "c", 1, 3)), NULL,
     "linux.devices[0].path: AUDIT " BOUND("/dev/zero", "c 1:3"), NULL, NULL},
};

/* ---- sysctls --------------------------------------------------------------------- */

#define P_SYS       "{\"sysctls\":true}"
#define SYSCTL(...) "{\"linux\":{\"sysctl\":{" __VA_ARGS__ "}}}"
#define SYS_MSG(n)  "\"" n "\" is not in the allowlist of namespaced, safe sysctls"

static const struct rcase sysctls_cases[] = {
    {"sysctls: Docker's two pass", P_SYS,
     SYSCTL("\"net.ipv4.ip_unprivileged_port_start\":\"0\",\"net.ipv4.ping_group_range\":\"0 "
            "2147483647\""),
     NULL, "", NULL, NULL},
    {"sysctls: slashes are dots to runc", P_SYS, SYSCTL("\"net/ipv4/tcp_syncookies\":\"1\""), NULL,
     "", NULL, NULL},
    {"sysctls: kernel.core_pattern is refused", P_SYS,
     SYSCTL("\"net.ipv4.tcp_syncookies\":\"1\",\"kernel.core_pattern\":\"|/tmp/x\""), NULL, NULL,
     REF("sysctls", "linux.sysctl[\"kernel.core_pattern\"]: " SYS_MSG("kernel.core_pattern")),
     NULL},
    {"sysctls: a map key is case-sensitive", P_SYS, SYSCTL("\"NET.ipv4.tcp_syncookies\":\"1\""),
     NULL, NULL,
     REF("sysctls",
         "linux.sysctl[\"NET.ipv4.tcp_syncookies\"]: " SYS_MSG("NET.ipv4.tcp_syncookies")),
     NULL},
    {"sysctls: fix removes only the refused ones", "{\"sysctls\":{\"mode\":\"fix\"}}",
     SYSCTL("\"net/ipv4/ip_forward\":\"1\",\"net.ipv4.tcp_syncookies\":\"1\",\"vm.swappiness\":"
            "\"0\""),
     SYSCTL("\"net.ipv4.tcp_syncookies\":\"1\""),
     "linux.sysctl[\"net/ipv4/ip_forward\"]: \"1\" -> (absent)\nlinux.sysctl[\"vm.swappiness\"]: "
     "\"0\" -> (absent)",
     NULL, NULL},
    {"sysctls: a profile allowlist, written with slashes",
     "{\"sysctls\":{\"allow\":[\"net/core/somaxconn\"]}}", SYSCTL("\"net.core.somaxconn\":\"1\""),
     NULL, "", NULL, NULL},
    {"sysctls: the profile list replaces the built-in one",
     "{\"sysctls\":{\"allow\":[\"net.core.somaxconn\"]}}",
     SYSCTL("\"net.ipv4.tcp_syncookies\":\"1\""), NULL, NULL,
     REF("sysctls",
         "linux.sysctl[\"net.ipv4.tcp_syncookies\"]: " SYS_MSG("net.ipv4.tcp_syncookies")),
     NULL},
    {"sysctls: a hostile name is escaped", P_SYS, SYSCTL("\"a\\nb\":\"1\""), NULL, NULL,
     REF("sysctls", "linux.sysctl[\"a\\x0ab\"]: " SYS_MSG("a\\x0ab")), NULL},
    {"sysctls: a value that is not a string", P_SYS, SYSCTL("\"net.ipv4.tcp_syncookies\":1"), NULL,
     NULL, NULL, REF("sysctls", "linux.sysctl[\"net.ipv4.tcp_syncookies\"]: expected a string")},
};

/* ---- hooks ----------------------------------------------------------------------- */

#define P_HOOK       "{\"hooks\":{\"allow\":[\"/usr/libexec/oci/hook\"]}}"
#define HOOKS(...)   "{\"hooks\":{" __VA_ARGS__ "}}"
#define HOOK(p, ...) "{\"path\":\"" p "\",\"args\":[" __VA_ARGS__ "]}"
#define HOOK_MSG(p)  "hook \"" p "\" is not in the allowlist (hooks run as root on the host)"
#define CTD(prog)    HOOK("/usr/bin/containerd", "\"containerd\",\"oci-hook\",\"--\",\"" prog "\"")

#define HOOK_ENV(p, e) "{\"path\":\"" p "\",\"env\":[" e "]}"
#define LOADER_MSG(n)                                                                              \
  "\"" n "\" is read by the dynamic loader or the C library of the hook, which runs as root on "   \
  "the host"

static const struct rcase hooks_cases[] = {
    {"hooks: an allowlisted hook", P_HOOK,
     HOOKS("\"prestart\":[" HOOK("/usr/libexec/oci/hook", "\"hook\"") "]"), NULL, "", NULL, NULL},
    {"hooks: any other path is refused", P_HOOK,
     HOOKS("\"createRuntime\":[" HOOK("/usr/libexec/oci/hook") "," HOOK("/tmp/evil") "]"), NULL,
     NULL, REF("hooks", "hooks.createRuntime[1].path: " HOOK_MSG("/tmp/evil")), NULL},
    {"hooks: an allowlisted path is matched exactly", P_HOOK,
     HOOKS("\"poststop\":[" HOOK("/usr/libexec/oci//hook") "]"), NULL, NULL,
     REF("hooks", "hooks.poststop[0].path: " HOOK_MSG("/usr/libexec/oci//hook")), NULL},
    {"hooks: a case variant of a kind", P_HOOK,
     HOOKS("\"StartContainer\":[" HOOK("/bin/sh", "\"sh\"") "]"), NULL, NULL, NULL,
     "profile \"test\": rule \"spec-keys\": config.json:1:11: " UNIT_MISSPELLED(
         "StartContainer", "hooks", "startContainer")},
    {"hooks: containerd's relay to an allowed program", P_HOOK,
     HOOKS("\"prestart\":[" CTD("/usr/libexec/oci/hook") "]"), NULL, "", NULL, NULL},
    {"hooks: containerd's relay to another program", P_HOOK,
     HOOKS("\"prestart\":[" CTD("/bin/sh") "]"), NULL, NULL,
     REF("hooks", "hooks.prestart[0].path: " HOOK_MSG("/usr/bin/containerd")), NULL},
    {"hooks: a dockerd-shaped hook of PID 1 (not dockerd)", P_HOOK,
     HOOKS("\"prestart\":[" HOOK("/proc/1/exe", "\"libnetwork-setkey\"") "]"), NULL, NULL,
     REF("hooks", "hooks.prestart[0].path: " HOOK_MSG("/proc/1/exe")), NULL},
    {"hooks: fix removes the hook", "{\"hooks\":{\"mode\":\"fix\"}}",
     HOOKS("\"prestart\":[" HOOK("/a") "],\"poststop\":[" HOOK("/b") "]"),
     HOOKS("\"prestart\":[],\"poststop\":[]"),
     "hooks.prestart[0]: " HOOK("/a") " -> (absent)\nhooks.poststop[0]: " HOOK("/b") " -> (absent)",
     NULL, NULL},
    {"hooks: audit", "{\"hooks\":{\"mode\":\"audit\"}}", HOOKS("\"poststart\":[" HOOK("/a") "]"),
     NULL, "hooks.poststart[0].path: AUDIT " HOOK_MSG("/a"), NULL, NULL},
    {"hooks: LD_PRELOAD in an allowlisted hook", P_HOOK,
     HOOKS("\"prestart\":[" HOOK_ENV("/usr/libexec/oci/hook",
                                     "\"PATH=/bin\",\"LD_PRELOAD=/rootfs/x.so\"") "]"),
     NULL, NULL, REF("hooks", "hooks.prestart[0].env[1]: " LOADER_MSG("LD_PRELOAD")), NULL},
    {"hooks: any LD_ variable", P_HOOK,
     HOOKS("\"createRuntime\":[" HOOK_ENV("/usr/libexec/oci/hook", "\"LD_LIBRARY_PATH=/x\"") "]"),
     NULL, NULL, REF("hooks", "hooks.createRuntime[0].env[0]: " LOADER_MSG("LD_LIBRARY_PATH")),
     NULL},
    {"hooks: glibc's GCONV_PATH through containerd's relay", P_HOOK,
     HOOKS("\"poststart\":[{\"path\":\"/usr/bin/containerd\",\"args\":[\"containerd\","
           "\"oci-hook\",\"--\",\"/usr/libexec/oci/hook\"],\"env\":[\"GCONV_PATH=/x\"]}]"),
     NULL, NULL, REF("hooks", "hooks.poststart[0].env[0]: " LOADER_MSG("GCONV_PATH")), NULL},
    {"hooks: a name without a value", P_HOOK,
     HOOKS("\"poststop\":[" HOOK_ENV("/usr/libexec/oci/hook", "\"GLIBC_TUNABLES\"") "]"), NULL,
     NULL, REF("hooks", "hooks.poststop[0].env[0]: " LOADER_MSG("GLIBC_TUNABLES")), NULL},
    {"hooks: an ordinary environment", P_HOOK,
     HOOKS("\"prestart\":[" HOOK_ENV("/usr/libexec/oci/hook",
                                     "\"PATH=/bin\",\"XLD_PRELOAD=1\",\"LD=1\"") "]"),
     NULL, "", NULL, NULL},
    {"hooks: fix removes a hook with a loader variable",
     "{\"hooks\":{\"mode\":\"fix\","
     "\"allow\":[\"/a\"]}}",
     HOOKS("\"prestart\":[" HOOK_ENV("/a", "\"LD_AUDIT=/x\"") "]"), HOOKS("\"prestart\":[]"),
     "hooks.prestart[0]: " HOOK_ENV("/a", "\"LD_AUDIT=/x\"") " -> (absent)", NULL, NULL},
    {"hooks: an env entry that is not a string", P_HOOK,
     HOOKS("\"prestart\":[{\"path\":\"/usr/libexec/oci/hook\",\"env\":[1]}]"), NULL, NULL, NULL,
     REF("hooks", "hooks.prestart[0].env[0]: expected a string")},
    {"hooks: an arg that is not a string", P_HOOK,
     HOOKS("\"prestart\":[{\"path\":\"/a\",\"args\":[1]}]"), NULL, NULL, NULL,
     REF("hooks", "hooks.prestart[0].args[0]: expected a string")},
};

/* ---- rlimits --------------------------------------------------------------------- */

#define P_RL         "{\"rlimits\":true}"
#define RL(...)      "{\"process\":{\"rlimits\":[" __VA_ARGS__ "]}}"
#define NOFILE(h, s) "{\"type\":\"RLIMIT_NOFILE\",\"hard\":" #h ",\"soft\":" #s "}"
#define UNLIMITED    18446744073709551615

static const struct rcase rlimits_cases[] = {
    {"rlimits: under the ceiling", P_RL, RL(NOFILE(1024, 1024)), NULL, "", NULL, NULL},
    {"rlimits: unlimited is clamped to the built-in ceiling", P_RL,
     RL(NOFILE(18446744073709551615, 1024)), RL(NOFILE(1048576, 1024)),
     "process.rlimits[0].hard: 18446744073709551615 -> 1048576", NULL, NULL},
    {"rlimits: NPROC too", P_RL, RL("{\"type\":\"RLIMIT_NPROC\",\"hard\":100000,\"soft\":100000}"),
     RL("{\"type\":\"RLIMIT_NPROC\",\"hard\":65536,\"soft\":65536}"),
     "process.rlimits[0].hard: 100000 -> 65536\nprocess.rlimits[0].soft: 100000 -> 65536", NULL,
     NULL},
    {"rlimits: refuse", "{\"rlimits\":{\"mode\":\"refuse\"}}",
     RL(NOFILE(2048, 2048) "," NOFILE(18446744073709551615, 1024)), NULL, NULL,
     REF("rlimits", "process.rlimits[1]: RLIMIT_NOFILE (soft 1024, hard 18446744073709551615) is "
                    "above the ceiling 1048576"),
     NULL},
    {"rlimits: real-time priority is clamped to 0", P_RL,
     RL("{\"type\":\"RLIMIT_RTPRIO\",\"hard\":99,\"soft\":99}"),
     RL("{\"type\":\"RLIMIT_RTPRIO\",\"hard\":0,\"soft\":0}"),
     "process.rlimits[0].hard: 99 -> 0\nprocess.rlimits[0].soft: 99 -> 0", NULL, NULL},
    {"rlimits: no default built in", P_RL, "{\"process\":{\"args\":[\"sh\"]}}", NULL, "", NULL,
     NULL},
    {"rlimits: a profile default is added when the spec has none",
     "{\"rlimits\":{\"limits\":{\"RLIMIT_NOFILE\":{\"default\":4096,\"defaultSoft\":1024},"
     "\"RLIMIT_CORE\":{\"default\":0}}}}",
     RL("{\"type\":\"RLIMIT_CORE\",\"hard\":5,\"soft\":5}"),
     RL("{\"type\":\"RLIMIT_CORE\",\"hard\":5,\"soft\":5}," NOFILE(4096, 1024)),
     "process.rlimits[1]: (absent) -> " NOFILE(4096, 1024), NULL, NULL},
    {"rlimits: a default creates the list",
     "{\"rlimits\":{\"limits\":{\"RLIMIT_NOFILE\":{\"default\":4096}}}}", "{\"process\":{}}",
     RL(NOFILE(4096, 4096)),
     "process.rlimits: (absent) -> []\nprocess.rlimits[0]: (absent) -> " NOFILE(4096, 4096), NULL,
     NULL},
    {"rlimits: audit adds no default and records the ceiling",
     "{\"rlimits\":{\"mode\":\"audit\",\"limits\":{\"RLIMIT_NOFILE\":{\"default\":4096,"
     "\"ceiling\":8192}}}}",
     RL(NOFILE(10000, 10000)), NULL,
     "process.rlimits[0]: AUDIT RLIMIT_NOFILE (soft 10000, hard 10000) is above the ceiling 8192",
     NULL, NULL},
    {"rlimits: a type runc would not know is not NOFILE", P_RL,
     RL("{\"type\":\"rlimit_nofile\",\"hard\":18446744073709551615}"), NULL, "", NULL, NULL},
    {"rlimits: a negative limit", P_RL, RL(NOFILE(-1, 1)), NULL, NULL, NULL,
     REF("rlimits", "process.rlimits[0].hard: expected an unsigned integer, got -1")},
};

/* ---- oom ------------------------------------------------------------------------- */

#define P_OOM         "{\"oom\":true}"
#define OOMK(v)       "{\"linux\":{\"resources\":{\"memory\":{\"limit\":1,\"disableOOMKiller\":" v "}}}}"
#define ADJ(v)        "{\"process\":{\"oomScoreAdj\":" v "}}"
#define OOM_MSG       "a container out of memory would hang holding its memory instead of being killed"
#define ADJ_MSG(v, m) v " is below " m ": the host's OOM killer would pick other processes first"

static const struct rcase oom_cases[] = {
    {"oom: killer enabled", P_OOM, OOMK("false"), NULL, "", NULL, NULL},
    {"oom: disableOOMKiller is fixed by default", P_OOM, OOMK("true"), OOMK("false"),
     "linux.resources.memory.disableOOMKiller: true -> false", NULL, NULL},
    {"oom: refuse", "{\"oom\":{\"mode\":\"refuse\"}}", OOMK("true"), NULL, NULL,
     REF("oom", "linux.resources.memory.disableOOMKiller: " OOM_MSG), NULL},
    {"oom: a negative score is raised to 0", P_OOM, ADJ("-999"), ADJ("0"),
     "process.oomScoreAdj: -999 -> 0", NULL, NULL},
    {"oom: a positive score passes", P_OOM, ADJ("500"), NULL, "", NULL, NULL},
    {"oom: a profile minimum", "{\"oom\":{\"mode\":\"refuse\",\"minScoreAdj\":-500}}", ADJ("-997"),
     NULL, NULL, REF("oom", "process.oomScoreAdj: " ADJ_MSG("-997", "-500")), NULL},
    {"oom: within the profile minimum", "{\"oom\":{\"minScoreAdj\":-1000}}", ADJ("-1000"), NULL, "",
     NULL, NULL},
    {"oom: audit", "{\"oom\":{\"mode\":\"audit\"}}", ADJ("-1"), NULL,
     "process.oomScoreAdj: AUDIT " ADJ_MSG("-1", "0"), NULL, NULL},
    {"oom: a float score", P_OOM, ADJ("-1.0"), NULL, NULL, NULL,
     REF("oom", "process.oomScoreAdj: expected an integer, got -1.0")},
    {"oom: a string for the killer", P_OOM, OOMK("\"true\""), NULL, NULL, NULL,
     REF("oom", "linux.resources.memory.disableOOMKiller: expected a boolean")},
};

/* ---- secret-env ------------------------------------------------------------------ */

#define P_ENV    "{\"secretEnv\":true}"
#define ENV(...) "{\"process\":{\"env\":[" __VA_ARGS__ "]}}"
#define ENV_MSG(n, p)                                                                              \
  "variable \"" n "\" looks like a secret (matches \"" p "\"); pass secrets as files"

static const struct rcase secretenv_cases[] = {
    {"secret env: ordinary variables", P_ENV,
     ENV("\"PATH=/bin\",\"KEYBOARD=us\",\"MY_KEY_ID=1\",\"HOSTNAME=x\""), NULL, "", NULL, NULL},
    {"secret env: audited by default, the value never shown", P_ENV,
     ENV("\"PATH=/bin\",\"DB_PASSWORD=hunter2\",\"api_token=abc\",\"GPG_KEY=0xDEAD\""), NULL,
     "process.env[1]: AUDIT " ENV_MSG(
         "DB_PASSWORD", "*PASSWORD*") "\n"
                                      "process.env[2]: AUDIT " ENV_MSG(
                                          "api_token", "*TOKEN*") "\n"
                                                                  "process.env[3]: AUDIT " ENV_MSG(
                                                                      "GPG_KEY", "*_KEY"),
     NULL, NULL},
    {"secret env: refuse", "{\"secretEnv\":{\"mode\":\"refuse\"}}",
     ENV("\"AWS_SECRET_ACCESS_KEY=x\""), NULL, NULL,
     REF("secret-env", "process.env[0]: " ENV_MSG("AWS_SECRET_ACCESS_KEY", "*SECRET*")), NULL},
    {"secret env: a name without a value", "{\"secretEnv\":{\"mode\":\"refuse\"}}",
     ENV("\"TOKEN\""), NULL, NULL,
     REF("secret-env", "process.env[0]: " ENV_MSG("TOKEN", "*TOKEN*")), NULL},
    {"secret env: fix removes them, the record names only the variable",
     "{\"secretEnv\":{\"mode\":\"fix\"}}", ENV("\"A_TOKEN=s1\",\"PATH=/bin\",\"B_SECRET=s2\""),
     ENV("\"PATH=/bin\""),
     "process.env[0]: \"A_TOKEN\" -> (absent)\nprocess.env[2]: \"B_SECRET\" -> (absent)", NULL,
     NULL},
    {"secret env: allowlisted names and own patterns",
     "{\"secretEnv\":{\"mode\":\"refuse\",\"patterns\":[\"*_CRED\"],\"allow\":[\"SSH_CRED\"]}}",
     ENV("\"SSH_CRED=1\",\"DB_PASSWORD=2\""), NULL, "", NULL, NULL},
    {"secret env: an entry that is not a string", P_ENV, ENV("1"), NULL, NULL, NULL,
     REF("secret-env", "process.env[0]: expected a string")},
};

/* ---- sshd ------------------------------------------------------------------------- */

#define P_SSHD    "{\"sshd\":true}"
#define ARGS(...) "{\"process\":{\"args\":[" __VA_ARGS__ "]}}"
#define SSHD_MSG  "the container runs sshd (CIS Docker Benchmark 5.7: use docker exec)"

static const struct rcase sshd_cases[] = {
    {"sshd: audited by default", P_SSHD, ARGS("\"/usr/sbin/sshd\",\"-D\""), NULL,
     "process.args[0]: AUDIT " SSHD_MSG, NULL, NULL},
    {"sshd: through a shell", P_SSHD, ARGS("\"sh\",\"-c\",\"mkdir -p /run/sshd;exec sshd -D\""),
     NULL, "process.args[2]: AUDIT " SSHD_MSG, NULL, NULL},
    {"sshd: through an init", "{\"sshd\":{\"mode\":\"refuse\"}}",
     ARGS("\"tini\",\"--\",\"/usr/sbin/sshd\""), NULL, NULL,
     REF("sshd", "process.args[2]: " SSHD_MSG), NULL},
    {"sshd: other programs", "{\"sshd\":{\"mode\":\"refuse\"}}",
     ARGS("\"/usr/sbin/sshd-keygen\",\"/opt/mysshd\",\"sshd_config\""), NULL, "", NULL, NULL},
};

/* ---- checkpoint-restore ------------------------------------------------------------ */

#define P_RESTORE "{\"checkpointRestore\":true}"
#define SPEC_CAPS "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}}}"
#define RESTORE_MSG                                                                                \
  "runc restore gives the restored processes the capabilities, no_new_privs and seccomp filters "  \
  "stored in the checkpoint image, not those of config.json, and hardrun cannot check the image"

static const struct rcase restore_cases[] = {
    {"checkpoint-restore: create and run are not its business", P_RESTORE, SPEC_CAPS, NULL, "",
     NULL, NULL, false},
    {"checkpoint-restore: restore refused by default", P_RESTORE, SPEC_CAPS, NULL, NULL,
     REF("checkpoint-restore", "process: " RESTORE_MSG), NULL, true},
    {"checkpoint-restore: audited", "{\"checkpointRestore\":{\"mode\":\"audit\"}}", SPEC_CAPS, NULL,
     "process: AUDIT " RESTORE_MSG, NULL, NULL, true},
    {"checkpoint-restore: off trusts the image", "{\"checkpointRestore\":false}", SPEC_CAPS, NULL,
     "", NULL, NULL, true},
};

/* ---- profile parsing ------------------------------------------------------------- */

struct pcase {
  const char *name;
  const char *profile;
  const char *error; /* exact HR_ERR_PROFILE message; NULL: parses */
};

static const struct pcase profile_cases[] = {
    {"profile: every rule on with defaults",
     "{\"privileged\":true,\"hostNamespaces\":true,\"hostDevices\":true,\"sysctls\":true,"
     "\"hooks\":true,\"rlimits\":true,\"oom\":true,\"secretEnv\":true,\"sshd\":true}",
     NULL},
    {"profile: every rule off",
     "{\"privileged\":false,\"hostNamespaces\":false,\"hostDevices\":false,\"sysctls\":false,"
     "\"hooks\":false,\"rlimits\":false,\"oom\":false,\"secretEnv\":false,\"sshd\":false}",
     NULL},
    {"profile: an unknown mode", "{\"sysctls\":{\"mode\":\"block\"}}",
     "test.json:1:20: unknown mode \"block\" (expected refuse, fix, audit or off)"},
    {"profile: a misspelt key", "{\"hooks\":{\"mdoe\":\"fix\"}}",
     "test.json:1:18: hooks: unknown key \"mdoe\"; did you mean \"mode\"?"},
    {"profile: sshd cannot be fixed", "{\"sshd\":{\"mode\":\"fix\"}}",
     "test.json:1:17: mode \"fix\" is not possible for this rule (use refuse, audit or off)"},
    {"profile: checkpoint-restore cannot be fixed", "{\"checkpointRestore\":{\"mode\":\"fix\"}}",
     "test.json:1:30: mode \"fix\" is not possible for this rule (use refuse, audit or off)"},
    {"profile: an unknown namespace", "{\"hostNamespaces\":{\"namespaces\":{\"net\":\"off\"}}}",
     "test.json:1:40: hostNamespaces.namespaces: unknown key \"net\" (known keys: \"network\", "
     "\"pid\", \"ipc\", \"uts\", \"mount\", \"cgroup\")"},
    {"profile: a bad device pattern", "{\"hostDevices\":{\"allow\":[\"c 10\"]}}",
     "test.json:1:26: hostDevices.allow[0]: expected \"TYPE MAJOR:MINOR\" such as \"c 10:200\" or "
     "\"c 136:*\" (TYPE a, b or c)"},
    {"profile: a relative hook path", "{\"hooks\":{\"allow\":[\"hook\"]}}",
     "test.json:1:20: hooks.allow[0]: expected an absolute path"},
    {"profile: a relative masked path", "{\"privileged\":{\"maskedPaths\":[\"proc\"]}}",
     "test.json:1:31: privileged.maskedPaths[0]: expected an absolute path"},
    {"profile: a misspelt rlimit", "{\"rlimits\":{\"limits\":{\"RLIMIT_NOFLIE\":{}}}}",
     "test.json:1:39: rlimits.limits: unknown key \"RLIMIT_NOFLIE\"; did you mean "
     "\"RLIMIT_NOFILE\"?"},
    {"profile: a soft default above the default",
     "{\"rlimits\":{\"limits\":{\"RLIMIT_NOFILE\":{\"default\":10,\"defaultSoft\":11}}}}",
     "test.json:1:67: rlimits.limits.RLIMIT_NOFILE: defaultSoft is above the default (hard) limit"},
    {"profile: a default above the ceiling",
     "{\"rlimits\":{\"limits\":{\"RLIMIT_NOFILE\":{\"default\":10,\"ceiling\":9}}}}",
     "test.json:1:50: rlimits.limits.RLIMIT_NOFILE: default is above the ceiling"},
    {"profile: a score outside the kernel's range", "{\"oom\":{\"minScoreAdj\":-1001}}",
     "test.json:1:23: oom.minScoreAdj: expected an integer from -1000 to 1000"},
    {"profile: patterns must be strings", "{\"secretEnv\":{\"patterns\":[1]}}",
     "test.json:1:27: secretEnv.patterns[0]: expected a string, got number"},
};

static void run_profile_case(void **state)
{
  const struct pcase *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_error err = {0};
  int r = hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err);

  if (c->error == NULL) {
    assert_ok(r, &err);
    return;
  }
  if (r >= 0)
    fail_msg("expected \"%s\", got success", c->error);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, c->error);
}

/* ---- rows built at run time ------------------------------------------------------- */

/* A profile with every refusal rule of this file at its defaults, and this
 * test binary standing in for dockerd: the captured configs' hook names
 * /proc/<dockerd's pid>/exe, and the pid must be alive here. */
static char *defaults_profile(void)
{
  char exe[PATH_MAX], *p = NULL;

  assert_non_null(realpath("/proc/self/exe", exe));
  assert_true(asprintf(&p,
                       "{\"privileged\":true,\"hostNamespaces\":true,\"hostMounts\":true,"
                       "\"hostDevices\":true,\"sysctls\":true,\"hooks\":{\"dockerd\":[\"%s\"]},"
                       "\"rlimits\":true,\"oom\":true,\"secretEnv\":true,\"sshd\":true}",
                       exe) > 0);
  return p;
}

/* The fixture with its dockerd hook pointed at this process. */
static char *config_fixture(const char *name)
{
  cleanup_free char *buf = NULL;
  char rel[128], self[32], *at, *out = NULL;
  size_t len;

  snprintf(rel, sizeof(rel), "configs/%s", name);
  buf = unit_read_fixture(rel, &len);
  snprintf(self, sizeof(self), "/proc/%d/exe", (int)getpid());
  at = strstr(buf, "/proc/11811/exe");
  if (at == NULL)
    return get_and_reset(&buf);
  assert_true(
      asprintf(&out, "%.*s%s%s", (int)(at - buf), buf, self, at + strlen("/proc/11811/exe")) > 0);
  return out;
}

static void test_captured_configs(void **state)
{
  static const struct {
    const char *file, *log, *refused;
  } rows[] = {
      {"docker-run.json", CGROUP_AUDIT, NULL},
      {"ctr-run.json", CGROUP_AUDIT, NULL},
      {"docker-run-privileged.json", NULL,
       REF("privileged", "linux.resources.devices[0]: " PRIV_MSG)},
  };
  cleanup_free char *profile = defaults_profile();

  (void)state;
  /* docker-run.json's container, whose id its dockerd hook names */
  hr_lsm_set_container("4b8db3582df2ad3add93497c1950ff876d8fd1ccbccde57c70af835b67cde501", NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    cleanup_free char *spec = config_fixture(rows[i].file);
    struct rcase c = {.name = rows[i].file,
                      .profile = profile,
                      .spec = spec,
                      .log = rows[i].log,
                      .refused = rows[i].refused};
    print_message("# %s\n", rows[i].file);
    check_case(&c);
  }
  hr_lsm_set_container(NULL, NULL);
}

#define SETKEY(id) "\"libnetwork-setkey\",\"-exec-root=/run/docker\",\"" id "\",\"0e7d32941956\""

static void test_dockerd_hook(void **state)
{
  char exe[PATH_MAX], self[32], want[512], theirs[512];
  cleanup_free char *profile = NULL, *ok = NULL, *other = NULL, *wrong = NULL, *stolen = NULL,
                    *dash = NULL, *extra = NULL;

  (void)state;
  assert_non_null(realpath("/proc/self/exe", exe));
  snprintf(self, sizeof(self), "/proc/%d/exe", (int)getpid());
  assert_true(asprintf(&profile, "{\"hooks\":{\"dockerd\":[\"%s\"]}}", exe) > 0);
  assert_true(asprintf(&ok, HOOKS("\"prestart\":[" HOOK("%s", SETKEY("mine")) "]"), self) > 0);
  /* the same hook with another first argument is not dockerd's */
  assert_true(asprintf(&other, HOOKS("\"prestart\":[" HOOK("%s", "\"sh\"") "]"), self) > 0);
  /* dockerd's first argument, but not the rest of what dockerd writes */
  assert_true(
      asprintf(&wrong, HOOKS("\"prestart\":[" HOOK("%s", "\"libnetwork-setkey\"") "]"), self) > 0);
  assert_true(
      asprintf(&extra, HOOKS("\"prestart\":[" HOOK("%s", SETKEY("mine") ",\"x\"") "]"), self) > 0);
  /* dockerd's hook naming another container */
  assert_true(asprintf(&stolen, HOOKS("\"prestart\":[" HOOK("%s", SETKEY("theirs")) "]"), self) >
              0);
  assert_true(asprintf(&dash, HOOKS("\"prestart\":[" HOOK("%s", SETKEY("-mine")) "]"), self) > 0);
  snprintf(want, sizeof(want),
           REF("hooks", "hooks.prestart[0].path: hook \"%s\" is not in the "
                        "allowlist (hooks run as root on the host)"),
           self);

  hr_lsm_set_container("mine", NULL);
  check_case(&(struct rcase){.profile = profile, .spec = ok, .log = ""});
  check_case(&(struct rcase){.profile = profile, .spec = other, .refused = want});
  check_case(&(struct rcase){.profile = profile, .spec = wrong, .refused = want});
  check_case(&(struct rcase){.profile = profile, .spec = extra, .refused = want});
  /* dockerd's shape, but this binary is not in the default list */
  check_case(&(struct rcase){.profile = "{\"hooks\":true}", .spec = ok, .refused = want});
  snprintf(theirs, sizeof(theirs),
           REF("hooks", "hooks.prestart[0].args[2]: dockerd's network hook names container "
                        "\"theirs\", not this one (\"mine\"): dockerd would give that "
                        "container's network to this container"));
  check_case(&(struct rcase){.profile = profile, .spec = stolen, .refused = theirs});
  hr_lsm_set_container("-mine", NULL);
  snprintf(theirs, sizeof(theirs),
           REF("hooks", "hooks.prestart[0].args[2]: dockerd's network hook names container "
                        "\"-mine\", not this one (\"-mine\"): dockerd would give that "
                        "container's network to this container"));
  check_case(&(struct rcase){.profile = profile, .spec = dash, .refused = theirs});
  /* no container id given: nothing to compare with */
  hr_lsm_set_container(NULL, NULL);
  snprintf(theirs, sizeof(theirs),
           REF("hooks", "hooks.prestart[0].args[2]: dockerd's network hook names container "
                        "\"mine\", not this one (\"\"): dockerd would give that "
                        "container's network to this container"));
  check_case(&(struct rcase){.profile = profile, .spec = ok, .refused = theirs});
}

/* PID 1's namespace: the host's; on hosts where even root cannot inspect
 * PID 1 (some VMs), the path cannot be told apart and is refused too. */
static void test_pid1_ns(void **state)
{
  struct stat st;
  char want[512];

  (void)state;
  if (stat("/proc/1/ns/net", &st) == 0)
    snprintf(want, sizeof(want),
             REF("host-namespaces", "linux.namespaces[1].path: \"/proc/1/ns/net\" is the host's "
                                    "network namespace"));
  else
    snprintf(want, sizeof(want),
             REF("host-namespaces", "linux.namespaces[1].path: \"/proc/1/ns/net\" cannot be "
                                    "inspected (%s): it may be the host's network namespace"),
             strerror(errno));
  struct rcase c = {.profile = P_NS,
                    .spec = NSS(NS("pid") "," NSP("network", "/proc/1/ns/net") "," NS("ipc") "," NS(
                        "uts") "," NS("mount") "," NS("cgroup")),
                    .refused = want};
  check_case(&c);
}

/* Another process's private namespace (docker's --network container:X)
 * is allowed: a child that unshared its network namespace. */
static void test_private_ns(void **state)
{
  int ready[2];
  char path[64], *spec = NULL, c;
  pid_t pid;

  (void)state;
  if (geteuid() != 0)
    skip();
  assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  assert_int_equal(read(ready[0], &c, 1), 1);
  snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
  assert_true(asprintf(&spec,
                       NSS(NS("pid") "," NSP("network", "%s") "," NS("ipc") "," NS("uts") "," NS(
                           "mount") "," NS("cgroup")),
                       path) > 0);
  struct rcase ok = {.profile = P_NS, .spec = spec, .log = ""};
  if (c == 'y')
    check_case(&ok);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(ready[0]);
  close(ready[1]);
  free(spec);
  if (c != 'y')
    fail_msg("unshare(CLONE_NEWNET) failed in the child");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* runc's cgroupfs driver against a made-up host: two v1 hierarchies and a
 * v2 one, under a temporary directory, as /proc/self/mountinfo and
 * /proc/self/cgroup describe them. */
static void test_cgroup_occupied(void **state)
{
  char top[] = "/tmp/hr-cgroup.XXXXXX", path[PATH_MAX];
  cleanup_free char *mountinfo = NULL, *dir = NULL;
  struct hr_error err = {0};
  const char *self = "5:pids:/caller\n4:cpu,cpuacct:/caller\n0::/sub/caller\n";
  static const char *const dirs[] = {
      "pids",
      "pids/caller",
      "pids/busy",
      "pids/parent",
      "pids/parent/child",
      "pids/empty",
      "pids/caller/sub",
      "pids/caller/sub/kid",
      "cpu",
      "cpu/only-cpu",
      "cpu/only-cpu/kid",
      "v2",
      "v2/sub",
      "v2/sub/caller",
      "v2/sub/x",
      "v2/caller",
  };
  static const struct {
    const char *path, *dir; /* dir relative to top, NULL: free */
  } rows[] = {
      {"/busy", "pids/busy"},
      {"//busy/", "pids/busy"},
      {"/parent", "pids/parent"},
      {"/empty", NULL},
      {"/missing/x", NULL},
      {"/only-cpu", "cpu/only-cpu"},
      {"sub", "pids/caller/sub"},
      /* runc's CleanPath: no ".." climbs above its own cgroup */
      {"../sub", "pids/caller/sub"},
      {"a/../../../sub/", "pids/caller/sub"},
      {"../busy", NULL},
      {"new", NULL},
      /* runc's v2 driver: below the parent of its own cgroup (/sub) */
      {"x", "v2/x"},
      {"../x", "v2/x"},
      /* the v2 hierarchy is mounted from /sub: /sub/x shows, /x does not */
      {"/sub/x/../x", "v2/x"},
  };

  (void)state;
  assert_non_null(mkdtemp(top));
  for (size_t i = 0; i < HR_ARRAY_SIZE(dirs); i++) {
    snprintf(path, sizeof(path), "%s/%s", top, dirs[i]);
    assert_int_equal(mkdir(path, 0755), 0);
  }
  snprintf(path, sizeof(path), "%s/pids/busy/cgroup.procs", top);
  FILE *f = fopen(path, "we");
  assert_non_null(f);
  fputs("1234\n", f);
  fclose(f);
  /* an empty cgroup.procs is an empty cgroup */
  snprintf(path, sizeof(path), "%s/pids/empty/cgroup.procs", top);
  f = fopen(path, "we");
  assert_non_null(f);
  fclose(f);
  /* a v2 cgroup that holds one below what the v1 ones show */
  snprintf(path, sizeof(path), "%s/v2/x", top);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/v2/x/cgroup.procs", top);
  f = fopen(path, "we");
  assert_non_null(f);
  fputs("1\n", f);
  fclose(f);
  assert_true(asprintf(&mountinfo,
                       "20 1 0:1 / /proc rw - proc proc rw\n"
                       "30 1 0:2 / %s/pids rw,nosuid - cgroup cgroup rw,pids\n"
                       "31 1 0:3 / %s/cpu rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
                       "32 1 0:4 /sub %s/v2 rw - cgroup2 cgroup2 rw\n"
                       "33 1 0:5 / %s rw - tmpfs tmpfs rw\n",
                       top, top, top, top) > 0);
  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    int r = hr_cgroup_path_occupied(mountinfo, self, rows[i].path, &dir, &err);
    print_message("# %s\n", rows[i].path);
    assert_ok(r, &err);
    if (rows[i].dir == NULL) {
      assert_int_equal(r, 0);
      assert_null(dir);
      continue;
    }
    assert_int_equal(r, 1);
    snprintf(path, sizeof(path), "%s/%s", top, rows[i].dir);
    assert_string_equal(dir, path);
    free(dir);
    dir = NULL;
  }
  assert_int_equal(nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* The check of test_own_cgroup: 0 when a spec naming this process's own
 * cgroup is refused as it must be, 77 when that cgroup is "/" (nothing to
 * test), 1 otherwise.  Plain returns, no cmocka: it may run in a child. */
static int own_cgroup_check(void)
{
  cleanup_free char *self = NULL, *spec = NULL;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  struct hr_error err = {0};
  char own[PATH_MAX], want[PATH_MAX + 128];
  const char *at = NULL;
  size_t len;

  if (hr_read_file("/proc/self/cgroup", 1 << 20, &self, &len, &err) < 0)
    return fprintf(stderr, "# %s\n", err.msg), 1;
  /* the pids hierarchy (v1), else the unified one */
  if ((at = strstr(self, ":pids:")) != NULL)
    at += strlen(":pids:");
  else if ((at = strstr(self, "0::")) != NULL)
    at += strlen("0::");
  if (at == NULL)
    return 77;
  snprintf(own, sizeof(own), "%.*s", (int)strcspn(at, "\n"), at);
  if (strcmp(own, "/") == 0)
    return 77;
  if (asprintf(&spec, "{\"linux\":{\"namespaces\":[" SIX "],\"cgroupsPath\":\"%s\"}}", own) < 0)
    return 1;
  snprintf(want, sizeof(want),
           REF("host-namespaces", "linux.cgroupsPath: \"%s\" names a cgroup that already holds"),
           own);
  if (hr_policy_parse(P_NS, strlen(P_NS), "test.json", "test", &p, &err) < 0 ||
      hr_json_parse(spec, strlen(spec), &opts, &doc, &err) < 0)
    return fprintf(stderr, "# %s\n", err.msg), 1;
  if (hr_policy_apply(p, doc, NULL, &err) != -1 || err.kind != HR_ERR_REFUSED ||
      strncmp(err.msg, want, strlen(want)) != 0)
    return fprintf(stderr, "# got %s\n# want %s...\n", err.msg, want), 1;
  return 0;
}

/* A child moves into a pids cgroup of its own, where it may (as root,
 * cgroup v1), so that the check also runs where the tests start in the
 * root cgroup, as in CI. */
static int own_cgroup_child(const char *dir)
{
  char procs[PATH_MAX + 16];
  int fd;

  snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
  fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, "0\n", 2) != 2)
      fprintf(stderr, "# could not join %s\n", dir);
    close(fd);
  }
  return own_cgroup_check();
}

/* This test's own cgroup holds this test: a container may not join it. */
static void test_own_cgroup(void **state)
{
  char dir[PATH_MAX];
  bool made;
  pid_t pid;
  int status = 0;

  (void)state;
  snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/hardrun-unit-%d", (int)getpid());
  made = mkdir(dir, 0755) == 0;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(made ? own_cgroup_child(dir) : own_cgroup_check());
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (made)
    rmdir(dir);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77)
    skip();
  assert_int_equal(WEXITSTATUS(status), 0);
}

/* /dev/fd and /dev/stdin lead through /proc/self to the files of whoever
 * resolves them; runc's init is not hardrun, so they are never followed. */
static void test_dev_magic_links(void **state)
{
  static const char *const paths[] = {"/dev/fd/0", "/dev/stdin"};
  const char *want = REF("host-devices", "linux.devices[0].path: under a user namespace runc binds "
                                         "the host's file");

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(paths); i++) {
    struct hr_json_parse_opts opts = {.name = "config.json"};
    cleanup_policy struct hr_policy *p = NULL;
    cleanup_json_doc struct hr_json_doc *doc = NULL;
    struct hr_changes ch = {0};
    struct hr_error err = {0};
    struct stat st;
    char spec[512];

    /* the numbers of the file hardrun itself would reach */
    if (stat(paths[i], &st) < 0)
      continue;
    snprintf(spec, sizeof(spec),
             UNODES("{\"path\":\"%s\",\"type\":\"%c\",\"major\":%u,\"minor\":%u}"), paths[i],
             S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev));
    assert_ok(hr_policy_parse(P_DEV, strlen(P_DEV), "test.json", "test", &p, &err), &err);
    assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
    assert_int_equal(hr_policy_apply(p, doc, &ch, &err), -1);
    assert_int_equal(err.kind, HR_ERR_REFUSED);
    if (strncmp(err.msg, want, strlen(want)) != 0 || strstr(err.msg, "does not resolve") == NULL)
      fail_msg("%s: %s", paths[i], err.msg);
    hr_changes_free(&ch);
  }
}

int main(void)
{
  static const struct {
    const struct rcase *rows;
    size_t n;
  } tables[] = {
      {privileged_cases, HR_ARRAY_SIZE(privileged_cases)},
      {hostns_cases, HR_ARRAY_SIZE(hostns_cases)},
      {hostdevices_cases, HR_ARRAY_SIZE(hostdevices_cases)},
      {sysctls_cases, HR_ARRAY_SIZE(sysctls_cases)},
      {hooks_cases, HR_ARRAY_SIZE(hooks_cases)},
      {rlimits_cases, HR_ARRAY_SIZE(rlimits_cases)},
      {oom_cases, HR_ARRAY_SIZE(oom_cases)},
      {secretenv_cases, HR_ARRAY_SIZE(secretenv_cases)},
      {sshd_cases, HR_ARRAY_SIZE(sshd_cases)},
      {restore_cases, HR_ARRAY_SIZE(restore_cases)},
  };
  static struct CMUnitTest tests[256];
  size_t n = 0;

  for (size_t t = 0; t < HR_ARRAY_SIZE(tables); t++)
    for (size_t i = 0; i < tables[t].n && n < HR_ARRAY_SIZE(tests); i++)
      tests[n++] = (struct CMUnitTest){.name = tables[t].rows[i].name,
                                       .test_func = run_case,
                                       .initial_state = (void *)&tables[t].rows[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases) && n < HR_ARRAY_SIZE(tests); i++)
    tests[n++] = (struct CMUnitTest){.name = profile_cases[i].name,
                                     .test_func = run_profile_case,
                                     .initial_state = (void *)&profile_cases[i]};
  tests[n++] = (struct CMUnitTest){.name = "captured configs under the defaults",
                                   .test_func = test_captured_configs};
  tests[n++] =
      (struct CMUnitTest){.name = "dockerd's network hook", .test_func = test_dockerd_hook};
  tests[n++] =
      (struct CMUnitTest){.name = "hostns: PID 1's network namespace", .test_func = test_pid1_ns};
  tests[n++] = (struct CMUnitTest){.name = "hostns: another process's private namespace",
                                   .test_func = test_private_ns};
  tests[n++] = (struct CMUnitTest){.name = "hostns: cgroups that hold processes or cgroups",
                                   .test_func = test_cgroup_occupied};
  tests[n++] =
      (struct CMUnitTest){.name = "hostns: this test's own cgroup", .test_func = test_own_cgroup};
  tests[n++] = (struct CMUnitTest){.name = "devices: userns: links through /proc are not followed",
                                   .test_func = test_dev_magic_links};
  return _cmocka_run_group_tests("refusals", tests, n, NULL, NULL);
}
