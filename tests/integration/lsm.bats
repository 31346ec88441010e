#!/usr/bin/env bats
# The "apparmor" and "selinux" controls through hardrun and the real runc.
#
# This host's kernel runs neither AppArmor nor SELinux, so what runs here is
# the real detection (libapparmor's aa_is_enabled, libselinux's
# is_selinux_enabled) answering "disabled": the container must start, the
# audit record must say that nothing changed, and config.json must keep its
# bytes.  The enforcing tests need the LSM in the running kernel; elsewhere
# they skip and name the LSMs the kernel has.  The rewrite for an enforcing
# host is covered by tests/unit/test-lsm.c.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
}

teardown() {
  hr_teardown
}

# The kernel's active LSMs, comma-separated.  securityfs is often not
# mounted (as on this VM); a private mount namespace reads it without
# touching the host's mounts.
lsm_list() {
  if [ -r /sys/kernel/security/lsm ]; then
    cat /sys/kernel/security/lsm
  else
    unshare -m sh -c 'mount -t securityfs securityfs /sys/kernel/security 2>/dev/null &&
      cat /sys/kernel/security/lsm' 2>/dev/null || echo unknown
  fi
}

has_lsm() {
  [[ ,$(lsm_list), == *,$1,* ]]
}

# write_profile NAME JSON: a profile in the test's private profile dir.
write_profile() {
  printf '%s\n' "$2" >"$HR_TMP/profiles/$1.json"
}

# start_with PROFILE NAME: a bundle printing a marker, run through hardrun
# with PROFILE; checks that it ran and that config.json kept its bytes.
start_with() {
  local profile=$1 name=$2 before
  hr_bundle "$name" /bin/sh -c 'echo started-$((6 * 7))'
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  HR_RT_OPTS=(--hardrun-profile="$profile")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  cat "$HR_BUNDLE/log.json" 2>/dev/null || true
  hr_assert_eq "$status" 0 "exit status"
  hr_assert_eq "$output" "started-42" "container output"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  grep -q " run --bundle $HR_BUNDLE $HR_ID\$" "$HR_SPY_LOG" || hr_die "runc was not called"
}

# create_quiet: `create` of $HR_BUNDLE with stdio on files: a create that
# went through would leave runc init holding a captured pipe open.
create_quiet() {
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >"$HR_TMP/out" 2>&1
}

# findings ID: "rule|path|finding" lines of the container's audit record
# (changes with "old"/"new" would show as "rule|path|CHANGED").
findings() {
  jq -r --arg id "$1" 'select(.id == $id) | .changes[] |
    "\(.rule)|\(.path)|\(.finding // "CHANGED")"' "$HR_AUDIT"
}

@test "apparmor, require false, no AppArmor in the kernel: starts, recorded, unchanged" {
  if has_lsm apparmor; then skip "AppArmor is enabled on this kernel (LSMs: $(lsm_list))"; fi
  write_profile aa '{"apparmor": {"profile": "hardrun-default", "require": false}}'
  start_with aa aa
  hr_assert_eq "$(findings "$HR_ID")" \
    "apparmor|process.apparmorProfile|AppArmor is not enabled on this host; nothing changed"
  hr_assert_eq "$(jq -r --arg id "$HR_ID" 'select(.id == $id) | .verdict' "$HR_AUDIT")" allowed
}

@test "apparmor, require true, no AppArmor in the kernel: still starts (require is about a missing profile)" {
  if has_lsm apparmor; then skip "AppArmor is enabled on this kernel (LSMs: $(lsm_list))"; fi
  write_profile aareq '{"apparmor": {"require": true}}'
  start_with aareq aareq
  hr_assert_eq "$(findings "$HR_ID")" \
    "apparmor|process.apparmorProfile|AppArmor is not enabled on this host; nothing changed"
}

@test "selinux, no SELinux in the kernel: starts, recorded, unchanged" {
  if has_lsm selinux; then skip "SELinux is enabled on this kernel (LSMs: $(lsm_list))"; fi
  write_profile se '{"selinux": {"type": "container_t"}}'
  start_with se se
  hr_assert_eq "$(findings "$HR_ID")" \
    "selinux|process.selinuxLabel|SELinux is not enabled on this host; nothing changed"
}

@test "both, no LSM: one record with both findings, apparmor first" {
  if has_lsm apparmor || has_lsm selinux; then
    skip "AppArmor or SELinux is enabled on this kernel (LSMs: $(lsm_list))"
  fi
  write_profile both '{"apparmor": true, "selinux": true}'
  start_with both both
  hr_assert_eq "$(findings "$HR_ID")" \
    "apparmor|process.apparmorProfile|AppArmor is not enabled on this host; nothing changed
selinux|process.selinuxLabel|SELinux is not enabled on this host; nothing changed"
}

@test "the detection is real: aa_is_enabled reads the kernel on create, never on pass-through" {
  command -v strace >/dev/null || skip "strace is not installed"
  write_profile aa '{"apparmor": true}'
  hr_bundle det /bin/true
  # hardrun asks whether the module parameter exists (access) before it
  # lets libapparmor open it.
  strace -f -qq -e trace=open,openat,access,faccessat,faccessat2 -o "$HR_TMP/create.trace" \
    "$HARDRUN" --hardrun-config="$HR_CONF" --hardrun-profile=aa --hardrun-runtime=/bin/true \
    create --bundle "$HR_BUNDLE" "$HR_ID"
  grep -F '"/sys/module/apparmor/parameters/enabled"' "$HR_TMP/create.trace"
  strace -f -qq -e trace=open,openat,access,faccessat,faccessat2 -o "$HR_TMP/state.trace" \
    "$HARDRUN" --hardrun-config="$HR_CONF" --hardrun-runtime=/bin/true state "$HR_ID"
  cat "$HR_TMP/state.trace"
  if grep -E '/sys/module/apparmor|/sys/kernel/security' "$HR_TMP/state.trace"; then
    hr_die "a pass-through command asked about AppArmor"
  fi
}

@test "a profile naming \"unconfined\" is refused before runc runs" {
  write_profile bad '{
  "apparmor": {"profile": "unconfined"}
}'
  hr_bundle bad /bin/true
  HR_RT_OPTS=(--hardrun-profile=bad)
  run create_quiet
  hr_assert_eq "$status" 1 "exit status"
  hr_assert_match "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    '^hardrun: .*bad\.json:2:27: apparmor\.profile: "unconfined" confines nothing$'
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
}

@test "a profile setting spc_t is refused before runc runs" {
  write_profile bad '{"selinux": {"type": "spc_t"}}'
  hr_bundle bad /bin/true
  HR_RT_OPTS=(--hardrun-profile=bad)
  run create_quiet
  hr_assert_eq "$status" 1 "exit status"
  hr_assert_match "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    '^hardrun: .*bad\.json:1:22: selinux\.type: "spc_t" is not confined$'
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
}

@test "restore's --lsm-profile and --lsm-mount-context are refused where the profile confines" {
  # CRIU would give the restored processes the flag's profile in place of
  # the checkpointed one: the flag form of the apparmor and selinux controls.
  write_profile both '{"apparmor": {"profile": "hardrun-default"}, "selinux": true}'
  hr_bundle restored /bin/true
  HR_RT_OPTS=(--hardrun-profile=both)
  local before flag rule value
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  for flag in "--lsm-profile=apparmor:unconfined apparmor" "--lsm-profile=selinux:system_u:system_r:spc_t:s0 selinux" \
    "--lsm-mount-context=system_u:object_r:container_file_t:s0 selinux"; do
    rule=${flag##* }
    flag=${flag% *}
    value=${flag#*=}
    run hr_rt "$HR_BUNDLE" restore --image-path "$HR_TMP/img" "$flag" --bundle "$HR_BUNDLE" "$HR_ID"
    echo "status=$status output=$output"
    hr_assert_eq "$status" 1 "exit status of restore $flag"
    hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
      "hardrun: profile \"both\": rule \"$rule\": restore ${flag%%=*}: \"$value\" would replace what the checkpoint holds and the $rule control set; restore without it"
  done
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
  # Without the flags (or with an empty one, runc's "absent") the restore
  # reaches runc, which then fails for want of a checkpoint image.
  run hr_rt "$HR_BUNDLE" restore --image-path "$HR_TMP/img" --lsm-profile= --bundle "$HR_BUNDLE" "$HR_ID"
  grep -q " restore --image-path $HR_TMP/img --lsm-profile= --bundle $HR_BUNDLE $HR_ID\$" "$HR_SPY_LOG" ||
    hr_die "runc was not called: $(cat "$HR_SPY_LOG" 2>/dev/null)"
  # A profile without the two controls lets the flags through.
  write_profile none '{}'
  HR_RT_OPTS=(--hardrun-profile=none)
  run hr_rt "$HR_BUNDLE" restore --lsm-profile=apparmor:unconfined --bundle "$HR_BUNDLE" "$HR_ID"
  grep -q " restore --lsm-profile=apparmor:unconfined --bundle " "$HR_SPY_LOG" || hr_die "runc was not called"
}

@test "hardrun-default compiles with apparmor_parser and carries its deny rules" {
  command -v apparmor_parser >/dev/null || skip "apparmor_parser is not installed (apt-get install apparmor)"
  local aa=$HR_PROFILES/apparmor/hardrun-default rule
  # -Q: compile only, never load; -K: no cache (this kernel has no AppArmor)
  apparmor_parser -Q -K -o "$HR_TMP/aa.bin" "$aa"
  [ -s "$HR_TMP/aa.bin" ]
  # the same check rejects a broken copy, so it can fail
  sed 's/^  deny mount,/  deny mount foo=bar,/' "$aa" >"$HR_TMP/broken"
  if cmp -s "$aa" "$HR_TMP/broken"; then hr_die "the broken copy is not broken"; fi
  if apparmor_parser -Q -K -o /dev/null "$HR_TMP/broken"; then
    hr_die "apparmor_parser accepted a broken profile"
  fi
  apparmor_parser -p "$aa" >"$HR_TMP/expanded"
  grep -q '^profile hardrun-default flags=(attach_disconnected,mediate_deleted) {$' "$aa"
  for rule in 'deny mount,' 'deny remount,' 'deny umount,' 'deny pivot_root,' \
    'ptrace (trace,read,tracedby,readby) peer=hardrun-default,' \
    'deny @{PROC}/sys/** wkl,' 'deny /sys/** wkl,' 'deny @{PROC}/kcore rwklx,' \
    'deny @{PROC}/sysrq-trigger rwklx,' 'deny /dev/mem rwklx,' 'deny /sys/firmware/** rwklx,'; do
    grep -qxF "  $rule" "$HR_TMP/expanded" || hr_die "rule missing: $rule"
  done
}

# ---- enforcing: only where the kernel runs the LSM ---------------------------

@test "AppArmor enforcing: the container runs confined by hardrun-default" {
  has_lsm apparmor || skip "AppArmor is not enabled on this kernel (LSMs: $(lsm_list))"
  command -v apparmor_parser >/dev/null || skip "apparmor_parser is not installed"
  apparmor_parser -r "$HR_PROFILES/apparmor/hardrun-default"
  write_profile aa '{"apparmor": {"require": true}}'
  # Every capability and no masked or read-only paths, so that only
  # AppArmor stands between the process and what it tries.
  hr_bundle_docker_like enf /bin/sh -c '
    echo "label=$(cat /proc/self/attr/current)"
    mount -t tmpfs none /mnt 2>/dev/null && echo mount=ok || echo mount=denied
    (echo 1 >/proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo procsys=ok || echo procsys=denied
    head -c1 /proc/kcore >/dev/null 2>&1 && echo kcore=ok || echo kcore=denied'
  hr_spec_edit "$HR_BUNDLE" 'del(.linux.maskedPaths, .linux.readonlyPaths) | del(.process.apparmorProfile)'
  HR_RT_OPTS=(--hardrun-profile=aa)
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(jq -r .process.apparmorProfile "$HR_BUNDLE/config.json")" hardrun-default
  hr_assert_eq "$output" "label=hardrun-default (enforce)
mount=denied
procsys=denied
kcore=denied"
}

@test "SELinux enforcing: two containers get container_t with distinct category pairs" {
  has_lsm selinux || skip "SELinux is not enabled on this kernel (LSMs: $(lsm_list))"
  write_profile se '{"selinux": true}'
  HR_RT_OPTS=(--hardrun-profile=se)
  local labels=() i
  for i in 1 2; do
    hr_bundle "se$i" /bin/cat /proc/self/attr/current
    run hr_run_container "$HR_BUNDLE" "$HR_ID"
    echo "$output"
    hr_assert_eq "$status" 0
    hr_assert_eq "${output%$'\0'}" "$(jq -r .process.selinuxLabel "$HR_BUNDLE/config.json")"
    hr_assert_match "$output" '^[^:]+:[^:]+:container_t:s0:c[0-9]+,c[0-9]+'
    labels+=("${output##*:}")
  done
  [ "${labels[0]}" != "${labels[1]}" ] || hr_die "both containers got ${labels[0]}"
}
