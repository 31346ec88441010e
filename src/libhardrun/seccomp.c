/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "seccomp" control: a seccomp profile (an OCI linux.seccomp object in
 * <profileDir>/seccomp/NAME.json) is validated with libseccomp when the
 * policy is loaded and written into config.json when the spec has no filter
 * of its own, or one that confines nothing: it lets everything through, or
 * lets through a call of must_block[] (seccomp-spec.c, "fill"); or always
 * ("replace").
 *
 * What is written is rebuilt from the validated data, never copied from the
 * file's text: runc must install exactly the filter that was checked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "hardrun/controls.h"
#include "hardrun/refusals.h"
#include "hardrun/seccomp.h"
#include "hardrun/utils.h"
#include "seccomp-internal.h"

/* The files are admin-owned and small; the bounds (seccomp-internal.h)
 * keep a mistake cheap. */
#define SC_FILE_MAX_SIZE HR_SC_FILE_MAX_SIZE
/* object > syscalls[] > rule > args[] > arg, plus slack */
#define SC_FILE_MAX_DEPTH 8u
#define SC_MAX_RULES      HR_SC_MAX_RULES
#define SC_MAX_NAMES      HR_SC_MAX_NAMES
#define SC_NAME_MAX       HR_SC_NAME_MAX
#define SC_ERRNO_MAX      HR_SC_ERRNO_MAX
#define SC_MAX_ARG        HR_SC_MAX_ARG
/* Room for the list of dropped names in one audit finding. */
#define SC_DROPPED_TEXT_MAX 512

/* ---- the names runc 1.1 accepts (libcontainer/seccomp/config.go) ---------- */

static const char *const action_names[] = {
    [HR_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
    [HR_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [HR_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [HR_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
    [HR_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [HR_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
    [HR_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [HR_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
};

static const struct {
  const char *name;
  enum scmp_compare op;
} ops[] = {
    [HR_SCMP_CMP_NE] = {"SCMP_CMP_NE", SCMP_CMP_NE},
    [HR_SCMP_CMP_LT] = {"SCMP_CMP_LT", SCMP_CMP_LT},
    [HR_SCMP_CMP_LE] = {"SCMP_CMP_LE", SCMP_CMP_LE},
    [HR_SCMP_CMP_EQ] = {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    [HR_SCMP_CMP_GE] = {"SCMP_CMP_GE", SCMP_CMP_GE},
    [HR_SCMP_CMP_GT] = {"SCMP_CMP_GT", SCMP_CMP_GT},
    [HR_SCMP_CMP_MASKED_EQ] = {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* runc 1.1 has no SCMP_ARCH_RISCV64 and no SCMP_ARCH_NATIVE. */
static const struct {
  const char *name;
  uint32_t token;
} archs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
};

const char *hr_seccomp_action_name(enum hr_seccomp_action a)
{
  return (size_t)a < HR_ARRAY_SIZE(action_names) ? action_names[a] : "(invalid)";
}

const char *hr_seccomp_op_name(enum hr_seccomp_op op)
{
  return (size_t)op < HR_ARRAY_SIZE(ops) ? ops[op].name : "(invalid)";
}

/* The entry of archs[] named `name`, or -1. */
static int arch_index(const char *name)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(archs); i++)
    if (strcmp(archs[i].name, name) == 0)
      return (int)i;
  return -1;
}

const char *hr_seccomp__arch_name(uint32_t token)
{
  for (size_t i = 0; i < HR_ARRAY_SIZE(archs); i++)
    if (archs[i].token == token)
      return archs[i].name;
  return NULL;
}

/* The libseccomp action runc 1.1 builds (getAction): KILL is KILL_THREAD,
 * and ERRNO and TRACE without a return code mean EPERM. */
static uint32_t scmp_action(enum hr_seccomp_action a, bool has_errno, unsigned errno_ret)
{
  unsigned e = has_errno ? errno_ret : EPERM;

  switch (a) {
  case HR_SCMP_ACT_KILL:
  case HR_SCMP_ACT_KILL_THREAD:
    return SCMP_ACT_KILL_THREAD;
  case HR_SCMP_ACT_KILL_PROCESS:
    return SCMP_ACT_KILL_PROCESS;
  case HR_SCMP_ACT_TRAP:
    return SCMP_ACT_TRAP;
  case HR_SCMP_ACT_ERRNO:
    return SCMP_ACT_ERRNO(e);
  case HR_SCMP_ACT_TRACE:
    return SCMP_ACT_TRACE(e);
  case HR_SCMP_ACT_ALLOW:
    return SCMP_ACT_ALLOW;
  case HR_SCMP_ACT_LOG:
  default:
    return SCMP_ACT_LOG;
  }
}

static uint32_t rule_action(const struct hr_seccomp_rule *r)
{
  return scmp_action(r->action, r->has_errno_ret, r->errno_ret);
}

static uint32_t default_action(const struct hr_seccomp_filter *f)
{
  return scmp_action(f->default_action, f->has_default_errno_ret, f->default_errno_ret);
}

/* ---- messages ------------------------------------------------------------- */

/* "SCMP_ACT_KILL, SCMP_ACT_ERRNO, ..." for "expected one of" messages. */
static const char *name_list(char *buf, size_t size, const char *const *names, size_t stride,
                             size_t n)
{
  size_t o = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < n && o + 1 < size; i++) {
    const char *name = *(const char *const *)((const char *)names + i * stride);
    int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", name);
    if (w < 0)
      break;
    o += (size_t)w;
  }
  return buf;
}

/* ---- parsing the file ------------------------------------------------------ */

/* A table: every name of a profile is checked on each create, from the
 * validation cache as well. */
static const bool name_char[256] = {
    ['0' ... '9'] = true,
    ['a' ... 'z'] = true,
    ['_'] = true,
};

bool hr_seccomp__name_well_formed(const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;

  if (len == 0 || len > SC_NAME_MAX)
    return false;
  /* No early exit: the loop runs over at most SC_NAME_MAX bytes, and a
   * bad byte is rare (every create checks each cached name). */
  bool ok = true;
  for (size_t i = 0; i < len; i++)
    ok &= name_char[p[i]];
  return ok;
}

/* An exact unsigned integer: a float or an exponent would reach runc's Go
 * decoder as an error, and a double would round. */
static int get_u64(const struct hr_json_doc *doc, const struct hr_json *node, const char *path,
                   const char *what, uint64_t max, uint64_t *ret, struct hr_error *err)
{
  uint64_t v;

  if (hr_profile_expect(doc, node, HR_JSON_NUMBER, what, err) < 0)
    return -1;
  if (hr_json_get_u64(node, &v) < 0 || v > max)
    return hr_profile_error(doc, node, err, "%s: expected %s, got %.64s", path, what,
                            node->u.number.text);
  *ret = v;
  return 0;
}

static int parse_action(const struct hr_json_doc *doc, const struct hr_json *node, const char *path,
                        const char *label, enum hr_seccomp_action *ret, struct hr_error *err)
{
  char q[96], list[512];
  const char *s;

  if (hr_profile_get_string(doc, node, &s, err) < 0)
    return -1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(action_names); i++)
    if (strcmp(s, action_names[i]) == 0) {
      *ret = (enum hr_seccomp_action)i;
      return 0;
    }
  if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
    return hr_profile_error(doc, node, err,
                            "%s: SCMP_ACT_NOTIFY%s needs a seccomp agent, which a profile "
                            "cannot provide",
                            path, label);
  return hr_profile_error(doc, node, err, "%s: unknown action %s%s (expected one of %s)", path,
                          hr_quote(q, sizeof(q), s, strlen(s)), label,
                          name_list(list, sizeof(list), action_names, sizeof(action_names[0]),
                                    HR_ARRAY_SIZE(action_names)));
}

static int parse_errno_ret(const struct hr_json_doc *doc, const struct hr_json *node,
                           const char *path, const char *label, enum hr_seccomp_action action,
                           bool *has, unsigned *ret, struct hr_error *err)
{
  uint64_t v;

  if (node == NULL)
    return 0;
  /* runc hands the value to the two actions that carry one and ignores it
   * elsewhere: a profile that sets it anywhere else says something that
   * will not happen. */
  if (action != HR_SCMP_ACT_ERRNO && action != HR_SCMP_ACT_TRACE)
    return hr_profile_error(doc, node, err,
                            "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno%s", path,
                            label);
  if (get_u64(doc, node, path, "an errno number (0..4094)", SC_ERRNO_MAX, &v, err) < 0)
    return -1;
  *has = true;
  *ret = (unsigned)v;
  return 0;
}

static int parse_arg(const struct hr_json_doc *doc, const struct hr_json *node, const char *path,
                     const char *label, struct hr_seccomp_arg *arg, struct hr_error *err)
{
  static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
  const struct hr_json *v;
  char p[160], q[96], list[512];
  uint64_t index;
  const char *s;
  size_t i;

  if (hr_profile_check_keys(doc, node, keys, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%.64s.index", path);
  v = hr_json_get(node, "index");
  if (v == NULL)
    return hr_profile_error(doc, node, err, "%s: missing%s", p, label);
  if (get_u64(doc, v, p, "an argument index (0..5)", SC_MAX_ARG, &index, err) < 0)
    return -1;
  arg->index = (unsigned)index;
  snprintf(p, sizeof(p), "%.64s.value", path);
  v = hr_json_get(node, "value");
  if (v == NULL)
    return hr_profile_error(doc, node, err, "%s: missing%s", p, label);
  if (get_u64(doc, v, p, "an unsigned 64-bit integer", UINT64_MAX, &arg->value, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%.64s.valueTwo", path);
  v = hr_json_get(node, "valueTwo");
  if (v != NULL &&
      get_u64(doc, v, p, "an unsigned 64-bit integer", UINT64_MAX, &arg->value_two, err) < 0)
    return -1;
  snprintf(p, sizeof(p), "%.64s.op", path);
  v = hr_json_get(node, "op");
  if (v == NULL)
    return hr_profile_error(doc, node, err, "%s: missing%s", p, label);
  if (hr_profile_get_string(doc, v, &s, err) < 0)
    return -1;
  for (i = 0; i < HR_ARRAY_SIZE(ops) && strcmp(s, ops[i].name) != 0; i++)
    ;
  if (i == HR_ARRAY_SIZE(ops))
    return hr_profile_error(
        doc, v, err, "%s: unknown operator %s%s (expected one of %s)", p,
        hr_quote(q, sizeof(q), s, strlen(s)), label,
        name_list(list, sizeof(list), &ops[0].name, sizeof(ops[0]), HR_ARRAY_SIZE(ops)));
  arg->op = (enum hr_seccomp_op)i;
  return 0;
}

static int parse_args(const struct hr_json_doc *doc, const struct hr_json *node, const char *path,
                      const char *label, struct hr_seccomp_rule *rule, struct hr_error *err)
{
  unsigned seen = 0;
  char p[160];

  if (node == NULL || node->type == HR_JSON_NULL)
    return 0;
  if (hr_profile_expect(doc, node, HR_JSON_ARRAY, "an array of argument conditions", err) < 0)
    return -1;
  if (node->u.array.len > SC_MAX_ARG + 1)
    return hr_profile_error(doc, node, err, "%s.args: more than %d conditions%s", path,
                            SC_MAX_ARG + 1, label);
  rule->args = hr_calloc(node->u.array.len, sizeof(*rule->args), err);
  if (rule->args == NULL && node->u.array.len > 0)
    return -1;
  for (size_t j = 0; j < node->u.array.len; j++) {
    struct hr_seccomp_arg *a = &rule->args[j];
    snprintf(p, sizeof(p), "%s.args[%zu]", path, j);
    if (parse_arg(doc, node->u.array.items[j], p, label, a, err) < 0)
      return -1;
    /* runc turns two conditions on one argument into two rules that are
     * ORed; libseccomp alone refuses them.  Either reading surprises
     * someone, so neither is allowed: write two entries instead. */
    if (seen & (1u << a->index))
      return hr_profile_error(doc, node->u.array.items[j], err,
                              "%s: a second condition on argument %u%s; runc would OR the two, "
                              "write them as separate entries",
                              p, a->index, label);
    seen |= 1u << a->index;
    rule->n_args++;
  }
  return 0;
}

static int parse_names(const struct hr_json_doc *doc, const struct hr_json *rule_node,
                       const char *path, struct hr_seccomp_rule *rule, struct hr_error *err)
{
  const struct hr_json *node = hr_json_get(rule_node, "names");
  char q[96];

  if (node == NULL)
    return hr_profile_error(doc, rule_node, err, "%s.names: missing", path);
  if (hr_profile_expect(doc, node, HR_JSON_ARRAY, "an array of syscall names", err) < 0)
    return -1;
  if (node->u.array.len == 0)
    return hr_profile_error(doc, node, err, "%s.names: empty", path);
  if (node->u.array.len > SC_MAX_NAMES)
    return hr_profile_error(doc, node, err, "%s.names: more than %d names", path, SC_MAX_NAMES);
  rule->names = hr_calloc(node->u.array.len, sizeof(*rule->names), err);
  if (rule->names == NULL)
    return -1;
  for (size_t j = 0; j < node->u.array.len; j++) {
    const struct hr_json *n = node->u.array.items[j];
    if (hr_profile_expect(doc, n, HR_JSON_STRING, "a syscall name", err) < 0)
      return -1;
    /* A name libseccomp does not know may be a newer syscall and is
     * dropped later; one that cannot be a syscall name is a typo. */
    if (!hr_seccomp__name_well_formed(n->u.string.s, n->u.string.len))
      return hr_profile_error(doc, n, err,
                              "%s.names[%zu]: invalid syscall name %s (expected [a-z0-9_], at "
                              "most %d bytes)",
                              path, j, hr_quote(q, sizeof(q), n->u.string.s, n->u.string.len),
                              SC_NAME_MAX);
    rule->names[rule->n_names++] = n->u.string.s;
  }
  return 0;
}

static int parse_rule(const struct hr_json_doc *doc, const struct hr_json *node, size_t i,
                      struct hr_seccomp_rule *rule, struct hr_error *err)
{
  static const char *const keys[] = {"names", "action", "errnoRet", "args", NULL};
  const struct hr_json *action;
  char path[64], p[96], label[96], q[80];

  hr_field_path(path, sizeof(path), "syscalls", i, "");
  if (hr_profile_check_keys(doc, node, keys, err) < 0)
    return -1;
  rule->index = i;
  rule->node = node;
  if (parse_names(doc, node, path, rule, err) < 0)
    return -1;
  /* Every later message names the syscall as well as the field. */
  snprintf(label, sizeof(label), " (rule for %s%s)",
           hr_quote(q, sizeof(q), rule->names[0], strlen(rule->names[0])),
           rule->n_names > 1 ? ", ..." : "");
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".action");
  action = hr_json_get(node, "action");
  if (action == NULL)
    return hr_profile_error(doc, node, err, "%s: missing%s", p, label);
  if (parse_action(doc, action, p, label, &rule->action, err) < 0)
    return -1;
  hr_field_path(p, sizeof(p), path, SIZE_MAX, ".errnoRet");
  if (parse_errno_ret(doc, hr_json_get(node, "errnoRet"), p, label, rule->action,
                      &rule->has_errno_ret, &rule->errno_ret, err) < 0)
    return -1;
  return parse_args(doc, hr_json_get(node, "args"), path, label, rule, err);
}

static int parse_archs(const struct hr_json_doc *doc, const struct hr_json *node,
                       struct hr_seccomp_filter *f, struct hr_error *err)
{
  char q[96], list[512];

  if (node == NULL || node->type == HR_JSON_NULL)
    return 0;
  if (hr_profile_expect(doc, node, HR_JSON_ARRAY, "an array of architecture names", err) < 0)
    return -1;
  if (node->u.array.len > HR_ARRAY_SIZE(archs))
    return hr_profile_error(doc, node, err, "architectures: more than %zu entries",
                            HR_ARRAY_SIZE(archs));
  f->archs = hr_calloc(node->u.array.len + 1, sizeof(*f->archs), err);
  f->arch_tokens = hr_calloc(node->u.array.len + 1, sizeof(*f->arch_tokens), err);
  if (f->archs == NULL || f->arch_tokens == NULL)
    return -1;
  for (size_t i = 0; i < node->u.array.len; i++) {
    const struct hr_json *a = node->u.array.items[i];
    if (hr_profile_expect(doc, a, HR_JSON_STRING, "an architecture name", err) < 0)
      return -1;
    int k = arch_index(a->u.string.s);
    if (k < 0)
      return hr_profile_error(
          doc, a, err, "architectures[%zu]: unknown architecture %s (runc 1.1 knows %s)", i,
          hr_quote(q, sizeof(q), a->u.string.s, a->u.string.len),
          name_list(list, sizeof(list), &archs[0].name, sizeof(archs[0]), HR_ARRAY_SIZE(archs)));
    f->arch_tokens[f->n_archs] = archs[k].token;
    f->archs[f->n_archs++] = archs[k].name;
  }
  return 0;
}

static int parse_rules(const struct hr_json_doc *doc, const struct hr_json *node,
                       struct hr_seccomp_filter *f, struct hr_error *err)
{
  if (node == NULL || node->type == HR_JSON_NULL)
    return 0;
  if (hr_profile_expect(doc, node, HR_JSON_ARRAY, "an array of rules", err) < 0)
    return -1;
  if (node->u.array.len > SC_MAX_RULES)
    return hr_profile_error(doc, node, err, "syscalls: more than %d rules", SC_MAX_RULES);
  f->rules = hr_calloc(node->u.array.len + 1, sizeof(*f->rules), err);
  if (f->rules == NULL)
    return -1;
  for (size_t i = 0; i < node->u.array.len; i++) {
    /* Counted first, so that free() sees what was allocated so far. */
    f->n_rules++;
    if (parse_rule(doc, node->u.array.items[i], i, &f->rules[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_top(const struct hr_json_doc *doc, struct hr_seccomp_filter *f,
                     struct hr_error *err)
{
  static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
                                     "flags",         "syscalls",        NULL};
  const struct hr_json *root = hr_json_doc_root(doc), *v;

  if (hr_profile_check_keys(doc, root, keys, err) < 0)
    return -1;
  v = hr_json_get(root, "defaultAction");
  if (v == NULL)
    return hr_profile_error(doc, root, err, "defaultAction: missing");
  if (parse_action(doc, v, "defaultAction", "", &f->default_action, err) < 0)
    return -1;
  if (parse_errno_ret(doc, hr_json_get(root, "defaultErrnoRet"), "defaultErrnoRet", "",
                      f->default_action, &f->has_default_errno_ret, &f->default_errno_ret, err) < 0)
    return -1;
  v = hr_json_get(root, "flags");
  if (v != NULL && v->type != HR_JSON_NULL) {
    if (hr_profile_expect(doc, v, HR_JSON_ARRAY, "an array", err) < 0)
      return -1;
    /* runc 1.1.5's SetupSeccomp: "seccomp flags are not yet supported". */
    if (v->u.array.len > 0)
      return hr_profile_error(doc, v, err, "flags: runc 1.1 refuses seccomp flags");
  }
  if (parse_archs(doc, hr_json_get(root, "architectures"), f, err) < 0)
    return -1;
  return parse_rules(doc, hr_json_get(root, "syscalls"), f, err);
}

/* ---- names libseccomp does not know ---------------------------------------- */

/* The native syscall number of a name that every architecture of the
 * filter knows (the native one included: runc's filter always has it), else
 * __NR_SCMP_ERROR.  libseccomp answers that only for names it has never
 * heard of; a syscall that an architecture lacks resolves to a negative
 * pseudo number, unique per name. */
static int resolve(const struct hr_seccomp_filter *f, const char *name)
{
  uint32_t native = seccomp_arch_native();
  int nr = seccomp_syscall_resolve_name(name);

  for (size_t i = 0; i < f->n_archs && nr != __NR_SCMP_ERROR; i++) {
    uint32_t token = f->arch_tokens[i];
    if (token != native && seccomp_syscall_resolve_name_arch(token, name) == __NR_SCMP_ERROR)
      nr = __NR_SCMP_ERROR;
  }
  return nr;
}

static int note_dropped(struct hr_seccomp_filter *f, const char *name, struct hr_error *err)
{
  const char **d;

  for (size_t i = 0; i < f->n_dropped; i++)
    if (strcmp(f->dropped[i], name) == 0)
      return 0;
  d = reallocarray(f->dropped, f->n_dropped + 1, sizeof(*d));
  if (d == NULL)
    return hr_error_oom(err);
  d[f->n_dropped++] = name;
  f->dropped = d;
  return 0;
}

void hr_seccomp__rule_free(struct hr_seccomp_rule *r)
{
  free(r->names);
  free(r->nrs);
  free(r->args);
}

/* Unknown names leave the rules (runc would skip them too: it cannot
 * filter what libseccomp cannot name), and a rule without names goes. */
static int drop_unknown(struct hr_seccomp_filter *f, struct hr_error *err)
{
  size_t kept = 0;

  for (size_t i = 0; i < f->n_rules; i++) {
    struct hr_seccomp_rule *r = &f->rules[i];
    size_t n = 0;
    r->nrs = hr_calloc(r->n_names, sizeof(*r->nrs), err);
    if (r->nrs == NULL)
      return -1;
    for (size_t j = 0; j < r->n_names; j++) {
      int nr = resolve(f, r->names[j]);
      if (nr == __NR_SCMP_ERROR) {
        if (note_dropped(f, r->names[j], err) < 0)
          return -1;
        continue;
      }
      r->names[n] = r->names[j];
      r->nrs[n++] = nr;
    }
    r->n_names = n;
    if (n == 0) {
      hr_seccomp__rule_free(r);
      continue;
    }
    f->rules[kept++] = *r;
  }
  f->n_rules = kept;
  return 0;
}

/* ---- rules that contradict each other ---------------------------------------- */

struct name_ref {
  int nr;
  const char *name;
  const struct hr_seccomp_rule *rule;
};

static int cmp_name_ref(const void *a, const void *b)
{
  const struct name_ref *x = a, *y = b;

  if (x->nr != y->nr)
    return x->nr < y->nr ? -1 : 1;
  return x->rule->index < y->rule->index ? -1 : x->rule->index > y->rule->index;
}

/* libseccomp keeps one of two unconditional rules for a syscall and lets
 * an unconditional rule win over every conditional one, silently.  A
 * profile that says both did not mean what libseccomp will build. */
static int check_group(const struct hr_json_doc *doc, const struct name_ref *g, size_t n,
                       struct hr_error *err)
{
  const struct hr_seccomp_rule *uncond = NULL;
  char q[96];

  for (size_t i = 0; i < n && uncond == NULL; i++)
    if (g[i].rule->n_args == 0)
      uncond = g[i].rule;
  if (uncond == NULL)
    return 0;
  for (size_t i = 0; i < n; i++) {
    const struct hr_seccomp_rule *r = g[i].rule;
    if (r == uncond || (r->n_args == 0 && rule_action(r) == rule_action(uncond)))
      continue;
    return hr_profile_error(doc, r->node, err,
                            "syscalls[%zu]: %s is also in syscalls[%zu] without conditions "
                            "(%s); libseccomp would silently keep only one of the two rules",
                            r->index, hr_quote(q, sizeof(q), g[i].name, strlen(g[i].name)),
                            uncond->index, action_names[uncond->action]);
  }
  return 0;
}

/* Grouped by syscall number rather than by name: integer compares keep
 * this cheap enough to run on every create. */
static int check_conflicts(const struct hr_seccomp_filter *f, struct hr_error *err)
{
  cleanup_free struct name_ref *refs = NULL;
  size_t n = 0, start = 0;

  for (size_t i = 0; i < f->n_rules; i++)
    n += f->rules[i].n_names;
  if (n == 0)
    return 0;
  refs = hr_calloc(n, sizeof(*refs), err);
  if (refs == NULL)
    return -1;
  n = 0;
  for (size_t i = 0; i < f->n_rules; i++)
    for (size_t j = 0; j < f->rules[i].n_names; j++)
      refs[n++] = (struct name_ref){f->rules[i].nrs[j], f->rules[i].names[j], &f->rules[i]};
  qsort(refs, n, sizeof(*refs), cmp_name_ref);
  for (size_t i = 1; i <= n; i++) {
    if (i < n && refs[i].nr == refs[start].nr)
      continue;
    if (i - start > 1 && check_group(f->doc, refs + start, i - start, err) < 0)
      return -1;
    start = i;
  }
  return 0;
}

/* ---- compiling with libseccomp ------------------------------------------------- */

static void scmp_releasep(scmp_filter_ctx *ctx)
{
  if (*ctx != NULL)
    seccomp_release(*ctx);
}

/* As runc's matchCall: a rule whose action is the default one is skipped
 * (libseccomp would refuse it), names resolve on the native architecture,
 * and the conditions of an entry form one rule. */
static int add_rule(scmp_filter_ctx ctx, const struct hr_seccomp_filter *f,
                    const struct hr_seccomp_rule *r, struct hr_error *err)
{
  struct scmp_arg_cmp conds[SC_MAX_ARG + 1];
  uint32_t act = rule_action(r);
  char q[96];

  if (act == default_action(f))
    return 0;
  for (size_t k = 0; k < r->n_args; k++)
    conds[k] = (struct scmp_arg_cmp){
        .arg = r->args[k].index,
        .op = ops[r->args[k].op].op,
        .datum_a = r->args[k].value,
        .datum_b = r->args[k].value_two,
    };
  for (size_t j = 0; j < r->n_names; j++) {
    int rc = seccomp_rule_add_array(ctx, act, r->nrs[j], (unsigned)r->n_args, conds);
    if (rc < 0)
      return hr_profile_error(
          f->doc, r->node, err, "syscalls[%zu]: libseccomp refused the rule for %s: %s", r->index,
          hr_quote(q, sizeof(q), r->names[j], strlen(r->names[j])), strerror(-rc));
  }
  return 0;
}

int hr_seccomp_filter_export(const struct hr_seccomp_filter *f, int fd, struct hr_error *err)
{
  __attribute__((cleanup(scmp_releasep))) scmp_filter_ctx ctx = NULL;
  int rc;

  ctx = seccomp_init(default_action(f));
  if (ctx == NULL)
    return hr_profile_error(f->doc, NULL, err, "libseccomp refused the default action %s",
                            action_names[f->default_action]);
  for (size_t i = 0; i < f->n_archs; i++) {
    rc = seccomp_arch_add(ctx, f->arch_tokens[i]);
    /* The native architecture is in every new context already. */
    if (rc < 0 && rc != -EEXIST)
      return hr_profile_error(f->doc, NULL, err, "architectures[%zu]: libseccomp refused %s: %s", i,
                              f->archs[i], strerror(-rc));
  }
  for (size_t i = 0; i < f->n_rules; i++)
    if (add_rule(ctx, f, &f->rules[i], err) < 0)
      return -1;
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return hr_profile_error(f->doc, NULL, err, "libseccomp could not compile the filter: %s",
                            strerror(-rc));
  return 0;
}

/* ---- validation --------------------------------------------------------------- */

/* The program in `fd`, kept unless the kernel could not load it anyway
 * (then a runtime compiles, and refuses, the filter itself). */
static int keep_bpf(struct hr_seccomp_filter *f, int fd, struct hr_error *err)
{
  cleanup_free unsigned char *bpf = NULL;
  struct stat st;
  size_t got = 0;

  if (fstat(fd, &st) < 0)
    return hr_error_sys(err, "fstat of the compiled seccomp filter");
  if (st.st_size <= 0 || st.st_size % 8 != 0 || (uintmax_t)st.st_size > HR_SC_BPF_MAX)
    return 0;
  bpf = hr_malloc((size_t)st.st_size, err);
  if (bpf == NULL)
    return -1;
  while (got < (size_t)st.st_size) {
    ssize_t n = pread(fd, bpf + got, (size_t)st.st_size - got, (off_t)got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? hr_error_sys(err, "read of the compiled seccomp filter")
                   : hr_error_input(err, "the compiled seccomp filter was cut short");
    got += (size_t)n;
  }
  f->bpf = get_and_reset(&bpf);
  f->bpf_len = got;
  return 0;
}

/* The whole filter must compile before anything is written, but nothing
 * is installed here: the BPF goes to an anonymous file, and is kept for a
 * runtime that loads it precompiled. */
static int compile_check(struct hr_seccomp_filter *f, struct hr_error *err)
{
  cleanup_close int fd = memfd_create("hardrun-seccomp", MFD_CLOEXEC);

  if (fd < 0)
    return hr_error_sys(err, "memfd_create");
  if (hr_seccomp_filter_export(f, fd, err) < 0)
    return -1;
  return keep_bpf(f, fd, err);
}

/* ---- the filter's life ----------------------------------------------------------- */

void hr_seccomp_filter_free(struct hr_seccomp_filter *f)
{
  if (f == NULL)
    return;
  for (size_t i = 0; i < f->n_rules; i++)
    hr_seccomp__rule_free(&f->rules[i]);
  free(f->rules);
  free(f->archs);
  free(f->arch_tokens);
  free(f->dropped);
  hr_json_doc_free(f->doc);
  free(f->blob);
  free(f->bpf);
  free(f);
}

static void filter_freep(struct hr_seccomp_filter **f)
{
  hr_seccomp_filter_free(*f);
}

int hr_seccomp_filter_parse(const char *buf, size_t len, const char *filename,
                            const char *cache_dir, struct hr_seccomp_filter **ret,
                            struct hr_error *err)
{
  __attribute__((cleanup(filter_freep))) struct hr_seccomp_filter *f = NULL;
  cleanup_close int cache = cache_dir != NULL ? hr_seccomp__cache_open(cache_dir) : -1;
  struct hr_json_parse_opts opts = {
      .max_size = SC_FILE_MAX_SIZE,
      .max_depth = SC_FILE_MAX_DEPTH,
      .allow_comments = true,
      .name = filename ? filename : "(seccomp profile)",
  };
  char key[HR_SC_CACHE_KEY_MAX];
  size_t key_len = cache >= 0 ? hr_seccomp__cache_key(key, sizeof(key)) : 0;

  if (key_len > 0 && hr_seccomp__cache_load(cache, key, key_len, buf, len, ret) == 0)
    return 0;
  f = hr_calloc(1, sizeof(*f), err);
  if (f == NULL)
    return -1;
  if (hr_json_parse(buf, len, &opts, &f->doc, err) < 0) {
    err->kind = HR_ERR_PROFILE;
    return -1;
  }
  if (parse_top(f->doc, f, err) < 0 || drop_unknown(f, err) < 0 || check_conflicts(f, err) < 0 ||
      compile_check(f, err) < 0)
    return -1;
  if (key_len > 0)
    hr_seccomp__cache_store(cache, key, key_len, buf, len, f);
  *ret = get_and_reset(&f);
  return 0;
}

/* ---- finding the file ------------------------------------------------------------- */

/* Returns 1 when `path` does not exist.  A dangling symlink is not
 * "absent": the admin pointed at something, and falling back to another
 * file would apply a filter nobody chose. */
static int read_profile_file(const char *path, char **ret_buf, size_t *ret_len,
                             struct hr_error *err)
{
  struct stat st;

  if (hr_read_file(path, SC_FILE_MAX_SIZE, ret_buf, ret_len, err) == 0)
    return 0;
  if (err->kind == HR_ERR_SYSTEM && err->code == ENOENT) {
    if (lstat(path, &st) < 0 && errno == ENOENT)
      return 1;
    return hr_error_set(err, HR_ERR_PROFILE, ENOENT, "%s: dangling symbolic link", path);
  }
  err->kind = HR_ERR_PROFILE;
  return -1;
}

static int not_found(const char *name, const char *const *dirs, struct hr_error *err)
{
  char list[1024];
  size_t o = 0;

  list[0] = '\0';
  for (const char *const *d = dirs; d != NULL && *d != NULL && o + 1 < sizeof(list); d++) {
    int n = snprintf(list + o, sizeof(list) - o, "%s%s/seccomp", o ? ", " : "", *d);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return hr_error_profile(err, "seccomp profile \"%s\" not found in %s", name,
                          o ? list : "(no profile directories)");
}

static int load(struct hr_policy_seccomp *s, const char *const *dirs, const char *cache_dir,
                struct hr_error *err)
{
  for (const char *const *d = dirs; d != NULL && *d != NULL; d++) {
    cleanup_free char *path = NULL, *buf = NULL;
    size_t len;
    int r;

    if (hr_asprintf(&path, err, "%s/seccomp/%s.json", *d, s->profile) < 0)
      return -1;
    r = read_profile_file(path, &buf, &len, err);
    if (r > 0)
      continue;
    /* Anything but "absent" ends the search, as for profiles. */
    if (r < 0 || hr_seccomp_filter_parse(buf, len, path, cache_dir, &s->filter, err) < 0)
      return -1;
    s->path = get_and_reset(&path);
    return 0;
  }
  return not_found(s->profile, dirs, err);
}

int hr_seccomp_load(struct hr_policy *p, const char *const *profile_dirs, const char *state_dir,
                    struct hr_error *err)
{
  struct hr_policy_seccomp *s = &p->seccomp;

  if (!s->enabled || s->filter != NULL)
    return 0;
  free(s->cache_dir);
  s->cache_dir = NULL;
  if (state_dir != NULL && hr_asprintf(&s->cache_dir, err, "%s/seccomp", state_dir) < 0)
    return -1;
  if (load(s, profile_dirs, s->cache_dir, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"seccomp\"",
                           p->name ? p->name : "(unnamed)");
  return 0;
}

/* ---- the control ------------------------------------------------------------------ */

/* `true` is {"profile": "default", "mode": "fill"}. */
int hr_seccomp_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "profile", "mode", NULL};
  struct hr_policy_seccomp *s = &p->seccomp;
  const char *name = "default", *mode = "fill";
  const struct hr_json *v = NULL;
  char q[96];
  bool on = true;
  int rc = hr_profile_section_begin(profile, section, keys, &on, err);

  if (rc < 0)
    return -1;
  if (rc > 0 && (v = hr_json_get(section, "profile")) != NULL) {
    if (hr_profile_get_string(profile, v, &name, err) < 0)
      return -1;
    /* A name, never a path: the file must come from a profile directory. */
    if (!hr_policy_name_valid(name))
      return hr_profile_error(profile, v, err,
                              "seccomp.profile: invalid seccomp profile name %s (expected "
                              "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)",
                              hr_quote(q, sizeof(q), name, strlen(name)));
  }
  if (rc > 0 && (v = hr_json_get(section, "mode")) != NULL &&
      hr_profile_get_string(profile, v, &mode, err) < 0)
    return -1;
  if (strcmp(mode, "fill") == 0)
    s->mode = HR_SECCOMP_FILL;
  else if (strcmp(mode, "replace") == 0)
    s->mode = HR_SECCOMP_REPLACE;
  else
    return hr_profile_error(profile, v, err,
                            "seccomp.mode: unknown mode %s (expected \"fill\" or \"replace\")",
                            hr_quote(q, sizeof(q), mode, strlen(mode)));
  free(s->profile);
  s->profile = hr_strdup(name, err);
  if (s->profile == NULL)
    return -1;
  s->enabled = on;
  return 0;
}

bool hr_seccomp_enabled(const struct hr_policy *p)
{
  return p->seccomp.enabled;
}

void hr_seccomp_release(struct hr_policy *p)
{
  struct hr_policy_seccomp *s = &p->seccomp;

  free(s->profile);
  free(s->path);
  free(s->cache_dir);
  hr_seccomp_filter_free(s->filter);
  memset(s, 0, sizeof(*s));
}

/* ---- writing the filter into the spec ------------------------------------------- */

static int set_string(struct hr_json_doc *doc, struct hr_json *obj, const char *key, const char *s,
                      struct hr_error *err)
{
  return hr_json_set(doc, obj, key, hr_json_new_string(doc, s, err), err);
}

static int set_u64(struct hr_json_doc *doc, struct hr_json *obj, const char *key, uint64_t v,
                   struct hr_error *err)
{
  return hr_json_set(doc, obj, key, hr_json_new_u64(doc, v, err), err);
}

static struct hr_json *strings_to_json(struct hr_json_doc *doc, const char *const *v, size_t n,
                                       struct hr_error *err)
{
  struct hr_json *arr = hr_json_new_array(doc, err);

  for (size_t i = 0; arr != NULL && i < n; i++)
    if (hr_json_array_append(doc, arr, hr_json_new_string(doc, v[i], err), err) < 0)
      return NULL;
  return arr;
}

static struct hr_json *arg_to_json(struct hr_json_doc *doc, const struct hr_seccomp_arg *a,
                                   struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err);

  if (o == NULL || set_u64(doc, o, "index", a->index, err) < 0 ||
      set_u64(doc, o, "value", a->value, err) < 0 ||
      set_u64(doc, o, "valueTwo", a->value_two, err) < 0 ||
      set_string(doc, o, "op", ops[a->op].name, err) < 0)
    return NULL;
  return o;
}

static struct hr_json *rule_to_json(struct hr_json_doc *doc, const struct hr_seccomp_rule *r,
                                    struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err), *args;

  if (o == NULL ||
      hr_json_set(doc, o, "names", strings_to_json(doc, r->names, r->n_names, err), err) < 0 ||
      set_string(doc, o, "action", action_names[r->action], err) < 0)
    return NULL;
  if (r->has_errno_ret && set_u64(doc, o, "errnoRet", r->errno_ret, err) < 0)
    return NULL;
  if (r->n_args == 0)
    return o;
  args = hr_json_new_array(doc, err);
  if (args == NULL || hr_json_set(doc, o, "args", args, err) < 0)
    return NULL;
  for (size_t k = 0; k < r->n_args; k++)
    if (hr_json_array_append(doc, args, arg_to_json(doc, &r->args[k], err), err) < 0)
      return NULL;
  return o;
}

struct hr_json *hr_seccomp_filter_to_json(const struct hr_seccomp_filter *f,
                                          struct hr_json_doc *doc, struct hr_error *err)
{
  struct hr_json *o = hr_json_new_object(doc, err), *rules;

  if (o == NULL || set_string(doc, o, "defaultAction", action_names[f->default_action], err) < 0)
    return NULL;
  if (f->has_default_errno_ret && set_u64(doc, o, "defaultErrnoRet", f->default_errno_ret, err) < 0)
    return NULL;
  if (f->n_archs > 0 && hr_json_set(doc, o, "architectures",
                                    strings_to_json(doc, f->archs, f->n_archs, err), err) < 0)
    return NULL;
  rules = hr_json_new_array(doc, err);
  if (rules == NULL || hr_json_set(doc, o, "syscalls", rules, err) < 0)
    return NULL;
  for (size_t i = 0; i < f->n_rules; i++)
    if (hr_json_array_append(doc, rules, rule_to_json(doc, &f->rules[i], err), err) < 0)
      return NULL;
  return o;
}

/* The names are the admin's business and the finding says so, once per
 * container the filter went into. */
static int audit_dropped(struct hr_apply_ctx *ctx, const struct hr_policy_seccomp *s,
                         struct hr_error *err)
{
  const struct scmp_version *v = seccomp_version();
  char list[SC_DROPPED_TEXT_MAX];
  size_t o = 0;

  list[0] = '\0';
  for (size_t i = 0; i < s->filter->n_dropped; i++) {
    int n = snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", s->filter->dropped[i]);
    if (n < 0 || (size_t)n >= sizeof(list) - o) {
      snprintf(list + (o < sizeof(list) - 4 ? o : sizeof(list) - 4), 4, "...");
      break;
    }
    o += (size_t)n;
  }
  return hr_apply_audit(ctx, "linux.seccomp", err,
                        "%s: dropped syscall names unknown to libseccomp %u.%u.%u: %s", s->path,
                        v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, list);
}

/* ---- the compiled program, for crun ----------------------------------------------- */

/* The member of annotations named exactly HR_SECCOMP_BPF_ANNOTATION (a map:
 * crun compares keys byte for byte), or -1. */
static long bpf_member(const struct hr_json *ann)
{
  if (ann == NULL || ann->type != HR_JSON_OBJECT)
    return -1;
  for (size_t i = ann->u.object.len; i-- > 0;)
    if (strcmp(ann->u.object.items[i].key, HR_SECCOMP_BPF_ANNOTATION) == 0)
      return (long)i;
  return -1;
}

/* `value` is exactly the annotation of `f`'s program. */
static bool bpf_value_is(const struct hr_seccomp_filter *f, const struct hr_json *value)
{
  cleanup_free char *b64 = NULL;
  struct hr_error ignored = {0};

  if (f == NULL || f->bpf == NULL || value == NULL || value->type != HR_JSON_STRING)
    return false;
  b64 = hr_base64(f->bpf, f->bpf_len, &ignored);
  return b64 != NULL && strlen(b64) == value->u.string.len &&
         memcmp(b64, value->u.string.s, value->u.string.len) == 0;
}

/* Whether the program of the spec's filter `node` can fit what the kernel
 * loads (BPF_MAXINSNS): every name costs a jump, and every argument
 * comparison a load and a jump, on every architecture.  A filter over
 * that is not compiled for crun, which compiles, and refuses, it itself:
 * libseccomp can take seconds over such a filter, and the program would be
 * thrown away. */
static bool may_fit(const struct hr_json *node)
{
  const struct hr_json *arch_list = hr_json_get(node, "architectures");
  const struct hr_json *rules = hr_json_get(node, "syscalls");
  size_t per_arch = 0, limit = HR_SC_BPF_MAX / 8;

  if (arch_list != NULL && arch_list->type == HR_JSON_ARRAY && arch_list->u.array.len > 1) {
    if (arch_list->u.array.len > limit)
      return false;
    limit /= arch_list->u.array.len;
  }
  if (rules == NULL || rules->type != HR_JSON_ARRAY)
    return true;
  for (size_t i = 0; i < rules->u.array.len; i++) {
    const struct hr_json *r = rules->u.array.items[i];
    const struct hr_json *names = hr_json_get(r, "names"), *args = hr_json_get(r, "args");
    size_t n = names != NULL && names->type == HR_JSON_ARRAY ? names->u.array.len : 0;
    size_t a = args != NULL && args->type == HR_JSON_ARRAY ? args->u.array.len : 0;
    /* Each count is below 2^31, the sum stays below the limit: no overflow. */
    per_arch += n * (1 + 2 * a);
    if (per_arch > limit)
      return false;
  }
  return true;
}

/* The spec's own filter `node`, validated as a seccomp profile is, with
 * its program, when hardrun can vouch that crun would compile it into that
 * very program: an object in the form of a profile (no listener, no
 * flags) whose names libseccomp all knows.  Anything else leaves *ret NULL
 * without an error, and crun compiles linux.seccomp itself, as it would
 * without hardrun.  The validation cache is keyed by the filter's text, so
 * the filter every container of a daemon carries is compiled once. */
static int spec_filter(const struct hr_policy_seccomp *s, const struct hr_json *node,
                       struct hr_seccomp_filter **ret, struct hr_error *err)
{
  __attribute__((cleanup(filter_freep))) struct hr_seccomp_filter *f = NULL;
  cleanup_free char *text = NULL;
  struct hr_error ignored = {0};
  size_t len;

  *ret = NULL;
  if (node == NULL || node->type != HR_JSON_OBJECT || !may_fit(node))
    return 0;
  text = hr_json_text(node, SC_FILE_MAX_SIZE, &len);
  if (text == NULL)
    return len > SC_FILE_MAX_SIZE ? 0 : hr_error_oom(err);
  if (hr_seccomp_filter_parse(text, len, "linux.seccomp", s->cache_dir, &f, &ignored) < 0)
    return 0;
  if (f->n_dropped == 0 && f->bpf != NULL)
    *ret = get_and_reset(&f);
  return 0;
}

static const struct hr_json *spec_seccomp(const struct hr_json *spec)
{
  const struct hr_json *lnx = hr_json_get(spec, "linux");

  return lnx != NULL && lnx->type == HR_JSON_OBJECT ? hr_json_get(lnx, "seccomp") : NULL;
}

bool hr_seccomp_bpf_is_ours(const struct hr_policy *p, const struct hr_json *spec,
                            const struct hr_json *value)
{
  __attribute__((cleanup(filter_freep))) struct hr_seccomp_filter *own = NULL;
  struct hr_error ignored = {0};

  if (!p->seccomp.enabled || value == NULL || value->type != HR_JSON_STRING)
    return false;
  if (bpf_value_is(p->seccomp.filter, value))
    return true;
  if (!p->seccomp.runtime_bpf || spec_filter(&p->seccomp, spec_seccomp(spec), &own, &ignored) < 0)
    return false;
  return bpf_value_is(own, value);
}

static void drop_member(struct hr_json *obj, size_t at)
{
  size_t kept = 0;
  bool drop = false;

  for (size_t i = 0; i < obj->u.object.len; hr_rule_squeeze(obj, i++, &drop, &kept))
    drop = i == at;
  hr_rule_squeeze_end(obj, kept);
}

static int set_bpf(struct hr_apply_ctx *ctx, const struct hr_seccomp_filter *f, long at,
                   struct hr_error *err)
{
  cleanup_free char *b64 = hr_base64(f->bpf, f->bpf_len, err);
  struct hr_json *ann, *value;
  char what[96];

  if (b64 == NULL)
    return -1;
  ann = hr_json_get_or_add_object(ctx->doc, ctx->spec, "annotations", "annotations", err);
  value = ann != NULL ? hr_json_new_string(ctx->doc, b64, err) : NULL;
  if (value == NULL)
    return -1;
  /* A key only folded like ours would be replaced by hr_json_set, and crun
   * would not read it: leave it, and crun compiles linux.seccomp itself. */
  if (at < 0 && hr_json_get(ann, HR_SECCOMP_BPF_ANNOTATION) != NULL)
    return 0;
  snprintf(what, sizeof(what), "the filter above compiled for the runtime (%zu instructions)",
           f->bpf_len / 8);
  if (hr_changes_add_text(ctx->changes, ctx->rule, "annotations[\"" HR_SECCOMP_BPF_ANNOTATION "\"]",
                          at >= 0 ? "(another program)" : NULL, what, err) < 0)
    return -1;
  return hr_json_set(ctx->doc, ann, HR_SECCOMP_BPF_ANNOTATION, value, err);
}

/* crun loads HR_SECCOMP_BPF_ANNOTATION instead of compiling linux.seccomp,
 * which otherwise costs it milliseconds on every start.  The program is
 * the one libseccomp makes of the filter that stays in linux.seccomp, the
 * way crun would make it: the profile's, compiled when it was validated,
 * where the control wrote it (`wrote`); else the spec's own, when
 * spec_filter() vouches for it.  The profile's program found beside any
 * other filter is taken out: crun must enforce what linux.seccomp says. */
static int runtime_bpf(struct hr_apply_ctx *ctx, const struct hr_policy_seccomp *s, bool wrote,
                       struct hr_error *err)
{
  __attribute__((cleanup(filter_freep))) struct hr_seccomp_filter *own = NULL;
  struct hr_json *ann = hr_json_get(ctx->spec, "annotations");
  const struct hr_json *kept = spec_seccomp(ctx->spec), *mine;
  long at = bpf_member(ann);
  const struct hr_json *value = at >= 0 ? ann->u.object.items[at].value : NULL;

  if (s->runtime_bpf) {
    const struct hr_seccomp_filter *want;
    if (!wrote && spec_filter(s, kept, &own, err) < 0)
      return -1;
    want = wrote ? s->filter : own;
    if (want != NULL && want->bpf != NULL)
      return bpf_value_is(want, value) ? 0 : set_bpf(ctx, want, at, err);
  }
  if (wrote || !bpf_value_is(s->filter, value))
    return 0;
  /* Only a create run again on a bundle hardrun hardened gets here. */
  mine = hr_seccomp_filter_to_json(s->filter, ctx->doc, err);
  if (mine == NULL)
    return -1;
  if (hr_json_equal(kept, mine))
    return 0;
  if (hr_changes_add_text(ctx->changes, ctx->rule, "annotations[\"" HR_SECCOMP_BPF_ANNOTATION "\"]",
                          "hardrun's compiled filter, beside another linux.seccomp", NULL, err) < 0)
    return -1;
  drop_member(ann, (size_t)at);
  return 0;
}

int hr_seccomp_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_policy_seccomp *s = &ctx->policy->seccomp;
  struct hr_json *lnx, *filter;
  bool unconfined = true;

  /* Fail closed: a policy parsed without its seccomp file would otherwise
   * look enforced and enforce nothing. */
  if (s->filter == NULL)
    return hr_error_profile(err, "seccomp profile \"%s\" was not loaded",
                            s->profile ? s->profile : "");
  if (s->mode == HR_SECCOMP_FILL &&
      hr_seccomp_spec_unconfined(spec_seccomp(ctx->spec), &unconfined, err) < 0)
    return -1;
  if (!unconfined)
    return runtime_bpf(ctx, s, false, err);
  lnx = hr_json_get_or_add_object(ctx->doc, ctx->spec, "linux", "linux", err);
  if (lnx == NULL)
    return -1;
  filter = hr_seccomp_filter_to_json(s->filter, ctx->doc, err);
  if (filter == NULL || hr_apply_set(ctx, lnx, "seccomp", "linux.seccomp", filter, err) < 0 ||
      (s->filter->n_dropped > 0 && audit_dropped(ctx, s, err) < 0))
    return -1;
  return runtime_bpf(ctx, s, true, err);
}
