# shellcheck shell=bash
# A private containerd + dockerd pair for the e2e tests (systemd is not
# PID 1 on the test machines, and the host's /var/lib/docker, /run/docker
# and /etc/docker must not be touched).  Everything lives under $HR_D, a short
# temporary directory, and hr_daemons_stop removes it even after a failure.
#
# Usable outside bats too:  . tests/e2e/daemons.bash; hr_daemons_start; ...;
# hr_daemons_stop
#
# Outside $HR_D: dockerd 20.10 always makes /run/docker/plugins (plugin
# discovery, a fixed path) and containerd 1.6 puts its shims' sockets in
# /run/containerd/s/ whatever its state directory is.  Directories that did
# not exist before the start are removed again when they are empty.
HR_FIXED_DIRS=(/run/docker/plugins /run/docker /run/containerd/s /run/containerd/fifo
  /run/containerd/runc/default /run/containerd/runc /run/containerd)

HR_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/helpers.bash
. "$HR_E2E_DIR/../integration/helpers.bash"

# The Debian docker.io client matches the daemon; another docker CLI in PATH
# negotiates the API version and works too.
: "${HR_DOCKER_CLI:=$([ -x /usr/bin/docker ] && echo /usr/bin/docker || command -v docker)}"
: "${HR_DAEMON_TIMEOUT:=30}"
HR_IMAGE=hr-busybox

# bats 1.8 reports a `skip` in setup_file as a failure of the whole file,
# so setup_file calls hr_skip_file REASON and returns 0, and each test's
# setup calls hr_file_skipped, which skips with that reason.
hr_skip_file() {
  export HR_FILE_SKIP=$1
}

hr_file_skipped() {
  [ -z "${HR_FILE_SKIP:-}" ] || skip "$HR_FILE_SKIP"
}

hr_docker() {
  DOCKER_CONFIG=$HR_D/docker-cli "$HR_DOCKER_CLI" -H "unix://$HR_D/docker.sock" "$@"
}

hr_ctr() {
  ctr --address "$HR_D/containerd.sock" "$@"
}

# hr_ctr_run ID [CTR-RUN-OPTIONS...] -- CMD...: `ctr run` of the busybox
# rootfs with hardrun as the shim's runc binary (the option BinaryName), its
# runc root under $HR_D and its cgroup under docker's private parent.
hr_ctr_run() {
  local id=$1 rootfs
  local -a opts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  rootfs=$(hr_rootfs) || return 1
  # PATH: an image's config would bring one; a bare rootfs has none, and
  # runc would search the shim's own.
  hr_ctr run --runc-binary "$HARDRUN" --runc-root "$HR_D/runc" \
    --cgroup "/$(basename "$HR_D")/$id" --env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    "${opts[@]}" --rootfs "$rootfs" "$id" "$@"
}

# hr_wait_for TENTHS CMD...: bounded poll.
hr_wait_for() {
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# With HR_CONTAINERD_CRI set to the name of a function, the CRI plugin is
# enabled and that function's output (its TOML) is appended.
hr_write_containerd_config() {
  local disabled='"io.containerd.grpc.v1.cri"'
  [ -z "${HR_CONTAINERD_CRI:-}" ] || disabled=
  cat >"$HR_D/containerd.toml" <<EOF
version = 2
root = "$HR_D/ctd/root"
state = "$HR_D/ctd/state"
disabled_plugins = [$disabled]

[grpc]
  address = "$HR_D/containerd.sock"

[ttrpc]
  address = "$HR_D/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$HR_D/ctd/opt"
EOF
  [ -z "${HR_CONTAINERD_CRI:-}" ] || "$HR_CONTAINERD_CRI" >>"$HR_D/containerd.toml"
}

# hr_write_daemon_json: runtimes "hardrun" (default profile),
# "hardrun-strict" (the shipped strict profile) and "hardrun-nope" (a profile
# that does not exist), plus any runtimes given as a JSON object in
# HR_EXTRA_RUNTIMES, and any daemon.json keys in the JSON object
# HR_DAEMON_EXTRA ({"live-restore": true}, say).
hr_write_daemon_json() {
  jq -n --arg d "$HR_D" --arg hardrun "$HARDRUN" --arg conf "$HR_D/hardrun.conf" \
    --argjson extra "${HR_EXTRA_RUNTIMES:-{\}}" --argjson more "${HR_DAEMON_EXTRA:-{\}}" '{
      hosts: ["unix://" + $d + "/docker.sock"],
      "data-root": ($d + "/data"),
      "exec-root": ($d + "/exec"),
      pidfile: ($d + "/dockerd.pid"),
      "deprecated-key-path": ($d + "/key.json"),
      containerd: ($d + "/containerd.sock"),
      bridge: "none",
      iptables: false,
      ip6tables: false,
      "ip-forward": false,
      "ip-masq": false,
      "userland-proxy": false,
      "storage-driver": "overlay2",
      "log-driver": "json-file",
      "cgroup-parent": ("/" + ($d | split("/") | last)),
      runtimes: ({
        hardrun: {path: $hardrun, runtimeArgs: ["--hardrun-config=" + $conf]},
        "hardrun-strict": {path: $hardrun,
                           runtimeArgs: ["--hardrun-config=" + $conf, "--hardrun-profile=strict"]},
        "hardrun-nope": {path: $hardrun,
                         runtimeArgs: ["--hardrun-config=" + $conf, "--hardrun-profile=nope"]}
      } + $extra)
    } + $more' >"$HR_D/daemon.json"
}

# hardrun.conf, plus any keys in the JSON object HR_CONF_EXTRA.
hr_write_daemons_hardrun_conf() {
  jq -n --arg d "$HR_D" --arg prof "$HR_PROFILES" --arg rt "$HR_RUNC" \
    --argjson more "${HR_CONF_EXTRA:-{\}}" \
    '{profileDirs: [$d + "/profiles", $prof], runtime: $rt, auditSocket: "",
      auditFile: ($d + "/audit.log"), stateDir: ($d + "/hrstate")} + $more' >"$HR_D/hardrun.conf"
}

# hr_containerd_start: containerd on $HR_D's socket, waited for with a
# bounded loop.  With HR_CONF_AT_DEFAULT set, containerd (and so its shims
# and every hardrun they run) lives in a private mount namespace where the
# build's default configuration file, $HR_SYSCONFDIR/hardrun/hardrun.conf,
# is $HR_D/hardrun.conf: hardrun then runs exactly as a shim's BinaryName
# runs it, with no option and no wrapper, and the host's file is untouched.
hr_containerd_start() {
  local -a ns=()
  if [ -n "${HR_CONF_AT_DEFAULT:-}" ]; then
    hr_default_conf_overlay || return 1
    ns=(unshare --mount --propagation private -- /bin/sh -c
      'mount -t overlay hr-sysconf -o "lowerdir=$1,upperdir=$2,workdir=$3" "$1" || exit 1
       shift 3; exec "$@"' sh "$(cat "$HR_D/sysconf/target")" "$HR_D/sysconf/upper"
      "$HR_D/sysconf/work")
  fi
  # fd 3 closed: bats waits for whoever holds it.
  "${ns[@]}" containerd --config "$HR_D/containerd.toml" >>"$HR_D/containerd.log" 2>&1 3>&- &
  echo $! >"$HR_D/containerd.pid"
  if ! hr_wait_for $((HR_DAEMON_TIMEOUT * 10)) hr_ctr version; then
    tail -n 30 "$HR_D/containerd.log" >&2
    hr_die "containerd did not start" || return 1
  fi
}

# The overlay that shows $HR_D/hardrun.conf at the default path: it is
# mounted on the deepest directory of that path that exists on the host, so
# that nothing needs to be created outside $HR_D.
hr_default_conf_overlay() {
  local want=${HR_SYSCONFDIR:-}/hardrun/hardrun.conf target rel
  [ -n "${HR_SYSCONFDIR:-}" ] || hr_die "HR_SYSCONFDIR (the build's sysconfdir) is not set" || return 1
  target=$(dirname "$want")
  while [ ! -d "$target" ]; do target=$(dirname "$target"); done
  [ "$target" != / ] || hr_die "no directory of $want exists to mount over" || return 1
  rel=${want#"$target"/}
  mkdir -p "$HR_D/sysconf/upper/$(dirname "$rel")" "$HR_D/sysconf/work"
  cp "$HR_D/hardrun.conf" "$HR_D/sysconf/upper/$rel"
  echo "$target" >"$HR_D/sysconf/target"
}

# hr_dockerd_start: dockerd on $HR_D's socket, using our containerd.
hr_dockerd_start() {
  dockerd --config-file "$HR_D/daemon.json" >>"$HR_D/dockerd.log" 2>&1 3>&- &
  echo $! >"$HR_D/dockerd.bgpid"
  if ! hr_wait_for $((HR_DAEMON_TIMEOUT * 10)) hr_docker version; then
    tail -n 30 "$HR_D/dockerd.log" >&2
    hr_die "dockerd did not start" || return 1
  fi
}

# hr_daemons_start: containerd, then dockerd (unless HR_NO_DOCKERD is set).
# On failure the daemons' logs are printed to stderr.
hr_daemons_start() {
  command -v containerd >/dev/null && command -v dockerd >/dev/null ||
    hr_die "containerd and dockerd are required (apt-get install docker.io)" || return 1
  HR_D=$(mktemp -d /tmp/hrd.XXXXXX)
  export HR_D
  mkdir -p "$HR_D/profiles" "$HR_D/docker-cli"
  local d
  for d in "${HR_FIXED_DIRS[@]}"; do
    [ -e "$d" ] || echo "$d" >>"$HR_D/made-dirs"
  done
  hr_write_containerd_config
  hr_write_daemon_json
  hr_write_daemons_hardrun_conf
  hr_containerd_start || return 1
  [ -n "${HR_NO_DOCKERD:-}" ] || hr_dockerd_start
}

# hr_dockerd_restart: SIGTERM (a bounded wait), then start it again with the
# same daemon.json.  Containers survive only with "live-restore": true.
hr_dockerd_restart() {
  hr_stop_pid "$HR_D/dockerd.bgpid"
  ! hr_alive "$(cat "$HR_D/dockerd.bgpid")" || hr_die "dockerd did not stop" || return 1
  hr_dockerd_start
}

# hr_containerd_restart: SIGTERM containerd alone and start it again; the
# shims, and so the containers, stay.
hr_containerd_restart() {
  hr_stop_pid "$HR_D/containerd.pid"
  ! hr_alive "$(cat "$HR_D/containerd.pid")" || hr_die "containerd did not stop" || return 1
  hr_containerd_start
}

# hr_docker_image: import the busybox rootfs as $HR_IMAGE.
hr_docker_image() {
  local rootfs
  rootfs=$(hr_rootfs) || return 1
  tar -C "$rootfs" -c . | hr_docker import - "$HR_IMAGE" >/dev/null
}

# hr_assert_hardened ID: seen through docker exec, the container's init has
# the default profile's capabilities and no_new_privs, and its root is
# read-only.
hr_assert_hardened() {
  local out want
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  out=$(hr_docker exec "$1" sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/1/status
    echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo)
    if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi')
  echo "$out"
  hr_assert_eq "$(awk '$1 == "CapEff:" {print $2}' <<<"$out")" "$want" "CapEff of init"
  hr_assert_eq "$(awk '$1 == "CapBnd:" {print $2}' <<<"$out")" "$want" "CapBnd of init"
  hr_assert_eq "$(awk '$1 == "NoNewPrivs:" {print $2}' <<<"$out")" 1 "NoNewPrivs of init"
  hr_assert_match "$(sed -n 's/^rootopts=//p' <<<"$out")" '(^|,)ro(,|$)'
  hr_assert_eq "$(sed -n 's/^root=//p' <<<"$out")" readonly
}

# hr_refute CMD...: fail when CMD succeeds.  `! CMD` would not do: bats
# (set -e) ignores a negated command unless it is the test's last.
hr_refute() {
  if "$@"; then
    hr_die "succeeded, but must not: $*"
  fi
}

# hr_no_record ID: hardrun's state record of container ID is gone.
hr_no_record() {
  local f
  for f in "$HR_D"/hrstate/*/"$1.json"; do
    [ ! -e "$f" ] || hr_die "hardrun's record $f is left"
  done
}

# A live process, not a zombie waiting to be reaped.
hr_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

# hr_stop_pid PIDFILE: TERM, a bounded wait, then KILL.
hr_stop_pid() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1" 2>/dev/null) || return 0
  [ -n "$pid" ] && hr_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  hr_wait_for 150 eval "! hr_alive $pid" || kill -KILL "$pid" 2>/dev/null
  # when it is our own child, reap it
  wait "$pid" 2>/dev/null || true
}

# The shims of our containerd, found by the address on their command line.
hr_our_shims() {
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "-address $HR_D/containerd.sock " &&
      echo "${p#/proc/}"
  done
}

# hr_daemons_stop: remove containers, stop dockerd, containerd and the shims,
# unmount what is left and remove $HR_D.  Never fails.
hr_daemons_stop() {
  local pid
  [ -n "${HR_D:-}" ] && [ -d "$HR_D" ] || return 0
  if [ -S "$HR_D/docker.sock" ]; then
    # shellcheck disable=SC2046
    timeout 30 "$HR_DOCKER_CLI" -H "unix://$HR_D/docker.sock" rm -f \
      $(timeout 10 "$HR_DOCKER_CLI" -H "unix://$HR_D/docker.sock" ps -aq 2>/dev/null) \
      >/dev/null 2>&1 || true
  fi
  hr_stop_pid "$HR_D/dockerd.bgpid"
  hr_stop_pid "$HR_D/containerd.pid"
  for pid in $(hr_our_shims); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  # runc state of docker's containers lives in $HR_D/exec, that of ctr's
  # in $HR_D/runc/<namespace> (hr_ctr_run's --runc-root), that of the CRI
  # plugin's in $HR_D/runc/k8s.io and $HR_D/runc-plain/k8s.io (the
  # runtimes' Root in cri.bats); a killed shim leaves its container's init
  # running: kill what the private roots know.
  local root id
  for root in "$HR_D"/exec/runtime-*/moby "$HR_D"/runc "$HR_D"/runc/* "$HR_D"/runc-plain/*; do
    [ -d "$root" ] || continue
    for id in $("$HR_RUNC" --root "$root" list -q 2>/dev/null); do
      "$HR_RUNC" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  grep -F " $HR_D/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  # docker leaves its cgroup parent behind in every hierarchy
  local cg
  for cg in /sys/fs/cgroup/*/"$(basename "$HR_D")"; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  if [ -f "$HR_D/made-dirs" ]; then
    while read -r d; do rmdir "$d" 2>/dev/null || true; done <"$HR_D/made-dirs"
  fi
  rm -rf "$HR_D" 2>/dev/null || true
  return 0
}
