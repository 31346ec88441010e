#!/usr/bin/env bats
# The refusal rules through the whole chain: docker CLI -> dockerd ->
# containerd -> shim -> hardrun -> runc, on private daemons (daemons.bash).
# What Docker makes of --privileged, --pid=host, -v /:/host and a bound
# docker socket must fail with hardrun's reason in the CLI's stderr, and
# Docker's own files, its network hook and named volumes must keep working.
#
# The profile is the shipped default profile with every refusal rule at its
# defaults (a rule the default profile already sets keeps its setting), and
# the private data root added to the sensitive host paths so that Docker's
# per-container files are exercised where they matter.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  hr_daemons_start
  hr_docker_image
  # hardrun.conf searches $HR_D/profiles first: this "default" wins.
  hr_jsonc "$HR_PROFILES/default.json" | jq --arg data "$HR_D/data" '
    {privileged: true, hostNamespaces: true, hostDevices: true, sysctls: true, hooks: true,
     rlimits: true, oom: true, secretEnv: true, sshd: true}
    + .
    + {hostMounts: {sensitive: ["/", "/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib*",
                                "/root", "/var/lib/docker", "/var/lib/containerd",
                                "/run/containerd", "/var/run", $data]}}' \
    >"$HR_D/profiles/default.json"
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

# docker_refused RULE PATTERN ARGS...: `docker run ARGS` fails and its stderr
# carries hardrun's message for RULE, matching the extended regex PATTERN.
docker_refused() {
  local rule=$1 pattern=$2
  shift 2
  run --separate-stderr hr_docker run --rm --runtime hardrun "$@" "$HR_IMAGE" true
  echo "status=$status"
  echo "stderr=$stderr"
  [ "$status" -ne 0 ]
  [[ $stderr == *"OCI runtime create failed"* ]] || hr_die "not a runtime failure"
  hr_assert_match "$stderr" "hardrun: profile \"default\": rule \"$rule\": $pattern"
}

@test "docker run --privileged is refused" {
  docker_refused privileged \
    'linux\.resources\.devices\[0\]: allows every device of the host \(as --privileged does\)' \
    --privileged
}

@test "docker run --pid=host is refused" {
  docker_refused host-namespaces \
    "linux\.namespaces: no pid namespace: the container would share the host's" \
    --network none --pid=host
}

@test "docker run --network host is refused: its namespace file is the host's" {
  docker_refused host-namespaces \
    "linux\.namespaces\[[0-9]+\]\.path: \"$HR_D/exec/netns/default\" is the host's network namespace" \
    --network host
}

@test "docker run -v /:/host is refused" {
  docker_refused host-mounts \
    'mounts\[[0-9]+\]\.source: "/" is the sensitive host path "/"' \
    --network none -v /:/host
}

@test "docker run -v <docker.sock>:/var/run/docker.sock is refused" {
  # The private daemon's own socket.  The host's /var/run/docker.sock is
  # tried too when it exists: for a missing source, dockerd would create a
  # directory on the host.
  docker_refused host-mounts \
    "mounts\[[0-9]+\]\.source: \"$HR_D/docker.sock\" is a container-daemon socket" \
    --network none -v "$HR_D/docker.sock:/var/run/docker.sock"
  if [ -S /var/run/docker.sock ]; then
    docker_refused host-mounts \
      'mounts\[[0-9]+\]\.source: "/var/run/docker.sock" .*container-daemon socket' \
      --network none -v /var/run/docker.sock:/var/run/docker.sock
  fi
}

@test "Docker's /etc/hosts, /etc/hostname, /etc/resolv.conf and network hook keep working" {
  # --network none: dockerd's libnetwork-setkey prestart hook is in the spec
  run --separate-stderr hr_docker run --rm --runtime hardrun --network none --hostname hr-e2e \
    --add-host probe.example:10.9.8.7 "$HR_IMAGE" \
    sh -c 'cat /etc/hostname; grep probe.example /etc/hosts; test -f /etc/resolv.conf && echo resolv'
  echo "status=$status stdout=$output stderr=$stderr"
  hr_assert_eq "$status" 0
  hr_assert_eq "$(sed -n 1p <<<"$output")" hr-e2e
  hr_assert_match "$(sed -n 2p <<<"$output")" '^10\.9\.8\.7[[:space:]]+probe\.example'
  hr_assert_eq "$(sed -n 3p <<<"$output")" resolv
}

@test "the audit record of a docker container holds only the cgroup namespace finding" {
  local id cfg
  # --network none: dockerd adds its libnetwork-setkey prestart hook (with
  # daemon.json's bridge "none", the default network gets none)
  id=$(hr_docker run -d --runtime hardrun --network none "$HR_IMAGE" sleep 30)
  # the running container's bundle: dockerd's hook was in the spec and
  # the hooks rule let it through
  cfg=$(find "$HR_D/ctd/state" -path "*/$id/config.json" | head -n 1)
  [ -n "$cfg" ] || hr_die "no bundle for $id"
  jq -r '.hooks.prestart[0] | "\(.path) \(.args[0])"' "$cfg"
  hr_assert_match "$(jq -r '.hooks.prestart[0] | "\(.path) \(.args[0])"' "$cfg")" \
    '^/proc/[0-9]+/exe libnetwork-setkey$'
  hr_assert_eq "$(jq -r --arg id "$id" 'select(.id == $id) | .changes[]
      | select(.rule | IN("privileged", "host-namespaces", "host-mounts", "host-devices",
                          "sysctls", "hooks", "rlimits", "oom", "secret-env", "sshd"))
      | "\(.rule) \(.path): \(.finding // .new)"' "$HR_D/audit.log")" \
    "host-namespaces linux.namespaces: no cgroup namespace: the container would share the host's"
  hr_docker rm -f "$id" >/dev/null
}

@test "docker run --init: Docker's init binary is bound read-only from /usr" {
  run --separate-stderr hr_docker run --rm --runtime hardrun --network none --init "$HR_IMAGE" \
    sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  echo "status=$status stdout=$output stderr=$stderr"
  hr_assert_eq "$status" 0
  hr_assert_match "$output" '^/sbin/docker-init -- sh '
}

@test "a named volume under the data root is mounted" {
  hr_docker volume create hr-vol >/dev/null
  hr_docker run --rm --runtime hardrun --network none -v hr-vol:/vol "$HR_IMAGE" sh -c 'echo kept > /vol/f'
  run hr_docker run --rm --runtime hardrun --network none -v hr-vol:/vol "$HR_IMAGE" cat /vol/f
  hr_docker volume rm hr-vol >/dev/null
  hr_assert_eq "$status" 0
  hr_assert_eq "$output" kept
}

@test "another path under the data root is refused" {
  docker_refused host-mounts \
    "mounts\[[0-9]+\]\.source: \"$HR_D/data/containers\" lies in the sensitive host path \"$HR_D/data\"" \
    --network none -v "$HR_D/data/containers:/c"
}

@test "a refused container's logs are empty: hardrun's message goes only to the runtime's log" {
  local id
  # created but never started: docker start fails with hardrun's message
  id=$(hr_docker create --runtime hardrun --network none --pid=host "$HR_IMAGE" echo should-not-run)
  run --separate-stderr hr_docker start "$id"
  echo "status=$status stderr=$stderr"
  [ "$status" -ne 0 ]
  hr_assert_match "$stderr" 'hardrun: profile "default": rule "host-namespaces"'
  run --separate-stderr hr_docker logs "$id"
  hr_assert_eq "$status" 0
  hr_assert_eq "$output" "" "docker logs stdout"
  hr_assert_eq "$stderr" "" "docker logs stderr"
  hr_assert_eq "$(hr_docker inspect -f '{{.State.Status}}' "$id")" created
  hr_docker rm "$id" >/dev/null
}
