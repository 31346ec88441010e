#!/usr/bin/env bats
# Kubernetes' RuntimeClass path, for real: containerd 1.6's CRI plugin with
# a runtime handler "hardrun" (runtime_type io.containerd.runc.v2, options
# BinaryName = hardrun, nothing else), driven over its gRPC socket the way
# the kubelet drives it (tests/e2e/cri-client.py: RunPodSandbox with
# runtime_handler, CreateContainer, StartContainer, ExecSync, ...).
#
# Nothing is pulled: the busybox rootfs is imported into containerd's k8s.io
# namespace as two images, a shell and a pause image (sleep, as uid 65535)
# that is the plugin's sandbox_image, and the Debian image of
# workloads.bats for the nginx pod, when it is cached.  Pods get a network namespace from CNI (Debian's
# containernetworking-plugins: bridge + host-local, no gateway, no
# masquerade; the bridge is removed at the end).  containerd runs in a
# private mount namespace (HR_CONF_AT_DEFAULT): there hardrun reads the
# test's hardrun.conf at its default path, as a BinaryName is run, and the
# plugin's mounts (each pod's /dev/shm, its network namespace file) never
# reach the host.  The test's own default.json extends the shipped default
# with containerd's root and state as sensitive host paths, as
# /var/lib/containerd and /run/containerd are on a node, so the files the
# plugin binds into every pod (/etc/hosts, /etc/hostname, /etc/resolv.conf,
# /dev/shm) are accepted as the runtime's own, not for lying in /tmp.

load daemons
bats_require_minimum_version 1.5.0

# Debian's interpreter: python3-grpcio is installed for it (a pyenv python3
# may come first in PATH).
: "${HR_CRI_PYTHON:=/usr/bin/python3}"
: "${HR_CNI_BIN:=/usr/lib/cni}"
CRI_IMAGE=hr.local/hr-cri-busybox:1
CRI_PAUSE=hr.local/hr-cri-pause:1

cri() {
  "$HR_CRI_PYTHON" "$HR_E2E_DIR/cri-client.py" "$HR_D/containerd.sock" "$@"
}

# The CRI plugin's section of containerd.toml (hr_write_containerd_config
# calls it), and the CNI network it names.
cri_containerd_config() {
  local k='plugins."io.containerd.grpc.v1.cri"'
  cat <<EOF

[$k]
  sandbox_image = "$CRI_PAUSE"
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true
  # A sandbox asks for oom_score_adj -998, below containerd's own: a node's
  # containerd runs at -999, this one at 0 on a VM whose bounding set has no
  # CAP_SYS_RESOURCE, so plain runc could not lower it (hardrun's "oom"
  # rule raises it to 0).  Clamp it to containerd's, for both handlers.
  restrict_oom_score_adj = true

[$k.cni]
  bin_dir = "$HR_CNI_BIN"
  conf_dir = "$HR_D/cni/net.d"
  max_conf_num = 1

[$k.containerd]
  default_runtime_name = "runc"
  snapshotter = "overlayfs"

[$k.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[$k.containerd.runtimes.runc.options]
  BinaryName = "$HR_RUNC"
  Root = "$HR_D/runc-plain"

[$k.containerd.runtimes.hardrun]
  runtime_type = "io.containerd.runc.v2"
[$k.containerd.runtimes.hardrun.options]
  BinaryName = "$HARDRUN"
  Root = "$HR_D/runc"
EOF
  mkdir -p "$HR_D/cni/net.d"
  jq -n --arg br "$CRI_BRIDGE" --arg net "$CRI_NET" --arg subnet "$CRI_SUBNET.0/24" \
    --arg data "$HR_D/cni/ipam" '{
      cniVersion: "0.4.0", name: $net,
      plugins: [{type: "bridge", bridge: $br, isGateway: false, ipMasq: false,
                 ipam: {type: "host-local", subnet: $subnet, dataDir: $data}}]}' \
    >"$HR_D/cni/net.d/10-$CRI_NET.conflist"
}

# cri_image_tar OUT LAYER NAME ENTRYPOINT-JSON CMD-JSON USER [NAME ...]: an
# OCI image archive of one layer (an uncompressed tar of a rootfs), shared
# by every image named.
cri_image_tar() {
  local out=$1 layer_tar=$2 dir layer lsize cfg man i=0
  local -a manifests=()
  shift 2
  dir=$(mktemp -d "$HR_D/oci.XXXXXX")
  mkdir -p "$dir/blobs/sha256"
  layer=$(hr_sha256 "$layer_tar")
  lsize=$(stat -c %s "$layer_tar")
  ln "$layer_tar" "$dir/blobs/sha256/$layer" 2>/dev/null || cp "$layer_tar" "$dir/blobs/sha256/$layer"
  while [ $# -ge 4 ]; do
    jq -cn --arg l "sha256:$layer" --argjson ep "$2" --argjson cmd "$3" --arg user "$4" \
      --arg arch "$(dpkg --print-architecture)" '{architecture: $arch, os: "linux",
        config: ({Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                  Entrypoint: $ep, Cmd: $cmd, WorkingDir: "/"}
                 + if $user == "" then {} else {User: $user} end),
        rootfs: {type: "layers", diff_ids: [$l]}}' >"$dir/c$i"
    cfg=$(hr_sha256 "$dir/c$i")
    jq -cn --arg c "sha256:$cfg" --argjson cs "$(stat -c %s "$dir/c$i")" \
      --arg l "sha256:$layer" --argjson ls "$lsize" '{schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
      >"$dir/m$i"
    man=$(hr_sha256 "$dir/m$i")
    manifests+=("$(jq -cn --arg d "sha256:$man" --argjson s "$(stat -c %s "$dir/m$i")" \
      --arg name "$1" '{mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: $d, size: $s, annotations: {"io.containerd.image.name": $name,
        "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}')")
    mv "$dir/c$i" "$dir/blobs/sha256/$cfg"
    mv "$dir/m$i" "$dir/blobs/sha256/$man"
    i=$((i + 1))
    shift 4
  done
  printf '%s\n' "${manifests[@]}" | jq -s '{schemaVersion: 2, manifests: .}' >"$dir/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$dir/oci-layout"
  tar -C "$dir" -cf "$out" oci-layout index.json blobs
  rm -rf "$dir"
}

# The busybox rootfs as a layer, with /var/run a link to /run as in
# Debian's and most images.
cri_busybox_layer() {
  local rootfs
  rootfs=$(hr_rootfs) || return 1
  ln -s ../run "$HR_D/var-run"
  tar -C "$rootfs" --numeric-owner -cf "$1" . \
    --transform='s,^var-run$,./var/run,' -C "$HR_D" var-run
}

# A missing package skips the file, unless HR_CRI=1 (CI) makes it a failure.
cri_missing() {
  [ "${HR_CRI:-}" != 1 ] || hr_die "$1" || return 1
  hr_skip_file "$1"
}

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run containerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  "$HR_CRI_PYTHON" -c 'import grpc' 2>/dev/null || {
    cri_missing "needs $HR_CRI_PYTHON with grpc (apt-get install python3-grpcio)"
    return
  }
  [ -x "$HR_CNI_BIN/bridge" ] && [ -x "$HR_CNI_BIN/host-local" ] && [ -x "$HR_CNI_BIN/loopback" ] || {
    cri_missing "needs the CNI plugins in $HR_CNI_BIN (apt-get install containernetworking-plugins)"
    return
  }
  export HR_NO_DOCKERD=1 HR_CONF_AT_DEFAULT=1 HR_CONTAINERD_CRI=cri_containerd_config HR_CONF_EXTRA
  # Pods of the Kubernetes namespace hr-secure get the shipped "strict",
  # selected by the annotation the CRI plugin writes.
  HR_CONF_EXTRA='{"profileRules": [
    {"match": {"io.kubernetes.cri.sandbox-namespace": "hr-secure"}, "profile": "strict"}]}'
  export CRI_RUN=$RANDOM CRI_BRIDGE CRI_NET CRI_SUBNET
  # Names no other test run shares: the bridge is the one thing CNI makes
  # in the host's network namespace.
  CRI_BRIDGE=hrcri$(printf %04x "$CRI_RUN")
  CRI_NET=hr-cri-$CRI_RUN
  CRI_SUBNET=10.254.$((CRI_RUN % 250))
  # libcni caches each attachment's result under /var/lib/cni, whatever the
  # plugins' own dataDir.
  CRI_MADE=
  for d in /var/lib/cni/results /var/lib/cni; do
    [ -e "$d" ] || CRI_MADE+="$d "
  done
  export CRI_MADE
  hr_daemons_start
  # An admin's default.json extending the shipped one ("extends" its own
  # name finds the next directory's): the shipped sensitive paths, plus
  # where this containerd keeps what a node's keeps in /var/lib/containerd
  # and /run/containerd.
  jq -n --arg ctd "$HR_D/ctd" '{extends: "default",
      hostMounts: {mode: "refuse", sensitive: ["/", "/etc", "/proc", "/sys", "/dev", "/boot",
        "/usr", "/lib*", "/root", "/var/lib/docker", "/var/lib/containerd", "/run/containerd",
        "/var/run", $ctd]}}' >"$HR_D/profiles/default.json"
  hr_wait_for 100 cri version || hr_die "the CRI plugin does not answer" || return 1
  cri_busybox_layer "$HR_D/busybox.tar"
  # The pause image runs as 65535, as registry.k8s.io/pause does.
  cri_image_tar "$HR_D/images.tar" "$HR_D/busybox.tar" "$CRI_IMAGE" '["/bin/sh"]' '[]' "" \
    "$CRI_PAUSE" '["/bin/sleep"]' '["2147483647"]' 65535:65535
  hr_ctr -n k8s.io images import "$HR_D/images.tar" >/dev/null
  rm -f "$HR_D/images.tar" "$HR_D/busybox.tar"
}

setup() {
  hr_file_skipped
}

teardown() {
  local p
  [ -S "${HR_D:-}/containerd.sock" ] || return 0
  for p in $(cri pods 2>/dev/null); do
    cri stopp "$p" >/dev/null 2>&1 || true
    cri rmp "$p" >/dev/null 2>&1 || true
  done
}

teardown_file() {
  [ -n "${HR_D:-}" ] || return 0
  hr_daemons_stop
  ip link del "$CRI_BRIDGE" 2>/dev/null || true
  rm -f /var/lib/cni/results/"$CRI_NET"-* 2>/dev/null || true
  for d in $CRI_MADE; do rmdir "$d" 2>/dev/null || true; done
}

# pod_json NAME HANDLER [JQ-EXPR]: a pod the way the kubelet describes it
# (its hostname, log directory, DNS and cgroup parent), JQ-EXPR edited in.
pod_json() {
  mkdir -p "$HR_D/pods/$1"
  jq -cn --arg n "$1" --arg h "$2" --arg d "$HR_D" --arg cg "/$(basename "$HR_D")/$1" \
    --arg dns "$CRI_SUBNET.53" '{name: $n, namespace: "hr-cri", uid: ($n + "-uid"), hostname: $n,
      handler: $h, log_directory: ($d + "/pods/" + $n), cgroup_parent: $cg,
      dns_servers: [$dns]} | '"${3:-.}"
}

# ctr_json NAME [JQ-EXPR [JQ-OPTIONS...]]: a container of the busybox image
# that sleeps.
ctr_json() {
  local n=$1 expr=${2:-.}
  shift $(($# < 2 ? $# : 2))
  jq -cn --arg n "$n" --arg img "$CRI_IMAGE" "$@" '{name: $n, image: $img,
    command: ["sleep", "1000"], log_path: ($n + ".log")} | '"$expr"
}

# run_pod NAME HANDLER: a pod with one running container; sets POD, CTR.
run_pod() {
  local pod
  pod=$(pod_json "$1" "$2")
  POD=$(cri runp "$pod")
  CTR=$(cri create "$POD" "$pod" "$(ctr_json c1)")
  cri start "$CTR"
}

STATUS_SCRIPT='grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
  echo rootopts=$(awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo)
  if touch /probe 2>/dev/null; then echo root=writable; else echo root=readonly; fi
  echo tmp=$(touch /tmp/probe && echo writable)
  echo pidsmax=$(cat /sys/fs/cgroup/pids/pids.max)
  echo cgroup=$(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup)
  for n in net ipc uts pid; do echo ns.$n=$(readlink /proc/self/ns/$n); done
  echo hostname=$(hostname)
  echo resolv=$(grep nameserver /etc/resolv.conf)
  echo shm=$(awk "\$5 == \"/dev/shm\" {sub(/.* - /, \"\"); print \$1}" /proc/self/mountinfo)
  echo shmw=$(touch /dev/shm/probe && echo writable)
  echo ip=$(ip -4 -o addr show eth0 | awk "{print \$4}")'

field() {
  awk -v k="$2:" '$1 == k {print $2}' <<<"$1"
}

kv() {
  sed -n "s/^$2=//p" <<<"$1"
}

# The pause container's pid, from the plugin's verbose sandbox status.
pause_pid() {
  cri inspectp "$1" | jq -r .info.pid
}

@test "a pod through the runtime handler hardrun: hardened, in the pause container's namespaces" {
  local out want pid n
  run_pod hr-pod-a hardrun
  out=$(cri exec "$CTR" 20 sh -c "$STATUS_SCRIPT")
  echo "$out"
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  hr_assert_eq "$(field "$out" CapEff)" "$want" CapEff
  hr_assert_eq "$(field "$out" CapBnd)" "$want" CapBnd
  hr_assert_eq "$(field "$out" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_eq "$(field "$out" Seccomp)" 2 Seccomp
  hr_assert_match "$(kv "$out" rootopts)" '(^|,)ro(,|$)'
  hr_assert_eq "$(kv "$out" root)" readonly
  hr_assert_eq "$(kv "$out" tmp)" writable /tmp
  hr_assert_eq "$(kv "$out" pidsmax)" "$(hr_profile_get '.pids.default')" pids.max
  hr_assert_eq "$(kv "$out" cgroup)" "/$(basename "$HR_D")/hr-pod-a/$CTR" cgroup
  # The files the plugin binds from the sandbox: hostname, DNS, /dev/shm.
  hr_assert_eq "$(kv "$out" hostname)" hr-pod-a hostname
  hr_assert_eq "$(kv "$out" resolv)" "nameserver $CRI_SUBNET.53" resolv.conf
  hr_assert_eq "$(kv "$out" shm)" tmpfs /dev/shm
  hr_assert_eq "$(kv "$out" shmw)" writable /dev/shm
  # CNI's address, in the sandbox's network namespace.
  hr_assert_match "$(kv "$out" ip)" "^$CRI_SUBNET\\.[0-9]+/24\$"
  pid=$(pause_pid "$POD")
  for n in net ipc uts; do
    hr_assert_eq "$(kv "$out" "ns.$n")" "$(readlink "/proc/$pid/ns/$n")" "$n namespace of the pause container"
    [ "$(kv "$out" "ns.$n")" != "$(readlink "/proc/1/ns/$n")" ] || hr_die "the host's $n namespace"
  done
  # a pid namespace of its own (the kubelet's default)
  [ "$(kv "$out" ns.pid)" != "$(readlink "/proc/$pid/ns/pid")" ]
  [ "$(kv "$out" ns.pid)" != "$(readlink /proc/1/ns/pid)" ]
  hr_assert_eq "$(jq -r --arg id "$CTR" 'select(.id == $id and .command == "create")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log")" "allowed default"
  # ExecSync is runc exec, through hardrun
  hr_assert_eq "$(jq -r --arg id "$CTR" 'select(.id == $id and .command == "exec")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log" | sort -u)" "allowed default"
}

@test "the pod's pause container went through hardrun too" {
  local pid status want
  run_pod hr-pod-b hardrun
  hr_assert_eq "$(cri inspectp "$POD" | jq -r .runtime_handler)" hardrun
  hr_assert_eq "$(jq -r --arg id "$POD" 'select(.id == $id and .command == "create")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log")" "allowed default"
  pid=$(pause_pid "$POD")
  status=$(cat "/proc/$pid/status")
  echo "$status"
  mapfile -t caps < <(hr_profile_caps)
  want=$(hr_cap_mask "${caps[@]}")
  # no more than the allowlist (the plugin may ask for fewer)
  hr_assert_eq "$(printf '%016x' $((16#$(field "$status" CapBnd) & ~16#$want)))" 0000000000000000 CapBnd
  hr_assert_eq "$(field "$status" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_eq "$(field "$status" Seccomp)" 2 Seccomp
  hr_assert_eq "$(field "$status" Uid)" 65535 "the pause image's user"
  hr_assert_match "$(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo")" '(^|,)ro(,|$)'
  hr_assert_eq "$(cat "/sys/fs/cgroup/pids/$(basename "$HR_D")/hr-pod-b/$POD/pids.max")" \
    "$(hr_profile_get '.pids.default')" pids.max
  # removing the pod deletes both through runc delete, and hardrun's records
  ls "$HR_D"/hrstate/*/"$POD.json" "$HR_D"/hrstate/*/"$CTR.json" >/dev/null
  cri stopp "$POD"
  cri rmp "$POD"
  hr_no_record "$POD"
  hr_no_record "$CTR"
}

# refused OUTPUT RULE PATTERN: hardrun's own message reached the CRI error.
refused() {
  echo "$1"
  [[ $1 != *"unable to retrieve OCI runtime error"* ]]
  hr_assert_match "$1" "OCI runtime create failed: hardrun: profile \"default\": rule \"$2\": $3"
}

@test "a privileged container is refused, with hardrun's message in the CRI error" {
  local pod
  pod=$(pod_json hr-pod-priv hardrun '.privileged = true')
  POD=$(cri runp "$pod")
  CTR=$(cri create "$POD" "$pod" "$(ctr_json priv '.privileged = true')")
  run --separate-stderr cri start "$CTR"
  [ "$status" -ne 0 ]
  refused "$stderr" privileged 'linux\.resources\.devices\[0\]: allows every device of the host'
  hr_assert_eq "$(jq -r --arg id "$CTR" 'select(.id == $id) | .verdict' "$HR_D/audit.log")" refused
  hr_refute "$HR_RUNC" --root "$HR_D/runc/k8s.io" state "$CTR" >/dev/null 2>&1
}

@test "a hostNetwork pod is refused, with hardrun's message in the CRI error" {
  run --separate-stderr cri runp "$(pod_json hr-pod-hostnet hardrun '.host_network = true')"
  [ "$status" -ne 0 ]
  refused "$stderr" host-namespaces 'linux\.namespaces: no network namespace: the container would share the host.s'
  hr_assert_eq "$(cri pods)" "" "a sandbox is left"
}

@test "hostPID and hostIPC pods are refused too" {
  run --separate-stderr cri runp "$(pod_json hr-pod-hostpid hardrun '.host_pid = true')"
  [ "$status" -ne 0 ]
  refused "$stderr" host-namespaces 'linux\.namespaces: no pid namespace: the container would share the host.s'
  run --separate-stderr cri runp "$(pod_json hr-pod-hostipc hardrun '.host_ipc = true')"
  [ "$status" -ne 0 ]
  refused "$stderr" host-namespaces 'linux\.namespaces: no ipc namespace: the container would share the host.s'
  hr_assert_eq "$(cri pods)" "" "a sandbox is left"
}

@test "shareProcessNamespace: the container joins the pause container's pid namespace" {
  local pod pid out
  pod=$(pod_json hr-pod-share hardrun '.share_pid = true')
  POD=$(cri runp "$pod")
  CTR=$(cri create "$POD" "$pod" "$(ctr_json c1)")
  cri start "$CTR"
  pid=$(pause_pid "$POD")
  out=$(cri exec "$CTR" 20 sh -c 'readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "')
  echo "$out"
  hr_assert_eq "$(sed -n 1p <<<"$out")" "$(readlink "/proc/$pid/ns/pid")" "pid namespace"
  hr_assert_eq "$(sed -n 2p <<<"$out")" "/bin/sleep 2147483647 " "pid 1 is the pause container"
}

@test "kubectl debug --target: a container joins another container's pid namespace" {
  local pod app dbg out
  pod=$(pod_json hr-pod-debug hardrun)
  POD=$(cri runp "$pod")
  app=$(cri create "$POD" "$pod" "$(ctr_json app '.command = ["sleep", "4242"]')")
  cri start "$app"
  dbg=$(cri create "$POD" "$pod" "$(ctr_json debugger '.target_id = $t' --arg t "$app")")
  cri start "$dbg"
  out=$(cri exec "$dbg" 20 sh -c 'readlink /proc/self/ns/pid; ps -o args')
  echo "$out"
  hr_assert_eq "$(sed -n 1p <<<"$out")" "$(cri exec "$app" 20 readlink /proc/self/ns/pid)" "pid namespace"
  hr_assert_match "$out" $'\n''sleep 4242'
  hr_assert_eq "$(jq -r --arg id "$dbg" 'select(.id == $id and .command == "create")
      | "\(.verdict) \(.profile)"' "$HR_D/audit.log")" "allowed default"
}

@test "UpdateContainerResources goes through hardrun's update: clamped to the ceiling, lowered" {
  local ceil
  ceil=$(hr_size "$(hr_profile_get '.memory.ceiling')")
  run_pod hr-pod-upd hardrun
  cri update "$CTR" '{"memory_limit_in_bytes": 137438953472}'
  hr_assert_eq "$(cri exec "$CTR" 20 cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" "$ceil" memory
  hr_assert_eq "$(jq -c --arg id "$CTR" 'select(.id == $id and .command == "update")
      | [.verdict, (.changes[] | select(.rule == "memory-limit") | .old, .new)]' \
    "$HR_D/audit.log")" "[\"allowed\",\"137438953472\",\"$ceil\"]"
  cri update "$CTR" '{"memory_limit_in_bytes": 268435456}'
  hr_assert_eq "$(cri exec "$CTR" 20 cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" 268435456 lowered
}

@test "control: a pod without the handler runs under plain runc, not hardened" {
  local out
  run_pod hr-pod-plain ""
  hr_assert_eq "$(cri inspectp "$POD" | jq -r .runtime_handler)" ""
  out=$(cri exec "$CTR" 20 sh -c "$STATUS_SCRIPT")
  echo "$out"
  mapfile -t caps < <(hr_profile_caps)
  [ "$(field "$out" CapEff)" != "$(hr_cap_mask "${caps[@]}")" ]
  hr_assert_eq "$(field "$out" NoNewPrivs)" 0 NoNewPrivs
  hr_assert_eq "$(field "$out" Seccomp)" 0 Seccomp
  hr_assert_eq "$(kv "$out" root)" writable
  hr_assert_eq "$(kv "$out" pidsmax)" max pids.max
  hr_assert_eq "$(jq -r --arg p "$POD" --arg c "$CTR" 'select(.id == $p or .id == $c) | .id' \
    "$HR_D/audit.log")" "" "audit records"
}

# kubelet_mounts POD-UID: the mounts the kubelet gives every container, from
# its pod directory (here under $HR_D, on a node /var/lib/kubelet/pods/UID):
# its own /etc/hosts, the termination log, an emptyDir and the service
# account token, whose path lies under /var/run, a link to /run.
kubelet_mounts() {
  local d=$HR_D/kubelet/pods/$1
  mkdir -p "$d/containers/c1" "$d/volumes/kubernetes.io~empty-dir/cache" \
    "$d/volumes/kubernetes.io~projected/kube-api-access-hr"
  printf '127.0.0.1\tlocalhost\n10.254.0.9\tkubelet-hosts\n' >"$d/etc-hosts"
  : >"$d/containers/c1/5e1f2a3b"
  echo hr-token >"$d/volumes/kubernetes.io~projected/kube-api-access-hr/token"
  jq -cn --arg d "$d" '[
    {container_path: "/etc/hosts", host_path: ($d + "/etc-hosts")},
    {container_path: "/dev/termination-log", host_path: ($d + "/containers/c1/5e1f2a3b")},
    {container_path: "/cache", host_path: ($d + "/volumes/kubernetes.io~empty-dir/cache")},
    {container_path: "/var/run/secrets/kubernetes.io/serviceaccount", readonly: true,
     host_path: ($d + "/volumes/kubernetes.io~projected/kube-api-access-hr")}]'
}

@test "the kubelet's mounts: its /etc/hosts, the termination log, an emptyDir, the service account token" {
  local pod out
  pod=$(pod_json hr-pod-k hardrun)
  POD=$(cri runp "$pod")
  CTR=$(cri create "$POD" "$pod" "$(ctr_json c1 '.mounts = $m' --argjson m "$(kubelet_mounts hr-pod-k-uid)")")
  cri start "$CTR"
  out=$(cri exec "$CTR" 20 sh -c 'echo token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)
    echo hosts=$(grep -c kubelet-hosts /etc/hosts)
    echo termlog=$(echo done >/dev/termination-log && echo writable)
    echo cache=$(touch /cache/x && echo writable)
    echo root=$(touch /probe 2>/dev/null && echo writable || echo readonly)')
  echo "$out"
  hr_assert_eq "$(kv "$out" token)" hr-token "service account token"
  hr_assert_eq "$(kv "$out" hosts)" 1 "/etc/hosts"
  hr_assert_eq "$(kv "$out" termlog)" writable "/dev/termination-log"
  hr_assert_eq "$(cat "$HR_D/kubelet/pods/hr-pod-k-uid/containers/c1/5e1f2a3b")" done
  hr_assert_eq "$(kv "$out" cache)" writable emptyDir
  hr_assert_eq "$(kv "$out" root)" readonly
}

# The Debian image of workloads.bats (nginx, redis, python3), imported into
# the k8s.io namespace once; as there, it runs when the image is cached or
# HR_WORKLOADS=1 (CI), which builds it.
cri_debian_image() {
  local tarball
  [ "${HR_WORKLOADS:-}" != 0 ] || skip "HR_WORKLOADS=0"
  if ! tarball=$("$HR_E2E_DIR/workload-image.sh" --check); then
    [ "${HR_WORKLOADS:-}" = 1 ] ||
      skip "the workload image is not cached: run tests/e2e/workload-image.sh or set HR_WORKLOADS=1"
    tarball=$("$HR_E2E_DIR/workload-image.sh") || hr_die "the workload image could not be built" || return 1
  fi
  cri_image_tar "$HR_D/debian.tar" "$tarball" "$CRI_DEBIAN" '[]' '["/bin/sh"]' ""
  hr_ctr -n k8s.io images import "$HR_D/debian.tar" >/dev/null
  rm -f "$HR_D/debian.tar"
}
CRI_DEBIAN=hr.local/hr-cri-debian:1

@test "a Debian nginx pod: emptyDirs for its writable directories, the token, a second container" {
  local pod mounts web out
  cri_debian_image
  mkdir -p "$HR_D/www"
  echo "served by nginx in a pod under hardrun" >"$HR_D/www/index.html"
  # nginx's two writable directories as emptyDirs, as a pod gives them
  mounts=$(jq -c --arg d "$HR_D/kubelet/pods/hr-pod-web-uid/volumes/kubernetes.io~empty-dir" \
    --arg www "$HR_D/www" '. + [
      {container_path: "/var/lib/nginx", host_path: ($d + "/lib")},
      {container_path: "/var/log/nginx", host_path: ($d + "/log")},
      {container_path: "/var/www/html", host_path: $www, readonly: true}]' \
    <<<"$(kubelet_mounts hr-pod-web-uid)")
  mkdir -p "$HR_D/kubelet/pods/hr-pod-web-uid/volumes/kubernetes.io~empty-dir/"{lib,log}
  pod=$(pod_json hr-pod-web hardrun)
  POD=$(cri runp "$pod")
  web=$(cri create "$POD" "$pod" "$(jq -cn --arg img "$CRI_DEBIAN" --argjson m "$mounts" \
    '{name: "web", image: $img, command: ["nginx", "-g", "daemon off;"], log_path: "web.log",
      mounts: $m}')")
  cri start "$web"
  CTR=$(cri create "$POD" "$pod" "$(ctr_json probe)")
  cri start "$CTR"
  hr_wait_for 300 cri exec "$CTR" 10 wget -qO /dev/null http://127.0.0.1/ ||
    { cat "$HR_D/pods/hr-pod-web/web.log" >&2; hr_die "nginx is not up"; }
  hr_assert_eq "$(cri exec "$CTR" 10 wget -qO- http://127.0.0.1/)" \
    "served by nginx in a pod under hardrun" "from the pod's second container"
  out=$(cri exec "$web" 10 sh -c 'cat /var/run/secrets/kubernetes.io/serviceaccount/token
    grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/1/status
    test -s /run/nginx.pid && echo pidfile=/run
    busybox ps -o user,args | grep "worker process" | head -n 1')
  echo "$out"
  hr_assert_eq "$(sed -n 1p <<<"$out")" hr-token "service account token"
  mapfile -t caps < <(hr_profile_caps)
  hr_assert_eq "$(field "$out" CapEff)" "$(hr_cap_mask "${caps[@]}")" CapEff
  hr_assert_eq "$(field "$out" NoNewPrivs)" 1 NoNewPrivs
  hr_assert_eq "$(field "$out" Seccomp)" 2 Seccomp
  hr_assert_eq "$(kv "$out" pidfile)" /run "nginx.pid on the /run tmpfs"
  hr_assert_match "$out" $'\n''www-data +nginx: worker process'
}

@test "profileRules: a pod's Kubernetes namespace selects strict, which refuses root and keeps one capability" {
  local pod out
  pod=$(pod_json hr-pod-secure hardrun '.namespace = "hr-secure"')
  # the pause container runs as 65535: strict lets it through
  POD=$(cri runp "$pod")
  hr_assert_eq "$(jq -r --arg id "$POD" 'select(.id == $id) | "\(.verdict) \(.profile)"' \
    "$HR_D/audit.log")" "allowed strict"
  CTR=$(cri create "$POD" "$pod" "$(ctr_json root)")
  run --separate-stderr cri start "$CTR"
  [ "$status" -ne 0 ]
  echo "$stderr"
  hr_assert_match "$stderr" 'OCI runtime create failed: hardrun: profile "strict": rule "user": process\.user\.uid: the process would run as root \(uid 0\)'
  CTR=$(cri create "$POD" "$pod" "$(ctr_json app '.run_as_user = 1000')")
  cri start "$CTR"
  out=$(cri exec "$CTR" 20 sh -c 'id -u; grep -E "^(CapBnd|Seccomp):" /proc/self/status')
  echo "$out"
  hr_assert_eq "$(sed -n 1p <<<"$out")" 1000 uid
  hr_assert_eq "$(field "$out" CapBnd)" "$(hr_cap_mask NET_BIND_SERVICE)" CapBnd
  hr_assert_eq "$(field "$out" Seccomp)" 2 Seccomp
  hr_assert_eq "$(jq -r --arg id "$CTR" 'select(.id == $id) | "\(.command) \(.verdict) \(.profile)"' \
    "$HR_D/audit.log" | sort -u | tr '\n' ' ')" "create allowed strict exec allowed strict "
}
