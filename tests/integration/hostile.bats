#!/usr/bin/env bats
# Hostile bundles against the shipped default and strict profiles, through
# hardrun and the real runc: each test is an attack a config.json (or an
# exec process file, or an update body) can make on the host, and checks
# that it is refused before runc runs, or rewritten so that the container,
# seen from inside, cannot do what it asked for.  Where the attack itself
# is worth proving, a "control" test runs the same bundle with the one rule
# that stops it turned off and shows the attack working.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  hr_setup
  HR_RT_OPTS=()
  PROFILE=default
}

teardown() {
  # A cgroup a test made to hold a process, and the process.
  if [ -n "${BUSY_PID:-}" ]; then
    kill "$BUSY_PID" 2>/dev/null || true
    wait "$BUSY_PID" 2>/dev/null || true
  fi
  if [ -n "${BUSY_CG:-}" ]; then
    rmdir "$BUSY_CG/child" "$BUSY_CG" 2>/dev/null || true
  fi
  if [ -n "${CALLER_CG:-}" ]; then
    echo "$BASHPID" >"${CALLER_CG%/*}/cgroup.procs" 2>/dev/null || true
    rmdir "$CALLER_CG" 2>/dev/null || true
  fi
  if [ -n "${FAKE_DOCKERD:-}" ]; then
    kill "$FAKE_DOCKERD" 2>/dev/null || true
    wait "$FAKE_DOCKERD" 2>/dev/null || true
  fi
  mountpoint -q "$HR_TMP/data/merged" 2>/dev/null && umount "$HR_TMP/data/merged"
  hr_teardown
}

# with_profile NAME JSON: the default profile with JSON's sections on top.
with_profile() {
  hr_jsonc "$HR_PROFILES/default.json" | jq --argjson over "$2" '. + $over' \
    >"$HR_TMP/profiles/$1.json"
  PROFILE=$1
  HR_RT_OPTS=(--hardrun-profile="$1")
}

# refused RULE MESSAGE: the create fails as runc fails, log.json's last error
# is MESSAGE (exact, after the rule), config.json is untouched, runc never ran.
refused() {
  local rule=$1 want=$2 before last
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  cat "$HR_BUNDLE/log.json" 2>/dev/null || true
  hr_assert_eq "$status" 1 "exit status"
  last=$(hr_last_log "$HR_BUNDLE")
  hr_assert_eq "$(jq -r .level <<<"$last")" error
  hr_assert_eq "$(jq -r .msg <<<"$last")" "hardrun: profile \"$PROFILE\": rule \"$rule\": $want"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  if [ -e "$HR_SPY_LOG" ]; then
    hr_die "runc was called: $(cat "$HR_SPY_LOG")"
  fi
}

# started: the container runs to its end; its stdout is in $OUT.
started() {
  OUT=$HR_BUNDLE/out
  if ! hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err"; then
    cat "$HR_BUNDLE/err" "$HR_BUNDLE/log.json" >&2 2>/dev/null
    hr_die "the container did not start"
  fi
  cat "$OUT"
}

# audit_changes: "path: old -> new" per change of this container's record.
audit_changes() {
  jq -r --arg id "$HR_ID" 'select(.id == $id) | .changes[]
    | if has("finding") then "AUDIT \(.path): \(.finding)" else "\(.path): \(.old) -> \(.new)" end' \
    "$HR_AUDIT"
}

# ---- kernel filesystems mounted by the spec -------------------------------------

PROC_ELSEWHERE='if [ -e /host-proc/sys/kernel/core_pattern ]; then
  if [ -w /host-proc/sys/kernel/core_pattern ]; then echo core_pattern=writable; else echo core_pattern=read-only; fi
else echo core_pattern=absent; fi'

@test "a second proc mount outside /proc is removed: no writable core_pattern inside" {
  hr_bundle procelse /bin/sh -c "$PROC_ELSEWHERE"
  hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/host-proc", type: "proc", source: "proc"}]'
  started
  hr_assert_eq "$(cat "$OUT")" core_pattern=absent
  hr_assert_match "$(audit_changes)" 'mounts\[[0-9]+\]: \{"destination":"/host-proc","type":"proc","source":"proc"\} -> \(absent\)'
}

@test "control: with systemPaths off, that proc mount shows a writable core_pattern" {
  with_profile nopaths '{"privileged": {"systemPaths": "off"}}'
  hr_bundle procelse-control /bin/sh -c "$PROC_ELSEWHERE"
  hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/host-proc", type: "proc", source: "proc"}]'
  started
  hr_assert_eq "$(cat "$OUT")" core_pattern=writable
}

# runc masks /sys/firmware (and docker /sys/devices/virtual/powercap, whose
# energy counters are a side channel) in the sysfs at /sys only.
SYSFS_ELSEWHERE='if [ -d /host-sys/firmware ]; then echo "firmware=$(ls /host-sys/firmware | wc -l)"; else echo firmware=absent; fi'

@test "a second sysfs mount outside /sys is removed: no unmasked /sys/firmware inside" {
  hr_bundle sysfselse /bin/sh -c "$SYSFS_ELSEWHERE"
  hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/host-sys", type: "sysfs", source: "sysfs", options: ["ro"]}]'
  started
  hr_assert_eq "$(cat "$OUT")" firmware=absent
  hr_assert_match "$(audit_changes)" 'mounts\[[0-9]+\]: \{"destination":"/host-sys","type":"sysfs","source":"sysfs","options":\["ro"\]\} -> \(absent\)'
}

@test "control: with systemPaths off, that sysfs mount shows the host's /sys/firmware" {
  [ -n "$(ls /sys/firmware 2>/dev/null)" ] || skip "this host's /sys/firmware is empty"
  with_profile nopaths '{"privileged": {"systemPaths": "off"}}'
  hr_bundle sysfselse-control /bin/sh -c "$SYSFS_ELSEWHERE"
  hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/host-sys", type: "sysfs", source: "sysfs", options: ["ro"]}]'
  started
  hr_assert_eq "$(cat "$OUT")" "firmware=$(ls /sys/firmware | wc -l)"
}

CGROUP_RAISE='cat /sys/fs/cgroup/pids/pids.max
if echo max >/sys/fs/cgroup/pids/pids.max 2>/dev/null; then echo raised; else echo kept; fi
cat /sys/fs/cgroup/pids/pids.max'

# A cgroup mount without "ro", as docker --privileged writes it.
writable_cgroup() {
  hr_spec_edit "$HR_BUNDLE" '(.mounts[] | select(.type == "cgroup") | .options) |= map(select(. != "ro"))'
  [ "$(jq '[.mounts[] | select(.type == "cgroup") | .options[] | select(. == "ro")] | length' "$HR_BUNDLE/config.json")" = 0 ]
}

@test "a writable cgroupfs is made read-only: the container cannot raise its own pids.max" {
  hr_bundle cgrw /bin/sh -c "$CGROUP_RAISE"
  writable_cgroup
  started
  hr_assert_eq "$(cat "$OUT")" '1024
kept
1024'
}

@test "control: with systemPaths off, the container lifts its own pids limit" {
  with_profile nopaths '{"privileged": {"systemPaths": "off"}}'
  hr_bundle cgrw-control /bin/sh -c "$CGROUP_RAISE"
  writable_cgroup
  started
  hr_assert_eq "$(cat "$OUT")" '1024
raised
max'
}

@test "a writable sysfs is made read-only" {
  hr_bundle sysrw /bin/sh -c 'grep " /sys sysfs " /proc/mounts | cut -d" " -f4 | cut -d, -f1'
  hr_spec_edit "$HR_BUNDLE" '(.mounts[] | select(.type == "sysfs") | .options) |= map(select(. != "ro"))'
  started
  hr_assert_eq "$(cat "$OUT")" ro
}

@test "binfmt_misc, debugfs, tracefs, securityfs and devtmpfs are refused; runc never runs" {
  local t
  for t in binfmt_misc debugfs tracefs securityfs devtmpfs; do
    hr_bundle "fs-$t" /bin/true
    hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/mnt", type: $t, source: $t}]' --arg t "$t"
    refused host-mounts "mounts[$(($(jq '.mounts | length' "$HR_BUNDLE/config.json") - 1))].type: filesystem type \"$t\" is not one a container is given (proc, sysfs, cgroup, cgroup2, tmpfs, devpts, mqueue, overlay or a bind mount): others, such as binfmt_misc, debugfs or devtmpfs, are the host kernel's"
  done
}

# ---- remount --------------------------------------------------------------------

# A host file the profile lets containers bind read-only, then a second
# mount on the same destination that remounts it read-write.
remount_bundle() {
  printf 'host\n' >"$HR_TMP/hostfile"
  hr_bundle "$1" /bin/sh -c 'echo container >>/etc/hostfile; cat /etc/hostfile'
  hr_spec_edit "$HR_BUNDLE" '.mounts += [
      {destination: "/etc/hostfile", type: "bind", source: $f, options: ["rbind", "ro"]},
      {destination: "/etc/hostfile", type: "tmpfs", source: "tmpfs", options: ["remount", "rw"]}]' \
    --arg f "$HR_TMP/hostfile"
}

@test "remount: a read-only host file cannot be made writable by a second mount" {
  with_profile rofile "{\"hostMounts\": {\"allowReadOnly\": [\"$HR_TMP/hostfile\"]}}"
  remount_bundle remount
  refused host-mounts "mounts[$(($(jq '.mounts | length' "$HR_BUNDLE/config.json") - 1))].options[0]: \"remount\" changes the mount already at the destination (a read-only bind made writable, say) instead of adding one"
  hr_assert_eq "$(cat "$HR_TMP/hostfile")" host
}

@test "control: without host-mounts the remount writes the host's file" {
  with_profile nohm '{"hostMounts": false}'
  remount_bundle remount-control
  started
  hr_assert_eq "$(cat "$HR_TMP/hostfile")" 'host
container'
}

# A last "rrw" clears read-only with mount_setattr after runc's read-only
# remount of the bind.  The file lies in a sensitive directory that the
# profile lets containers bind read-only.
rrw_bundle() {
  mkdir -p "$HR_TMP/sens"
  printf 'host\n' >"$HR_TMP/sens/hostfile"
  hr_bundle "$1" /bin/sh -c 'echo container >>/etc/hostfile; cat /etc/hostfile'
  hr_spec_edit "$HR_BUNDLE" '.mounts += [
      {destination: "/etc/hostfile", type: "bind", source: $f, options: ["rbind", "ro", "rrw"]}]' \
    --arg f "$HR_TMP/sens/hostfile"
}

@test "rrw: a read-only host file cannot be made writable by a last rrw" {
  with_profile rofile "{\"hostMounts\": {\"sensitive\": [\"$HR_TMP/sens\"],
    \"allowReadOnly\": [\"$HR_TMP/sens/hostfile\"]}}"
  rrw_bundle rrw
  refused host-mounts "mounts[$(($(jq '.mounts | length' "$HR_BUNDLE/config.json") - 1))].source: \"$HR_TMP/sens/hostfile\" lies in the sensitive host path \"$HR_TMP/sens\""
  hr_assert_eq "$(cat "$HR_TMP/sens/hostfile")" host
  # the same bind ending in "ro" is let through
  hr_spec_edit "$HR_BUNDLE" '.mounts[-1].options = ["rbind", "rrw", "ro", "rro"]
    | .process.args = ["/bin/cat", "/etc/hostfile"]'
  started
  hr_assert_eq "$(cat "$OUT")" host
}

@test "control: without host-mounts, ro then rrw writes the host's file" {
  with_profile nohm '{"hostMounts": false}'
  rrw_bundle rrw-control
  started
  hr_assert_eq "$(cat "$HR_TMP/sens/hostfile")" 'host
container'
}

# ---- device rules -------------------------------------------------------------------

# Any allowed rule of type "a" makes runc's device emulator allow every
# device (cgroup v1 writes "a" to devices.allow), whatever its access: a
# container with CAP_MKNOD can then open any device it makes.  /dev/vcs
# (7:0, the console's text) stands for them: no capability guards it.
device_bundle() {
  hr_bundle "$1" /bin/sh -c 'mknod /dev/xvcs c 7 0 && (exec 3</dev/xvcs) && echo opened'
  hr_spec_edit "$HR_BUNDLE" '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
    | .linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, access: "m"}]'
}

@test "devices: an allowed type-a rule, mknod only, is refused as allow-all" {
  with_profile mknod '{"capabilities": {"allow": ["MKNOD"]}}'
  device_bundle typea
  refused privileged 'linux.resources.devices[1]: allows every device of the host (as --privileged does)'
}

@test "control: with privileged off, that rule lets the container open a host device" {
  with_profile mknod-off '{"capabilities": {"allow": ["MKNOD"]}, "privileged": {"mode": "off", "systemPaths": "off"}}'
  device_bundle typea-control
  started
  hr_assert_eq "$(cat "$OUT")" opened
}

# Under a user namespace runc 1.1 cannot mknod: it binds the host's file at
# each linux.devices entry's path, read-write.  A path outside /dev names
# any host file (the spec brings its own namespace: userNamespace is off).
userns_node_bundle() {
  printf 'host\n' >"$HR_TMP/hostfile"
  hr_bundle "$1" /bin/sh -c 'echo container >>"$0"; cat "$0"' "$HR_TMP/hostfile"
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]
    | .linux.devices = [{path: $f, type: "c", major: 1, minor: 3}]' --arg f "$HR_TMP/hostfile"
}

@test "devices: under a user namespace, a node's path outside /dev is refused" {
  userns_node_bundle usnode
  refused host-devices "linux.devices[0].path: device path \"$HR_TMP/hostfile\" is not a clean absolute path below /dev/ (no \".\", \"..\" or empty component)"
  hr_assert_eq "$(cat "$HR_TMP/hostfile")" host
}

@test "control: with hostDevices off, /dev/null's numbers bind the host's file writable" {
  with_profile nodev '{"hostDevices": false}'
  userns_node_bundle usnode-control
  started
  hr_assert_eq "$(cat "$HR_TMP/hostfile")" 'host
container'
}

# ---- the root filesystem ----------------------------------------------------------

@test "root.path \"/\" and a relative path that climbs to /etc are refused" {
  hr_bundle rootslash /bin/true
  hr_spec_edit "$HR_BUNDLE" '.root.path = "/"'
  refused host-mounts 'root.path: "/" is the sensitive host path "/"'
  hr_bundle rootclimb /bin/true
  local up
  up=$(realpath --relative-to="$HR_BUNDLE" /etc)
  hr_spec_edit "$HR_BUNDLE" '.root.path = $p' --arg p "$up"
  refused host-mounts "root.path: \"$HR_BUNDLE/$up\" (resolves to \"/etc\") is the sensitive host path \"/etc\""
}

@test "a rootfs inside a sensitive data root runs when an image is mounted there, not as a plain directory" {
  local data=$HR_TMP/data
  with_profile dataroot "{\"hostMounts\": {\"sensitive\": [\"/\", \"/etc\", \"$data\"]}}"
  mkdir -p "$data/plain" "$data/upper" "$data/work" "$data/merged"
  hr_bundle overlayroot /bin/sh -c 'echo ran'
  mount -t overlay overlay -o "lowerdir=$HR_BUNDLE/rootfs,upperdir=$data/upper,workdir=$data/work" \
    "$data/merged"
  hr_spec_edit "$HR_BUNDLE" '.root.path = $p' --arg p "$data/merged"
  started
  hr_assert_eq "$(cat "$OUT")" ran
  rm -f "$HR_SPY_LOG"
  hr_bundle plainroot /bin/true
  cp -a "$HR_BUNDLE/rootfs/." "$data/plain/"
  hr_spec_edit "$HR_BUNDLE" '.root.path = $p' --arg p "$data/plain"
  refused host-mounts "root.path: \"$data/plain\" lies in the sensitive host path \"$data\", and is not where a runtime mounts an image (the root of an overlay or disk filesystem mount)"
}

# ---- the container's cgroup ---------------------------------------------------------

@test "cgroupsPath: the host's root cgroup and runc's own are refused" {
  hr_bundle cgroot /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = "/"'
  refused host-namespaces 'linux.cgroupsPath: "/" is the host'"'"'s root cgroup: the container would share its processes'"'"' limits, and runc kill --all would signal them'
  hr_bundle cgown /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = "../.."'
  refused host-namespaces 'linux.cgroupsPath: "../.." is runc'"'"'s own cgroup (its caller'"'"'s): the container would share its processes'"'"' limits, and runc kill --all would signal them'
}

@test "cgroupsPath: a cgroup that holds another process is refused, and the process lives on" {
  local pids=/sys/fs/cgroup/pids
  [ -d "$pids" ] || pids=/sys/fs/cgroup
  BUSY_CG=$pids/hrtest-busy-$$-$RANDOM
  mkdir "$BUSY_CG"
  sleep 300 &
  BUSY_PID=$!
  echo "$BUSY_PID" >"$BUSY_CG/cgroup.procs"
  hr_bundle cgbusy /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = $p' --arg p "/${BUSY_CG##*/}"
  refused host-namespaces "linux.cgroupsPath: \"/${BUSY_CG##*/}\" names a cgroup that already holds processes or cgroups (\"$BUSY_CG\"): the container would share their limits, and runc kill --all would signal them"
  kill -0 "$BUSY_PID"
}

# runc cleans a relative cgroupsPath as if rooted and joins it below its
# caller's cgroup, crun 1.8 below the root.  Here hardrun (and so runc)
# runs in a pids cgroup of its own, so the two readings differ: runc's
# names an empty cgroup, crun's the busy one.
@test "cgroupsPath: a relative path is also read from the root, as crun reads it" {
  local pids=/sys/fs/cgroup/pids
  [ -d "$pids" ] || skip "no cgroup v1 pids hierarchy: runc's and crun's readings cannot differ here"
  BUSY_CG=$pids/hrtest-busy-$$-$RANDOM
  CALLER_CG=$pids/hrtest-caller-$$-$RANDOM
  mkdir "$BUSY_CG" "$CALLER_CG"
  sleep 300 &
  BUSY_PID=$!
  echo "$BUSY_PID" >"$BUSY_CG/cgroup.procs"
  hr_bundle cgrel /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = $p' --arg p "${BUSY_CG##*/}"
  echo "$BASHPID" >"$CALLER_CG/cgroup.procs"
  refused host-namespaces "linux.cgroupsPath: \"${BUSY_CG##*/}\" names a cgroup that already holds processes or cgroups (\"$BUSY_CG\"): the container would share their limits, and runc kill --all would signal them"
  echo "$BASHPID" >"$pids/cgroup.procs"
  kill -0 "$BUSY_PID"
}

# runc's utils.CleanPath cleans a relative path as if it began with "/":
# "../NAME" is "NAME", a child of the caller's cgroup, not a sibling.
@test "cgroupsPath: ../NAME is read as runc reads it, a child of the caller's cgroup" {
  local pids=/sys/fs/cgroup/pids
  [ -d "$pids" ] || skip "no cgroup v1 pids hierarchy to move this test into a cgroup of its own"
  CALLER_CG=$pids/hrtest-caller-$$-$RANDOM
  BUSY_CG=$CALLER_CG/victim
  mkdir -p "$BUSY_CG"
  sleep 300 &
  BUSY_PID=$!
  echo "$BUSY_PID" >"$BUSY_CG/cgroup.procs"
  hr_bundle cgdotdot /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = "../victim"'
  echo "$BASHPID" >"$CALLER_CG/cgroup.procs"
  refused host-namespaces "linux.cgroupsPath: \"../victim\" names a cgroup that already holds processes or cgroups (\"$BUSY_CG\"): the container would share their limits, and runc kill --all would signal them"
  echo "$BASHPID" >"$pids/cgroup.procs"
  kill -0 "$BUSY_PID"
  hr_assert_eq "$(cat "$BUSY_CG/pids.max")" max "the victim's pids.max"
}

@test "cgroupsPath: a parent of other cgroups is refused; an empty one left behind is reused" {
  local pids=/sys/fs/cgroup/pids
  [ -d "$pids" ] || pids=/sys/fs/cgroup
  BUSY_CG=$pids/hrtest-parent-$$-$RANDOM
  mkdir -p "$BUSY_CG/child"
  hr_bundle cgparent /bin/true
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = $p' --arg p "/${BUSY_CG##*/}"
  refused host-namespaces "linux.cgroupsPath: \"/${BUSY_CG##*/}\" names a cgroup that already holds processes or cgroups (\"$BUSY_CG\"): the container would share their limits, and runc kill --all would signal them"
  rmdir "$BUSY_CG/child"
  hr_bundle cgempty /bin/sh -c 'echo ran'
  hr_spec_edit "$HR_BUNDLE" '.linux.cgroupsPath = $p' --arg p "/${BUSY_CG##*/}"
  started
  hr_assert_eq "$(cat "$OUT")" ran
}

# ---- hooks --------------------------------------------------------------------------

# A library whose constructor leaves a file on the host, and a stand-in
# for dockerd: a dynamically linked binary the profile names as dockerd,
# running, so that /proc/PID/exe is "dockerd's network hook".
hook_attack() {
  command -v cc >/dev/null || skip "no C compiler to build the preloaded library"
  hr_bundle "$1" /bin/true
  printf '#include <stdio.h>\n__attribute__((constructor)) static void pwn(void) { FILE *f = fopen("%s", "w"); if (f) fclose(f); }\n' \
    "$HR_TMP/pwned" >"$HR_TMP/evil.c"
  cc -shared -fPIC -o "$HR_BUNDLE/rootfs/evil.so" "$HR_TMP/evil.c"
  cp /bin/sleep "$HR_TMP/fake-dockerd"
  "$HR_TMP/fake-dockerd" 300 &
  FAKE_DOCKERD=$!
  hr_spec_edit "$HR_BUNDLE" '.hooks = {prestart: [{path: $exe, args: ["libnetwork-setkey", "-exec-root=/run/docker", $id, "0e7d32941956"],
      env: ["LD_PRELOAD=" + $so]}]}' --arg exe "/proc/$FAKE_DOCKERD/exe" --arg so "$HR_BUNDLE/rootfs/evil.so" --arg id "$HR_ID"
}

@test "hooks: LD_PRELOAD in dockerd's own hook is refused; nothing runs on the host" {
  hook_attack hook-preload
  with_profile fakedockerd "{\"hooks\": {\"dockerd\": [\"$HR_TMP/fake-dockerd\"]}}"
  refused hooks 'hooks.prestart[0].env[0]: "LD_PRELOAD" is read by the dynamic loader or the C library of the hook, which runs as root on the host'
  [ ! -e "$HR_TMP/pwned" ]
}

@test "control: with hooks off, the preloaded library runs as root on the host" {
  hook_attack hook-preload-control
  with_profile nohooks '{"hooks": false}'
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  [ -e "$HR_TMP/pwned" ]
}

# ---- limits the process sets for itself ------------------------------------------------

@test "RLIMIT_RTPRIO is clamped to 0: no real-time threads outside the CPU quota" {
  hr_bundle rtprio /bin/sh -c 'grep "^Max realtime priority" /proc/self/limits'
  hr_spec_edit "$HR_BUNDLE" '.process.rlimits = [{type: "RLIMIT_RTPRIO", hard: 99, soft: 99}]'
  started
  hr_assert_eq "$(awk '{print $4, $5}' "$OUT")" "0 0"
  hr_assert_eq "$(audit_changes | grep -c '^process.rlimits\[0\]\.\(hard\|soft\): 99 -> 0$')" 2
}

# ---- seccomp -------------------------------------------------------------------------

@test "seccomp fill: a deny-list filter and a notify default are replaced by hardrun's" {
  local f
  for f in '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["reboot"],"action":"SCMP_ACT_ERRNO"}]}' \
    '{"defaultAction":"SCMP_ACT_NOTIFY","listenerPath":"/run/hostile-agent.sock"}'; do
    hr_bundle "seccomp-$RANDOM" /bin/sh -c 'grep "^Seccomp:" /proc/self/status'
    hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$f"
    started
    hr_assert_eq "$(jq -c '.linux.seccomp | [.defaultAction, .defaultErrnoRet, has("listenerPath")]' "$HR_BUNDLE/config.json")" \
      '["SCMP_ACT_ERRNO",1,false]'
    hr_assert_eq "$(cat "$OUT")" "$(printf 'Seccomp:\t2')"
  done
}

# ---- the user a process runs as --------------------------------------------------------

# uid 1000 of the spec's own user namespace is host uid 0: it owns what the
# host's root owns, here a directory bound into the container.
hostroot_bundle() {
  mkdir -m 755 "$HR_TMP/out"
  hr_bundle "$1" /bin/sh -c 'touch /out/made && id -u'
  hr_spec_edit "$HR_BUNDLE" '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 1000}, {containerID: 1000, hostID: 0, size: 1}]
    | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 1000}, {containerID: 1000, hostID: 0, size: 1}]
    | .process.user = {uid: 1000, gid: 1000}
    | .mounts += [{destination: "/out", type: "bind", source: $d, options: ["rbind", "rw"]}]' \
    --arg d "$HR_TMP/out"
}

@test "user: root refused also when the spec maps the process's uid onto host uid 0" {
  with_profile noroot '{"user": {"root": "refuse"}, "hostMounts": false}'
  hostroot_bundle hostroot
  refused user 'process.user.uid: the process would run as host root (uid 1000 maps onto host uid 0 through linux.uidMappings[1])'
  [ ! -e "$HR_TMP/out/made" ]
}

@test "control: with user off, uid 1000 of that mapping makes root-owned host files" {
  with_profile root-off '{"user": {"root": "off"}, "hostMounts": false}'
  hostroot_bundle hostroot-control
  started
  hr_assert_eq "$(cat "$OUT")" 1000
  hr_assert_eq "$(stat -c %u:%g "$HR_TMP/out/made")" 0:0
}

# ---- exec and update with hostile documents ------------------------------------------

# A running container under the strict profile.
strict_container() {
  PROFILE=strict
  HR_RT_OPTS=(--hardrun-profile=strict)
  hr_bundle "$1" /bin/sleep 300
  hr_spec_edit "$HR_BUNDLE" '.process.user = {uid: 1000, gid: 1000}'
  hr_rt "$HR_BUNDLE" run -d --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null 2>&1
  hr_wait_state "$HR_ID" running
}

@test "exec: case-variant keys cannot bring back capabilities, no_new_privs or root" {
  strict_container execcase
  local caps
  caps=$(hr_host_caps_json)
  printf '{"args":["/bin/sh","-c","grep -E \\"^(CapEff|CapBnd|NoNewPrivs)\\" /proc/self/status; id -u"],"cwd":"/","user":{"uid":1000},"NoNewPrivileges":false,"CAPABILITIES":{"bounding":%s,"effective":%s,"permitted":%s,"Ambient":["CAP_SYS_ADMIN"]}}' \
    "$caps" "$caps" "$caps" >"$HR_TMP/process.json"
  run hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID"
  echo "$output"
  # runc would read them as the fields, crun exec would not: refused whole.
  hr_assert_eq "$status" 1
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" \
    'rule \\"spec-keys\\".*key \\"NoNewPrivileges\\" at \$ is not spelled as the runtime-spec field \\"noNewPrivileges\\"'
  [ -z "$output" ] || hr_die "the process ran: $output"
  # Root by a duplicate key that Go would fold onto "user": refused.
  printf '{"args":["/bin/id"],"cwd":"/","user":{"uid":1000},"User":{"uid":0}}' >"$HR_TMP/process.json"
  run hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/process.json" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_match "$(hr_last_log "$HR_BUNDLE")" 'rule \\"spec-keys\\".*duplicate key \\"User\\"'
}

@test "update: -1 and a folded duplicate cannot lift the pids limit" {
  strict_container updatepids
  local cg=/sys/fs/cgroup/pids/hrtest-$HR_ID
  [ -d "$cg" ] || cg=/sys/fs/cgroup/hrtest-$HR_ID
  hr_rt "$HR_BUNDLE" update --pids-limit -1 "$HR_ID"
  hr_assert_eq "$(cat "$cg/pids.max")" 16384
  run hr_rt "$HR_BUNDLE" update --resources - "$HR_ID" <<<'{"pids":{"limit":100},"PIDS":{"limit":-1}}'
  hr_assert_eq "$status" 1
  hr_assert_eq "$(cat "$cg/pids.max")" 16384
}

@test "unified cgroup.procs, which would take a host process into the container's cgroup, is refused on create and on update" {
  hr_bundle unified /bin/true
  hr_spec_resources "$HR_BUNDLE" '{"unified": {"cgroup.procs": "1"}}'
  refused host-namespaces 'linux.resources.unified["cgroup.procs"]: "cgroup.procs" is a core file of the cgroup, not a resource: writing a host pid to cgroup.procs moves that process into the container'"'"'s cgroup'
  strict_container unified-update
  run hr_rt "$HR_BUNDLE" update --resources - "$HR_ID" <<<'{"unified":{"cgroup.procs":"1"}}'
  hr_assert_eq "$status" 1
  hr_assert_eq "$(jq -r .msg <<<"$(hr_last_log "$HR_BUNDLE")")" \
    'hardrun: profile "strict": rule "pids-limit": linux.resources.unified["cgroup.procs"]: "cgroup.procs" is a core file of the cgroup, not a resource: writing a host pid to cgroup.procs moves that process into the container'"'"'s cgroup'
}

@test "a bind of the rootfs, or of the bundle holding it, cannot bring the image back writable" {
  hr_bundle rootbind /bin/sh -c 'for f in /image/bin/pwned /bundle/rootfs/bin/pwned; do
      if echo x >"$f" 2>/dev/null; then echo "$f=written"; else echo "$f=read-only"; fi; done'
  hr_spec_edit "$HR_BUNDLE" '.mounts += [
      {destination: "/image", type: "bind", source: ($b + "/rootfs"), options: ["bind", "rw"]},
      {destination: "/bundle", type: "bind", source: $b, options: ["bind"]}]' --arg b "$HR_BUNDLE"
  started
  hr_assert_eq "$(cat "$OUT")" '/image/bin/pwned=read-only
/bundle/rootfs/bin/pwned=read-only'
  [ ! -e "$HR_BUNDLE/rootfs/bin/pwned" ]
}

# ---- bind sources that runc reads in another place than hardrun -------------------

# A path through /proc/self is resolved by the process that follows it:
# runc's init, whose working directory is the rootfs when it mounts, and
# not hardrun, whose working directory is its caller's.
PROC_SELF_PROBE='if echo x >/mnt/bin/pwned 2>/dev/null; then echo image=written; else echo image=read-only; fi
grep " /mnt/proc " /proc/self/mountinfo | cut -d" " -f6'

@test "a bind source through /proc/self is refused: runc's init, not hardrun, resolves it" {
  mkdir -p "$HR_TMP/elsewhere"
  cd "$HR_TMP/elsewhere"
  hr_bundle procself /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind /proc/self/cwd rbind
  refused host-mounts "mounts[7].source: \"/proc/self/cwd\" is resolved through \"/proc/self\", a link of /proc that names the process following it: runc's init, in the container's mount namespace, resolves it to another path than hardrun"
  # through a symlink of the host, too
  ln -s /proc/self/cwd "$HR_TMP/cwdlink"
  hr_bundle procself-link /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/cwdlink" rbind
  refused host-mounts "mounts[7].source: \"$HR_TMP/cwdlink\" is resolved through \"/proc/self\", a link of /proc that names the process following it: runc's init, in the container's mount namespace, resolves it to another path than hardrun"
}

@test "control: without host-mounts, /proc/self/cwd binds the image writable, with a writable proc in it" {
  with_profile nohm '{"hostMounts": false}'
  mkdir -p "$HR_TMP/elsewhere"
  cd "$HR_TMP/elsewhere"
  hr_bundle procself-control /bin/sh -c "$PROC_SELF_PROBE"
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind /proc/self/cwd rbind
  started
  hr_assert_eq "$(cat "$OUT")" 'image=written
rw,relatime'
}

# ---- the same files under other names ---------------------------------------------
# /etc, / (which holds /etc and /var) or /etc/ssl mounted again elsewhere on
# the host, a hard link of a sensitive file, a second proc mount: names no
# path comparison recognises.  hardrun reads where a path lies in its
# filesystem from the mount table, compares files by device and inode, and
# refuses a source on a kernel filesystem wherever it is.

# file_id PATH: "M:N, inode I", as the refusal names a file.
file_id() {
  stat -c '%Hd:%Ld, inode %i' "$1"
}

# fs_dev PATH: "M:N" of the mount PATH lies in, as mountinfo gives it.
fs_dev() {
  findmnt -n -o MAJ:MIN --target "$1" | tr -d " "
}

@test "another name of a sensitive path is refused: /etc, / or /etc/ssl mounted elsewhere, as a source or as the rootfs" {
  mkdir -p "$HR_TMP/etc-elsewhere" "$HR_TMP/root-elsewhere" "$HR_TMP/ssl-elsewhere"
  mount --bind /etc "$HR_TMP/etc-elsewhere"
  mount --bind / "$HR_TMP/root-elsewhere"
  mount --bind /etc/ssl "$HR_TMP/ssl-elsewhere"
  local other="(another mount of that filesystem)"
  hr_bundle alias-etc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/etc-elsewhere" rbind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/etc-elsewhere\" is the sensitive host path \"/etc\" under another name (device $(file_id /etc)), through a bind mount or a hard link"
  hr_bundle alias-in /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/root-elsewhere/etc/ssl" rbind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/root-elsewhere/etc/ssl\" lies in the sensitive host path \"/etc\" under another name: it is \"/etc/ssl\" of device $(fs_dev /etc) $other"
  hr_bundle alias-sub /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/ssl-elsewhere/certs" rbind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/ssl-elsewhere/certs\" lies in the sensitive host path \"/etc\" under another name: it is \"/etc/ssl/certs\" of device $(fs_dev /etc) $other"
  hr_bundle alias-above /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/root-elsewhere/var" rbind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/root-elsewhere/var\" contains the sensitive host path \"/var/lib/docker\" under another name: it is \"/var\" of device $(fs_dev /var) $other"
  hr_bundle alias-rootfs /bin/true
  hr_spec_edit "$HR_BUNDLE" '.root.path = $p' --arg p "$HR_TMP/root-elsewhere"
  refused host-mounts "root.path: \"$HR_TMP/root-elsewhere\" is the sensitive host path \"/\" under another name (device $(file_id /)), through a bind mount or a hard link"
}

@test "a host path fails closed when the mount table cannot be read" {
  mkdir -p "$HR_TMP/src"
  hr_bundle notable /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/src" rbind ro
  hr_spec_edit "$HR_BUNDLE" 'del(.linux.cgroupsPath)'
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  # /proc hidden in a mount namespace of this test's own
  run unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
    "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" --log "$HR_BUNDLE/log.json" \
    --log-format json create --bundle "$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(hr_last_log "$HR_BUNDLE" | jq -r .msg)" "hardrun: profile \"default\": rule \"host-mounts\": mounts[7].source: \"$HR_TMP/src\" cannot be judged: the mount table (/proc/self/mountinfo) cannot be read (No such file or directory)"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
}

@test "control: without host-mounts, /etc bound elsewhere shows the host's /etc inside" {
  with_profile nohm '{"hostMounts": false}'
  mkdir -p "$HR_TMP/etc-elsewhere"
  mount --bind /etc "$HR_TMP/etc-elsewhere"
  hr_bundle alias-control /bin/cat /mnt/hostname
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/etc-elsewhere" rbind ro
  started
  hr_assert_eq "$(cat "$OUT")" "$(cat /etc/hostname)"
}

@test "a hard link of a sensitive file is that file" {
  echo secret >"$HR_TMP/secret.key"
  mkdir -p "$HR_TMP/pub"
  ln "$HR_TMP/secret.key" "$HR_TMP/pub/innocent"
  with_profile hl "$(jq -n --arg f "$HR_TMP/secret.key" '{hostMounts: {sensitive: [$f]}}')"
  hr_bundle hardlink /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt/innocent bind "$HR_TMP/pub/innocent" bind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/pub/innocent\" is the sensitive host path \"$HR_TMP/secret.key\" under another name (device $(file_id "$HR_TMP/secret.key")), through a bind mount or a hard link"
}

@test "a source on a proc mount outside /proc is refused: the host's processes" {
  mkdir -p "$HR_TMP/hostproc"
  mount -t proc proc "$HR_TMP/hostproc"
  hr_bundle proc2 /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/hostproc" rbind ro
  refused host-mounts "mounts[7].source: \"$HR_TMP/hostproc\" lies on a proc filesystem, which is the host kernel's own wherever it is mounted: bound into a container it hands over the host's processes, devices, namespaces or kernel settings"
}

@test "control: without host-mounts, that proc mount shows the host's PID 1" {
  with_profile nohm '{"hostMounts": false}'
  mkdir -p "$HR_TMP/hostproc"
  mount -t proc proc "$HR_TMP/hostproc"
  # The container's shell is its PID 1; /mnt/1 is the host's.
  hr_bundle proc2-control /bin/sh -c 'cat /mnt/1/comm; echo "$$"'
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_TMP/hostproc" rbind ro
  started
  hr_assert_eq "$(cat "$OUT")" "$(cat /proc/1/comm)
1"
}

# runc mounts in order, in the container's mount namespace: a source in
# the rootfs where an earlier mount went is that mount (the proc or sysfs
# without its masked paths), and an rbind of a directory holding one
# copies it along.
@test "a bind or overlay layer of a mount made in the rootfs, or an rbind holding one, is refused: no unmasked proc or sysfs" {
  hr_bundle rootproc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_BUNDLE/rootfs/proc" bind
  refused host-mounts "mounts[7].source: \"$HR_BUNDLE/rootfs/proc\" lies in the container's root filesystem \"$HR_BUNDLE/rootfs\": runc mounts it in the container's mount namespace, after the spec's mounts before it (proc, sysfs, /dev) were made there, so it can be one of them, without the masked and read-only paths"
  # an overlay layer there is the same sysfs
  hr_bundle rootoverlay /bin/true
  mkdir -p "$HR_TMP/lower"
  hr_spec_add_mount "$HR_BUNDLE" /mnt overlay overlay "lowerdir=$HR_BUNDLE/rootfs/sys:$HR_TMP/lower"
  refused host-mounts "mounts[7].options[0]: \"$HR_BUNDLE/rootfs/sys\" lies in the container's root filesystem \"$HR_BUNDLE/rootfs\": runc mounts it in the container's mount namespace, after the spec's mounts before it (proc, sysfs, /dev) were made there, so it can be one of them, without the masked and read-only paths"
  hr_bundle rootrbind /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /image bind "$HR_BUNDLE/rootfs" rbind
  refused host-mounts "mounts[7].source: \"$HR_BUNDLE/rootfs\" holds the container's root filesystem \"$HR_BUNDLE/rootfs\": an rbind copies the mounts runc made there along (mounts[0], proc at \"/proc\"), without the masked and read-only paths"
  hr_bundle bundlerbind /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /bundle bind "$HR_BUNDLE" rbind
  refused host-mounts "mounts[7].source: \"$HR_BUNDLE\" holds the container's root filesystem \"$HR_BUNDLE/rootfs\": an rbind copies the mounts runc made there along (mounts[0], proc at \"/proc\"), without the masked and read-only paths"
}

@test "control: without host-mounts, a bind of the rootfs's /proc shows what /proc masks" {
  with_profile nohm '{"hostMounts": false}'
  hr_bundle rootproc-control /bin/sh -c 'echo "masked=$(wc -c </proc/timer_list) bound=$(head -c 18 /mnt/timer_list)"'
  hr_spec_add_mount "$HR_BUNDLE" /mnt bind "$HR_BUNDLE/rootfs/proc" bind
  started
  hr_assert_eq "$(cat "$OUT")" 'masked=0 bound=Timer List Version'
}

# ---- overlay options, as the kernel splits them ------------------------------------

# runc joins the data options with commas and overlayfs splits them again,
# taking a backslash as an escape: "workdir=W,lowerdir=D" is two options,
# and "/s\ens" is "/sens".
overlay_bundle() {
  mkdir -p "$HR_TMP/sens" "$HR_TMP/ov/lower" "$HR_TMP/ov/upper" "$HR_TMP/ov/work"
  printf 'secret\n' >"$HR_TMP/sens/file"
  hr_bundle "$1" /bin/cat /mnt/file
  hr_spec_edit "$HR_BUNDLE" '.mounts += [{destination: "/mnt", type: "overlay", source: "overlay",
      options: ["upperdir=" + $t + "/ov/upper", $o]}]' --arg t "$HR_TMP" --arg o "$2"
}

@test "overlay: a comma or a backslash in an option cannot smuggle in a sensitive directory" {
  with_profile sens "{\"hostMounts\": {\"sensitive\": [\"/\", \"/etc\", \"/proc\", \"$HR_TMP/sens\"]}}"
  overlay_bundle ovcomma "workdir=$HR_TMP/ov/work,lowerdir=$HR_TMP/sens"
  refused host-mounts "mounts[7].options[1]: \"workdir=$HR_TMP/ov/work,lowerdir=$HR_TMP/sens\" holds a comma or a backslash: runc joins the options with commas and overlayfs splits them again, with backslash escapes, so the directories it gets are not the ones written"
  overlay_bundle ovbackslash "workdir=$HR_TMP/ov/work"
  hr_spec_edit "$HR_BUNDLE" '.mounts[-1].options += ["lowerdir=" + $t + "/s\\ens"]' --arg t "$HR_TMP"
  refused host-mounts "mounts[7].options[2]: \"lowerdir=$HR_TMP/s\\x5cens\" holds a comma or a backslash: runc joins the options with commas and overlayfs splits them again, with backslash escapes, so the directories it gets are not the ones written"
}

@test "control: without host-mounts, the smuggled lowerdir shows the sensitive file" {
  with_profile nohm '{"hostMounts": false}'
  overlay_bundle ovcomma-control "workdir=$HR_TMP/ov/work,lowerdir=$HR_TMP/sens"
  started
  hr_assert_eq "$(cat "$OUT")" secret
}

# ---- files runc reads again after hardrun ----------------------------------------
# runc opens config.json (and exec's --process file) by name after the exec.
# Whoever can write a directory on the way, or the file, can put the
# unhardened file back in between: hardrun refuses such a place up front.

# writable_refused MESSAGE: create refused with MESSAGE, in
# log.json as runc's error, config.json untouched, runc never called.
writable_refused() {
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  hr_assert_eq "$status" 1 "exit status"
  hr_assert_eq "$(hr_last_log "$HR_BUNDLE" | jq -r .msg)" "hardrun: bundle \`$HR_BUNDLE\`: $1"
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ ! -e "$HR_SPY_LOG" ] || hr_die "runc was called: $(cat "$HR_SPY_LOG")"
}

@test "a bundle another user could swap config.json in is refused before anything is written" {
  local later="after hardrun's check, before the runtime reads it; keep it where only root can write"
  hr_bundle others-dir /bin/true
  chown 12345 "$HR_BUNDLE"
  writable_refused "\`$HR_BUNDLE\` belongs to uid 12345, who could put another config.json in its place $later"
  chown 0 "$HR_BUNDLE"
  chmod 0777 "$HR_BUNDLE"
  writable_refused "\`$HR_BUNDLE\` is writable by its group or others (mode 0777), who could put another config.json in its place $later"
  chmod 0755 "$HR_BUNDLE"
  chown 12345 "$HR_BUNDLE/config.json"
  writable_refused "\`$HR_BUNDLE/config.json\` belongs to uid 12345, who could change it $later"
  chown 0 "$HR_BUNDLE/config.json"
  # the same bundle where only root writes: it runs
  hr_run_container "$HR_BUNDLE" "$HR_ID"
}

@test "exec --process from a directory others can write is refused; the file is left as it was" {
  hr_bundle others-exec sleep 100
  hr_rt "$HR_BUNDLE" run -d --bundle "$HR_BUNDLE" "$HR_ID" </dev/null >/dev/null 2>&1
  hr_wait_state "$HR_ID" running
  mkdir -m 0777 "$HR_TMP/shared"
  jq '.process | .args = ["true"] | .noNewPrivileges = false' "$HR_BUNDLE/config.json" \
    >"$HR_TMP/shared/p.json"
  local before
  before=$(hr_sha256 "$HR_TMP/shared/p.json")
  run hr_rt "$HR_BUNDLE" exec --process "$HR_TMP/shared/p.json" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(hr_last_log "$HR_BUNDLE" | jq -r .msg)" \
    "hardrun: --process \`$HR_TMP/shared/p.json\`: \`$HR_TMP/shared\` is writable by its group or others (mode 0777), who could put another process file in its place after hardrun's check, before the runtime reads it; keep it where only root can write"
  hr_assert_eq "$(hr_sha256 "$HR_TMP/shared/p.json")" "$before" "process file bytes"
  [[ $(tail -n 1 "$HR_SPY_LOG") != *" exec "* ]]
}

# ---- Docker volumes the local driver mounts ----------------------------------------
# docker volume create -o type=none -o o=bind -o device=/etc (or
# --mount type=volume,volume-opt=...): dockerd mounts that on the volume's
# _data before the container starts, and the bind source hardrun sees is
# an ordinary named volume in Docker's data root.

@test "a Docker volume with a host path, proc or cgroup mounted on it is judged by what is mounted" {
  local data=$HR_TMP/docker-data v
  for v in etc proc cgroup plain tmp; do mkdir -p "$data/volumes/$v/_data"; done
  touch "$data/volumes/metadata.db"
  mount --bind /etc "$data/volumes/etc/_data"
  mount -t proc proc "$data/volumes/proc/_data"
  mount -t cgroup -o pids cgroup "$data/volumes/cgroup/_data"
  mount -t tmpfs tmpfs "$data/volumes/tmp/_data"
  hr_bundle vol-etc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$data/volumes/etc/_data" rbind rw
  refused host-mounts "mounts[7].source: \"$data/volumes/etc/_data\" is the sensitive host path \"/etc\" under another name (device $(file_id /etc)), through a bind mount or a hard link"
  hr_bundle vol-proc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$data/volumes/proc/_data" rbind rw
  refused host-mounts "mounts[7].source: \"$data/volumes/proc/_data\" lies on a proc filesystem, which is the host kernel's own wherever it is mounted: bound into a container it hands over the host's processes, devices, namespaces or kernel settings"
  hr_bundle vol-cgroup /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$data/volumes/cgroup/_data" rbind rw
  refused host-mounts "mounts[7].source: \"$data/volumes/cgroup/_data\" lies on a cgroup filesystem, which is the host kernel's own wherever it is mounted: bound into a container it hands over the host's processes, devices, namespaces or kernel settings"
  # an overlay on a volume shows host directories (lowerdir, upperdir)
  mkdir -p "$data/volumes/ovl/_data" "$HR_TMP/ovl-work" "$HR_TMP/ovl-up"
  mount -t overlay overlay -o "lowerdir=/etc:/usr,upperdir=$HR_TMP/ovl-up,workdir=$HR_TMP/ovl-work" \
    "$data/volumes/ovl/_data"
  hr_bundle vol-ovl /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$data/volumes/ovl/_data" rbind rw
  refused host-mounts "mounts[7].source: \"$data/volumes/ovl/_data\" is a Docker volume with an overlay mounted on it: its lowerdir and upperdir are host directories that hardrun does not see"
  # a plain volume, and one on a tmpfs of its own, are volumes
  hr_bundle vol-ok /bin/sh -c 'touch /x/a /y/b && echo ok'
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$data/volumes/plain/_data" rbind rw
  hr_spec_add_mount "$HR_BUNDLE" /y bind "$data/volumes/tmp/_data" rbind rw
  hr_assert_eq "$(hr_run_container "$HR_BUNDLE" "$HR_ID")" ok
}

# ---- mounts below a bind source ----------------------------------------------------
# An rbind (what docker -v writes) copies the mounts below its source along:
# /etc bound into a directory, or a chroot's /proc, come with it.

@test "an rbind of a directory holding /etc or a proc mount is refused; a plain bind of it is not" {
  local dir=$HR_TMP/holder
  mkdir -p "$dir/etc" "$dir/proc" "$dir/data"
  mount --bind /etc "$dir/etc"
  hr_bundle sub-etc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$dir" rbind rw
  refused host-mounts "mounts[7].source: \"$dir\" holds \"$dir/etc\", a mount below it which an rbind carries into the container, and that mount is the sensitive host path \"/etc\" under another name: it is \"/etc\" of device $(fs_dev /etc) (another mount of that filesystem)"
  umount "$dir/etc"
  mount -t proc proc "$dir/proc"
  hr_bundle sub-proc /bin/true
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$dir" rbind rw
  refused host-mounts "mounts[7].source: \"$dir\" holds \"$dir/proc\", a proc filesystem mounted below it, which an rbind carries into the container: the host kernel's own, wherever it is mounted"
  # a bind without "r" takes the directory alone: the container sees an
  # empty proc directory
  hr_bundle sub-plain /bin/sh -c 'ls /x/proc | wc -l'
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$dir" bind rw
  hr_assert_eq "$(hr_run_container "$HR_BUNDLE" "$HR_ID")" 0
}

@test "control: without host-mounts, the rbind of that directory shows the host's /etc inside" {
  local dir=$HR_TMP/holder
  mkdir -p "$dir/etc"
  mount --bind /etc "$dir/etc"
  with_profile nohm '{"hostMounts": {"mode": "off"}}'
  hr_bundle sub-etc-control /bin/cat /x/etc/hostname
  hr_spec_add_mount "$HR_BUNDLE" /x bind "$dir" rbind ro
  hr_assert_eq "$(hr_run_container "$HR_BUNDLE" "$HR_ID")" "$(cat /etc/hostname)"
}
