#!/usr/bin/env bats
# The refusal rules through hardrun and the real runc, one rule at a time.
# A refused spec: create fails with exit 1, the last log.json line is a
# runc-style error naming the profile, the rule and the JSON path, config.json
# is byte-identical and runc never ran.  The allowed forms of the same specs
# start, and what the container sees from inside is checked.
#
# The profile is the shipped default profile plus every refusal rule at its
# built-in defaults (a rule the default profile already sets keeps its
# setting), and variants of it for the other modes.

load helpers
bats_require_minimum_version 1.5.0

ID64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  refusals_profile refusals '{}'
  HR_RT_OPTS=(--hardrun-profile=refusals)
}

teardown() {
  hr_teardown
}

# refusals_profile NAME JSON: write profile NAME: the default profile, the
# refusal rules at their defaults, then JSON's sections on top.
refusals_profile() {
  hr_jsonc "$HR_PROFILES/default.json" | jq --argjson over "$2" '
    {privileged: true, hostNamespaces: true, hostMounts: true, hostDevices: true,
     sysctls: true, hooks: true, rlimits: true, oom: true, secretEnv: true, sshd: true}
    + . + $over' >"$HR_TMP/profiles/$1.json"
}

# refused RULE MESSAGE: `run` must fail the way runc fails, with MESSAGE
# (exact, after the rule) as the last error of log.json, the bundle untouched
# and runc never started.
refused() {
  local rule=$1 want=$2 before last
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  cat "$HR_BUNDLE/log.json" 2>/dev/null || true
  hr_assert_eq "$status" 1 "exit status"
  last=$(hr_last_log "$HR_BUNDLE")
  hr_assert_eq "$(jq -r .level <<<"$last")" error
  hr_assert_eq "$(jq -r .msg <<<"$last")" \
    "hardrun: profile \"${PROFILE:-refusals}\": rule \"$rule\": $want"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
}

# started: run the bundle; it must succeed; its stdout is in $OUT.
started() {
  OUT=$HR_BUNDLE/out
  if ! hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err"; then
    cat "$HR_BUNDLE/err" "$HR_BUNDLE/log.json" >&2 2>/dev/null
    hr_die "the container did not start"
  fi
  cat "$OUT"
}

# use_profile NAME JSON: switch to a variant profile.
use_profile() {
  refusals_profile "$1" "$2"
  PROFILE=$1
  HR_RT_OPTS=(--hardrun-profile="$1")
}

# audit_changes: the records of the container's audit line, one a line:
# "path: old -> new" for a change, "AUDIT path: finding" for a finding.
audit_changes() {
  jq -r --arg id "$HR_ID" 'select(.id == $id) | .changes[]
    | if has("finding") then "AUDIT \(.path): \(.finding)" else "\(.path): \(.old) -> \(.new)" end' \
    "$HR_AUDIT"
}

# ---- privileged ---------------------------------------------------------------

@test "privileged: an allow-all device cgroup rule is refused" {
  hr_bundle priv /bin/true
  hr_spec_resources "$HR_BUNDLE" '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "access": "rwm"}]}'
  refused privileged 'linux.resources.devices[1]: allows every device of the host (as --privileged does)'
}

@test "privileged: missing masked and read-only paths are restored" {
  hr_bundle masked /bin/sh -c 'cat /proc/self/mountinfo'
  hr_spec_edit "$HR_BUNDLE" 'del(.linux.maskedPaths) | .linux.readonlyPaths = ["/proc/bus"]'
  started
  # runc masks a file with /dev/null and a directory with a read-only tmpfs
  awk '$5 == "/proc/keys"' "$OUT" | grep -q .
  awk '$5 == "/sys/firmware" && $6 ~ /(^|,)ro(,|$)/' "$OUT" | grep -q .
  awk '$5 == "/proc/sys" && $6 ~ /(^|,)ro(,|$)/' "$OUT" | grep -q .
  awk '$5 == "/proc/fs" && $6 ~ /(^|,)ro(,|$)/' "$OUT" | grep -q .
  audit_changes | grep -Fx 'linux.maskedPaths: (absent) -> []'
  audit_changes | grep -Fx 'linux.readonlyPaths[1]: (absent) -> "/proc/fs"'
}

@test "privileged control: without hardrun the same bundle has no such mounts" {
  hr_bundle masked-control /bin/sh -c 'cat /proc/self/mountinfo'
  hr_spec_edit "$HR_BUNDLE" 'del(.linux.maskedPaths) | .linux.readonlyPaths = ["/proc/bus"]'
  "$HR_RUNC" --root "$HR_RUNC_ROOT" run --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >"$HR_TMP/mi"
  if awk '$5 == "/proc/keys"' "$HR_TMP/mi" | grep -q .; then hr_die "/proc/keys is mounted"; fi
  if awk '$5 == "/proc/sys"' "$HR_TMP/mi" | grep -q .; then hr_die "/proc/sys is mounted"; fi
}

# ---- host namespaces --------------------------------------------------------------

@test "host namespaces: no pid namespace (--pid=host) is refused" {
  hr_bundle hostpid /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces |= map(select(.type != "pid"))'
  refused host-namespaces "linux.namespaces: no pid namespace: the container would share the host's"
}

@test "host namespaces: a path to the host's network namespace is refused" {
  hr_bundle hostnet /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "/proc/$$/ns/net"
  local i
  i=$(jq '.linux.namespaces | map(.type) | index("network")' "$HR_BUNDLE/config.json")
  refused host-namespaces "linux.namespaces[$i].path: \"/proc/$$/ns/net\" is the host's network namespace"
}

@test "host namespaces: joining another mount namespace is refused; runc would find bind sources there" {
  # A mount namespace any user can make (and in it bind the host's / over a
  # harmless path that a bind mount of the container then names).
  setpriv --reuid 65534 --regid 65534 --clear-groups unshare -Urm sleep 300 \
    </dev/null >/dev/null 2>&1 3>&- &
  local pid=$! i
  for ((i = 0; i < 50; i++)); do
    [ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ] || break
    sleep 0.1
  done
  hr_bundle othermnt /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces |= map(if .type == "mount" then .path = $p else . end)' \
    --arg p "/proc/$pid/ns/mnt"
  i=$(jq '.linux.namespaces | map(.type) | index("mount")' "$HR_BUNDLE/config.json")
  refused host-namespaces "linux.namespaces[$i].path: \"/proc/$pid/ns/mnt\" is another mount namespace: runc would find bind sources and root.path in it, not where hardrun judged them"
  kill "$pid"
}

@test "host namespaces: a private network namespace made beforehand is joined" {
  touch "$HR_TMP/netns"
  unshare --net="$HR_TMP/netns" true
  hr_bundle privnet /bin/sh -c 'readlink /proc/self/ns/net'
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "$HR_TMP/netns"
  started
  hr_assert_eq "$(cat "$OUT")" "net:[$(stat -L -c %i "$HR_TMP/netns")]"
  # the cgroup namespace is missing from runc's spec: a finding, not a refusal
  audit_changes | grep -Fx "AUDIT linux.namespaces: no cgroup namespace: the container would share the host's"
}

# ---- host mounts ------------------------------------------------------------------

@test "host mounts: -v /:/host is refused" {
  hr_bundle root-mount /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /host bind / rbind rprivate
  local i
  i=$(jq '.mounts | length - 1' "$HR_BUNDLE/config.json")
  refused host-mounts "mounts[$i].source: \"/\" is the sensitive host path \"/\""
}

@test "host mounts: root's crontabs are refused, read-only too" {
  hr_bundle cron-mount /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /cron bind /var/spool/cron/crontabs rbind ro
  local i
  i=$(jq '.mounts | length - 1' "$HR_BUNDLE/config.json")
  refused host-mounts "mounts[$i].source: \"/var/spool/cron/crontabs\" lies in the sensitive host path \"/var/spool/cron\""
}

@test "host mounts: the docker socket is refused, through /var/run" {
  hr_bundle sock-mount /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /var/run/docker.sock bind /var/run/docker.sock rbind
  local i res
  i=$(jq '.mounts | length - 1' "$HR_BUNDLE/config.json")
  res=$(realpath -m /var/run/docker.sock)
  if [ "$res" = /var/run/docker.sock ]; then
    refused host-mounts "mounts[$i].source: \"/var/run/docker.sock\" is a container-daemon socket"
  else
    refused host-mounts "mounts[$i].source: \"/var/run/docker.sock\" (resolves to \"$res\") is a container-daemon socket"
  fi
}

@test "host mounts: a symlink into /etc is followed" {
  ln -s /etc "$HR_TMP/innocent"
  hr_bundle link-mount /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$HR_TMP/innocent/../etc" rbind
  local i
  i=$(jq '.mounts | length - 1' "$HR_BUNDLE/config.json")
  refused host-mounts "mounts[$i].source: \"$HR_TMP/innocent/../etc\" (resolves to \"/etc\") is the sensitive host path \"/etc\""
}

@test "host mounts: an ordinary directory is mounted" {
  mkdir "$HR_TMP/data"
  echo hello >"$HR_TMP/data/f"
  hr_bundle data-mount /bin/cat /data/f
  hr_spec_add_mount "$HR_BUNDLE" /data bind "$HR_TMP/data" rbind ro
  started
  hr_assert_eq "$(cat "$OUT")" hello
}

@test "host mounts: Docker's per-container files under a sensitive data root still work" {
  local c=$HR_TMP/docker/containers/$ID64
  mkdir -p "$c"
  echo "10.1.2.3 from-docker" >"$c/hosts"
  echo '{}' >"$c/config.v2.json"
  use_profile dataroot "{\"hostMounts\": {\"sensitive\": [\"/\", \"$HR_TMP/docker\"]}}"
  hr_bundle etc-hosts /bin/cat /etc/hosts
  hr_spec_add_mount "$HR_BUNDLE" /etc/hosts bind "$c/hosts" rbind rprivate
  started
  hr_assert_eq "$(cat "$OUT")" "10.1.2.3 from-docker"
}

@test "host mounts: another file of Docker's container directory is refused" {
  local c=$HR_TMP/docker/containers/$ID64
  mkdir -p "$c"
  echo '{}' >"$c/config.v2.json"
  use_profile dataroot "{\"hostMounts\": {\"sensitive\": [\"/\", \"$HR_TMP/docker\"]}}"
  hr_bundle etc-cfg /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /etc/hosts bind "$c/config.v2.json" rbind rprivate
  local i
  i=$(jq '.mounts | length - 1' "$HR_BUNDLE/config.json")
  refused host-mounts "mounts[$i].source: \"$c/config.v2.json\" lies in the sensitive host path \"$HR_TMP/docker\""
}

# ---- host devices -----------------------------------------------------------------

@test "host devices: a host device node is refused" {
  hr_bundle dev-node /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.devices = [{path: "/dev/loop-control", type: "c", major: 10, minor: 237, fileMode: 384}]'
  refused host-devices 'linux.devices[0]: host device "/dev/loop-control" (c 10:237) is not in the allowlist'
}

@test "host devices: a device cgroup rule for the host's disk is refused" {
  hr_bundle dev-rule /bin/true
  hr_spec_resources "$HR_BUNDLE" '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 254, "minor": 0, "access": "rw"}]}'
  refused host-devices 'linux.resources.devices[1]: the device cgroup allows b 254:0, beyond the allowed devices'
}

@test "host devices: an allowlisted device is created and usable" {
  use_profile tun '{"hostDevices": {"allow": ["c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2", "c 136:*", "c 10:200"]}}'
  hr_bundle dev-tun /bin/sh -c 'ls -l /dev/net/tun | cut -c1; exec 3</dev/net/tun && echo opened'
  hr_spec_edit "$HR_BUNDLE" '.linux.devices = [{path: "/dev/net/tun", type: "c", major: 10, minor: 200, fileMode: 438}]
    | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 200, access: "rwm"}]'
  started
  hr_assert_eq "$(sed -n 1p "$OUT")" c
  hr_assert_eq "$(sed -n 2p "$OUT")" opened
}

# ---- sysctls ----------------------------------------------------------------------

@test "sysctls: kernel.core_pattern is refused" {
  hr_bundle core /bin/true
  # the host's own value: harmless even where a plain runc is tested
  hr_spec_edit "$HR_BUNDLE" '.linux.sysctl = {"kernel.core_pattern": $v}' \
    --arg v "$(cat /proc/sys/kernel/core_pattern)"
  refused sysctls 'linux.sysctl["kernel.core_pattern"]: "kernel.core_pattern" is not in the allowlist of namespaced, safe sysctls'
}

@test "sysctls: the baseline set is applied" {
  hr_bundle safe-sysctl /bin/cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range
  hr_spec_edit "$HR_BUNDLE" '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "80", "net/ipv4/ping_group_range": "0 0"}'
  started
  hr_assert_eq "$(sed -n 1p "$OUT")" 80
  hr_assert_eq "$(sed -n 2p "$OUT" | tr -s '\t ' ' ')" "0 0"
}

# ---- hooks ------------------------------------------------------------------------

@test "hooks: a hook outside the allowlist is refused" {
  hr_bundle hook-bad /bin/true
  hr_spec_edit "$HR_BUNDLE" '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "touch " + $f]}]}' \
    --arg f "$HR_TMP/pwned"
  refused hooks 'hooks.createRuntime[0].path: hook "/bin/sh" is not in the allowlist (hooks run as root on the host)'
  [ ! -e "$HR_TMP/pwned" ]
}

@test "hooks: an allowlisted hook runs" {
  printf '#!/bin/sh\ntouch "%s/hook-ran"\n' "$HR_TMP" >"$HR_TMP/hook.sh"
  chmod 755 "$HR_TMP/hook.sh"
  use_profile hooked "{\"hooks\": {\"allow\": [\"$HR_TMP/hook.sh\"]}}"
  hr_bundle hook-ok /bin/true
  hr_spec_edit "$HR_BUNDLE" '.hooks = {prestart: [{path: $p, args: ["hook.sh"]}]}' --arg p "$HR_TMP/hook.sh"
  started
  [ -e "$HR_TMP/hook-ran" ]
}

# ---- rlimits ----------------------------------------------------------------------

# set_rlimits JSON: process.rlimits = JSON, with UNLIMITED written as
# 18446744073709551615 by text (jq would round it through a double).
set_rlimits() {
  hr_spec_edit "$HR_BUNDLE" '.process.rlimits = "@RLIMITS@"'
  local text
  text=$(cat "$HR_BUNDLE/config.json")
  printf '%s\n' "${text/'"@RLIMITS@"'/${1//UNLIMITED/18446744073709551615}}" >"$HR_BUNDLE/config.json"
  grep -q 18446744073709551615 "$HR_BUNDLE/config.json"
}

@test "rlimits: above the ceiling is refused in refuse mode" {
  use_profile rl-refuse '{"rlimits": {"mode": "refuse"}}'
  hr_bundle rl-refused /bin/true
  set_rlimits '[{"type": "RLIMIT_NPROC", "hard": UNLIMITED, "soft": 100}]'
  refused rlimits 'process.rlimits[0]: RLIMIT_NPROC (soft 100, hard 18446744073709551615) is above the ceiling 65536'
}

@test "rlimits: an unlimited NPROC is clamped to the ceiling by default" {
  hr_bundle rl-fix /bin/sh -c 'grep "^Max processes" /proc/self/limits'
  set_rlimits '[{"type": "RLIMIT_NPROC", "hard": UNLIMITED, "soft": UNLIMITED}]'
  started
  hr_assert_eq "$(awk '{print $3, $4}' "$OUT")" "65536 65536"
}

# ---- oom --------------------------------------------------------------------------

@test "oom: disableOOMKiller is refused in refuse mode" {
  use_profile oom-refuse '{"oom": {"mode": "refuse"}}'
  hr_bundle oom-refused /bin/true
  hr_spec_resources "$HR_BUNDLE" '{"memory": {"limit": 134217728, "disableOOMKiller": true}}'
  refused oom 'linux.resources.memory.disableOOMKiller: a container out of memory would hang holding its memory instead of being killed'
}

@test "oom: a negative oomScoreAdj is raised to 0 by default" {
  hr_bundle oom-fix /bin/cat /proc/self/oom_score_adj
  hr_spec_edit "$HR_BUNDLE" '.process.oomScoreAdj = -500'
  started
  hr_assert_eq "$(cat "$OUT")" 0
}

@test "oom: a positive oomScoreAdj is kept" {
  hr_bundle oom-keep /bin/cat /proc/self/oom_score_adj
  hr_spec_edit "$HR_BUNDLE" '.process.oomScoreAdj = 500'
  started
  hr_assert_eq "$(cat "$OUT")" 500
}

# ---- secrets in the environment ----------------------------------------------------

@test "secret env: audited by default, the value never recorded" {
  hr_bundle secret /bin/sh -c 'echo "$DB_PASSWORD"'
  hr_spec_edit "$HR_BUNDLE" '.process.env += ["DB_PASSWORD=hunter2"]'
  started
  hr_assert_eq "$(cat "$OUT")" hunter2
  local i
  i=$(jq '.process.env | index("DB_PASSWORD=hunter2")' "$HR_BUNDLE/config.json")
  audit_changes | grep -Fx "AUDIT process.env[$i]: variable \"DB_PASSWORD\" looks like a secret (matches \"*PASSWORD*\"); pass secrets as files"
  if grep -q hunter2 "$HR_AUDIT"; then hr_die "the secret's value is in the audit record"; fi
}

@test "secret env: refused in refuse mode" {
  use_profile env-refuse '{"secretEnv": {"mode": "refuse"}}'
  hr_bundle secret-refused /bin/true
  hr_spec_edit "$HR_BUNDLE" '.process.env = ["PATH=/bin", "API_TOKEN=abc"]'
  refused secret-env 'process.env[1]: variable "API_TOKEN" looks like a secret (matches "*TOKEN*"); pass secrets as files'
  if grep -q abc "$HR_BUNDLE/log.json"; then hr_die "the secret's value is in log.json"; fi
}

# ---- sshd -------------------------------------------------------------------------

@test "sshd: audited by default" {
  hr_bundle sshd /bin/sh -c 'echo started || exec /usr/sbin/sshd -D'
  started
  hr_assert_eq "$(cat "$OUT")" started
  audit_changes | grep -Fx 'AUDIT process.args[2]: the container runs sshd (CIS Docker Benchmark 5.7: use docker exec)'
}

@test "sshd: refused in refuse mode" {
  use_profile sshd-refuse '{"sshd": {"mode": "refuse"}}'
  hr_bundle sshd-refused /usr/sbin/sshd -D
  refused sshd 'process.args[0]: the container runs sshd (CIS Docker Benchmark 5.7: use docker exec)'
}

# ---- runtime annotations -----------------------------------------------------------

# bundle_label_setup: a running container whose spec carries the annotation
# "bundle" naming $HR_TMP/elsewhere, a directory with a config.json that
# grants CAP_SYS_ADMIN.  runc 1.1 keeps annotations as "key=value" labels
# before its own "bundle=DIR" and `runc exec` without --process loads the
# process from the first "bundle" label's config.json.
# CMD... is the container's command (default: sleep).
bundle_label_setup() {
  mkdir -p "$HR_TMP/elsewhere"
  (cd "$HR_TMP/elsewhere" && "$HR_RUNC" spec) || return 1
  hr_spec_edit "$HR_TMP/elsewhere" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
  [ $# -gt 0 ] || set -- sleep 1000
  hr_bundle label "$@"
  hr_spec_edit "$HR_BUNDLE" '.annotations = {bundle: $d}' --arg d "$HR_TMP/elsewhere"
}

# started_detached: create and start the bundle through hardrun.
started_detached() {
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null 2>&1 ||
    { cat "$HR_BUNDLE/log.json" >&2; hr_die "create failed"; }
  hr_rt "$HR_BUNDLE" start "$HR_ID"
  hr_wait_state "$HR_ID" running
}

# cap_eff_by_flags: CapEff of `exec` in its flag form (no --process),
# run from outside the bundle, through hardrun.
cap_eff_by_flags() {
  (cd / && hr_rt "$HR_BUNDLE" exec "$HR_ID" grep CapEff: /proc/self/status) | awk '{print $2}'
}

@test "runtime annotations: runc's own bundle label is refused" {
  bundle_label_setup /bin/true
  refused runtime-annotations 'annotations["bundle"]: annotation "bundle" is runc'"'"'s own label for the bundle directory (runc exec would load its process from there)'
}

@test "runtime annotations: in audit mode the bundle label reaches runc, and hardrun refuses exec's flag form" {
  # What the rule closes, shown with the real runc: exec's flag form picks
  # up CAP_SYS_ADMIN from the other directory's config.json.
  use_profile ann-audit '{"runtimeAnnotations": {"mode": "audit"}}'
  bundle_label_setup
  started_detached
  audit_changes | grep -F 'AUDIT annotations["bundle"]: annotation "bundle" is runc'
  local eff sysadmin
  eff=$(cd / && "$HR_RUNC" --root "$HR_RUNC_ROOT" exec "$HR_ID" grep CapEff: /proc/self/status | awk '{print $2}')
  sysadmin=$(hr_cap_mask SYS_ADMIN)
  echo "CapEff under plain runc=$eff"
  (((16#$eff & 16#$sysadmin) != 0)) || hr_die "runc exec did not get CAP_SYS_ADMIN: runc no longer reads the label?"
  # Through hardrun the flag form is refused, before runc runs ...
  : >"$HR_SPY_LOG"
  run cap_eff_by_flags
  hr_assert_eq "$output" "" "exec's output"
  hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    "hardrun: profile \"ann-audit\": rule \"runtime-annotations\": the container carries the annotation \"bundle\" (\"$HR_TMP/elsewhere\"): runc exec without --process would load its process from that directory's config.json; use --process"
  [ ! -s "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
  # ... and --process, which names the whole process, works as always.
  jq '.process | .args = ["grep", "CapEff:", "/proc/self/status"]' "$HR_BUNDLE/config.json" >"$HR_TMP/p.json"
  eff=$(cd / && hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/p.json" "$HR_ID" | awk '{print $2}')
  hr_assert_eq "$eff" "$(hr_cap_mask $(jq -r '.process.capabilities.effective[]' "$HR_BUNDLE/config.json"))" "CapEff of exec --process"
}

@test "runtime annotations: fix mode removes them, and exec keeps the profile's capabilities" {
  use_profile ann-fix '{"runtimeAnnotations": {"mode": "fix"}}'
  bundle_label_setup
  hr_spec_edit "$HR_BUNDLE" '.annotations += {"run.oci.seccomp_bpf_data": "BgAAAAAA/38=",
    "org.systemd.property.TasksMax": "infinity", "org.example.kept": "yes"}'
  started_detached
  hr_assert_eq "$(jq -c .annotations "$HR_BUNDLE/config.json")" '{"org.example.kept":"yes"}'
  local eff
  eff=$(cap_eff_by_flags)
  # the hardened spec's own set, which the allowlist cut down
  hr_assert_eq "$eff" "$(hr_cap_mask $(jq -r '.process.capabilities.effective[]' "$HR_BUNDLE/config.json"))" "CapEff of exec"
  (((16#$eff & 16#$(hr_cap_mask SYS_ADMIN)) == 0))
  hr_assert_eq "$(audit_changes | grep -c '^annotations\[')" 3
}

@test "runtime annotations: crun's raw seccomp filter is refused" {
  hr_bundle bpf /bin/true
  hr_spec_edit "$HR_BUNDLE" '.annotations = {"run.oci.seccomp_bpf_data": "BgAAAAAA/38="}'
  refused runtime-annotations 'annotations["run.oci.seccomp_bpf_data"]: annotation "run.oci.seccomp_bpf_data" is read by the runtime itself ("run.oci." in runtimeAnnotations.deny)'
}

# ---- all together -------------------------------------------------------------------

@test "runc's own spec starts under every rule's defaults, unchanged by them" {
  hr_bundle plain /bin/echo fine
  started
  hr_assert_eq "$(cat "$OUT")" fine
  # the only record of a refusal rule is the cgroup namespace finding
  hr_assert_eq "$(jq -r --arg id "$HR_ID" 'select(.id == $id) | .changes[]
      | select(.rule | IN("privileged", "host-namespaces", "host-mounts", "host-devices",
                          "sysctls", "hooks", "rlimits", "oom", "secret-env", "sshd",
                          "runtime-annotations"))
      | "\(.rule) \(.path): \(.finding // .new)"' "$HR_AUDIT")" \
    "host-namespaces linux.namespaces: no cgroup namespace: the container would share the host's"
}

@test "checkpoint-restore: restore is refused before runc runs; off lets it through, config.json hardened" {
  # CRIU gives restored processes the capabilities, no_new_privs and
  # seccomp filters of the checkpoint image, which config.json does not
  # reach.  (CRIU itself cannot run on every test kernel: only the
  # decision before runc is checked here.)
  hr_bundle restored /bin/true
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_rt "$HR_BUNDLE" restore --image-path "$HR_TMP/img" --bundle "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  hr_assert_eq "$status" 1 "exit status"
  hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    "hardrun: profile \"refusals\": rule \"checkpoint-restore\": process: runc restore gives the restored processes the capabilities, no_new_privs and seccomp filters stored in the checkpoint image, not those of config.json, and hardrun cannot check the image"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
  # Control: with the rule off the restore reaches runc (which then fails
  # for want of an image), with config.json hardened as on create.
  refusals_profile restorable '{"checkpointRestore": false}'
  HR_RT_OPTS=(--hardrun-profile=restorable)
  run hr_rt "$HR_BUNDLE" restore --image-path "$HR_TMP/img" --bundle "$HR_BUNDLE" "$HR_ID"
  grep -q " restore --image-path $HR_TMP/img --bundle $HR_BUNDLE $HR_ID\$" "$HR_SPY_LOG" ||
    hr_die "runc was not called: $(cat "$HR_SPY_LOG" 2>/dev/null)"
  jq -e '.process.noNewPrivileges == true and .root.readonly == true' "$HR_BUNDLE/config.json" >/dev/null ||
    hr_die "config.json was not hardened: $(cat "$HR_BUNDLE/config.json")"
}
