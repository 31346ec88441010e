#!/usr/bin/env bats
# Real workloads under the default profile, through dockerd: nginx serving
# a page, redis answering PING, and `python3 -m http.server` serving a file,
# from a Debian bookworm image made with debootstrap (workload-image.sh).
# Each is checked from inside its own container (docker exec) and from a
# second hardened container in its network namespace; each container is
# checked to be hardened.  Only the options a user would pass anyway are
# given, plus what the README's "Compatibility" section documents (nginx's
# two writable directories), which a control test shows to be needed.
#
# The image takes a minute or two to build and needs the Debian mirror, so
# this file runs when the image is cached (tests/e2e/workload-image.sh
# builds it) or when HR_WORKLOADS=1, which builds it when it is missing and
# fails if it cannot.  HR_WORKLOADS=0 skips it.  CI sets HR_WORKLOADS=1.

load daemons
bats_require_minimum_version 1.5.0

setup_file() {
  local tarball
  [ "$(id -u)" = 0 ] || {
    hr_skip_file "needs root to run dockerd"
    return 0
  }
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN"
  if [ "${HR_WORKLOADS:-}" = 0 ]; then
    hr_skip_file "HR_WORKLOADS=0"
    return 0
  fi
  if ! tarball=$("$HR_E2E_DIR/workload-image.sh" --check); then
    if [ "${HR_WORKLOADS:-}" != 1 ]; then
      hr_skip_file "the workload image is not cached: run tests/e2e/workload-image.sh or set HR_WORKLOADS=1"
      return 0
    fi
    tarball=$("$HR_E2E_DIR/workload-image.sh") || hr_die "the workload image could not be built"
  fi
  hr_daemons_start
  hr_docker_image
  hr_docker import "$tarball" hr-debian >/dev/null
  mkdir -p "$HR_D/www" "$HR_D/site"
  echo "served by nginx under hardrun" >"$HR_D/www/index.html"
  echo "served by python under hardrun" >"$HR_D/site/hello.txt"
}

setup() {
  hr_file_skipped
}

teardown_file() {
  hr_daemons_stop
}

teardown() {
  hr_docker rm -f $(hr_docker ps -aq) >/dev/null 2>&1 || true
}

# from_neighbour ID CMD...: run CMD in a second hardened container that
# shares ID's network namespace (--network container:ID).
from_neighbour() {
  local id=$1
  shift
  hr_docker run --rm --runtime hardrun --pull never --network "container:$id" "$HR_IMAGE" "$@"
}

# up ID CMD...: wait (bounded) until CMD succeeds inside ID, and show the
# container's logs when it never does.
up() {
  local id=$1
  shift
  hr_wait_for 300 hr_docker exec "$id" "$@" && return 0
  hr_docker ps -a --filter "id=$id" --format '{{.Status}}' >&2
  hr_docker logs "$id" >&2
  hr_die "not up: $*"
}

NGINX=(nginx -g 'daemon off;')

@test "nginx serves a page (with its two writable directories as tmpfs)" {
  local id
  id=$(hr_docker run -d --runtime hardrun --tmpfs /var/lib/nginx --tmpfs /var/log/nginx \
    -v "$HR_D/www:/var/www/html:ro" hr-debian "${NGINX[@]}")
  up "$id" busybox wget -qO /dev/null http://127.0.0.1/
  hr_assert_eq "$(hr_docker exec "$id" busybox wget -qO- http://127.0.0.1/)" "served by nginx under hardrun"
  hr_assert_eq "$(from_neighbour "$id" wget -qO- http://127.0.0.1/)" "served by nginx under hardrun" \
    "from a second container"
  # the workers dropped to www-data, the master kept the profile's caps
  hr_assert_match "$(hr_docker exec "$id" busybox ps -o user,args | grep 'worker process' | head -n 1)" '^www-data '
  hr_assert_hardened "$id"
}

@test "control: nginx without them stops on the read-only root" {
  local id
  id=$(hr_docker run -d --runtime hardrun hr-debian "${NGINX[@]}")
  hr_assert_eq "$(hr_docker wait "$id")" 1 "exit status"
  hr_assert_match "$(hr_docker logs "$id" 2>&1)" '"/var/(lib|log)/nginx/[a-z.]+" failed \(30: Read-only file system\)'
}

@test "redis answers PING, and sets and gets a key, with no option at all" {
  local id
  id=$(hr_docker run -d --runtime hardrun hr-debian redis-server)
  up "$id" redis-cli ping
  hr_assert_eq "$(hr_docker exec "$id" redis-cli ping)" PONG
  hr_assert_eq "$(hr_docker exec "$id" redis-cli set hr-key hr-value)" OK
  hr_assert_eq "$(hr_docker exec "$id" redis-cli get hr-key)" hr-value
  # the protocol itself, from a second container
  hr_assert_eq "$(from_neighbour "$id" sh -c 'printf "PING\r\n" | nc -w 2 127.0.0.1 6379' | tr -d '\r')" "+PONG" \
    "from a second container"
  hr_assert_hardened "$id"
}

@test "redis persists to a volume; without one, SAVE fails on the read-only root" {
  local id
  hr_docker volume create hr-redis >/dev/null
  id=$(hr_docker run -d --runtime hardrun -v hr-redis:/data -w /data hr-debian redis-server)
  up "$id" redis-cli ping
  hr_docker exec "$id" redis-cli set hr-key kept >/dev/null
  hr_assert_eq "$(hr_docker exec "$id" redis-cli save)" OK
  hr_docker rm -f "$id" >/dev/null
  id=$(hr_docker run -d --runtime hardrun -v hr-redis:/data -w /data hr-debian redis-server)
  up "$id" redis-cli ping
  hr_assert_eq "$(hr_docker exec "$id" redis-cli get hr-key)" kept "after a new container"
  hr_docker rm -f "$id" >/dev/null
  hr_docker volume rm hr-redis >/dev/null
  # control: the working directory is the read-only root
  id=$(hr_docker run -d --runtime hardrun hr-debian redis-server)
  up "$id" redis-cli ping
  hr_assert_match "$(hr_docker exec "$id" redis-cli save)" '^ERR'
  hr_assert_match "$(hr_docker logs "$id")" 'Read-only file system'
}

@test "python3 -m http.server serves a file from a read-only volume" {
  local id
  id=$(hr_docker run -d --runtime hardrun -v "$HR_D/site:/srv:ro" -w /srv hr-debian \
    python3 -m http.server 8000)
  up "$id" busybox wget -qO /dev/null http://127.0.0.1:8000/hello.txt
  hr_assert_eq "$(hr_docker exec "$id" busybox wget -qO- http://127.0.0.1:8000/hello.txt)" \
    "served by python under hardrun"
  hr_assert_eq "$(from_neighbour "$id" wget -qO- http://127.0.0.1:8000/hello.txt)" \
    "served by python under hardrun" "from a second container"
  hr_assert_hardened "$id"
}
