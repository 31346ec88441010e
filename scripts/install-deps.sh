#!/bin/sh
# Installs everything hardrun needs to build, test and demo, from Debian's
# packages.  Used by quickstart.sh and by CI; safe to run again.
set -eu
# jq and golang-go are for `make bench` (golang-go only for its Go reference row).
# python3-grpcio and containernetworking-plugins are for tests/e2e/cri.bats
# (a CRI client, and CNI for the pods' network namespaces).
PKGS="build-essential autoconf automake libtool pkg-config
      libseccomp-dev libcap-ng-dev libyajl-dev libselinux1-dev libapparmor-dev
      libcmocka-dev bats jq acl go-md2man strace golang-go
      runc crun containerd docker.io busybox-static iptables iproute2 valgrind clang
      python3-grpcio containernetworking-plugins
      debhelper dh-apparmor apparmor lintian debootstrap"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
