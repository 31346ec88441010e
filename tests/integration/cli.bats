#!/usr/bin/env bats
# Command lines as runc reads them (Go flag syntax, flags after the id), run
# with the real runc through hardrun.  Each form must both reach runc intact
# (the spy runtime logs the argv it got) and harden the bundle it names (the
# container sees no_new_privs).

load helpers
bats_require_minimum_version 1.5.0

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  # Starts without no_new_privs: seeing NoNewPrivs 1 inside proves that
  # hardrun found and rewrote this bundle.
  hr_bundle_docker_like cli /bin/sh -c 'grep ^NoNewPrivs /proc/self/status'
  B=$HR_BUNDLE
  ID=$HR_ID
  G=(--hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" --log "$B/log.json" --log-format json)
  RUNC_G="--root $HR_RUNC_ROOT --log $B/log.json --log-format json"
}

teardown() {
  hr_teardown
}

# created_then_runs ARGV-SEEN-BY-RUNC: the container exists as "created",
# runc got exactly that argv (hardrun's options removed), and once started it
# prints NoNewPrivs 1 to the stdout create was given ($HR_TMP/out).
created_then_runs() {
  hr_assert_eq "$(hr_state "$ID")" created
  hr_assert_eq "$(tail -n 1 "$HR_SPY_LOG")" "$1" "argv runc received"
  hr_assert_eq "$(jq -r .root.readonly "$B/config.json")" true "config.json rewritten"
  "$HARDRUN" "${G[@]}" start "$ID"
  hr_wait_state "$ID" stopped
  hr_assert_eq "$(cat "$HR_TMP/out")" "NoNewPrivs:	1" "container output"
  "$HARDRUN" "${G[@]}" delete "$ID"
  hr_assert_eq "$(hr_state "$ID")" ""
}

@test "create -b BUNDLE ID" {
  "$HARDRUN" "${G[@]}" create -b "$B" "$ID" >"$HR_TMP/out" </dev/null
  created_then_runs "$RUNC_G create -b $B $ID"
}

@test "create --bundle=BUNDLE ID" {
  "$HARDRUN" "${G[@]}" create --bundle="$B" "$ID" >"$HR_TMP/out" </dev/null
  created_then_runs "$RUNC_G create --bundle=$B $ID"
}

@test "create -bundle BUNDLE ID (single-dash long flag)" {
  "$HARDRUN" "${G[@]}" create -bundle "$B" "$ID" >"$HR_TMP/out" </dev/null
  created_then_runs "$RUNC_G create -bundle $B $ID"
}

@test "create ID --bundle BUNDLE --pid-file FILE (flags after the id)" {
  "$HARDRUN" "${G[@]}" create "$ID" --bundle "$B" --pid-file "$HR_TMP/init.pid" \
    >"$HR_TMP/out" </dev/null
  [ -s "$HR_TMP/init.pid" ]
  created_then_runs "$RUNC_G create $ID --bundle $B --pid-file $HR_TMP/init.pid"
}

@test "create ID without --bundle uses the current directory" {
  (cd "$B" && "$HARDRUN" "${G[@]}" create "$ID" >"$HR_TMP/out" </dev/null)
  created_then_runs "$RUNC_G create $ID"
}

@test "containerd's argv: create --bundle B --pid-file P ID" {
  "$HARDRUN" "${G[@]}" create --bundle "$B" --pid-file "$B/init.pid" "$ID" \
    >"$HR_TMP/out" </dev/null
  created_then_runs "$RUNC_G create --bundle $B --pid-file $B/init.pid $ID"
}

@test "global flags with values and switches: --debug --rootless false --log-format=json" {
  "$HARDRUN" --debug --rootless false --hardrun-config "$HR_CONF" --root "$HR_RUNC_ROOT" \
    --log "$B/log.json" --log-format=json create --bundle "$B" "$ID" >"$HR_TMP/out" </dev/null
  created_then_runs "--debug --rootless false --root $HR_RUNC_ROOT --log $B/log.json --log-format=json create --bundle $B $ID"
}

@test "run -d" {
  "$HARDRUN" "${G[@]}" run -d --bundle "$B" "$ID" >"$HR_TMP/out" </dev/null
  hr_assert_eq "$(tail -n 1 "$HR_SPY_LOG")" "$RUNC_G run -d --bundle $B $ID"
  hr_wait_state "$ID" stopped
  hr_assert_eq "$(cat "$HR_TMP/out")" "NoNewPrivs:	1"
  hr_assert_eq "$(jq -r .root.readonly "$B/config.json")" true
}

@test "run in the foreground returns the container's exit status" {
  hr_spec_edit "$B" '.process.args = ["/bin/sh", "-c", "exit 7"]'
  run "$HARDRUN" "${G[@]}" run --bundle "$B" "$ID" </dev/null
  hr_assert_eq "$status" 7
}

# A profile that differs visibly from the default one: pids.max 77.
write_p77() {
  printf '{"description": "cli test", "pids": {"default": 77}}\n' >"$HR_TMP/profiles/p77.json"
  hr_spec_edit "$B" '.process.args = ["/bin/cat", "/sys/fs/cgroup/pids/pids.max"]'
}

@test "--hardrun-profile=NAME among the global flags" {
  write_p77
  "$HARDRUN" --root "$HR_RUNC_ROOT" --hardrun-profile=p77 --log "$B/log.json" \
    --hardrun-config="$HR_CONF" --log-format json create --bundle "$B" "$ID" >"$HR_TMP/out" </dev/null
  hr_assert_eq "$(tail -n 1 "$HR_SPY_LOG")" "$RUNC_G create --bundle $B $ID"
  "$HARDRUN" "${G[@]}" start "$ID"
  hr_wait_state "$ID" stopped
  hr_assert_eq "$(cat "$HR_TMP/out")" 77 pids.max
  # the profile has no readonlyRootfs: the spec keeps readonly false
  hr_assert_eq "$(jq -r .root.readonly "$B/config.json")" false
  hr_assert_eq "$(jq -r --arg id "$ID" 'select(.id == $id) | .profile' "$HR_AUDIT")" p77
}

@test "--hardrun-profile NAME (separate value) before the command" {
  write_p77
  "$HARDRUN" --hardrun-profile p77 "${G[@]}" run --bundle "$B" "$ID" >"$HR_TMP/out" </dev/null
  hr_assert_eq "$(cat "$HR_TMP/out")" 77 pids.max
}

@test "an unknown --hardrun- option is refused and runc never runs" {
  run "$HARDRUN" --hardrun-bogus=1 "${G[@]}" create --bundle "$B" "$ID" </dev/null
  [ "$status" -ne 0 ]
  [ ! -e "$HR_SPY_LOG" ]
  hr_assert_eq "$(hr_state "$ID")" ""
}

@test "a --hardrun- option after the command is not taken as hardrun's" {
  printf '{"pids": {"default": 77}}\n' >"$HR_TMP/profiles/p77.json"
  run "$HARDRUN" "${G[@]}" create --hardrun-profile=p77 --bundle "$B" "$ID" </dev/null
  [ "$status" -ne 0 ]
  hr_assert_eq "$(hr_state "$ID")" ""
}

@test "a repeated --hardrun- option is refused" {
  run "$HARDRUN" --hardrun-profile=default --hardrun-profile=p77 "${G[@]}" create --bundle "$B" "$ID" </dev/null
  [ "$status" -ne 0 ]
  [ ! -e "$HR_SPY_LOG" ]
}

@test "pass-through commands work and read no profile; create with the same conf fails" {
  # A conf whose default profile is broken.
  printf '{"description": "broken", "pidz": 1}\n' >"$HR_TMP/profiles/brokendef.json"
  hr_write_conf "$HR_TMP/broken.conf" brokendef
  local -a bad=(--hardrun-config="$HR_TMP/broken.conf" --root "$HR_RUNC_ROOT"
    --log "$B/log.json" --log-format json)

  # a running container, made with the good conf
  hr_spec_edit "$B" '.process.args = ["/bin/sleep", "60"]'
  "$HARDRUN" "${G[@]}" create --bundle "$B" "$ID" >/dev/null 2>&1 </dev/null
  "$HARDRUN" "${G[@]}" start "$ID"
  hr_wait_state "$ID" running
  local audit_lines
  audit_lines=$(wc -l <"$HR_AUDIT")

  run "$HARDRUN" "${bad[@]}" state "$ID"
  hr_assert_eq "$status" 0 state
  hr_assert_eq "$(jq -r .status <<<"$output")" running
  hr_assert_eq "$(jq -r .id <<<"$output")" "$ID"
  hr_assert_eq "$(jq -r .bundle <<<"$output")" "$B"

  run "$HARDRUN" "${bad[@]}" list -q
  hr_assert_eq "$status" 0 list
  hr_assert_eq "$output" "$ID"

  run "$HARDRUN" "${bad[@]}" kill "$ID" KILL
  hr_assert_eq "$status" 0 kill
  hr_wait_state "$ID" stopped

  run "$HARDRUN" "${bad[@]}" delete "$ID"
  hr_assert_eq "$status" 0 delete
  hr_assert_eq "$(hr_state "$ID")" ""

  run "$HARDRUN" --hardrun-config="$HR_TMP/broken.conf" --version
  hr_assert_eq "$status" 0 --version
  [[ $output == *"runc version"* ]]

  # runc got each command as written, minus hardrun's option
  grep -Fx -- "--root $HR_RUNC_ROOT --log $B/log.json --log-format json state $ID" "$HR_SPY_LOG"
  grep -Fx -- "--root $HR_RUNC_ROOT --log $B/log.json --log-format json kill $ID KILL" "$HR_SPY_LOG"
  grep -Fx -- "--version" "$HR_SPY_LOG"
  # no decision was recorded for them
  hr_assert_eq "$(wc -l <"$HR_AUDIT")" "$audit_lines" "audit records"

  # the same conf refuses to create
  hr_bundle cli2 /bin/true
  run "$HARDRUN" "${bad[@]}" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  hr_assert_eq "$status" 1 create
  jq -r .msg <<<"$(tail -n 1 "$B/log.json")" | grep -F pidz
  hr_assert_eq "$(hr_state "$HR_ID")" ""
}
