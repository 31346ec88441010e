#!/usr/bin/env bats
# The default profile, seen from inside a container that the real runc
# started through hardrun.  Bundles start out the way docker writes them
# (writable rootfs, no no_new_privs, every capability, no limits) so that
# each check fails when hardrun does not do its job.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  PROFILE=$HR_PROFILES/default.json
  [ -f "$PROFILE" ] || hr_die "no default profile at $PROFILE"
}

teardown() {
  hr_teardown
}

# hr_check NAME SCRIPT [JQ-EDIT [jq options...]]: make a docker-like bundle
# running `sh -c SCRIPT`, apply the optional spec edit, run it through
# hardrun; the container's stdout ends up in $OUT.
hr_check() {
  local name=$1 script=$2
  shift 2
  hr_bundle_docker_like "$name" /bin/sh -c "$script"
  if [ $# -gt 0 ]; then
    hr_spec_edit "$HR_BUNDLE" "$@"
  fi
  OUT=$HR_BUNDLE/out
  if ! hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err"; then
    echo "container failed; stderr:" >&2
    cat "$HR_BUNDLE/err" >&2
    echo "log.json:" >&2
    cat "$HR_BUNDLE/log.json" >&2 2>/dev/null
    return 1
  fi
}

# out_value KEY: the value of a "KEY=value" line the container printed.
out_value() {
  awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }' "$OUT"
}

# The container's own cgroup directories are bind-mounted (read-only) at
# /sys/fs/cgroup/<controller> by runc on cgroup v1; /proc/self/cgroup shows
# which cgroup that is.
CGROUP_SCRIPT='
echo pids.max=$(cat /sys/fs/cgroup/pids/pids.max)
echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
echo quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)
echo period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
echo shares=$(cat /sys/fs/cgroup/cpu/cpu.shares)
echo cgroup=$(grep ":pids:" /proc/self/cgroup | cut -d: -f3)
'

# Expected limits from the profile, computed with the rules hardrun applies.
profile_limits() {
  PIDS_DEF=$(hr_profile_get '.pids.default' "$PROFILE")
  PIDS_CEIL=$(hr_profile_get '.pids.ceiling' "$PROFILE")
  MEM_DEF=$(hr_size "$(hr_profile_get '.memory.default' "$PROFILE")")
  MEM_CEIL=$(hr_size "$(hr_profile_get '.memory.ceiling' "$PROFILE")")
  CPU_DEF=$(hr_mcpus "$(hr_profile_get '.cpu.default' "$PROFILE")")
  CPU_CEIL=$(hr_mcpus "$(hr_profile_get '.cpu.ceiling' "$PROFILE")")
  CPU_PERIOD=$(hr_profile_get '.cpu.period // 100000' "$PROFILE")
  SHARES_CEIL=$(hr_profile_get '.cpu.shares.ceiling' "$PROFILE")
  local v
  for v in PIDS_DEF PIDS_CEIL MEM_DEF MEM_CEIL CPU_DEF CPU_CEIL SHARES_CEIL; do
    [[ ${!v} =~ ^[0-9]+$ ]] || hr_die "default profile lacks a value for $v (got '${!v}')"
  done
}

@test "capabilities: effective, permitted and bounding sets are exactly the allowlist" {
  local want
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  [ "${#caps[@]}" -gt 0 ]
  want=$(hr_cap_mask "${caps[@]}")
  hr_check caps 'grep ^Cap /proc/self/status'
  cat "$OUT"
  hr_assert_eq "$(awk '/^CapEff:/ {print $2}' "$OUT")" "$want" CapEff
  hr_assert_eq "$(awk '/^CapPrm:/ {print $2}' "$OUT")" "$want" CapPrm
  hr_assert_eq "$(awk '/^CapBnd:/ {print $2}' "$OUT")" "$want" CapBnd
  hr_assert_eq "$(awk '/^CapAmb:/ {print $2}' "$OUT")" 0000000000000000 CapAmb
}

@test "capabilities: an allowlisted capability the spec does not ask for is not added" {
  # Only CHOWN and SYS_ADMIN requested: SYS_ADMIN goes, nothing comes in.
  hr_check caps-subset 'grep ^CapEff /proc/self/status' \
    '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
    --argjson c '["CAP_CHOWN","CAP_SYS_ADMIN"]'
  hr_assert_eq "$(awk '{print $2}' "$OUT")" "$(hr_cap_mask CHOWN)"
}

@test "no_new_privs is set" {
  hr_check nnp 'grep ^NoNewPrivs /proc/self/status'
  hr_assert_eq "$(cat "$OUT")" "NoNewPrivs:	1"
}

@test "the rootfs is read-only, /tmp /run /var/tmp are writable tmpfs with nosuid,nodev and the size limit" {
  local size mode d line
  size=$(hr_size "$(hr_profile_get '.readonlyRootfs.tmpfsSize // "64m"' "$PROFILE")")
  mode=$(hr_profile_get '.readonlyRootfs.tmpfsMode // "1777"' "$PROFILE")
  hr_check rootfs '
    cat /proc/self/mountinfo > /dev/shm/mi
    echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /dev/shm/mi)
    if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
    for d in /tmp /run /var/tmp; do
      if echo x > $d/probe && [ "$(cat $d/probe)" = x ]; then echo "w$d=ok"; else echo "w$d=fail"; fi
    done
    sed "s/^/mi=/" /dev/shm/mi'
  cat "$OUT"
  hr_assert_match "$(out_value rootopts)" '(^|,)ro(,|$)'
  hr_assert_eq "$(out_value root)" readonly
  for d in /tmp /run /var/tmp; do
    hr_assert_eq "$(out_value "w$d")" ok "$d writable"
    # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS
    line=$(out_value mi | awk -v d="$d" '$5 == d')
    [ "$(wc -l <<<"$line")" = 1 ] || hr_die "expected one mount at $d, got: $line"
    hr_assert_match "$(awk '{print $6}' <<<"$line")" '(^|,)nosuid(,|$)'
    hr_assert_match "$(awk '{print $6}' <<<"$line")" '(^|,)nodev(,|$)'
    hr_assert_match "$(awk '{print $6}' <<<"$line")" '(^|,)rw(,|$)'
    hr_assert_eq "$(sed 's/.* - //' <<<"$line" | awk '{print $1}')" tmpfs "$d fstype"
    hr_assert_match "$(sed 's/.* - //' <<<"$line" | awk '{print $3}')" "(^|,)size=$((size / 1024))k(,|$)"
    # The mount's mode option; the kernel shows it only when it is not
    # tmpfs' default 1777.  (runc 1.1 then chmods the tmpfs root to the mode
    # of the directory it covers, so the option is all hardrun controls.)
    local supopts
    supopts=$(sed 's/.* - //' <<<"$line" | awk '{print $3}')
    if [ "$(printf %o "$((8#$mode))")" = 1777 ]; then
      [[ $supopts != *mode=* ]] || hr_die "$d: unexpected mode in $supopts"
    else
      hr_assert_match "$supopts" "(^|,)mode=0*$(printf %o "$((8#$mode))")(,|$)"
    fi
  done
}

@test "the tmpfs keeps what the image has there: /run/app of the service user, writable by it" {
  hr_bundle_docker_like copyup /bin/sh -c 'stat -c "%u %a" /run/app; cat /run/app/conf;
    echo $$ >/run/app/pid && echo wrote; ls /tmp'
  mkdir -p "$HR_BUNDLE/rootfs/run/app" "$HR_BUNDLE/rootfs/tmp"
  echo from-image >"$HR_BUNDLE/rootfs/run/app/conf"
  chown -R 1000:1000 "$HR_BUNDLE/rootfs/run/app"
  chmod 0750 "$HR_BUNDLE/rootfs/run/app"
  hr_spec_edit "$HR_BUNDLE" '.process.user = {uid: 1000, gid: 1000}'
  OUT=$HR_BUNDLE/out
  hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" || { cat "$HR_BUNDLE/log.json" >&2; false; }
  cat "$OUT"
  hr_assert_eq "$(cat "$OUT")" "1000 750
from-image
wrote"
  # on a tmpfs, and the image's own directory is untouched
  hr_assert_eq "$(jq -c '.mounts[] | select(.destination == "/run") | .options' "$HR_BUNDLE/config.json")" \
    "$(jq -c --arg s "$(hr_size "$(hr_profile_get '.readonlyRootfs.tmpfsSize // "64m"' "$PROFILE")")" \
      -n '["nosuid", "nodev", "mode=1777", "size=\(($s | tonumber) / 1024)k", "tmpcopyup"]')"
  [ ! -e "$HR_BUNDLE/rootfs/run/app/pid" ] || hr_die "the pid file landed in the image"
}

@test "config.json is rewritten on disk: valid JSON, root.readonly true" {
  hr_check ondisk 'true'
  jq -e . "$HR_BUNDLE/config.json" >/dev/null
  hr_assert_eq "$(jq -r .root.readonly "$HR_BUNDLE/config.json")" true
  hr_assert_eq "$(jq -r .process.noNewPrivileges "$HR_BUNDLE/config.json")" true
  # nothing else is left behind in the bundle
  hr_assert_eq "$(ls -A "$HR_BUNDLE" | grep -vxE "err|out|log.json" | tr "\n" " ")" "config.json rootfs "
}

@test "limits: a spec without limits gets the profile defaults" {
  profile_limits
  hr_check limits-default "$CGROUP_SCRIPT"
  cat "$OUT"
  hr_assert_eq "$(out_value cgroup)" "/hrtest-$HR_ID" "the container's own cgroup"
  hr_assert_eq "$(out_value pids.max)" "$PIDS_DEF" pids.max
  hr_assert_eq "$(out_value memory)" "$MEM_DEF" memory.limit_in_bytes
  hr_assert_eq "$(out_value period)" "$CPU_PERIOD" cpu.cfs_period_us
  hr_assert_eq "$(out_value quota)" "$((CPU_DEF * CPU_PERIOD / 1000))" cpu.cfs_quota_us
}

@test "limits: unlimited or larger requests are clamped to the ceilings" {
  profile_limits
  hr_check limits-ceiling "$CGROUP_SCRIPT" \
    '.linux.resources += {pids: {limit: -1}, memory: {limit: 68719476736},
                          cpu: {quota: -1, period: 100000, shares: 200000}}'
  cat "$OUT"
  hr_assert_eq "$(out_value pids.max)" "$PIDS_CEIL" pids.max
  hr_assert_eq "$(out_value memory)" "$MEM_CEIL" memory.limit_in_bytes
  hr_assert_eq "$(out_value period)" 100000 cpu.cfs_period_us
  hr_assert_eq "$(out_value quota)" "$((CPU_CEIL * 100000 / 1000))" cpu.cfs_quota_us
  hr_assert_eq "$(out_value shares)" "$SHARES_CEIL" cpu.shares
}

@test "limits: a quota above the ceiling is clamped with the spec's own period" {
  profile_limits
  # 64 CPUs at a 50ms period
  hr_check limits-quota "$CGROUP_SCRIPT" \
    '.linux.resources += {cpu: {quota: 3200000, period: 50000}}'
  hr_assert_eq "$(out_value period)" 50000 cpu.cfs_period_us
  hr_assert_eq "$(out_value quota)" "$((CPU_CEIL * 50000 / 1000))" cpu.cfs_quota_us
}

@test "limits: smaller requests keep their values" {
  profile_limits
  hr_check limits-small "$CGROUP_SCRIPT" \
    '.linux.resources += {pids: {limit: 100}, memory: {limit: 134217728},
                          cpu: {quota: 50000, period: 100000, shares: 512}}'
  cat "$OUT"
  hr_assert_eq "$(out_value pids.max)" 100 pids.max
  hr_assert_eq "$(out_value memory)" 134217728 memory.limit_in_bytes
  hr_assert_eq "$(out_value quota)" 50000 cpu.cfs_quota_us
  hr_assert_eq "$(out_value shares)" 512 cpu.shares
}

# A bind mount declared rshared and one declared rslave, on a rootfs
# declared shared.
propagation_bundle() {
  mkdir -p "$HR_TMP/shared-src"
  hr_bundle_docker_like "$1" /bin/cat /proc/self/mountinfo
  hr_spec_edit "$HR_BUNDLE" '.linux.rootfsPropagation = "shared"'
  hr_spec_add_mount "$HR_BUNDLE" /mnt/shared bind "$HR_TMP/shared-src" rbind rshared
  hr_spec_add_mount "$HR_BUNDLE" /mnt/slave bind "$HR_TMP/shared-src" rbind rslave
}

@test "mount propagation: no shared or master peer group on any mount" {
  propagation_bundle prop
  hr_run_container "$HR_BUNDLE" "$HR_ID" >"$HR_TMP/mi"
  cat "$HR_TMP/mi"
  grep -q ' /mnt/shared ' "$HR_TMP/mi"
  grep -q ' /mnt/slave ' "$HR_TMP/mi"
  if grep -E ' (shared|master):[0-9]+' "$HR_TMP/mi"; then
    hr_die "a mount propagates"
  fi
}

@test "mount propagation control: without hardrun the same bundle has shared mounts" {
  # Proves that the check above can fail on this machine.
  propagation_bundle prop-control
  "$HR_RUNC" --root "$HR_RUNC_ROOT" run --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >"$HR_TMP/mi"
  grep -E ' /mnt/shared .* shared:[0-9]+' "$HR_TMP/mi"
}

@test "audit: one record for the container listing path: old -> new" {
  hr_check audit 'true'
  [ -f "$HR_AUDIT" ]
  # every line is one JSON object
  jq -e . "$HR_AUDIT" >/dev/null
  hr_assert_eq "$(jq -s --arg id "$HR_ID" '[.[] | select(.id == $id)] | length' "$HR_AUDIT")" 1
  local rec changes
  rec=$(jq -c --arg id "$HR_ID" 'select(.id == $id)' "$HR_AUDIT")
  hr_assert_eq "$(jq -r .verdict <<<"$rec")" allowed
  hr_assert_eq "$(jq -r .command <<<"$rec")" run
  hr_assert_eq "$(jq -r .profile <<<"$rec")" default
  changes=$(jq -r '.changes[] | "\(.path): \(.old) -> \(.new)"' <<<"$rec")
  echo "$changes"
  grep -Fx 'root.readonly: false -> true' <<<"$changes"
  grep -Fx 'process.noNewPrivileges: (absent) -> true' <<<"$changes"
  # the spec's own list (kernel order) less what the allowlist lacks
  local allow kept
  allow=$(hr_profile_caps "$PROFILE" | jq -R 'ascii_upcase | if startswith("CAP_") then . else "CAP_" + . end' | jq -sc .)
  kept=$(hr_host_caps_json | jq -c --argjson a "$allow" 'map(select(. as $c | any($a[]; . == $c)))')
  grep -E '^process\.capabilities\.bounding: \[' <<<"$changes" | grep -F -- " -> $kept"
  grep -E '^process\.capabilities\.effective: \[' <<<"$changes" | grep -F -- " -> $kept"
  grep -E '^linux\.resources\.pids\.limit: \(absent\) -> [0-9]+$' <<<"$changes"
}

# ---- the document runc sees ---------------------------------------------------
# Go's encoding/json matches keys case-insensitively and the last duplicate
# wins.  hardrun must enforce on that same value, or refuse the spec.

# inject_json OLD NEW: textual edit of the compact config.json (jq cannot
# write duplicate keys); fails when OLD is not found exactly once.
inject_json() {
  jq -c . "$HR_BUNDLE/config.json" >"$HR_BUNDLE/c.json"
  [ "$(grep -o -F -- "$1" "$HR_BUNDLE/c.json" | wc -l)" = 1 ] || hr_die "'$1' not found once"
  local old=$1 new=$2 text
  text=$(cat "$HR_BUNDLE/c.json")
  printf '%s\n' "${text/"$old"/"$new"}" >"$HR_BUNDLE/config.json"
  rm "$HR_BUNDLE/c.json"
  grep -q -F -- "$new" "$HR_BUNDLE/config.json"
}

# run_or_refused: run the bundle; a refusal (exit 1, hardrun's error in
# log.json, runc never ran) is an acceptable outcome and returns 1 with
# REFUSED=1, anything else that fails is a test failure.
run_or_refused() {
  REFUSED=
  OUT=$HR_BUNDLE/out
  if hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err"; then
    return 0
  fi
  cat "$HR_BUNDLE/err" "$HR_BUNDLE/log.json" >&2
  jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")" | grep -q '^hardrun: ' || hr_die "failed, not refused"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "refused but runc ran"
  REFUSED=1
}

@test "duplicate keys: a later \"Readonly\": false does not make / writable" {
  hr_bundle_docker_like dup-ro /bin/sh -c 'if touch /probe 2>/dev/null; then echo writable; else echo readonly; fi'
  hr_spec_edit "$HR_BUNDLE" '.root = {path: "rootfs", readonly: true}'
  inject_json '"readonly":true}' '"readonly":true,"Readonly":false}'
  run_or_refused || true
  [ -n "$REFUSED" ] || hr_assert_eq "$(cat "$OUT")" readonly
}

@test "duplicate keys: a later \"CAPABILITIES\" object does not bring capabilities back" {
  local want
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  want=$(hr_cap_mask "${caps[@]}")
  hr_bundle_docker_like dup-caps /bin/sh -c 'grep ^CapEff /proc/self/status'
  hr_spec_edit "$HR_BUNDLE" '.process.capabilities = {bounding: ["CAP_CHOWN"]}'
  inject_json '"capabilities":{"bounding":["CAP_CHOWN"]}' \
    "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]},\"CAPABILITIES\":{\"bounding\":$(hr_host_caps_json),\"effective\":$(hr_host_caps_json),\"permitted\":$(hr_host_caps_json)}"
  run_or_refused || true
  [ -n "$REFUSED" ] || hr_assert_eq "$(awk '{print $2}' "$OUT")" "$want" CapEff
}

@test "duplicate keys: a later \"Pids\" limit of -1 is clamped" {
  profile_limits
  hr_bundle_docker_like dup-pids /bin/cat /sys/fs/cgroup/pids/pids.max
  hr_spec_resources "$HR_BUNDLE" '{"pids": {"limit": 100}}'
  inject_json '"pids":{"limit":100}' '"pids":{"limit":100},"Pids":{"limit":-1}'
  run_or_refused || true
  [ -n "$REFUSED" ] || hr_assert_eq "$(cat "$OUT")" "$PIDS_CEIL" pids.max
}
