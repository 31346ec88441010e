/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control table, the change log shared by every control, and the one
 * control small enough to live here (no-new-privileges). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hardrun/controls.h"
#include "hardrun/explain.h"
#include "hardrun/lsm.h"
#include "hardrun/refusals.h"
#include "hardrun/utils.h"

/* Audit lines stay readable and bounded however large a spec value is. */
#define HR_CHANGE_RENDER_MAX 256

/* Order matters only for readability of the audit record: refusals that
 * need no rewrite come first, then the rewrites, then the findings and the
 * kernel-facing profiles.  Nothing is written until every row passed. */
const struct hr_control hr_controls[] = {
    {
        .name = "privileged",
        .profile_key = "privileged",
        .spec_path = "linux.maskedPaths",
        .parse = hr_privileged_parse,
        .enabled = hr_privileged_enabled,
        .apply = hr_privileged_apply,
        .release = hr_privileged_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "host-namespaces",
        .profile_key = "hostNamespaces",
        .spec_path = "linux.namespaces",
        .parse = hr_hostns_parse,
        .enabled = hr_hostns_enabled,
        .apply = hr_hostns_apply,
        .release = hr_hostns_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "host-mounts",
        .profile_key = "hostMounts",
        .spec_path = "mounts",
        .parse = hr_hostmounts_parse,
        .enabled = hr_hostmounts_enabled,
        .apply = hr_hostmounts_apply,
        .release = hr_hostmounts_release,
        .test = "tests/unit/test-hostmounts.c",
    },
    {
        .name = "host-devices",
        .profile_key = "hostDevices",
        .spec_path = "linux.devices",
        .parse = hr_hostdevices_parse,
        .enabled = hr_hostdevices_enabled,
        .apply = hr_hostdevices_apply,
        .release = hr_hostdevices_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "sysctls",
        .profile_key = "sysctls",
        .spec_path = "linux.sysctl",
        .parse = hr_sysctls_parse,
        .enabled = hr_sysctls_enabled,
        .apply = hr_sysctls_apply,
        .release = hr_sysctls_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "hooks",
        .profile_key = "hooks",
        .spec_path = "hooks",
        .parse = hr_hooks_parse,
        .enabled = hr_hooks_enabled,
        .apply = hr_hooks_apply,
        .release = hr_hooks_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "runtime-annotations",
        .profile_key = "runtimeAnnotations",
        .spec_path = "annotations",
        .parse = hr_annotations_parse,
        .enabled = hr_annotations_enabled,
        .apply = hr_annotations_apply,
        .release = hr_annotations_release,
        .test = "tests/unit/test-images.c",
    },
    {
        .name = "images",
        .profile_key = "images",
        .spec_path = "annotations",
        .parse = hr_images_parse,
        .enabled = hr_images_enabled,
        .apply = hr_images_apply,
        .release = hr_images_release,
        .test = "tests/unit/test-images.c",
    },
    {
        .name = "readonly-rootfs",
        .profile_key = "readonlyRootfs",
        .spec_path = "root.readonly",
        .parse = hr_rootfs_parse,
        .enabled = hr_rootfs_enabled,
        .apply = hr_rootfs_apply,
        .test = "tests/unit/test-mounts.c",
    },
    {
        .name = "no-new-privileges",
        .profile_key = "noNewPrivileges",
        .spec_path = "process.noNewPrivileges",
        .parse = hr_nnp_parse,
        .enabled = hr_nnp_enabled,
        .apply = hr_nnp_apply,
        .test = "tests/unit/test-policy.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        .name = "capabilities",
        .profile_key = "capabilities",
        .spec_path = "process.capabilities",
        .parse = hr_caps_parse,
        .enabled = hr_caps_enabled,
        .apply = hr_caps_apply,
        .test = "tests/unit/test-caps.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        .name = "user",
        .profile_key = "user",
        .spec_path = "process.user.uid",
        .parse = hr_user_parse,
        .enabled = hr_user_enabled,
        .apply = hr_user_apply,
        .release = hr_user_release,
        .test = "tests/unit/test-exec.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        .name = "pids-limit",
        .profile_key = "pids",
        .spec_path = "linux.resources.pids",
        .parse = hr_pids_parse,
        .enabled = hr_pids_enabled,
        .apply = hr_pids_apply,
        .test = "tests/unit/test-limits.c",
        .scope = HR_SCOPE_RESOURCES,
    },
    {
        .name = "memory-limit",
        .profile_key = "memory",
        .spec_path = "linux.resources.memory",
        .parse = hr_memory_parse,
        .enabled = hr_memory_enabled,
        .apply = hr_memory_apply,
        .test = "tests/unit/test-limits.c",
        .scope = HR_SCOPE_RESOURCES,
    },
    {
        .name = "cpu-limit",
        .profile_key = "cpu",
        .spec_path = "linux.resources.cpu",
        .parse = hr_cpu_parse,
        .enabled = hr_cpu_enabled,
        .apply = hr_cpu_apply,
        .test = "tests/unit/test-limits.c",
        .scope = HR_SCOPE_RESOURCES,
    },
    {
        .name = "mount-propagation",
        .profile_key = "mountPropagation",
        .spec_path = "linux.rootfsPropagation",
        .parse = hr_propagation_parse,
        .enabled = hr_propagation_enabled,
        .apply = hr_propagation_apply,
        .test = "tests/unit/test-mounts.c",
    },
    {
        .name = "rlimits",
        .profile_key = "rlimits",
        .spec_path = "process.rlimits",
        .parse = hr_rlimits_parse,
        .enabled = hr_rlimits_enabled,
        .apply = hr_rlimits_apply,
        .release = hr_rlimits_release,
        .test = "tests/unit/test-refusals.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        .name = "oom",
        .profile_key = "oom",
        .spec_path = "linux.resources.memory.disableOOMKiller",
        .parse = hr_oom_parse,
        .enabled = hr_oom_enabled,
        .apply = hr_oom_apply,
        .release = hr_oom_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "secret-env",
        .profile_key = "secretEnv",
        .spec_path = "process.env",
        .parse = hr_secretenv_parse,
        .enabled = hr_secretenv_enabled,
        .apply = hr_secretenv_apply,
        .release = hr_secretenv_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "sshd",
        .profile_key = "sshd",
        .spec_path = "process.args",
        .parse = hr_sshd_parse,
        .enabled = hr_sshd_enabled,
        .apply = hr_sshd_apply,
        .release = hr_sshd_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "checkpoint-restore",
        .profile_key = "checkpointRestore",
        .spec_path = "process",
        .parse = hr_restore_parse,
        .enabled = hr_restore_enabled,
        .apply = hr_restore_apply,
        .release = hr_restore_release,
        .test = "tests/unit/test-refusals.c",
    },
    {
        .name = "seccomp",
        .profile_key = "seccomp",
        .spec_path = "linux.seccomp",
        .parse = hr_seccomp_parse,
        .enabled = hr_seccomp_enabled,
        .apply = hr_seccomp_apply,
        .release = hr_seccomp_release,
        .test = "tests/unit/test-seccomp.c",
    },
    {
        .name = "apparmor",
        .profile_key = "apparmor",
        .spec_path = "process.apparmorProfile",
        .parse = hr_apparmor_parse,
        .enabled = hr_apparmor_enabled,
        .apply = hr_apparmor_apply,
        .release = hr_apparmor_release,
        .test = "tests/unit/test-lsm.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        .name = "selinux",
        .profile_key = "selinux",
        .spec_path = "process.selinuxLabel",
        .parse = hr_selinux_parse,
        .enabled = hr_selinux_enabled,
        .apply = hr_selinux_apply,
        .release = hr_selinux_release,
        .test = "tests/unit/test-lsm.c",
        .scope = HR_SCOPE_PROCESS,
    },
    {
        /* Last: it is the one row that changes the host (it takes a slice
         * of ids and may extend ACLs), so every refusal comes first. */
        .name = "user-namespace",
        .profile_key = "userNamespace",
        .spec_path = "linux.uidMappings",
        .parse = hr_userns_parse,
        .enabled = hr_userns_enabled,
        .apply = hr_userns_apply,
        .release = hr_userns_release,
        .test = "tests/unit/test-userns.c",
    },
};

const size_t hr_n_controls = HR_ARRAY_SIZE(hr_controls);

/* Every config.json object that runtime-spec's specs-go/config.go declares as
 * a Go map (or interface{}, which decodes objects into maps): their keys are
 * data, matched exactly, not struct fields matched case-insensitively. */
const char *const hr_spec_map_paths[] = {
    "annotations",      "linux.sysctl",      "linux.resources.unified", "linux.resources.rdma",
    "linux.netDevices", "linux.timeOffsets", "windows.credentialSpec",  NULL,
};

/* ---- the change log ------------------------------------------------------ */

void hr_changes_free(struct hr_changes *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->len; i++) {
    free(c->items[i].path);
    free(c->items[i].old_value);
    free(c->items[i].new_value);
  }
  free(c->items);
  c->items = NULL;
  c->len = c->cap = 0;
}

/* Drop the entries recorded after `len`: a failed apply must not leave the
 * audit record claiming changes that were never written. */
void hr_changes_truncate(struct hr_changes *c, size_t len)
{
  while (c != NULL && c->len > len) {
    struct hr_change *ch = &c->items[--c->len];
    free(ch->path);
    free(ch->old_value);
    free(ch->new_value);
  }
}

/* Takes ownership of the three strings, also on failure. */
static int changes_push(struct hr_changes *c, const char *rule, char *path, char *old_value,
                        char *new_value, struct hr_error *err)
{
  cleanup_free char *p = path, *o = old_value, *n = new_value;

  if (p == NULL || o == NULL || n == NULL)
    return hr_error_oom(err);
  if (c->len == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    struct hr_change *items = reallocarray(c->items, cap, sizeof(*items));
    if (items == NULL)
      return hr_error_oom(err);
    c->items = items;
    c->cap = cap;
  }
  c->items[c->len++] = (struct hr_change){
      .rule = rule,
      .path = get_and_reset(&p),
      .old_value = get_and_reset(&o),
      .new_value = get_and_reset(&n),
  };
  return 0;
}

int hr_changes_add_text(struct hr_changes *c, const char *rule, const char *path,
                        const char *old_value, const char *new_value, struct hr_error *err)
{
  if (c == NULL)
    return 0;
  return changes_push(c, rule, strdup(path), strdup(old_value ? old_value : "(absent)"),
                      strdup(new_value ? new_value : "(absent)"), err);
}

int hr_changes_add(struct hr_changes *c, const char *rule, const char *path,
                   const struct hr_json *old_value, const struct hr_json *new_value,
                   struct hr_error *err)
{
  if (c == NULL)
    return 0;
  return changes_push(c, rule, strdup(path), hr_json_render(old_value, HR_CHANGE_RENDER_MAX),
                      hr_json_render(new_value, HR_CHANGE_RENDER_MAX), err);
}

int hr_apply_set(struct hr_apply_ctx *ctx, struct hr_json *obj, const char *field, const char *path,
                 struct hr_json *value, struct hr_error *err)
{
  struct hr_json *old = hr_json_get(obj, field);

  /* Leaving an equal value alone keeps the document unedited, so a spec
   * that already complies is not rewritten at all. */
  if (old != NULL && hr_json_equal(old, value))
    return 0;
  if (hr_changes_add(ctx->changes, ctx->rule, path, old, value, err) < 0)
    return -1;
  return hr_json_set(ctx->doc, obj, field, value, err);
}

/* ---- no-new-privileges ----------------------------------------------------- */

int hr_nnp_parse(const struct hr_json_doc *profile, const struct hr_json *section,
                 struct hr_policy *p, struct hr_error *err)
{
  /* Only a boolean: the control has nothing to configure, so an object
   * could only hide a typo. */
  return hr_profile_get_bool(profile, section, &p->no_new_privileges, err);
}

bool hr_nnp_enabled(const struct hr_policy *p)
{
  return p->no_new_privileges;
}

int hr_nnp_apply(struct hr_apply_ctx *ctx, struct hr_error *err)
{
  struct hr_json *process = hr_json_get(ctx->spec, "process");
  struct hr_json *yes;

  if (hr_json_is_null(process))
    return hr_error_input(err, "process: missing");
  if (process->type != HR_JSON_OBJECT)
    return hr_error_input(err, "process: expected an object");
  yes = hr_json_new_bool(ctx->doc, true, err);
  if (yes == NULL)
    return -1;
  return hr_apply_set(ctx, process, "noNewPrivileges", "process.noNewPrivileges", yes, err);
}

/* ---- refusals of policy explain ------------------------------------------------ */

void hr_refusal_list_free(struct hr_refusal_list *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->len; i++) {
    free(l->items[i].message);
    free(l->items[i].full);
  }
  free(l->items);
  *l = (struct hr_refusal_list){0};
}

/* `message` is "json.path: problem"; the full form is the error create
 * would report, with the same prefix as apply_controls gives it. */
static int refusal_push(struct hr_apply_ctx *ctx, const char *message, struct hr_error *err)
{
  struct hr_refusal_list *l = ctx->refusals;
  cleanup_free char *msg = hr_strdup(message, err), *full = NULL;

  if (msg == NULL ||
      hr_asprintf(&full, err, "profile \"%s\": rule \"%s\": %s",
                  ctx->policy->name ? ctx->policy->name : "(unnamed)", ctx->rule, message) < 0)
    return -1;
  if (l->len == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    struct hr_refusal *items = reallocarray(l->items, cap, sizeof(*items));
    if (items == NULL)
      return hr_error_oom(err);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->len++] = (struct hr_refusal){
      .rule = ctx->rule,
      .message = get_and_reset(&msg),
      .full = get_and_reset(&full),
  };
  *err = (struct hr_error){0};
  return 0;
}

int hr_apply_breach_refuse(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                           const char *msg)
{
  /* A profile that does not enforce turns the refusal into a finding in
   * the driver, after the control stopped: explain must stop it too. */
  if (hr_apply_refuse(ctx, path, err, "%s", msg) < 0 &&
      (ctx->refusals == NULL || !ctx->policy->enforce))
    return -1;
  return refusal_push(ctx, err->msg, err);
}

/* ---- applying the table ---------------------------------------------------- */

/* The one driver behind create (every control, scope 0), exec (process
 * scope) and update (resources scope).  `mode` carries the apply options
 * (overrides_only, process_file). */
static int run_controls(const struct hr_policy *p, const struct hr_apply_ctx *mode, unsigned scope,
                        struct hr_json_doc *doc, struct hr_changes *changes, struct hr_error *err)
{
  struct hr_json *spec = hr_json_doc_root(doc);
  const char *name = p->name ? p->name : "(unnamed)";
  size_t first = changes ? changes->len : 0;
  struct hr_apply_ctx ctx = {
      .doc = doc,
      .spec = spec,
      .policy = p,
      .changes = changes,
      .overrides_only = mode->overrides_only,
      .process_file = mode->process_file,
      .refusals = mode->refusals,
      /* Bound by main before any apply, for the MCS state and the hooks. */
      .container_id = hr_lsm_container(),
  };

  /* Checked here rather than by the callers so that no path into the
   * controls can skip it: with two keys runc would fold into one field, a
   * control could enforce on the key runc ignores. */
  if (spec == NULL || spec->type != HR_JSON_OBJECT) {
    hr_error_input(err, "expected a JSON object");
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-keys\"", name);
  }
  if (hr_json_check_go_keys(doc, hr_spec_map_paths, &hr_spec_fields, err) < 0)
    return hr_error_prefix(err, "profile \"%s\": rule \"spec-keys\"", name);

  for (size_t i = 0; i < hr_n_controls; i++) {
    const struct hr_control *c = &hr_controls[i];
    size_t before = changes ? changes->len : 0;
    if ((scope != 0 && (c->scope & scope) == 0) || !c->enabled(p))
      continue;
    ctx.rule = c->name;
    if (c->apply(&ctx, err) == 0)
      continue;
    /* A profile that does not enforce reports what would be refused and
     * goes on, so its record shows every rule the container breaks. */
    if (!p->enforce && err->kind == HR_ERR_REFUSED) {
      struct hr_error refusal = *err;
      *err = (struct hr_error){0};
      if (hr_apply_audit(&ctx, c->spec_path, err, "would refuse: %s", refusal.msg) == 0)
        continue;
    }
    /* A control that stopped on a refusal of its own: explain records it
     * and moves on to the next control, dropping what this one had begun
     * (create would have kept none of it). */
    if (ctx.refusals != NULL && err->kind == HR_ERR_REFUSED) {
      hr_changes_truncate(changes, before);
      if (refusal_push(&ctx, err->msg, err) < 0)
        return -1;
      continue;
    }
    hr_changes_truncate(changes, first);
    return hr_error_prefix(err, "profile \"%s\": rule \"%s\"", name, c->name);
  }
  return 0;
}

/* Host paths are looked up once per apply (see resolve.c). */
static int apply_controls(const struct hr_policy *p, const struct hr_apply_ctx *mode,
                          unsigned scope, struct hr_json_doc *doc, struct hr_changes *changes,
                          struct hr_error *err)
{
  int r;

  hr_host_resolve_begin();
  r = run_controls(p, mode, scope, doc, changes, err);
  hr_host_resolve_end();
  return r;
}

int hr_policy_apply(const struct hr_policy *p, struct hr_json_doc *doc, struct hr_changes *changes,
                    struct hr_error *err)
{
  const struct hr_apply_ctx mode = {0};
  return apply_controls(p, &mode, 0, doc, changes, err);
}

int hr_policy_explain(const struct hr_policy *p, struct hr_json_doc *doc,
                      struct hr_changes *changes, struct hr_refusal_list *refusals,
                      struct hr_error *err)
{
  const struct hr_apply_ctx mode = {.refusals = refusals};
  return apply_controls(p, &mode, 0, doc, changes, err);
}

int hr_policy_apply_scope(const struct hr_policy *p, const struct hr_apply_ctx *mode,
                          unsigned scope, struct hr_json_doc *doc, struct hr_changes *changes,
                          struct hr_error *err)
{
  return apply_controls(p, mode, scope, doc, changes, err);
}

int hr_apply_audit(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                   const char *fmt, ...)
{
  cleanup_free char *finding = NULL;
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vasprintf(&finding, fmt, ap);
  va_end(ap);
  if (n < 0) {
    finding = NULL;
    return hr_error_oom(err);
  }
  if (ctx->changes == NULL)
    return 0;
  if (changes_push(ctx->changes, ctx->rule, strdup(path), get_and_reset(&finding), strdup(""),
                   err) < 0)
    return -1;
  ctx->changes->items[ctx->changes->len - 1].audit_only = true;
  return 0;
}

int hr_apply_refuse(struct hr_apply_ctx *ctx, const char *path, struct hr_error *err,
                    const char *fmt, ...)
{
  char msg[HR_ERROR_MSG_MAX];
  va_list ap;

  va_start(ap, fmt);
  if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
    msg[0] = '\0';
  va_end(ap);
  return hr_error_set(err, HR_ERR_REFUSED, 0, "%s: %s", path, msg);
}
