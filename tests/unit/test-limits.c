/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The resource controls (pids-limit, memory-limit, cpu-limit), as data: one
 * row per case, libseccomp style.  An apply row is a profile, an input
 * config.json, the exact output and the exact change records; a profile row
 * is a profile and a one-line rendering of what was parsed, or the exact
 * error. */
#include "config.h"

#include "controls-harness.h"

#include <inttypes.h>

#include "hardrun/controls.h"
#include "hardrun/json.h"
#include "hardrun/policy.h"

/* ---- apply ------------------------------------------------------------------ */

/* A spec with only `linux`; "{}" stands for no linux at all. */
#define BASE        "{\"root\":{\"path\":\"rootfs\"}"
#define SPEC(linux) BASE ",\"linux\":" linux "}"
#define RES(res)    SPEC("{\"resources\":" res "}")
#define PIDS(v)     RES("{\"pids\":{\"limit\":" v "}}")
#define NOLINUX     BASE "}"

#define P_BOTH        "{\"pids\":{\"default\":100,\"ceiling\":1000}}"
#define P_CEIL        "{\"pids\":{\"ceiling\":1000}}"
#define P_DEF         "{\"pids\":{\"default\":100}}"
#define P_NONE        "{\"pids\":{}}"
#define PCH(old, new) "linux.resources.pids.limit: " old " -> " new

#define I64_ERR(f) "linux.resources." f ": expected a 64-bit signed integer"
#define U64_ERR(f) "linux.resources." f ": expected a 64-bit unsigned integer"

static const struct apply_case pids_cases[] = {
    /* default and ceiling */
    {"pids: absent -> default", P_BOTH, NOLINUX, PIDS("100"), PCH("(absent)", "100"), NULL},
    {"pids: null -> default", P_BOTH, PIDS("null"), PIDS("100"), PCH("null", "100"), NULL},
    {"pids: 0 is unset to runc -> default", P_BOTH, PIDS("0"), PIDS("100"), PCH("0", "100"), NULL},
    {"pids: -1 (unlimited) -> ceiling", P_BOTH, PIDS("-1"), PIDS("1000"), PCH("-1", "1000"), NULL},
    {"pids: other negative -> ceiling", P_BOTH, PIDS("-7"), PIDS("1000"), PCH("-7", "1000"), NULL},
    {"pids: int64 min -> ceiling", P_BOTH, PIDS("-9223372036854775808"), PIDS("1000"),
     PCH("-9223372036854775808", "1000"), NULL},
    {"pids: below default stays", P_BOTH, PIDS("50"), NULL, "", NULL},
    {"pids: between default and ceiling stays", P_BOTH, PIDS("500"), NULL, "", NULL},
    {"pids: at ceiling stays", P_BOTH, PIDS("1000"), NULL, "", NULL},
    {"pids: above ceiling -> ceiling", P_BOTH, PIDS("1001"), PIDS("1000"), PCH("1001", "1000"),
     NULL},
    {"pids: int64 max -> ceiling", P_BOTH, PIDS("9223372036854775807"), PIDS("1000"),
     PCH("9223372036854775807", "1000"), NULL},
    {"pids: null resources are created", P_BOTH, SPEC("{\"resources\":null}"), PIDS("100"),
     PCH("(absent)", "100"), NULL},
    {"pids: other members survive", P_BOTH, RES("{\"pids\":{\"limit\":0,\"x-y\":1e3}}"),
     RES("{\"pids\":{\"limit\":100,\"x-y\":1e3}}"), PCH("0", "100"), NULL},
    {"pids: case variants of the keys are refused, crun would not read them", P_BOTH,
     SPEC("{\"Resources\":{\"PIDS\":{\"Limit\":-1}}}"), NULL, "",
     UNIT_MISSPELLED("Resources", "linux", "resources")},
    /* ceiling only */
    {"pids ceiling only: absent -> ceiling", P_CEIL, NOLINUX, PIDS("1000"), PCH("(absent)", "1000"),
     NULL},
    {"pids ceiling only: 0 -> ceiling", P_CEIL, PIDS("0"), PIDS("1000"), PCH("0", "1000"), NULL},
    {"pids ceiling only: -1 -> ceiling", P_CEIL, PIDS("-1"), PIDS("1000"), PCH("-1", "1000"), NULL},
    {"pids ceiling only: below stays", P_CEIL, PIDS("500"), NULL, "", NULL},
    {"pids ceiling only: above -> ceiling", P_CEIL, PIDS("5000"), PIDS("1000"), PCH("5000", "1000"),
     NULL},
    /* default only */
    {"pids default only: absent -> default", P_DEF, NOLINUX, PIDS("100"), PCH("(absent)", "100"),
     NULL},
    {"pids default only: null -> default", P_DEF, PIDS("null"), PIDS("100"), PCH("null", "100"),
     NULL},
    {"pids default only: -1 stays", P_DEF, PIDS("-1"), NULL, "", NULL},
    {"pids default only: large stays", P_DEF, PIDS("5000"), NULL, "", NULL},
    /* neither */
    {"pids neither: absent stays absent", P_NONE, NOLINUX, NULL, "", NULL},
    {"pids neither: 0 stays", P_NONE, PIDS("0"), NULL, "", NULL},
    {"pids neither: -1 stays", P_NONE, PIDS("-1"), NULL, "", NULL},
    {"pids disabled: absent stays absent", "{\"pids\":{\"enabled\":false,\"default\":5}}", NOLINUX,
     NULL, "", NULL},
    /* numbers runc would not decode into an int64 */
    {"pids: above int64 max", P_BOTH, PIDS("9223372036854775808"), NULL, NULL,
     I64_ERR("pids.limit")},
    {"pids: below int64 min", P_BOTH, PIDS("-9223372036854775809"), NULL, NULL,
     I64_ERR("pids.limit")},
    {"pids: float", P_BOTH, PIDS("1.5"), NULL, NULL, I64_ERR("pids.limit")},
    {"pids: integral float", P_BOTH, PIDS("100.0"), NULL, NULL, I64_ERR("pids.limit")},
    {"pids: exponent", P_BOTH, PIDS("1e3"), NULL, NULL, I64_ERR("pids.limit")},
    {"pids: string", P_BOTH, PIDS("\"100\""), NULL, NULL, I64_ERR("pids.limit")},
    {"pids: boolean", P_BOTH, PIDS("true"), NULL, NULL, I64_ERR("pids.limit")},
    {"pids: linux is a string", P_BOTH, SPEC("\"x\""), NULL, NULL, "linux: expected an object"},
    {"pids: resources is an array", P_BOTH, RES("[]"), NULL, NULL,
     "linux.resources: expected an object"},
    {"pids: pids is a number", P_BOTH, RES("{\"pids\":5}"), NULL, NULL,
     "linux.resources.pids: expected an object"},
};

/* 1g, 2g, 4g, 8g, 16g and 512m in bytes. */
#define G1   "1073741824"
#define G2   "2147483648"
#define G4   "4294967296"
#define G8   "8589934592"
#define G16  "17179869184"
#define M512 "536870912"

#define M_ALL                                                                                      \
  "{\"memory\":{\"default\":\"1g\",\"ceiling\":\"4g\",\"swap\":{\"default\":\"2g\",\"ceiling\":"   \
  "\"8g\"}}}"
#define M_CEIL        "{\"memory\":{\"ceiling\":\"4g\"}}"
#define M_DEF         "{\"memory\":{\"default\":\"1g\"}}"
#define M_SWAPCEIL    "{\"memory\":{\"swap\":{\"ceiling\":\"8g\"}}}"
#define M_NONE        "{\"memory\":{}}"
#define MEM(m)        RES("{\"memory\":" m "}")
#define LS(l, s)      MEM("{\"limit\":" l ",\"swap\":" s "}")
#define MCH(old, new) "linux.resources.memory.limit: " old " -> " new
#define SCH(old, new) "linux.resources.memory.swap: " old " -> " new

static const struct apply_case memory_cases[] = {
    {"memory: absent -> defaults", M_ALL, NOLINUX, LS(G1, G2),
     MCH("(absent)", G1) "\n" SCH("(absent)", G2), NULL},
    {"memory: null -> defaults", M_ALL, LS("null", "null"), LS(G1, G2),
     MCH("null", G1) "\n" SCH("null", G2), NULL},
    {"memory: 0 -> defaults", M_ALL, LS("0", "0"), LS(G1, G2), MCH("0", G1) "\n" SCH("0", G2),
     NULL},
    {"memory: -1 -> ceilings", M_ALL, LS("-1", "-1"), LS(G4, G8), MCH("-1", G4) "\n" SCH("-1", G8),
     NULL},
    {"memory: other negative -> ceilings", M_ALL, LS("-5", "-2"), LS(G4, G8),
     MCH("-5", G4) "\n" SCH("-2", G8), NULL},
    {"memory: below default stays, swap absent -> default", M_ALL, MEM("{\"limit\":" M512 "}"),
     LS(M512, G2), SCH("(absent)", G2), NULL},
    {"memory: between default and ceiling stays", M_ALL, LS(G2, G4), NULL, "", NULL},
    {"memory: above ceilings -> ceilings", M_ALL, LS(G8, G16), LS(G4, G8),
     MCH(G8, G4) "\n" SCH(G16, G8), NULL},
    {"memory: int64 max -> ceilings", M_ALL, LS("9223372036854775807", "9223372036854775807"),
     LS(G4, G8), MCH("9223372036854775807", G4) "\n" SCH("9223372036854775807", G8), NULL},
    {"memory: other members survive", M_ALL,
     MEM("{\"limit\":0,\"reservation\":1024,\"swap\":" G2 ",\"disableOOMKiller\":false}"),
     MEM("{\"limit\":" G1 ",\"reservation\":1024,\"swap\":" G2 ",\"disableOOMKiller\":false}"),
     MCH("0", G1), NULL},
    /* swap counts memory+swap: runc refuses a positive swap below the limit */
    {"memory: swap below memory is raised to it", M_CEIL, LS(G2, G1), LS(G2, G2), SCH(G1, G2),
     NULL},
    {"memory: swap below the clamped limit is raised to it", M_CEIL, LS(G8, G2), LS(G4, G4),
     MCH(G8, G4) "\n" SCH(G2, G4), NULL},
    {"memory: swap below the default limit is raised to it", M_DEF, MEM("{\"swap\":" M512 "}"),
     MEM("{\"swap\":" G1 ",\"limit\":" G1 "}"), MCH("(absent)", G1) "\n" SCH(M512, G1), NULL},
    {"memory: swap above the clamped limit stays", M_CEIL, LS(G8, G16), LS(G4, G16), MCH(G8, G4),
     NULL},
    {"memory: swap -1 stays without a swap ceiling", M_CEIL, LS(G8, "-1"), LS(G4, "-1"),
     MCH(G8, G4), NULL},
    {"memory: swap -1 -> swap ceiling", M_SWAPCEIL, LS(G1, "-1"), LS(G1, G8), SCH("-1", G8), NULL},
    {"memory: swap ceiling only: absent -> swap ceiling", M_SWAPCEIL, NOLINUX,
     MEM("{\"swap\":" G8 "}"), SCH("(absent)", G8), NULL},
    {"memory: swap ceiling only: limit -1 stays", M_SWAPCEIL, LS("-1", G2), NULL, "", NULL},
    {"memory ceiling only: absent -> ceiling", M_CEIL, NOLINUX, MEM("{\"limit\":" G4 "}"),
     MCH("(absent)", G4), NULL},
    {"memory ceiling only: -1 -> ceiling", M_CEIL, MEM("{\"limit\":-1}"), MEM("{\"limit\":" G4 "}"),
     MCH("-1", G4), NULL},
    {"memory ceiling only: below stays", M_CEIL, MEM("{\"limit\":" G1 "}"), NULL, "", NULL},
    {"memory default only: absent -> default", M_DEF, NOLINUX, MEM("{\"limit\":" G1 "}"),
     MCH("(absent)", G1), NULL},
    {"memory default only: -1 stays", M_DEF, LS("-1", "-1"), NULL, "", NULL},
    {"memory neither: absent stays absent", M_NONE, NOLINUX, NULL, "", NULL},
    {"memory neither: swap below memory is still raised", M_NONE, LS(G2, G1), LS(G2, G2),
     SCH(G1, G2), NULL},
    {"memory: limit is a float", M_ALL, LS("1.0", G2), NULL, NULL, I64_ERR("memory.limit")},
    {"memory: limit has an exponent", M_ALL, LS("1e9", G2), NULL, NULL, I64_ERR("memory.limit")},
    {"memory: limit above int64 max", M_ALL, LS("9223372036854775808", G2), NULL, NULL,
     I64_ERR("memory.limit")},
    {"memory: swap is a size string", M_ALL, LS(G1, "\"2g\""), NULL, NULL, I64_ERR("memory.swap")},
    {"memory: memory is an array", M_ALL, RES("{\"memory\":[]}"), NULL, NULL,
     "linux.resources.memory: expected an object"},
};

#define C_ALL                                                                                      \
  "{\"cpu\":{\"default\":\"1.5\",\"ceiling\":\"4\",\"period\":100000,"                             \
  "\"shares\":{\"default\":512,\"ceiling\":2048}}}"
#define C_P250         "{\"cpu\":{\"default\":\"1.5\",\"ceiling\":\"4\",\"period\":250000}}"
#define C_CEIL15       "{\"cpu\":{\"ceiling\":\"1.5\"}}"
#define C_DEF(d)       "{\"cpu\":{\"default\":\"" d "\"}}"
#define C_SHARES       "{\"cpu\":{\"shares\":{\"ceiling\":2048}}}"
#define C_NONE         "{\"cpu\":{}}"
#define CPU(c)         RES("{\"cpu\":" c "}")
#define QCH(old, new)  "linux.resources.cpu.quota: " old " -> " new
#define PECH(old, new) "linux.resources.cpu.period: " old " -> " new
#define SHCH(old, new) "linux.resources.cpu.shares: " old " -> " new
#define QP(q, p)       CPU("{\"shares\":1024,\"quota\":" q ",\"period\":" p "}")
#define Q(q)           CPU("{\"shares\":1024,\"quota\":" q "}")
#define U64MAX         "18446744073709551615"

static const struct apply_case cpu_cases[] = {
    {"cpu: absent -> default quota, profile period, default shares", C_ALL, NOLINUX,
     CPU("{\"quota\":150000,\"period\":100000,\"shares\":512}"),
     QCH("(absent)", "150000") "\n" PECH("(absent)", "100000") "\n" SHCH("(absent)", "512"), NULL},
    {"cpu: null and 0 -> defaults", C_ALL,
     CPU("{\"shares\":0,\"quota\":null,\"period\":0,\"cpus\":\"0-1\"}"),
     CPU("{\"shares\":512,\"quota\":150000,\"period\":100000,\"cpus\":\"0-1\"}"),
     QCH("null", "150000") "\n" PECH("0", "100000") "\n" SHCH("0", "512"), NULL},
    {"cpu: quota -1 -> ceiling", C_ALL, Q("-1"),
     CPU("{\"shares\":1024,\"quota\":400000,\"period\":100000}"),
     QCH("-1", "400000") "\n" PECH("(absent)", "100000"), NULL},
    {"cpu: quota int64 min -> ceiling", C_ALL, QP("-9223372036854775808", "100000"),
     QP("400000", "100000"), QCH("-9223372036854775808", "400000"), NULL},
    {"cpu: within the ceiling stays", C_ALL, QP("200000", "100000"), NULL, "", NULL},
    {"cpu: below the default stays", C_ALL, QP("50000", "100000"), NULL, "", NULL},
    {"cpu: above the ceiling -> ceiling", C_ALL, QP("500000", "100000"), QP("400000", "100000"),
     QCH("500000", "400000"), NULL},
    {"cpu: int64 max quota -> ceiling", C_ALL, QP("9223372036854775807", "100000"),
     QP("400000", "100000"), QCH("9223372036854775807", "400000"), NULL},
    {"cpu: exactly the ceiling over a spec period stays", C_ALL, QP("800000", "200000"), NULL, "",
     NULL},
    {"cpu: one above the ceiling over a spec period", C_ALL, QP("800001", "200000"),
     QP("800000", "200000"), QCH("800001", "800000"), NULL},
    {"cpu: default over the spec's period", C_ALL, CPU("{\"shares\":1024,\"period\":50000}"),
     CPU("{\"shares\":1024,\"period\":50000,\"quota\":75000}"), QCH("(absent)", "75000"), NULL},
    {"cpu: default over the profile's period", C_P250, NOLINUX,
     CPU("{\"quota\":375000,\"period\":250000}"),
     QCH("(absent)", "375000") "\n" PECH("(absent)", "250000"), NULL},
    /* the kernel would use its own 100ms period, against which the ceiling
     * was not checked */
    {"cpu: a quota without period gets the profile's period", C_P250, Q("900000"),
     CPU("{\"shares\":1024,\"quota\":900000,\"period\":250000}"), PECH("(absent)", "250000"), NULL},
    {"cpu: a quota with period 0 gets the profile's period", C_ALL, QP("300000", "0"),
     QP("300000", "100000"), PECH("0", "100000"), NULL},
    {"cpu: ceiling is checked against the profile's period", C_P250, Q("1000001"),
     CPU("{\"shares\":1024,\"quota\":1000000,\"period\":250000}"),
     QCH("1000001", "1000000") "\n" PECH("(absent)", "250000"), NULL},
    /* rounding: never above the ratio */
    {"cpu: default quota rounds down", C_DEF("0.333"), CPU("{\"period\":30001}"),
     CPU("{\"period\":30001,\"quota\":9990}"), QCH("(absent)", "9990"), NULL},
    {"cpu: ceiling quota rounds down", C_CEIL15, QP("50000", "30001"), QP("45001", "30001"),
     QCH("50000", "45001"), NULL},
    {"cpu: just under the fractional ceiling stays", C_CEIL15, QP("45001", "30001"), NULL, "",
     NULL},
    {"cpu: ceiling only: absent quota -> ceiling", C_CEIL15, NOLINUX,
     CPU("{\"quota\":150000,\"period\":100000}"),
     QCH("(absent)", "150000") "\n" PECH("(absent)", "100000"), NULL},
    /* the kernel refuses quotas under 1ms: the period grows instead */
    {"cpu: 0.005 CPU -> 1000us over 200ms", C_DEF("0.005"), NOLINUX,
     CPU("{\"quota\":1000,\"period\":200000}"),
     QCH("(absent)", "1000") "\n" PECH("(absent)", "200000"), NULL},
    {"cpu: the spec's period grows too", C_DEF("0.005"), CPU("{\"period\":100000}"),
     CPU("{\"period\":200000,\"quota\":1000}"),
     QCH("(absent)", "1000") "\n" PECH("100000", "200000"), NULL},
    {"cpu: 0.001 CPU -> 1000us over 1s", C_DEF("0.001"), NOLINUX,
     CPU("{\"quota\":1000,\"period\":1000000}"),
     QCH("(absent)", "1000") "\n" PECH("(absent)", "1000000"), NULL},
    {"cpu: 0.003 CPU -> period rounds up", C_DEF("0.003"), NOLINUX,
     CPU("{\"quota\":1000,\"period\":333334}"),
     QCH("(absent)", "1000") "\n" PECH("(absent)", "333334"), NULL},
    {"cpu: 0.009 CPU", C_DEF("0.009"), QP("0", "100000"), QP("1000", "111112"),
     QCH("0", "1000") "\n" PECH("100000", "111112"), NULL},
    {"cpu: 0.01 CPU fits 1000us over 100ms", C_DEF("0.01"), NOLINUX,
     CPU("{\"quota\":1000,\"period\":100000}"),
     QCH("(absent)", "1000") "\n" PECH("(absent)", "100000"), NULL},
    {"cpu: a small ceiling grows the period", "{\"cpu\":{\"ceiling\":\"0.002\"}}",
     QP("-1", "100000"), QP("1000", "500000"), QCH("-1", "1000") "\n" PECH("100000", "500000"),
     NULL},
    /* uint64 periods above INT64_MAX */
    {"cpu: uint64 max period with a small quota stays", C_ALL, QP("1000", U64MAX), NULL, "", NULL},
    {"cpu: uint64 max period cannot carry a default quota", C_ALL,
     CPU("{\"shares\":1024,\"period\":" U64MAX "}"), NULL, NULL,
     "linux.resources.cpu.quota: 1500 millicpus over a period of " U64MAX
     " does not fit in an int64"},
    {"cpu: period above uint64 max", C_ALL, QP("1000", "18446744073709551616"), NULL, NULL,
     U64_ERR("cpu.period")},
    {"cpu: negative period", C_ALL, QP("1000", "-1"), NULL, NULL, U64_ERR("cpu.period")},
    {"cpu: period with an exponent", C_ALL, QP("1000", "1e5"), NULL, NULL, U64_ERR("cpu.period")},
    {"cpu: quota is a float", C_ALL, QP("1.5", "100000"), NULL, NULL, I64_ERR("cpu.quota")},
    {"cpu: quota is a string", C_ALL, QP("\"max\"", "100000"), NULL, NULL, I64_ERR("cpu.quota")},
    /* shares */
    {"cpu shares: absent -> default", C_ALL, QP("200000", "100000"),
     CPU("{\"shares\":1024,\"quota\":200000,\"period\":100000}"), "", NULL},
    {"cpu shares: missing -> default", C_ALL, CPU("{\"quota\":200000,\"period\":100000}"),
     CPU("{\"quota\":200000,\"period\":100000,\"shares\":512}"), SHCH("(absent)", "512"), NULL},
    {"cpu shares: null -> default", C_ALL,
     CPU("{\"shares\":null,\"quota\":200000,\"period\":100000}"),
     CPU("{\"shares\":512,\"quota\":200000,\"period\":100000}"), SHCH("null", "512"), NULL},
    {"cpu shares: 0 -> default", C_ALL, CPU("{\"shares\":0,\"quota\":200000,\"period\":100000}"),
     CPU("{\"shares\":512,\"quota\":200000,\"period\":100000}"), SHCH("0", "512"), NULL},
    {"cpu shares: below the default stays", C_ALL,
     CPU("{\"shares\":100,\"quota\":200000,\"period\":100000}"), NULL, "", NULL},
    {"cpu shares: at the ceiling stays", C_ALL,
     CPU("{\"shares\":2048,\"quota\":200000,\"period\":100000}"), NULL, "", NULL},
    {"cpu shares: above the ceiling -> ceiling", C_ALL,
     CPU("{\"shares\":4096,\"quota\":200000,\"period\":100000}"),
     CPU("{\"shares\":2048,\"quota\":200000,\"period\":100000}"), SHCH("4096", "2048"), NULL},
    {"cpu shares: uint64 max -> ceiling", C_ALL,
     CPU("{\"shares\":" U64MAX ",\"quota\":200000,\"period\":100000}"),
     CPU("{\"shares\":2048,\"quota\":200000,\"period\":100000}"), SHCH(U64MAX, "2048"), NULL},
    {"cpu shares: above uint64 max", C_ALL,
     CPU("{\"shares\":18446744073709551616,\"quota\":200000,\"period\":100000}"), NULL, NULL,
     U64_ERR("cpu.shares")},
    {"cpu shares: negative", C_ALL, CPU("{\"shares\":-1,\"quota\":200000,\"period\":100000}"), NULL,
     NULL, U64_ERR("cpu.shares")},
    {"cpu shares ceiling only: absent stays absent", C_SHARES, NOLINUX, NULL, "", NULL},
    {"cpu shares ceiling only: above -> ceiling", C_SHARES, CPU("{\"shares\":4096}"),
     CPU("{\"shares\":2048}"), SHCH("4096", "2048"), NULL},
    /* nothing to enforce, so nothing to write, not even the period */
    {"cpu neither: absent stays absent", C_NONE, NOLINUX, NULL, "", NULL},
    {"cpu neither: quota without period stays", C_NONE, Q("300000"), NULL, "", NULL},
    {"cpu neither: -1 stays", C_NONE, QP("-1", "100000"), NULL, "", NULL},
    {"cpu true: two CPUs by default", "{\"cpu\":true}", NOLINUX,
     CPU("{\"quota\":200000,\"period\":100000}"),
     QCH("(absent)", "200000") "\n" PECH("(absent)", "100000"), NULL},
    {"cpu true: shares above the built-in ceiling", "{\"cpu\":true}",
     CPU("{\"shares\":262144,\"quota\":100000,\"period\":100000}"),
     CPU("{\"shares\":10240,\"quota\":100000,\"period\":100000}"), SHCH("262144", "10240"), NULL},
};

/* a docker config.json: pids 0, memory and cpu quota unset */
static const struct file_case file_cases[] = {
    {"docker config.json", "docker-limits.profile.json", "docker-config.json",
     "docker-limits.out.json", "docker-limits.changes"},
};

/* ---- profile parsing --------------------------------------------------------- */

struct profile_case {
  const char *name;
  const char *profile;
  const char *parsed; /* describe() of the result */
  const char *error;  /* the exact HR_ERR_PROFILE message */
};

static void put_limit(FILE *f, const struct hr_limit *l)
{
  if (l->has_default)
    fprintf(f, "%" PRId64, l->def);
  else
    fputc('-', f);
  fputc('/', f);
  if (l->has_ceiling)
    fprintf(f, "%" PRId64, l->ceiling);
  else
    fputc('-', f);
}

static char *describe(const struct hr_policy *p)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len);

  assert_non_null(f);
  fprintf(f, "pids %s ", hr_pids_enabled(p) ? "on" : "off");
  put_limit(f, &p->pids.limit);
  fprintf(f, "; memory %s ", hr_memory_enabled(p) ? "on" : "off");
  put_limit(f, &p->memory.limit);
  fputs(" swap ", f);
  put_limit(f, &p->memory.swap);
  fprintf(f, "; cpu %s ", hr_cpu_enabled(p) ? "on" : "off");
  put_limit(f, &p->cpu.mcpus);
  fprintf(f, " period %" PRIu64 " shares ", p->cpu.period);
  put_limit(f, &p->cpu.shares);
  fclose(f);
  return s;
}

#define PIDS_OFF     "pids off -/-"
#define MEM_OFF      "memory off -/- swap -/-"
#define CPU_OFF      "cpu off -/- period 0 shares -/-"
#define ONLY_PIDS(s) s "; " MEM_OFF "; " CPU_OFF
#define ONLY_MEM(s)  PIDS_OFF "; " s "; " CPU_OFF
#define ONLY_CPU(s)  PIDS_OFF "; " MEM_OFF "; " s
#define ZERO         " must be greater than 0 (runc treats 0 as no limit)"
#define CPU_FMT      ": expected a CPU count such as 2 or \"0.5\" (at most 3 decimals)"

static const struct profile_case profile_cases[] = {
    {"pids true", "{\"pids\":true}", ONLY_PIDS("pids on 1024/16384"), NULL},
    {"pids false", "{\"pids\":false}", ONLY_PIDS("pids off 1024/16384"), NULL},
    {"pids both", "{\"pids\":{\"default\":10,\"ceiling\":20}}", ONLY_PIDS("pids on 10/20"), NULL},
    {"pids default equals ceiling", "{\"pids\":{\"default\":20,\"ceiling\":20}}",
     ONLY_PIDS("pids on 20/20"), NULL},
    {"pids ceiling only", "{\"pids\":{\"ceiling\":20}}", ONLY_PIDS("pids on -/20"), NULL},
    {"pids neither", "{\"pids\":{}}", ONLY_PIDS("pids on -/-"), NULL},
    {"pids enabled false", "{\"pids\":{\"enabled\":false,\"default\":5}}",
     ONLY_PIDS("pids off 5/-"), NULL},
    {"pids int64 max", "{\"pids\":{\"ceiling\":9223372036854775807}}",
     ONLY_PIDS("pids on -/9223372036854775807"), NULL},
    {"pids default 0", "{\"pids\":{\"default\":0}}", NULL, "test.json:1:20: pids.default:" ZERO},
    {"pids ceiling 0", "{\"pids\":{\"default\":1,\"ceiling\":0}}", NULL,
     "test.json:1:32: pids.ceiling:" ZERO},
    {"pids default above ceiling", "{\"pids\":{\n  \"default\": 30,\n  \"ceiling\": 20\n}}", NULL,
     "test.json:2:14: pids.default: 30 is above the ceiling 20"},
    {"pids negative", "{\"pids\":{\"default\":-1}}", NULL,
     "test.json:1:20: pids.default: expected a non-negative integer, got -1"},
    {"pids float", "{\"pids\":{\"ceiling\":1.5}}", NULL,
     "test.json:1:20: pids.ceiling: expected a non-negative integer, got 1.5"},
    {"pids size string", "{\"pids\":{\"ceiling\":\"1k\"}}", NULL,
     "test.json:1:20: pids.ceiling: expected a non-negative integer, got string"},
    {"pids above int64", "{\"pids\":{\"ceiling\":9223372036854775808}}", NULL,
     "test.json:1:20: pids.ceiling: expected a non-negative integer, got 9223372036854775808"},
    {"pids misspelt key", "{\"pids\":{\"defualt\":1}}", NULL,
     "test.json:1:20: pids: unknown key \"defualt\"; did you mean \"default\"?"},
    {"pids is a string", "{\"pids\":\"1024\"}", NULL,
     "test.json:1:9: pids: expected a boolean or an object, got string"},

    {"memory true", "{\"memory\":true}", ONLY_MEM("memory on 2147483648/34359738368 swap -/-"),
     NULL},
    {"memory sizes", "{\"memory\":{\"default\":\"64m\",\"ceiling\":1073741824}}",
     ONLY_MEM("memory on 67108864/1073741824 swap -/-"), NULL},
    {"memory swap",
     "{\"memory\":{\"ceiling\":\"1g\",\"swap\":{\"default\":\"512m\",\"ceiling\":\"1g\"}}}",
     ONLY_MEM("memory on -/1073741824 swap 536870912/1073741824"), NULL},
    {"memory swap ceiling without a memory ceiling", "{\"memory\":{\"swap\":{\"ceiling\":\"1g\"}}}",
     ONLY_MEM("memory on -/- swap -/1073741824"), NULL},
    {"memory fractional size", "{\"memory\":{\"default\":\"1.5g\"}}", NULL,
     "test.json:1:22: memory.default: invalid size \"1.5g\": expected digits with an optional k, "
     "m, g or t suffix"},
    {"memory ceiling 0", "{\"memory\":{\"ceiling\":\"0g\"}}", NULL,
     "test.json:1:22: memory.ceiling:" ZERO},
    {"memory swap default 0", "{\"memory\":{\"swap\":{\"default\":0}}}", NULL,
     "test.json:1:30: memory.swap.default:" ZERO},
    {"memory swap ceiling below the memory ceiling",
     "{\"memory\":{\"ceiling\":\"2g\",\"swap\":{\"ceiling\":\"1g\"}}}", NULL,
     "test.json:1:45: memory.swap.ceiling: below memory.ceiling (swap counts memory+swap)"},
    {"memory swap default above its ceiling",
     "{\"memory\":{\"swap\":{\"default\":\"2g\",\"ceiling\":\"1g\"}}}", NULL,
     "test.json:1:30: memory.swap.default: default 2147483648 is above the ceiling 1073741824"},
    {"memory swap unknown key", "{\"memory\":{\"swap\":{\"max\":1}}}", NULL,
     "test.json:1:26: memory.swap: unknown key \"max\" (known keys: \"default\", \"ceiling\")"},

    {"cpu true", "{\"cpu\":true}", ONLY_CPU("cpu on 2000/16000 period 100000 shares -/10240"),
     NULL},
    {"cpu decimals", "{\"cpu\":{\"default\":\"0.5\",\"ceiling\":\"1.250\"}}",
     ONLY_CPU("cpu on 500/1250 period 100000 shares -/-"), NULL},
    {"cpu integers", "{\"cpu\":{\"default\":\"2\",\"ceiling\":3}}",
     ONLY_CPU("cpu on 2000/3000 period 100000 shares -/-"), NULL},
    {"cpu one thousandth", "{\"cpu\":{\"default\":\"0.001\",\"ceiling\":\"0.01\"}}",
     ONLY_CPU("cpu on 1/10 period 100000 shares -/-"), NULL},
    {"cpu largest", "{\"cpu\":{\"ceiling\":\"9223372036854775.807\"}}",
     ONLY_CPU("cpu on -/9223372036854775807 period 100000 shares -/-"), NULL},
    {"cpu period and shares",
     "{\"cpu\":{\"period\":1000,\"shares\":{\"default\":2,\"ceiling\":262144}}}",
     ONLY_CPU("cpu on -/- period 1000 shares 2/262144"), NULL},
    {"cpu longest period", "{\"cpu\":{\"period\":1000000}}",
     ONLY_CPU("cpu on -/- period 1000000 shares -/-"), NULL},
    {"cpu four decimals", "{\"cpu\":{\"default\":\"1.2345\"}}", NULL,
     "test.json:1:19: cpu.default" CPU_FMT},
    {"cpu negative string", "{\"cpu\":{\"default\":\"-1\"}}", NULL,
     "test.json:1:19: cpu.default" CPU_FMT},
    {"cpu negative number", "{\"cpu\":{\"ceiling\":-1}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu JSON float", "{\"cpu\":{\"ceiling\":1.5}}", NULL, "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu exponent", "{\"cpu\":{\"ceiling\":\"1e3\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu JSON exponent", "{\"cpu\":{\"ceiling\":1e3}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu leading dot", "{\"cpu\":{\"ceiling\":\".5\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu trailing dot", "{\"cpu\":{\"ceiling\":\"1.\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu leading space", "{\"cpu\":{\"ceiling\":\" 1\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu leading plus", "{\"cpu\":{\"ceiling\":\"+1\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu leading zero", "{\"cpu\":{\"ceiling\":\"01\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu decimal comma", "{\"cpu\":{\"ceiling\":\"1,5\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu empty", "{\"cpu\":{\"ceiling\":\"\"}}", NULL, "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu too large", "{\"cpu\":{\"ceiling\":\"9223372036854775.808\"}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu too large integer", "{\"cpu\":{\"ceiling\":9223372036854776}}", NULL,
     "test.json:1:19: cpu.ceiling" CPU_FMT},
    {"cpu zero ceiling", "{\"cpu\":{\"ceiling\":\"0.000\"}}", NULL,
     "test.json:1:19: cpu.ceiling: must be greater than 0"},
    {"cpu zero default", "{\"cpu\":{\"default\":0}}", NULL,
     "test.json:1:19: cpu.default: must be greater than 0"},
    {"cpu default above ceiling", "{\"cpu\":{\"default\":\"4\",\"ceiling\":\"2\"}}", NULL,
     "test.json:1:19: cpu.default: above cpu.ceiling"},
    {"cpu period too short", "{\"cpu\":{\"period\":999}}", NULL,
     "test.json:1:18: cpu.period: must be between 1000 and 1000000 microseconds"},
    {"cpu period too long", "{\"cpu\":{\"period\":1000001}}", NULL,
     "test.json:1:18: cpu.period: must be between 1000 and 1000000 microseconds"},
    {"cpu period as a string", "{\"cpu\":{\"period\":\"100ms\"}}", NULL,
     "test.json:1:18: cpu.period: expected a non-negative integer, got string"},
    {"cpu shares ceiling 0", "{\"cpu\":{\"shares\":{\"ceiling\":0}}}", NULL,
     "test.json:1:29: cpu.shares.ceiling:" ZERO},
    {"cpu misspelt key", "{\"cpu\":{\"perod\":1000}}", NULL,
     "test.json:1:17: cpu: unknown key \"perod\"; did you mean \"period\"?"},
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
  for (size_t i = 0; i < HR_ARRAY_SIZE(pids_cases); i++)
    add_test(pids_cases[i].name, run_apply_case, &pids_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(memory_cases); i++)
    add_test(memory_cases[i].name, run_apply_case, &memory_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(cpu_cases); i++)
    add_test(cpu_cases[i].name, run_apply_case, &cpu_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(profile_cases); i++)
    add_test(profile_cases[i].name, run_profile_case, &profile_cases[i]);
  for (size_t i = 0; i < HR_ARRAY_SIZE(file_cases); i++)
    add_test(file_cases[i].name, run_file_case, &file_cases[i]);
  return run_all("limits");
}
