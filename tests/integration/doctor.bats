#!/usr/bin/env bats
# hardrun doctor on a copy of the fixture host (tests/unit/fixtures/doctor/
# host), broken one way at a time, and for real on this host.

load helpers
bats_require_minimum_version 1.5.0

FIX=${HR_FIXTURES:-$HR_SRCDIR/tests/unit/fixtures}

setup() {
  hr_plain && skip "hardrun's own commands"
  [ "$(id -u)" = 0 ] || skip "the CIS checks want root-owned files"
  hr_setup
  H=$HR_TMP/host
  cp -a "$FIX/doctor/host" "$H"
  # The modes and owners the checks expect, whatever git and the umask made.
  chown -R root:root "$H"
  find "$H" -type d -exec chmod 755 {} +
  find "$H" -type f -exec chmod 644 {} +
  chmod 755 "$H/usr/sbin/runc" "$H/usr/local/bin/hardrun"
  D=("$HARDRUN" --hardrun-config=/etc/hardrun/hardrun.conf doctor --host-root "$H")
}

teardown() {
  [ -z "${SOCK_PID:-}" ] || kill "$SOCK_PID" 2>/dev/null || true
  [ -z "${IMMUTABLE:-}" ] || chattr -i "$IMMUTABLE" 2>/dev/null || true
  hr_teardown
}

# status NAME: the status of check NAME in a JSON run (exit status ignored).
status() {
  "${D[@]}" --format json | jq -r --arg n "$1" '.checks[] | select(.check == $n) | .status'
}

# message NAME
message() {
  "${D[@]}" --format json | jq -r --arg n "$1" '.checks[] | select(.check == $n) | .message'
}

# expect NAME STATUS [MESSAGE-REGEX]
expect() {
  local s m
  s=$(status "$1")
  m=$(message "$1")
  hr_assert_eq "$s" "$2" "$1: $m"
  [ -z "${3:-}" ] || hr_assert_match "$m" "$3"
}

# "yes" when $HARDRUN starts at the pass-through fast path's entry point.
expect_fast() {
  local entry sym
  entry=$(readelf -h "$HARDRUN" | awk '/Entry point/ {print $4}')
  sym=$(nm "$HARDRUN" 2>/dev/null | awk '$3 == "hr_prestart_entry" {print "0x" $1}')
  if [ -n "$sym" ] && [ $((entry)) = $((sym)) ]; then echo yes; else echo no; fi
}

# A unix socket at $1 (stream, or dgram with "dgram"), kept by a process.
make_socket() {
  command -v python3 >/dev/null || skip "python3 makes the test sockets"
  python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM if sys.argv[2] == "dgram" else socket.SOCK_STREAM)
s.bind(sys.argv[1])
print("ready", flush=True)
time.sleep(60)' "$1" "${2:-stream}" >"$HR_TMP/sock.out" &
  SOCK_PID=$!
  hr_wait_for_file "$HR_TMP/sock.out"
}

hr_wait_for_file() {
  local i
  for ((i = 0; i < 50; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

@test "the fixture host: every check passes but the missing docker socket" {
  run -0 "${D[@]}"
  hr_assert_eq "$(grep -c '^PASS' <<<"$output")" 19
  hr_assert_eq "$(grep '^WARN' <<<"$output")" \
    "WARN  docker.sock       /var/run/docker.sock: No such file or directory"
  hr_assert_match "$output" "20 checks: 19 PASS, 1 WARN, 0 FAIL"
  # text: a fix line under each WARN or FAIL, none under a PASS
  hr_assert_eq "$(grep -A1 '^WARN' <<<"$output" | tail -n 1)" \
    '                        fix: start dockerd, or correct "hosts"'
  hr_assert_eq "$(grep -c 'fix:' <<<"$output")" 1
}

@test "runtime: missing, hardrun itself, no features, no version" {
  rm "$H/usr/sbin/runc"
  expect runtime FAIL "^runtime /usr/sbin/runc: No such file or directory$"
  run -1 "${D[@]}"
  # a symbolic link is resolved inside the root: its target is not there
  ln -s "$HARDRUN" "$H/usr/sbin/runc"
  expect runtime FAIL "^runtime /usr/sbin/runc: No such file or directory$"
  rm "$H/usr/sbin/runc"
  if ln "$HARDRUN" "$H/usr/sbin/runc" 2>/dev/null; then
    expect runtime FAIL "is hardrun itself"
    rm "$H/usr/sbin/runc"
  fi
  printf '#!/bin/sh\n[ "$1" = --version ] && echo "runc version 1.0.0" && exit 0\nexit 3\n' \
    >"$H/usr/sbin/runc"
  chmod 755 "$H/usr/sbin/runc"
  expect runtime PASS "runc version 1.0.0, OCI runtime spec \\?"
  expect "runtime features" WARN "exit status 3"
  printf '#!/bin/sh\necho hello\n' >"$H/usr/sbin/runc"
  expect runtime FAIL "does not print"
  chmod 644 "$H/usr/sbin/runc"
  expect runtime FAIL "not an executable file"
  # --hardrun-runtime names the runtime instead of hardrun.conf
  run -1 "$HARDRUN" --hardrun-config=/etc/hardrun/hardrun.conf \
    --hardrun-runtime=/usr/local/bin/hardrun doctor --host-root "$H" --format json
  hr_assert_eq "$(jq -r '.checks[] | select(.check == "runtime") | .message' <<<"$output")" \
    'runtime /usr/local/bin/hardrun: `--version` does not print "NAME version X"'
}

@test "kernel: seccomp, user namespaces, the id pool" {
  echo 'kill_thread trap errno' >"$H/proc/sys/kernel/seccomp/actions_avail"
  expect seccomp FAIL "lack errno or kill_process"
  rm "$H/proc/sys/kernel/seccomp/actions_avail"
  expect seccomp FAIL "no seccomp filters"
  echo 0 >"$H/proc/sys/user/max_user_namespaces"
  expect "user namespaces" FAIL "the default profile enables user namespaces"
  printf 'hardrun:1000000:65535\n' >"$H/etc/subuid"
  expect "id pool" FAIL 'give user "hardrun" no range of 65536 ids: every create fails'
  # without user namespaces in the default profile, the same is only a warning
  sed -i 's/"userNamespace": {"required": true}/"userNamespace": false/' \
    "$H/etc/hardrun/profiles/default.json"
  expect "id pool" WARN "does not use user namespaces"
  expect "user namespaces" WARN "is 0"
}

@test "cgroups: v1 controllers, and v2" {
  sed -i '/^memory/d' "$H/proc/cgroups"
  expect cgroups FAIL "^cgroup v1 without the memory controller$"
  rmdir "$H/sys/fs/cgroup/pids" 2>/dev/null || rm -r "$H/sys/fs/cgroup/pids"
  expect cgroups FAIL "without the pids, memory controllers"
  echo 'cpuset cpu io memory hugetlb pids rdma misc' >"$H/sys/fs/cgroup/cgroup.controllers"
  expect cgroups PASS "^cgroup v2 with the pids, memory and cpu controllers$"
  echo 'cpuset cpu io memory' >"$H/sys/fs/cgroup/cgroup.controllers"
  expect cgroups FAIL "cgroup v2 without the pids controller"
}

@test "LSMs: AppArmor and its profile, SELinux, neither" {
  grep -v hardrun-default "$H/sys/kernel/security/apparmor/profiles" >"$HR_TMP/p" &&
    mv "$HR_TMP/p" "$H/sys/kernel/security/apparmor/profiles"
  expect "apparmor profile" WARN "hardrun-default is not loaded"
  sed -i 's/"require": false/"require": true/' "$H/etc/hardrun/profiles/default.json"
  expect "apparmor profile" FAIL "requires it"
  echo N >"$H/sys/module/apparmor/parameters/enabled"
  expect lsm WARN "neither AppArmor nor SELinux is enabled \\(active LSMs: lockdown,capability,apparmor\\)"
  [ -z "$(status "apparmor profile")" ]
  mkdir -p "$H/sys/fs/selinux"
  echo 0 >"$H/sys/fs/selinux/enforce"
  expect lsm WARN "SELinux is enabled, permissive"
  echo 1 >"$H/sys/fs/selinux/enforce"
  expect lsm PASS "SELinux is enabled, enforcing"
  # the container contexts, looked at once the default profile labels containers
  [ -z "$(status "selinux contexts")" ]
  sed -i 's/"noNewPrivileges": true,/"noNewPrivileges": true, "selinux": true,/' \
    "$H/etc/hardrun/profiles/default.json"
  expect "selinux contexts" WARN "^/etc/selinux/targeted/contexts/lxc_contexts: No such file or directory: containers are labelled system_u:system_r:container_t:s0 "
  mkdir -p "$H/etc/selinux/mls/contexts"
  printf 'SELINUX=enforcing\nSELINUXTYPE=mls\n' >"$H/etc/selinux/config"
  cp "$FIX/lsm/lxc_contexts" "$H/etc/selinux/mls/contexts/lxc_contexts"
  expect "selinux contexts" PASS "^/etc/selinux/mls/contexts/lxc_contexts: containers run as system_u:system_r:container_t:s0, their files are system_u:object_r:container_file_t:s0\$"
  sed -i 's/"selinux": true/"selinux": {"type": "my_ct_t"}/' "$H/etc/hardrun/profiles/default.json"
  expect "selinux contexts" PASS "run as system_u:system_r:container_t:s0 with type my_ct_t,"
  cp "$FIX/lsm/lxc_contexts.bad" "$H/etc/selinux/mls/contexts/lxc_contexts"
  expect "selinux contexts" FAIL "lxc_contexts: line 2: expected KEY = .*: every create fails"
  run -1 "${D[@]}"
}

@test "registration with dockerd and containerd" {
  jq '."default-runtime" = "runc"' "$H/etc/docker/daemon.json" >"$HR_TMP/d" &&
    cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect dockerd WARN 'the default runtime is runc: only containers run with --runtime hardrun are hardened'
  jq '.runtimes.hardrun.path = "/opt/nope/hardrun"' "$H/etc/docker/daemon.json" >"$HR_TMP/d" &&
    cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect dockerd FAIL "not an executable file"
  jq 'del(.runtimes)' "$H/etc/docker/daemon.json" >"$HR_TMP/d" &&
    cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect dockerd WARN "hardrun is not one of dockerd's runtimes"
  echo '{"runtimes": ' >"$H/etc/docker/daemon.json"
  expect dockerd FAIL "daemon.json:2:1: parse error"
  rm "$H/etc/docker/daemon.json"
  expect dockerd WARN "daemon.json is absent"
  # dockerd's command line registers runtimes too (a systemd drop-in, say)
  printf '/usr/bin/dockerd\0--add-runtime\0hr=/usr/local/bin/hardrun\0--default-runtime=hr\0' \
    >"$H/proc/4242/cmdline"
  expect dockerd PASS '^hardrun is runtime "hr" \(/usr/local/bin/hardrun\) and dockerd.s default-runtime$'
  printf '/usr/bin/dockerd\0--add-runtime=hr=/usr/local/bin/hardrun\0' >"$H/proc/4242/cmdline"
  expect dockerd WARN 'hardrun is runtime "hr" \(/usr/local/bin/hardrun\), but the default runtime is runc'
  # and reads another config file when told to
  printf '{"runtimes": {"h2": {"path": "/usr/local/bin/hardrun"}}, "default-runtime": "h2"}' \
    >"$H/etc/docker/other.json"
  printf '/usr/bin/dockerd\0--config-file\0/etc/docker/other.json\0' >"$H/proc/4242/cmdline"
  expect dockerd PASS '^hardrun is runtime "h2" \(/usr/local/bin/hardrun\) and dockerd.s default-runtime$'
  printf '/usr/bin/dockerd\0--config-file=/etc/docker/missing.json\0' >"$H/proc/4242/cmdline"
  expect dockerd WARN '^/etc/docker/missing.json is absent: hardrun is not one of dockerd.s runtimes$'
  sed -i '/default_runtime_name/d' "$H/etc/containerd/config.toml"
  expect containerd WARN 'hardrun is containerd runtime "hardrun" \(/usr/local/bin/hardrun\), but the default runtime is runc'
  sed -i '/BinaryName/d' "$H/etc/containerd/config.toml"
  expect containerd WARN "no runtime has hardrun as its BinaryName"
  rm "$H/etc/containerd/config.toml"
  expect containerd WARN "is absent"
}

@test "CIS: the docker group, the daemon on TCP without TLS" {
  sed -i 's/^docker:x:998:$/docker:x:998:alice,bob/' "$H/etc/group"
  echo 'carol:x:1000:998::/home/carol:/bin/sh' >>"$H/etc/passwd"
  expect "docker group" WARN "group docker has 3 members \\(alice, bob, carol\\)"
  jq '.hosts += ["tcp://0.0.0.0:2375"]' "$H/etc/docker/daemon.json" >"$HR_TMP/d" &&
    cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect "docker tcp" FAIL "/etc/docker/daemon.json on tcp://0.0.0.0:2375"
  run -1 "${D[@]}"
  jq '.tlsverify = true' "$H/etc/docker/daemon.json" >"$HR_TMP/d" &&
    cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect "docker tcp" PASS "1 running dockerd"
  # daemon.json's tlsverify covers the addresses of -H flags too
  printf '/usr/bin/dockerd\0-H\0tcp://127.0.0.1:2375\0' >"$H/proc/4242/cmdline"
  expect "docker tcp" PASS "1 running dockerd"
  jq 'del(.tlsverify) | .hosts = ["unix:///var/run/docker.sock"]' "$H/etc/docker/daemon.json" \
    >"$HR_TMP/d" && cat "$HR_TMP/d" >"$H/etc/docker/daemon.json"
  expect "docker tcp" FAIL "^the daemon API is on TCP without TLS client verification: dockerd \\(pid 4242\\) on tcp://127.0.0.1:2375 "
  printf '/usr/bin/dockerd\0-Htcp://127.0.0.1:2376\0--tlsverify\0' >"$H/proc/4242/cmdline"
  expect "docker tcp" PASS
  printf '/usr/bin/dockerd\0-Htcp://127.0.0.1:2376\0--tlsverify=1\0' >"$H/proc/4242/cmdline"
  expect "docker tcp" PASS
  # DOCKER_TLS_VERIFY in dockerd's environment turns verification on, unless a flag says no
  printf '/usr/bin/dockerd\0-H\0tcp://127.0.0.1:2376\0' >"$H/proc/4242/cmdline"
  printf 'PATH=/usr/bin\0DOCKER_TLS_VERIFY=1\0' >"$H/proc/4242/environ"
  expect "docker tcp" PASS
  printf '/usr/bin/dockerd\0-H\0tcp://127.0.0.1:2376\0--tlsverify=false\0' >"$H/proc/4242/cmdline"
  expect "docker tcp" FAIL "pid 4242\\) on tcp://127.0.0.1:2376"
  printf '/usr/bin/dockerd\0-H\0tcp://127.0.0.1:2376\0' >"$H/proc/4242/cmdline"
  printf 'DOCKER_TLS_VERIFY=\0' >"$H/proc/4242/environ"
  expect "docker tcp" FAIL "pid 4242\\) on tcp://127.0.0.1:2376"
  # a dockerd reading another config file, with a TCP host in it
  echo '{"hosts": ["tcp://10.0.0.1:2375"]}' >"$H/etc/docker/other.json"
  printf 'dockerd\0--config-file=/etc/docker/other.json\0' >"$H/proc/4242/cmdline"
  expect "docker tcp" FAIL "dockerd \\(pid 4242\\) on tcp://10.0.0.1:2375"
}

@test "CIS: the docker socket, /etc/docker and daemon.json" {
  make_socket "$H/run/docker.sock"
  chown root:998 "$H/run/docker.sock"
  chmod 660 "$H/run/docker.sock"
  expect docker.sock PASS "/var/run/docker.sock: mode 0660, owner 0:998"
  chmod 666 "$H/run/docker.sock"
  expect docker.sock FAIL "has mode 0666: only root and group docker may use it"
  chmod 660 "$H/run/docker.sock"
  chown 1000:998 "$H/run/docker.sock"
  expect docker.sock FAIL "is owned by 1000:998"
  chmod 775 "$H/etc/docker"
  expect /etc/docker FAIL "is 0:0 with mode 0775"
  chmod 755 "$H/etc/docker"
  chown 65534 "$H/etc/docker"
  expect /etc/docker FAIL "is 65534:0"
  chmod 664 "$H/etc/docker/daemon.json"
  expect daemon.json FAIL "mode 644 or stricter"
}

@test "hardrun itself: hardrun.conf, profiles, the state directory, the audit destination" {
  echo '{"defaultProfile": "missing"}' >"$H/etc/hardrun/hardrun.conf"
  expect profiles FAIL 'profile "missing" not found'
  echo '{"runtime": "runc"}' >"$H/etc/hardrun/hardrun.conf"
  expect hardrun.conf FAIL 'hardrun.conf:1:13: runtime: expected an absolute path'
  git_conf() {
    jq -n '{runtime: "/usr/sbin/runc", profileDirs: ["/etc/hardrun/profiles"], stateDir: "/run/hardrun",
            auditSocket: $s, auditFile: (if $f == "" then null else $f end)}' --arg s "$1" --arg f "$2" \
      >"$H/etc/hardrun/hardrun.conf"
  }
  git_conf "" /var/log/hardrun/audit.jsonl
  echo '{"pids": {"ceiling": 0}}' >"$H/etc/hardrun/profiles/web.json"
  expect profiles FAIL "web.json: .*web.json:1:22: pids.ceiling: must be greater than 0"
  rm "$H/etc/hardrun/profiles/web.json"
  echo '{"defaultAction": "SCMP_ACT_NOTIFY"}' >"$H/etc/hardrun/profiles/seccomp/odd.json"
  expect profiles FAIL "seccomp/odd.json"
  rm "$H/etc/hardrun/profiles/seccomp/odd.json"
  mkdir -m 777 "$H/run/hardrun"
  expect "state directory" FAIL "with mode 0777"
  chmod 700 "$H/run/hardrun"
  expect "state directory" PASS "mode 0700, owned by uid 0"
  # the pass-through fast path's cache, below the default stateDir
  if [ "$(expect_fast)" = yes ]; then
    mkdir -m 757 "$H/run/hardrun/passthrough"
    expect pass-through WARN "^/run/hardrun/passthrough is not a directory of uid 0 .*mode 0757"
    chmod 700 "$H/run/hardrun/passthrough"
    expect pass-through PASS "fast path built in"
  else
    expect pass-through PASS "no fast path"
  fi
  touch "$H/var/log/hardrun/audit.jsonl"
  chmod 644 "$H/var/log/hardrun/audit.jsonl"
  expect audit FAIL "mode 0644"
  chmod 600 "$H/var/log/hardrun/audit.jsonl"
  expect audit PASS "audit records go to /var/log/hardrun/audit.jsonl"
  # writable in its mode bits, but not for root either: immutable, or on a read-only mount
  if chattr +i "$H/var/log/hardrun/audit.jsonl" 2>/dev/null; then
    IMMUTABLE=$H/var/log/hardrun/audit.jsonl
    expect audit FAIL "^auditFile /var/log/hardrun/audit.jsonl is not writable: Operation not permitted\$"
    chattr -i "$IMMUTABLE"
  fi
  rm "$H/var/log/hardrun/audit.jsonl"
  mount --bind -o ro "$H/var/log/hardrun" "$H/var/log/hardrun"
  expect audit FAIL "^auditFile /var/log/hardrun/audit.jsonl cannot be created: /var/log/hardrun: Read-only file system\$"
  umount "$H/var/log/hardrun"
  expect audit PASS "audit records go to /var/log/hardrun/audit.jsonl"
  git_conf "" /var/log/nope/audit.jsonl
  expect audit FAIL "cannot be created"
  git_conf "" ""
  expect audit WARN "no audit destination"
  git_conf /dev/log ""
  expect audit WARN "auditSocket /dev/log: No such file or directory: audit records are lost"
  mkdir -p "$H/dev"
  make_socket "$H/dev/log" dgram
  expect audit PASS "audit records go to syslog \\(/dev/log\\)"
  run -2 "$HARDRUN" --hardrun-config=/etc/nope.conf doctor --host-root "$H" --format text --bogus
  run -1 "$HARDRUN" --hardrun-config=/etc/nope.conf doctor --host-root "$H"
  hr_assert_match "$output" "FAIL  hardrun.conf +/etc/nope.conf: configuration file not found"
}

@test "this host, for real: the kernel as it is, and the exit status follows the FAILs" {
  local want
  run "$HARDRUN" --hardrun-config="$HR_CONF" doctor
  [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
  if grep -q '^FAIL' <<<"$output"; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
  # every line is a check, a fix under a WARN or FAIL, or the summary
  grep -vE '^(PASS|WARN|FAIL)  |^ +fix: |^$|^[0-9]+ checks: ' <<<"$output" && false
  want=$(cat /proc/sys/kernel/seccomp/actions_avail)
  hr_assert_match "$output" "PASS  seccomp +seccomp filters available \\(actions: $want\\)"
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then want="cgroup v2"; else want="cgroup v1"; fi
  hr_assert_match "$output" "cgroups +$want"
  hr_assert_match "$output" "PASS  runtime +$HR_TMP/runc-spy: runc version"
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] &&
    [ ! -e /sys/fs/selinux/enforce ]; then
    hr_assert_match "$output" "WARN  lsm +neither AppArmor nor SELinux is enabled"
  fi
  # the runtime was run for --version and features, and for nothing else
  hr_assert_eq "$(sort -u "$HR_SPY_LOG" | tr '\n' ' ')" "--version features "
  run "$HARDRUN" --hardrun-config="$HR_CONF" doctor --format json
  hr_assert_eq "$(jq '.summary.pass + .summary.warn + .summary.fail' <<<"$output")" \
    "$(jq '.checks | length' <<<"$output")"
  hr_assert_eq "$(jq '.summary.fail > 0' <<<"$output")" "$([ "$status" = 1 ] && echo true || echo false)"
  command -v script >/dev/null || skip "script(1) is needed for a terminal"
  script -qec "$HARDRUN --hardrun-config=$HR_CONF doctor" /dev/null >"$HR_TMP/tty.out" || true
  grep -q $'\e\\[32mPASS' "$HR_TMP/tty.out"
}
