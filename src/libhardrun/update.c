/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runc update: new resource limits for a running container.
 * `docker update --pids-limit -1` becomes `runc update --resources - <id>`
 * with {"pids":{"limit":-1}} on stdin; the limit controls clamp it to the
 * profile's ceilings in ceiling-only mode (runc update reads an absent or 0
 * value as "unchanged", so no default applies and lowering always passes).
 *
 * runc 1.1.5 update.go: with --resources (a file or "-") the JSON is all
 * runc reads and every limit flag is ignored; without it the flags are
 * read: --pids-limit as a Go int (base 0), --cpu-period and --cpu-share
 * with ParseUint(v, 10, 64), --cpu-quota with ParseInt(v, 10, 64),
 * --memory and --memory-swap with go-units' RAMInBytes or exactly "-1".
 * runc keeps a period or a quota given alone with the old other one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hardrun/controls.h"
#include "hardrun/jsonbuild.h"
#include "hardrun/refusals.h"
#include "hardrun/spec.h"
#include "hardrun/state.h"
#include "hardrun/utils.h"

/* The Go maps of specs.LinuxResources (see hr_spec_map_paths). */
static const char *const resources_maps[] = {"unified", "rdma", NULL};

static const struct hr_wrap resources_wrap = {
    .head = "{\"linux\":{\"resources\":",
    .tail = "}}",
    .max_size = HR_UPDATE_MAX_SIZE,
    .map_paths = resources_maps,
};

/* ---- the CPU pair -------------------------------------------------------------- */

/* A quota or period of the body, 0 when absent, null or not a valid
 * integer (the limit control then reports the invalid one). */
static int64_t body_quota(const struct hr_json *cpu)
{
  int64_t v = 0;

  return hr_json_get_i64(hr_json_get(cpu, "quota"), &v) == 0 ? v : 0;
}

static uint64_t body_period(const struct hr_json *cpu)
{
  uint64_t v = 0;

  return hr_json_get_u64(hr_json_get(cpu, "period"), &v) == 0 ? v : 0;
}

/* Absent, null or 0: "unchanged" to runc update.  A value of another type
 * is not unset: it is left for the limit control to refuse. */
static bool unset(const struct hr_json *cpu, const char *field)
{
  const struct hr_json *n = hr_json_get(cpu, field);
  int64_t v = -1;

  return hr_json_is_null(n) || (hr_json_get_i64(n, &v) == 0 && v == 0);
}

/* runc keeps the old quota when only a period comes (and the other way
 * round); the ratio is what the ceiling bounds, so the half that runc would
 * keep is written out, from what hardrun last passed to runc.  Unknown, the
 * limit control gives a lone period the ceiling's quota. */
static int fill_cpu_pair(struct hr_apply_ctx *ctx, struct hr_json *res,
                         const struct hr_state_cpu *now, struct hr_error *err)
{
  const struct hr_policy_cpu *pc = &ctx->policy->cpu;
  struct hr_json *cpu = hr_json_get(res, "cpu"), *n;
  int64_t q;
  uint64_t per;

  if (!pc->enabled || !pc->mcpus.has_ceiling || now == NULL || !now->known ||
      hr_json_is_null(cpu) || cpu->type != HR_JSON_OBJECT)
    return 0;
  q = body_quota(cpu);
  per = body_period(cpu);
  ctx->rule = "cpu-limit";
  if (per != 0 && unset(cpu, "quota") && now->quota != 0) {
    n = hr_json_new_i64(ctx->doc, now->quota, err);
    if (n == NULL || hr_apply_set(ctx, cpu, "quota", "linux.resources.cpu.quota", n, err) < 0)
      return -1;
  } else if (q != 0 && unset(cpu, "period") && now->period != 0) {
    n = hr_json_new_u64(ctx->doc, now->period, err);
    if (n == NULL || hr_apply_set(ctx, cpu, "period", "linux.resources.cpu.period", n, err) < 0)
      return -1;
  }
  return 0;
}

/* The pair runc is left with: the body's values over `now`. */
static void cpu_after(const struct hr_json *res, const struct hr_state_cpu *now,
                      struct hr_state_cpu *ret)
{
  const struct hr_json *cpu = hr_json_get(res, "cpu");
  int64_t q = body_quota(cpu);
  uint64_t per = body_period(cpu);
  bool have_now = now != NULL && now->known;

  *ret = (struct hr_state_cpu){0};
  if (q == 0 && per == 0)
    return;
  if ((q == 0 || per == 0) && !have_now)
    return;
  *ret = (struct hr_state_cpu){
      .known = true,
      .quota = q != 0 ? q : now->quota,
      .period = per != 0 ? per : now->period,
  };
}

/* runc 1.1's update skips device rules and never touches the OOM killer;
 * crun 1.8 applies both from the body: {"devices": [{"allow": true}]}
 * would open every host device to the container.  Device rules are judged
 * as at create (hr_update_devices_apply): containerd's CRI plugin sends
 * the container's own, with the rest of its resources, on every
 * UpdateContainerResources (the kubelet's CPU manager, a pod resize).
 * Turning the OOM killer off has no place in an update. */
static int crun_only(const struct hr_json *res, const char *profile, struct hr_error *err)
{
  const struct hr_json *oom = hr_json_get(hr_json_get(res, "memory"), "disableOOMKiller");

  if (oom != NULL && oom->type == HR_JSON_BOOL && oom->u.boolean)
    return hr_error_set(err, HR_ERR_REFUSED, 0,
                        "profile \"%s\": rule \"oom\": linux.resources.memory.disableOOMKiller: "
                        "update does not turn the OOM killer off (runc ignores it, crun applies "
                        "it)",
                        profile);
  return 0;
}

/* Clamp the wrapped body in `doc`: {"linux": {"resources": R}}. */
static int clamp_resources(struct hr_json_doc *doc, const struct hr_policy *policy,
                           const struct hr_state_cpu *now, struct hr_changes *changes,
                           struct hr_state_cpu *ret_cpu, struct hr_error *err)
{
  const struct hr_apply_ctx mode = {.overrides_only = true};
  struct hr_json *res = hr_json_get_path(hr_json_doc_root(doc), "linux.resources");
  struct hr_apply_ctx ctx = {
      .doc = doc,
      .spec = hr_json_doc_root(doc),
      .policy = policy,
      .changes = changes,
      .overrides_only = true,
  };
  size_t first = changes != NULL ? changes->len : 0;

  *ret_cpu = (struct hr_state_cpu){0};
  if (res == NULL || res->type != HR_JSON_OBJECT)
    return hr_error_input(err, "resources: expected an object");
  /* Before anything reads the body: with two keys runc folds into one
   * field, the CPU pair could be read from the one runc ignores. */
  if (hr_json_check_go_keys(doc, hr_spec_map_paths, &hr_spec_fields, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-keys\"", policy->name);
  if (crun_only(res, policy->name, err) < 0 || hr_update_devices_apply(&ctx, err) < 0) {
    hr_changes_truncate(changes, first);
    return -1;
  }
  if (fill_cpu_pair(&ctx, res, now, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"cpu-limit\"", policy->name);
  if (hr_policy_apply_scope(policy, &mode, HR_SCOPE_RESOURCES, doc, changes, err) < 0) {
    hr_changes_truncate(changes, first);
    return -1;
  }
  cpu_after(res, now, ret_cpu);
  return 0;
}

int hr_update_harden_buffer(const char *buf, size_t len, const char *name,
                            const struct hr_policy *policy, const struct hr_state_cpu *now,
                            struct hr_changes *changes, char **ret_out, size_t *ret_out_len,
                            struct hr_state_cpu *ret_cpu, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  *ret_out = NULL;
  *ret_out_len = 0;
  *ret_cpu = (struct hr_state_cpu){0};
  if (hr_wrap_parse(&resources_wrap, buf, len, name, policy->name, &doc, err) < 0)
    return -1;
  if (clamp_resources(doc, policy, now, changes, ret_cpu, err) < 0)
    return -1;
  if (!hr_json_doc_root(doc)->dirty)
    return 0;
  return hr_wrap_serialize(&resources_wrap, doc, buf, len, ret_out, ret_out_len, err);
}

int hr_update_cpu_from_spec(const char *buf, size_t len, struct hr_state_cpu *ret,
                            struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {
      .max_size = HR_SPEC_MAX_SIZE,
      .max_depth = HR_SPEC_MAX_DEPTH,
      .name = "config.json",
  };
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  const struct hr_json *cpu;

  *ret = (struct hr_state_cpu){0};
  if (hr_json_parse(buf, len, &opts, &doc, err) < 0)
    return -1;
  cpu = hr_json_get_path(hr_json_doc_root(doc), "linux.resources.cpu");
  ret->quota = body_quota(cpu);
  ret->period = body_period(cpu);
  ret->known = ret->quota != 0 && ret->period != 0;
  return 0;
}

/* ---- the flags ---------------------------------------------------------------- */

/* strconv.ParseUint(v, 10, 64): decimal digits only, leading zeros too. */
static int go_parse_u64(const char *s, uint64_t *ret)
{
  uint64_t v = 0;

  if (*s == '\0')
    return -1;
  for (; *s != '\0'; s++) {
    unsigned d = (unsigned)(*s - '0');
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *ret = v;
  return 0;
}

/* A memory size as runc's --memory reads it: "-1", or a number with an
 * optional unit (go-units RAMInBytes: binary units k m g t p, optionally
 * followed by "b" or "ib", or just "b"; one space may come before it).
 * RAMInBytes goes through a float64; hardrun computes exactly (a fraction
 * is truncated, as Go's int64() does) and always passes its own decimal
 * bytes on, so runc never parses a value hardrun has not. */
static int parse_ram(const char *s, int64_t *ret)
{
  static const char units[] = "kmgtp";
  size_t n = strlen(s), i = 0, frac_digits = 0;
  unsigned __int128 whole = 0, frac = 0, scale = 1, mult = 1;
  const char *u;

  if (strcmp(s, "-1") == 0) {
    *ret = -1;
    return 0;
  }
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    whole = whole * 10 + (unsigned)(s[i] - '0');
    if (whole > INT64_MAX)
      return -1;
  }
  if (i == 0)
    return -1;
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++)
      if (frac_digits < 18) {
        frac = frac * 10 + (unsigned)(s[i] - '0');
        scale *= 10;
      }
    if (frac_digits == 0)
      return -1;
  }
  if (i < n && s[i] == ' ')
    i++;
  if (i < n && (u = strchr(units, s[i] | 0x20)) != NULL && s[i] != '\0') {
    for (long k = 0; k <= u - units; k++)
      mult *= 1024;
    i++;
    if (i < n && (s[i] | 0x20) == 'i')
      i++;
    if (i < n && (s[i] | 0x20) == 'b')
      i++;
    /* "ki" without "b" is not a unit */
    if ((s[i - 1] | 0x20) == 'i')
      return -1;
  } else if (i < n && (s[i] | 0x20) == 'b') {
    i++;
  }
  if (i != n)
    return -1;
  unsigned __int128 v = whole * mult + frac * mult / scale;
  if (v > INT64_MAX)
    return -1;
  *ret = (int64_t)v;
  return 0;
}

enum flag_kind { FK_GO_INT, FK_I64, FK_U64, FK_RAM };

/* The limit flags hardrun governs and where each lands in the body. */
static const struct limit_flag {
  const char *flag, *obj, *field;
  enum flag_kind kind;
} limit_flags[] = {
    {"pids-limit", "pids", "limit", FK_GO_INT}, {"memory", "memory", "limit", FK_RAM},
    {"memory-swap", "memory", "swap", FK_RAM},  {"cpu-quota", "cpu", "quota", FK_I64},
    {"cpu-period", "cpu", "period", FK_U64},    {"cpu-share", "cpu", "shares", FK_U64},
};

static int flag_number(const struct limit_flag *lf, const char *v, struct hr_json_doc *doc,
                       struct hr_json **ret, struct hr_error *err)
{
  int64_t i = 0;
  uint64_t u = 0;
  int r;

  switch (lf->kind) {
  case FK_GO_INT:
    r = hr_go_parse_int(v, true, &i);
    break;
  case FK_I64:
    r = hr_go_parse_int(v, false, &i);
    break;
  case FK_RAM:
    r = parse_ram(v, &i);
    break;
  default:
    r = go_parse_u64(v, &u);
    break;
  }
  if (r < 0)
    return hr_error_input(err, "update --%s: invalid value \"%.64s\"", lf->flag, v);
  *ret = lf->kind == FK_U64 ? hr_json_new_u64(doc, u, err) : hr_json_new_i64(doc, i, err);
  return *ret != NULL ? 0 : -1;
}

/* The numeric flags hardrun passes on as given.  runc parses each itself;
 * crun 1.8 pastes every occurrence into the JSON it builds, unparsed, so
 * "--memory-reservation=1},\"devices\":[...]" would add fields of its own.
 * Each must read as runc reads it ("" is skipped by runc, and is not JSON
 * for crun). */
static const struct limit_flag pass_flags[] = {
    {"blkio-weight", NULL, NULL, FK_GO_INT},   {"cpu-rt-period", NULL, NULL, FK_U64},
    {"cpu-rt-runtime", NULL, NULL, FK_I64},    {"kernel-memory", NULL, NULL, FK_RAM},
    {"kernel-memory-tcp", NULL, NULL, FK_RAM}, {"memory-reservation", NULL, NULL, FK_RAM},
};

static int check_pass_flags(const struct hr_argv *a, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = hr_jb_new(err);
  struct hr_json *num;

  if (doc == NULL)
    return -1;
  for (size_t i = 0; i < a->n_flags; i++)
    for (size_t k = 0; k < HR_ARRAY_SIZE(pass_flags); k++) {
      const char *v = a->flags[i].value;
      if (strcmp(a->flags[i].name, pass_flags[k].flag) != 0 || v == NULL || v[0] == '\0')
        continue;
      if (flag_number(&pass_flags[k], v, doc, &num, err) < 0)
        return -1;
    }
  return 0;
}

/* The value runc reads for a limit flag: the last one, unless empty
 * (runc skips ""; --pids-limit cannot be empty, its int parse refuses it). */
static const char *flag_value(const struct hr_argv *a, const char *name)
{
  const struct hr_argv_flag *f = hr_argv_last_flag(a, name);

  return f != NULL && f->value != NULL && f->value[0] != '\0' ? f->value : NULL;
}

/* The limit flags as a wrapped body, {"linux":{"resources":{...}}}. */
static int flags_body(const struct hr_argv *a, struct hr_json_doc **ret, struct hr_error *err)
{
  const struct hr_json_parse_opts opts = {.name = "update flags"};
  cleanup_json_doc struct hr_json_doc *doc = NULL;
  struct hr_json *res;
  static const char text[] = "{\"linux\":{\"resources\":{}}}";

  if (hr_json_parse(text, sizeof(text) - 1, &opts, &doc, err) < 0)
    return -1;
  res = hr_json_get_path(hr_json_doc_root(doc), "linux.resources");
  for (size_t i = 0; i < HR_ARRAY_SIZE(limit_flags); i++) {
    const char *v = flag_value(a, limit_flags[i].flag);
    struct hr_json *obj, *num = NULL;
    if (v == NULL)
      continue;
    obj = hr_json_get_or_add_object(doc, res, limit_flags[i].obj, limit_flags[i].obj, err);
    if (obj == NULL || flag_number(&limit_flags[i], v, doc, &num, err) < 0 ||
        hr_json_set(doc, obj, limit_flags[i].field, num, err) < 0)
      return -1;
  }
  *ret = get_and_reset(&doc);
  return 0;
}

/* Every limit flag, given or added, rewritten as "--flag=N" in exact
 * decimal (see parse_ram). */
static int flags_from_body(struct hr_argv *a, const struct hr_json *res, struct hr_error *err)
{
  const char *remove[HR_ARRAY_SIZE(limit_flags) + 1] = {NULL};
  struct hr_argv_set add[HR_ARRAY_SIZE(limit_flags)];
  size_t n = 0;

  for (size_t i = 0; i < HR_ARRAY_SIZE(limit_flags); i++) {
    const struct hr_json *v =
        hr_json_get(hr_json_get(res, limit_flags[i].obj), limit_flags[i].field);
    remove[i] = limit_flags[i].flag;
    if (v != NULL && v->type == HR_JSON_NUMBER)
      add[n++] = (struct hr_argv_set){limit_flags[i].flag, v->u.number.text};
  }
  return hr_argv_set_flags(a, remove, add, n, err);
}

int hr_update_harden_flags(struct hr_argv *a, const struct hr_policy *policy,
                           const struct hr_state_cpu *now, struct hr_changes *changes,
                           struct hr_state_cpu *ret_cpu, struct hr_error *err)
{
  cleanup_json_doc struct hr_json_doc *doc = NULL;

  *ret_cpu = (struct hr_state_cpu){0};
  if (check_pass_flags(a, err) < 0 || flags_body(a, &doc, err) < 0 ||
      clamp_resources(doc, policy, now, changes, ret_cpu, err) < 0)
    return -1;
  return flags_from_body(a, hr_json_get_path(hr_json_doc_root(doc), "linux.resources"), err);
}

/* ---- handing the body to runc ---------------------------------------------------- */

/* Read all of `fd` (a pipe, usually), refusing more than `max` bytes. */
static int read_fd_bounded(int fd, const char *name, size_t max, char **ret, size_t *ret_len,
                           struct hr_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0;

  for (;;) {
    ssize_t n;
    if (len == cap) {
      size_t ncap = cap ? cap * 2 : 4096;
      char *nb;
      if (cap > max)
        break;
      nb = realloc(buf, ncap + 1);
      if (nb == NULL)
        return hr_error_oom(err);
      buf = nb;
      cap = ncap;
    }
    n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return hr_error_sys(err, "read %s", name);
    if (n == 0)
      break;
    len += (size_t)n;
  }
  if (len > max)
    return hr_error_input(err, "%s: larger than the limit of %zu bytes", name, max);
  buf[len] = '\0';
  *ret = get_and_reset(&buf);
  *ret_len = len;
  return 0;
}

/* A sealed memfd holding `buf`, at offset 0: runc reads it as its stdin
 * after the exec, and nobody can change it in between. */
static int body_memfd(const char *buf, size_t len, struct hr_error *err)
{
  cleanup_close int fd = memfd_create("hardrun-resources", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (fd < 0)
    return hr_error_sys(err, "memfd_create");
  if (hr_write_all(fd, buf, len, err) < 0)
    return hr_error_prefix(err, "write the resources for runc");
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    return hr_error_sys(err, "seal the resources for runc");
  if (lseek(fd, 0, SEEK_SET) < 0)
    return hr_error_sys(err, "rewind the resources for runc");
  int ret = fd;
  fd = -1;
  return ret;
}

static int read_body(const char *src, char **ret, size_t *ret_len, struct hr_error *err)
{
  if (strcmp(src, "-") == 0)
    return read_fd_bounded(STDIN_FILENO, "--resources - (stdin)", HR_UPDATE_MAX_SIZE, ret, ret_len,
                           err);
  /* runc's os.Open follows symlinks; hardrun reads the file once and runc
   * never sees it, so following them costs nothing. */
  if (hr_read_file(src, HR_UPDATE_MAX_SIZE, ret, ret_len, err) < 0)
    return hr_error_prefix(err, "--resources");
  return 0;
}

int hr_update_harden(struct hr_argv *a, const struct hr_policy *policy,
                     const struct hr_state_cpu *now, struct hr_changes *changes,
                     struct hr_state_cpu *ret_cpu, int *ret_stdin_fd, struct hr_error *err)
{
  static const char *const resources[] = {"resources", NULL};
  static const struct hr_argv_set dash = {"resources", "-"};
  const char *src = flag_value(a, "resources");
  cleanup_free char *buf = NULL, *out = NULL;
  size_t len, out_len;
  int fd;

  *ret_stdin_fd = -1;
  if (src == NULL)
    return hr_update_harden_flags(a, policy, now, changes, ret_cpu, err);
  if (check_pass_flags(a, err) < 0)
    return -1;
  if (read_body(src, &buf, &len, err) < 0 ||
      hr_update_harden_buffer(buf, len, strcmp(src, "-") == 0 ? "stdin" : src, policy, now, changes,
                              &out, &out_len, ret_cpu, err) < 0)
    return -1;
  fd = out != NULL ? body_memfd(out, out_len, err) : body_memfd(buf, len, err);
  if (fd < 0)
    return -1;
  if (hr_argv_set_flags(a, resources, &dash, 1, err) < 0) {
    close(fd);
    return -1;
  }
  *ret_stdin_fd = fd;
  return 0;
}
