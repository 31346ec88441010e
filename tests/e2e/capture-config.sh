#!/usr/bin/env bash
# Capture the config.json that a real dockerd writes for `docker run ARGS`,
# into tests/unit/fixtures/explain/NAME.json (the explain fixtures).  Starts a
# private containerd and dockerd as the e2e tests do (daemons.bash), with a
# runtime "capture" that copies the bundle's config.json and then fails, so
# that no container ever runs.
#
#   tests/e2e/capture-config.sh NAME [DOCKER RUN OPTIONS...]
#   tests/e2e/capture-config.sh docker-privileged-host --privileged -v /:/host --pid=host
#
# The image is the busybox rootfs of the tests, imported as hr-busybox; the
# command is `true`.
set -euo pipefail
name=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../unit/fixtures/explain/$name.json
# shellcheck source=daemons.bash
. "$here/daemons.bash"

cap=$(mktemp -d /tmp/hrcap.XXXXXX)
trap 'hr_daemons_stop; rm -rf "$cap"' EXIT
cat >"$cap/capture" <<SH
#!/bin/sh
bundle=.
log=
prev=
for a in "\$@"; do
  [ "\$prev" = --bundle ] && bundle=\$a
  [ "\$prev" = --log ] && log=\$a
  prev=\$a
done
case " \$* " in
*" create "*)
  cp "\$bundle/config.json" '$cap/config.json'
  [ -n "\$log" ] && echo '{"level":"error","msg":"captured by capture-config.sh","time":"2026-01-01T00:00:00Z"}' >>"\$log"
  exit 1 ;;
esac
exec '$HR_RUNC' "\$@"
SH
chmod 755 "$cap/capture"
HR_EXTRA_RUNTIMES=$(jq -n --arg p "$cap/capture" '{capture: {path: $p}}')
export HR_EXTRA_RUNTIMES
hr_daemons_start
hr_docker_image
hr_docker run --rm --runtime capture "$@" "$HR_IMAGE" true >/dev/null 2>&1 || true
[ -s "$cap/config.json" ] || { echo "capture-config.sh: no config.json was captured" >&2; exit 1; }
cp "$cap/config.json" "$out"
echo "captured $out"
