#!/usr/bin/env bats
# User namespaces: each container gets a slice of the id pool no other live
# container holds.  Checked from inside (uid_map), from the host (file
# ownership, /proc/PID/uid_map of each init) and in hardrun's table.

load helpers

POOL_UID=300000
POOL_GID=400000
SLICE=65536

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  # The default profile plus a user namespace on a pool of 64 slices.
  hr_jsonc "$HR_PROFILES/default.json" |
    jq --argjson u $POOL_UID --argjson g $POOL_GID --argjson n $((SLICE * 64)) \
      '. + {userNamespace: {pool: {uid: $u, gid: $g, size: $n}}}' >"$HR_TMP/profiles/uns.json"
  hr_write_conf "$HR_CONF" uns
  TABLE=$HR_TMP/state/userns/slices.json
}

teardown() {
  hr_teardown
}

# uns_bundle NAME CMD...: a bundle whose rootfs the mapped root can read.
uns_bundle() {
  hr_bundle "$@" || return 1
  chmod 755 "$HR_BUNDLE" "$HR_BUNDLE/rootfs"
}

# init_map ID FILE: the first line of /proc/<init>/FILE, seen from the host.
init_map() {
  local pid
  pid=$("$HR_RUNC" --root "$HR_RUNC_ROOT" state "$1" | jq -r .pid)
  awk 'NR == 1 { print $1, $2, $3 }' "/proc/$pid/$2"
}

@test "userns: container root maps to a host id from the pool, 65536 ids, uid and gid" {
  uns_bundle uid sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  read -r c h n <<<"$(sed -n 1p <<<"$output")"
  hr_assert_eq "$c" 0 "uid_map container id"
  [ "$h" -ge $POOL_UID ] && [ "$h" -lt $((POOL_UID + SLICE * 64)) ] || hr_die "host uid $h outside the pool"
  hr_assert_eq "$n" $SLICE "uid_map size"
  read -r c h n <<<"$(sed -n 2p <<<"$output")"
  [ "$h" -ge $POOL_GID ] || hr_die "host gid $h below the pool"
  hr_assert_eq "$(sed -n 3p <<<"$output")" 0 "id -u inside"
  grep -q '"rule":"user-namespace","path":"linux.uidMappings"' "$HR_AUDIT"
}

@test "userns: a file created in a bind-mounted directory belongs to the mapped id on the host" {
  mkdir -m 1777 "$HR_TMP/shared"
  # /mnt exists in the image: the mapped root cannot make a mount point in
  # a rootfs that host root owns.
  uns_bundle bind sh -c 'touch /mnt/by-root && echo done'
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/shared" rbind rw
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  local uid
  uid=$(jq -r '.slices[0].uid' "$TABLE")
  hr_assert_eq "$(stat -c %u "$HR_TMP/shared/by-root")" "$uid" "owner of by-root"
  hr_assert_eq "$(stat -c %g "$HR_TMP/shared/by-root")" "$(jq -r '.slices[0].gid' "$TABLE")" "group"
  [ "$uid" -ge $POOL_UID ]
}

@test "userns: two running containers hold disjoint ranges" {
  uns_bundle a sleep 60
  local a=$HR_ID ba=$HR_BUNDLE
  hr_rt "$ba" create --bundle "$ba" "$a" </dev/null
  uns_bundle b sleep 60
  local b=$HR_ID bb=$HR_BUNDLE
  hr_rt "$bb" create --bundle "$bb" "$b" </dev/null
  local ma mb
  ma=$(init_map "$a" uid_map)
  mb=$(init_map "$b" uid_map)
  echo "a: $ma / b: $mb"
  read -r _ ha na <<<"$ma"
  read -r _ hb nb <<<"$mb"
  [ "$ha" -ne "$hb" ]
  # disjoint: one ends before the other starts
  [ $((ha + na)) -le "$hb" ] || [ $((hb + nb)) -le "$ha" ] || hr_die "ranges overlap"
  read -r _ ga _ <<<"$(init_map "$a" gid_map)"
  read -r _ gb _ <<<"$(init_map "$b" gid_map)"
  [ "$ga" -ne "$gb" ]
}

@test "userns: 20 concurrent creates get 20 distinct ranges, and delete frees them all" {
  local i ids=() pids=()
  for i in $(seq 1 20); do
    uns_bundle "c$i" sleep 60
    ids+=("$HR_ID")
    hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  local maps
  maps=$(for i in "${ids[@]}"; do init_map "$i" uid_map; done)
  echo "$maps"
  hr_assert_eq "$(wc -l <<<"$maps")" 20 "containers"
  hr_assert_eq "$(awk '{print $2}' <<<"$maps" | sort -u | wc -l)" 20 "distinct host uids"
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 20 "slices in the table"
  hr_assert_eq "$(jq '[.slices[].uid] | unique | length' "$TABLE")" 20 "distinct slices"
  for i in "${ids[@]}"; do
    hr_rt "$HR_TMP" delete --force "$i"
  done
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 0 "slices left after delete"
}

@test "userns: after delete the range is free again and goes to the next container" {
  uns_bundle a sleep 60
  local a=$HR_ID
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$a" </dev/null
  local first
  first=$(init_map "$a" uid_map)
  uns_bundle b sleep 60
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  # a created (not started) container: runc delete kills it, no --force needed
  hr_rt "$HR_TMP" delete "$a"
  [ "$(jq --arg id "$a" '[.slices[] | select(.id == $id)] | length' "$TABLE")" = 0 ]
  uns_bundle c sleep 60
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  hr_assert_eq "$(init_map "$HR_ID" uid_map)" "$first" "the freed range"
}

@test "userns: delete of a running container without --force keeps its range (runc refuses)" {
  uns_bundle a sleep 60
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  hr_rt "$HR_BUNDLE" start "$HR_ID"
  hr_wait_state "$HR_ID" running
  run hr_rt "$HR_BUNDLE" delete "$HR_ID"
  [ "$status" -ne 0 ]
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 1 "slice kept"
  hr_rt "$HR_BUNDLE" delete --force "$HR_ID"
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 0 "slice released"
}

@test "userns: a create that dies before runc leaves a slice that the next create reclaims" {
  uns_bundle dead true
  # The "runtime" kills itself: the process that took the slice is gone and
  # runc never made the container, as after a crash or a SIGKILL.
  printf '#!/bin/sh\nkill -9 $$\n' >"$HR_TMP/crash"
  chmod 755 "$HR_TMP/crash"
  HR_RT_OPTS=(--hardrun-runtime="$HR_TMP/crash")
  run hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  [ "$status" -ne 0 ]
  HR_RT_OPTS=()
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 1 "the dead create's slice"
  local dead_uid
  dead_uid=$(jq '.slices[0].uid' "$TABLE")
  uns_bundle next sleep 60
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 1 "only the live container's slice"
  hr_assert_eq "$(jq -r '.slices[0].id' "$TABLE")" "$HR_ID"
  hr_assert_eq "$(init_map "$HR_ID" uid_map | awk '{print $2}')" "$dead_uid" "reclaimed range"
}

@test "userns: a rootfs below a 0700 directory gets an ACL search entry, removed on delete" {
  mkdir -m 700 "$HR_TMP/private"
  uns_bundle deep sleep 60
  mv "$HR_BUNDLE" "$HR_TMP/private/deep"
  HR_BUNDLE=$HR_TMP/private/deep
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  local uid
  uid=$(jq '.slices[0].uid' "$TABLE")
  getfacl -p "$HR_TMP/private" | grep -qx "user:$uid:--x"
  hr_rt "$HR_BUNDLE" start "$HR_ID"
  hr_wait_state "$HR_ID" running
  hr_rt "$HR_BUNDLE" delete --force "$HR_ID"
  if getfacl -p "$HR_TMP/private" | grep -q "^user:$uid:"; then hr_die "ACL entry left"; fi
  hr_assert_eq "$(stat -c %a "$HR_TMP/private")" 700 "mode after revoke"
  # no extended ACL left: without one, getfacl shows no mask entry
  if getfacl -cp "$HR_TMP/private" | grep -q '^mask::'; then hr_die "an access ACL is left"; fi
}

@test "userns: a rootfs the mapped root cannot search is refused; nothing is changed or kept" {
  uns_bundle closed true
  chmod 700 "$HR_BUNDLE/rootfs"
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE"
  hr_last_log "$HR_BUNDLE" | jq -e '.level == "error" and (.msg | test("rule \"user-namespace\": root.path: the rootfs .* is not searchable"))'
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json"
  hr_assert_eq "$( (cat "$TABLE" 2>/dev/null || echo '{"slices":[]}') | jq '.slices | length')" 0 \
    "slices kept by the refused create"
}

@test "userns: identity and host-root mappings are refused, naming rule and field" {
  uns_bundle ident true
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("rule \"user-namespace\": linux.uidMappings: .*host root")'
  [ ! -e "$HR_RUNC_ROOT/$HR_ID" ]
}

@test "userns: a joined network namespace gets /sys as a read-only bind, and the container runs" {
  command -v ip >/dev/null || skip "iproute2 is not installed"
  local ns=hrtest-$$-$RANDOM
  ip netns add "$ns"
  uns_bundle netns sh -c 'awk "\$5 == \"/sys\" {print \$6}" /proc/self/mountinfo; cat /proc/self/uid_map'
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
    --arg p "/var/run/netns/$ns"
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  ip netns delete "$ns"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_match "$(sed -n 1p <<<"$output")" '(^|,)ro(,|$)'
  grep -q '"path":"mounts\[[0-9]*\]".*rbind' "$HR_AUDIT"
}

@test "userns: the pool can come from subuid/subgid files" {
  printf 'other:100000:65536\nhardrun:500000:131072\n' >"$HR_TMP/subuid"
  printf 'hardrun:600000:131072\n' >"$HR_TMP/subgid"
  hr_jsonc "$HR_PROFILES/default.json" |
    jq --arg u "$HR_TMP/subuid" --arg g "$HR_TMP/subgid" \
      '. + {userNamespace: {subidUser: "hardrun", subuidFile: $u, subgidFile: $g}}' \
      >"$HR_TMP/profiles/uns.json"
  uns_bundle subid sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 1p <<<"$output" | awk '{print $2}')" 500000 "uid from subuid"
  hr_assert_eq "$(sed -n 2p <<<"$output" | awk '{print $2}')" 600000 "gid from subgid"
}

@test "userns: without a pool the container is refused with what to add" {
  hr_jsonc "$HR_PROFILES/default.json" |
    jq --arg u "$HR_TMP/none" '. + {userNamespace: {subuidFile: $u, subgidFile: $u}}' \
      >"$HR_TMP/profiles/uns.json"
  uns_bundle nopool true
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ "$status" -ne 0 ]
  hr_last_log "$HR_BUNDLE" | jq -e '.msg | test("no id pool: .*hardrun:1000000:65536000")'
}

@test "userns: runc exec joins the container's namespace" {
  uns_bundle ex sleep 60
  hr_rt "$HR_BUNDLE" run -d --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null
  hr_wait_state "$HR_ID" running
  run hr_rt "$HR_BUNDLE" exec "$HR_ID" cat /proc/self/uid_map
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(awk '{print $2}' <<<"$output")" "$(jq '.slices[0].uid' "$TABLE")"
}

@test "userns: the README's recipe turns it on in a copy of the shipped default profile" {
  printf 'hardrun:800000:65536\n' >"$HR_TMP/subid"
  # the README's sed, then the test's own subid files instead of /etc's
  sed 's/"enabled": false, "subidUser"/"enabled": true, "subidUser"/' \
    "$HR_PROFILES/default.json" >"$HR_TMP/recipe.json"
  if cmp -s "$HR_PROFILES/default.json" "$HR_TMP/recipe.json"; then hr_die "the recipe changed nothing"; fi
  hr_jsonc "$HR_TMP/recipe.json" | jq --arg f "$HR_TMP/subid" \
    '.userNamespace += {subuidFile: $f, subgidFile: $f}' >"$HR_TMP/profiles/uns.json"
  uns_bundle recipe cat /proc/self/uid_map
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "$output"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(awk '{print $2}' <<<"$output")" 800000
}
