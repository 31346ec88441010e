/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The resource controls: "pids-limit", "memory-limit" and "cpu-limit".
 *
 * Each gives a spec value that means "no limit" a default, and clamps a value
 * above the ceiling (unlimited included) to the ceiling.  All arithmetic is
 * exact integer arithmetic on the spec's int64/uint64 values: a number is
 * never passed through a double, so what hardrun checks is what runc uses. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/utils.h"

/* The kernel refuses CFS quotas under 1ms and periods outside 1ms..1s. */
#define CPU_QUOTA_MIN      1000
#define CPU_PERIOD_MIN     1000
#define CPU_PERIOD_MAX     1000000
#define CPU_PERIOD_DEFAULT 100000 /* the kernel's own default period */

/* What `true` means for each section: the values of the documented example
 * profile.  A section given as an object has only what it spells out. */
#define PIDS_DEFAULT       1024
#define PIDS_CEILING       16384
#define MEMORY_DEFAULT     (2LL << 30)
#define MEMORY_CEILING     (32LL << 30)
#define CPU_DEFAULT_MCPUS  2000
#define CPU_CEILING_MCPUS  16000
#define CPU_SHARES_CEILING 10240

/* ---- profile parsing ------------------------------------------------------ */

/* "default" and "ceiling" read from a section that also holds other keys
 * (checked by the caller), so hr_profile_get_limit() cannot take it whole. */
static int limit_members(const struct hr_json_doc *profile, const struct hr_json *obj, bool sizes,
                         const char *what, struct hr_limit *l, struct hr_error *err)
{
  const struct hr_json *def = hr_json_get(obj, "default"), *ceil = hr_json_get(obj, "ceiling");

  *l = (struct hr_limit){0};
  if (def != NULL) {
    if (hr_profile_get_int(profile, def, sizes, &l->def, err) < 0)
      return -1;
    l->has_default = true;
  }
  if (ceil != NULL) {
    if (hr_profile_get_int(profile, ceil, sizes, &l->ceiling, err) < 0)
      return -1;
    l->has_ceiling = true;
  }
  /* runc reads 0 as "not set" for pids and memory alike, so a profile
   * value of 0 would silently mean "unlimited". */
  if (l->has_default && l->def == 0)
    return hr_profile_error(profile, def, err,
                            "%s.default: must be greater than 0 (runc treats 0 as no limit)", what);
  if (l->has_ceiling && l->ceiling == 0)
    return hr_profile_error(profile, ceil, err,
                            "%s.ceiling: must be greater than 0 (runc treats 0 as no limit)", what);
  if (l->has_default && l->has_ceiling && l->def > l->ceiling)
    return hr_profile_error(profile, def, err,
                            "%s.default: %" PRId64 " is above the ceiling %" PRId64, what, l->def,
                            l->ceiling);
  return 0;
}

/* A nested {"default", "ceiling"} object such as memory.swap; absent means
 * no limit at all. */
static int nested_limit(const struct hr_json_doc *profile, const struct hr_json *section,
                        const char *key, bool sizes, struct hr_limit *l, struct hr_error *err)
{
  const struct hr_json *node = hr_json_get(section, key);

  *l = (struct hr_limit){0};
  if (node == NULL)
    return 0;
  return hr_profile_get_limit(profile, node, sizes, l, err);
}

int hr_pids_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                  struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "default", "ceiling", NULL};
  struct hr_policy_pids out = {.limit = {true, PIDS_DEFAULT, true, PIDS_CEILING}};
  int r = hr_profile_section_begin(profile, section, keys, &out.enabled, err);

  if (r < 0)
    return -1;
  if (r > 0 && limit_members(profile, section, false, "pids", &out.limit, err) < 0)
    return -1;
  p->pids = out;
  return 0;
}

bool hr_pids_enabled(const struct hr_policy *p)
{
  return p->pids.enabled;
}

int hr_memory_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                    struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "default", "ceiling", "swap", NULL};
  struct hr_policy_memory out = {.limit = {true, MEMORY_DEFAULT, true, MEMORY_CEILING}};
  int r = hr_profile_section_begin(profile, section, keys, &out.enabled, err);

  if (r < 0)
    return -1;
  if (r > 0) {
    if (limit_members(profile, section, true, "memory", &out.limit, err) < 0 ||
        nested_limit(profile, section, "swap", true, &out.swap, err) < 0)
      return -1;
    /* swap counts memory+swap, so a swap ceiling under the memory ceiling
     * could never hold once swap is raised to the memory limit. */
    if (out.swap.has_ceiling && out.limit.has_ceiling && out.swap.ceiling < out.limit.ceiling)
      return hr_profile_error(profile, hr_json_get(hr_json_get(section, "swap"), "ceiling"), err,
                              "memory.swap.ceiling: below memory.ceiling (swap counts "
                              "memory+swap)");
  }
  p->memory = out;
  return 0;
}

bool hr_memory_enabled(const struct hr_policy *p)
{
  return p->memory.enabled;
}

/* "2", "0.5", "1.250" in thousandths of a CPU, exactly. */
static int parse_mcpus_text(const char *s, size_t len, int64_t *ret)
{
  const char *dot = memchr(s, '.', len);
  size_t ilen = dot != NULL ? (size_t)(dot - s) : len;
  uint64_t ip, frac = 0;

  if (hr_parse_u64(s, ilen, &ip) < 0)
    return -1;
  if (dot != NULL) {
    size_t flen = len - ilen - 1;
    if (flen == 0 || flen > 3)
      return -1;
    for (size_t i = 0; i < 3; i++) {
      char c = i < flen ? dot[1 + i] : '0';
      if (c < '0' || c > '9')
        return -1;
      frac = frac * 10 + (uint64_t)(c - '0');
    }
  }
  if (ip > ((uint64_t)INT64_MAX - frac) / 1000)
    return -1;
  *ret = (int64_t)(ip * 1000 + frac);
  return 0;
}

/* A CPU count: a JSON integer or a decimal string; never zero, never
 * negative, never more precise than a thousandth. */
static int parse_mcpus(const struct hr_json_doc *profile, const struct hr_json *node,
                       const char *what, int64_t *ret, struct hr_error *err)
{
  int64_t v = -1;
  int r = -1;

  if (node->type == HR_JSON_STRING)
    r = parse_mcpus_text(node->u.string.s, node->u.string.len, &v);
  else if (node->type == HR_JSON_NUMBER && hr_json_get_i64(node, &v) == 0 && v >= 0 &&
           v <= INT64_MAX / 1000) {
    v *= 1000;
    r = 0;
  }
  if (r < 0)
    return hr_profile_error(profile, node, err,
                            "%s: expected a CPU count such as 2 or \"0.5\" (at most 3 "
                            "decimals)",
                            what);
  if (v == 0)
    return hr_profile_error(profile, node, err, "%s: must be greater than 0", what);
  *ret = v;
  return 0;
}

static int cpu_ratio(const struct hr_json_doc *profile, const struct hr_json *section,
                     struct hr_limit *l, struct hr_error *err)
{
  const struct hr_json *def = hr_json_get(section, "default");
  const struct hr_json *ceil = hr_json_get(section, "ceiling");

  *l = (struct hr_limit){0};
  if (def != NULL && parse_mcpus(profile, def, "cpu.default", &l->def, err) < 0)
    return -1;
  if (ceil != NULL && parse_mcpus(profile, ceil, "cpu.ceiling", &l->ceiling, err) < 0)
    return -1;
  l->has_default = def != NULL;
  l->has_ceiling = ceil != NULL;
  if (l->has_default && l->has_ceiling && l->def > l->ceiling)
    return hr_profile_error(profile, def, err, "cpu.default: above cpu.ceiling");
  return 0;
}

int hr_cpu_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                 struct hr_policy *p, struct hr_error *err)
{
  static const char *const keys[] = {"enabled", "default", "ceiling", "period", "shares", NULL};
  struct hr_policy_cpu out = {
      .mcpus = {true, CPU_DEFAULT_MCPUS, true, CPU_CEILING_MCPUS},
      .period = CPU_PERIOD_DEFAULT,
      .shares = {.has_ceiling = true, .ceiling = CPU_SHARES_CEILING},
  };
  const struct hr_json *period;
  int r = hr_profile_section_begin(profile, section, keys, &out.enabled, err);

  if (r <= 0) {
    if (r == 0)
      p->cpu = out;
    return r;
  }
  if (cpu_ratio(profile, section, &out.mcpus, err) < 0 ||
      nested_limit(profile, section, "shares", false, &out.shares, err) < 0)
    return -1;
  period = hr_json_get(section, "period");
  if (period != NULL) {
    int64_t v;
    if (hr_profile_get_int(profile, period, false, &v, err) < 0)
      return -1;
    if (v < CPU_PERIOD_MIN || v > CPU_PERIOD_MAX)
      return hr_profile_error(profile, period, err,
                              "cpu.period: must be between %d and %d microseconds", CPU_PERIOD_MIN,
                              CPU_PERIOD_MAX);
    out.period = (uint64_t)v;
  }
  p->cpu = out;
  return 0;
}

bool hr_cpu_enabled(const struct hr_policy *p)
{
  return p->cpu.enabled;
}

/* ---- reading and writing the spec ---------------------------------------- */

/* Walk `path` (dotted field names) from the spec root.  *ret is NULL when a
 * step is absent or null; a step of another type is an input error, because
 * runc would refuse to decode it. */
static int lookup_object(struct hr_json *root, const char *path, struct hr_json **ret,
                         struct hr_error *err)
{
  char buf[64];
  struct hr_json *cur = root;
  size_t len = strlen(path);

  if (len >= sizeof(buf))
    return hr_error_input(err, "%s: path too long", path);
  memcpy(buf, path, len + 1);
  for (char *field = buf, *end; cur != NULL; field = end + 1) {
    end = strchr(field, '.');
    if (end != NULL)
      *end = '\0';
    cur = hr_json_get(cur, field);
    if (hr_json_is_null(cur))
      cur = NULL;
    else if (cur->type != HR_JSON_OBJECT)
      return hr_error_input(err, "%s: expected an object", buf);
    if (end == NULL)
      break;
    *end = '.';
  }
  *ret = cur;
  return 0;
}

/* Like lookup_object(), creating the missing or null steps. */
static struct hr_json *ensure_object(struct hr_apply_ctx *ctx, const char *path,
                                     struct hr_error *err)
{
  char buf[64];
  struct hr_json *cur = ctx->spec;
  size_t len = strlen(path);

  if (len >= sizeof(buf)) {
    hr_error_input(err, "%s: path too long", path);
    return NULL;
  }
  memcpy(buf, path, len + 1);
  for (char *field = buf, *end;; field = end + 1) {
    end = strchr(field, '.');
    if (end != NULL)
      *end = '\0';
    cur = hr_json_get_or_add_object(ctx->doc, cur, field, buf, err);
    if (cur == NULL || end == NULL)
      return cur;
    *end = '.';
  }
}

/* A spec integer that may be absent; float, exponent, string or out of
 * range are refused because runc would refuse them too. */
static int read_i64(const struct hr_json *obj, const char *field, const char *path, bool *present,
                    int64_t *ret, struct hr_error *err)
{
  const struct hr_json *node = obj != NULL ? hr_json_get(obj, field) : NULL;

  *present = !hr_json_is_null(node);
  *ret = 0;
  if (*present && hr_json_get_i64(node, ret) < 0)
    return hr_error_input(err, "%s: expected a 64-bit signed integer", path);
  return 0;
}

static int read_u64(const struct hr_json *obj, const char *field, const char *path, bool *present,
                    uint64_t *ret, struct hr_error *err)
{
  const struct hr_json *node = obj != NULL ? hr_json_get(obj, field) : NULL;

  *present = !hr_json_is_null(node);
  *ret = 0;
  if (*present && hr_json_get_u64(node, ret) < 0)
    return hr_error_input(err, "%s: expected a 64-bit unsigned integer", path);
  return 0;
}

/* Set `parent_path`.`field`, creating the objects on the way. */
static int write_number(struct hr_apply_ctx *ctx, const char *parent_path, const char *field,
                        bool is_unsigned, int64_t sv, uint64_t uv, struct hr_error *err)
{
  struct hr_json *obj = ensure_object(ctx, parent_path, err), *node;
  char path[96];

  if (obj == NULL)
    return -1;
  node = is_unsigned ? hr_json_new_u64(ctx->doc, uv, err) : hr_json_new_i64(ctx->doc, sv, err);
  if (node == NULL)
    return -1;
  snprintf(path, sizeof(path), "%s.%s", parent_path, field);
  return hr_apply_set(ctx, obj, field, path, node, err);
}

/* The value an int64 limit (pids, memory, swap) must take.  0 is "not set"
 * to runc and a negative value is "unlimited"; both give way to the profile,
 * except that to runc update 0 and absent mean "unchanged" (`overrides`).
 * Returns true, with the new value in *ret, when the spec must change;
 * leaves *ret alone otherwise. */
static bool limit_i64(bool present, int64_t v, const struct hr_limit *l, bool overrides,
                      int64_t *ret)
{
  if (!present || v == 0) {
    if (overrides || (!l->has_default && !l->has_ceiling))
      return false;
    *ret = l->has_default ? l->def : l->ceiling;
    return true;
  }
  if (l->has_ceiling && (v < 0 || v > l->ceiling)) {
    *ret = l->ceiling;
    return true;
  }
  return false;
}

/* ---- pids ------------------------------------------------------------------ */

/* runc treats a pids limit of 0 as unset and any negative one as "max". */
/* linux.resources.unified writes cgroup v2 files by name: "pids.max": "max"
 * would undo the clamp of pids.limit.  A key of a governed controller is
 * refused, on create and on update alike (runc 1.1 refuses unified on
 * cgroup v1 anyway, so nothing that runs here is lost). */
static int refuse_unified(struct hr_apply_ctx *ctx, const char *prefix, struct hr_error *err)
{
  const struct hr_json *u = hr_json_get_path(ctx->spec, "linux.resources.unified");

  if (u == NULL || u->type != HR_JSON_OBJECT)
    return 0;
  for (size_t i = 0; i < u->u.object.len; i++) {
    const char *key = u->u.object.items[i].key;
    char path[128];
    if (strncmp(key, prefix, strlen(prefix)) != 0)
      continue;
    snprintf(path, sizeof(path), "linux.resources.unified[\"%.64s\"]", key);
    return hr_apply_refuse(ctx, path, err,
                           "cannot be checked against the profile's ceiling; set the limit with "
                           "its own field");
  }
  return 0;
}

int hr_pids_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *pids;
  bool present;
  int64_t v, nv;

  /* On update too: a host pid written to cgroup.procs joins the
   * container's pids. */
  if (refuse_unified(ctx, "pids.", err) < 0 ||
      hr_cgroup_unified_core(ctx, HR_MODE_REFUSE, err) < 0 ||
      lookup_object(ctx->spec, "linux.resources.pids", &pids, err) < 0 ||
      read_i64(pids, "limit", "linux.resources.pids.limit", &present, &v, err) < 0)
    return -1;
  if (!limit_i64(present, v, &ctx->policy->pids.limit, ctx->overrides_only, &nv))
    return 0;
  return write_number(ctx, "linux.resources.pids", "limit", false, nv, 0, err);
}

/* ---- memory ---------------------------------------------------------------- */

int hr_memory_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_policy_memory *pm = &ctx->policy->memory;
  struct hr_json *mem;
  bool has_m, has_s, set_m, set_s;
  int64_t m, s, nm, ns;

  if (refuse_unified(ctx, "memory.", err) < 0 ||
      lookup_object(ctx->spec, "linux.resources.memory", &mem, err) < 0 ||
      read_i64(mem, "limit", "linux.resources.memory.limit", &has_m, &m, err) < 0 ||
      read_i64(mem, "swap", "linux.resources.memory.swap", &has_s, &s, err) < 0)
    return -1;
  nm = m;
  ns = s;
  set_m = limit_i64(has_m, m, &pm->limit, ctx->overrides_only, &nm);
  set_s = limit_i64(has_s, s, &pm->swap, ctx->overrides_only, &ns);
  /* swap is memory+swap: runc refuses a positive swap below the memory
   * limit, so a lowered memory limit must not leave the container
   * unstartable, and a raised one drags swap along. */
  if (nm > 0 && ns > 0 && ns < nm) {
    ns = nm;
    set_s = true;
  }
  if (set_m && write_number(ctx, "linux.resources.memory", "limit", false, nm, 0, err) < 0)
    return -1;
  if (set_s && write_number(ctx, "linux.resources.memory", "swap", false, ns, 0, err) < 0)
    return -1;
  return 0;
}

/* ---- cpu ------------------------------------------------------------------- */

/* The CPU ratio (millicpus) the quota must be brought to, or 0 when the
 * spec's quota may stay.  An absent or 0 quota and a negative one all mean
 * "no CFS limit" to runc.  To runc update an absent or 0 quota means
 * "unchanged" (`overrides`): nothing to do, unless a new period comes
 * alone, which would rescale the unknown current quota into any ratio; the
 * caller fills in the current quota when it knows it, else the ceiling is
 * the most the container may have. */
static int64_t cpu_target(const struct hr_limit *l, bool overrides, bool has_period, bool present,
                          int64_t q, uint64_t period)
{
  if ((!present || q == 0) && overrides)
    return has_period && l->has_ceiling ? l->ceiling : 0;
  if (!present || q == 0)
    return l->has_default ? l->def : l->has_ceiling ? l->ceiling : 0;
  if (!l->has_ceiling)
    return 0;
  if (q < 0 || (unsigned __int128)q * 1000 > (unsigned __int128)l->ceiling * period)
    return l->ceiling;
  return 0;
}

/* quota = mcpus * period / 1000, rounded down so the ratio never exceeds
 * the target.  The kernel refuses quotas under 1ms, so a small ratio gets a
 * longer period instead (at most 1s, which any ratio >= 0.001 CPU fits). */
static int cpu_quota(int64_t mcpus, uint64_t *period, int64_t *ret, struct hr_error *err)
{
  unsigned __int128 q = (unsigned __int128)mcpus * *period / 1000;

  if (q > INT64_MAX)
    return hr_error_input(err,
                          "linux.resources.cpu.quota: %lld millicpus over a period of %llu "
                          "does not fit in an int64",
                          (long long)mcpus, (unsigned long long)*period);
  if (q < CPU_QUOTA_MIN) {
    uint64_t p = ((uint64_t)CPU_QUOTA_MIN * 1000 + (uint64_t)mcpus - 1) / (uint64_t)mcpus;
    *period = p;
    q = (unsigned __int128)mcpus * p / 1000;
  }
  *ret = (int64_t)q;
  return 0;
}

static int cpu_shares(struct hr_apply_ctx *ctx, const struct hr_json *cpu, struct hr_error *err)
{
  const struct hr_limit *l = &ctx->policy->cpu.shares;
  bool present;
  uint64_t v, nv;

  if (read_u64(cpu, "shares", "linux.resources.cpu.shares", &present, &v, err) < 0)
    return -1;
  if ((!present || v == 0) && l->has_default && !ctx->overrides_only)
    nv = (uint64_t)l->def;
  else if (present && l->has_ceiling && v > (uint64_t)l->ceiling)
    nv = (uint64_t)l->ceiling;
  else
    return 0;
  return write_number(ctx, "linux.resources.cpu", "shares", true, 0, nv, err);
}

int hr_cpu_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  const struct hr_policy_cpu *pc = &ctx->policy->cpu;
  struct hr_json *cpu;
  bool has_p, has_q;
  uint64_t spec_p, period;
  int64_t q, mcpus, nq = 0;

  if (refuse_unified(ctx, "cpu.", err) < 0 ||
      lookup_object(ctx->spec, "linux.resources.cpu", &cpu, err) < 0 ||
      read_u64(cpu, "period", "linux.resources.cpu.period", &has_p, &spec_p, err) < 0 ||
      read_i64(cpu, "quota", "linux.resources.cpu.quota", &has_q, &q, err) < 0)
    return -1;
  /* runc leaves a period of 0 unwritten, so the cgroup keeps its own. */
  has_p = has_p && spec_p != 0;
  period = has_p ? spec_p : pc->period;
  mcpus = cpu_target(&pc->mcpus, ctx->overrides_only, has_p, has_q, q, period);
  if (mcpus > 0) {
    if (cpu_quota(mcpus, &period, &nq, err) < 0 ||
        write_number(ctx, "linux.resources.cpu", "quota", false, nq, 0, err) < 0)
      return -1;
  }
  /* A quota is only a CPU count together with its period.  When the spec
   * gives none, the ceiling was checked against the profile's period, so
   * that period must reach the cgroup as well, not the kernel's default. */
  bool checked = has_q && q > 0 && pc->mcpus.has_ceiling;
  if ((mcpus > 0 || checked) && (!has_p || period != spec_p) &&
      write_number(ctx, "linux.resources.cpu", "period", true, 0, period, err) < 0)
    return -1;
  return cpu_shares(ctx, cpu, err);
}
