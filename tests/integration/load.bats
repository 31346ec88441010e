#!/usr/bin/env bats
# Load: many containers through hardrun at once, and many in a row.
#   - 64 `hardrun run` of distinct bundles, 16 at a time, under the default
#     profile with a user namespace from a pool: each container reports,
#     from inside, its own id (so no bundle got another's config), its
#     no_new_privs, capabilities and seccomp mode, and its uid_map; the 16
#     of a batch wait for each other, so their ranges must be disjoint.
#   - 200 create/delete cycles: no file descriptor leaks into the runtime
#     or stays open in the calling shell, and no state record, user
#     namespace slice, ACL entry or runc container is left.
# The time each part took is printed (bats --tap shows it as a comment).

load helpers

POOL_UID=500000
POOL_GID=600000
SLICE=65536
SLICES=32

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_plain && skip "the load tests check hardrun's own state"
  hr_setup
  hr_jsonc "$HR_PROFILES/default.json" |
    jq --argjson u $POOL_UID --argjson g $POOL_GID --argjson n $((SLICE * SLICES)) \
      '. + {userNamespace: {pool: {uid: $u, gid: $g, size: $n}}}' >"$HR_TMP/profiles/uns.json"
  hr_write_conf "$HR_CONF" uns
  TABLE=$HR_TMP/state/userns/slices.json
  ROOTFS=$(hr_rootfs)
  # What the profile must fix, as docker writes it: a writable rootfs, no
  # no_new_privs, every capability this host can grant.
  (cd "$HR_TMP" && "$HR_RUNC" spec)
  jq --argjson caps "$(hr_host_caps_json)" '.root.readonly = false | del(.process.noNewPrivileges)
    | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}' \
    "$HR_TMP/config.json" >"$HR_TMP/template.json"
  rm "$HR_TMP/config.json"
}

teardown() {
  hr_teardown
}

# load_bundle NAME ID SCRIPT [FILTER [JQ ARGS...]]: a bundle whose
# container runs `sh -c SCRIPT` with LOAD_ID=ID, on a hard-linked copy of
# the rootfs the slice's root can read; FILTER edits the config further.
load_bundle() {
  local name=$1 id=$2 script=$3 filter=${4:-.} b=$HR_TMP/$1
  shift 3
  [ $# -eq 0 ] || shift
  mkdir -p "$b"
  cp -al "$ROOTFS" "$b/rootfs"
  chmod 755 "$b" "$b/rootfs"
  jq --arg id "$id" --arg s "$script" "$@" \
    '.process.terminal = false | .process.args = ["sh", "-c", $s]
     | .process.env += ["LOAD_ID=" + $id] | .hostname = $id
     | .linux.cgroupsPath = "/hrtest-" + $id | '"$filter" <"$HR_TMP/template.json" >"$b/config.json"
}

# What every container must see: the default profile's capabilities.
caps_mask() {
  hr_cap_mask $(hr_profile_caps)
}

# Wait for the other 15 of the batch in /mnt (a directory of the image:
# the slice's root cannot make a mount point in a rootfs host root owns),
# then report.
CONTAINER_SCRIPT='touch /mnt/$LOAD_ID
i=0
while [ "$(ls /mnt | wc -l)" -lt 16 ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done
echo "id=$LOAD_ID"
echo "peers=$(ls /mnt | wc -l)"
grep -E "^(NoNewPrivs|CapEff|Seccomp):" /proc/self/status | tr -d "\t "
echo "uid_map=$(head -n 1 /proc/self/uid_map | tr -s " " | sed "s/^ //")"'

# load_read_report FILE: the container's report into r_id, r_peers, r_nnp,
# r_capeff, r_seccomp, r_map (without a process per field: 64 of them).
load_read_report() {
  local line
  r_id= r_peers= r_nnp= r_capeff= r_seccomp= r_map=
  while IFS= read -r line; do
    case $line in
    id=*) r_id=${line#id=} ;;
    peers=*) r_peers=${line#peers=} ;;
    NoNewPrivs:*) r_nnp=${line#NoNewPrivs:} ;;
    CapEff:*) r_capeff=${line#CapEff:} ;;
    Seccomp:*) r_seccomp=${line#Seccomp:} ;;
    uid_map=*) r_map=${line#uid_map=} ;;
    esac
  done <"$1"
}

@test "load: 64 concurrent runs, 16 at a time: each container its policy, its own ids, its own config" {
  local batch i id b start mask out h n
  mask=$(caps_mask)
  start=$SECONDS
  for ((i = 0; i < 64; i++)); do
    batch=$((i / 16))
    mkdir -p -m 1777 "$HR_TMP/sync$batch"
    load_bundle "l$i" "load-$i-$$" "$CONTAINER_SCRIPT" \
      '.mounts += [{destination: "/mnt", type: "bind", source: $src, options: ["rbind", "rw"]}]' \
      --arg src "$HR_TMP/sync$batch"
  done
  echo "# bundles made in $((SECONDS - start)) s" >&3
  start=$SECONDS
  for ((batch = 0; batch < 4; batch++)); do
    for ((i = batch * 16; i < batch * 16 + 16; i++)); do
      b=$HR_TMP/l$i
      (
        rc=0
        hr_run_container "$b" "load-$i-$$" >"$b/out" 2>"$b/err" || rc=$?
        echo $rc >"$b/status"
      ) &
    done
    wait
  done
  echo "# 64 runs, 16 at a time, in $((SECONDS - start)) s" >&3

  start=$SECONDS
  # what each bundle's config.json says after the rewrite, in one pass
  local -A written
  while read -r b h n; do written[$b]="$h $n"; done < <(jq -r \
    '"\(input_filename | capture("/l(?<i>[0-9]+)/config.json$").i) \(.linux.uidMappings[0].hostID) \(.hostname)"' \
    "$HR_TMP"/l*/config.json)
  for ((batch = 0; batch < 4; batch++)); do
    local hosts=()
    for ((i = batch * 16; i < batch * 16 + 16; i++)); do
      b=$HR_TMP/l$i id=load-$i-$$
      [ "$(<"$b/status")" = 0 ] || hr_die "$id: exit $(<"$b/status"): $(cat "$b/err" "$b/log.json")"
      load_read_report "$b/out"
      hr_assert_eq "$r_id" "$id" "the id container $i printed" || return 1
      hr_assert_eq "$r_peers" 16 "$id: containers alive with it" || return 1
      hr_assert_eq "$r_nnp" 1 "$id: no_new_privs" || return 1
      hr_assert_eq "$r_capeff" "$mask" "$id: effective capabilities" || return 1
      hr_assert_eq "$r_seccomp" 2 "$id: seccomp filter mode" || return 1
      read -r c h n <<<"$r_map"
      hr_assert_eq "$c $n" "0 $SLICE" "$id: uid_map" || return 1
      [ "$h" -ge $POOL_UID ] && [ "$h" -lt $((POOL_UID + SLICE * SLICES)) ] ||
        hr_die "$id: host uid $h outside the pool" || return 1
      # the bundle's own config was rewritten with the ids it ran with
      hr_assert_eq "${written[$i]}" "$h $id" "$id: hostID and hostname in its config.json" || return 1
      hosts+=("$h")
    done
    hr_assert_eq "$(printf '%s\n' "${hosts[@]}" | sort -u | wc -l)" 16 \
      "distinct ranges among the 16 running together in batch $batch: ${hosts[*]}" || return 1
  done
  # one audit record per container, naming its own bundle
  hr_assert_eq "$(jq -r '"\(.id) \(.bundle) \(.verdict)"' "$HR_AUDIT" | sort)" \
    "$(for ((i = 0; i < 64; i++)); do echo "load-$i-$$ $HR_TMP/l$i allowed"; done | sort)" \
    "audit records"
  echo "# checked in $((SECONDS - start)) s" >&3
}

@test "load: 200 create/delete cycles (LOAD_CYCLES) leave no fd, state file, id range or container behind" {
  local i b=$HR_TMP/cycle start fds_before fds_after base cycles=${LOAD_CYCLES:-200}
  # The runtime lists the descriptors it inherited, then runs runc: hardrun
  # must pass on exactly what it was given.
  cat >"$HR_TMP/runc-spy" <<EOF
#!/bin/sh
ls /proc/self/fd | tr '\n' ' ' >>'$HR_TMP/fds'
echo >>'$HR_TMP/fds'
exec '$HR_RUNC' "\$@"
EOF
  load_bundle cycle cycle-$$ 'true'
  "$HR_TMP/runc-spy" --version >/dev/null
  base=$(cat "$HR_TMP/fds")
  : >"$HR_TMP/fds"
  fds_before=$(ls "/proc/$BASHPID/fd" | sort -n | tr '\n' ' ')
  start=$SECONDS
  for ((i = 0; i < cycles; i++)); do
    hr_rt "$b" create --bundle "$b" "cycle-$i-$$" </dev/null >/dev/null ||
      hr_die "create $i: $(tail -n 1 "$b/log.json")" || return 1
    hr_rt "$b" delete "cycle-$i-$$" </dev/null ||
      hr_die "delete $i: $(tail -n 1 "$b/log.json")" || return 1
  done
  echo "# $cycles create/delete cycles in $((SECONDS - start)) s" >&3
  fds_after=$(ls "/proc/$BASHPID/fd" | sort -n | tr '\n' ' ')
  hr_assert_eq "$fds_after" "$fds_before" "descriptors of the calling shell"
  hr_assert_eq "$(wc -l <"$HR_TMP/fds")" $((cycles * 2)) "runtime calls"
  hr_assert_eq "$(sort -u "$HR_TMP/fds")" "$base" "descriptors the runtime inherited"

  hr_assert_eq "$("$HR_RUNC" --root "$HR_RUNC_ROOT" list -q)" "" "containers left"
  hr_assert_eq "$(find "$HR_TMP/state" -name '*.json' ! -path '*/seccomp/*' ! -name slices.json)" "" \
    "state records left"
  hr_assert_eq "$(find "$HR_TMP/state" "$b" -name '.*')" "" "temporary files left"
  hr_assert_eq "$(jq '.slices | length' "$TABLE")" 0 "user-namespace slices left"
  # no ACL entry for a slice's root on the directories above the rootfs
  hr_assert_eq "$(getfacl -pc "$HR_TMP" "$b" 2>/dev/null | grep -c '^user:[0-9]')" 0 "ACL entries left"
}
