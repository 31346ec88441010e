#!/usr/bin/env bats
# The later commands: `runc exec` and `runc update` on a container that
# hardrun created, with the real runc.  docker exec --privileged becomes
# `exec --process F` with every capability in F; docker update --pids-limit
# -1 becomes `update --resources -` with {"pids":{"limit":-1}} on stdin.
# What the new process has is read from inside it; the limits are read from
# inside the container with plain runc, an observer hardrun does not touch.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  hr_plain && skip "hardrun's own state is under test"
  HR_STATE=$HR_TMP/state
  jq --arg s "$HR_STATE" '. + {stateDir: $s}' "$HR_CONF" >"$HR_CONF.new"
  mv "$HR_CONF.new" "$HR_CONF"
  PROFILE=$HR_PROFILES/default.json
  # A second profile: one capability, a tight CPU ceiling, uid 0 refused
  # (its containers run as uid 1000).
  cat >"$HR_TMP/profiles/tight.json" <<'EOF'
{
  "noNewPrivileges": true,
  "capabilities": {"allow": ["CAP_KILL"]},
  "pids": {"default": 100, "ceiling": 200},
  "cpu": {"default": "1", "ceiling": "2", "period": 100000},
  "user": {"root": "refuse"}
}
EOF
}

teardown() {
  hr_teardown
}

# start_container NAME [PROFILE]: a docker-like bundle (every capability, no
# no_new_privs, no limits) running `sleep`, created and started through
# hardrun.  Sets HR_BUNDLE, HR_ID and CG (the container's pids cgroup).
start_container() {
  local -a HR_RT_OPTS=()
  [ -z "${2:-}" ] || HR_RT_OPTS=(--hardrun-profile="$2")
  hr_bundle_docker_like "$1" sleep 1000
  [ "${2:-}" != tight ] || hr_spec_edit "$HR_BUNDLE" '.process.user = {uid: 1000, gid: 1000}'
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null 2>&1 ||
    { cat "$HR_BUNDLE/log.json" >&2; return 1; }
  hr_rt "$HR_BUNDLE" start "$HR_ID"
  hr_wait_state "$HR_ID" running
}

# The whole process object of the bundle, asking for every capability in
# all five sets and without no_new_privs, as docker exec --privileged does;
# ARGS... is the command.
privileged_process() {
  local caps
  caps=$(hr_host_caps_json)
  jq --argjson c "$caps" --argjson a "$(hr_json_array "$@")" \
    '.process | .capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c,
      ambient: $c} | .noNewPrivileges = false | .args = $a | .terminal = false' \
    "$HR_BUNDLE/config.json"
}

STATUS_SCRIPT='grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status'

# status_field OUTPUT NAME
status_field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

# inside CMD...: run CMD in the container with plain runc.
inside() {
  "$HR_RUNC" --root "$HR_RUNC_ROOT" exec "$HR_ID" "$@"
}

# audit_last COMMAND: the last audit record of COMMAND for this container.
audit_last() {
  jq -c --arg id "$HR_ID" --arg c "$1" 'select(.id == $id and .command == $c)' "$HR_AUDIT" |
    tail -n 1
}

@test "exec --process asking for every capability gets only the allowlist" {
  local want out
  start_container priv
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  want=$(hr_cap_mask "${caps[@]}")
  privileged_process sh -c "$STATUS_SCRIPT" >"$HR_TMP/process.json"
  chmod 0640 "$HR_TMP/process.json"
  out=$(hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID")
  echo "$out"
  hr_assert_eq "$(status_field "$out" CapEff)" "$want" CapEff
  hr_assert_eq "$(status_field "$out" CapPrm)" "$want" CapPrm
  hr_assert_eq "$(status_field "$out" CapBnd)" "$want" CapBnd
  hr_assert_eq "$(status_field "$out" CapInh)" "$want" CapInh
  hr_assert_eq "$(status_field "$out" CapAmb)" "$want" CapAmb
  hr_assert_eq "$(status_field "$out" NoNewPrivs)" 1 NoNewPrivs
  # rewritten in place, keeping its mode; the audit record says so
  hr_assert_eq "$(jq -c '.capabilities.bounding | length' "$HR_TMP/process.json")" "${#caps[@]}"
  hr_assert_eq "$(stat -c %a "$HR_TMP/process.json")" 640
  hr_assert_eq "$(audit_last exec | jq -r '"\(.verdict) \(.profile) \(.bundle)"')" \
    "allowed default $HR_BUNDLE"
  hr_assert_eq "$(audit_last exec | jq -r '[.changes[] | select(.rule == "capabilities" or
      .rule == "no-new-privileges") | .path] | join(" ")')" \
    "process.noNewPrivileges process.capabilities.bounding process.capabilities.effective process.capabilities.inheritable process.capabilities.permitted process.capabilities.ambient"
}

@test "exec's flags: --cap outside the allowlist dropped, --no-new-privs=false overridden" {
  local out
  start_container flags
  out=$(hr_rt "$HR_BUNDLE" exec --cap CAP_SYS_ADMIN --cap CAP_KILL --no-new-privs=false \
    "$HR_ID" sh -c "$STATUS_SCRIPT")
  echo "$out"
  # config.json's set, the allowlist since create, plus CAP_KILL (in it)
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  hr_assert_eq "$(status_field "$out" CapBnd)" "$(hr_cap_mask "${caps[@]}")" CapBnd
  hr_assert_eq "$(status_field "$out" CapEff)" "$(hr_cap_mask "${caps[@]}")" CapEff
  hr_assert_eq "$(status_field "$out" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_match "$(tail -n 1 "$HR_SPY_LOG")" " exec --cap=CAP_KILL --no-new-privs $HR_ID sh -c "
}

# runc exec without --process reads the process from the bundle's
# config.json again, as it is at exec time, not as create left it.
rewrite_config_process() {
  jq --argjson c "$(hr_host_caps_json)" '.process.capabilities = {bounding: $c, effective: $c,
      permitted: $c, inheritable: $c, ambient: $c} | .process.noNewPrivileges = false' \
    "$HR_BUNDLE/config.json" >"$HR_TMP/config.json.new"
  mv "$HR_TMP/config.json.new" "$HR_BUNDLE/config.json"
}

@test "exec without --process is refused when config.json's process is not the hardened one any more" {
  local out
  start_container rewritten
  rewrite_config_process
  run hr_rt "$HR_BUNDLE" exec "$HR_ID" sh -c "$STATUS_SCRIPT"
  echo "$output"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    "hardrun: profile \"default\": rule \"no-new-privileges\": process.noNewPrivileges: \"$HR_BUNDLE/config.json\" is not as create left it (the rule would change this field): runc exec without --process takes the process from it; use --process"
  [[ $(tail -n 1 "$HR_SPY_LOG") != *" exec "* ]]
  # with --process, the file is what runc reads, and it is hardened
  privileged_process sh -c "$STATUS_SCRIPT" >"$HR_TMP/process.json"
  out=$(hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID")
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  hr_assert_eq "$(status_field "$out" CapBnd)" "$(hr_cap_mask "${caps[@]}")" CapBnd
  hr_assert_eq "$(status_field "$out" NoNewPrivs)" 1 NoNewPrivs
}

@test "control: plain runc exec without --process takes every capability from the rewritten config.json" {
  local out
  start_container rewritten-control
  rewrite_config_process
  out=$("$HR_RUNC" --root "$HR_RUNC_ROOT" exec "$HR_ID" sh -c "$STATUS_SCRIPT")
  echo "$out"
  hr_assert_eq "$(status_field "$out" NoNewPrivs)" 0 NoNewPrivs
  # every capability this host has
  hr_assert_eq "$(status_field "$out" CapEff)" "$(awk '/^CapBnd:/ {print $2}' /proc/self/status)" CapEff
}

# runc hands the container fds 3.. of its own process for --preserve-fds N
# (and, on create and run, for LISTEN_FDS).  Numbers the caller did not pass
# are runc's own by then: with --log, fd 7 is an O_PATH descriptor of the
# host's /sys/fs/cgroup, and ".." from it leaves the container's root.
# bats keeps fd 3 open for its output: each call closes 3-9 itself.
no_fds() {
  "$@" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

LEAK_SCRIPT='for f in 3 4 5 6 7; do cat "/proc/self/fd/$f/../../..$HR_MARK" 2>/dev/null; done; true'

@test "control: plain runc exec --preserve-fds 5 hands the container runc's own /sys/fs/cgroup, and the host's files" {
  local out
  start_container preserve-control
  echo "host-only $RANDOM" >"$HR_TMP/marker"
  out=$(no_fds "$HR_RUNC" --root "$HR_RUNC_ROOT" --log "$HR_BUNDLE/log.json" exec --preserve-fds 5 \
    --env "HR_MARK=$HR_TMP/marker" "$HR_ID" sh -c "$LEAK_SCRIPT")
  hr_assert_eq "$out" "$(cat "$HR_TMP/marker")" "a host file read from inside"
}

@test "exec --preserve-fds naming descriptors the caller did not pass is refused; passed ones reach the container" {
  local out
  start_container preserve
  echo "host-only $RANDOM" >"$HR_TMP/marker"
  run no_fds hr_rt "$HR_BUNDLE" exec --preserve-fds 5 --env "HR_MARK=$HR_TMP/marker" "$HR_ID" \
    sh -c "$LEAK_SCRIPT"
  echo "$output"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    "hardrun: argv: --preserve-fds: fd 3 is not open for runc to inherit: runc would pass the container a descriptor of its own in its place (its --log file, or the host's /sys/fs/cgroup, from which \"..\" reaches the host's /)"
  [[ $(tail -n 1 "$HR_SPY_LOG") != *" exec "* ]]
  # fd 4 passed but not fd 3: still refused, naming fd 3
  run no_fds hr_rt "$HR_BUNDLE" exec --preserve-fds=2 "$HR_ID" true 4</dev/null
  hr_assert_eq "$status" 1
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" "fd 3 is not open"
  # both passed: they are what the container gets
  out=$(hr_rt "$HR_BUNDLE" exec --preserve-fds 2 "$HR_ID" \
    sh -c 'readlink /proc/self/fd/3; readlink /proc/self/fd/4' 3</dev/null 4<"$HR_TMP/marker" \
    5>&- 6>&- 7>&- 8>&- 9>&-)
  hr_assert_eq "$out" "/dev/null
$HR_TMP/marker" "the passed descriptors"
}

@test "create with LISTEN_FDS for runc's pid but no descriptors behind it is refused before config.json is written" {
  local before
  hr_bundle listen-fds true
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  # exec keeps the pid: LISTEN_PID names the runc that hardrun would become
  # (stdio to a file: a container created after all would hold a pipe open)
  run no_fds sh -c 'exec env LISTEN_PID=$$ LISTEN_FDS=2 "$@" </dev/null >"$HR_TMP/out" 2>&1' sh \
    "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" --log "$HR_BUNDLE/log.json" \
    --log-format json create --bundle "$HR_BUNDLE" "$HR_ID"
  cat "$HR_TMP/out"
  hr_assert_eq "$status" 1
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" "argv: LISTEN_FDS: fd 3 is not open for runc to inherit"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || [[ $(tail -n 1 "$HR_SPY_LOG") != *" create "* ]]
  # another pid's LISTEN_FDS is not runc's to take: allowed
  no_fds env LISTEN_PID=1 LISTEN_FDS=2 "$HARDRUN" --hardrun-config="$HR_CONF" \
    --root "$HR_RUNC_ROOT" --log "$HR_BUNDLE/log.json" --log-format json \
    create --bundle "$HR_BUNDLE" "$HR_ID"
  hr_wait_state "$HR_ID" created
}

@test "exec uses the profile the container was created with, not one that comes with the exec" {
  local out
  start_container tight tight
  hr_assert_eq "$(jq -r .profile "$HR_STATE"/*/"$HR_ID.json")" tight
  privileged_process sh -c "$STATUS_SCRIPT" | jq '.user = {uid: 1000, gid: 1000}' \
    >"$HR_TMP/process.json"
  HR_RT_OPTS=(--hardrun-profile=default)
  out=$(hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID")
  echo "$out"
  # uid 1000 keeps only what ambient carries over: CAP_KILL
  hr_assert_eq "$(status_field "$out" CapBnd)" "$(hr_cap_mask KILL)" CapBnd
  hr_assert_eq "$(status_field "$out" CapEff)" "$(hr_cap_mask KILL)" CapEff
  hr_assert_eq "$(audit_last exec | jq -r .profile)" tight
}

@test "exec as uid 0 is refused where the profile forbids root" {
  start_container user tight
  privileged_process id -u >"$HR_TMP/process.json"
  jq '.user = {uid: 0, gid: 0}' "$HR_TMP/process.json" >"$HR_TMP/root.json"
  run hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/root.json" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" \
    'profile \\"tight\\": rule \\"user\\": process.user.uid: the process would run as root'
  # runc never ran the exec
  [[ $(tail -n 1 "$HR_SPY_LOG") != *" exec "* ]]
  hr_assert_eq "$(audit_last exec | jq -r .verdict)" refused
  # the flag form too
  run hr_rt "$HR_BUNDLE" exec --user 0:0 "$HR_ID" id -u
  [ "$status" -ne 0 ]
  [[ $(tail -n 1 "$HR_SPY_LOG") != *" exec "* ]]
  # another uid passes
  hr_assert_eq "$(hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID")" 1000
}

@test "a container hardrun did not create gets the default profile" {
  local out want
  hr_bundle_docker_like plain sleep 1000
  "$HR_RUNC" --root "$HR_RUNC_ROOT" run -d --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null 2>&1
  hr_wait_state "$HR_ID" running
  privileged_process sh -c "$STATUS_SCRIPT" >"$HR_TMP/process.json"
  out=$(hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID")
  mapfile -t caps < <(hr_profile_caps "$PROFILE")
  want=$(hr_cap_mask "${caps[@]}")
  hr_assert_eq "$(status_field "$out" CapEff)" "$want" CapEff
  hr_assert_eq "$(audit_last exec | jq -r .profile)" default
  grep -q '"msg":"hardrun: no state record: the default profile applies"' "$HR_BUNDLE/log.json"
}

@test "update --resources - with {\"pids\":{\"limit\":-1}} leaves pids.max at the ceiling" {
  local ceil
  ceil=$(hr_profile_get '.pids.ceiling' "$PROFILE")
  start_container pids
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" "$(hr_profile_get '.pids.default' "$PROFILE")"
  hr_rt "$HR_BUNDLE" update --resources - "$HR_ID" <<<'{"pids":{"limit":-1}}'
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" "$ceil" pids.max
  hr_assert_eq "$(audit_last update | jq -c '[.verdict, (.changes[] | select(.rule == "pids-limit") |
      .path, .old, .new)]')" "[\"allowed\",\"linux.resources.pids.limit\",\"-1\",\"$ceil\"]"
  # runc read the clamped body from stdin, not the caller's
  hr_assert_match "$(tail -n 1 "$HR_SPY_LOG")" " update --resources=- $HR_ID\$"
}

@test "update --pids-limit=-1 leaves pids.max at the ceiling; lowering passes" {
  local ceil
  ceil=$(hr_profile_get '.pids.ceiling' "$PROFILE")
  start_container pidsflag
  hr_rt "$HR_BUNDLE" update "$HR_ID" --pids-limit=-1
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" "$ceil" pids.max
  hr_rt "$HR_BUNDLE" update --pids-limit 50 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" 50 "lowered by flag"
  hr_rt "$HR_BUNDLE" update -r - "$HR_ID" <<<'{"pids":{"limit":40}}'
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" 40 "lowered by body"
  hr_rt "$HR_BUNDLE" update --pids-limit 1000000 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/pids/pids.max)" "$ceil" "raised past the ceiling"
}

@test "update --resources FILE and --memory -1 are clamped to the memory ceiling" {
  local ceil
  ceil=$(hr_size "$(hr_profile_get '.memory.ceiling' "$PROFILE")")
  start_container mem
  echo '{"memory":{"limit":-1}}' >"$HR_TMP/res.json"
  hr_rt "$HR_BUNDLE" update --resources "$HR_TMP/res.json" "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" "$ceil" memory
  # the caller's file is left as it was
  hr_assert_eq "$(cat "$HR_TMP/res.json")" '{"memory":{"limit":-1}}'
  hr_rt "$HR_BUNDLE" update --memory 64m "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 67108864 "64m"
  hr_rt "$HR_BUNDLE" update --memory -1 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" "$ceil" "-1"
}

@test "update: CPU quota -1 and a lone shorter period stay within the ceiling" {
  start_container cpu tight
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 100000 "default: 1 CPU"
  hr_rt "$HR_BUNDLE" update --cpu-quota -1 --cpu-period 100000 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 200000 "ceiling: 2 CPUs"
  # runc would keep quota 200000 over a 50ms period: 4 CPUs
  hr_rt "$HR_BUNDLE" update --cpu-period 50000 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)" 50000 period
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 100000 quota
  # a longer period alone lowers the ratio and passes as runc would run it
  hr_rt "$HR_BUNDLE" update --cpu-period 100000 "$HR_ID"
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)" 100000 period
  hr_assert_eq "$(inside cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)" 100000 quota
  hr_assert_eq "$(jq -c .cpu "$HR_STATE"/*/"$HR_ID.json")" '{"quota":100000,"period":100000}'
}

@test "delete removes the record; a second create of the id records again" {
  start_container del tight
  [ -f "$HR_STATE"/*/"$HR_ID.json" ]
  hr_rt "$HR_BUNDLE" delete --force "$HR_ID"
  [ -z "$(hr_state "$HR_ID")" ]
  if ls "$HR_STATE"/*/"$HR_ID.json" 2>/dev/null; then hr_die "state record left behind"; fi
  # a state directory others may write is not trusted: create fails
  chmod 0777 "$HR_STATE"
  run hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" "state directory .* must be owned by uid 0 and writable by no one else"
  [ -z "$(hr_state "$HR_ID")" ]
}
