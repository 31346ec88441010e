#!/usr/bin/env bats
# The whole chain: docker CLI -> dockerd -> containerd -> shim -> hardrun ->
# runc, on private daemons (see daemons.bash).  Checks are made from inside
# the container.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  hr_daemons_start
  hr_docker_image
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

@test "docker run --runtime hardrun: allowlisted caps, no_new_privs, read-only /, pids limit" {
  local want pids
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  pids=$(hr_profile_get '.pids.default')
  # --cap-add ALL asks for everything: only the allowlist may remain.
  run hr_docker run --rm --runtime hardrun --network none --cap-add ALL "$HR_IMAGE" sh -c '
    grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status
    echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo)
    if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
    echo tmp=$(touch /tmp/probe && echo writable)
    echo pids=$(cat /sys/fs/cgroup/pids/pids.max)'
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(awk '/^CapEff:/ {print $2}' <<<"$output")" "$want" CapEff
  hr_assert_eq "$(awk '/^CapPrm:/ {print $2}' <<<"$output")" "$want" CapPrm
  hr_assert_eq "$(awk '/^CapBnd:/ {print $2}' <<<"$output")" "$want" CapBnd
  hr_assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' <<<"$output")" 1 NoNewPrivs
  hr_assert_match "$(sed -n 's/^rootopts=//p' <<<"$output")" '(^|,)ro(,|$)'
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly
  hr_assert_eq "$(sed -n 's/^tmp=//p' <<<"$output")" writable
  hr_assert_eq "$(sed -n 's/^pids=//p' <<<"$output")" "$pids" pids.max
}

@test "docker run --runtime hardrun: a ceiling clamps --pids-limit and --memory" {
  local ceil mem
  ceil=$(hr_profile_get '.pids.ceiling')
  mem=$(hr_size "$(hr_profile_get '.memory.ceiling')")
  run hr_docker run --rm --runtime hardrun --network none --pids-limit 1000000 --memory 64g \
    "$HR_IMAGE" sh -c 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes'
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 1p <<<"$output")" "$ceil" pids.max
  hr_assert_eq "$(sed -n 2p <<<"$output")" "$mem" memory.limit_in_bytes
}

@test "the audit record names docker's container id" {
  local id
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" true)
  hr_docker wait "$id" >/dev/null
  [ -n "$id" ]
  hr_assert_eq "$(jq -s --arg id "$id" '[.[] | select(.id == $id)] | length' "$HR_D/audit.log")" 1
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | "\(.command) \(.verdict)"' "$HR_D/audit.log")" \
    "create allowed"
  hr_docker rm "$id" >/dev/null
}

@test "a refusal reaches the docker CLI with hardrun's own message" {
  run --separate-stderr hr_docker run --rm --runtime hardrun-nope --network none "$HR_IMAGE" true
  echo "status=$status"
  echo "stderr=$stderr"
  [ "$status" -ne 0 ]
  [[ $stderr == *"hardrun: "*nope* ]] || hr_die "hardrun's message is not in docker's stderr"
  [[ $stderr != *"unable to retrieve OCI runtime error"* ]]
  [[ $stderr == *"OCI runtime create failed"* ]]
}

@test "docker logs of a normal container hold only the container's output" {
  local id
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sh -c 'echo only-this; echo and-err >&2')
  hr_assert_eq "$(hr_docker wait "$id")" 0 "exit status"
  run --separate-stderr hr_docker logs "$id"
  hr_assert_eq "$output" only-this "docker logs stdout"
  hr_assert_eq "$stderr" and-err "docker logs stderr"
  hr_docker rm "$id" >/dev/null
}

@test "docker exec into a hardrun container" {
  local id
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 30)
  run hr_docker exec "$id" cat /sys/fs/cgroup/pids/pids.max
  hr_assert_eq "$status" 0
  hr_assert_eq "$output" "$(hr_profile_get '.pids.default')"
  hr_docker rm -f "$id" >/dev/null
}

# The caps, no_new_privs and root mount of a process, from inside.
INSIDE='grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
  echo uid=$(id -u)
  echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo)
  if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi'

field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

@test "docker run --runtime hardrun-strict: only NET_BIND_SERVICE, non-root, seccomp, read-only /" {
  local id
  id=$(hr_docker run -d --runtime hardrun-strict -u 1000 --cap-add ALL "$HR_IMAGE" sh -c "$INSIDE")
  hr_assert_eq "$(hr_docker wait "$id")" 0 "exit status"
  run hr_docker logs "$id"
  echo "$output"
  hr_assert_eq "$(field "$output" CapBnd)" "$(hr_cap_mask NET_BIND_SERVICE)" CapBnd
  # uid 1000 without ambient capabilities: nothing effective
  hr_assert_eq "$(field "$output" CapEff)" 0000000000000000 CapEff
  hr_assert_eq "$(field "$output" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_eq "$(field "$output" Seccomp)" 2 "Seccomp (filter mode)"
  hr_assert_eq "$(sed -n 's/^uid=//p' <<<"$output")" 1000 uid
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | "\(.command) \(.verdict) \(.profile)"' \
    "$HR_D/audit.log")" "create allowed strict"
  hr_docker rm "$id" >/dev/null
}

@test "hardrun-strict replaces Docker's seccomp filter with hardrun's; default keeps it" {
  # Docker's filter allows ptrace (kernel >= 4.8), hardrun's refuses it.
  cc -static -O2 -o "$HR_D/seccomp-probe" "$HR_E2E_DIR/../integration/progs/seccomp-probe.c"
  run hr_docker run --rm --runtime hardrun-strict -u 1000 -v "$HR_D/seccomp-probe:/probe:ro" \
    "$HR_IMAGE" /probe
  echo "strict: $output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 's/^ptrace=//p' <<<"$output")" EPERM "ptrace under strict"
  hr_assert_eq "$(sed -n 's/^unshare=//p' <<<"$output")" EPERM "unshare under strict"
  run hr_docker run --rm --runtime hardrun -u 1000 -v "$HR_D/seccomp-probe:/probe:ro" "$HR_IMAGE" /probe
  echo "default: $output"
  hr_assert_eq "$(sed -n 's/^ptrace=//p' <<<"$output")" 0 "ptrace under default (Docker's filter)"
}

@test "docker run --runtime hardrun-strict as root is refused with hardrun's message" {
  run --separate-stderr hr_docker run --rm --runtime hardrun-strict "$HR_IMAGE" true
  echo "status=$status stderr=$stderr"
  [ "$status" -ne 0 ]
  hr_assert_match "$stderr" 'OCI runtime create failed: hardrun: profile "strict": rule "user": process\.user\.uid: the process would run as root \(uid 0\)'
}

# set_default_runtime NAME: edit daemon.json, SIGHUP dockerd, wait until
# `docker info` shows the new default.
set_default_runtime() {
  jq --arg rt "$1" '. + {"default-runtime": $rt}' "$HR_D/daemon.json" >"$HR_D/daemon.json.new"
  mv "$HR_D/daemon.json.new" "$HR_D/daemon.json"
  kill -HUP "$(cat "$HR_D/dockerd.pid")"
  hr_wait_for 100 eval "[ \"\$(hr_docker info --format '{{.DefaultRuntime}}')\" = '$1' ]" ||
    hr_die "dockerd did not reload default-runtime $1"
}

@test "default-runtime: hardrun after a SIGHUP reload applies to docker run without --runtime" {
  local id out want
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  set_default_runtime hardrun
  id=$(hr_docker run -d "$HR_IMAGE" sh -c "$INSIDE")
  hr_assert_eq "$(hr_docker wait "$id")" 0 "exit status"
  out=$(hr_docker logs "$id")
  echo "$out"
  hr_assert_eq "$(hr_docker inspect -f '{{.HostConfig.Runtime}}' "$id")" hardrun runtime
  hr_assert_eq "$(field "$out" CapEff)" "$want" CapEff
  hr_assert_eq "$(field "$out" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_match "$(sed -n 's/^rootopts=//p' <<<"$out")" '(^|,)ro(,|$)'
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | .verdict' "$HR_D/audit.log")" allowed
  hr_docker rm "$id" >/dev/null
  # Back to runc, reloaded the same way: the same command is not hardened,
  # which shows that the default is what made the difference.
  set_default_runtime runc
  out=$(hr_docker run --rm "$HR_IMAGE" sh -c "$INSIDE")
  [ "$(field "$out" NoNewPrivs)" = 0 ] || hr_die "runc's container has no_new_privs: $out"
  [ "$(sed -n 's/^root=//p' <<<"$out")" = writable ]
}
