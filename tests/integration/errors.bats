#!/usr/bin/env bats
# Refusals: hardrun must fail closed, leave the bundle exactly as it found
# it, never start runc, and explain itself the way runc does (the last
# log.json line is what containerd shows to `docker run`).

load helpers
bats_require_minimum_version 1.5.0

setup() {
  hr_setup
  hr_bundle err /bin/true
  ID=$HR_ID
  B=$HR_BUNDLE
}

teardown() {
  hr_teardown
}

# refused PATTERN [--hardrun-* options...]: `create` must fail; the last line
# of log.json is a runc-style error naming PATTERN (fixed string); the
# bundle holds exactly what it held before; runc never ran.
refused() {
  local pattern=$1 before_sum="" before_ls last msg
  shift
  HR_RT_OPTS=("$@")
  [ -p "$B/config.json" ] || before_sum=$(hr_sha256 "$B/config.json")
  before_ls=$(ls -A "$B" | tr '\n' ' ')
  HR_RT_TIMEOUT=20 run hr_rt "$B" create --bundle "$B" --pid-file "$B/init.pid" "$ID"
  echo "status=$status output=$output"
  [ "$status" -ne 0 ]
  hr_assert_eq "$status" 1 "exit status, as runc on a create error"

  [ -s "$B/log.json" ]
  cat "$B/log.json"
  last=$(hr_last_log "$B")
  jq -e 'type == "object"' <<<"$last" >/dev/null
  hr_assert_eq "$(jq -r '[keys[]] | join(",")' <<<"$last")" "level,msg,time" "runc's log keys"
  hr_assert_eq "$(jq -r .level <<<"$last")" error
  hr_assert_match "$(jq -r .time <<<"$last")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
  msg=$(jq -r .msg <<<"$last")
  hr_assert_match "$msg" '^hardrun: '
  [[ $msg == *"$pattern"* ]] || hr_die "message does not name '$pattern': $msg"

  # the bundle is untouched: same config bytes, no temp file left, the
  # log file is the only new entry
  if [ -n "$before_sum" ]; then
    hr_assert_eq "$(hr_sha256 "$B/config.json")" "$before_sum" "config.json bytes"
  fi
  hr_assert_eq "$(ls -A "$B" | grep -vx log.json | tr '\n' ' ')" "$before_ls" "bundle entries"

  # runc never ran
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
  hr_assert_eq "$(ls -A "$HR_RUNC_ROOT")" "" "runc state"
}

@test "invalid JSON is refused" {
  printf '{"ociVersion": "1.0.2", "process": {"args": ["true"' >"$B/config.json"
  refused config.json
}

@test "a wrong type is refused and the JSON path is named" {
  hr_spec_edit "$B" '.process.capabilities.bounding = "x"'
  refused process.capabilities.bounding
}

@test "a wrong type in a limit is refused and the JSON path is named" {
  hr_spec_edit "$B" '.linux.resources.pids = {limit: "many"}'
  refused linux.resources.pids.limit
}

@test "a float where runc wants an integer is refused" {
  hr_spec_edit "$B" '.linux.resources.memory = {limit: 0}'
  sed -i 's/"limit": *0/"limit": 1.5e9/' "$B/config.json"
  grep -q '1.5e9' "$B/config.json"
  refused linux.resources.memory.limit
}

@test "a refusal is recorded in the audit file" {
  hr_spec_edit "$B" '.process.capabilities.bounding = "x"'
  refused process.capabilities.bounding
  hr_assert_eq "$(jq -s --arg id "$ID" '[.[] | select(.id == $id)] | length' "$HR_AUDIT")" 1
  hr_assert_eq "$(jq -r --arg id "$ID" 'select(.id == $id) | .verdict' "$HR_AUDIT")" refused
  jq -r --arg id "$ID" 'select(.id == $id) | .reason' "$HR_AUDIT" | grep -F process.capabilities.bounding
}

@test "a symlinked config.json is refused and its target left alone" {
  mv "$B/config.json" "$B/real.json"
  ln -s real.json "$B/config.json"
  local sum
  sum=$(hr_sha256 "$B/real.json")
  refused config.json
  [ -L "$B/config.json" ]
  hr_assert_eq "$(hr_sha256 "$B/real.json")" "$sum"
}

@test "a symlink to a config outside the bundle is refused" {
  mv "$B/config.json" "$HR_TMP/outside.json"
  ln -s "$HR_TMP/outside.json" "$B/config.json"
  local sum
  sum=$(hr_sha256 "$HR_TMP/outside.json")
  refused config.json
  hr_assert_eq "$(hr_sha256 "$HR_TMP/outside.json")" "$sum"
}

@test "a config.json that is a FIFO is refused without blocking" {
  rm "$B/config.json"
  mkfifo "$B/config.json"
  refused config.json
  [ -p "$B/config.json" ]
}

@test "a config.json that is a directory is refused" {
  rm "$B/config.json"
  mkdir "$B/config.json"
  refused config.json
  [ -d "$B/config.json" ]
}

@test "a missing bundle is refused" {
  rm -rf "$B"
  mkdir "$B"
  refused config.json
}

@test "an unknown profile is refused" {
  refused nope --hardrun-profile=nope
}

@test "a profile name that is a path is refused" {
  refused passwd --hardrun-profile=../../../etc/passwd
}

@test "a profile with an unknown key is refused with file:line:col" {
  printf '{\n  "description": "broken",\n  "pidz": {"default": 10}\n}\n' >"$HR_TMP/profiles/broken.json"
  refused "broken.json:3:" --hardrun-profile=broken
  [[ $(jq -r .msg <<<"$(hr_last_log "$B")") == *pidz* ]]
}

@test "a profile with a default above its ceiling is refused" {
  printf '{"pids": {"default": 100, "ceiling": 10}}\n' >"$HR_TMP/profiles/upside.json"
  refused upside.json --hardrun-profile=upside
}

@test "a broken default profile is refused" {
  printf '{"capabilities": {"allow": ["CAP_NOT_A_CAP"]}}\n' >"$HR_TMP/profiles/badcaps.json"
  hr_write_conf "$HR_CONF" badcaps
  refused NOT_A_CAP
}

@test "a broken hardrun.conf is refused" {
  printf '{"profileDirz": []}\n' >"$HR_CONF"
  refused profileDirz
}

@test "without --log the error goes to stderr as text" {
  printf '{"ociVersion": ' >"$B/config.json"
  local sum
  sum=$(hr_sha256 "$B/config.json")
  run --separate-stderr timeout 20 "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" \
    create --bundle "$B" "$ID"
  echo "status=$status stdout=$output stderr=$stderr"
  hr_assert_eq "$status" 1
  hr_assert_eq "$output" "" stdout
  hr_assert_match "$stderr" 'level=error msg="hardrun: profile \\"default\\": rule [^ ]* config\.json:1:'
  hr_assert_match "$stderr" '^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T'
  [ ! -e "$B/log.json" ]
  hr_assert_eq "$(hr_sha256 "$B/config.json")" "$sum"
  [ ! -e "$HR_SPY_LOG" ]
}
