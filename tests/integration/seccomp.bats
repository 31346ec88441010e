#!/usr/bin/env bats
# The seccomp control, seen from inside containers that the real runc started
# through hardrun.  Bundles start out the way docker writes them with
# --privileged (every capability, no seccomp), so that a call refused with
# EPERM was refused by the filter and not by a missing capability; the
# "control" test shows the same calls succeeding without the filter.
#
# Two small static C programs from progs/ run inside: seccomp-probe tries
# what the profile must refuse, seccomp-work does ordinary file, socket,
# thread and process work.

load helpers

# Static, so that they run in the busybox rootfs; built once per file.
setup_file() {
  local progs=$BATS_FILE_TMPDIR/progs
  mkdir -p "$progs"
  {
    cc -static -O2 -o "$progs/seccomp-probe" "$HR_HELPERS_DIR/progs/seccomp-probe.c" &&
      cc -static -pthread -O2 -o "$progs/seccomp-work" "$HR_HELPERS_DIR/progs/seccomp-work.c"
  } >"$progs/build.log" 2>&1 || true
}

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers"
  PROGS=$BATS_FILE_TMPDIR/progs
  if [ ! -x "$PROGS/seccomp-probe" ] || [ ! -x "$PROGS/seccomp-work" ]; then
    cat "$PROGS/build.log" >&2
    hr_die "could not build the probes with 'cc -static' (is libc6-dev installed?)"
  fi
  hr_setup
  mkdir -p "$HR_TMP/profiles/seccomp"
  DEFAULT_SECCOMP=$HR_PROFILES/seccomp/default.json
}

teardown() {
  hr_teardown
}

# write_profile NAME JSON: a hardrun profile in the test's profile dir.
write_profile() {
  printf '%s\n' "$2" >"$HR_TMP/profiles/$1.json"
}

# bundle NAME CMD...: a docker --privileged-like bundle with the probes in
# /bin of its rootfs.
bundle() {
  hr_bundle_docker_like "$@"
  cp "$PROGS/seccomp-probe" "$PROGS/seccomp-work" "$HR_BUNDLE/rootfs/bin/"
}

# run_with PROFILE: run the bundle through hardrun; its stdout lands in $OUT.
run_with() {
  local -a HR_RT_OPTS=(--hardrun-profile="$1")
  OUT=$HR_BUNDLE/out
  if ! hr_run_container "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err"; then
    echo "container failed; stderr:" >&2
    cat "$HR_BUNDLE/err" "$HR_BUNDLE/log.json" >&2 2>/dev/null
    return 1
  fi
}

# The filter runc was given, with sorted keys, for comparisons.
spec_seccomp() {
  jq -S -c '.linux.seccomp' "$HR_BUNDLE/config.json"
}

# audit_changes: "rule|path|old|new" (or "rule|path|FINDING|text") for each
# change in the container's audit record.
audit_changes() {
  jq -r --arg id "$HR_ID" 'select(.id == $id) | .changes[] |
    if .finding then "\(.rule)|\(.path)|FINDING|\(.finding)"
    else "\(.rule)|\(.path)|\(.old)|\(.new)" end' "$HR_AUDIT"
}

EPERM_ALL='unshare=EPERM
keyctl=EPERM
mount=EPERM
clone_newuser=EPERM
clone3=ENOSYS
ptrace=EPERM'

@test "default profile: the container runs in seccomp filter mode with the shipped filter" {
  write_profile sc '{"seccomp": true}'
  bundle status grep -E '^Seccomp:' /proc/self/status
  run_with sc
  hr_assert_eq "$(cat "$OUT")" "$(printf 'Seccomp:\t2')"
  # runc was given the shipped profile as it is (no name was dropped).
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
}

@test "default profile: unshare, keyctl, mount, clone(CLONE_NEWUSER) and ptrace get EPERM, clone3 ENOSYS" {
  write_profile sc '{"seccomp": true}'
  bundle probe /bin/seccomp-probe
  run_with sc
  hr_assert_eq "$(cat "$OUT")" "$EPERM_ALL"
}

@test "default profile: an x32 system call kills the process; a profile listing x32 lets it through" {
  write_profile sc '{"seccomp": true}'
  bundle x32 /bin/seccomp-probe x32
  run_with sc
  hr_assert_eq "$(cat "$OUT")" "x32=SIGSYS"
  # The kernel's own answer once the filter lists x32: ENOSYS without the
  # x32 ABI (this host: CONFIG_X86_X32_ABI unset), the pid with it.
  jq '.architectures += ["SCMP_ARCH_X32"]' "$DEFAULT_SECCOMP" >"$HR_TMP/profiles/seccomp/x32.json"
  write_profile scx32 '{"seccomp": {"profile": "x32"}}'
  bundle x32b /bin/seccomp-probe x32
  run_with scx32
  hr_assert_match "$(cat "$OUT")" '^x32=(ENOSYS|0)$'
  hr_assert_eq "$(jq -c .linux.seccomp.architectures "$HR_BUNDLE/config.json")" \
    '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]'
}

@test "control: without the seccomp control the same calls succeed" {
  write_profile nosc '{"seccomp": false}'
  bundle probe /bin/seccomp-probe
  run_with nosc
  hr_assert_eq "$(spec_seccomp)" null
  # clone3(NULL, 0) reaches the kernel, which refuses the empty argument.
  hr_assert_eq "$(cat "$OUT")" 'unshare=0
keyctl=0
mount=0
clone_newuser=0
clone3=EINVAL
ptrace=0'
}

@test "default profile: a busybox shell session with pipes, redirects, sort, sed, awk and find" {
  write_profile sc '{"seccomp": true}'
  bundle shell /bin/sh -c '
    set -e
    cd /tmp
    mkdir -p d/e
    printf "b\na\nc\n" >d/f
    sort d/f | sed s/a/A/ | awk "{ print NR \":\" \$0 }" >d/e/g
    find /tmp/d -type f | sort
    cat d/e/g
    ls d | wc -l
    echo $((6 * 7)) 2>&1 >>d/log
    cat d/log
    (sleep 0.1; echo background) & wait
    head -c 16 /dev/urandom | wc -c
    grep -c . d/e/g
    echo done'
  run_with sc
  hr_assert_eq "$(cat "$OUT")" '/tmp/d/e/g
/tmp/d/f
1:A
2:b
3:c
2
42
background
16
3
done'
}

# A C program doing file, socket and thread work, under each shipped
# profile.  runc leaves the loopback of a new network namespace down (docker
# brings it up), so it is brought up between create and start.
work_under() {
  command -v nsenter >/dev/null && command -v ip >/dev/null ||
    skip "needs nsenter (util-linux) and ip (iproute2) to bring up the container's loopback"
  write_profile "$1" "{\"seccomp\": {\"profile\": \"$2\"}}"
  bundle "work-$2" /bin/seccomp-work
  local -a HR_RT_OPTS=(--hardrun-profile="$1")
  OUT=$HR_BUNDLE/out
  hr_rt "$HR_BUNDLE" create --bundle "$HR_BUNDLE" "$HR_ID" >"$OUT" 2>"$HR_BUNDLE/err" </dev/null
  local pid
  pid=$("$HR_RUNC" --root "$HR_RUNC_ROOT" state "$HR_ID" | jq -r .pid)
  nsenter --net="/proc/$pid/ns/net" ip link set lo up
  "$HR_RUNC" --root "$HR_RUNC_ROOT" start "$HR_ID"
  hr_wait_state "$HR_ID" stopped 100
  hr_assert_eq "$(jq -c '.linux.seccomp.architectures' "$HR_BUNDLE/config.json")" \
    "$(jq -c .architectures "$HR_PROFILES/seccomp/$2.json")"
  hr_assert_eq "$(cat "$OUT")" 'ok file
ok socketpair
ok inet 127.0.0.1
ok threads
ok fork'
}

@test "default profile: a C program doing file, AF_UNIX, AF_INET and pthread work succeeds" {
  work_under sc default
}

@test "strict profile: the same program succeeds, and the probe is refused" {
  work_under strict strict
  bundle probe /bin/seccomp-probe
  run_with strict
  hr_assert_eq "$(cat "$OUT")" "$EPERM_ALL"
}

# The spec's own filter, an allowlist as Docker's is: hardrun's filter
# without mkdir, and with ptrace, which hardrun's refuses (but not a call
# that "fill" requires an allowlist to block, such as keyctl: that one
# would be replaced).
own_filter() {
  jq -c '.syscalls |= (map(.names |= map(select(. != "mkdir" and . != "mkdirat")))
           | map(select(.names | length > 0)) + [{names: ["ptrace"], action: "SCMP_ACT_ALLOW"}])' \
    "$DEFAULT_SECCOMP"
}
OWN_SCRIPT='mkdir /tmp/x 2>/dev/null; echo mkdir=$?; /bin/seccomp-probe | grep -E "^(ptrace|mount)="'

@test "fill: a spec's own allowlist filter is kept" {
  write_profile sc '{"seccomp": {"mode": "fill"}}'
  bundle own /bin/sh -c "$OWN_SCRIPT"
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$(own_filter)"
  run_with sc
  hr_assert_eq "$(spec_seccomp)" "$(own_filter | jq -S -c .)"
  hr_assert_eq "$(cat "$OUT")" 'mkdir=1
mount=EPERM
ptrace=0'
  hr_assert_eq "$(audit_changes | grep -c '^seccomp|')" 0
}

# A deny-list: everything runs but mkdir, which gets EACCES.
DENY_LIST='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}'

@test "fill: a deny-list of the spec's own (allow by default) confines nothing else and is replaced" {
  write_profile sc '{"seccomp": {"mode": "fill"}}'
  bundle denylist /bin/sh -c "$OWN_SCRIPT"
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$DENY_LIST"
  run_with sc
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
  hr_assert_eq "$(cat "$OUT")" 'mkdir=0
mount=EPERM
ptrace=EPERM'
  hr_assert_eq "$(audit_changes | grep -c '^seccomp|linux\.seccomp|{"defaultAction":"SCMP_ACT_ALLOW"')" 1
}

@test "fill: an allow-all filter (docker's seccomp=unconfined) is replaced, and recorded" {
  write_profile sc '{"seccomp": true}'
  bundle allowall /bin/seccomp-probe
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}'
  run_with sc
  hr_assert_eq "$(cat "$OUT")" "$EPERM_ALL"
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
  local change
  change=$(audit_changes | grep '^seccomp|')
  hr_assert_match "$change" \
    '^seccomp\|linux\.seccomp\|\{"defaultAction":"SCMP_ACT_ALLOW"\}\|\{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":\["SCMP_ARCH_X86_64","SCMP_ARCH_X86"\],"syscalls":\[\{"names":\["_llseek",.*\.\.\.$'
  # bounded: 256 bytes for the new value
  hr_assert_eq "$(printf '%s' "${change##*|}" | wc -c)" 256
}

# The filter of the report: an errno default, and every x86_64 system call
# the kernel headers name allowed (runc skips what libseccomp does not know).
allow_every_name() {
  printf '#include <sys/syscall.h>\n' | cc -dM -E - |
    sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | LC_ALL=C sort -u |
    jq -R -s -c '{defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
                  syscalls: [{names: split("\n") | map(select(length > 0)), action: "SCMP_ACT_ALLOW"}]}'
}

@test "fill: an allowlist that allows every system call is replaced: unshare and mount fail inside" {
  write_profile sc '{"seccomp": true}'
  bundle allownames /bin/sh -c '/bin/seccomp-probe
    unshare -Urmn sh -c "mount -t tmpfs t /tmp && echo mounted" 2>/dev/null; echo unshare-mount=$?'
  local f
  f=$(allow_every_name)
  hr_assert_eq "$(jq '[.syscalls[0].names[] | select(. == "unshare" or . == "mount")] | length' <<<"$f")" 2
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$f"
  run_with sc
  hr_assert_eq "$(cat "$OUT")" "$EPERM_ALL
unshare-mount=1"
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
  hr_assert_match "$(audit_changes | grep '^seccomp|')" \
    '^seccomp\|linux\.seccomp\|\{"defaultAction":"SCMP_ACT_ERRNO","architectures":\["SCMP_ARCH_X86_64"\],"syscalls":\[\{"names":\[.*\|\{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,'
}

@test "an absent filter is filled, and the audit record says (absent) -> {...}" {
  write_profile sc '{"seccomp": true}'
  bundle absent /bin/true
  run_with sc
  hr_assert_match "$(audit_changes | grep '^seccomp|')" \
    '^seccomp\|linux\.seccomp\|\(absent\)\|\{"defaultAction":"SCMP_ACT_ERRNO",'
}

@test "replace: a spec's own filter is replaced" {
  write_profile scr '{"seccomp": {"mode": "replace"}}'
  bundle own /bin/sh -c "$OWN_SCRIPT"
  hr_spec_edit "$HR_BUNDLE" '.linux.seccomp = $f' --argjson f "$(own_filter)"
  run_with scr
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
  hr_assert_eq "$(cat "$OUT")" 'mkdir=0
mount=EPERM
ptrace=EPERM'
}

@test "an invalid seccomp profile fails closed: runc never runs, the error names the field" {
  cat >"$HR_TMP/profiles/seccomp/broken.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQUAL"}]}
  ]
}
EOF
  write_profile broken '{"seccomp": {"profile": "broken"}}'
  bundle broken /bin/true
  local before
  before=$(hr_sha256 "$HR_BUNDLE/config.json")
  local -a HR_RT_OPTS=(--hardrun-profile=broken)
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(hr_last_log "$HR_BUNDLE" | jq -r .msg)" \
    "hardrun: profile \"broken\": rule \"seccomp\": $HR_TMP/profiles/seccomp/broken.json:6:46: syscalls[1].args[0].op: unknown operator \"SCMP_CMP_EQUAL\" (rule for \"personality\") (expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)"
  [ ! -s "$HR_SPY_LOG" ]
  hr_assert_eq "$(hr_sha256 "$HR_BUNDLE/config.json")" "$before"
}

@test "a missing seccomp profile fails closed" {
  write_profile gone '{"seccomp": {"profile": "no-such-filter"}}'
  bundle gone /bin/true
  local -a HR_RT_OPTS=(--hardrun-profile=gone)
  run hr_run_container "$HR_BUNDLE" "$HR_ID"
  hr_assert_eq "$status" 1
  hr_assert_eq "$(hr_last_log "$HR_BUNDLE" | jq -r .msg)" \
    "hardrun: profile \"gone\": rule \"seccomp\": seccomp profile \"no-such-filter\" not found in $HR_TMP/profiles/seccomp, $HR_PROFILES/seccomp"
  [ ! -s "$HR_SPY_LOG" ]
}

@test "names this libseccomp does not know are dropped, with a finding in the audit record" {
  jq '.syscalls[0].names += ["hardrun_future_call"]' "$DEFAULT_SECCOMP" \
    >"$HR_TMP/profiles/seccomp/future.json"
  write_profile future '{"seccomp": {"profile": "future"}}'
  bundle future /bin/seccomp-probe
  run_with future
  hr_assert_eq "$(cat "$OUT")" "$EPERM_ALL"
  hr_assert_eq "$(spec_seccomp)" "$(jq -S -c . "$DEFAULT_SECCOMP")"
  local version
  version=$(dpkg-query -W -f '${Version}' libseccomp2 2>/dev/null | sed 's/-.*//')
  hr_assert_eq "$(audit_changes | grep '|FINDING|')" \
    "seccomp|linux.seccomp|FINDING|$HR_TMP/profiles/seccomp/future.json: dropped syscall names unknown to libseccomp ${version:-?}: hardrun_future_call"
}
