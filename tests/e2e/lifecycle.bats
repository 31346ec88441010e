#!/usr/bin/env bats
# A hardened container's life through the whole chain (docker CLI ->
# dockerd -> containerd -> shim -> hardrun -> runc) on private daemons (see
# daemons.bash): stop, kill, restart, pause and unpause, update, rm -f and
# a TTY.  What each step did is checked from inside the container, or from
# the host's cgroup files where the container cannot look (a frozen one).

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

# A process that reports the signals it gets, and exits 7 on SIGTERM.
TRAPPER='trap "echo got-USR1" USR1; trap "echo got-TERM; exit 7" TERM
  echo ready; while :; do sleep 0.1; done'

wait_log() { # wait_log ID TEXT
  hr_wait_for 100 eval "hr_docker logs '$1' 2>&1 | grep -qx '$2'"
}

creates() { # the number of create records for container ID
  jq -s --arg id "$1" '[.[] | select(.id == $id and .command == "create")] | length' "$HR_D/audit.log"
}

# runc's status of a docker container, "" when runc knows none.  The root
# is looked for: dockerd 20.10 uses exec-root/runtime-runc/moby for the
# hardrun runtime too.
runc_status() {
  local root
  for root in "$HR_D"/exec/runtime-*/moby; do
    "$HR_RUNC" --root "$root" state "$1" 2>/dev/null | jq -r .status
  done
}

freezer() {
  cat "/sys/fs/cgroup/freezer/$(basename "$HR_D")/$1/freezer.state"
}

@test "docker stop: SIGTERM reaches the container through hardrun" {
  local id
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sh -c "$TRAPPER")
  wait_log "$id" ready
  hr_docker stop -t 20 "$id" >/dev/null
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" "exited 7"
  hr_assert_eq "$(hr_docker logs "$id" | tail -n 1)" got-TERM
  hr_docker rm "$id" >/dev/null
}

@test "docker kill -s USR1 delivers the signal; docker kill ends the container" {
  local id
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sh -c "$TRAPPER")
  wait_log "$id" ready
  hr_docker kill -s USR1 "$id" >/dev/null
  wait_log "$id" got-USR1
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" running
  hr_docker kill "$id" >/dev/null
  hr_assert_eq "$(hr_docker wait "$id")" 137 "exit status after SIGKILL"
  hr_docker rm "$id" >/dev/null
}

@test "docker restart: a new create through hardrun, hardened again" {
  local id pid1 pid2
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sh -c 'echo x >/tmp/mark; exec sleep 1000')
  hr_wait_for 50 hr_docker exec "$id" test -f /tmp/mark
  pid1=$(hr_docker inspect -f '{{.State.Pid}}' "$id")
  hr_docker restart -t 1 "$id" >/dev/null
  pid2=$(hr_docker inspect -f '{{.State.Pid}}' "$id")
  [ "$pid1" != "$pid2" ] || hr_die "the container was not restarted"
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" running
  hr_assert_hardened "$id"
  hr_assert_eq "$(creates "$id")" 2 "create records"
  hr_docker rm -f "$id" >/dev/null
}

@test "--restart on-failure: every run dockerd restarts is hardened" {
  local id
  id=$(hr_docker run -d --runtime hardrun --restart on-failure:2 "$HR_IMAGE" \
    sh -c 'echo nnp=$(awk "/^NoNewPrivs:/ {print \$2}" /proc/self/status); exit 3')
  hr_wait_for 300 eval "[ \"\$(hr_docker inspect -f '{{.State.Status}} {{.RestartCount}}' '$id')\" = 'exited 2' ]" ||
    hr_die "not restarted twice: $(hr_docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$id")"
  hr_assert_eq "$(hr_docker logs "$id" | tr '\n' ' ')" "nnp=1 nnp=1 nnp=1 "
  hr_assert_eq "$(creates "$id")" 3 "create records"
  hr_docker rm "$id" >/dev/null
}

@test "docker pause and unpause: frozen, then running and still hardened" {
  local id n1 n2
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" \
    sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/n; sleep 0.05; done')
  hr_wait_for 50 hr_docker exec "$id" test -f /tmp/n
  hr_docker pause "$id" >/dev/null
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" paused
  hr_assert_eq "$(freezer "$id")" FROZEN
  # a frozen container's counter stands still (read through the host's view
  # of its /tmp: the container cannot run anything while frozen)
  n1=$(cat "/proc/$(hr_docker inspect -f '{{.State.Pid}}' "$id")/root/tmp/n")
  sleep 0.5
  n2=$(cat "/proc/$(hr_docker inspect -f '{{.State.Pid}}' "$id")/root/tmp/n")
  hr_assert_eq "$n2" "$n1" "counter while paused"
  hr_docker unpause "$id" >/dev/null
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" running
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/freezer/freezer.state)" THAWED
  sleep 0.3
  [ "$(hr_docker exec "$id" cat /tmp/n)" -gt "$n2" ] || hr_die "the counter did not move after unpause"
  hr_assert_hardened "$id"
  hr_docker rm -f "$id" >/dev/null
}

@test "docker update --memory and --cpu-quota: clamped to the ceilings, applied below them" {
  local id mceil cceil period
  mceil=$(hr_size "$(hr_profile_get '.memory.ceiling')")
  cceil=$(hr_mcpus "$(hr_profile_get '.cpu.ceiling')")
  period=$(hr_profile_get '.cpu.period')
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sleep 1000)
  hr_docker update --memory 256m --memory-swap 512m --cpu-quota $((period * 3 / 2)) "$id" >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 268435456 memory
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" $((period * 3 / 2)) quota
  # above the ceilings (docker refuses --cpus above the host's CPU count,
  # not a quota; --memory-swap -1 fails in runc 1.1 itself, hardrun or not,
  # once a swap limit is set)
  hr_docker update --memory 1t --memory-swap 2t --cpu-quota $((period * 64)) "$id" >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" "$mceil" "memory ceiling"
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" \
    $((period * cceil / 1000)) "cpu ceiling"
  hr_docker rm -f "$id" >/dev/null
}

@test "docker rm -f of a running container removes it, its processes, cgroup and hardrun's record" {
  local id pid
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sleep 1000)
  pid=$(hr_docker inspect -f '{{.State.Pid}}' "$id")
  ls "$HR_D"/hrstate/*/"$id.json" >/dev/null
  [ -d "/sys/fs/cgroup/pids/$(basename "$HR_D")/$id" ]
  hr_assert_eq "$(runc_status "$id")" running "runc's state"
  hr_docker rm -f "$id" >/dev/null
  hr_refute hr_docker inspect "$id" >/dev/null 2>&1
  hr_wait_for 50 eval "! hr_alive $pid" || hr_die "the container's init $pid still runs"
  hr_no_record "$id"
  [ ! -d "/sys/fs/cgroup/pids/$(basename "$HR_D")/$id" ] || hr_die "the cgroup is left"
  hr_assert_eq "$(runc_status "$id")" "" "runc's state after rm -f"
}

@test "docker run -dt: a TTY through --console-socket, hardened, with logs and exec -t" {
  local id logs
  id=$(hr_docker run -dt --runtime hardrun "$HR_IMAGE" sh -c 'tty; echo hello; exec sleep 1000')
  hr_wait_for 50 eval "hr_docker logs '$id' | grep -q hello"
  logs=$(hr_docker logs "$id")
  # a terminal's line discipline turns \n into \r\n
  hr_assert_eq "$logs" $'/dev/pts/0\r\nhello\r'
  hr_assert_eq "$(hr_docker exec "$id" readlink /proc/1/fd/0)" /dev/pts/0 "init's stdin"
  hr_assert_eq "$(hr_docker exec -t "$id" tty)" $'/dev/pts/1\r' "docker exec -t"
  hr_assert_hardened "$id"
  hr_docker rm -f "$id" >/dev/null
}
