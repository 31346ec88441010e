/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "capabilities" control, as data: one row per case, libseccomp style.
 * An apply row is a profile, an input config.json, the exact output and the
 * exact change records; a profile row is a profile and the parsed allowlist
 * or the exact error. */
#include "config.h"

#include "controls-harness.h"

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

/* ---- apply ------------------------------------------------------------------ */

#define ALLOW3 "{\"capabilities\":{\"allow\":[\"CHOWN\",\"cap_kill\",\"Cap_Net_Bind_Service\"]}}"
#define PROC(caps)                                                                                 \
  "{\"process\":{\"args\":[\"sh\"],\"capabilities\":" caps "},\"root\":{\"path\":\"rootfs\"}}"

static const struct apply_case apply_cases[] = {
    {
        "all five sets",
        ALLOW3,
        PROC("{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_KILL\"],"
             "\"effective\":[\"CAP_NET_RAW\",\"CAP_NET_BIND_SERVICE\"],"
             "\"inheritable\":[\"CAP_KILL\",\"CAP_MKNOD\"],"
             "\"permitted\":[\"CAP_SYS_PTRACE\",\"CAP_CHOWN\"],"
             "\"ambient\":[\"CAP_SYS_MODULE\"]}"),
        PROC("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
             "\"effective\":[\"CAP_NET_BIND_SERVICE\"],"
             "\"inheritable\":[\"CAP_KILL\"],"
             "\"permitted\":[\"CAP_CHOWN\"],"
             "\"ambient\":[]}"),
        "process.capabilities.bounding: [\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_KILL\"] -> "
        "[\"CAP_CHOWN\",\"CAP_KILL\"]\n"
        "process.capabilities.effective: [\"CAP_NET_RAW\",\"CAP_NET_BIND_SERVICE\"] -> "
        "[\"CAP_NET_BIND_SERVICE\"]\n"
        "process.capabilities.inheritable: [\"CAP_KILL\",\"CAP_MKNOD\"] -> [\"CAP_KILL\"]\n"
        "process.capabilities.permitted: [\"CAP_SYS_PTRACE\",\"CAP_CHOWN\"] -> [\"CAP_CHOWN\"]\n"
        "process.capabilities.ambient: [\"CAP_SYS_MODULE\"] -> []",
        NULL,
    },
    {
        "absent sets stay absent",
        ALLOW3,
        PROC("{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"]}"),
        PROC("{\"bounding\":[\"CAP_CHOWN\"]}"),
        "process.capabilities.bounding: [\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"] -> [\"CAP_CHOWN\"]",
        NULL,
    },
    {
        "null sets stay null",
        ALLOW3,
        PROC("{\"bounding\":null,\"effective\":[\"CAP_SYS_ADMIN\"],\"ambient\":null}"),
        PROC("{\"bounding\":null,\"effective\":[],\"ambient\":null}"),
        "process.capabilities.effective: [\"CAP_SYS_ADMIN\"] -> []",
        NULL,
    },
    {
        "lowercase and unprefixed names are dropped: runc matches exactly",
        ALLOW3,
        PROC("{\"bounding\":[\"cap_chown\",\"CHOWN\",\"Cap_Kill\",\"CAP_CHOWN\",\"CAP_KILL \"]}"),
        PROC("{\"bounding\":[\"CAP_CHOWN\"]}"),
        "process.capabilities.bounding: [\"cap_chown\",\"CHOWN\",\"Cap_Kill\",\"CAP_CHOWN\","
        "\"CAP_KILL \"] -> [\"CAP_CHOWN\"]",
        NULL,
    },
    {
        "allowed duplicates are kept as they are",
        ALLOW3,
        PROC("{\"bounding\":[\"CAP_KILL\",\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}"),
        NULL,
        "",
        NULL,
    },
    {
        "a compliant spec is not rewritten",
        ALLOW3,
        "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[]},"
        "\"x-vendor\":{\"n\":1e3}},\"root\":{\"path\":\"rootfs\"}}",
        NULL,
        "",
        NULL,
    },
    {
        "a set under a case variant of its key: refused, crun would not read it",
        ALLOW3,
        PROC("{\"Bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]}"),
        NULL,
        "",
        UNIT_MISSPELLED("Bounding", "process.capabilities", "bounding"),
    },
    {
        "an empty allowlist empties every set",
        "{\"capabilities\":{\"allow\":[]}}",
        PROC("{\"bounding\":[\"CAP_CHOWN\"],\"ambient\":[]}"),
        PROC("{\"bounding\":[],\"ambient\":[]}"),
        "process.capabilities.bounding: [\"CAP_CHOWN\"] -> []",
        NULL,
    },
    {
        "no process.capabilities: nothing to do",
        ALLOW3,
        "{\"process\":{\"args\":[\"sh\"]},\"root\":{\"path\":\"rootfs\"}}",
        NULL,
        "",
        NULL,
    },
    {
        "null process.capabilities: nothing to do",
        ALLOW3,
        PROC("null"),
        NULL,
        "",
        NULL,
    },
    {
        "no process: nothing to do",
        ALLOW3,
        "{\"root\":{\"path\":\"rootfs\"}}",
        NULL,
        "",
        NULL,
    },
    {
        "disabled control leaves everything",
        "{\"capabilities\":{\"enabled\":false,\"allow\":[]}}",
        PROC("{\"bounding\":[\"CAP_SYS_ADMIN\"]}"),
        NULL,
        "",
        NULL,
    },
    {
        "bounding is a string",
        ALLOW3,
        PROC("{\"bounding\":\"CAP_CHOWN\"}"),
        NULL,
        NULL,
        "process.capabilities.bounding: expected an array of strings",
    },
    {
        "bounding holds a number",
        ALLOW3,
        PROC("{\"bounding\":[\"CAP_CHOWN\",12]}"),
        NULL,
        NULL,
        "process.capabilities.bounding: expected an array of strings",
    },
    {
        "ambient holds null",
        ALLOW3,
        PROC("{\"ambient\":[null]}"),
        NULL,
        NULL,
        "process.capabilities.ambient: expected an array of strings",
    },
    {
        "capabilities is an array",
        ALLOW3,
        PROC("[\"CAP_CHOWN\"]"),
        NULL,
        NULL,
        "process.capabilities: expected an object",
    },
    {
        "process is a string",
        ALLOW3,
        "{\"process\":\"sh\",\"root\":{\"path\":\"rootfs\"}}",
        NULL,
        NULL,
        "process: expected an object",
    },
};

/* dockerd 20.10's default capability sets reduced to the built-in
 * allowlist (`"capabilities": true`). */
static const struct file_case file_cases[] = {
    {"docker's default capabilities", "docker-caps.profile.json", "docker-config.json",
     "docker-caps.out.json", "docker-caps.changes"},
};

/* ---- profile parsing --------------------------------------------------------- */

struct profile_case {
  const char *name;
  const char *profile;
  bool enabled;
  const char *allow; /* the parsed list joined by ' ' */
  const char *error; /* the exact HR_ERR_PROFILE message */
};

#define DEFAULT_LIST                                                                               \
  "CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP "   \
  "CAP_NET_BIND_SERVICE CAP_SYS_CHROOT"

static const struct profile_case profile_cases[] = {
    {"true is the built-in list", "{\"capabilities\":true}", true, DEFAULT_LIST, NULL},
    {"an object without allow is the built-in list", "{\"capabilities\":{}}", true, DEFAULT_LIST,
     NULL},
    {"false disables", "{\"capabilities\":false}", false, DEFAULT_LIST, NULL},
    {"enabled false disables", "{\"capabilities\":{\"enabled\":false,\"allow\":[\"kill\"]}}", false,
     "CAP_KILL", NULL},
    {"names are normalised and deduplicated",
     "{\"capabilities\":{\"allow\":[\"chown\",\"CAP_KILL\",\"Cap_Setuid\",\"kill\","
     "\"cap_sys_admin\",\"BPF\",\"checkpoint_restore\"]}}",
     true, "CAP_CHOWN CAP_KILL CAP_SETUID CAP_SYS_ADMIN CAP_BPF CAP_CHECKPOINT_RESTORE", NULL},
    {"empty allowlist", "{\"capabilities\":{\"allow\":[]}}", true, "", NULL},
    {"unknown name", "{\"capabilities\": {\n  \"allow\": [\"CAP_CHOWN\", \"CAP_FOO\"]\n}}", false,
     NULL, "test.json:2:26: capabilities.allow[1]: unknown capability \"CAP_FOO\""},
    {"prefix only", "{\"capabilities\":{\"allow\":[\"CAP_\"]}}", false, NULL,
     "test.json:1:27: capabilities.allow[0]: unknown capability \"CAP_\""},
    {"empty name", "{\"capabilities\":{\"allow\":[\"\"]}}", false, NULL,
     "test.json:1:27: capabilities.allow[0]: unknown capability \"\""},
    {"double prefix", "{\"capabilities\":{\"allow\":[\"CAP_CAP_CHOWN\"]}}", false, NULL,
     "test.json:1:27: capabilities.allow[0]: unknown capability \"CAP_CAP_CHOWN\""},
    {"a number is not a name", "{\"capabilities\":{\"allow\":[\"21\"]}}", false, NULL,
     "test.json:1:27: capabilities.allow[0]: unknown capability \"21\""},
    {"allow is a string", "{\"capabilities\":{\"allow\":\"CAP_CHOWN\"}}", false, NULL,
     "test.json:1:26: capabilities.allow: expected an array of strings, got string"},
    {"allow holds a number", "{\"capabilities\":{\"allow\":[\"CAP_CHOWN\",7]}}", false, NULL,
     "test.json:1:39: capabilities.allow[1]: expected a string, got number"},
    {"misspelt key", "{\"capabilities\":{\"alow\":[]}}", false, NULL,
     "test.json:1:25: capabilities: unknown key \"alow\"; did you mean \"allow\"?"},
    {"enabled is a string", "{\"capabilities\":{\"enabled\":\"yes\"}}", false, NULL,
     "test.json:1:28: capabilities.enabled: expected a boolean (true or false), got string"},
    {"section is a list", "{\"capabilities\":[\"CAP_CHOWN\"]}", false, NULL,
     "test.json:1:17: capabilities: expected a boolean or an object, got array"},
};

static void run_profile_case(void **state)
{
  const struct profile_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
  struct hr_error err = {0};
  char list[1024] = "";
  int r = hr_policy_parse(c->profile, strlen(c->profile), "test.json", "test", &p, &err);

  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success", c->error);
    assert_int_equal(err.kind, HR_ERR_PROFILE);
    assert_string_equal(err.msg, c->error);
    return;
  }
  assert_ok(r, &err);
  assert_int_equal(hr_caps_enabled(p), c->enabled);
  for (size_t i = 0; i < p->caps.n_allow; i++) {
    strcat(list, i ? " " : "");
    strcat(list, p->caps.allow[i]);
  }
  assert_null(p->caps.allow[p->caps.n_allow]);
  assert_string_equal(list, c->allow);
}

int main(void)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(apply_cases); i++)
    add_test(apply_cases[i].name, run_apply_case, &apply_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++)
    add_test(profile_cases[i].name, run_profile_case, &profile_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(file_cases); i++)
    add_test(file_cases[i].name, run_file_case, &file_cases[i]);
  return run_all("caps");
}
