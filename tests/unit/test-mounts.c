/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mount controls (readonly-rootfs, mount-propagation), as data: one row
 * per case, libseccomp style.  An apply row is a profile, an input
 * config.json, the exact output and the exact change records; a profile row
 * is a profile and a one-line rendering of what was parsed, or the exact
 * error. */
#include "config.h"

#include "controls-harness.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

/* ---- apply ------------------------------------------------------------------ */

#define R_DEFAULT          "{\"readonlyRootfs\":true}"
#define ROOT               "\"root\":{\"path\":\"rootfs\"}"
#define ROOT_RO            "\"root\":{\"path\":\"rootfs\",\"readonly\":true}"
#define WITH(root, mounts) "{" root ",\"mounts\":[" mounts "]}"
#define PROC_M             "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}"
#define DEST(d)            "{\"destination\":\"" d "\",\"type\":\"bind\",\"source\":\"/srv\"}"
#define TMPFS_M(d)                                                                                 \
  "{\"destination\":\"" d "\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\","    \
  "\"nodev\",\"mode=1777\",\"size=65536k\",\"tmpcopyup\"]}"
#define RO_CH     "root.readonly: (absent) -> true"
#define ADD(i, d) "mounts[" i "]: (absent) -> " TMPFS_M(d)

/* A rootfs that does not exist resolves to itself below /tmp. */
#define XROOT    "/tmp/hr-unit-no-such-bundle/rootfs"
#define ROOT_X   "\"root\":{\"path\":\"" XROOT "\"}"
#define ROOT_XRO "\"root\":{\"path\":\"" XROOT "\",\"readonly\":true}"
#define BINDX(d, s, o)                                                                             \
  "{\"destination\":\"" d "\",\"type\":\"bind\",\"source\":\"" s "\",\"options\":[" o "]}"
#define NO_TMPFS "{\"readonlyRootfs\":{\"tmpfs\":[]}}"

static const struct apply_case rootfs_cases[] = {
    {"rootfs: a bind of the rootfs itself is made read-only too", NO_TMPFS,
     WITH(ROOT_X, BINDX("/mnt", XROOT, "\"rbind\",\"rw\"")),
     WITH(ROOT_XRO, BINDX("/mnt", XROOT, "\"rbind\",\"rw\",\"ro\",\"rro\"")),
     RO_CH "\nmounts[0].options[2]: (absent) -> \"ro\"\nmounts[0].options[3]: (absent) -> \"rro\"",
     NULL},
    {"rootfs: a bind of a directory in it, or of the bundle holding it", NO_TMPFS,
     WITH(ROOT_X, BINDX("/a", XROOT "/bin",
                        "\"bind\"") "," BINDX("/b", "/tmp/hr-unit-no-such-bundle/", "\"rbind\"")),
     WITH(ROOT_XRO, BINDX("/a", XROOT "/bin", "\"bind\",\"ro\"") "," BINDX(
                        "/b", "/tmp/hr-unit-no-such-bundle/", "\"rbind\",\"ro\",\"rro\"")),
     RO_CH "\nmounts[0].options[1]: (absent) -> \"ro\"\nmounts[1].options[1]: (absent) -> "
           "\"ro\"\nmounts[1].options[2]: (absent) -> \"rro\"",
     NULL},
    /* runc 1.1 clears read-only with mount_setattr after its remount, so a
     * last "rrw" needs an "rro" after it, bind or rbind. */
    {"rootfs: a bind of it that ends with rrw", NO_TMPFS,
     WITH(ROOT_X, BINDX("/a", XROOT, "\"bind\",\"ro\",\"rrw\"") "," BINDX(
                      "/b", XROOT, "\"rbind\",\"rro\",\"ro\",\"rrw\"")),
     WITH(ROOT_XRO, BINDX("/a", XROOT, "\"bind\",\"ro\",\"rrw\",\"rro\"") "," BINDX(
                        "/b", XROOT, "\"rbind\",\"rro\",\"ro\",\"rrw\",\"rro\"")),
     RO_CH "\nmounts[0].options[3]: (absent) -> \"rro\"\nmounts[1].options[4]: (absent) -> "
           "\"rro\"",
     NULL},
    {"rootfs: binds elsewhere, read-only ones and other types stay", NO_TMPFS,
     WITH(ROOT_X,
          BINDX("/a", "/tmp/hr-unit-other", "\"rbind\"") "," BINDX(
              "/b", XROOT, "\"rbind\",\"ro\",\"rro\"") ",{\"destination\":\"/c\",\"type\":"
                                                       "\"tmpfs\",\"source\":\"" XROOT "\"}"),
     WITH(ROOT_XRO,
          BINDX("/a", "/tmp/hr-unit-other", "\"rbind\"") "," BINDX(
              "/b", XROOT, "\"rbind\",\"ro\",\"rro\"") ",{\"destination\":\"/c\",\"type\":"
                                                       "\"tmpfs\",\"source\":\"" XROOT "\"}"),
     RO_CH, NULL},
    {"rootfs: read-only root and three tmpfs appended", R_DEFAULT, WITH(ROOT, PROC_M),
     WITH(ROOT_RO, PROC_M "," TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/tmp") "\n" ADD("2", "/run") "\n" ADD("3", "/var/tmp"), NULL},
    {"rootfs: mounts absent are created", R_DEFAULT, "{" ROOT "}",
     WITH(ROOT_RO, TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH
     "\nmounts: (absent) -> []\n" ADD("0", "/tmp") "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"),
     NULL},
    {"rootfs: null mounts are replaced", R_DEFAULT, "{" ROOT ",\"mounts\":null}",
     WITH(ROOT_RO, TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH
     "\nmounts: null -> []\n" ADD("0", "/tmp") "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"),
     NULL},
    {"rootfs: readonly false is overridden", R_DEFAULT,
     "{\"root\":{\"path\":\"rootfs\",\"readonly\":false},\"mounts\":[" TMPFS_M("/tmp") "," TMPFS_M(
         "/run") "," TMPFS_M("/var/tmp") "]}",
     WITH(ROOT_RO, TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     "root.readonly: false -> true", NULL},
    {"rootfs: a compliant spec is not rewritten", R_DEFAULT,
     "{\"root\": {\"path\": \"rootfs\", \"readonly\": true},\n \"mounts\": [" DEST(
         "/tmp") ", " DEST("/run") ", " DEST("/var") "]}\n",
     NULL, "", NULL},
    {"rootfs: /tmp already mounted", R_DEFAULT, WITH(ROOT, DEST("/tmp")),
     WITH(ROOT_RO, DEST("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"), NULL},
    {"rootfs: //tmp/ is /tmp", R_DEFAULT, WITH(ROOT, DEST("//tmp/")),
     WITH(ROOT_RO, DEST("//tmp/") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"), NULL},
    {"rootfs: relative tmp is /tmp to runc", R_DEFAULT, WITH(ROOT, DEST("tmp")),
     WITH(ROOT_RO, DEST("tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"), NULL},
    {"rootfs: /var/../tmp/. is /tmp", R_DEFAULT, WITH(ROOT, DEST("/var/../tmp/.")),
     WITH(ROOT_RO, DEST("/var/../tmp/.") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/run") "\n" ADD("2", "/var/tmp"), NULL},
    {"rootfs: a /var volume covers /var/tmp", R_DEFAULT, WITH(ROOT, DEST("/var")),
     WITH(ROOT_RO, DEST("/var") "," TMPFS_M("/tmp") "," TMPFS_M("/run")),
     RO_CH "\n" ADD("1", "/tmp") "\n" ADD("2", "/run"), NULL},
    {"rootfs: a mount on / covers nothing", R_DEFAULT, WITH(ROOT, DEST("/")),
     WITH(ROOT_RO, DEST("/") "," TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/tmp") "\n" ADD("2", "/run") "\n" ADD("3", "/var/tmp"), NULL},
    {"rootfs: a mount without destination covers nothing", R_DEFAULT,
     WITH(ROOT, "{\"type\":\"bind\"}"),
     WITH(ROOT_RO,
          "{\"type\":\"bind\"}," TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/tmp") "\n" ADD("2", "/run") "\n" ADD("3", "/var/tmp"), NULL},
    {"rootfs: /run goes before /run/secrets", R_DEFAULT,
     WITH(ROOT, PROC_M "," DEST("/run/secrets")),
     WITH(ROOT_RO, PROC_M
          "," TMPFS_M("/run") "," DEST("/run/secrets") "," TMPFS_M("/tmp") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("2", "/tmp") "\n" ADD("1", "/run") "\n" ADD("4", "/var/tmp"), NULL},
    {"rootfs: /run goes before a relative run/secrets", R_DEFAULT,
     WITH(ROOT, DEST("run/secrets") "," DEST("/run/lock")),
     WITH(ROOT_RO, TMPFS_M("/run") "," DEST("run/secrets") "," DEST("/run/lock") "," TMPFS_M(
                       "/tmp") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("2", "/tmp") "\n" ADD("0", "/run") "\n" ADD("4", "/var/tmp"), NULL},
    {"rootfs: /running is not under /run", R_DEFAULT, WITH(ROOT, DEST("/running")),
     WITH(ROOT_RO,
          DEST("/running") "," TMPFS_M("/tmp") "," TMPFS_M("/run") "," TMPFS_M("/var/tmp")),
     RO_CH "\n" ADD("1", "/tmp") "\n" ADD("2", "/run") "\n" ADD("3", "/var/tmp"), NULL},
    /* runc would read "ReadOnly" as readonly, crun would not: a rootfs
     * hardrun took for read-only would be writable under crun. */
    {"rootfs: case variants of the keys are refused, crun would not read them", R_DEFAULT,
     "{\"root\":{\"path\":\"rootfs\",\"ReadOnly\":true},\"mounts\":[{\"destination\":\"/tmp\"}]}",
     NULL, "", UNIT_MISSPELLED("ReadOnly", "root", "readonly")},
    {"rootfs: size and mode from the profile",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/scratch\"],\"tmpfsSize\":\"1g\",\"tmpfsMode\":\"0755\"}}",
     WITH(ROOT, ""),
     WITH(ROOT_RO,
          "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
          "\"options\":[\"nosuid\",\"nodev\",\"mode=755\",\"size=1048576k\",\"tmpcopyup\"]}"),
     RO_CH "\nmounts[0]: (absent) -> {\"destination\":\"/scratch\",\"type\":\"tmpfs\","
           "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\",\"mode=755\","
           "\"size=1048576k\",\"tmpcopyup\"]}",
     NULL},
    {"rootfs: a size under 1k rounds up",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/s\"],\"tmpfsSize\":1025,\"tmpfsMode\":\"0\"}}",
     WITH(ROOT, ""),
     WITH(ROOT_RO, "{\"destination\":\"/s\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                   "\"options\":[\"nosuid\",\"nodev\",\"mode=0\",\"size=2k\",\"tmpcopyup\"]}"),
     RO_CH "\nmounts[0]: (absent) -> {\"destination\":\"/s\",\"type\":\"tmpfs\","
           "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\",\"mode=0\",\"size=2k\","
           "\"tmpcopyup\"]}",
     NULL},
    {"rootfs: no tmpfs list, only the read-only root", "{\"readonlyRootfs\":{\"tmpfs\":[]}}",
     "{" ROOT "}", "{" ROOT_RO "}", RO_CH, NULL},
    {"rootfs: profile paths are clean and deduplicated by the mounts they add",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"//tmp/\",\"/tmp\"]}}", WITH(ROOT, ""),
     WITH(ROOT_RO, TMPFS_M("/tmp")), RO_CH "\n" ADD("0", "/tmp"), NULL},
    {"rootfs: a profile parent then child adds only the parent",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/run\",\"/run/lock\"]}}", WITH(ROOT, ""),
     WITH(ROOT_RO, TMPFS_M("/run")), RO_CH "\n" ADD("0", "/run"), NULL},
    {"rootfs: a profile child then parent orders them",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/run/lock\",\"/run\"]}}", WITH(ROOT, ""),
     WITH(ROOT_RO, TMPFS_M("/run") "," TMPFS_M("/run/lock")),
     RO_CH "\n" ADD("0", "/run/lock") "\n" ADD("0", "/run"), NULL},
    {"rootfs: disabled", "{\"readonlyRootfs\":false}", "{" ROOT "}", NULL, "", NULL},
    {"rootfs: root missing", R_DEFAULT, "{\"mounts\":[]}", NULL, NULL, "root: missing"},
    {"rootfs: root null", R_DEFAULT, "{\"root\":null}", NULL, NULL, "root: missing"},
    {"rootfs: root is a string", R_DEFAULT, "{\"root\":\"rootfs\"}", NULL, NULL,
     "root: expected an object"},
    {"rootfs: mounts is an object", R_DEFAULT, "{" ROOT ",\"mounts\":{}}", NULL, NULL,
     "mounts: expected an array"},
    {"rootfs: a mount is a string", R_DEFAULT, WITH(ROOT, PROC_M ",\"/tmp\""), NULL, NULL,
     "mounts[1]: expected an object"},
    {"rootfs: a destination is a number", R_DEFAULT, WITH(ROOT, PROC_M ",{\"destination\":5}"),
     NULL, NULL, "mounts[1].destination: expected a string"},
};

/* Destinations where runc mounts them, through the image's own links: a
 * rootfs on disk ("@R" in a row) where /var/run is a link to /run, as in
 * most images, /lock an absolute link to /run/lock and /up a link that
 * climbs out (securejoin keeps it in).  The kubelet binds every pod's
 * service account token at /var/run/secrets/kubernetes.io/serviceaccount. */
#define LR      "\"root\":{\"path\":\"@R\"}"
#define LR_RO   "\"root\":{\"path\":\"@R\",\"readonly\":true}"
#define RUN_TMP "{\"readonlyRootfs\":{\"tmpfs\":[\"/run\",\"/tmp\"]}}"
#define TOKEN   DEST("/var/run/secrets/kubernetes.io/serviceaccount")

static const struct apply_case link_cases[] = {
    {"rootfs: a mount below /var/run, a link to /run, stays on top of the /run tmpfs", RUN_TMP,
     WITH(LR, TOKEN), WITH(LR_RO, TMPFS_M("/run") "," TOKEN "," TMPFS_M("/tmp")),
     RO_CH "\n" ADD("0", "/run") "\n" ADD("2", "/tmp"), NULL},
    {"rootfs: a mount on /var/run is where /run is", RUN_TMP, WITH(LR, DEST("/var/run")),
     WITH(LR_RO, DEST("/var/run") "," TMPFS_M("/tmp")), RO_CH "\n" ADD("1", "/tmp"), NULL},
    {"rootfs: an absolute link is followed inside the rootfs",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/run/lock\"]}}", WITH(LR, DEST("/lock/x")),
     WITH(LR_RO, TMPFS_M("/run/lock") "," DEST("/lock/x")), RO_CH "\n" ADD("0", "/run/lock"), NULL},
    {"rootfs: a link climbing out of the rootfs stays in it",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/tmp\"]}}", WITH(LR, DEST("/up/tmp/x")),
     WITH(LR_RO, TMPFS_M("/tmp") "," DEST("/up/tmp/x")), RO_CH "\n" ADD("0", "/tmp"), NULL},
    {"rootfs: destinations without links keep their order", RUN_TMP,
     WITH(LR, DEST("/srv/run") "," DEST("/run/x")),
     WITH(LR_RO, DEST("/srv/run") "," TMPFS_M("/run") "," DEST("/run/x") "," TMPFS_M("/tmp")),
     RO_CH "\n" ADD("1", "/run") "\n" ADD("3", "/tmp"), NULL},
};

static char linkroot[64];

static int linkroot_setup(void **state)
{
  static const char *const links[][2] = {
      {"var/run", "../run"}, {"lock", "/run/lock"}, {"up", "../../../.."}};
  char path[128];

  (void)state;
  snprintf(linkroot, sizeof(linkroot), "/tmp/hr-unit-linkroot.XXXXXX");
  if (mkdtemp(linkroot) == NULL)
    return -1;
  snprintf(path, sizeof(path), "%s/var", linkroot);
  if (mkdir(path, 0755) < 0)
    return -1;
  snprintf(path, sizeof(path), "%s/run", linkroot);
  if (mkdir(path, 0755) < 0)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(links); i++) {
    snprintf(path, sizeof(path), "%s/%s", linkroot, links[i][0]);
    if (symlink(links[i][1], path) < 0)
      return -1;
  }
  return 0;
}

static int linkroot_teardown(void **state)
{
  static const char *const rel[] = {"var/run", "lock", "up", "var", "run", ""};
  char path[128];

  (void)state;
  for (size_t i = 0; i < HR_ARRAY_SIZE(rel); i++) {
    snprintf(path, sizeof(path), "%s/%s", linkroot, rel[i]);
    if (remove(path) < 0 && errno != ENOENT)
      return -1;
  }
  return 0;
}

/* s with every "@R" replaced by the rootfs; NULL stays NULL. */
static char *with_root(const char *s)
{
  char *out, *o;
  size_t n = 0;

  if (s == NULL)
    return NULL;
  for (const char *p = s; (p = strstr(p, "@R")) != NULL; p += 2)
    n++;
  out = o = malloc(strlen(s) + n * strlen(linkroot) + 1);
  if (out == NULL)
    abort();
  for (; *s != '\0'; s++) {
    if (s[0] == '@' && s[1] == 'R') {
      o = stpcpy(o, linkroot);
      s++;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
  return out;
}

static void run_link_case(void **state)
{
  const struct apply_case *c = *state;
  cleanup_free char *spec = with_root(c->spec), *out = with_root(c->out);
  struct apply_case row = *c;
  void *rowp = &row;

  row.spec = spec;
  row.out = out;
  run_apply_case(&rowp);
}

#define P_PROP            "{\"mountPropagation\":true}"
#define LX(x)             ",\"linux\":{\"rootfsPropagation\":" x "}"
#define PROP_CH(old, new) "linux.rootfsPropagation: " old " -> \"" new "\""
#define OPTS(d, o)        "{\"destination\":\"" d "\",\"options\":[" o "]}"

/* Seven mounts: four with the given options, one without options, one with
 * null options, one already private; then linux.rootfsPropagation. */
#define SEVEN(a, b, c, d)                                                                          \
  "[" OPTS("/a", a) "," OPTS("/b", b) "," OPTS("/c", c) "," OPTS(                                  \
      "/d", d) ",{\"destination\":\"/e\"},{\"destination\":\"/f\",\"options\":null},"              \
               "{\"destination\":\"/g\",\"options\":[\"private\"]}]" LX("\"rprivate\"")

static const struct apply_case prop_cases[] = {
    {"propagation: rootfsPropagation added", P_PROP, "{" ROOT "}",
     "{" ROOT ",\"linux\":{\"rootfsPropagation\":\"rprivate\"}}", PROP_CH("(absent)", "rprivate"),
     NULL},
    {"propagation: rslave replaced", P_PROP, "{" ROOT LX("\"rslave\"") "}",
     "{" ROOT LX("\"rprivate\"") "}", PROP_CH("\"rslave\"", "rprivate"), NULL},
    {"propagation: private replaced by rprivate", P_PROP, "{" ROOT LX("\"private\"") "}",
     "{" ROOT LX("\"rprivate\"") "}", PROP_CH("\"private\"", "rprivate"), NULL},
    {"propagation: already rprivate", P_PROP, "{" ROOT LX("\"rprivate\"") "}", NULL, "", NULL},
    {"propagation: private from the profile", "{\"mountPropagation\":{\"rootfs\":\"private\"}}",
     "{" ROOT LX("\"shared\"") "}", "{" ROOT LX("\"private\"") "}",
     PROP_CH("\"shared\"", "private"), NULL},
    {"propagation: options rewritten exactly", P_PROP,
     "{" ROOT ",\"mounts\":" SEVEN("\"rbind\",\"rshared\"", "\"bind\",\"shared\",\"ro\"",
                                   "\"rslave\"", "\"slave\",\"Shared\",\"rsharedx\"") "}",
     "{" ROOT ",\"mounts\":" SEVEN("\"rbind\",\"rprivate\"", "\"bind\",\"private\",\"ro\"",
                                   "\"rprivate\"", "\"private\",\"Shared\",\"rsharedx\"") "}",
     "mounts[0].options: [\"rbind\",\"rshared\"] -> [\"rbind\",\"rprivate\"]\n"
     "mounts[1].options: [\"bind\",\"shared\",\"ro\"] -> [\"bind\",\"private\",\"ro\"]\n"
     "mounts[2].options: [\"rslave\"] -> [\"rprivate\"]\n"
     "mounts[3].options: [\"slave\",\"Shared\",\"rsharedx\"] -> "
     "[\"private\",\"Shared\",\"rsharedx\"]",
     NULL},
    {"propagation: a case variant of options is refused, crun would not read it", P_PROP,
     "{" ROOT
     ",\"mounts\":[{\"destination\":\"/a\",\"OPTIONS\":[\"rshared\"]}]" LX("\"rprivate\"") "}",
     NULL, "", UNIT_MISSPELLED("OPTIONS", "mounts[0]", "options")},
    {"propagation: after readonly-rootfs in table order",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"/tmp\"]},\"mountPropagation\":true}",
     WITH(ROOT, OPTS("/data", "\"rbind\",\"rshared\"")),
     "{" ROOT_RO ",\"mounts\":[" OPTS("/data", "\"rbind\",\"rprivate\"") "," TMPFS_M(
         "/tmp") "],\"linux\":{\"rootfsPropagation\":\"rprivate\"}}",
     RO_CH "\n" ADD("1", "/tmp") "\n" PROP_CH(
         "(absent)",
         "rprivate") "\n"
                     "mounts[0].options: [\"rbind\",\"rshared\"] -> [\"rbind\",\"rprivate\"]",
     NULL},
    {"propagation: options is a string", P_PROP,
     "{" ROOT ",\"mounts\":[" PROC_M ",{\"destination\":\"/a\",\"options\":\"rshared\"}]}", NULL,
     NULL, "mounts[1].options: expected an array of strings"},
    {"propagation: an option is a number", P_PROP,
     "{" ROOT ",\"mounts\":[" OPTS("/a", "\"rbind\",1") "]}", NULL, NULL,
     "mounts[0].options: expected an array of strings"},
    {"propagation: mounts is a string", P_PROP, "{" ROOT ",\"mounts\":\"/a\"}", NULL, NULL,
     "mounts: expected an array"},
    {"propagation: a mount is an array", P_PROP, "{" ROOT ",\"mounts\":[[]]}", NULL, NULL,
     "mounts[0]: expected an object"},
    {"propagation: linux is an array", P_PROP, "{" ROOT ",\"linux\":[]}", NULL, NULL,
     "linux: expected an object"},
};

/* a docker config.json: its own /dev tmpfs, a bind mount with rslave */
static const struct file_case file_cases[] = {
    {"docker config.json", "docker-mounts.profile.json", "docker-config.json",
     "docker-mounts.out.json", "docker-mounts.changes"},
};

/* ---- profile parsing --------------------------------------------------------- */

struct profile_case {
  const char *name;
  const char *profile;
  const char *parsed; /* describe() of the result */
  const char *error;  /* the exact HR_ERR_PROFILE message */
};

static char *describe(const struct hr_policy *p)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  fprintf(f, "rootfs %s [", hr_rootfs_enabled(p) ? "on" : "off");
  for (size_t i = 0; i < p->rootfs.n_tmpfs; i++)
    fprintf(f, "%s%s", i ? " " : "", p->rootfs.tmpfs[i]);
  fprintf(f, "] size %" PRId64 " mode %o; propagation %s %s", p->rootfs.tmpfs_size,
          p->rootfs.tmpfs_mode, hr_propagation_enabled(p) ? "on" : "off",
          p->propagation.rootfs ? p->propagation.rootfs : "-");
  fclose(f);
  return s;
}

#define DEF_TMPFS "[/tmp /run /var/tmp] size 67108864 mode 1777"
#define PROP_OFF  "propagation off -"
#define RFS_OFF   "rootfs off [] size 0 mode 0"

static const struct profile_case profile_cases[] = {
    {"rootfs true", "{\"readonlyRootfs\":true}", "rootfs on " DEF_TMPFS "; " PROP_OFF, NULL},
    {"rootfs false", "{\"readonlyRootfs\":false}", "rootfs off " DEF_TMPFS "; " PROP_OFF, NULL},
    {"rootfs empty object", "{\"readonlyRootfs\":{}}", "rootfs on " DEF_TMPFS "; " PROP_OFF, NULL},
    {"rootfs enabled false", "{\"readonlyRootfs\":{\"enabled\":false}}",
     "rootfs off " DEF_TMPFS "; " PROP_OFF, NULL},
    {"rootfs everything",
     "{\"readonlyRootfs\":{\"tmpfs\":[\"//a/./b/../c/\",\"/d\"],\"tmpfsSize\":4096,"
     "\"tmpfsMode\":\"0755\"}}",
     "rootfs on [/a/c /d] size 4096 mode 755; " PROP_OFF, NULL},
    {"rootfs size string and sticky mode",
     "{\"readonlyRootfs\":{\"tmpfs\":[],\"tmpfsSize\":\"1g\",\"tmpfsMode\":\"7777\"}}",
     "rootfs on [] size 1073741824 mode 7777; " PROP_OFF, NULL},
    {"rootfs relative path", "{\"readonlyRootfs\":{\"tmpfs\":[\"/tmp\",\"tmp\"]}}", NULL,
     "test.json:1:36: readonlyRootfs.tmpfs[1]: expected an absolute path"},
    {"rootfs root path", "{\"readonlyRootfs\":{\"tmpfs\":[\"/\"]}}", NULL,
     "test.json:1:29: readonlyRootfs.tmpfs[0]: \"/\" is the root"},
    {"rootfs path cleaning to the root", "{\"readonlyRootfs\":{\"tmpfs\":[\"/tmp/../..\"]}}", NULL,
     "test.json:1:29: readonlyRootfs.tmpfs[0]: \"/\" is the root"},
    {"rootfs tmpfs is a string", "{\"readonlyRootfs\":{\"tmpfs\":\"/tmp\"}}", NULL,
     "test.json:1:28: readonlyRootfs.tmpfs: expected an array of strings, got string"},
    {"rootfs size 0", "{\"readonlyRootfs\":{\"tmpfsSize\":0}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsSize: must be greater than 0"},
    {"rootfs bad size", "{\"readonlyRootfs\":{\"tmpfsSize\":\"64x\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsSize: invalid size \"64x\": expected digits with an "
     "optional k, m, g or t suffix"},
    {"rootfs negative size", "{\"readonlyRootfs\":{\"tmpfsSize\":-1}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsSize: expected a non-negative integer or a size "
     "string such as \"64m\", got -1"},
    {"rootfs mode not octal", "{\"readonlyRootfs\":{\"tmpfsMode\":\"1778\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\""},
    {"rootfs mode too large", "{\"readonlyRootfs\":{\"tmpfsMode\":\"17777\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\""},
    {"rootfs mode too long", "{\"readonlyRootfs\":{\"tmpfsMode\":\"0001777\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\""},
    {"rootfs mode empty", "{\"readonlyRootfs\":{\"tmpfsMode\":\"\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\""},
    {"rootfs mode 0o prefix", "{\"readonlyRootfs\":{\"tmpfsMode\":\"0o755\"}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected an octal mode such as \"1777\""},
    {"rootfs mode as a number", "{\"readonlyRootfs\":{\"tmpfsMode\":1777}}", NULL,
     "test.json:1:32: readonlyRootfs.tmpfsMode: expected a string, got number"},
    {"rootfs misspelt key", "{\"readonlyRootfs\":{\"tmpfsSise\":1}}", NULL,
     "test.json:1:32: readonlyRootfs: unknown key \"tmpfsSise\"; did you mean \"tmpfsSize\"?"},
    {"rootfs is a list", "{\"readonlyRootfs\":[\"/tmp\"]}", NULL,
     "test.json:1:19: readonlyRootfs: expected a boolean or an object, got array"},

    {"propagation true", "{\"mountPropagation\":true}", RFS_OFF "; propagation on rprivate", NULL},
    {"propagation false", "{\"mountPropagation\":false}", RFS_OFF "; propagation off rprivate",
     NULL},
    {"propagation private", "{\"mountPropagation\":{\"rootfs\":\"private\"}}",
     RFS_OFF "; propagation on private", NULL},
    {"propagation enabled false",
     "{\"mountPropagation\":{\"enabled\":false,\"rootfs\":\"rprivate\"}}",
     RFS_OFF "; propagation off rprivate", NULL},
    {"propagation shared", "{\"mountPropagation\":{\"rootfs\":\"shared\"}}", NULL,
     "test.json:1:31: mountPropagation.rootfs: expected \"private\" or \"rprivate\""},
    {"propagation uppercase", "{\"mountPropagation\":{\"rootfs\":\"RPRIVATE\"}}", NULL,
     "test.json:1:31: mountPropagation.rootfs: expected \"private\" or \"rprivate\""},
    {"propagation number", "{\"mountPropagation\":{\"rootfs\":1}}", NULL,
     "test.json:1:31: mountPropagation.rootfs: expected a string, got number"},
    {"propagation misspelt key", "{\"mountPropagation\":{\"root\":\"private\"}}", NULL,
     "test.json:1:29: mountPropagation: unknown key \"root\"; did you mean \"rootfs\"?"},
};

static void run_profile_case(void **state)
{
  const struct profile_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_free char *got = NULL;
  struct hr_error err = {0};
  int r = hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err);

  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success", c->error);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_string_equal(err.msg, c->error);
    return;
  }
  assert_ok(r, &err);
  got = describe(p);
  assert_string_equal(got, c->parsed);
}

int main(void)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(rootfs_cases); i++)
    add_test(rootfs_cases[i].name, run_apply_case, &rootfs_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(link_cases); i++) {
    add_test(link_cases[i].name, run_link_case, &link_cases[i]);
    tests[n_tests - 1].setup_func = linkroot_setup;
    tests[n_tests - 1].teardown_func = linkroot_teardown;
  }
  for (size_t i = 0; i < HR_ARRAY_SIZE(prop_cases); i++)
    add_test(prop_cases[i].name, run_apply_case, &prop_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++)
    add_test(profile_cases[i].name, run_profile_case, &profile_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(file_cases); i++)
    add_test(file_cases[i].name, run_file_case, &file_cases[i]);
  return run_all("mounts");
}
