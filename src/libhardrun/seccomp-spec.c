/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp control's "fill": whether the spec's own linux.seccomp
 * confines anything, read as runc 1.1 would install it (see
 * hr_seccomp_spec_unconfined in seccomp.h). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "hardrun/json.h"
#include "hardrun/seccomp.h"
#include "hardrun/utils.h"
#include "seccomp-internal.h"

static bool allowing(const char *action)
{
  /* runc's isAllowAction: the two actions that let the call run. */
  return strcmp(action, "SCMP_ACT_ALLOW") == 0 || strcmp(action, "SCMP_ACT_LOG") == 0;
}

/* The actions that keep a call from running whoever else is around.
 * SCMP_ACT_NOTIFY hands the call to an agent outside the container, and
 * SCMP_ACT_TRACE to a ptrace tracer, which a process of the container can
 * be for its own child: either may let it run. */
static bool denying(const char *action)
{
  static const char *const deny[] = {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"};

  for (size_t i = 0; i < HR_ARRAY_SIZE(deny); i++)
    if (strcmp(action, deny[i]) == 0)
      return true;
  return false;
}

/* A JSON string or absent/null ("" then, as Go decodes it). */
static int spec_string(const struct hr_json *node, const char *path, const char **ret,
                       struct hr_error *err)
{
  if (hr_json_is_null(node)) {
    *ret = "";
    return 0;
  }
  if (node->type != HR_JSON_STRING)
    return hr_error_input(err, "%s: expected a string", path);
  *ret = node->u.string.s;
  return 0;
}

/* syscalls[i]'s action and names (NULL when absent or null), the names
 * checked to be strings.  A null entry is Go's zero value: an empty action,
 * which runc refuses; leaving the spec alone lets runc say so. */
static int spec_rule(const struct hr_json *rule, size_t i, const char **action,
                     const struct hr_json **names, struct hr_error *err)
{
  char path[96];

  *action = "";
  *names = NULL;
  if (hr_json_is_null(rule))
    return 0;
  hr_field_path(path, sizeof(path), "linux.seccomp.syscalls", i, "");
  if (rule->type != HR_JSON_OBJECT)
    return hr_error_input(err, "%s: expected an object", path);
  hr_field_path(path, sizeof(path), "linux.seccomp.syscalls", i, ".action");
  if (spec_string(hr_json_get(rule, "action"), path, action, err) < 0)
    return -1;
  *names = hr_json_get(rule, "names");
  if (hr_json_is_null(*names)) {
    *names = NULL;
    return 0;
  }
  hr_field_path(path, sizeof(path), "linux.seccomp.syscalls", i, ".names");
  if ((*names)->type != HR_JSON_ARRAY)
    return hr_error_input(err, "%s: expected an array of strings", path);
  for (size_t j = 0; j < (*names)->u.array.len; j++) {
    const struct hr_json *n = (*names)->u.array.items[j];
    if (n == NULL || n->type != HR_JSON_STRING)
      return hr_error_input(err, "%s: expected an array of strings", path);
  }
  return 0;
}

/* Whether syscalls[i] denies a syscall that runc can name. */
static int spec_rule_denies(const struct hr_json *rule, size_t i, bool *ret, struct hr_error *err)
{
  const struct hr_json *names;
  const char *action;

  *ret = true;
  if (hr_json_is_null(rule))
    return 0;
  if (spec_rule(rule, i, &action, &names, err) < 0)
    return -1;
  *ret = false;
  if (allowing(action) || names == NULL)
    return 0;
  /* runc skips names libseccomp cannot resolve natively. */
  for (size_t j = 0; j < names->u.array.len; j++)
    if (seccomp_syscall_resolve_name(names->u.array.items[j]->u.string.s) != __NR_SCMP_ERROR)
      *ret = true;
  return 0;
}

/* The system calls an allowlist must not let through for "fill" to keep
 * it.  Each gives a container kernel attack surface or a way out of its
 * confinement: mounts and new mount APIs, namespaces, kernel modules and
 * kexec, keyrings, BPF and perf, file handles that reach past the root,
 * raw I/O ports, reboot, swap and process accounting.  Docker's default
 * filter lets none of them through to a container without --cap-add
 * (moby profiles/seccomp/default.json), so the filter Docker writes is
 * kept.  clone is let through by Docker too, but only without the
 * namespace flags: it counts when its conditions allow CLONE_NEWUSER
 * (clone_masked()).  umount is x86's older umount2.  A data table, sorted
 * by name for bsearch(). */
static const struct must_block {
  const char *name;
  bool unless_ns_masked; /* clone: fine when clone_masked() */
} must_block[] = {
    {"acct", false},
    {"add_key", false},
    {"bpf", false},
    {"clone", true},
    {"clone3", false},
    {"delete_module", false},
    {"finit_module", false},
    {"fsconfig", false},
    {"fsmount", false},
    {"fsopen", false},
    {"fspick", false},
    {"init_module", false},
    {"ioperm", false},
    {"iopl", false},
    {"kexec_file_load", false},
    {"kexec_load", false},
    {"keyctl", false},
    {"mount", false},
    {"mount_setattr", false},
    {"move_mount", false},
    {"open_by_handle_at", false},
    {"open_tree", false},
    {"perf_event_open", false},
    {"pivot_root", false},
    {"reboot", false},
    {"request_key", false},
    {"setns", false},
    {"swapoff", false},
    {"swapon", false},
    {"umount", false},
    {"umount2", false},
    {"unshare", false},
};

/* CLONE_NEWUSER: the flag the others (NEWNS, NEWNET...) need without
 * CAP_SYS_ADMIN, and the one Docker's clone rule masks out. */
#define SC_CLONE_NEWUSER 0x10000000ull

static int cmp_must_block(const void *key, const void *entry)
{
  return strcmp(key, ((const struct must_block *)entry)->name);
}

/* must_block[]'s entry for `name` (`len` bytes), or -1.  Every name of a
 * spec's allowlist comes here (about 350 in Docker's): a bit per first
 * letter and length turns most away before the search. */
static long must_block_index(const char *name, size_t len)
{
  static uint32_t lens[26]; /* bit n: a name of that letter and length n */
  static bool ready;
  const struct must_block *m;
  unsigned c = (unsigned char)name[0] - 'a';

  if (!ready) {
    for (size_t i = 0; i < HR_ARRAY_SIZE(must_block); i++)
      lens[must_block[i].name[0] - 'a'] |= UINT32_C(1) << strlen(must_block[i].name);
    ready = true;
  }
  if (c >= 26 || len >= 32 || !(lens[c] & UINT32_C(1) << len))
    return -1;
  m = bsearch(name, must_block, HR_ARRAY_SIZE(must_block), sizeof(must_block[0]), cmp_must_block);
  return m != NULL ? m - must_block : -1;
}

/* A u64 member of an argument condition: null or absent is 0, as Go decodes it. */
static bool arg_u64(const struct hr_json *arg, const char *key, uint64_t *ret)
{
  const struct hr_json *v = hr_json_get(arg, key);

  *ret = 0;
  return hr_json_is_null(v) || hr_json_get_u64(v, ret) == 0;
}

/* Whether an allowing clone rule's conditions keep CLONE_NEWUSER out, as
 * Docker's do: an SCMP_CMP_MASKED_EQ on argument 0 with the flag in the mask
 * ("value") and not in the result ("valueTwo").  runc turns the
 * conditions into separate rules, ORed, when two name one argument, and
 * refuses what it cannot decode: anything but a clean reading lets clone
 * through. */
static bool clone_masked(const struct hr_json *args)
{
  static const char masked_eq[] = "SCMP_CMP_MASKED_EQ";
  unsigned seen = 0;
  bool masked = false;

  if (hr_json_is_null(args) || args->type != HR_JSON_ARRAY)
    return false;
  /* At most HR_SC_MAX_ARG + 2 rounds, however long the array: each marks
   * another argument or returns. */
  for (size_t k = 0; k < args->u.array.len; k++) {
    const struct hr_json *a = args->u.array.items[k], *op;
    uint64_t index, mask, value;
    if (a == NULL || a->type != HR_JSON_OBJECT || !arg_u64(a, "index", &index) ||
        index > HR_SC_MAX_ARG || (seen & (1u << index)))
      return false;
    seen |= 1u << index;
    op = hr_json_get(a, "op");
    if (index != 0 || op == NULL || op->type != HR_JSON_STRING ||
        op->u.string.len != sizeof(masked_eq) - 1 || strcmp(op->u.string.s, masked_eq) != 0 ||
        !arg_u64(a, "value", &mask) || !arg_u64(a, "valueTwo", &value))
      continue;
    masked |= (mask & SC_CLONE_NEWUSER) != 0 && (value & SC_CLONE_NEWUSER) == 0;
  }
  return masked;
}

/* Which must_block[] calls libseccomp knows (runc skips the others, which
 * then get the default action), each looked up once per spec. */
struct known_calls {
  signed char state[HR_ARRAY_SIZE(must_block)]; /* 0 not looked up, 1 known, -1 unknown */
};

static bool known_call(struct known_calls *k, size_t m)
{
  if (k->state[m] == 0)
    k->state[m] = seccomp_syscall_resolve_name(must_block[m].name) != __NR_SCMP_ERROR ? 1 : -1;
  return k->state[m] > 0;
}

/* The must_block[] call that syscalls[i] lets through, in *leak, or NULL.
 * A rule that does not deny lets its calls through whatever its conditions
 * say (a comparison can hold for every value), clone's namespace mask
 * aside. */
static int spec_rule_leaks(const struct hr_json *rule, size_t i, struct known_calls *known,
                           const char **leak, struct hr_error *err)
{
  const struct hr_json *names;
  const char *action;

  *leak = NULL;
  if (spec_rule(rule, i, &action, &names, err) < 0)
    return -1;
  if (denying(action) || names == NULL)
    return 0;
  for (size_t j = 0; j < names->u.array.len; j++) {
    const struct hr_json *n = names->u.array.items[j];
    long m = must_block_index(n->u.string.s, n->u.string.len);
    if (m < 0 || !known_call(known, (size_t)m))
      continue;
    if (must_block[m].unless_ns_masked && clone_masked(hr_json_get(rule, "args")))
      continue;
    *leak = must_block[m].name;
    return 0;
  }
  return 0;
}

int hr_seccomp_spec_leak(const struct hr_json *seccomp, bool *ret, const char **leak,
                         struct hr_error *err)
{
  struct known_calls known = {{0}};
  const struct hr_json *calls;
  const char *def = "";
  size_t n = 0;

  *leak = NULL;
  if (hr_json_is_null(seccomp)) {
    *ret = true;
    return 0;
  }
  if (seccomp->type != HR_JSON_OBJECT)
    return hr_error_input(err, "linux.seccomp: expected an object");
  if (spec_string(hr_json_get(seccomp, "defaultAction"), "linux.seccomp.defaultAction", &def, err) <
      0)
    return -1;
  calls = hr_json_get(seccomp, "syscalls");
  if (!hr_json_is_null(calls)) {
    if (calls->type != HR_JSON_ARRAY)
      return hr_error_input(err, "linux.seccomp.syscalls: expected an array");
    n = calls->u.array.len;
  }
  /* runc's SetupSeccomp installs nothing for this one. */
  if (def[0] == '\0' && n == 0) {
    *ret = true;
    return 0;
  }
  /* An allowlist (a default that fails, traps or kills) confines only if
   * no rule lets through a call of must_block[].  Any other default lets
   * calls run: ALLOW and LOG, NOTIFY (an agent outside decides) and TRACE
   * (a ptrace tracer decides, and a process of the container can be one for
   * its own child).  An action runc does not know is left for runc to
   * refuse. */
  if (!allowing(def) && strcmp(def, "SCMP_ACT_NOTIFY") != 0 && strcmp(def, "SCMP_ACT_TRACE") != 0) {
    for (size_t i = 0; i < n && *leak == NULL; i++)
      if (spec_rule_leaks(calls->u.array.items[i], i, &known, leak, err) < 0)
        return -1;
    *ret = *leak != NULL;
    return 0;
  }
  /* A deny-list lets every call it does not name run (unshare, keyctl,
   * bpf...): denying one call is no confinement.  Its rules are still read,
   * so that a malformed one is reported. */
  for (size_t i = 0; i < n; i++) {
    bool denies;
    if (spec_rule_denies(calls->u.array.items[i], i, &denies, err) < 0)
      return -1;
  }
  *ret = true;
  return 0;
}

int hr_seccomp_spec_unconfined(const struct hr_json *seccomp, bool *ret, struct hr_error *err)
{
  const char *leak;

  return hr_seccomp_spec_leak(seccomp, ret, &leak, err);
}
