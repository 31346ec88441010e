# shellcheck shell=bash
# Shared by the integration and e2e bats files: a busybox rootfs, OCI bundles
# made with `runc spec` + jq, a private runc root and a per-test hardrun.conf.
#
# Everything a test writes lives under one short temporary directory
# ($HR_TMP, unix socket paths are limited to 108 bytes) that hr_teardown
# removes even after a failure.  The source tree is never written to, so the
# files also run from an out-of-tree build and from `make distcheck`.
#
# Set HARDRUN to a plain runc (HARDRUN=/usr/sbin/runc) to check the plumbing:
# the --hardrun-* options are then left out and the hardening assertions fail,
# which shows that they can.

HR_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${HR_SRCDIR:=$(cd "$HR_HELPERS_DIR/../.." && pwd)}"
: "${HR_BUILDDIR:=$HR_SRCDIR}"
: "${HARDRUN:=$HR_BUILDDIR/hardrun}"
: "${HR_PROFILES:=$HR_SRCDIR/profiles}"
# The real runtime hardrun execs; configure's --with-runtime arrives as
# HR_RUNTIME from `make check`.
if [ -z "${HR_RUNC:-}" ]; then
  if [ -n "${HR_RUNTIME:-}" ] && [ -x "${HR_RUNTIME}" ]; then
    HR_RUNC=$HR_RUNTIME
  else
    HR_RUNC=$(command -v runc || echo /usr/sbin/runc)
  fi
fi
export HARDRUN HR_SRCDIR HR_BUILDDIR HR_PROFILES HR_RUNC

# True when HARDRUN is a plain runtime that knows no --hardrun-* option.
hr_plain() {
  case "$(basename "$HARDRUN")" in
  runc | crun) return 0 ;;
  esac
  [ -n "${HR_PLAIN:-}" ]
}

hr_die() {
  echo "helpers: $*" >&2
  return 1
}

# ---- the busybox rootfs ------------------------------------------------------

# Build a minimal rootfs from busybox-static into $1.
hr_build_rootfs() {
  local dir=$1 bb applet
  # busybox-static's; a dynamic busybox would not run inside the rootfs.
  bb=${HR_BUSYBOX:-/bin/busybox}
  [ -x "$bb" ] || hr_die "$bb missing (apt-get install busybox-static)" || return 1
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,var/tmp,root,mnt,host}
  cp "$bb" "$dir/bin/busybox"
  for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  chmod 1777 "$dir/tmp" "$dir/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  touch "$dir/etc/hosts" "$dir/etc/resolv.conf" "$dir/etc/hostname"
}

# Print the path of the cached rootfs, building it once per bats run.  The
# cache sits in bats' run directory (not the build tree: distcheck wants a
# clean build directory after distclean).
hr_rootfs() {
  local cache=${HR_CACHE:-${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/hr-cache} tmp
  if [ ! -x "$cache/rootfs/bin/busybox" ]; then
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
    chmod 755 "$tmp"
    hr_build_rootfs "$tmp" || return 1
    # rename() is atomic: a parallel builder either wins or cleans up.
    mv -T "$tmp" "$cache/rootfs" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$cache/rootfs"
}

# ---- per-test state ---------------------------------------------------------

# hr_setup: a private temp dir, runc root, profile dir and hardrun.conf.
hr_setup() {
  command -v jq >/dev/null || hr_die "jq is required" || return 1
  [ -x "$HR_RUNC" ] || hr_die "runc not found (HR_RUNC=$HR_RUNC)" || return 1
  [ -x "$HARDRUN" ] || hr_die "no hardrun binary at $HARDRUN (run make first)" || return 1
  HR_TMP=$(mktemp -d /tmp/hr.XXXXXX)
  HR_RUNC_ROOT=$HR_TMP/runc-root
  HR_CONF=$HR_TMP/hardrun.conf
  HR_AUDIT=$HR_TMP/audit.log
  HR_SPY_LOG=$HR_TMP/runc-calls
  mkdir -p "$HR_TMP/profiles" "$HR_RUNC_ROOT"
  hr_write_spy "$HR_TMP/runc-spy"
  hr_write_conf "$HR_CONF"
  export HR_TMP HR_RUNC_ROOT HR_CONF HR_AUDIT HR_SPY_LOG
}

# A runtime that logs its argv (one line, NUL-free, args separated by
# spaces) and execs the real runc: it proves what hardrun passed on, and
# whether runc ran at all.
hr_write_spy() {
  cat >"$1" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>'$HR_SPY_LOG'
exec '$HR_RUNC' "\$@"
EOF
  chmod 755 "$1"
}

# hr_write_conf FILE [DEFAULT_PROFILE]
hr_write_conf() {
  local file=$1 def=${2:-}
  jq -n --arg tmp "$HR_TMP" --arg prof "$HR_PROFILES" --arg rt "$HR_TMP/runc-spy" \
    --arg dp "$def" \
    '{profileDirs: [$tmp + "/profiles", $prof], runtime: $rt, auditSocket: "",
      auditFile: ($tmp + "/audit.log"), stateDir: ($tmp + "/state")} + (if $dp == "" then {} else {defaultProfile: $dp} end)' \
    >"$file"
}

# hr_teardown: kill and delete every container of the private root, then
# remove the temp dir.  Never fails, so that bats reports the real error.
hr_teardown() {
  local id
  [ -n "${HR_TMP:-}" ] && [ -d "$HR_TMP" ] || return 0
  if [ -d "$HR_RUNC_ROOT" ]; then
    for id in $("$HR_RUNC" --root "$HR_RUNC_ROOT" list -q 2>/dev/null); do
      "$HR_RUNC" --root "$HR_RUNC_ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  # A container that died half-made may leave a mount behind.
  grep -F " $HR_TMP/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$HR_TMP" 2>/dev/null || true
  return 0
}

# ---- bundles ------------------------------------------------------------------

# hr_json_array ARGS...: the arguments as a JSON array of strings (jq's
# --args would take "-c" for its own option).
hr_json_array() {
  local a out=
  for a in "$@"; do
    out+=${out:+,}$(jq -n --arg a "$a" '$a')
  done
  echo "[$out]"
}

# hr_bundle NAME CMD... : make $HR_TMP/NAME with a rootfs copy and a
# `runc spec` config running CMD, non-interactive, with its own cgroup.
# Prints nothing; sets HR_BUNDLE and HR_ID.
hr_bundle() {
  local name=$1 rootfs
  shift
  rootfs=$(hr_rootfs) || return 1
  HR_BUNDLE=$HR_TMP/$name
  HR_ID=hr-${name}-$$-${RANDOM}
  mkdir -p "$HR_BUNDLE"
  cp -a "$rootfs" "$HR_BUNDLE/rootfs"
  (cd "$HR_BUNDLE" && "$HR_RUNC" spec) || return 1
  [ $# -gt 0 ] || set -- /bin/true
  hr_spec_edit "$HR_BUNDLE" \
    '.process.terminal = false | .process.args = $args
     | .hostname = "hardrun-test" | .linux.cgroupsPath = "/hrtest-" + $id' \
    --arg id "$HR_ID" --argjson args "$(hr_json_array "$@")"
}

# hr_bundle_docker_like NAME CMD... : like hr_bundle but with what hardrun
# must fix, the way docker writes it: a writable rootfs, no no_new_privs,
# every capability this host can grant (as --privileged), no limits.
hr_bundle_docker_like() {
  hr_bundle "$@" || return 1
  hr_spec_edit "$HR_BUNDLE" \
    '.root.readonly = false | del(.process.noNewPrivileges)
     | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}' \
    --argjson caps "$(hr_host_caps_json)"
}

# hr_spec_edit BUNDLE FILTER [jq options...]: edit config.json in place
# (the spec is read from stdin: with --args jq takes no file name).
hr_spec_edit() {
  local b=$1 filter=$2
  shift 2
  jq "$filter" "$@" <"$b/config.json" >"$b/config.json.new" &&
    mv "$b/config.json.new" "$b/config.json"
}

# hr_spec_add_mount BUNDLE DEST TYPE SOURCE [OPTION...]: append a mount.
hr_spec_add_mount() {
  local b=$1 dest=$2 type=$3 src=$4
  shift 4
  hr_spec_edit "$b" '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
    --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(hr_json_array "$@")"
}

# hr_spec_resources BUNDLE JSON: merge JSON into linux.resources.
hr_spec_resources() {
  hr_spec_edit "$1" '.linux.resources += $r' --argjson r "$2"
}

# ---- running ------------------------------------------------------------------

# hr_rt BUNDLE ARGS...: call $HARDRUN the way containerd calls runc, with the
# test's hardrun.conf and log file.  Extra --hardrun-* options go in
# HR_RT_OPTS (an array).  A hang (a FIFO read, say) ends after
# $HR_RT_TIMEOUT seconds with status 124.
hr_rt() {
  local b=$1
  shift
  local -a pre=()
  hr_plain || pre=(--hardrun-config="$HR_CONF" "${HR_RT_OPTS[@]}")
  timeout "${HR_RT_TIMEOUT:-60}" \
    "$HARDRUN" "${pre[@]}" --root "$HR_RUNC_ROOT" --log "$b/log.json" --log-format json "$@"
}

# hr_run_container BUNDLE ID: `run` in the foreground; the container's
# stdout is ours.  stdin is closed so a container cannot hang on it.
hr_run_container() {
  hr_rt "$1" run --bundle "$1" "$2" </dev/null
}

# hr_state ID: the status field of `runc state`, "" when there is none.
hr_state() {
  "$HR_RUNC" --root "$HR_RUNC_ROOT" state "$1" 2>/dev/null | jq -r .status
}

# hr_wait_state ID STATUS [TENTHS]: bounded wait for a container status.
hr_wait_state() {
  local i
  for ((i = 0; i < ${3:-50}; i++)); do
    [ "$(hr_state "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  hr_die "container $1 is '$(hr_state "$1")', not '$2'"
}

# hr_last_log BUNDLE: the last line of log.json.
hr_last_log() {
  tail -n 1 "$1/log.json"
}

# ---- profiles and expected values ------------------------------------------

# hr_jsonc FILE: print FILE with // and /* */ comments removed (outside
# strings), so jq can read a profile.
hr_jsonc() {
  awk '
    BEGIN { instr = 0; block = 0 }
    {
      line = $0; out = ""; n = length(line)
      for (i = 1; i <= n; i++) {
        c = substr(line, i, 1); d = substr(line, i, 2)
        if (block) { if (d == "*/") { block = 0; i++ } continue }
        if (instr) {
          out = out c
          if (c == "\\") { out = out substr(line, i + 1, 1); i++ }
          else if (c == "\"") instr = 0
          continue
        }
        if (d == "//") break
        if (d == "/*") { block = 1; i++; continue }
        if (c == "\"") instr = 1
        out = out c
      }
      print out
    }' "$1"
}

# hr_profile_get JQFILTER [FILE]: read a value from a profile (default:
# the shipped default profile).
hr_profile_get() {
  hr_jsonc "${2:-$HR_PROFILES/default.json}" | jq -r "$1"
}

# hr_size BYTES-OR-STRING: "64m" -> 67108864 (binary units, as docker).
hr_size() {
  local v=${1,,} mult=1
  v=${v%b}
  case "$v" in
  *k) mult=1024 v=${v%k} ;;
  *m) mult=$((1024 ** 2)) v=${v%m} ;;
  *g) mult=$((1024 ** 3)) v=${v%g} ;;
  *t) mult=$((1024 ** 4)) v=${v%t} ;;
  esac
  [[ $v =~ ^[0-9]+$ ]] || hr_die "bad size '$1'" || return 1
  echo $((v * mult))
}

# hr_mcpus "1.5" -> 1500 (thousandths of a CPU).
hr_mcpus() {
  local v=$1 int frac
  int=${v%%.*}
  if [ "$int" != "$v" ]; then frac=${v#*.}; else frac=; fi
  frac=${frac}000
  echo $((10#$int * 1000 + 10#${frac:0:3}))
}

# Capability names in kernel order (include/uapi/linux/capability.h).
HR_CAP_NAMES=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
  SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
  SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
  MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
  CHECKPOINT_RESTORE)
# The built-in default allowlist (profile "capabilities": true).
HR_CAP_DEFAULT=(CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
  SYS_CHROOT)

# Every capability in our own bounding set, as a JSON array of CAP_ names:
# runc cannot grant more (this VM lacks CAP_SYS_RESOURCE).
hr_host_caps_json() {
  local bnd i
  bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
  for ((i = 0; i < ${#HR_CAP_NAMES[@]}; i++)); do
    if (((bnd >> i) & 1)); then echo "CAP_${HR_CAP_NAMES[i]}"; fi
  done | jq -R . | jq -sc .
}

# hr_cap_mask NAME...: the /proc/<pid>/status hex mask (16 digits) of the
# named capabilities (CAP_ prefix optional, any case).
hr_cap_mask() {
  local name n i found mask=0
  for name in "$@"; do
    n=${name^^}
    n=${n#CAP_}
    found=
    for i in "${!HR_CAP_NAMES[@]}"; do
      if [ "${HR_CAP_NAMES[i]}" = "$n" ]; then
        mask=$((mask | (1 << i)))
        found=1
      fi
    done
    [ -n "$found" ] || hr_die "unknown capability '$name'" || return 1
  done
  printf '%016x\n' "$mask"
}

# The allowlist of a profile's capabilities section, one name a line.
hr_profile_caps() {
  local caps
  caps=$(hr_profile_get '.capabilities | if type == "object" then (.allow // true) else . end | tojson' "$@")
  case "$caps" in
  true) printf '%s\n' "${HR_CAP_DEFAULT[@]}" ;;
  false | null) hr_die "the profile does not enable capabilities" ;;
  *) jq -r '.[]' <<<"$caps" ;;
  esac
}

# ---- assertions (bats-assert is not packaged with bats 1.8) --------------------

hr_assert_eq() {
  if [ "$1" != "$2" ]; then
    echo "expected: '$2'" >&2
    echo "actual:   '$1'" >&2
    [ -z "${3:-}" ] || echo "($3)" >&2
    return 1
  fi
}

hr_assert_match() {
  if ! [[ $1 =~ $2 ]]; then
    echo "'$1' does not match /$2/" >&2
    return 1
  fi
}

hr_sha256() {
  sha256sum "$1" | cut -d' ' -f1
}
