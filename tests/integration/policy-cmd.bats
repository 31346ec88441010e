#!/usr/bin/env bats
# hardrun policy explain|check|show: explain against a real create (runtime
# /bin/true) on the same bundles, exit codes, the JSON and text forms, and
# that none of them writes anything or runs the runtime.

load helpers
bats_require_minimum_version 1.5.0

FIX=${HR_FIXTURES:-$HR_SRCDIR/tests/unit/fixtures}

setup() {
  hr_plain && skip "hardrun's own commands"
  hr_setup
  # Every rule refuses; and every rule only audits.
  cat >"$HR_TMP/profiles/strict.json" <<'EOF'
{"privileged": true, "hostNamespaces": {"namespaces": {"cgroup": "refuse"}}, "hostMounts": true,
 "hostDevices": true, "sysctls": true, "hooks": true, "rlimits": {"mode": "refuse"},
 "oom": {"mode": "refuse"}, "secretEnv": {"mode": "refuse"}, "sshd": {"mode": "refuse"},
 "user": {"root": "refuse"}, "readonlyRootfs": true, "noNewPrivileges": true, "capabilities": true,
 "pids": true, "memory": true, "cpu": true, "seccomp": {"profile": "strict", "mode": "replace"}}
EOF
  cat >"$HR_TMP/profiles/lenient.json" <<'EOF'
{"privileged": {"mode": "audit", "systemPaths": "audit"}, "hostNamespaces": {"mode": "audit"},
 "hostMounts": {"mode": "audit"}, "hostDevices": {"mode": "fix"}, "sysctls": {"mode": "fix"},
 "hooks": {"mode": "fix"}, "user": {"root": "audit"}, "capabilities": {"allow": ["CHOWN"]},
 "pids": {"default": 100}, "mountPropagation": true}
EOF
  # Enforces nothing: what it would refuse or change is only recorded.
  echo '{"extends": "strict", "enforce": false}' >"$HR_TMP/profiles/observe.json"
  E=("$HARDRUN" --hardrun-config="$HR_CONF")
}

teardown() {
  hr_teardown
}

# A bundle holding a copy of fixture $1 (no rootfs: the runtime is /bin/true).
bundle_of() {
  local b=$HR_TMP/b-$(basename "$1" .json)-$2
  mkdir -p "$b"
  cp "$FIX/$1" "$b/config.json"
  echo "$b"
}

# explain_vs_create FIXTURE PROFILE: explain the bundle, then create it for
# real with --hardrun-runtime=/bin/true, and compare with the audit record
# the create wrote.
explain_vs_create() {
  compare_bundle "$(bundle_of "$1" "$2")" "$2" "$1"
}

# compare_bundle BUNDLE PROFILE [LABEL]: the same on a bundle made by the
# caller; PROFILE "" lets hardrun.conf choose.
compare_bundle() {
  local b=$1 profile=$2 fixture=${3:-$1} before id=hr-cmp-$RANDOM$RANDOM e a rc_e rc_c
  before=$(hr_sha256 "$b/config.json")
  rc_e=0
  "${E[@]}" ${profile:+--hardrun-profile="$profile"} policy explain --format json --bundle "$b" \
    >"$HR_TMP/e.json" || rc_e=$?
  hr_assert_eq "$(hr_sha256 "$b/config.json")" "$before" "explain wrote config.json"
  rc_c=0
  "${E[@]}" ${profile:+--hardrun-profile="$profile"} --hardrun-runtime=/bin/true \
    --root "$HR_RUNC_ROOT" create --bundle "$b" "$id" 2>/dev/null || rc_c=$?
  tail -n 1 "$HR_AUDIT" >"$HR_TMP/a.json"
  e=$HR_TMP/e.json a=$HR_TMP/a.json
  hr_assert_eq "$(jq -r .id "$a")" "$id" "the audit record is this create's"
  hr_assert_eq "$(jq -r .verdict "$e")" "$(jq -r .verdict "$a")" "$fixture, $profile: verdict"
  if [ "$(jq -r .verdict "$a")" = allowed ]; then
    hr_assert_eq "$rc_e/$rc_c" 0/0 "$fixture, $profile: exit statuses"
    hr_assert_eq "$(jq -c .changes "$e")" "$(jq -c .changes "$a")" "$fixture, $profile: changes"
    if [ "$(jq -r .rewrite "$e")" = true ]; then
      [ "$(hr_sha256 "$b/config.json")" != "$before" ]
    else
      hr_assert_eq "$(hr_sha256 "$b/config.json")" "$before" "create rewrote nothing"
    fi
  else
    hr_assert_eq "$rc_e/$rc_c" 1/1 "$fixture, $profile: exit statuses"
    hr_assert_eq "$(jq -r .reason "$e")" "$(jq -r .reason "$a")" "$fixture, $profile: reason"
    hr_assert_eq "$(hr_sha256 "$b/config.json")" "$before" "a refused create rewrote nothing"
  fi
  jq -r .verdict "$a" >>"$HR_TMP/verdicts"
}

@test "explain and a real create agree on every fixture and profile" {
  local f p
  for f in explain/docker-privileged-host.json explain/docker-default.json \
    explain/docker-hardened.json explain/docker-selinux.json configs/docker-run.json \
    configs/docker-run-privileged.json configs/ctr-run.json configs/runc-spec.json; do
    for p in default strict lenient observe; do
      explain_vs_create "$f" "$p"
    done
  done
  # both verdicts were compared
  grep -qx allowed "$HR_TMP/verdicts"
  grep -qx refused "$HR_TMP/verdicts"
}

@test "explain chooses the profile as create does: hardrun.conf's profileRules" {
  local b
  jq '.profileRules = [
        {match: {"io.kubernetes.cri.sandbox-namespace": "kube-system"}, profile: "lenient"},
        {profile: "default", allow: ["strict"]}]' "$HR_CONF" >"$HR_TMP/c" && mv "$HR_TMP/c" "$HR_CONF"
  b=$(bundle_of explain/docker-default.json rules)
  cp "$b/config.json" "$HR_TMP/orig.json"
  # annotations: the profile explain and create chose
  for ann in '{"io.kubernetes.cri.sandbox-namespace": "kube-system"}' \
    '{"org.hardrun.profile": "strict"}' '{"org.hardrun.profile": "lenient"}' '{}'; do
    jq --argjson a "$ann" '.annotations = $a' "$HR_TMP/orig.json" >"$b/config.json"
    compare_bundle "$b" "" "annotations $ann"
    jq -r '.profile' "$HR_TMP/e.json" >>"$HR_TMP/chosen"
  done
  hr_assert_eq "$(tr '\n' ' ' <"$HR_TMP/chosen")" "lenient strict null default "
  # the refusal of a profile the rules do not allow a container to pick
  hr_assert_eq "$(sed -n 3p "$HR_TMP/verdicts")" refused
}

@test "explain on docker run --privileged -v /:/host --pid=host: every refusal, by rule" {
  local b
  b=$(bundle_of explain/docker-privileged-host.json x)
  run -1 "${E[@]}" policy explain --format json --bundle "$b"
  hr_assert_eq "$(jq -r .verdict <<<"$output")" refused
  hr_assert_eq "$(jq -r '[.refusals[].rule] | unique | join(" ")' <<<"$output")" \
    "host-devices host-mounts host-namespaces privileged"
  hr_assert_eq "$(jq -r '.refusals[] | select(.rule == "host-mounts") | .message' <<<"$output")" \
    'mounts[7].source: "/" is the sensitive host path "/"'
  hr_assert_eq "$(jq -r '.refusals[] | select(.rule == "host-namespaces") | .message' <<<"$output")" \
    "linux.namespaces: no pid namespace: the container would share the host's"
  hr_assert_eq "$(jq -r .reason <<<"$output")" \
    'profile "default": rule "privileged": linux.resources.devices[0]: allows every device of the host (as --privileged does)'
}

@test "explain writes nothing: no state directory, no seccomp cache, no audit record, no id slice" {
  local b
  b=$(bundle_of explain/docker-default.json w)
  cat >"$HR_TMP/profiles/userns.json" <<'EOF'
{"userNamespace": {"pool": {"uid": 200000, "gid": 200000, "size": 131072}}, "seccomp": true}
EOF
  touch -d '2020-01-01' "$b/config.json"
  run -0 "${E[@]}" --hardrun-profile=userns policy explain --format json --bundle "$b"
  hr_assert_eq "$(jq -r '.changes[] | select(.path == "linux.uidMappings") | .new' <<<"$output")" \
    '[{"containerID":0,"hostID":200000,"size":65536}]'
  [ ! -e "$HR_TMP/state" ]
  [ ! -e "$HR_AUDIT" ]
  hr_assert_eq "$(stat -c %Y "$b/config.json")" "$(date -d 2020-01-01 +%s)"
  hr_assert_eq "$(ls -A "$b")" config.json
  [ ! -s "$HR_SPY_LOG" ]
}

@test "explain: a file, standard input, and the exit status 2 for what cannot be read" {
  run -0 "${E[@]}" policy explain "$FIX/configs/runc-spec.json"
  [[ $output == *"verdict: allowed"* ]]
  run -1 "${E[@]}" policy explain - <"$FIX/explain/docker-privileged-host.json"
  [[ $output == *"verdict: refused"* ]]
  run -2 "${E[@]}" policy explain --bundle "$HR_TMP/nope"
  hr_assert_match "$output" "^hardrun: open bundle .*nope.*: No such file or directory"
  echo '{"process": ' >"$HR_TMP/broken.json"
  run -2 "${E[@]}" policy explain "$HR_TMP/broken.json"
  hr_assert_match "$output" 'rule "spec-syntax"'
  echo '{"root": {"path": "rootfs"}, "process": 5}' >"$HR_TMP/bad.json"
  run -2 "${E[@]}" policy explain "$HR_TMP/bad.json"
  hr_assert_match "$output" 'process: expected an object'
  run -2 "${E[@]}" policy explain --profile nope "$FIX/configs/runc-spec.json"
  hr_assert_match "$output" 'profile "nope" not found'
  echo '{"pids": {"ceiling": 0}}' >"$HR_TMP/profiles/zero.json"
  run -2 "${E[@]}" policy explain --profile zero "$FIX/configs/runc-spec.json"
  hr_assert_match "$output" 'zero.json:1:22: pids.ceiling: must be greater than 0'
  run -2 "${E[@]}" policy explain
  run -2 "${E[@]}" policy explain --bundle "$HR_TMP" "$FIX/configs/runc-spec.json"
  run -2 "${E[@]}" policy explain --bogus x
  hr_assert_match "$output" "unknown option --bogus"
  run -2 "${E[@]}" policy explain --format yaml -
}

@test "explain --format json: the documented members, in order" {
  run -0 "${E[@]}" policy explain --format json "$FIX/explain/docker-default.json"
  hr_assert_eq "$(jq -c 'keys_unsorted' <<<"$output")" \
    '["config","profile","profilePath","verdict","reason","rewrite","changes","refusals"]'
  hr_assert_eq "$(jq -r '.profilePath' <<<"$output")" "$HR_PROFILES/default.json"
  hr_assert_eq "$(jq -c '[.changes[] | keys_unsorted] | unique' <<<"$output")" \
    '[["rule","path","finding"],["rule","path","old","new"]]'
  hr_assert_eq "$(jq -r .reason <<<"$output")" null
  hr_assert_eq "$(wc -l <<<"$output")" 1
}

@test "explain text: grouped by rule in table order, values aligned, colour only on a terminal" {
  run -0 "${E[@]}" policy explain "$FIX/explain/docker-default.json"
  # rule headers in control-table order
  hr_assert_eq "$(grep -E '^[a-z]' <<<"$output" | grep -v ':' | tr '\n' ' ')" \
    "host-namespaces readonly-rootfs no-new-privileges capabilities user pids-limit memory-limit cpu-limit mount-propagation apparmor selinux "
  # the value column: every change line has its path padded to the same width
  grep -E '^  [a-z].*: ' <<<"$output" | awk '
    { p = index($0, ": "); while (substr($0, p + 2, 1) == " ") p++; col[NR] = p }
    END { for (i in col) if (col[i] != col[1]) { print "misaligned"; exit 1 } }'
  [[ $output != *$'\e['* ]]
  command -v script >/dev/null || skip "script(1) is needed for a terminal"
  script -qec "$HARDRUN --hardrun-config=$HR_CONF policy explain $FIX/explain/docker-privileged-host.json" \
    /dev/null >"$HR_TMP/tty.out" || true
  grep -q $'\e\\[1;31mREFUSED' "$HR_TMP/tty.out"
  grep -q $'\e\\[1mprivileged' "$HR_TMP/tty.out"
}

@test "check: the shipped files are valid; every problem of a broken one, FILE:LINE:COL" {
  run -0 "${E[@]}" policy check "$HR_PROFILES/default.json" "$HR_PROFILES/seccomp/default.json" \
    "$HR_PROFILES/seccomp/strict.json" "$HR_CONF"
  hr_assert_eq "$output" ""
  [ ! -f "$HR_BUILDDIR/etc/hardrun.conf" ] || "${E[@]}" policy check "$HR_BUILDDIR/etc/hardrun.conf"
  cat >"$HR_TMP/bad.json" <<'EOF'
{
  "readOnlyRootfs": true,
  "capabilities": {"allow": ["NET_RAWW", "CHOWN", "SYS_ADMN"]},
  "pids": {"default": 5000, "ceiling": 100},
  "hostDevices": {"allow": ["c 1:3", "a *:*"]},
  "seccomp": {"profile": "typo"}
}
EOF
  run -1 "${E[@]}" policy check "$HR_TMP/bad.json" "$HR_PROFILES/default.json"
  hr_assert_eq "$output" "$HR_TMP/bad.json:2:21: unknown key \"readOnlyRootfs\"; did you mean \"readonlyRootfs\"?
$HR_TMP/bad.json:3:30: capabilities.allow[0]: unknown capability \"NET_RAWW\"
$HR_TMP/bad.json:3:51: capabilities.allow[2]: unknown capability \"SYS_ADMN\"
$HR_TMP/bad.json:4:23: pids.default: 5000 is above the ceiling 100
$HR_TMP/bad.json:5:38: hostDevices.allow[1]: allows every device of the host
$HR_TMP/bad.json:6:26: seccomp profile \"typo\" not found in $HR_TMP/seccomp, $HR_TMP/profiles/seccomp, $HR_PROFILES/seccomp"
  run -1 "${E[@]}" policy check "$HR_TMP/nope.json"
  hr_assert_eq "$output" "$HR_TMP/nope.json:1:1: stat \`$HR_TMP/nope.json\`: No such file or directory"
  run -2 "${E[@]}" policy check
}

@test "check: every problem of a hardrun.conf, one line each, even the one in use" {
  cat >"$HR_TMP/bad.conf" <<'EOF'
{
  "defaultProfil": "default",
  "stateDir": "run/hardrun",
  "profileRules": [{"profile": "a b"}, {"match": {"k": 1}, "profile": "web"}, {"alow": []}]
}
EOF
  run -1 "${E[@]}" policy check "$HR_TMP/bad.conf"
  hr_assert_eq "$output" "$HR_TMP/bad.conf:2:20: unknown key \"defaultProfil\"; did you mean \"defaultProfile\"?
$HR_TMP/bad.conf:3:15: stateDir: expected an absolute path, got \"run/hardrun\"
$HR_TMP/bad.conf:4:32: profileRules[0].profile: invalid profile name \"a b\"
$HR_TMP/bad.conf:4:56: profileRules[1].match.k: expected an array of strings, got number
$HR_TMP/bad.conf:4:88: profileRules[2]: unknown key \"alow\"; did you mean \"allow\"?"
  # the configuration hardrun itself reads, broken the same way: still checked
  cp "$HR_TMP/bad.conf" "$HR_CONF"
  run -1 "${E[@]}" policy check "$HR_CONF"
  hr_assert_eq "$(grep -c "^$HR_CONF:[0-9]*:[0-9]*: " <<<"$output")" 5
  hr_assert_match "$output" "^hardrun: .*unknown key .*seccomp profiles are looked up next to each file only"
}

@test "check: seccomp names libseccomp does not know, in the seccomp profile a profile names" {
  mkdir -p "$HR_TMP/p/seccomp"
  echo '{"seccomp": {"profile": "mine"}}' >"$HR_TMP/p/web.json"
  printf '{"defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [{"names": ["read", "raed"], "action": "SCMP_ACT_ALLOW"}]}\n' \
    >"$HR_TMP/p/seccomp/mine.json"
  run -1 "${E[@]}" policy check "$HR_TMP/p/web.json"
  hr_assert_match "$output" "^$HR_TMP/p/seccomp/mine.json:2:34: system call \"raed\" is unknown to libseccomp [0-9.]+ on every listed architecture; it is dropped from the filter\$"
}

@test "show: the effective profile with the source of each value; it loads back the same" {
  printf '{\n  "pids": {"default": 64},\n  "seccomp": true\n}\n' >"$HR_TMP/profiles/default.json"
  run -0 "${E[@]}" policy show --format json
  hr_assert_eq "$(jq -r .profilePath <<<"$output")" "$HR_TMP/profiles/default.json"
  hr_assert_eq "$(jq -r '.shadowed[0]' <<<"$output")" "$HR_PROFILES/default.json"
  hr_assert_eq "$(jq -r '.values[] | select(.key == "pids.default") | .source' <<<"$output")" \
    "$HR_TMP/profiles/default.json:2:23"
  hr_assert_eq "$(jq -r '.values[] | select(.key == "seccomp.profile") | .source' <<<"$output")" built-in
  hr_assert_eq "$(jq -r '.values[] | select(.key == "hostMounts") | .source' <<<"$output")" absent
  hr_assert_eq "$(jq -r '.confValues[] | select(.key == "stateDir") | .value' <<<"$output")" "$HR_TMP/state"
  hr_assert_eq "$(jq -r '.seccompProfilePath' <<<"$output")" "$HR_PROFILES/seccomp/default.json"
  jq .effective <<<"$output" >"$HR_TMP/profiles/again.json"
  run -0 "${E[@]}" policy show --format json --profile again
  hr_assert_eq "$(jq -c .effective <<<"$output")" "$(jq -c . "$HR_TMP/profiles/again.json")"
  run -0 "${E[@]}" policy show --profile strict
  hr_assert_match "$output" "pids.default +built-in +1024"
  run -2 "${E[@]}" policy show --profile nope
}

@test "usage: policy alone, --help, unknown subcommands; nothing ever reaches the runtime" {
  run -2 "${E[@]}" policy
  hr_assert_match "$output" "usage: hardrun"
  run -0 "${E[@]}" policy --help
  hr_assert_match "$output" "policy explain"
  run -0 "${E[@]}" policy explain --help
  run -2 "${E[@]}" policy frobnicate
  hr_assert_match "$output" 'unknown command "frobnicate"'
  run -2 "${E[@]}" doctor --profile x
  "${E[@]}" policy check "$HR_PROFILES/default.json"
  "${E[@]}" policy show >/dev/null
  "${E[@]}" policy explain "$FIX/configs/runc-spec.json" >/dev/null
  [ ! -s "$HR_SPY_LOG" ]
}
