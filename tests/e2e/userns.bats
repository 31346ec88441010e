#!/usr/bin/env bats
# User namespaces through the whole chain: docker CLI -> dockerd ->
# containerd -> shim -> hardrun -> runc, on private daemons (daemons.bash).
# What breaks there and what hardrun does about it (runtime-facts):
# docker's 0710 data-root directories (ACL search entries), its
# ping_group_range sysctl (cut to the mapped gids) and sysfs in a network
# namespace the container joins (a read-only bind of /sys).

load daemons
bats_require_minimum_version 1.5.0

POOL_UID=700000
SLICE=65536

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  if hr_plain; then
    hr_skip_file "hardrun's user namespaces are under test"
    return 0
  fi
  hr_daemons_start
  # `docker run --runtime hardrun` with a default profile that adds a user
  # namespace: hardrun reads its conf on every call, no daemon reload.
  hr_jsonc "$HR_PROFILES/default.json" |
    jq --argjson u $POOL_UID --argjson n $((SLICE * 32)) \
      '. + {userNamespace: {pool: {uid: $u, gid: $u, size: $n}}}' >"$HR_D/profiles/uns.json"
  jq '. + {defaultProfile: "uns"}' "$HR_D/hardrun.conf" >"$HR_D/hardrun.conf.new"
  mv "$HR_D/hardrun.conf.new" "$HR_D/hardrun.conf"
  hr_docker_image
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

TABLE() { echo "$HR_D/hrstate/userns/slices.json"; }

UNS_SCRIPT='cat /proc/self/uid_map /proc/self/gid_map
echo ping=$(cat /proc/sys/net/ipv4/ping_group_range)
echo sys=$(awk "\$5 == \"/sys\" {print \$6}" /proc/self/mountinfo)
if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
echo ifaces=$(ls /sys/class/net | tr "\n" " ")'

check_uns_output() {
  echo "$output"
  hr_assert_eq "$status" 0
  # dockerd's client-side warnings (IPv4 forwarding) share the stream
  output=$(grep -v '^WARNING:' <<<"$output")
  read -r c h n <<<"$(sed -n 1p <<<"$output")"
  hr_assert_eq "$c" 0 "uid_map container id"
  [ "$h" -ge $POOL_UID ] || hr_die "host uid $h below the pool"
  hr_assert_eq "$n" $SLICE "uid_map size"
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$output")" readonly
}

@test "docker run --runtime hardrun --network none: a user namespace from the pool" {
  run hr_docker run --rm --runtime hardrun --network none "$HR_IMAGE" sh -c "$UNS_SCRIPT"
  check_uns_output
}

@test "docker run --runtime hardrun on a docker network: mapped, ping_group_range cut, eth0 up" {
  hr_docker network create hr-uns-net >/dev/null
  run hr_docker run --rm --runtime hardrun --network hr-uns-net "$HR_IMAGE" sh -c "$UNS_SCRIPT"
  hr_docker network rm hr-uns-net >/dev/null
  check_uns_output
  hr_assert_eq "$(sed -n 's/^ping=//p' <<<"$output" | tr -s ' \t' ' ')" "0 65535" ping_group_range
  hr_assert_match "$(sed -n 's/^ifaces=//p' <<<"$output")" 'eth0'
}

@test "docker run --network container:X joins a namespace it does not own: /sys is a read-only bind" {
  local first
  first=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 60)
  run hr_docker run --rm --runtime hardrun --network "container:$first" "$HR_IMAGE" sh -c "$UNS_SCRIPT"
  hr_docker rm -f "$first" >/dev/null
  check_uns_output
  hr_assert_match "$(sed -n 's/^sys=//p' <<<"$output")" '(^|,)ro(,|$)'
}

@test "docker: two running containers have disjoint ranges; a volume file belongs to the mapped id" {
  local a b ma mb
  mkdir -m 1777 "$HR_D/vol"
  a=$(hr_docker run -d --runtime hardrun --network none -v "$HR_D/vol:/mnt" "$HR_IMAGE" \
    sh -c 'touch /mnt/from-a; sleep 60')
  b=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 60)
  ma=$(hr_docker exec "$a" cat /proc/self/uid_map | awk '{print $2}')
  mb=$(hr_docker exec "$b" cat /proc/self/uid_map | awk '{print $2}')
  echo "a=$ma b=$mb"
  [ "$ma" -ne "$mb" ]
  [ $((ma + SLICE)) -le "$mb" ] || [ $((mb + SLICE)) -le "$ma" ] || hr_die "ranges overlap"
  hr_wait_for 50 test -e "$HR_D/vol/from-a"
  hr_assert_eq "$(stat -c %u "$HR_D/vol/from-a")" "$ma" "owner of the volume file"
  hr_docker rm -f "$a" "$b" >/dev/null
}

@test "docker rm -f releases the slice and the ACL entries on docker's directories" {
  local id uid data
  data=$HR_D/data
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 60)
  uid=$(jq --arg id "$id" '.slices[] | select(.id == $id) | .uid' "$(TABLE)")
  [ -n "$uid" ]
  getfacl -p "$data" | grep -qx "user:$uid:--x"
  hr_docker rm -f "$id" >/dev/null
  hr_assert_eq "$(jq --arg id "$id" '[.slices[] | select(.id == $id)] | length' "$(TABLE)")" 0
  if getfacl -p "$data" "$data/overlay2" | grep -q "^user:$uid:"; then
    hr_die "ACL entries for uid $uid left on docker's directories"
  fi
}
