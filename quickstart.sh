#!/usr/bin/env bash
# hardrun quick start: install the dependencies (apt-get), build, install to
# /usr/local, then run one real busybox container through hardrun and the
# real runc with the shipped `default` profile, and show what was hardened:
# the changes hardrun recorded, and what the container sees from inside.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart.sh: run as root (apt-get, make install, and runc need it)" >&2
  exit 1
fi

step() { printf '\n==> %s\n' "$*"; }

step "Installing dependencies with apt-get"
./scripts/install-deps.sh

step "Building and installing hardrun"
autoreconf -fi >/dev/null 2>&1
./configure -q --prefix=/usr/local --sysconfdir=/etc
make -s -j"$(nproc)"
make -s install
hardrun=/usr/local/bin/hardrun
echo "installed $hardrun; it passes --version through to the real runtime:"
"$hardrun" --version | head -1

step "Running a busybox container through hardrun with the default profile"
tmp=$(mktemp -d /tmp/hardrun-quickstart.XXXXXX)
id="hardrun-quickstart-$$"
cleanup() {
  "$hardrun" --root "$tmp/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" \
  "$bundle/rootfs/tmp" "$bundle/rootfs/run" "$bundle/rootfs/var/tmp" "$bundle/rootfs/etc"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ -e "$bundle/rootfs/bin/$applet" ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
(cd "$bundle" && runc spec)
# What the container reports about itself, from the inside.
probe='echo "  $(grep -E "^CapEff" /proc/self/status)";
echo "  $(grep -E "^NoNewPrivs" /proc/self/status)";
if touch /probe 2>/dev/null; then echo "  rootfs: writable"; else echo "  rootfs: read-only"; fi;
touch /tmp/probe && echo "  /tmp: writable tmpfs ($(grep " /tmp " /proc/self/mountinfo | grep -o "size=[0-9a-z]*"))";
echo "  pids.max: $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)";
echo "  memory limit: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)";
echo "  cpu quota/period: $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null)";
echo "  shared mounts: $(grep -c "shared:" /proc/self/mountinfo)"'
jq --arg probe "$probe" '.process.terminal = false | .process.args = ["sh", "-c", $probe]' \
  "$bundle/config.json" >"$bundle/config.new" && mv "$bundle/config.new" "$bundle/config.json"
cat >"$tmp/hardrun.conf" <<CONF
{ "auditSocket": "", "auditFile": "$tmp/audit.log" }
CONF

echo "Inside the container:"
"$hardrun" --hardrun-config="$tmp/hardrun.conf" --root "$tmp/state" \
  --log "$bundle/log.json" --log-format json run --bundle "$bundle" "$id"

echo
echo "What hardrun changed in config.json (its audit record):"
jq -r '"  profile \(.profile) (\(.profilePath)): \(.verdict)",
  (.changes[] | if .finding then "  \(.path): audit: \(.finding)" else "  \(.path): \(.old) -> \(.new)" end)' \
  "$tmp/audit.log"
echo
echo "Next: register hardrun with dockerd or containerd (see README.md), and run the"
echo "test suite with: make check"
