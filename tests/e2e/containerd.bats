#!/usr/bin/env bats
# containerd without dockerd: `ctr run --runc-binary <hardrun>` sets the
# io.containerd.runc.v2 shim's option BinaryName, the mechanism of a CRI
# runtime handler (Kubernetes' RuntimeClass).  The shim runs hardrun with
# runc's argv and nothing else, so hardrun reads its default configuration
# file: containerd runs in a private mount namespace where the build's
# default path shows the test's hardrun.conf (see hr_containerd_start).
# Checks are made from inside the container.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run containerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  # Pods of the namespace hr-tight get the profile "tight"; hr-secure ones
  # get the shipped "strict".  CRI writes this annotation from the pod.
  export HR_NO_DOCKERD=1 HR_CONF_AT_DEFAULT=1 HR_CONF_EXTRA
  HR_CONF_EXTRA='{"profileRules": [
    {"match": {"io.kubernetes.cri.sandbox-namespace": "hr-tight"}, "profile": "tight"},
    {"match": {"io.kubernetes.cri.sandbox-namespace": "hr-secure"}, "profile": "strict"}]}'
  hr_daemons_start
  cat >"$HR_D/profiles/tight.json" <<'EOF'
{
  "extends": "default",
  "capabilities": {"allow": ["CAP_KILL"]},
  "pids": {"default": 100, "ceiling": 200}
}
EOF
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

teardown() {
  local id
  for id in $(hr_ctr task ls -q 2>/dev/null); do
    hr_ctr task kill -s KILL "$id" >/dev/null 2>&1 || true
  done
  for id in $(hr_ctr container ls -q 2>/dev/null); do
    hr_wait_for 50 eval "! hr_ctr task ls -q | grep -qx '$id'" || true
    hr_ctr task delete -f "$id" >/dev/null 2>&1 || true
    hr_ctr container delete "$id" >/dev/null 2>&1 || true
  done
}

STATUS_SCRIPT='grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status
  echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo)
  if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
  echo tmp=$(touch /tmp/probe && echo writable)
  echo cgroup=$(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup)'

field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

# The host's file of the container's pids cgroup: ctr's spec mounts no
# /sys/fs/cgroup, so the container names its cgroup and the host reads it.
pids_max() {
  cat "/sys/fs/cgroup/pids$(sed -n 's/^cgroup=//p' <<<"$1")/pids.max"
}

@test "ctr run --runc-binary hardrun: allowlisted caps, no_new_privs, read-only /, pids limit" {
  local want id=hr-ctr-$RANDOM
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  # --cap-add CAP_SYS_ADMIN: only the allowlist may remain.  -d: the
  # container stays until the cgroup has been read.
  hr_ctr_run "$id" -d --cap-add CAP_SYS_ADMIN -- sh -c "{ $STATUS_SCRIPT; } >/tmp/out.new; mv /tmp/out.new /tmp/out; sleep 60"
  hr_wait_for 50 hr_ctr task exec --exec-id probe "$id" test -s /tmp/out
  run hr_ctr task exec --exec-id out "$id" cat /tmp/out
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(field "$output" CapEff)" "$want" CapEff
  hr_assert_eq "$(field "$output" CapPrm)" "$want" CapPrm
  hr_assert_eq "$(field "$output" CapBnd)" "$want" CapBnd
  hr_assert_eq "$(field "$output" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_match "$(sed -n 's/^rootopts=//p' <<<"$output")" '(^|,)ro(,|$)'
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly
  hr_assert_eq "$(sed -n 's/^tmp=//p' <<<"$output")" writable
  hr_assert_eq "$(sed -n 's/^cgroup=//p' <<<"$output")" "/$(basename "$HR_D")/$id" cgroup
  hr_assert_eq "$(pids_max "$output")" "$(hr_profile_get '.pids.default')" pids.max
}

@test "hardrun under the shim read its default configuration file" {
  local id=hr-ctr-$RANDOM
  run --separate-stderr hr_ctr_run "$id" --rm -- true
  hr_assert_eq "$status" 0
  # The audit file and the state directory are the test's hardrun.conf's.
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id and .command == "create")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log")" "allowed default"
  # ctr --rm deleted the container, and runc delete removed hardrun's record.
  hr_no_record "$id"
}

# ctr_refused RULE PATTERN CTR-RUN-OPTIONS...: `ctr run` fails with
# hardrun's message for RULE in ctr's stderr, and nothing else is printed.
ctr_refused() {
  local rule=$1 pattern=$2 id=hr-ctr-$RANDOM
  shift 2
  run --separate-stderr hr_ctr_run "$id" --rm "$@" -- echo should-not-run
  echo "status=$status stdout=$output stderr=$stderr"
  [ "$status" -ne 0 ]
  [[ $stderr == *"OCI runtime create failed: "* ]] || hr_die "not a runtime failure"
  [[ $stderr != *"unable to retrieve OCI runtime error"* ]]
  hr_assert_match "$stderr" "hardrun: profile \"default\": rule \"$rule\": $pattern"
  hr_assert_eq "$output" "" "container stdout"
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | .verdict' "$HR_D/audit.log")" refused
  # nothing was left running
  hr_refute "$HR_RUNC" --root "$HR_D/runc/default" state "$id" >/dev/null 2>&1
}

@test "a refusal reaches ctr with hardrun's own message: --privileged" {
  ctr_refused privileged 'linux\.resources\.devices\[0\]: allows every device of the host' --privileged
}

@test "a refusal reaches ctr with hardrun's own message: the host's / bound" {
  ctr_refused host-mounts 'mounts\[[0-9]+\]\.source: "/" is the sensitive host path "/"' \
    --mount type=bind,src=/,dst=/host,options=rbind:ro
}

@test "a refusal reaches ctr with hardrun's own message: annotations runc and crun act on" {
  # ctr copies --annotation into the spec (as dockerd 24 and later do with
  # docker run --annotation); runc would take "bundle" for its own label,
  # crun the raw filter for its seccomp filter.
  ctr_refused runtime-annotations \
    'annotations\["bundle"\]: annotation "bundle" is runc.s own label for the bundle directory' \
    --annotation bundle=/tmp
  ctr_refused runtime-annotations \
    'annotations\["run\.oci\.seccomp_bpf_data"\]: annotation "run\.oci\.seccomp_bpf_data" is read by the runtime itself' \
    --annotation run.oci.seccomp_bpf_data=BgAAAAAA/38=
}

@test "a ctr container's stdout and stderr hold only the container's output" {
  run --separate-stderr hr_ctr_run "hr-ctr-$RANDOM" --rm -- sh -c 'echo only-this; echo and-err >&2'
  hr_assert_eq "$status" 0
  hr_assert_eq "$output" only-this stdout
  hr_assert_eq "$stderr" and-err stderr
}

@test "ctr task exec, pause, resume and kill go through hardrun" {
  local id=hr-ctr-$RANDOM out freezer
  hr_ctr_run "$id" -d -- sleep 1000
  # the runc root that the refusal tests look in
  hr_assert_eq "$("$HR_RUNC" --root "$HR_D/runc/default" state "$id" | jq -r .status)" running
  ls "$HR_D"/hrstate/*/"$id.json" >/dev/null
  out=$(hr_ctr task exec --exec-id e1 "$id" sh -c "$STATUS_SCRIPT")
  echo "$out"
  mapfile -t caps < <(hr_profile_caps)
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask "${caps[@]}")" "exec CapBnd"
  hr_assert_eq "$(field "$out" NoNewPrivs)" 1 "exec NoNewPrivs"
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id and .command == "exec")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log")" "allowed default"
  freezer=/sys/fs/cgroup/freezer/$(basename "$HR_D")/$id/freezer.state
  hr_ctr task pause "$id"
  hr_assert_eq "$(hr_ctr task ls | awk -v id="$id" '$1 == id {print $3}')" PAUSED
  hr_assert_eq "$(cat "$freezer")" FROZEN
  hr_ctr task resume "$id"
  hr_assert_eq "$(cat "$freezer")" THAWED
  hr_ctr task exec --exec-id e2 "$id" true
  hr_ctr task kill -s KILL "$id"
  hr_wait_for 100 eval "hr_ctr task ls | awk -v id='$id' '\$1 == id {print \$3}' | grep -qx STOPPED"
  hr_ctr task delete "$id" >/dev/null
  hr_ctr container delete "$id"
  hr_no_record "$id"
}

@test "profileRules: a CRI namespace annotation selects the profile, and exec keeps it" {
  local id=hr-ctr-$RANDOM out
  hr_ctr_run "$id" -d --annotation io.kubernetes.cri.sandbox-namespace=hr-tight -- sleep 1000
  out=$(hr_ctr task exec --exec-id e1 "$id" sh -c "$STATUS_SCRIPT")
  echo "$out"
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask KILL)" CapBnd
  hr_assert_eq "$(pids_max "$out")" 100 pids.max
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | "\(.command) \(.profile)"' \
    "$HR_D/audit.log" | sort -u | tr '\n' ' ')" "create tight exec tight "
}

@test "profileRules: strict for the hr-secure namespace refuses a root container" {
  run --separate-stderr hr_ctr_run "hr-ctr-$RANDOM" --rm \
    --annotation io.kubernetes.cri.sandbox-namespace=hr-secure -- id -u
  echo "status=$status stdout=$output stderr=$stderr"
  [ "$status" -ne 0 ]
  hr_assert_match "$stderr" 'hardrun: profile "strict": rule "user": process\.user\.uid: the process would run as root \(uid 0\)'
}

@test "a containerd restart leaves a hardened container running and manageable" {
  local id=hr-ctr-$RANDOM pid out
  hr_ctr_run "$id" -d --annotation io.kubernetes.cri.sandbox-namespace=hr-tight -- sleep 1000
  pid=$(hr_ctr task ls | awk -v id="$id" '$1 == id {print $2}')
  hr_containerd_restart
  hr_assert_eq "$(hr_ctr task ls | awk -v id="$id" '$1 == id {print $2, $3}')" "$pid RUNNING"
  # exec is still held to the profile recorded at create
  out=$(hr_ctr task exec --exec-id after "$id" sh -c "$STATUS_SCRIPT")
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask KILL)" "CapBnd after the restart"
  hr_assert_eq "$(audit_last_exec "$id")" "allowed tight"
  hr_ctr task kill -s KILL "$id"
  hr_wait_for 100 eval "hr_ctr task ls | awk -v id='$id' '\$1 == id {print \$3}' | grep -qx STOPPED"
  hr_ctr task delete "$id" >/dev/null
  hr_ctr container delete "$id"
  hr_refute hr_alive "$pid"
}

audit_last_exec() {
  jq -r --arg id "$1" 'select(.id == $id and .command == "exec") | "\(.verdict) \(.profile)"' \
    "$HR_D/audit.log" | tail -n 1
}
