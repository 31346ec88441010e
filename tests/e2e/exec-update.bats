#!/usr/bin/env bats
# docker exec and docker update on a container hardrun created, through the
# whole chain (docker CLI -> dockerd -> containerd -> shim -> hardrun ->
# runc) on private daemons (see daemons.bash).  What an exec'ed process has
# is read from inside it; the limits from inside the container.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  if hr_plain; then
    hr_skip_file "hardrun's own state is under test"
    return 0
  fi
  # "hardrun-tight": a profile that refuses uid 0 and allows one capability
  export HR_EXTRA_RUNTIMES
  HR_EXTRA_RUNTIMES=$(jq -nc --arg h "$HARDRUN" \
    '{"hardrun-tight": {path: $h, runtimeArgs: ["--hardrun-config=CONF", "--hardrun-profile=tight"]}}')
  hr_daemons_start
  # runtimeArgs must name the conf before dockerd reads daemon.json; the
  # placeholder is only known now, so rewrite and reload.
  sed -i "s|--hardrun-config=CONF|--hardrun-config=$HR_D/hardrun.conf|" "$HR_D/daemon.json"
  kill -HUP "$(cat "$HR_D/dockerd.pid")"
  jq --arg s "$HR_D/state" '. + {stateDir: $s}' "$HR_D/hardrun.conf" >"$HR_D/hardrun.conf.new"
  mv "$HR_D/hardrun.conf.new" "$HR_D/hardrun.conf"
  cat >"$HR_D/profiles/tight.json" <<'EOF'
{
  "noNewPrivileges": true,
  "capabilities": {"allow": ["CAP_KILL"]},
  "pids": {"default": 100, "ceiling": 200},
  "user": {"root": "refuse"}
}
EOF
  hr_docker_image
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

STATUS_SCRIPT='grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status'

status_field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

# audit_last ID COMMAND: the last audit record of COMMAND for container ID.
audit_last() {
  jq -c --arg id "$1" --arg c "$2" 'select(.id == $id and .command == $c)' "$HR_D/audit.log" |
    tail -n 1
}

@test "docker exec --privileged gets no capability outside the allowlist" {
  local id out want
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 1000)
  run hr_docker exec --privileged "$id" sh -c "$STATUS_SCRIPT"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(status_field "$output" CapEff)" "$want" CapEff
  hr_assert_eq "$(status_field "$output" CapPrm)" "$want" CapPrm
  hr_assert_eq "$(status_field "$output" CapBnd)" "$want" CapBnd
  hr_assert_eq "$(status_field "$output" NoNewPrivs)" 1 NoNewPrivs
  # a plain docker exec carries docker's default set (NET_RAW, MKNOD, ...)
  out=$(hr_docker exec "$id" sh -c "$STATUS_SCRIPT")
  hr_assert_eq "$(status_field "$out" CapEff)" "$want" "plain exec CapEff"
  hr_assert_eq "$(audit_last "$id" exec | jq -r '"\(.verdict) \(.profile)"')" "allowed default"
  hr_docker rm -f "$id" >/dev/null
}

@test "docker update --pids-limit -1 is clamped to the ceiling; lowering passes" {
  local id ceil
  ceil=$(hr_profile_get '.pids.ceiling')
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 1000)
  hr_docker update --pids-limit -1 "$id" >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/pids/pids.max)" "$ceil" pids.max
  hr_assert_eq "$(audit_last "$id" update | jq -c '[.verdict, (.changes[] |
      select(.rule == "pids-limit") | .old, .new)]')" "[\"allowed\",\"-1\",\"$ceil\"]"
  hr_docker update --pids-limit 100 "$id" >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/pids/pids.max)" 100 "lowered"
  hr_docker rm -f "$id" >/dev/null
}

@test "docker exec and update follow the profile the container was created with" {
  local id
  id=$(hr_docker run -d --runtime hardrun-tight -u 1000 --network none "$HR_IMAGE" sleep 1000)
  hr_assert_eq "$(jq -r .profile "$HR_D"/state/*/"$id.json")" tight
  run hr_docker exec --privileged "$id" sh -c "$STATUS_SCRIPT"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(status_field "$output" CapBnd)" "$(hr_cap_mask KILL)" CapBnd
  # uid 0 is refused, with hardrun's message in docker's error (which
  # docker exec prints on stdout)
  run hr_docker exec -u 0 "$id" id -u
  echo "status=$status output=$output"
  [ "$status" -ne 0 ]
  [[ $output == *'OCI runtime exec failed: hardrun: profile "tight": rule "user": process.user.uid: the process would run as root (uid 0)'* ]] ||
    hr_die "hardrun's refusal is not in docker's error"
  hr_assert_eq "$(audit_last "$id" exec | jq -r '"\(.verdict) \(.profile)"')" "refused tight"
  hr_docker update --pids-limit -1 "$id" >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" cat /sys/fs/cgroup/pids/pids.max)" 200 pids.max
  # docker rm removes hardrun's record through runc delete
  hr_docker rm -f "$id" >/dev/null
  if ls "$HR_D"/state/*/"$id.json" 2>/dev/null; then hr_die "state record left behind"; fi
}
