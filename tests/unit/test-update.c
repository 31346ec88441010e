/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runc update under a profile: the --resources body and the limit flags,
 * clamped to the ceilings in ceiling-only mode (absent and 0 mean
 * "unchanged" to runc update, so no default applies and lowering passes),
 * and the body handed to runc on stdin.  One row per case. */
#include "config.h"

#include "unit.h"
#include "argv-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hardrun/argv.h"
#include "hardrun/controls.h"
#include "hardrun/policy.h"
#include "hardrun/state.h"

static struct hr_policy *profile(const char *text)
{
  struct hr_policy *p = NULL;
  struct hr_error err = {0};

  assert_ok(hr_policy_parse(text, strlen(text), "test.json", "test", &p, &err), &err);
  return p;
}

/* pids 100..1000, memory 1g..2g (swap ceiling 4g), 1..2 CPUs, shares <= 1024 */
#define P_LIM                                                                                      \
  "{\"pids\":{\"default\":100,\"ceiling\":1000},"                                                  \
  "\"memory\":{\"default\":\"1g\",\"ceiling\":\"2g\",\"swap\":{\"ceiling\":\"4g\"}},"              \
  "\"cpu\":{\"default\":\"1\",\"ceiling\":\"2\",\"period\":100000,"                                \
  "\"shares\":{\"ceiling\":1024}}}"
#define P_NONE "{\"capabilities\":true,\"noNewPrivileges\":true}"
/* memory and pids ceilings, and the device rules of the default profile */
#define P_DEV                                                                                      \
  "{\"privileged\":{\"mode\":\"refuse\"},\"hostDevices\":{\"mode\":\"refuse\"},"                   \
  "\"memory\":{\"default\":\"1g\",\"ceiling\":\"2g\"},\"pids\":{\"default\":100,\"ceiling\":1000}" \
  "}"
#define P_DEV_FIX "{\"privileged\":{\"mode\":\"fix\"},\"hostDevices\":{\"mode\":\"refuse\"}}"
#define DENY_ALL  "{\"allow\":false,\"access\":\"rwm\"}"
/* The device cgroup rules of a CRI container (containerd 1.6) */
#define CRI_DEVICES                                                                                \
  "[" DENY_ALL ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"      \
  "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"},"                    \
  "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}]"

#define NOW_NONE                                                                                   \
  {                                                                                                \
    0                                                                                              \
  }
#define NOW(q, p)                                                                                  \
  {                                                                                                \
    true, (q), (p)                                                                                 \
  }

/* ---- the body ---------------------------------------------------------------- */

struct body_case {
  const char *name;
  const char *profile;
  struct hr_state_cpu now;
  const char *in;
  const char *out; /* NULL: unchanged */
  const char *changes;
  struct hr_state_cpu after; /* the CPU pair runc is left with, when set */
  enum hr_error_kind kind;
  const char *error;
};

#define PID_CH(o, n) "linux.resources.pids.limit: " o " -> " n
#define Q_CH(o, n)   "linux.resources.cpu.quota: " o " -> " n
#define P_CH(o, n)   "linux.resources.cpu.period: " o " -> " n

static const struct body_case body_cases[] = {
    /* pids */
    {"pids -1 (docker update --pids-limit -1) -> ceiling", P_LIM, NOW_NONE,
     "{\"pids\":{\"limit\":-1}}", "{\"pids\":{\"limit\":1000}}", PID_CH("-1", "1000")},
    {"pids: another negative -> ceiling", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":-9}}",
     "{\"pids\":{\"limit\":1000}}", PID_CH("-9", "1000")},
    {"pids above the ceiling -> ceiling", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":5000}}",
     "{\"pids\":{\"limit\":1000}}", PID_CH("5000", "1000")},
    {"pids 0 is \"unchanged\" to runc update: no default", P_LIM, NOW_NONE,
     "{\"pids\":{\"limit\":0}}", NULL, ""},
    {"pids absent: unchanged", P_LIM, NOW_NONE, "{}", NULL, ""},
    {"pids null: unchanged", P_LIM, NOW_NONE, "{\"pids\":null}", NULL, ""},
    {"pids lowered below the default passes", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":50}}", NULL,
     ""},
    {"pids at the ceiling passes", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":1000}}", NULL, ""},
    {"pids under case variants of the keys",
     P_LIM,
     NOW_NONE,
     "{\"PIDS\":{\"Limit\":-1}}",
     NULL,
     NULL,
     {0},
     HR_ERR_INPUT,
     "profile \"test\": rule \"spec-keys\": stdin:1:2: " UNIT_MISSPELLED("PIDS", "$", "pids")},
    /* runc's update ignores these, crun 1.8 applies them: device rules are
     * judged as at create */
    {"device rules allowing every device",
     P_DEV,
     NOW_NONE,
     "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}",
     NULL,
     NULL,
     {0},
     HR_ERR_REFUSED,
     "profile \"test\": rule \"privileged\": linux.resources.devices[0]: allows every device of "
     "the host (as --privileged does)"},
    {"device rules beyond the allowed devices",
     P_DEV,
     NOW_NONE,
     "{\"devices\":[" DENY_ALL ",{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,"
     "\"access\":\"rw\"}]}",
     NULL,
     NULL,
     {0},
     HR_ERR_REFUSED,
     "profile \"test\": rule \"host-devices\": linux.resources.devices[1]: the device cgroup "
     "allows b 8:0, beyond the allowed devices"},
    {"the container's own device rules pass (containerd's CRI sends them on every update)", P_DEV,
     NOW_NONE, "{\"devices\":" CRI_DEVICES ",\"memory\":{\"limit\":137438953472}}",
     "{\"devices\":" CRI_DEVICES ",\"memory\":{\"limit\":2147483648}}",
     "linux.resources.memory.limit: 137438953472 -> 2147483648"},
    {"every device under privileged \"fix\": made a deny rule", P_DEV_FIX, NOW_NONE,
     "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}",
     "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}",
     "linux.resources.devices[0].allow: true -> false"},
    {"a profile without the device rules passes them, as it would at create", P_LIM, NOW_NONE,
     "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}", NULL, ""},
    {"an empty device list passes", P_DEV, NOW_NONE, "{\"devices\":[],\"pids\":{\"limit\":5}}",
     NULL, ""},
    {"the OOM killer turned off in an update",
     P_LIM,
     NOW_NONE,
     "{\"memory\":{\"disableOOMKiller\":true}}",
     NULL,
     NULL,
     {0},
     HR_ERR_REFUSED,
     "profile \"test\": rule \"oom\": linux.resources.memory.disableOOMKiller: update does not "
     "turn the OOM killer off (runc ignores it, crun applies it)"},
    {"the OOM killer left on passes", P_LIM, NOW_NONE, "{\"memory\":{\"disableOOMKiller\":false}}",
     NULL, ""},
    {"whitespace and other members keep their bytes", P_LIM, NOW_NONE,
     " {\"blockIO\": {\"weight\": 10},\n \"pids\": {\"limit\": -1}, \"x\": 1e3}\n",
     " {\"blockIO\":{\"weight\": 10},\"pids\":{\"limit\":1000},\"x\":1e3}\n", PID_CH("-1", "1000")},
    {"no resource control: nothing clamped", P_NONE, NOW_NONE,
     "{\"pids\":{\"limit\":-1},\"memory\":{\"limit\":-1}}", NULL, ""},

    /* memory */
    {"memory -1 -> ceiling", P_LIM, NOW_NONE, "{\"memory\":{\"limit\":-1}}",
     "{\"memory\":{\"limit\":2147483648}}", "linux.resources.memory.limit: -1 -> 2147483648"},
    {"memory above the ceiling -> ceiling", P_LIM, NOW_NONE,
     "{\"memory\":{\"limit\":3221225472,\"reservation\":0}}",
     "{\"memory\":{\"limit\":2147483648,\"reservation\":0}}",
     "linux.resources.memory.limit: 3221225472 -> 2147483648"},
    {"memory 0 and swap 0: unchanged", P_LIM, NOW_NONE, "{\"memory\":{\"limit\":0,\"swap\":0}}",
     NULL, ""},
    {"memory lowered passes", P_LIM, NOW_NONE, "{\"memory\":{\"limit\":1048576}}", NULL, ""},
    {"swap -1 -> swap ceiling", P_LIM, NOW_NONE, "{\"memory\":{\"swap\":-1}}",
     "{\"memory\":{\"swap\":4294967296}}", "linux.resources.memory.swap: -1 -> 4294967296"},
    {"memory -1 and swap -1", P_LIM, NOW_NONE, "{\"memory\":{\"limit\":-1,\"swap\":-1}}",
     "{\"memory\":{\"limit\":2147483648,\"swap\":4294967296}}",
     "linux.resources.memory.limit: -1 -> 2147483648\n"
     "linux.resources.memory.swap: -1 -> 4294967296"},

    /* cpu: the ratio quota/period is what the ceiling bounds */
    {"quota -1 -> the ceiling's quota", P_LIM, NOW_NONE,
     "{\"cpu\":{\"quota\":-1,\"period\":100000}}", "{\"cpu\":{\"quota\":200000,\"period\":100000}}",
     Q_CH("-1", "200000"), NOW(200000, 100000)},
    {"3 CPUs -> 2", P_LIM, NOW_NONE, "{\"cpu\":{\"quota\":150000,\"period\":50000}}",
     "{\"cpu\":{\"quota\":100000,\"period\":50000}}", Q_CH("150000", "100000"), NOW(100000, 50000)},
    {"1.5 CPUs pass", P_LIM, NOW_NONE, "{\"cpu\":{\"quota\":150000,\"period\":100000}}", NULL, "",
     NOW(150000, 100000)},
    {"quota and period 0 (docker's body): unchanged", P_LIM, NOW(200000, 100000),
     "{\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0}}", NULL, ""},
    /* runc keeps the old period when only a quota comes: the ratio is
     * checked against the period hardrun last passed, which is written */
    {"a lone quota gets the container's period", P_LIM, NOW(200000, 50000),
     "{\"cpu\":{\"quota\":150000}}", "{\"cpu\":{\"quota\":100000,\"period\":50000}}",
     P_CH("(absent)", "50000") "\n" Q_CH("150000", "100000"), NOW(100000, 50000)},
    {"a lone quota, period unknown: the profile's period", P_LIM, NOW_NONE,
     "{\"cpu\":{\"quota\":150000,\"period\":0}}", "{\"cpu\":{\"quota\":150000,\"period\":100000}}",
     P_CH("0", "100000"), NOW(150000, 100000)},
    /* a lone period rescales the old quota: runc keeps it, hardrun writes
     * it out so that the new ratio is checked */
    {"a lone longer period keeps the quota (fewer CPUs)", P_LIM, NOW(200000, 100000),
     "{\"cpu\":{\"period\":200000}}", "{\"cpu\":{\"period\":200000,\"quota\":200000}}",
     Q_CH("(absent)", "200000"), NOW(200000, 200000)},
    {"a lone shorter period would give 4 CPUs", P_LIM, NOW(200000, 100000),
     "{\"cpu\":{\"quota\":0,\"period\":50000}}", "{\"cpu\":{\"quota\":100000,\"period\":50000}}",
     Q_CH("0", "200000") "\n" Q_CH("200000", "100000"), NOW(100000, 50000)},
    {"a lone period, quota unknown: the ceiling's quota", P_LIM, NOW_NONE,
     "{\"cpu\":{\"period\":50000}}", "{\"cpu\":{\"period\":50000,\"quota\":100000}}",
     Q_CH("(absent)", "100000"), NOW(100000, 50000)},
    {"shares above the ceiling", P_LIM, NOW_NONE, "{\"cpu\":{\"shares\":4096}}",
     "{\"cpu\":{\"shares\":1024}}", "linux.resources.cpu.shares: 4096 -> 1024"},
    {"shares 0: unchanged", P_LIM, NOW_NONE, "{\"cpu\":{\"shares\":0}}", NULL, ""},

    /* cgroup v2's unified map would write pids.max itself */
    {"unified pids.max refused", P_LIM, NOW_NONE, "{\"unified\":{\"pids.max\":\"max\"}}", NULL,
     NULL, NOW_NONE, HR_ERR_REFUSED,
     "profile \"test\": rule \"pids-limit\": linux.resources.unified[\"pids.max\"]: cannot be "
     "checked against the profile's ceiling; set the limit with its own field"},
    {"unified cpu.max refused", P_LIM, NOW_NONE,
     "{\"unified\":{\"io.weight\":\"5\",\"cpu.max\":\"max\"}}", NULL, NULL, NOW_NONE,
     HR_ERR_REFUSED,
     "profile \"test\": rule \"cpu-limit\": linux.resources.unified[\"cpu.max\"]: cannot be "
     "checked against the profile's ceiling; set the limit with its own field"},
    {"unified of an ungoverned controller passes", P_LIM, NOW_NONE,
     "{\"unified\":{\"io.weight\":\"5\",\"cpuset.cpus\":\"0\"}}", NULL, ""},
    {"unified pids.max without a pids control passes", P_NONE, NOW_NONE,
     "{\"unified\":{\"pids.max\":\"max\"}}", NULL, ""},

    /* bodies runc would refuse, or read differently */
    {"a float limit", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":1.5}}", NULL, NULL, NOW_NONE,
     HR_ERR_INPUT,
     "profile \"test\": rule \"pids-limit\": linux.resources.pids.limit: expected a 64-bit signed "
     "integer"},
    {"a quota that is no integer is not filled in, but refused", P_LIM, NOW(200000, 100000),
     "{\"cpu\":{\"quota\":\"5\",\"period\":50000}}", NULL, NULL, NOW_NONE, HR_ERR_INPUT,
     "profile \"test\": rule \"cpu-limit\": linux.resources.cpu.quota: expected a 64-bit signed "
     "integer"},
    {"a refusal after the pair was filled leaves no change record", P_LIM, NOW(200000, 100000),
     "{\"cpu\":{\"period\":50000},\"memory\":{\"limit\":1e3}}", NULL, NULL, NOW_NONE, HR_ERR_INPUT,
     "profile \"test\": rule \"memory-limit\": linux.resources.memory.limit: expected a 64-bit "
     "signed integer"},
    {"text after the body", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":10}} {\"pids\":{\"limit\":-1}}",
     NULL, NULL, NOW_NONE, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-syntax\": stdin:1:23: parse error: trailing garbage"},
    {"two keys runc folds into one", P_LIM, NOW_NONE, "{\"pids\":{\"limit\":10,\"Limit\":-1}}",
     NULL, NULL, NOW_NONE, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-keys\": stdin:1:21: duplicate key \"Limit\" at pids "
     "(runc's decoder treats it as \"limit\")"},
    /* in a Go map, "Foo" and "foo" are two keys */
    {"unified is a map: keys differing in case pass", P_LIM, NOW_NONE,
     "{\"unified\":{\"io.max\":\"1\",\"IO.max\":\"2\"}}", NULL, ""},
    {"not an object", P_LIM, NOW_NONE, "-1", NULL, NULL, NOW_NONE, HR_ERR_INPUT,
     "profile \"test\": rule \"spec-syntax\": stdin:1:1: the top level is not a JSON object"},
};

static void run_body_case(void **state)
{
  const struct body_case *c = *state;
  struct hr_policy *p = profile(c->profile);
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_state_cpu after;
  char *out = NULL, *log;
  size_t len = 0;
  int r;

  r = hr_update_harden_buffer(c->in, strlen(c->in), "stdin", p, &c->now, &ch, &out, &len, &after,
                              &err);
  log = unit_join_changes(&ch);
  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got success, changes:\n%s", c->error, log);
    if (err.kind != c->kind || strcmp(err.msg, c->error) != 0)
      fail_msg("error\n  got (kind %d):  %s\n  want (kind %d): %s", err.kind, err.msg, c->kind,
               c->error);
    if (ch.len != 0)
      fail_msg("a failed update left change records:\n%s", log);
  } else {
    assert_ok(r, &err);
    if (c->out == NULL && out != NULL)
      fail_msg("expected no change, got %s", out);
    if (c->out != NULL && (out == NULL || strcmp(out, c->out) != 0))
      fail_msg("output\n  got:  %s\n  want: %s", out ? out : "(unchanged)", c->out);
    if (strcmp(log, c->changes) != 0)
      fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
    if (after.known != c->after.known || after.quota != c->after.quota ||
        after.period != c->after.period)
      fail_msg("CPU after: %d %" PRId64 "/%" PRIu64 ", want %d %" PRId64 "/%" PRIu64, after.known,
               after.quota, after.period, c->after.known, c->after.quota, c->after.period);
  }
  free(out);
  free(log);
  hr_changes_free(&ch);
  hr_policy_free(p);
}

/* Bodies docker 20.10 sent through containerd 1.6 (captured on the way to
 * runc): `docker update --pids-limit -1` and `--cpu-quota 50000`. */
static void test_docker_bodies(void **state)
{
  struct hr_policy *p = profile(P_LIM);
  const struct hr_state_cpu now = NOW(200000, 100000);
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_state_cpu after;
  char *in, *out, *log;
  size_t len, out_len;

  in = unit_read_fixture("update/docker-update-pids-unlimited.json", &len);
  assert_ok(hr_update_harden_buffer(in, len, "stdin", p, &now, &ch, &out, &out_len, &after, &err),
            &err);
  assert_string_equal(out, "{\"memory\":{\"limit\":0,\"reservation\":0,\"kernel\":0},"
                           "\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0},"
                           "\"pids\":{\"limit\":1000},\"blockIO\":{\"weight\":0}}\n");
  log = unit_join_changes(&ch);
  assert_string_equal(log, PID_CH("-1", "1000"));
  assert_false(after.known);
  free(in);
  free(out);
  free(log);
  hr_changes_free(&ch);

  in = unit_read_fixture("update/docker-update-cpu-quota.json", &len);
  assert_ok(hr_update_harden_buffer(in, len, "stdin", p, &now, &ch, &out, &out_len, &after, &err),
            &err);
  assert_string_equal(out, "{\"memory\":{\"limit\":0,\"reservation\":0,\"kernel\":0},"
                           "\"cpu\":{\"shares\":0,\"quota\":50000,\"period\":100000},"
                           "\"blockIO\":{\"weight\":0}}\n");
  log = unit_join_changes(&ch);
  assert_string_equal(log, P_CH("0", "100000"));
  assert_true(after.known);
  assert_int_equal(after.quota, 50000);
  assert_int_equal(after.period, 100000);
  free(in);
  free(out);
  free(log);
  hr_changes_free(&ch);
  hr_policy_free(p);
}

static void test_cpu_from_spec(void **state)
{
  static const struct {
    const char *spec;
    struct hr_state_cpu want;
  } rows[] = {
      {"{\"linux\":{\"resources\":{\"cpu\":{\"quota\":200000,\"period\":100000}}}}",
       NOW(200000, 100000)},
      {"{\"linux\":{\"resources\":{\"cpu\":{\"quota\":200000}}}}", {false, 200000, 0}},
      {"{\"linux\":{\"resources\":{}}}", NOW_NONE},
      {"{}", NOW_NONE},
  };
  struct hr_error err = {0};

  for (size_t i = 0; i < HR_ARRAY_SIZE(rows); i++) {
    struct hr_state_cpu got;
    assert_ok(hr_update_cpu_from_spec(rows[i].spec, strlen(rows[i].spec), &got, &err), &err);
    assert_int_equal(got.known, rows[i].want.known);
    assert_int_equal(got.quota, rows[i].want.quota);
    assert_int_equal(got.period, rows[i].want.period);
  }
  assert_int_equal(hr_update_cpu_from_spec("{", 1, &(struct hr_state_cpu){0}, &err), -1);
}

/* ---- the flags ------------------------------------------------------------------- */

struct flags_case {
  const char *name;
  const char *profile;
  struct hr_state_cpu now;
  const char *line; /* after argv[0], split on spaces; '' is an empty word */
  const char *rt;   /* runtime argv after; NULL: unchanged */
  const char *changes;
  const char *error; /* HR_ERR_INPUT, the whole message */
};

static const struct flags_case flags_cases[] = {
    /* crun 1.8 pastes these into JSON unparsed: each must be a number. */
    {"--memory-reservation that would write JSON of its own", P_LIM, NOW_NONE,
     "update --memory-reservation=1},\"pids\":{\"limit\":-1},\"x\":{\"y\":0 id", NULL, NULL,
     "update --memory-reservation: invalid value \"1},\"pids\":{\"limit\":-1},\"x\":{\"y\":0\""},
    {"--cpu-rt-runtime that is no integer", P_LIM, NOW_NONE, "update --cpu-rt-runtime=5,6 id", NULL,
     NULL, "update --cpu-rt-runtime: invalid value \"5,6\""},
    {"every occurrence is checked, not the last alone", P_LIM, NOW_NONE,
     "update --kernel-memory=1] --kernel-memory=1m id", NULL, NULL,
     "update --kernel-memory: invalid value \"1]\""},
    {"numeric flags as runc reads them pass on unchanged", P_LIM, NOW_NONE,
     "update --memory-reservation=1g --cpu-rt-period=1000 --cpu-rt-runtime=-1 --blkio-weight=10 "
     "--kernel-memory-tcp= id",
     NULL, "", NULL},
    {"--pids-limit -1 -> ceiling", P_LIM, NOW_NONE, "update --pids-limit -1 id",
     "update --pids-limit=1000 id", PID_CH("-1", "1000")},
    {"--pids-limit=-1 after the id", P_LIM, NOW_NONE, "--root /r update id --pids-limit=-1",
     "--root /r update --pids-limit=1000 id", PID_CH("-1", "1000")},
    /* Go's flag package: the last one counts */
    {"the last --pids-limit counts", P_LIM, NOW_NONE, "update --pids-limit 5 --pids-limit=-1 id",
     "update --pids-limit=1000 id", PID_CH("-1", "1000")},
    /* runc's reordering gives a trailing flag the word before the id: its
     * value and the flag are apart in argv, and both go */
    {"a trailing --pids-limit takes the word before the id", P_LIM, NOW_NONE,
     "update -1 id --pids-limit", "update --pids-limit=1000 id", PID_CH("-1", "1000")},
    {"--pids-limit takes Go's base prefixes", P_LIM, NOW_NONE, "update --pids-limit 0x10 id",
     "update --pids-limit=16 id", ""},
    {"--pids-limit 010 is octal", P_LIM, NOW_NONE, "update --pids-limit=010 id",
     "update --pids-limit=8 id", ""},
    {"--pids-limit lowered passes", P_LIM, NOW_NONE, "update --pids-limit 50 id",
     "update --pids-limit=50 id", ""},
    {"--pids-limit 0 is unchanged", P_LIM, NOW_NONE, "update --pids-limit 0 id",
     "update --pids-limit=0 id", ""},
    /* memory: RAMInBytes units, always passed on as exact bytes */
    {"--memory 512m", P_LIM, NOW_NONE, "update --memory 512m id", "update --memory=536870912 id",
     ""},
    {"--memory -1 -> ceiling", P_LIM, NOW_NONE, "update --memory -1 id",
     "update --memory=2147483648 id", "linux.resources.memory.limit: -1 -> 2147483648"},
    {"--memory 3GiB -> ceiling", P_LIM, NOW_NONE, "update --memory=3GiB id",
     "update --memory=2147483648 id", "linux.resources.memory.limit: 3221225472 -> 2147483648"},
    {"--memory 1.5g", P_LIM, NOW_NONE, "update --memory 1.5g id", "update --memory=1610612736 id",
     ""},
    {"--memory 1kb", P_LIM, NOW_NONE, "update --memory 1kb id", "update --memory=1024 id", ""},
    {"--memory 100B", P_LIM, NOW_NONE, "update --memory 100B id", "update --memory=100 id", ""},
    {"--memory-swap -1 -> swap ceiling", P_LIM, NOW_NONE, "update --memory-swap -1 id",
     "update --memory-swap=4294967296 id", "linux.resources.memory.swap: -1 -> 4294967296"},
    {"an empty --memory is no --memory to runc", P_LIM, NOW_NONE, "update --memory '' id",
     "update id", ""},
    {"--memory 10ki", P_LIM, NOW_NONE, "update --memory 10ki id", NULL, NULL,
     "update --memory: invalid value \"10ki\""},
    {"--memory -2", P_LIM, NOW_NONE, "update --memory -2 id", NULL, NULL,
     "update --memory: invalid value \"-2\""},
    {"--memory 1e3 (not hardrun's to guess)", P_LIM, NOW_NONE, "update --memory 1e3 id", NULL, NULL,
     "update --memory: invalid value \"1e3\""},
    {"--memory beyond int64", P_LIM, NOW_NONE, "update --memory 9000000000000000000k id", NULL,
     NULL, "update --memory: invalid value \"9000000000000000000k\""},
    /* cpu */
    {"--cpu-quota -1 --cpu-period 100000", P_LIM, NOW_NONE,
     "update --cpu-quota -1 --cpu-period 100000 id",
     "update --cpu-quota=200000 --cpu-period=100000 id", Q_CH("-1", "200000")},
    {"a lone --cpu-quota gets the period", P_LIM, NOW(200000, 100000),
     "update --cpu-quota 300000 id", "update --cpu-quota=200000 --cpu-period=100000 id",
     P_CH("(absent)", "100000") "\n" Q_CH("300000", "200000")},
    {"--cpu-quota +5000 (ParseInt takes a sign)", P_LIM, NOW_NONE, "update --cpu-quota +5000 id",
     "update --cpu-quota=5000 --cpu-period=100000 id", P_CH("(absent)", "100000")},
    {"a lone --cpu-period gets the quota", P_LIM, NOW(200000, 100000),
     "update --cpu-period 50000 id", "update --cpu-quota=100000 --cpu-period=50000 id",
     Q_CH("(absent)", "200000") "\n" Q_CH("200000", "100000")},
    {"--cpu-share above the ceiling", P_LIM, NOW_NONE, "update --cpu-share 99999 id",
     "update --cpu-share=1024 id", "linux.resources.cpu.shares: 99999 -> 1024"},
    {"--cpu-period -5 (ParseUint takes no sign)", P_LIM, NOW_NONE, "update --cpu-period -5 id",
     NULL, NULL, "update --cpu-period: invalid value \"-5\""},
    {"--cpu-quota 1_000 (base 10: no underscores)", P_LIM, NOW_NONE, "update --cpu-quota 1_000 id",
     NULL, NULL, "update --cpu-quota: invalid value \"1_000\""},
    {"flags hardrun does not govern stay", P_LIM, NOW_NONE,
     "update --cpuset-cpus 0 --blkio-weight 10 --memory-reservation 1g id", NULL, ""},
};

static void run_flags_case(void **state)
{
  const struct flags_case *c = *state;
  struct hr_policy *p = profile(c->profile);
  char buf[256], *argv[MAX_WORDS + 1], *rt, *log;
  struct hr_changes ch = {0};
  struct hr_error err = {0};
  struct hr_state_cpu after;
  struct hr_argv a;
  int r;

  snprintf(buf, sizeof(buf), "%s", c->line);
  assert_ok(hr_argv_parse(split(buf, argv), argv, &a, &err), &err);
  r = hr_update_harden_flags(&a, p, &c->now, &ch, &after, &err);
  rt = join_argv(&a);
  log = unit_join_changes(&ch);
  if (c->error != NULL) {
    if (r >= 0)
      fail_msg("expected error \"%s\", got %s", c->error, rt);
    if (err.kind != HR_ERR_INPUT || strcmp(err.msg, c->error) != 0)
      fail_msg("error\n  got (kind %d): %s\n  want: %s", err.kind, err.msg, c->error);
  } else {
    assert_ok(r, &err);
    if (strcmp(rt, c->rt != NULL ? c->rt : c->line) != 0)
      fail_msg("runtime argv\n  got:  %s\n  want: %s", rt, c->rt ? c->rt : c->line);
    if (strcmp(log, c->changes) != 0)
      fail_msg("changes\n  got:\n%s\n  want:\n%s", log, c->changes);
  }
  free(rt);
  free(log);
  hr_changes_free(&ch);
  hr_argv_free(&a);
  hr_policy_free(p);
}

/* ---- the body handed to runc ------------------------------------------------------ */

struct dir_fixture {
  char dir[64];
};

static int dir_setup(void **state)
{
  struct dir_fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  snprintf(f->dir, sizeof(f->dir), "/tmp/hr-test-update.XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  *state = f;
  return 0;
}

static int dir_teardown(void **state)
{
  struct dir_fixture *f = *state;
  char cmd[128];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  close(fd);
}

/* All of a memfd from its current offset: what runc will read. */
static char *read_fd(int fd)
{
  char *buf = calloc(1, 4096);
  ssize_t n;

  assert_non_null(buf);
  n = read(fd, buf, 4095);
  assert_true(n >= 0);
  return buf;
}

/* Run hr_update_harden on `line`; returns the fd, the argv in *rt. */
static int harden(const char *line, const struct hr_policy *p, char **rt, struct hr_error *err)
{
  char buf[256], *argv[MAX_WORDS + 1];
  struct hr_state_cpu now = {0}, after;
  struct hr_argv a;
  int fd = -1;

  snprintf(buf, sizeof(buf), "%s", line);
  assert_ok(hr_argv_parse(split(buf, argv), argv, &a, err), err);
  if (hr_update_harden(&a, p, &now, NULL, &after, &fd, err) < 0)
    fd = -2;
  *rt = join_argv(&a);
  hr_argv_free(&a);
  return fd;
}

static void test_handover(void **state)
{
  const struct dir_fixture *f = *state;
  struct hr_policy *p = profile(P_LIM);
  struct hr_error err = {0};
  char path[128], line[256], *rt, *body;
  int fd, saved_stdin, seals;

  /* --resources FILE: runc reads the clamped body from stdin, the file is
   * never read again */
  snprintf(path, sizeof(path), "%s/res.json", f->dir);
  write_file(path, "{\"pids\":{\"limit\":-1}}", 21);
  snprintf(line, sizeof(line), "update -r %s id", path);
  fd = harden(line, p, &rt, &err);
  assert_true(fd >= 0);
  assert_string_equal(rt, "update --resources=- id");
  body = read_fd(fd);
  assert_string_equal(body, "{\"pids\":{\"limit\":1000}}");
  seals = fcntl(fd, F_GET_SEALS);
  assert_int_equal(seals & (F_SEAL_WRITE | F_SEAL_SEAL), F_SEAL_WRITE | F_SEAL_SEAL);
  assert_true(write(fd, "x", 1) < 0);
  /* not inherited by anything but the stdin it is dup'ed to */
  assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  free(body);
  free(rt);
  close(fd);

  /* --resources -: stdin read to the end; an unchanged body is passed on
   * byte for byte; the limit flags are runc's to ignore */
  snprintf(path, sizeof(path), "%s/stdin.json", f->dir);
  write_file(path, "{\"pids\":{\"limit\": 7}}\n", 22);
  saved_stdin = dup(0);
  assert_true(saved_stdin >= 0);
  assert_int_equal(dup2(open(path, O_RDONLY | O_CLOEXEC), 0), 0);
  fd = harden("update --resources - --pids-limit -1 id", p, &rt, &err);
  assert_true(fd >= 0);
  assert_string_equal(rt, "update --resources=- --pids-limit -1 id");
  body = read_fd(fd);
  assert_string_equal(body, "{\"pids\":{\"limit\": 7}}\n");
  free(body);
  free(rt);
  close(fd);

  /* stdin beyond the bound */
  {
    char *big = malloc(HR_UPDATE_MAX_SIZE + 1);
    assert_non_null(big);
    memset(big, ' ', HR_UPDATE_MAX_SIZE + 1);
    big[0] = '{';
    big[HR_UPDATE_MAX_SIZE] = '}';
    write_file(path, big, HR_UPDATE_MAX_SIZE + 1);
    free(big);
  }
  assert_int_equal(dup2(open(path, O_RDONLY | O_CLOEXEC), 0), 0);
  fd = harden("update --resources - id", p, &rt, &err);
  assert_int_equal(fd, -2);
  assert_string_equal(err.msg, "--resources - (stdin): larger than the limit of 16777216 bytes");
  free(rt);
  assert_int_equal(dup2(saved_stdin, 0), 0);
  close(saved_stdin);

  /* no --resources: the flags, no stdin */
  fd = harden("update --pids-limit -1 id", p, &rt, &err);
  assert_int_equal(fd, -1);
  assert_string_equal(rt, "update --pids-limit=1000 id");
  free(rt);

  /* a --resources FILE that is not there, or a FIFO */
  snprintf(line, sizeof(line), "update --resources %s/absent id", f->dir);
  assert_int_equal(harden(line, p, &rt, &err), -2);
  assert_int_equal(err.code, ENOENT);
  free(rt);
  snprintf(path, sizeof(path), "%s/fifo", f->dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  snprintf(line, sizeof(line), "update --resources=%s id", path);
  assert_int_equal(harden(line, p, &rt, &err), -2);
  assert_non_null(strstr(err.msg, "not a regular file"));
  free(rt);
  hr_policy_free(p);
}

/* The rows of the table that clamp an update, and only those. */
static void test_scopes(void **state)
{
  static const char *const rows[] = {"pids-limit", "memory-limit", "cpu-limit"};
  size_t n = 0;

  for (size_t i = 0; i < hr_n_controls; i++) {
    bool want = false;
    for (size_t j = 0; j < HR_ARRAY_SIZE(rows); j++)
      want |= strcmp(hr_controls[i].name, rows[j]) == 0;
    if (((hr_controls[i].scope & HR_SCOPE_RESOURCES) != 0) != want)
      fail_msg("row %s: HR_SCOPE_RESOURCES %s", hr_controls[i].name,
               want ? "missing" : "unexpected");
    n += want;
  }
  assert_int_equal(n, HR_ARRAY_SIZE(rows));
}

#define MAX_TESTS 128

int main(void)
{
  static struct CMUnitTest tests[MAX_TESTS];
  size_t n = 0;

  for (size_t i = 0; i < HR_ARRAY_SIZE(body_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = body_cases[i].name,
                                     .test_func = run_body_case,
                                     .initial_state = (void *)&body_cases[i]};
  for (size_t i = 0; i < HR_ARRAY_SIZE(flags_cases); i++)
    tests[n++] = (struct CMUnitTest){.name = flags_cases[i].name,
                                     .test_func = run_flags_case,
                                     .initial_state = (void *)&flags_cases[i]};
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_docker_bodies);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cpu_from_spec);
  tests[n++] =
      (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_handover, dir_setup, dir_teardown);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scopes);
  assert_true(n <= MAX_TESTS);
  return _cmocka_run_group_tests("update", tests, n, NULL, NULL);
}
