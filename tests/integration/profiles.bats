#!/usr/bin/env bats
# The shipped profiles other than default (strict, baseline, audit) and
# "extends", seen from inside containers that the real runc started
# through hardrun.  Bundles start out the way docker writes them (writable
# rootfs, no no_new_privs, every capability this host grants).

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
}

teardown() {
  hr_teardown
}

STATUS='grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
echo uid=$(id -u)'

field() { awk -v k="$1:" '$1 == k {print $2}' <<<"$output"; }

# run_profile PROFILE NAME [JQ-EDIT...]: a docker-like bundle running
# $STATUS under PROFILE.
run_profile() {
  local profile=$1 name=$2
  shift 2
  hr_bundle_docker_like "$name" /bin/sh -c "$STATUS"
  [ $# -eq 0 ] || hr_spec_edit "$HR_BUNDLE" "$@"
  HR_RT_OPTS=(--hardrun-profile="$profile")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
}

@test "strict: uid 0 is refused, naming the rule and the field" {
  run_profile strict root
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("profile \"strict\": rule \"user\": process.user.uid")'
}

@test "strict: a non-root container keeps only NET_BIND_SERVICE, no_new_privs, a seccomp filter, read-only /" {
  run_profile strict nonroot '.process.user = {uid: 1000, gid: 1000}'
  hr_assert_eq "$status" 0
  # a non-root process has no effective capabilities; the bounding set is
  # what it could ever get
  hr_assert_eq "$(field CapBnd)" "$(hr_cap_mask NET_BIND_SERVICE)" CapBnd
  hr_assert_eq "$(field NoNewPrivs)" 1
  hr_assert_eq "$(field Seccomp)" 2
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly
  hr_assert_eq "$(sed -n 's/^uid=//p' <<<"$output")" 1000
}

@test "strict: a filter the spec brings is replaced by hardrun's" {
  # a filter that lets everything but one call through: "fill" keeps it,
  # strict's "replace" does not
  run_profile strict weakfilter '.process.user = {uid: 1000, gid: 1000}
    | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                        syscalls: [{names: ["acct"], action: "SCMP_ACT_ERRNO"}]}'
  hr_assert_eq "$status" 0
  jq -e '.linux.seccomp.defaultAction != "SCMP_ACT_ALLOW"' "$HR_BUNDLE/config.json"
  grep -q '"rule":"seccomp","path":"linux.seccomp"' "$HR_AUDIT"
}

@test "baseline: writable root, no forced no_new_privs, Docker's capabilities without NET_RAW" {
  run_profile baseline base
  hr_assert_eq "$status" 0
  hr_assert_eq "$(field CapEff)" "$(hr_cap_mask AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL \
    MKNOD NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT)" CapEff
  hr_assert_eq "$(field NoNewPrivs)" 0
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" writable
}

@test "baseline: the default profile's refusals stay (privileged device rule)" {
  run_profile baseline priv '.linux.resources.devices = [{allow: true, access: "rwm"}]'
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("profile \"baseline\": rule \"privileged\"")'
}

@test "audit: config.json is left byte for byte, and the record says what default would do" {
  hr_bundle_docker_like aud /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.linux.resources.devices = [{allow: true, access: "rwm"}]'
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  HR_RT_OPTS=(--hardrun-profile=audit)
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" config.json
  # the container ran with what the spec asked for
  hr_assert_eq "$(field NoNewPrivs)" 0
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" writable
  local rec
  rec=$(tail -n 1 "$HR_AUDIT")
  jq -e '.profile == "audit" and .verdict == "allowed"' <<<"$rec"
  jq -e '[.changes[] | select(.rule == "privileged" and (.finding | startswith("would refuse:")))] | length == 1' <<<"$rec"
  jq -e '[.changes[] | select(.path == "process.noNewPrivileges")] | length == 1' <<<"$rec"
  jq -e '[.changes[] | select(.rule == "readonly-rootfs")] | length > 0' <<<"$rec"
}

@test "extends: an admin's default.json extending the shipped default changes one section" {
  # profileDirs: the test's own directory first, then the shipped profiles
  cat >"$HR_TMP/profiles/default.json" <<'JSON'
{"extends": "default", "pids": {"default": 77, "ceiling": 100}}
JSON
  hr_bundle_docker_like ext /bin/sh -c 'cat /sys/fs/cgroup/pids/pids.max; grep NoNewPrivs /proc/self/status'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 1p <<<"$output")" 77 pids.max
  hr_assert_eq "$(awk '/NoNewPrivs/ {print $2}' <<<"$output")" 1 "inherited no_new_privs"
}

# sel_conf: hardrun.conf with profileRules (the test's conf plus rules).
sel_conf() {
  jq '. + {profileRules: [
        {match: {"io.kubernetes.pod.namespace": "kube-system"}, profile: "baseline"},
        {profile: "default", allow: ["strict"]}]}' "$HR_CONF" >"$HR_CONF.new"
  mv "$HR_CONF.new" "$HR_CONF"
}

@test "selection: a profileRules rule picks the profile by annotation, and the record names it" {
  sel_conf
  hr_bundle_docker_like ks /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["io.kubernetes.pod.namespace"] = "kube-system"'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" writable "baseline's rootfs"
  tail -n 1 "$HR_AUDIT" | jq -e '.profile == "baseline"'
  # another namespace falls through to the catch-all: default
  hr_bundle_docker_like other /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["io.kubernetes.pod.namespace"] = "team-a"'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly "default's rootfs"
  tail -n 1 "$HR_AUDIT" | jq -e '.profile == "default"'
}

@test "selection: a container may ask for an allowed profile, never for another" {
  sel_conf
  hr_bundle_docker_like ask /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["org.hardrun.profile"] = "strict" | .process.user = {uid: 1000, gid: 1000}'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(field CapBnd)" "$(hr_cap_mask NET_BIND_SERVICE)" "strict's bounding set"
  hr_bundle_docker_like weaker /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["org.hardrun.profile"] = "audit"'
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("rule \"profile-selection\": annotations.\"org.hardrun.profile\": profile \"audit\" is not allowed")'
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" config.json
  [ ! -e "$HR_RUNC_ROOT/$HR_ID" ]
}

@test "images: a CRI image annotation outside the allowlist is refused, an allowed one runs" {
  cat >"$HR_TMP/profiles/img.json" <<'JSON'
{"extends": "default", "images": {"allow": ["docker.io/library/"], "missing": "refuse"}}
JSON
  hr_bundle_docker_like okimg /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["io.kubernetes.cri.image-name"] = "docker.io/library/busybox:1.36"'
  HR_RT_OPTS=(--hardrun-profile=img)
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_bundle_docker_like badimg /bin/sh -c "$STATUS"
  hr_spec_edit "$HR_BUNDLE" '.annotations["io.kubernetes.cri.image-name"] = "evil.example/busybox:1"'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("rule \"images\": annotations: image \"evil.example/busybox:1\" is not from an allowed")'
  hr_bundle_docker_like noimg /bin/sh -c "$STATUS"
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("no image name in annotation")'
}
