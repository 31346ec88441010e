/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "seccomp" control, as data: one row per case, libseccomp style.
 *
 * Besides parsing and applying, the shipped profiles are compiled with
 * libseccomp exactly as validation does, and the exported BPF program is run
 * by a small classic-BPF interpreter below on chosen syscalls, so that each
 * row says what the kernel would answer: "unshare(CLONE_NEWUSER) on x86_64
 * gets EPERM". */
#include "config.h"

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"
#include "hardrun/seccomp.h"

#include <seccomp.h>

/* ---- a classic BPF interpreter for seccomp programs ------------------------- */

#define RET_ALLOW    SECCOMP_RET_ALLOW
#define RET_KILL     SECCOMP_RET_KILL_THREAD
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define SIM_BAD      0xdeadbeefu

static bool sim_alu(uint16_t op, uint32_t *a, uint32_t src)
{
  switch (op) {
  case BPF_AND:
    *a &= src;
    return true;
  case BPF_OR:
    *a |= src;
    return true;
  case BPF_ADD:
    *a += src;
    return true;
  case BPF_SUB:
    *a -= src;
    return true;
  case BPF_RSH:
    *a >>= src & 31;
    return true;
  case BPF_LSH:
    *a <<= src & 31;
    return true;
  default:
    return false;
  }
}

/* 1 taken, 0 not taken, -1 not an instruction a filter may use. */
static int sim_jmp(uint16_t op, uint32_t a, uint32_t src)
{
  switch (op) {
  case BPF_JEQ:
    return a == src;
  case BPF_JGT:
    return a > src;
  case BPF_JGE:
    return a >= src;
  case BPF_JSET:
    return (a & src) != 0;
  default:
    return -1;
  }
}

/* Only what a seccomp filter may contain (the kernel's seccomp_check_filter
 * list); anything else answers SIM_BAD and fails the row. */
static uint32_t sim_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

  for (size_t pc = 0; pc < n; pc++) {
    const struct sock_filter *in = &prog[pc];
    uint32_t k = in->k, src = BPF_SRC(in->code) == BPF_X ? x : k;
    int taken;
    switch (in->code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (k > sizeof(*d) - 4 || (k & 3) != 0)
        return SIM_BAD;
      memcpy(&a, (const char *)d + k, 4);
      continue;
    case BPF_LD | BPF_IMM:
      a = k;
      continue;
    case BPF_LDX | BPF_IMM:
      x = k;
      continue;
    case BPF_LD | BPF_MEM:
      a = mem[k % BPF_MEMWORDS];
      continue;
    case BPF_LDX | BPF_MEM:
      x = mem[k % BPF_MEMWORDS];
      continue;
    case BPF_ST:
      mem[k % BPF_MEMWORDS] = a;
      continue;
    case BPF_STX:
      mem[k % BPF_MEMWORDS] = x;
      continue;
    case BPF_MISC | BPF_TAX:
      x = a;
      continue;
    case BPF_MISC | BPF_TXA:
      a = x;
      continue;
    case BPF_RET | BPF_K:
      return k;
    case BPF_RET | BPF_A:
      return a;
    case BPF_JMP | BPF_JA:
      pc += k;
      continue;
    default:
      break;
    }
    if (BPF_CLASS(in->code) == BPF_ALU) {
      if (!sim_alu(BPF_OP(in->code), &a, src))
        return SIM_BAD;
      continue;
    }
    taken = BPF_CLASS(in->code) == BPF_JMP ? sim_jmp(BPF_OP(in->code), a, src) : -1;
    if (taken < 0)
      return SIM_BAD;
    pc += taken ? in->jt : in->jf;
  }
  return SIM_BAD; /* fell off the end: the kernel refuses such a program */
}

struct program {
  struct sock_filter *insns;
  size_t len;
};

static void export_program(const struct hr_seccomp_filter *f, struct program *ret)
{
  struct hr_error err = {0};
  int fd = memfd_create("test-seccomp", MFD_CLOEXEC);
  off_t size;

  assert_true(fd >= 0);
  assert_ok(hr_seccomp_filter_export(f, fd, &err), &err);
  size = lseek(fd, 0, SEEK_END);
  assert_true(size > 0 && size % (off_t)sizeof(struct sock_filter) == 0);
  ret->insns = malloc((size_t)size);
  assert_non_null(ret->insns);
  assert_int_equal(pread(fd, ret->insns, (size_t)size, 0), size);
  ret->len = (size_t)size / sizeof(struct sock_filter);
  close(fd);
}

/* ---- fixtures and helpers ------------------------------------------------------ */

static char *profiles_path(const char *rel)
{
  const char *dir = getenv("HR_PROFILES");
  char *p = NULL;

  if (asprintf(&p, "%s/%s", dir ? dir : "profiles", rel) < 0)
    return NULL;
  return p;
}

static struct hr_seccomp_filter *parse_file(const char *path)
{
  struct hr_seccomp_filter *f = NULL;
  struct hr_error err = {0};
  cleanup_free char *buf = NULL;
  size_t len;

  if (hr_read_file(path, 1u << 20, &buf, &len, &err) < 0)
    fail_msg("%s", err.msg);
  assert_ok(hr_seccomp_filter_parse(buf, len, path, NULL, &f, &err), &err);
  return f;
}

static char state_dir[] = "/tmp/hr-test-seccomp.XXXXXX";

static char *fixture_dir(void)
{
  char *p = unit_fixture_path("seccomp/profiles");
  assert_non_null(p);
  return p;
}

/* ---- the profile section ---------------------------------------------------------- */

struct section_case {
  const char *name;
  const char *profile;
  bool enabled;
  const char *seccomp_profile;
  enum hr_seccomp_mode mode;
  const char *error; /* exact HR_ERR_PROFILE message */
};

static const struct section_case section_cases[] = {
    {"true: the default profile, fill", "{\"seccomp\":true}", true, "default", HR_SECCOMP_FILL,
     NULL},
    {"false: off", "{\"seccomp\":false}", false, NULL, HR_SECCOMP_FILL, NULL},
    {"absent: off", "{\"description\":\"x\"}", false, NULL, HR_SECCOMP_FILL, NULL},
    {"an empty object is true", "{\"seccomp\":{}}", true, "default", HR_SECCOMP_FILL, NULL},
    {"profile and mode", "{\"seccomp\":{\"profile\":\"strict\",\"mode\":\"replace\"}}", true,
     "strict", HR_SECCOMP_REPLACE, NULL},
    {"explicit fill", "{\"seccomp\":{\"mode\":\"fill\",\"enabled\":true}}", true, "default",
     HR_SECCOMP_FILL, NULL},
    {"enabled false", "{\"seccomp\":{\"enabled\":false,\"profile\":\"strict\"}}", false, "strict",
     HR_SECCOMP_FILL, NULL},
    {"unknown mode", "{\"seccomp\":{\"mode\":\"always\"}}", false, NULL, HR_SECCOMP_FILL,
     "test.json:1:20: seccomp.mode: unknown mode \"always\" (expected \"fill\" or \"replace\")"},
    {"a path is not a name", "{\"seccomp\":{\"profile\":\"../../etc/x\"}}", false, NULL,
     HR_SECCOMP_FILL,
     "test.json:1:23: seccomp.profile: invalid seccomp profile name \"../../etc/x\" (expected "
     "[A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes)"},
    {"misspelt key", "{\"seccomp\":{\"profil\":\"strict\"}}", false, NULL, HR_SECCOMP_FILL,
     "test.json:1:22: seccomp: unknown key \"profil\"; did you mean \"profile\"?"},
    {"profile is a number", "{\"seccomp\":{\"profile\":7}}", false, NULL, HR_SECCOMP_FILL,
     "test.json:1:23: seccomp.profile: expected a string, got number"},
    {"section is a string", "{\"seccomp\":\"default\"}", false, NULL, HR_SECCOMP_FILL,
     "test.json:1:12: seccomp: expected a boolean or an object, got string"},
};

static void run_section_case(void **state)
{
  const struct section_case *c = *state;
  cleanup_policy struct hr_policy *p = NULL;
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
  assert_int_equal(hr_seccomp_enabled(p), c->enabled);
  if (c->seccomp_profile == NULL) {
    assert_false(p->seccomp.enabled);
    return;
  }
  assert_string_equal(p->seccomp.profile, c->seccomp_profile);
  assert_int_equal(p->seccomp.mode, c->mode);
  assert_null(p->seccomp.filter);
}

/* ---- the seccomp file ------------------------------------------------------------- */

struct file_case {
  const char *name;
  const char *text;
  const char *error; /* exact HR_ERR_PROFILE message, or NULL */
};

#define ERRNO_DEF "{\"defaultAction\":\"SCMP_ACT_ERRNO\","
#define ACTIONS                                                                                    \
  "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "    \
  "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG"
#define OPS                                                                                        \
  "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "                 \
  "SCMP_CMP_MASKED_EQ"
#define RULE(args)                                                                                 \
  ERRNO_DEF "\"syscalls\":[{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\"," args "}]}"

/* Passes every check of ours; only libseccomp's compile refuses it. */
#define UNCOMPILABLE                                                                               \
  ERRNO_DEF "\"syscalls\":[{\"names\":[\"write\"],\"action\":\"SCMP_ACT_TRAP\",\"args\":"          \
            "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},{\"names\":[\"write\"],"          \
            "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":"             \
            "\"SCMP_CMP_EQ\"}]}]}"
#define UNCOMPILABLE_ERROR                                                                         \
  "sc.json:1:142: syscalls[1]: libseccomp refused the rule for \"write\": File exists"

static const struct file_case file_cases[] = {
    {"minimal", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", NULL},
    {"every action and operator",
     ERRNO_DEF "\"syscalls\":["
               "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\"},"
               "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
               "{\"names\":[\"open\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
               "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_TRAP\"},"
               "{\"names\":[\"stat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4094},"
               "{\"names\":[\"fstat\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":0},"
               "{\"names\":[\"lstat\"],\"action\":\"SCMP_ACT_LOG\"},"
               "{\"names\":[\"poll\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
               "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"},"
               "{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_LT\"},"
               "{\"index\":2,\"value\":1,\"op\":\"SCMP_CMP_LE\"},"
               "{\"index\":3,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
               "{\"index\":4,\"value\":1,\"op\":\"SCMP_CMP_GE\"},"
               "{\"index\":5,\"value\":1,\"valueTwo\":0,\"op\":\"SCMP_CMP_GT\"}]},"
               "{\"names\":[\"lseek\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
               "{\"index\":2,\"value\":3,\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}],"
               "\"flags\":[],\"architectures\":[]}",
     NULL},
    {"a rule with the default action is skipped, as runc does",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}", NULL},
    {"the same rule twice",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\",\"read\"],\"action\":"
               "\"SCMP_ACT_ALLOW\"},{\"names\":[\"read\"],\"action\":"
               "\"SCMP_ACT_ALLOW\"}]}",
     NULL},
    {"not JSON", "{\"defaultAction\":}",
     "sc.json:1:18: parse error: unallowed token at this point in JSON text"},
    {"missing defaultAction", "{\"syscalls\":[]}", "sc.json:1:1: defaultAction: missing"},
    {"unknown default action", "{\"defaultAction\":\"SCMP_ACT_DENY\"}",
     "sc.json:1:18: defaultAction: unknown action \"SCMP_ACT_DENY\" (expected one of " ACTIONS ")"},
    {"actions are case-sensitive, as in runc", "{\"defaultAction\":\"scmp_act_allow\"}",
     "sc.json:1:18: defaultAction: unknown action \"scmp_act_allow\" (expected one of " ACTIONS
     ")"},
    {"notify needs an agent",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
               "\"SCMP_ACT_NOTIFY\"}]}",
     "sc.json:1:74: syscalls[0].action: SCMP_ACT_NOTIFY (rule for \"read\") needs a seccomp "
     "agent, which a profile cannot provide"},
    {"bad rule action names the syscall",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"mount\",\"umount2\"],\"action\":\"SCMP_ACT_ALOW\"}]}",
     "sc.json:1:85: syscalls[0].action: unknown action \"SCMP_ACT_ALOW\" (rule for \"mount\", ...) "
     "(expected one of " ACTIONS ")"},
    {"missing action", ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\"]}]}",
     "sc.json:1:47: syscalls[0].action: missing (rule for \"read\")"},
    {"bad operator", RULE("\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQUAL\"}]"),
     "sc.json:1:126: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_EQUAL\" (rule for "
     "\"clone\") (expected one of " OPS ")"},
    {"missing operator", RULE("\"args\":[{\"index\":0,\"value\":0}]"),
     "sc.json:1:100: syscalls[0].args[0].op: missing (rule for \"clone\")"},
    {"argument index above 5", RULE("\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:109: syscalls[0].args[0].index: expected an argument index (0..5), got 6"},
    {"negative argument index",
     RULE("\"args\":[{\"index\":-1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:109: syscalls[0].args[0].index: expected an argument index (0..5), got -1"},
    {"missing index", RULE("\"args\":[{\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:100: syscalls[0].args[0].index: missing (rule for \"clone\")"},
    {"value above uint64",
     RULE("\"args\":[{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:119: syscalls[0].args[0].value: expected an unsigned 64-bit integer, got "
     "18446744073709551616"},
    {"negative value", RULE("\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:119: syscalls[0].args[0].value: expected an unsigned 64-bit integer, got -1"},
    {"a fraction is not an integer",
     RULE("\"args\":[{\"index\":0,\"value\":1.0,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:119: syscalls[0].args[0].value: expected an unsigned 64-bit integer, got 1.0"},
    {"an exponent is not an integer",
     RULE("\"args\":[{\"index\":0,\"value\":2114060288,\"valueTwo\":1e3,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:141: syscalls[0].args[0].valueTwo: expected an unsigned 64-bit integer, got 1e3"},
    {"value is a string", RULE("\"args\":[{\"index\":0,\"value\":\"1\",\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:119: syscalls[0].args[0].value: expected an unsigned 64-bit integer, got string"},
    {"two conditions on one argument",
     RULE("\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"},"
          "{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_NE\"}]"),
     "sc.json:1:141: syscalls[0].args[1]: a second condition on argument 0 (rule for \"clone\"); "
     "runc would OR the two, write them as separate entries"},
    {"misspelt argument key",
     RULE("\"args\":[{\"index\":0,\"value\":1,\"valuetwo\":2,\"op\":\"SCMP_CMP_EQ\"}]"),
     "sc.json:1:132: syscalls[0].args[0]: unknown key \"valuetwo\"; did you mean \"valueTwo\"?"},
    {"args is an object", RULE("\"args\":{}"),
     "sc.json:1:99: syscalls[0].args: expected an array of argument conditions, got object"},
    {"an argument is a number", RULE("\"args\":[0]"),
     "sc.json:1:100: syscalls[0].args[0]: expected an object, got number"},
    {"unknown architecture",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
     "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_RISCV64\"]}",
     "sc.json:1:71: architectures[1]: unknown architecture \"SCMP_ARCH_RISCV64\" (runc 1.1 knows "
     "SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, "
     "SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, "
     "SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, "
     "SCMP_ARCH_S390X)"},
    {"native is not a runc architecture",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_NATIVE\"]}",
     "sc.json:1:52: architectures[0]: unknown architecture \"SCMP_ARCH_NATIVE\" (runc 1.1 knows "
     "SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, "
     "SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, "
     "SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, "
     "SCMP_ARCH_S390X)"},
    {"flags", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}",
     "sc.json:1:43: flags: runc 1.1 refuses seccomp flags"},
    {"errnoRet on an allow rule",
     ERRNO_DEF
     "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}",
     "sc.json:1:102: syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno "
     "(rule for \"read\")"},
    {"errnoRet of MAX_ERRNO: libseccomp takes less",
     ERRNO_DEF
     "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4095}]}",
     "sc.json:1:102: syscalls[0].errnoRet: expected an errno number (0..4094), got 4095"},
    {"defaultErrnoRet with an allowing default",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
     "sc.json:1:53: defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an errno"},
    {"names missing", ERRNO_DEF "\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:47: syscalls[0].names: missing"},
    {"names empty", ERRNO_DEF "\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:56: syscalls[0].names: empty"},
    {"names is a string",
     ERRNO_DEF "\"syscalls\":[{\"names\":\"read\",\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:56: syscalls[0].names: expected an array of syscall names, got string"},
    {"a name that cannot be a syscall",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\",\"Mount\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:64: syscalls[0].names[1]: invalid syscall name \"Mount\" (expected [a-z0-9_], at "
     "most 64 bytes)"},
    {"an empty name", ERRNO_DEF "\"syscalls\":[{\"names\":[\"\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:57: syscalls[0].names[0]: invalid syscall name \"\" (expected [a-z0-9_], at most "
     "64 "
     "bytes)"},
    {"a name with a newline",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\\nx\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:57: syscalls[0].names[0]: invalid syscall name \"read\\x0ax\" (expected [a-z0-9_], "
     "at most 64 bytes)"},
    {"a name is a number",
     ERRNO_DEF "\"syscalls\":[{\"names\":[0],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:57: syscalls[0].names[0]: expected a syscall name, got number"},
    {"misspelt top-level key", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscall\":[]}",
     "sc.json:1:45: unknown key \"syscall\"; did you mean \"syscalls\"?"},
    {"a seccomp agent cannot be named",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\"}",
     "sc.json:1:50: unknown key \"listenerPath\" (known keys: \"defaultAction\", "
     "\"defaultErrnoRet\", "
     "\"architectures\", \"flags\", \"syscalls\")"},
    {"misspelt rule key",
     ERRNO_DEF "\"syscalls\":[{\"name\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:55: syscalls[0]: unknown key \"name\"; did you mean \"names\"?"},
    {"unconditional rules with two actions",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"read\",\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\"},"
               "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_KILL\"}]}",
     "sc.json:1:101: syscalls[1]: \"ptrace\" is also in syscalls[0] without conditions "
     "(SCMP_ACT_ALLOW); libseccomp would silently keep only one of the two rules"},
    {"a conditional rule under an unconditional one",
     ERRNO_DEF "\"syscalls\":[{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
               "\"errnoRet\":22,\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
               "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
     "sc.json:1:47: syscalls[0]: \"personality\" is also in syscalls[1] without conditions "
     "(SCMP_ACT_ALLOW); libseccomp would silently keep only one of the two rules"},
    {"libseccomp refuses the compile", UNCOMPILABLE, UNCOMPILABLE_ERROR},
    {"top level is an array", "[]", "sc.json:1:1: the top level is not a JSON object"},
};

static void run_file_case(void **state)
{
  const struct file_case *c = *state;
  struct hr_seccomp_filter *f = NULL;
  struct hr_error err = {0};
  int r = hr_seccomp_filter_parse(c->text, strlen(c->text), "sc.json", NULL, &f, &err);

  hr_seccomp_filter_free(f);
  if (c->error == NULL) {
    /* SCMP_ACT_LOG and SCMP_ACT_KILL_PROCESS need libseccomp's API level
     * 3, which it reads from seccomp(2); valgrind does not emulate that
     * call, so under valgrind the level is lower and those are refused. */
    if (r < 0 && seccomp_api_get() < 3) {
      printf("# SKIP %s: libseccomp API level %u here (valgrind?): %s\n", c->name,
             seccomp_api_get(), err.msg);
      skip();
    }
    assert_ok(r, &err);
    return;
  }
  if (r >= 0)
    fail_msg("expected error \"%s\", got success", c->error);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, c->error);
}

/* ---- names this libseccomp does not know ---------------------------------------- */

static void test_dropped_names(void **state)
{
  cleanup_free char *dir = fixture_dir(), *path = NULL;
  struct hr_seccomp_filter *f;

  (void)state;
  assert_true(asprintf(&path, "%s/seccomp/unknown-names.json", dir) > 0);
  f = parse_file(path);
  assert_int_equal(f->n_dropped, 2);
  assert_string_equal(f->dropped[0], "hardrun_future_call");
  assert_string_equal(f->dropped[1], "hardrun_other_call");
  /* The ERRNO rule named only the unknown call and is gone. */
  assert_int_equal(f->n_rules, 2);
  assert_int_equal(f->rules[0].n_names, 2);
  assert_string_equal(f->rules[0].names[0], "read");
  assert_string_equal(f->rules[0].names[1], "write");
  assert_int_equal(f->rules[1].index, 2);
  assert_string_equal(f->rules[1].names[0], "close");
  hr_seccomp_filter_free(f);
}

/* ---- what a spec's own filter means ------------------------------------------- */

struct unconfined_case {
  const char *name;
  const char *seccomp; /* JSON value of linux.seccomp, NULL = absent */
  bool unconfined;
  const char *error; /* exact HR_ERR_INPUT message */
};

/* A filter that fails every call its rules do not allow. */
#define ERRNO_LIST(rules) "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[" rules "]}"
/* Docker's clone rule: CLONE_NEWUSER and the other namespace flags masked
 * (0x7E020000), and required to be clear. */
#define CLONE_MASK_ARG                                                                             \
  "{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}"
#define CLONE_RULE(args)                                                                           \
  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"clone\"],\"action\":"        \
  "\"SCMP_ACT_ALLOW\",\"args\":[" args "]}"

static const struct unconfined_case unconfined_cases[] = {
    {"absent", NULL, true, NULL},
    {"null", "null", true, NULL},
    {"empty object: runc installs nothing", "{}", true, NULL},
    {"empty default action, no rules", "{\"defaultAction\":\"\",\"syscalls\":[]}", true, NULL},
    {"docker's unconfined-like allow", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", true, NULL},
    {"log lets everything run", "{\"defaultAction\":\"SCMP_ACT_LOG\"}", true, NULL},
    {"allow with allow rules",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
     "\"SCMP_ACT_ALLOW\"},{\"names\":[\"write\"],\"action\":\"SCMP_ACT_LOG\"}]}",
     true, NULL},
    {"a deny rule for names libseccomp does not know denies nothing",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"hardrun_no_such_call\"],"
     "\"action\":\"SCMP_ACT_ERRNO\"}]}",
     true, NULL},
    {"Go matches field names case-insensitively",
     "{\"DEFAULTACTION\":\"SCMP_ACT_ALLOW\",\"Syscalls\":[{\"Names\":[\"mount\"],\"Action\":"
     "\"SCMP_ACT_LOG\"}]}",
     true, NULL},
    {"a deny-list is no confinement: allow default, one deny rule",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"hardrun_no_such_call\","
     "\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
     true, NULL},
    {"a deny-list is no confinement: allow default, a conditional kill",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
     "\"action\":\"SCMP_ACT_KILL\",\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]}]}",
     true, NULL},
    {"a deny-list is no confinement: log default, deny rules",
     "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"mount\",\"unshare\"],"
     "\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}",
     true, NULL},
    {"a notify default lets an agent allow every call",
     "{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/run/agent.sock\",\"syscalls\":"
     "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
     true, NULL},
    {"notify rules under an errno default keep the calls they hand over",
     "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/agent.sock\",\"syscalls\":"
     "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
     false, NULL},
    {"a notify rule for mount lets an agent outside run it: confines nothing",
     "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/agent.sock\",\"syscalls\":"
     "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
     true, NULL},
    {"a trace rule for unshare lets a tracer in the container run it: confines nothing",
     ERRNO_LIST("{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_TRACE\"}"), true, NULL},
    {"a trace default lets a tracer in the container run every call: confines nothing",
     "{\"defaultAction\":\"SCMP_ACT_TRACE\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\"}]}",
     true, NULL},
    {"an unknown default action is left for runc to refuse",
     "{\"defaultAction\":\"SCMP_ACT_MAYBE\",\"syscalls\":[{\"names\":[\"read\"],"
     "\"action\":\"SCMP_ACT_ALLOW\"}]}",
     false, NULL},
    {"a trap rule for mount still confines",
     ERRNO_LIST("{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_TRAP\"}"), false, NULL},
    {"errno default", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}", false, NULL},
    {"action names are exact for runc", "{\"defaultAction\":\"scmp_act_allow\"}", false, NULL},
    {"rules without a default action: runc refuses it",
     "{\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", false, NULL},
    {"a null rule under a deny-list is replaced with the rest",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[null]}", true, NULL},
    /* An allowlist confines only if it keeps the calls of must_block[]
     * (seccomp.c) out. */
    {"an allowlist that allows mount confines nothing",
     ERRNO_LIST("{\"names\":[\"read\",\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"}"), true, NULL},
    {"an allowlist that logs unshare confines nothing",
     ERRNO_LIST("{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_LOG\"}"), true, NULL},
    {"a kill default that allows bpf confines nothing",
     "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":[\"bpf\"],"
     "\"action\":\"SCMP_ACT_ALLOW\"}]}",
     true, NULL},
    {"a condition on an allowed setns may hold for every value: confines nothing",
     ERRNO_LIST("{\"names\":[\"setns\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,"
                "\"value\":0,\"op\":\"SCMP_CMP_GE\"}]}"),
     true, NULL},
    {"an allowlist that fails mount still confines",
     ERRNO_LIST("{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mount\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}"),
     false, NULL},
    {"an allowed name libseccomp does not know is skipped, as runc does",
     ERRNO_LIST("{\"names\":[\"read\",\"hardrun_no_such_call\",\"MOUNT\"],\"action\":"
                "\"SCMP_ACT_ALLOW\"}"),
     false, NULL},
    {"clone allowed without conditions confines nothing: namespaces",
     ERRNO_LIST("{\"names\":[\"read\",\"clone\"],\"action\":\"SCMP_ACT_ALLOW\"}"), true, NULL},
    {"clone with docker's namespace mask confines", ERRNO_LIST(CLONE_RULE(CLONE_MASK_ARG)), false,
     NULL},
    {"clone with docker's mask and a null valueTwo confines",
     ERRNO_LIST(CLONE_RULE("{\"index\":0,\"value\":2114060288,\"valueTwo\":null,\"op\":"
                           "\"SCMP_CMP_MASKED_EQ\"}")),
     false, NULL},
    {"clone with the mask and CLONE_NEWUSER in the value confines nothing",
     ERRNO_LIST(CLONE_RULE("{\"index\":0,\"value\":2114060288,\"valueTwo\":268435456,\"op\":"
                           "\"SCMP_CMP_MASKED_EQ\"}")),
     true, NULL},
    {"clone with a mask without CLONE_NEWUSER confines nothing",
     ERRNO_LIST(CLONE_RULE("{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_MASKED_EQ\"}")), true,
     NULL},
    {"clone with the mask on argument 1 (s390's order) confines nothing on x86",
     ERRNO_LIST(CLONE_RULE("{\"index\":1,\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}")),
     true, NULL},
    {"clone with the mask and a second condition on argument 0: runc ORs them",
     ERRNO_LIST(CLONE_RULE(CLONE_MASK_ARG ",{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_GE\"}")),
     true, NULL},
    {"clone with the mask and two conditions on argument 2: runc ORs them all",
     ERRNO_LIST(CLONE_RULE(CLONE_MASK_ARG ",{\"index\":2,\"value\":0,\"op\":\"SCMP_CMP_GE\"},"
                                          "{\"index\":2,\"value\":9,\"op\":\"SCMP_CMP_NE\"}")),
     true, NULL},
    {"clone with the mask and another argument's condition confines",
     ERRNO_LIST(CLONE_RULE(CLONE_MASK_ARG ",{\"index\":2,\"value\":0,\"op\":\"SCMP_CMP_GE\"}")),
     false, NULL},
    {"clone with an operator runc does not know is not read as the mask",
     ERRNO_LIST(CLONE_RULE("{\"index\":0,\"value\":2114060288,\"op\":\"scmp_cmp_masked_eq\"}")),
     true, NULL},
    {"a null rule in an allowlist is skipped", ERRNO_LIST("null"), false, NULL},
    {"an allowing rule's names of the wrong type under an allowlist",
     ERRNO_LIST("{\"names\":[\"read\",7],\"action\":\"SCMP_ACT_ALLOW\"}"), false,
     "linux.seccomp.syscalls[0].names: expected an array of strings"},
    {"not an object", "\"unconfined\"", false, "linux.seccomp: expected an object"},
    {"default action is a number", "{\"defaultAction\":2147418112}", false,
     "linux.seccomp.defaultAction: expected a string"},
    {"syscalls is an object", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", false,
     "linux.seccomp.syscalls: expected an array"},
    {"a rule is a string", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[\"mount\"]}", false,
     "linux.seccomp.syscalls[0]: expected an object"},
    {"action is a number",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mount\"],\"action\":1}]}",
     false, "linux.seccomp.syscalls[0].action: expected a string"},
    {"names is a string",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"mount\",\"action\":"
     "\"SCMP_ACT_ERRNO\"}]}",
     false, "linux.seccomp.syscalls[0].names: expected an array of strings"},
    {"a name is null",
     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[null],\"action\":"
     "\"SCMP_ACT_ERRNO\"}]}",
     false, "linux.seccomp.syscalls[0].names: expected an array of strings"},
};

static void run_unconfined_case(void **state)
{
  const struct unconfined_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *text = NULL;
  struct hr_error err = {0};
  bool unconfined = !c->unconfined;
  int r;

  assert_true(asprintf(&text, "{\"seccomp\":%s}", c->seccomp ? c->seccomp : "null") > 0);
  assert_ok(hr_json_parse(text, strlen(text), &opts, &doc, &err), &err);
  r = hr_seccomp_spec_unconfined(c->seccomp ? hr_json_get(hr_json_doc_root(doc), "seccomp") : NULL,
                                 &unconfined, &err);
  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success", c->error);
    assert_int_equal(err.kind, HR_ERR_INPUT);
    assert_string_equal(err.msg, c->error);
    return;
  }
  assert_ok(r, &err);
  assert_int_equal(unconfined, c->unconfined);
}

/* What `docker run` wrote (tests/unit/fixtures/configs/docker-run.json),
 * with `extra` rules after its last one, as --cap-add would add them. */
struct docker_case {
  const char *name;
  const char *extra; /* ",{...}" after the last rule, "" for none */
  bool unconfined;
  const char *leak;
};

static const struct docker_case docker_cases[] = {
    {"docker's own filter confines and is kept", "", false, NULL},
    {"docker's filter with mount, umount2, unshare and setns allowed confines nothing",
     ",{\"names\":[\"mount\",\"umount2\",\"unshare\",\"setns\"],\"action\":\"SCMP_ACT_ALLOW\"}",
     true, "mount"},
    /* --cap-add SYS_ADMIN also lets clone through without the mask. */
    {"docker's filter with clone allowed without the mask confines nothing",
     ",{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\"}", true, "clone"},
    {"docker's filter with keyctl allowed confines nothing",
     ",{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ALLOW\"}", true, "keyctl"},
    {"docker's filter with sethostname allowed still confines",
     ",{\"names\":[\"sethostname\"],\"action\":\"SCMP_ACT_ALLOW\"}", false, NULL},
};

static void run_docker_case(void **state)
{
  static const char last[] = "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\"}";
  const struct docker_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *path = unit_fixture_path("configs/docker-run.json");
  cleanup_free char *buf = NULL, *text = NULL;
  const struct hr_json *lnx;
  struct hr_error err = {0};
  const char *leak = "(unset)";
  bool unconfined = !c->unconfined;
  const char *found;
  size_t len, at;

  /* hr_read_file, not unit_read_fixture: gcc 12 takes a pointer into what
   * the inline helper returns for a dangling one. */
  assert_ok(hr_read_file(path, 1u << 20, &buf, &len, &err), &err);
  found = strstr(buf, last);
  assert_non_null(found);
  at = (size_t)(found - buf) + strlen(last);
  assert_true(asprintf(&text, "%.*s%s%s", (int)at, buf, c->extra, buf + at) > 0);
  assert_ok(hr_json_parse(text, strlen(text), &opts, &doc, &err), &err);
  lnx = hr_json_get(hr_json_doc_root(doc), "linux");
  assert_ok(hr_seccomp_spec_leak(hr_json_get(lnx, "seccomp"), &unconfined, &leak, &err), &err);
  assert_int_equal(unconfined, c->unconfined);
  if (c->leak == NULL)
    assert_null(leak);
  else
    assert_string_equal(leak, c->leak);
}

/* The filter of the report: an errno default, and every system call
 * libseccomp knows on x86_64 allowed. */
static void test_allow_every_name(void **state)
{
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *text = NULL;
  struct hr_error err = {0};
  const char *leak = NULL;
  bool unconfined = false;
  size_t len = 0, n = 0;
  FILE *f = open_memstream(&text, &len);

  (void)state;
  assert_non_null(f);
  fputs("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
        "\"syscalls\":[{\"names\":[",
        f);
  for (int nr = 0; nr < 1024; nr++) {
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (name != NULL)
      fprintf(f, "%s\"%s\"", n++ ? "," : "", name);
    free(name);
  }
  fputs("],\"action\":\"SCMP_ACT_ALLOW\"}]}", f);
  assert_int_equal(fclose(f), 0);
  assert_true(n > 300);
  assert_ok(hr_json_parse(text, len, &opts, &doc, &err), &err);
  assert_ok(hr_seccomp_spec_leak(hr_json_doc_root(doc), &unconfined, &leak, &err), &err);
  assert_true(unconfined);
  assert_non_null(leak);
}

/* ---- applying through hr_policy_load ------------------------------------------ */

#define SMALL                                                                                      \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"architectures\":["                \
  "\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":"                \
  "\"SCMP_ACT_ALLOW\"},{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"           \
  "\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"
/* SMALL as the audit record shows it: cut at 256 bytes. */
#define SMALL_RENDERED                                                                             \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"architectures\":["                \
  "\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":"                \
  "\"SCMP_ACT_ALLOW\"},{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"           \
  "\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"..."
#define DOCKER_LIKE                                                                                \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{" \
  "\"names\":[\"read\",\"write\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"
/* The filter of the report, cut down: an allowlist that lets through what
 * hardrun's filter blocks. */
#define LEAKY_LIST                                                                                 \
  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{" \
  "\"names\":[\"read\",\"write\",\"unshare\",\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"
#define SPEC(linux) "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"linux\":" linux "}"

struct apply_case {
  const char *name;
  const char *profile; /* NAME.json in fixtures/seccomp/profiles */
  const char *spec;
  const char *out;     /* NULL: byte-identical */
  const char *changes; /* joined change records */
  const char *error;   /* exact message after "profile \"NAME\": rule \"seccomp\": " */
};

static const struct apply_case apply_cases[] = {
    {"absent: filled", "fill", SPEC("{\"namespaces\":[{\"type\":\"pid\"}]}"),
     SPEC("{\"namespaces\":[{\"type\":\"pid\"}],\"seccomp\":" SMALL "}"),
     "linux.seccomp: (absent) -> " SMALL_RENDERED, NULL},
    {"no linux object: made", "fill", "{\"root\":{\"path\":\"rootfs\"}}",
     "{\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":" SMALL "}}",
     "linux.seccomp: (absent) -> " SMALL_RENDERED, NULL},
    {"null: filled in place", "fill", SPEC("{\"seccomp\":null,\"namespaces\":[]}"),
     SPEC("{\"seccomp\":" SMALL ",\"namespaces\":[]}"), "linux.seccomp: null -> " SMALL_RENDERED,
     NULL},
    {"docker's seccomp=unconfined: filled", "fill",
     SPEC("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}"), SPEC("{\"seccomp\":" SMALL "}"),
     "linux.seccomp: {\"defaultAction\":\"SCMP_ACT_ALLOW\"} -> " SMALL_RENDERED, NULL},
    {"an empty filter: filled", "fill", SPEC("{\"seccomp\":{}}"), SPEC("{\"seccomp\":" SMALL "}"),
     "linux.seccomp: {} -> " SMALL_RENDERED, NULL},
    /* runc would read "Seccomp" as the filter, crun would see none. */
    {"a case variant of the key is refused: crun would not read it", "fill",
     SPEC("{\"Seccomp\":{\"defaultAction\":\"SCMP_ACT_LOG\"}}"), NULL, NULL,
     "profile \"fill\": rule \"spec-keys\": config.json:1:57: " UNIT_MISSPELLED("Seccomp", "linux",
                                                                                "seccomp")},
    {"the spec's own filter is kept", "fill", SPEC("{\"seccomp\":" DOCKER_LIKE "}"), NULL, "",
     NULL},
    {"a deny-list that denies mount is filled: unshare and keyctl would run", "fill",
     SPEC("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
          "\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}"),
     SPEC("{\"seccomp\":" SMALL "}"),
     "linux.seccomp: {\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mount\"],"
     "\"action\":\"SCMP_ACT_ERRNO\"}]} -> " SMALL_RENDERED,
     NULL},
    {"an allowlist that allows unshare and mount is filled", "fill",
     SPEC("{\"seccomp\":" LEAKY_LIST "}"), SPEC("{\"seccomp\":" SMALL "}"),
     "linux.seccomp: " LEAKY_LIST " -> " SMALL_RENDERED, NULL},
    {"replace: the spec's own filter goes", "replace", SPEC("{\"seccomp\":" DOCKER_LIKE "}"),
     SPEC("{\"seccomp\":" SMALL "}"), "linux.seccomp: " DOCKER_LIKE " -> " SMALL_RENDERED, NULL},
    {"replace: the same filter is not rewritten", "replace", SPEC("{\"seccomp\":" SMALL "}"), NULL,
     "", NULL},
    {"replace: a wrong type is replaced", "replace", SPEC("{\"seccomp\":\"unconfined\"}"),
     SPEC("{\"seccomp\":" SMALL "}"), "linux.seccomp: \"unconfined\" -> " SMALL_RENDERED, NULL},
    {"disabled: nothing happens, nothing is loaded", "off",
     SPEC("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}"), NULL, "", NULL},
    {"unknown names: dropped, with a finding", "dropped", "{\"linux\":{}}",
     "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":["
     "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],"
     "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
     "linux.seccomp: (absent) -> {\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":["
     "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],"
     "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}\n"
     "linux.seccomp: AUDIT @FIXTURES@/seccomp/unknown-names.json: dropped syscall names unknown to "
     "libseccomp @LIBSECCOMP@: hardrun_future_call, hardrun_other_call",
     NULL},
    {"uint64 values are written exactly", "uint64", "{\"linux\":{}}",
     "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":["
     "\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
     "\"args\":[{\"index\":0,\"value\":18446744073709551615,\"valueTwo\":0,\"op\":"
     "\"SCMP_CMP_EQ\"}]},{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
     "\"index\":1,\"value\":9223372036854775808,\"valueTwo\":9223372036854775808,\"op\":"
     "\"SCMP_CMP_MASKED_EQ\"}]},{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{"
     "\"index\":5,\"value\":4294967296,\"valueTwo\":0,\"op\":\"SCMP_CMP_GE\"}]}]}}}",
     NULL, NULL},
    {"linux.seccomp of the wrong type", "fill", SPEC("{\"seccomp\":[]}"), NULL, NULL,
     "linux.seccomp: expected an object"},
    {"a broken rule in an allowing filter", "fill",
     SPEC("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[7]}}"), NULL, NULL,
     "linux.seccomp.syscalls[0]: expected an object"},
    {"linux is not an object", "fill", "{\"linux\":[]}", NULL, NULL,
     "config.json:1:10: linux is an array, expected an object"},
};

/* Substitute the fixture directory and libseccomp's version. */
static char *expand(const char *s)
{
  const struct scmp_version *v = seccomp_version();
  cleanup_free char *dir = unit_fixture_path("seccomp/profiles");
  char ver[32], *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);

  snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
  while (*s != '\0') {
    if (strncmp(s, "@FIXTURES@", 10) == 0) {
      fputs(dir, f);
      s += 10;
    } else if (strncmp(s, "@LIBSECCOMP@", 12) == 0) {
      fputs(ver, f);
      s += 12;
    } else {
      fputc(*s++, f);
    }
  }
  fclose(f);
  return out;
}

static void load_policy(const char *name, struct hr_policy **ret)
{
  cleanup_free char *dir = fixture_dir();
  char *dirs[] = {dir, NULL};
  struct hr_conf conf = {.profile_dirs = dirs, .state_dir = state_dir};
  struct hr_error err = {0};

  assert_ok(hr_policy_load(&conf, name, ret, &err), &err);
}

static void run_apply_case(void **state)
{
  const struct apply_case *c = *state;
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  cleanup_free char *out = NULL, *log = NULL, *want = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  size_t len;
  int r;

  load_policy(c->profile, &p);
  assert_ok(hr_json_parse(c->spec, strlen(c->spec), &opts, &doc, &err), &err);
  r = hr_policy_apply(p, doc, &ch, &err);
  log = unit_join_changes(&ch);
  hr_changes_free(&ch);
  if (c->error != NULL) {
    cleanup_free char *msg = NULL;
    if (r >= 0)
      fail_msg("expected error \"%s\", got success with changes:\n%s", c->error, log);
    /* A whole message, or what follows the seccomp rule's prefix. */
    if (strncmp(c->error, "profile ", 8) == 0)
      msg = strdup(c->error);
    else
      assert_true(asprintf(&msg, "profile \"%s\": rule \"seccomp\": %s", c->profile, c->error) > 0);
    assert_int_equal(err.kind, HR_ERR_INPUT);
    assert_string_equal(err.msg, msg);
    return;
  }
  assert_ok(r, &err);
  assert_ok(hr_json_serialize(doc, &out, &len, &err), &err);
  assert_string_equal(out, c->out ? c->out : c->spec);
  if (c->changes != NULL) {
    want = expand(c->changes);
    assert_string_equal(log, want);
  }
}

struct load_error_case {
  const char *name;
  const char *profile;
  const char *error; /* @FIXTURES@ expands */
};

static const struct load_error_case load_error_cases[] = {
    {"no such seccomp profile", "missing",
     "profile \"missing\": rule \"seccomp\": seccomp profile \"nope\" not found in "
     "@FIXTURES@/seccomp"},
    {"an invalid seccomp profile fails the load", "invalid",
     "profile \"invalid\": rule \"seccomp\": @FIXTURES@/seccomp/bad-op.json:5:46: "
     "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_EQUAL\" (rule for \"personality\") "
     "(expected one of " OPS ")"},
};

static void run_load_error_case(void **state)
{
  const struct load_error_case *c = *state;
  cleanup_free char *dir = fixture_dir(), *want = expand(c->error);
  char *dirs[] = {dir, NULL};
  struct hr_conf conf = {.profile_dirs = dirs, .state_dir = state_dir};
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_int_equal(hr_policy_load(&conf, c->profile, &p, &err), -1);
  assert_null(p);
  assert_int_equal(err.kind, HR_ERR_PROFILE);
  assert_string_equal(err.msg, want);
}

/* A policy parsed without its seccomp file must not pass for enforced. */
static void test_not_loaded_fails_closed(void **state)
{
  const char *profile = "{\"seccomp\":true}", *spec = "{\"linux\":{}}";
  struct hr_json_parse_opts opts = {.name = "config.json"};
  cleanup_policy struct hr_policy *p = NULL;
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_changes ch = {0};
  struct hr_error err = {0};

  (void)state;
  assert_ok(hr_policy_parse(profile, strlen(profile), "test.json", "test", &p, &err), &err);
  assert_ok(hr_json_parse(spec, strlen(spec), &opts, &doc, &err), &err);
  assert_int_equal(hr_policy_apply(p, doc, &ch, &err), -1);
  assert_int_equal(ch.len, 0);
  hr_changes_free(&ch);
  assert_string_equal(err.msg,
                      "profile \"test\": rule \"seccomp\": seccomp profile \"default\" was not "
                      "loaded");
}

/* ---- the validation cache ---------------------------------------------------------- */

static size_t count_entries(const char *dir)
{
  cleanup_free char *cmd = NULL;
  size_t n = 0;
  char line[256];
  FILE *p;

  assert_true(asprintf(&cmd, "ls -A '%s' 2>/dev/null", dir) > 0);
  p = popen(cmd, "r");
  assert_non_null(p);
  while (fgets(line, sizeof(line), p) != NULL)
    n++;
  pclose(p);
  return n;
}

static void test_cache(void **state)
{
  static const char good[] = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
                             "[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
  static const char other[] = "{\"defaultAction\":\"SCMP_ACT_KILL\"}";
  cleanup_free char *cache = NULL;
  struct hr_seccomp_filter *f = NULL;
  struct hr_error err = {0};
  struct stat st;

  (void)state;
  assert_true(asprintf(&cache, "%s/cache-test/seccomp", state_dir) > 0);
  assert_ok(hr_seccomp_filter_parse(good, strlen(good), "good.json", cache, &f, &err), &err);
  hr_seccomp_filter_free(f);
  assert_int_equal(stat(cache, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(count_entries(cache), 1);
  /* Again: the same stamp, no second one. */
  assert_ok(hr_seccomp_filter_parse(good, strlen(good), "good.json", cache, &f, &err), &err);
  hr_seccomp_filter_free(f);
  assert_int_equal(count_entries(cache), 1);
  /* A filter that does not compile leaves no stamp, and fails every time. */
  for (int i = 0; i < 2; i++) {
    f = NULL;
    assert_int_equal(
        hr_seccomp_filter_parse(UNCOMPILABLE, strlen(UNCOMPILABLE), "sc.json", cache, &f, &err),
        -1);
    assert_null(f);
    assert_string_equal(err.msg, UNCOMPILABLE_ERROR);
    assert_int_equal(count_entries(cache), 1);
  }
  /* A directory others could write to is neither trusted nor written. */
  assert_int_equal(chmod(cache, 0777), 0);
  assert_ok(hr_seccomp_filter_parse(other, strlen(other), "other.json", cache, &f, &err), &err);
  hr_seccomp_filter_free(f);
  assert_int_equal(count_entries(cache), 1);
}

/* ---- the shipped profiles, run ----------------------------------------------------- */

enum which { DEFAULT, STRICT, UINT64 };

static const char *const which_path[] = {
    [DEFAULT] = "seccomp/default.json",
    [STRICT] = "seccomp/strict.json",
    [UINT64] = NULL, /* a
                        fixture
                      */
};

static struct program programs[3];

static const struct program *program(enum which w)
{
  struct hr_seccomp_filter *f;
  cleanup_free char *path = NULL;

  if (programs[w].insns != NULL)
    return &programs[w];
  if (w == UINT64) {
    cleanup_free char *dir = fixture_dir();
    assert_true(asprintf(&path, "%s/seccomp/uint64.json", dir) > 0);
  } else {
    path = profiles_path(which_path[w]);
  }
  f = parse_file(path);
  /* A shipped profile that needed dropping would warn on every create. */
  if (f->n_dropped > 0)
    fail_msg("%s: names unknown to this libseccomp: %s ...", path, f->dropped[0]);
  export_program(f, &programs[w]);
  hr_seccomp_filter_free(f);
  return &programs[w];
}

#define X86_64 AUDIT_ARCH_X86_64
#define I386   AUDIT_ARCH_I386
#define X32    0x40000000 /* __X32_SYSCALL_BIT, with AUDIT_ARCH_X86_64 */

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl), written out so
 * that the rows do not depend on libseccomp's own tables. */
#define I386_READ        3
#define I386_MOUNT       21
#define I386_PTRACE      26
#define I386_UMOUNT2     52
#define I386_SOCKETCALL  102
#define I386_CLONE       120
#define I386_PERSONALITY 136
#define I386_KEYCTL      288
#define I386_UNSHARE     310
#define I386_CLONE3      435

#define EPERM_ RET_ERRNO(EPERM)

struct bpf_case {
  const char *name;
  enum which profile;
  uint32_t arch;
  int nr;
  uint64_t args[6];
  uint32_t want;
};

static const struct bpf_case bpf_cases[] = {
    /* The issue's list, each refused with EPERM. */
    {"default: unshare(CLONE_NEWUSER)", DEFAULT, X86_64, __NR_unshare, {CLONE_NEWUSER}, EPERM_},
    {"default: unshare(0)", DEFAULT, X86_64, __NR_unshare, {0}, EPERM_},
    {"default: setns", DEFAULT, X86_64, __NR_setns, {3, CLONE_NEWNET}, EPERM_},
    {"default: mount", DEFAULT, X86_64, __NR_mount, {0}, EPERM_},
    {"default: umount2", DEFAULT, X86_64, __NR_umount2, {0}, EPERM_},
    {"default: pivot_root", DEFAULT, X86_64, __NR_pivot_root, {0}, EPERM_},
    {"default: keyctl", DEFAULT, X86_64, __NR_keyctl, {0}, EPERM_},
    {"default: add_key", DEFAULT, X86_64, __NR_add_key, {0}, EPERM_},
    {"default: request_key", DEFAULT, X86_64, __NR_request_key, {0}, EPERM_},
    {"default: bpf", DEFAULT, X86_64, __NR_bpf, {0}, EPERM_},
    {"default: perf_event_open", DEFAULT, X86_64, __NR_perf_event_open, {0}, EPERM_},
    {"default: userfaultfd", DEFAULT, X86_64, __NR_userfaultfd, {0}, EPERM_},
    {"default: ptrace(PTRACE_ATTACH)", DEFAULT, X86_64, __NR_ptrace, {16, 1}, EPERM_},
    {"default: process_vm_readv", DEFAULT, X86_64, __NR_process_vm_readv, {1}, EPERM_},
    {"default: process_vm_writev", DEFAULT, X86_64, __NR_process_vm_writev, {1}, EPERM_},
    {"default: pidfd_getfd", DEFAULT, X86_64, __NR_pidfd_getfd, {0}, EPERM_},
    {"default: kcmp", DEFAULT, X86_64, __NR_kcmp, {0}, EPERM_},
    {"default: kexec_load", DEFAULT, X86_64, __NR_kexec_load, {0}, EPERM_},
    {"default: kexec_file_load", DEFAULT, X86_64, __NR_kexec_file_load, {0}, EPERM_},
    {"default: init_module", DEFAULT, X86_64, __NR_init_module, {0}, EPERM_},
    {"default: finit_module", DEFAULT, X86_64, __NR_finit_module, {0}, EPERM_},
    {"default: delete_module", DEFAULT, X86_64, __NR_delete_module, {0}, EPERM_},
    {"default: open_by_handle_at", DEFAULT, X86_64, __NR_open_by_handle_at, {0}, EPERM_},
    {"default: name_to_handle_at", DEFAULT, X86_64, __NR_name_to_handle_at, {0}, EPERM_},
    {"default: reboot", DEFAULT, X86_64, __NR_reboot, {0}, EPERM_},
    {"default: swapon", DEFAULT, X86_64, __NR_swapon, {0}, EPERM_},
    {"default: swapoff", DEFAULT, X86_64, __NR_swapoff, {0}, EPERM_},
    {"default: acct", DEFAULT, X86_64, __NR_acct, {0}, EPERM_},
    {"default: settimeofday", DEFAULT, X86_64, __NR_settimeofday, {0}, EPERM_},
    {"default: clock_settime", DEFAULT, X86_64, __NR_clock_settime, {0}, EPERM_},
    {"default: adjtimex", DEFAULT, X86_64, __NR_adjtimex, {0}, EPERM_},
    {"default: the new mount API (fsopen)", DEFAULT, X86_64, __NR_fsopen, {0}, EPERM_},
    {"default: open_tree", DEFAULT, X86_64, __NR_open_tree, {0}, EPERM_},
    {"default: io_uring_setup", DEFAULT, X86_64, __NR_io_uring_setup, {0}, EPERM_},
    {"default: a syscall number no kernel has yet", DEFAULT, X86_64, 1000, {0}, EPERM_},
    /* clone: only namespace flags are refused. */
    {"default: clone(CLONE_NEWUSER)",
     DEFAULT,
     X86_64,
     __NR_clone,
     {CLONE_NEWUSER | SIGCHLD},
     EPERM_},
    {"default: clone(CLONE_NEWNET)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWNET}, EPERM_},
    {"default: clone(CLONE_NEWNS)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWNS}, EPERM_},
    {"default: clone(CLONE_NEWPID)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWPID}, EPERM_},
    {"default: clone(CLONE_NEWIPC)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWIPC}, EPERM_},
    {"default: clone(CLONE_NEWUTS)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWUTS}, EPERM_},
    {"default: clone(CLONE_NEWCGROUP)", DEFAULT, X86_64, __NR_clone, {CLONE_NEWCGROUP}, EPERM_},
    {"default: clone for fork", DEFAULT, X86_64, __NR_clone, {SIGCHLD}, RET_ALLOW},
    {"default: clone for a thread",
     DEFAULT,
     X86_64,
     __NR_clone,
     {CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
      CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID},
     RET_ALLOW},
    {"default: clone, high bits set",
     DEFAULT,
     X86_64,
     __NR_clone,
     {0xffffffff00000000 | SIGCHLD},
     RET_ALLOW},
    {"default: clone3 is ENOSYS, so libc falls back to clone",
     DEFAULT,
     X86_64,
     __NR_clone3,
     {0},
     RET_ERRNO(ENOSYS)},
    {"default: personality(PER_LINUX)", DEFAULT, X86_64, __NR_personality, {0}, RET_ALLOW},
    {"default: personality(PER_LINUX32)", DEFAULT, X86_64, __NR_personality, {8}, RET_ALLOW},
    {"default: personality query", DEFAULT, X86_64, __NR_personality, {0xffffffff}, RET_ALLOW},
    {"default: personality(ADDR_NO_RANDOMIZE)",
     DEFAULT,
     X86_64,
     __NR_personality,
     {0x0040000},
     EPERM_},
    /* Ordinary work. */
    {"default: read", DEFAULT, X86_64, __NR_read, {0}, RET_ALLOW},
    {"default: openat", DEFAULT, X86_64, __NR_openat, {0}, RET_ALLOW},
    {"default: execve", DEFAULT, X86_64, __NR_execve, {0}, RET_ALLOW},
    {"default: socket(AF_INET)", DEFAULT, X86_64, __NR_socket, {2, 1}, RET_ALLOW},
    {"default: socket(AF_UNIX)", DEFAULT, X86_64, __NR_socket, {1, 1}, RET_ALLOW},
    {"default: bind", DEFAULT, X86_64, __NR_bind, {3}, RET_ALLOW},
    {"default: futex", DEFAULT, X86_64, __NR_futex, {0}, RET_ALLOW},
    {"default: epoll_wait", DEFAULT, X86_64, __NR_epoll_wait, {0}, RET_ALLOW},
    {"default: mknodat (mkfifo)", DEFAULT, X86_64, __NR_mknodat, {0}, RET_ALLOW},
    {"default: chroot (CAP_SYS_CHROOT is granted)", DEFAULT, X86_64, __NR_chroot, {0}, RET_ALLOW},
    {"default: shmget (databases)", DEFAULT, X86_64, __NR_shmget, {0}, RET_ALLOW},
    {"default: seccomp (sandboxes within)", DEFAULT, X86_64, __NR_seccomp, {0}, RET_ALLOW},
    {"default: rseq", DEFAULT, X86_64, __NR_rseq, {0}, RET_ALLOW},
    /* 32-bit x86 gets the same treatment. */
    {"default: i386 read", DEFAULT, I386, I386_READ, {0}, RET_ALLOW},
    {"default: i386 socketcall", DEFAULT, I386, I386_SOCKETCALL, {1}, RET_ALLOW},
    {"default: i386 mount", DEFAULT, I386, I386_MOUNT, {0}, EPERM_},
    {"default: i386 umount2", DEFAULT, I386, I386_UMOUNT2, {0}, EPERM_},
    {"default: i386 unshare", DEFAULT, I386, I386_UNSHARE, {CLONE_NEWUSER}, EPERM_},
    {"default: i386 keyctl", DEFAULT, I386, I386_KEYCTL, {0}, EPERM_},
    {"default: i386 ptrace", DEFAULT, I386, I386_PTRACE, {16}, EPERM_},
    {"default: i386 clone(CLONE_NEWUSER)", DEFAULT, I386, I386_CLONE, {CLONE_NEWUSER}, EPERM_},
    {"default: i386 clone for fork", DEFAULT, I386, I386_CLONE, {SIGCHLD}, RET_ALLOW},
    {"default: i386 clone3", DEFAULT, I386, I386_CLONE3, {0}, RET_ERRNO(ENOSYS)},
    {"default: i386 personality(PER_LINUX)", DEFAULT, I386, I386_PERSONALITY, {0}, RET_ALLOW},
    /* x32 is not listed: compiling it cost runc 6.5 ms of CPU a start. */
    {"default: x32 is killed", DEFAULT, X86_64, X32 | __NR_read, {0}, RET_KILL},
    {"default: x32 getpid is killed", DEFAULT, X86_64, X32 | __NR_getpid, {0}, RET_KILL},
    {"default: an architecture not listed is killed",
     DEFAULT,
     AUDIT_ARCH_AARCH64,
     63,
     {0},
     RET_KILL},
    /* strict.json: 64-bit only, socket families, fewer calls. */
    {"strict: read", STRICT, X86_64, __NR_read, {0}, RET_ALLOW},
    {"strict: socket(AF_INET)", STRICT, X86_64, __NR_socket, {2, 1}, RET_ALLOW},
    {"strict: socket(AF_INET6)", STRICT, X86_64, __NR_socket, {10, 1}, RET_ALLOW},
    {"strict: socket(AF_UNIX)", STRICT, X86_64, __NR_socket, {1, 1}, RET_ALLOW},
    {"strict: socket(AF_NETLINK)", STRICT, X86_64, __NR_socket, {16, 3}, RET_ALLOW},
    {"strict: socket(AF_PACKET)", STRICT, X86_64, __NR_socket, {17, 3}, EPERM_},
    {"strict: socket(AF_ALG)", STRICT, X86_64, __NR_socket, {38, 5}, EPERM_},
    {"strict: socket(AF_VSOCK)", STRICT, X86_64, __NR_socket, {40, 1}, EPERM_},
    {"strict: socket(AF_INET) with high bits set",
     STRICT,
     X86_64,
     __NR_socket,
     {0x100000002, 1},
     EPERM_},
    {"strict: socketpair(AF_UNIX)", STRICT, X86_64, __NR_socketpair, {1, 1}, RET_ALLOW},
    {"strict: socketpair(AF_INET)", STRICT, X86_64, __NR_socketpair, {2, 1}, EPERM_},
    {"strict: personality query", STRICT, X86_64, __NR_personality, {0xffffffff}, RET_ALLOW},
    {"strict: personality(PER_LINUX32)", STRICT, X86_64, __NR_personality, {8}, EPERM_},
    {"strict: clone for fork", STRICT, X86_64, __NR_clone, {SIGCHLD}, RET_ALLOW},
    {"strict: clone(CLONE_NEWUSER)", STRICT, X86_64, __NR_clone, {CLONE_NEWUSER}, EPERM_},
    {"strict: clone3", STRICT, X86_64, __NR_clone3, {0}, RET_ERRNO(ENOSYS)},
    {"strict: unshare", STRICT, X86_64, __NR_unshare, {CLONE_NEWUSER}, EPERM_},
    {"strict: mount", STRICT, X86_64, __NR_mount, {0}, EPERM_},
    {"strict: keyctl", STRICT, X86_64, __NR_keyctl, {0}, EPERM_},
    {"strict: chroot", STRICT, X86_64, __NR_chroot, {0}, EPERM_},
    {"strict: mknodat", STRICT, X86_64, __NR_mknodat, {0}, EPERM_},
    {"strict: vmsplice", STRICT, X86_64, __NR_vmsplice, {0}, EPERM_},
    {"strict: msgget", STRICT, X86_64, __NR_msgget, {0}, EPERM_},
    {"strict: sync", STRICT, X86_64, __NR_sync, {0}, EPERM_},
    {"strict: i386 is killed", STRICT, I386, I386_READ, {0}, RET_KILL},
    {"strict: x32 is killed", STRICT, X86_64, X32 | __NR_read, {0}, RET_KILL},
    /* uint64 values reach the filter exactly. */
    {"uint64: all 64 bits equal", UINT64, X86_64, __NR_read, {UINT64_MAX}, RET_ALLOW},
    {"uint64: low word only", UINT64, X86_64, __NR_read, {0xffffffff}, EPERM_},
    {"uint64: high word only", UINT64, X86_64, __NR_read, {0xffffffff00000000}, EPERM_},
    {"uint64: one bit off", UINT64, X86_64, __NR_read, {UINT64_MAX - 1}, EPERM_},
    {"uint64: masked top bit set", UINT64, X86_64, __NR_write, {0, 1ULL << 63 | 5}, RET_ALLOW},
    {"uint64: masked top bit clear", UINT64, X86_64, __NR_write, {0, 0x7fffffffffffffff}, EPERM_},
    {"uint64: >= 2^32", UINT64, X86_64, __NR_close, {0, 0, 0, 0, 0, 1ULL << 32}, RET_ALLOW},
    {"uint64: < 2^32", UINT64, X86_64, __NR_close, {0, 0, 0, 0, 0, 0xffffffff}, EPERM_},
};

static void run_bpf_case(void **state)
{
  const struct bpf_case *c = *state;
  const struct program *prog = program(c->profile);
  struct seccomp_data d = {.nr = c->nr, .arch = c->arch};
  uint32_t got;

  memcpy(d.args, c->args, sizeof(d.args));
  got = sim_run(prog->insns, prog->len, &d);
  if (got != c->want)
    fail_msg("filter answered %#x, expected %#x", got, c->want);
}

/* ---- running the rows ------------------------------------------------------------- */

#define MAX_TESTS 512
static struct CMUnitTest tests[MAX_TESTS];
static size_t n_tests;

static void add(const char *name, CMUnitTestFunction fn, const void *state)
{
  if (n_tests >= MAX_TESTS)
    abort();
  tests[n_tests++] =
      (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = (void *)(uintptr_t)state};
}

int main(void)
{
  int rc;

  if (mkdtemp(state_dir) == NULL)
    return 1;
  for (size_t i = 0; i < HR_ARRAY_SIZE(section_cases); i++)
    add(section_cases[i].name, run_section_case, &section_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(file_cases); i++)
    add(file_cases[i].name, run_file_case, &file_cases[i]);
  add("names libseccomp does not know are dropped", test_dropped_names, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(unconfined_cases); i++)
    add(unconfined_cases[i].name, run_unconfined_case, &unconfined_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(docker_cases); i++)
    add(docker_cases[i].name, run_docker_case, &docker_cases[i]);
  add("an allowlist allowing every system call confines nothing", test_allow_every_name, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(apply_cases); i++)
    add(apply_cases[i].name, run_apply_case, &apply_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(load_error_cases); i++)
    add(load_error_cases[i].name, run_load_error_case, &load_error_cases[i]);
  add("an unloaded seccomp profile fails closed", test_not_loaded_fails_closed, NULL);
  add("the validation cache", test_cache, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(bpf_cases); i++)
    add(bpf_cases[i].name, run_bpf_case, &bpf_cases[i]);
  rc = _cmocka_run_group_tests("seccomp", tests, n_tests, NULL, NULL);
  for (size_t i = 0; i < HR_ARRAY_SIZE(programs); i++)
    free(programs[i].insns);
  {
    cleanup_free char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", state_dir) > 0 && system(cmd) != 0)
      rc = 1;
  }
  return rc;
}
