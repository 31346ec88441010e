#!/usr/bin/env bats
# hardrun over the real crun.  crun loads the annotation
# run.oci.seccomp_bpf_data instead of compiling linux.seccomp (Debian's
# crun 1.8 compiles it on every start: it has no filter cache), so hardrun
# puts the program libseccomp made of its own filter beside it.  These tests
# take the filter the kernel holds for the container's process
# (progs/seccomp-dump.c) and compare it with what crun installs when it
# compiles the same linux.seccomp itself: they must be the same bytes, and
# the same calls must fail inside.
#
# crun 1.8 refuses a hybrid cgroup layout with a controller left on cgroup2
# (Debian 12's hugetlb on this kind of host).  As root, setup_file then
# mounts hugetlb as a v1 hierarchy where a v1 host has it,
# /sys/fs/cgroup/hugetlb, which takes it off cgroup2 while it is mounted,
# and teardown_file gives it back.  Anywhere else, runc containers started
# meanwhile (another test file run in parallel) would try to mount that
# hierarchy from a path they cannot reach.

load helpers

HUGETLB_V1=/sys/fs/cgroup/hugetlb

setup_file() {
  local progs=$BATS_FILE_TMPDIR/progs
  mkdir -p "$progs"
  {
    cc -O2 -o "$progs/seccomp-dump" "$HR_HELPERS_DIR/progs/seccomp-dump.c" &&
      cc -static -O2 -o "$progs/seccomp-probe" "$HR_HELPERS_DIR/progs/seccomp-probe.c"
  } >"$progs/build.log" 2>&1 || true
  export HR_CRUN=${HR_CRUN:-$(command -v crun || echo /usr/bin/crun)}
  [ "$(id -u)" = 0 ] && [ -x "$HR_CRUN" ] || return 0
  if hr_cgroup2_has_only hugetlb && [ ! -e "$HUGETLB_V1" ]; then
    mkdir "$HUGETLB_V1" && mount -t cgroup -o hugetlb hardrun-test "$HUGETLB_V1" &&
      touch "$BATS_FILE_TMPDIR/hugetlb.mounted"
  fi
}

# hr_cgroup2_has_only CONTROLLER: cgroup2 beside v1 hierarchies holds that
# controller and no other.
hr_cgroup2_has_only() {
  local f=/sys/fs/cgroup/unified/cgroup.controllers
  [ -r "$f" ] && [ "$(tr -s ' \n' ' ' <"$f" | sed 's/ $//')" = "$1" ]
}

# The kernel destroys the hierarchy, and gives hugetlb back to cgroup2, a
# moment after an umount that finds no cgroup left in it; until then it
# lingers unmounted, and mounting and unmounting it again ends it.
teardown_file() {
  local _ i
  [ -e "$BATS_FILE_TMPDIR/hugetlb.mounted" ] || return 0
  umount "$HUGETLB_V1" || return 0
  for _ in 1 2 3 4; do
    for i in 1 2 3 4 5 6 7 8 9 10; do
      grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && break 2
      sleep 0.5
    done
    mount -t cgroup -o hugetlb hardrun-test "$HUGETLB_V1" 2>/dev/null && umount "$HUGETLB_V1"
  done
  rmdir "$HUGETLB_V1"
  grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers || echo "hugetlb did not return to cgroup2" >&2
}

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  [ -x "$HR_CRUN" ] || skip "crun is not installed (apt-get install crun)"
  PROGS=$BATS_FILE_TMPDIR/progs
  if [ ! -x "$PROGS/seccomp-dump" ] || [ ! -x "$PROGS/seccomp-probe" ]; then
    cat "$PROGS/build.log" >&2
    hr_die "could not build progs/seccomp-dump.c and progs/seccomp-probe.c"
  fi
  hr_setup
  CRUN_ROOT=$HR_TMP/crun-root
  # hardrun.conf as an operator writes it for crun: runtimeSeccompBpf is
  # left to its default, "auto".
  jq --arg rt "$HR_CRUN" '.runtime = $rt' "$HR_CONF" >"$HR_CONF.new" && mv "$HR_CONF.new" "$HR_CONF"
}

teardown() {
  local id
  if [ -n "${CRUN_ROOT:-}" ] && [ -d "$CRUN_ROOT" ]; then
    for id in $("$HR_CRUN" --root "$CRUN_ROOT" list -q 2>/dev/null); do
      "$HR_CRUN" --root "$CRUN_ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  hr_teardown
}

# crun_hr ARGS...: hardrun, runtime crun (from hardrun.conf), crun's root.
crun_hr() {
  timeout 60 "$HARDRUN" --hardrun-config="$HR_CONF" "${HR_RT_OPTS[@]}" --root "$CRUN_ROOT" \
    --log "$HR_BUNDLE/log.json" --log-format json "$@" </dev/null
}

# crun_alone BUNDLE COMMAND ARGS...: crun itself, on a bundle hardrun does
# not see.
crun_alone() {
  local b=$1 cmd=$2
  shift 2
  timeout 60 "$HR_CRUN" --root "$CRUN_ROOT" "$cmd" --bundle "$b" "$@" </dev/null
}

# filter_of ID FILE: the program the kernel holds for the container's init.
filter_of() {
  local pid
  pid=$("$HR_CRUN" --root "$CRUN_ROOT" state "$1" | jq -r .pid)
  [ "$pid" -gt 0 ] || hr_die "no pid for $1"
  "$PROGS/seccomp-dump" "$pid" >"$2"
}

# copy_bundle NAME: a second bundle with the rootfs and config.json of
# $HR_BUNDLE, run by crun alone; its path in COPY.
copy_bundle() {
  COPY=$HR_TMP/$1
  mkdir -p "$COPY"
  cp -a "$HR_BUNDLE/rootfs" "$COPY/rootfs"
  cp "$HR_BUNDLE/config.json" "$COPY/config.json"
}

# loads_crun_compile: the program in $HR_BUNDLE's annotation is what the
# kernel holds for the running container $HR_ID, crun compiling the same
# linux.seccomp itself installs the same bytes, and it is a real filter of
# hundreds of instructions, not a stub.
loads_crun_compile() {
  local b64 size
  b64=$(jq -r '.annotations["run.oci.seccomp_bpf_data"]' "$HR_BUNDLE/config.json")
  [ "$b64" != null ] || hr_die "no program beside the filter"
  filter_of "$HR_ID" "$HR_TMP/loaded.bpf"
  printf '%s' "$b64" | base64 -d >"$HR_TMP/annotation.bpf"
  cmp "$HR_TMP/annotation.bpf" "$HR_TMP/loaded.bpf"
  copy_bundle self
  hr_spec_edit "$COPY" 'del(.annotations["run.oci.seccomp_bpf_data"]) | .linux.cgroupsPath += "-self"'
  crun_alone "$COPY" run -d self-$HR_ID
  filter_of self-$HR_ID "$HR_TMP/self.bpf"
  cmp "$HR_TMP/self.bpf" "$HR_TMP/loaded.bpf"
  size=$(stat -c %s "$HR_TMP/loaded.bpf")
  ((size % 8 == 0 && size / 8 > 300))
}

@test "crun: the filter it loads from hardrun's program is the one it compiles itself" {
  hr_bundle bpf /bin/sleep 60
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID" || { cat "$HR_BUNDLE/log.json" >&2; false; }
  [ "$(jq -r '.linux.seccomp.defaultAction' "$HR_BUNDLE/config.json")" = SCMP_ACT_ERRNO ]
  loads_crun_compile
  # and the change is in the audit record
  jq -e --arg id "$HR_ID" 'select(.id == $id) | .changes[]
    | select(.path == "annotations[\"run.oci.seccomp_bpf_data\"]")' "$HR_AUDIT" >/dev/null
}

@test "crun: the same calls fail inside with the program as with crun's own compile" {
  hr_bundle_docker_like probe /bin/seccomp-probe
  cp "$PROGS/seccomp-probe" "$HR_BUNDLE/rootfs/bin/"
  crun_hr run --bundle "$HR_BUNDLE" "$HR_ID" >"$HR_TMP/with.out" 2>"$HR_TMP/with.err" ||
    { cat "$HR_TMP/with.err" "$HR_BUNDLE/log.json" >&2; false; }
  jq -e '.annotations["run.oci.seccomp_bpf_data"] | length > 100' "$HR_BUNDLE/config.json"
  copy_bundle self
  hr_spec_edit "$COPY" 'del(.annotations["run.oci.seccomp_bpf_data"]) | .linux.cgroupsPath += "-self"'
  crun_alone "$COPY" run self-$HR_ID >"$HR_TMP/self.out"
  cat "$HR_TMP/with.out"
  hr_assert_eq "$(cat "$HR_TMP/with.out")" "$(cat "$HR_TMP/self.out")"
  # what the default filter refuses, refused (the bundle grants every capability)
  grep -qx 'unshare=EPERM' "$HR_TMP/with.out"
  grep -qx 'keyctl=EPERM' "$HR_TMP/with.out"
}

# A spec that brings its own filter keeps it (the default profile's "fill"),
# as every docker run and every Kubernetes RuntimeDefault pod does: the
# program is then that filter's, compiled once into the validation cache.
@test "crun: a spec's own filter (Docker's) gets its program, and it is what crun compiles" {
  local docker_filter
  docker_filter=$(jq -c .linux.seccomp "$HR_SRCDIR/tests/unit/fixtures/configs/docker-run.json")
  hr_bundle own /bin/sleep 60
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$docker_filter"
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID" || { cat "$HR_BUNDLE/log.json" >&2; false; }
  # Docker's filter stays as it was, and its program is beside it
  hr_assert_eq "$(jq -c .linux.seccomp "$HR_BUNDLE/config.json")" "$docker_filter"
  loads_crun_compile
  # a second create on the hardened bundle changes nothing
  "$HR_CRUN" --root "$CRUN_ROOT" delete --force "$HR_ID"
  cp "$HR_BUNDLE/config.json" "$HR_TMP/first.json"
  crun_hr create --bundle "$HR_BUNDLE" "$HR_ID-2" || { cat "$HR_BUNDLE/log.json" >&2; false; }
  cmp "$HR_TMP/first.json" "$HR_BUNDLE/config.json"
}

@test "crun: a create run again on the bundle it hardened keeps the program" {
  hr_bundle again /bin/true
  crun_hr run --bundle "$HR_BUNDLE" "$HR_ID"
  cp "$HR_BUNDLE/config.json" "$HR_TMP/first.json"
  crun_hr run --bundle "$HR_BUNDLE" "$HR_ID-2" || { cat "$HR_BUNDLE/log.json" >&2; false; }
  cmp "$HR_TMP/first.json" "$HR_BUNDLE/config.json"
}

@test "crun: runtimeSeccompBpf \"never\" leaves the compile to crun, and the filter is still there" {
  jq '.runtimeSeccompBpf = "never"' "$HR_CONF" >"$HR_CONF.new" && mv "$HR_CONF.new" "$HR_CONF"
  hr_bundle never /bin/sleep 60
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$(jq -c '.annotations // {} | has("run.oci.seccomp_bpf_data")' "$HR_BUNDLE/config.json")" false
  filter_of "$HR_ID" "$HR_TMP/loaded.bpf"
  (($(stat -c %s "$HR_TMP/loaded.bpf") / 8 > 300))
}

@test "runc: no program is written" {
  hr_bundle runc /bin/true
  HR_RT_OPTS=(--hardrun-runtime="$HR_RUNC")
  HR_RUNC_ROOT=$HR_TMP/runc-root hr_rt "$HR_BUNDLE" run --bundle "$HR_BUNDLE" "$HR_ID" </dev/null
  [ "$(jq -r '.linux.seccomp.defaultAction' "$HR_BUNDLE/config.json")" = SCMP_ACT_ERRNO ]
  hr_assert_eq "$(jq -c '.annotations // {} | has("run.oci.seccomp_bpf_data")' "$HR_BUNDLE/config.json")" false
}

# runc (Go) reads "Readonly" as root.readonly and "NoNewPrivileges" as
# process.noNewPrivileges; crun reads neither.  Before the spelling check,
# hardrun took this spec for compliant and crun ran it with a writable
# rootfs and without no_new_privs.  Now it is refused, under either runtime.
@test "crun: keys runc would fold onto a field are refused, crun never runs" {
  hr_bundle fold /bin/sh -c 'grep NoNewPrivs /proc/self/status; touch /probe && echo rootfs writable'
  hr_spec_edit "$HR_BUNDLE" '.root = {path: "rootfs", Readonly: true}
    | .process.NoNewPrivileges = true | del(.process.noNewPrivileges)'
  local before msg
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  run crun_hr run --bundle "$HR_BUNDLE" "$HR_ID"
  echo "status=$status output=$output"
  hr_assert_eq "$status" 1 "exit status"
  msg=$(tail -n 1 "$HR_BUNDLE/log.json" | jq -r .msg)
  echo "$msg"
  # line:col depend on jq's layout of the file
  [[ "$msg" == 'hardrun: profile "default": rule "spec-keys": config.json:'[0-9]*:[0-9]*': key "NoNewPrivileges" at process is not spelled as the runtime-spec field "noNewPrivileges": runc'"'"'s decoder reads it as that field (Go ignores case), crun'"'"'s does not' ]]
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before" "config.json bytes"
  [ -z "$("$HR_CRUN" --root "$CRUN_ROOT" list -q 2>/dev/null)" ]
  [ ! -e "$HR_BUNDLE/rootfs/probe" ]
}

# crun 1.8 pastes update's numeric flags into the JSON it builds unparsed:
# the control shows a value that writes the pids limit of its own.
@test "crun: an update flag that is JSON rather than a number is refused" {
  hr_bundle upd /bin/sleep 60
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID"
  local cg=/sys/fs/cgroup/pids/hrtest-$HR_ID before
  [ -d "$cg" ] || cg=/sys/fs/cgroup/hrtest-$HR_ID
  before=$(cat "$cg/pids.max")
  [ "$before" -lt 5000 ]
  run crun_hr update --memory-reservation='1},"pids":{"limit":5000},"x":{"y":0' "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(tail -n 1 "$HR_BUNDLE/log.json" | jq -r .msg)" \
    'hardrun: update --memory-reservation: invalid value "1},"pids":{"limit":5000},"x":{"y":0"'
  hr_assert_eq "$(cat "$cg/pids.max")" "$before"
  # control: crun alone takes it
  "$HR_CRUN" --root "$CRUN_ROOT" update --memory-reservation='1},"pids":{"limit":5000},"x":{"y":0' "$HR_ID"
  hr_assert_eq "$(cat "$cg/pids.max")" 5000
}

# runc refuses an exec --cgroup out of the container's cgroup; crun 1.8
# joins it.
@test "crun: exec --cgroup that climbs out of the container's cgroup is refused" {
  hr_bundle cg /bin/sleep 60
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID"
  run crun_hr exec --cgroup ../../.. "$HR_ID" /bin/true
  hr_assert_eq "$status" 1
  hr_assert_eq "$(tail -n 1 "$HR_BUNDLE/log.json" | jq -r .msg)" \
    'hardrun: profile "default": rule "host-namespaces": exec --cgroup "../../.." climbs out of the container'"'"'s cgroup (".."); crun would put the process there, past the container'"'"'s limits'
  # a sub-cgroup path is no business of this rule
  run crun_hr exec --cgroup ../x "$HR_ID" /bin/true
  hr_assert_eq "$status" 1
}

# crun 1.8's exec without --process runs as uid 0 whatever config.json's
# user is (runc takes config.json's): the control shows it.
@test "crun: exec's flag form without --user is refused; with it, it runs as that user" {
  hr_bundle usr /bin/sleep 60
  hr_spec_edit "$HR_BUNDLE" '.process.user = {uid: 1000, gid: 1000}'
  crun_hr run -d --bundle "$HR_BUNDLE" "$HR_ID"
  run crun_hr exec "$HR_ID" /bin/id -u
  hr_assert_eq "$status" 1
  hr_assert_eq "$(tail -n 1 "$HR_BUNDLE/log.json" | jq -r .msg)" \
    'hardrun: profile "default": rule "user": process.user: crun runs exec without --process as uid 0, not as config.json'"'"'s user; give --user or --process'
  run crun_hr exec --user= "$HR_ID" /bin/id -u
  hr_assert_eq "$status" 1
  hr_assert_eq "$(crun_hr exec --user 1000:1000 "$HR_ID" /bin/id -u)" 1000
  # control: crun alone
  hr_assert_eq "$("$HR_CRUN" --root "$CRUN_ROOT" exec "$HR_ID" /bin/id -u)" 0
}

# Go's flag package (runc, and hardrun reading as runc) takes "-bundle=B"
# as --bundle; crun's argp as "-b undle=B", another directory, and exec's
# "-pid-file=F" as the process file "id-file=F".  "--process -" is a file
# named "-" to runc and hardrun, standard input to crun.
@test "crun: long flags with one dash, and --process -, are refused" {
  hr_bundle argv /bin/sleep 60
  run crun_hr run -d -bundle="$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(tail -n 1 "$HR_BUNDLE/log.json" | jq -r .msg)" \
    "hardrun: argv: -bundle=$HR_BUNDLE: crun reads a long flag given with one dash as short flags; write --bundle"
  [ -z "$("$HR_CRUN" --root "$CRUN_ROOT" list -q)" ]
  crun_hr run -d -b "$HR_BUNDLE" "$HR_ID"
  printf '{"args":["/bin/id","-u"],"cwd":"/","user":{"uid":0}}' >"$HR_TMP/p.json"
  run crun_hr exec -pid-file="$HR_TMP/p.json" "$HR_ID" /bin/true
  hr_assert_eq "$status" 1
  hr_assert_match "$(tail -n 1 "$HR_BUNDLE/log.json")" 'argv: -pid-file=.*write --pid-file'
  run crun_hr exec --process - "$HR_ID" <"$HR_TMP/p.json"
  hr_assert_eq "$status" 1
  hr_assert_match "$(tail -n 1 "$HR_BUNDLE/log.json")" 'argv: --process -: crun reads the process from standard input'
  # crun 1.8 takes --rootless VALUE as its --root
  run timeout 60 "$HARDRUN" --hardrun-config="$HR_CONF" --rootless=false --root "$CRUN_ROOT" \
    --log "$HR_BUNDLE/log.json" --log-format json exec --user 0 "$HR_ID" /bin/true
  hr_assert_eq "$status" 1
  hr_assert_match "$(tail -n 1 "$HR_BUNDLE/log.json")" 'argv: --rootless=false: crun reads --rootless as its --root'
}
