#!/bin/sh
# Builds (once) the root filesystem of the e2e workload image: a minimal
# Debian bookworm made with debootstrap, with nginx-light, redis-server,
# python3 and busybox, from the Debian mirror that apt already uses here.
# Prints the path of the cached tarball, ready for `docker import`.
#
#   workload-image.sh [--check]
#
# The cache is $HR_CACHE (default /var/cache/hardrun-test).  The tarball's
# name carries a hash of everything that shapes it (this script included),
# so a changed package list builds a new one.  --check only says, by its exit
# status, whether the tarball is cached; it prints its path when it is.
#
# Needs root and debootstrap (apt-get install debootstrap).  It takes a few
# minutes on a cold cache: the packages come over the network.
set -eu

SUITE=bookworm
PACKAGES=nginx-light,redis-server,python3,busybox
cache=${HR_CACHE:-/var/cache/hardrun-test}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
key=$( (echo "$SUITE $PACKAGES" && cat "$self") | sha256sum | cut -c1-16)
tarball=$cache/$SUITE-workloads-$key.tar

if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
[ "${1:-}" = --check ] && exit 1

die() {
  echo "workload-image.sh: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap needs it)"
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"

# The mirror apt is configured with for the suite's main component: no host
# is written down here.
mirror=$(apt-get indextargets --format '$(REPO_URI)' "Codename: $SUITE" 'Label: Debian' \
  'Component: main' 'Created-By: Packages' 2>/dev/null | sort -u | head -n 1)
[ -n "$mirror" ] || die "apt has no Debian $SUITE main source (see /etc/apt/sources.list*; run apt-get update)"

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "workload-image.sh: debootstrap $SUITE from $mirror into $tmp" >&2
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp/rootfs" "$mirror" \
  >"$tmp/debootstrap.log" 2>&1; then
  tail -n 30 "$tmp/debootstrap.log" >&2
  [ -f "$tmp/rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$tmp/rootfs/debootstrap/debootstrap.log" >&2
  die "debootstrap failed"
fi
# The image needs no package lists nor downloaded archives; maintainer
# scripts may have started nothing (no init), so nothing is left running.
rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"* \
  "$tmp/rootfs/debootstrap"
tar --numeric-owner -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
# rename() is atomic: a parallel build either wins or is thrown away.
mv "$tmp/rootfs.tar" "$tarball"
echo "$tarball"
