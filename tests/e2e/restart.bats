#!/usr/bin/env bats
# Restart safety: dockerd (with "live-restore": true, without which dockerd
# stops every container when it shuts down) or containerd restarted while
# hardened containers run.  The containers must keep running, stay
# manageable (exec, update, stop, rm), and hardrun's record must still hold
# exec and update to the profile they were created with.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  export HR_DAEMON_EXTRA='{"live-restore": true}'
  hr_daemons_start
  hr_docker_image
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

STATUS_SCRIPT='grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status'

field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

# The containers of a test: one under the default profile, one under strict.
start_pair() {
  DEF=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sleep 1000)
  STRICT=$(hr_docker run -d --runtime hardrun-strict -u 1000 "$HR_IMAGE" sleep 1000)
  DEF_PID=$(hr_docker inspect -f '{{.State.Pid}}' "$DEF")
  STRICT_PID=$(hr_docker inspect -f '{{.State.Pid}}' "$STRICT")
}

# After a restart: the same processes run, and exec, update, stop and rm
# work and are still held to each container's profile.
check_pair() {
  local out
  mapfile -t caps < <(hr_profile_caps)
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}} {{.State.Pid}}' "$DEF")" "running $DEF_PID"
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}} {{.State.Pid}}' "$STRICT")" "running $STRICT_PID"
  hr_alive "$DEF_PID"
  hr_alive "$STRICT_PID"

  out=$(hr_docker exec --privileged "$DEF" sh -c "$STATUS_SCRIPT")
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask "${caps[@]}")" "default: exec CapBnd"
  hr_assert_eq "$(field "$out" NoNewPrivs)" 1 "default: exec NoNewPrivs"
  out=$(hr_docker exec --privileged "$STRICT" sh -c "$STATUS_SCRIPT")
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask NET_BIND_SERVICE)" "strict: exec CapBnd"
  run hr_docker exec -u 0 "$STRICT" id -u
  echo "status=$status output=$output"
  [ "$status" -ne 0 ]
  [[ $output == *'hardrun: profile "strict": rule "user": process.user.uid: the process would run as root (uid 0)'* ]] ||
    hr_die "exec as root was not refused under strict"

  hr_docker update --pids-limit -1 "$DEF" >/dev/null
  hr_assert_eq "$(hr_docker exec "$DEF" cat /sys/fs/cgroup/pids/pids.max)" \
    "$(hr_profile_get '.pids.ceiling')" "pids.max after update"

  hr_docker stop -t 1 "$DEF" >/dev/null
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$DEF")" exited
  hr_wait_for 50 eval "! hr_alive $DEF_PID"
  hr_docker rm "$DEF" >/dev/null
  hr_docker rm -f "$STRICT" >/dev/null
  hr_wait_for 50 eval "! hr_alive $STRICT_PID"
  hr_no_record "$DEF"
  hr_no_record "$STRICT"
}

@test "dockerd restarted with live-restore: hardened containers run on and are managed" {
  hr_assert_eq "$(hr_docker info --format '{{.LiveRestoreEnabled}}')" true live-restore
  start_pair
  hr_dockerd_restart
  check_pair
}

@test "containerd restarted under dockerd: hardened containers run on and are managed" {
  start_pair
  hr_containerd_restart
  # dockerd reconnects to containerd by itself
  hr_wait_for 300 hr_docker exec "$DEF" true || hr_die "dockerd did not reconnect to containerd"
  check_pair
}

@test "both restarted, containerd first: hardened containers run on and are managed" {
  start_pair
  hr_containerd_restart
  hr_dockerd_restart
  check_pair
}

@test "control: without live-restore, a dockerd restart stops the containers" {
  local id pid
  # live-restore is one of the keys dockerd reloads on SIGHUP
  jq '. + {"live-restore": false}' "$HR_D/daemon.json" >"$HR_D/daemon.json.new"
  mv "$HR_D/daemon.json.new" "$HR_D/daemon.json"
  kill -HUP "$(cat "$HR_D/dockerd.pid")"
  hr_wait_for 100 eval "[ \"\$(hr_docker info --format '{{.LiveRestoreEnabled}}')\" = false ]"
  id=$(hr_docker run -d --runtime hardrun "$HR_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
  pid=$(hr_docker inspect -f '{{.State.Pid}}' "$id")
  hr_dockerd_restart
  hr_refute hr_alive "$pid"
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" exited
  hr_docker rm "$id" >/dev/null
}
