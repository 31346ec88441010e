#!/usr/bin/env bash
# hardrun benchmark (`make bench`): what hardrun adds to a container start.
#
#   tests/bench/bench.sh HARDRUN_BINARY
#   BENCH_COMPARE=OTHER_HARDRUN tests/bench/bench.sh HARDRUN_BINARY
#
# (With BENCH_COMPARE, another build, say the one before a change, is timed
# in the same rounds as HARDRUN_BINARY on create and on the pass-through.)
#
# 1. create: hardrun's own cost.  `hardrun --hardrun-runtime=/bin/true create`
#    against `/bin/true create` on a Docker-sized config.json that is restored
#    before every run, so every run parses, checks, rewrites and replaces it
#    in full under the whole shipped default profile (refusal rules and
#    seccomp included).  The config.json is the one captured from `docker
#    run`, without its `hooks`: its libnetwork hook names the pid of a dockerd
#    that is gone, which the hooks rule rightly refuses.  The seccomp
#    profile's compile is cached under the bench's stateDir on the first
#    (untimed) run, as it is on a host after its first create; a further
#    row shows create with that cache unusable, as after a reboot or a profile
#    change.  As root, the same again with the bundle and the stateDir on a
#    tmpfs (as /run usually is), which leaves out the cost of syncing
#    config.json and the state record to disk.
# 2. run: `hardrun run` against `runc run` of /bin/true in a busybox bundle,
#    with a private --root; the config.json is restored before every run.
#    Plain runc on the hardened spec shows what the policy itself costs, and
#    on the hardened spec without its seccomp filter, how much of that is
#    runc compiling the filter (runc spec has none; Docker's specs carry a
#    filter of their own, which hardrun keeps).
# 3. state: a pass-through command, on a created container (or, without
#    root, on a missing id).  On a build with the pass-through fast path
#    (src/prestart.c) it is served before the C library starts; the
#    /bin/true row also times the same state on the full path.
# 4. scaling: create on the Docker config plus 1, 100, 1,000 and 10,000
#    mounts (up to about 1.1 MB), time and CPU per mount, and a verdict on
#    whether the cost per mount stays the same (linear growth).
# 5. memory: hardrun's peak resident set before it execs the runtime
#    (tests/bench/peakrss.c), on the same configs.
#
# Beside hardrun, create and state also time tests/bench/trampoline.c, a
# static C program that only execs the runtime: what any wrapper in C costs
# on this machine before doing any work (an exec, the C library's start-up,
# one more address space torn down).  And create's CPU time (user + system
# of the process, from wait4) is measured with tests/bench/timer.c, against
# the same baseline: what hardrun adds is its own CPU, start-up included.
#
# Reference points, in the same rounds as create and on the scaled configs:
# jq-wrapper.sh, a bash script around one jq process, and go-wrapper.go, a
# Go program with encoding/json (built into the build directory when `go`
# is installed), both in tests/bench/, both doing the default profile's
# rewrite and exec'ing the runtime.  Each is checked first: it must write
# the very document hardrun writes and refuse what hardrun refuses, or its
# row says why it was not measured.
#
# Each figure is a median of many runs.  The commands compared are run
# interleaved, in rounds, so that a machine that gets busier or quieter
# during the measurement shifts them alike.  jq is required.  Timing is done
# by hyperfine (in batches) when it is installed, else by a small C helper
# (tests/bench/timer.c, compiled here), else by a bash loop;
# BENCH_TIMER=hyperfine|c|shell forces one.  BENCH_QUICK=1 takes fewer runs
# (for trying the script out).  Everything lives in one temporary directory
# (under $TMPDIR, default /tmp) that is removed at exit; its filesystem
# matters, because hardrun fsyncs the config.json it writes.
# Exit status: 0 when every part could be measured, 1 otherwise; targets
# missed are reported, and are fatal only with BENCH_STRICT=1.

# shellcheck disable=SC2317 # cleanup and measure_* are called indirectly

# `make bench` runs this with $(SHELL), which may not be bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

usage() {
  echo "usage: $0 HARDRUN_BINARY" >&2
  exit 2
}
[ $# -eq 1 ] || usage
hardrun=$1
[ -x "$hardrun" ] || {
  echo "bench: $hardrun is not an executable" >&2
  exit 2
}
hardrun=$(cd "$(dirname "$hardrun")" && pwd)/$(basename "$hardrun")
# BENCH_COMPARE=OTHER_HARDRUN times another build beside this one, in the
# same interleaved rounds (create and the pass-through to /bin/true): a
# before/after comparison that the machine's changing load cannot skew.
compare=${BENCH_COMPARE:-} compare_name=''
if [ -n "$compare" ]; then
  [ -x "$compare" ] || {
    echo "bench: BENCH_COMPARE=$compare is not an executable" >&2
    exit 2
  }
  compare=$(cd "$(dirname "$compare")" && pwd)/$(basename "$compare")
  compare_name=$compare
fi
benchdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$benchdir/../.." && pwd)
runc=${BENCH_RUNC:-$(command -v runc || echo /usr/sbin/runc)}
busybox=${BENCH_BUSYBOX:-/bin/busybox}
true_bin=/bin/true
crun=${BENCH_CRUN:-/usr/bin/crun}
[ -x "$true_bin" ] || true_bin=/usr/bin/true

# Runs per command.  `runc run` of /bin/true spreads widely from one run to
# the next (18 to 26 ms between the quartiles on a 2-core VM), so 300 runs
# leave its median uncertain by about 3 %; the create figure, far tighter,
# gives hardrun's own share of that.  A full run takes about three minutes
# on an idle 2-core VM.
if [ -n "${BENCH_QUICK:-}" ]; then
  n_create=60 n_run=20 n_state=20
  n_scale_small=20 n_scale_mid=10 n_scale_big=5
else
  n_create=400 n_run=300 n_state=400
  # A create of 10,000 mounts takes hardrun about 0.15 s and the bash + jq
  # wrapper about 0.8 s.
  n_scale_small=100 n_scale_mid=40 n_scale_big=20
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hardrun-bench.XXXXXX")
root=$tmp/runc-root
cleanup() {
  local id
  if [ -d "$root" ]; then
    for id in $("$runc" --root "$root" list -q 2>/dev/null); do
      "$runc" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    done
  fi
  ! mountpoint -q "$tmp/tmpfs" || umount "$tmp/tmpfs"
  ! mountpoint -q "$tmp/hugetlb" || restore_hugetlb
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/profiles" "$root"

# ---- timing -------------------------------------------------------------------

timer=${BENCH_TIMER:-auto}
if [ "$timer" = auto ]; then
  if command -v hyperfine >/dev/null; then
    timer=hyperfine
  elif command -v cc >/dev/null; then
    timer=c
  else
    timer=shell
  fi
fi
# The C helpers: timer.c (the CPU figures, and the wall clock with
# BENCH_TIMER=c) and the trampoline, linked as hardrun is when possible.
have_timer='' tramp='' tramp_kind='' peakrss=''
if command -v cc >/dev/null && cc -O2 -o "$tmp/peakrss" "$benchdir/peakrss.c"; then
  peakrss=$tmp/peakrss
fi
if command -v cc >/dev/null && cc -O2 -o "$tmp/timer" "$benchdir/timer.c" -lm; then
  have_timer=1
  for kind in static-pie static dynamic; do
    flags=-$kind
    [ "$kind" != dynamic ] || flags=
    if cc -O2 $flags -o "$tmp/trampoline" "$benchdir/trampoline.c" 2>/dev/null; then
      tramp=$tmp/trampoline tramp_kind=$kind
      break
    fi
  done
fi
# The exec floor split in two (x86-64): an exec of a program without a C
# library, and the cost of one CPUID, which glibc's start-up executes
# dozens of times in every process (a VM exit each under virtualisation).
ntramp='' cpuid_us=''
if [ -n "$tramp" ] && [ "$(uname -m)" = x86_64 ] &&
  cc -O2 -nostdlib -static -fno-stack-protector -o "$tmp/nolibc-trampoline" \
    "$benchdir/nolibc-trampoline.c" 2>/dev/null; then
  ntramp=$tmp/nolibc-trampoline
fi
if [ "$(uname -m)" = x86_64 ] && cc -O2 -o "$tmp/cpuid" "$benchdir/cpuid.c" 2>/dev/null; then
  cpuid_us=$("$tmp/cpuid")
fi
case $timer in
hyperfine) timer_name="hyperfine $(hyperfine --version | awk '{print $2}'), in batches" ;;
c)
  [ -n "$have_timer" ] || {
    echo "bench: BENCH_TIMER=c needs cc" >&2
    exit 2
  }
  timer_name="tests/bench/timer.c"
  ;;
shell) timer_name="bash \$EPOCHREALTIME loop" ;;
*)
  echo "bench: BENCH_TIMER must be hyperfine, c or shell" >&2
  exit 2
  ;;
esac

# A command as one string, quoted for hyperfine -N and for eval.
q() { printf '%q ' "$@"; }

# measure RUNS WARMUP IGNORE SPEC...: times the commands interleaved and
# prints one line per SPEC, "median min max stddev" in µs.  A SPEC is
# "SRC:DST|COMMAND" (DST rewritten from SRC before each run of COMMAND,
# untimed) or "|COMMAND", with COMMAND made by q.  IGNORE=1 accepts a
# failing exit status.
measure() {
  rm -f "$tmp"/times.*
  "measure_$timer" "$@"
}

# median min max stddev of the numbers (µs) on stdin
stats() {
  sort -n | awk '{ t[NR] = $1; sum += $1; sq += $1 * $1 }
    END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
          sd = NR > 1 ? sqrt((sq - sum * sum / NR) / (NR - 1)) : 0
          printf "%.1f %.1f %.1f %.1f\n", m, t[1], t[NR], sd }'
}

stats_all() { # stats_all N: one stats line per times file
  local k
  for ((k = 0; k < $1; k++)); do
    stats <"$tmp/times.$k"
  done
}

# hyperfine runs one command's runs back to back, so it is called in ten
# batches, with the commands' order reversed every other batch.
measure_hyperfine() {
  local runs=$1 warmup=$2 ignore=$3 batch k n restore order opts
  shift 3
  local specs=("$@") per=$(((runs + 9) / 10))
  for ((batch = 0; batch * per < runs; batch++)); do
    n=$((runs - batch * per < per ? runs - batch * per : per))
    order=()
    for k in "${!specs[@]}"; do
      if ((batch % 2)); then order=("$k" "${order[@]}"); else order+=("$k"); fi
    done
    opts=(-N --style none --runs "$n" --warmup "$((batch == 0 ? warmup : 1))")
    [ "$ignore" = 0 ] || opts+=(--ignore-failure)
    for k in "${order[@]}"; do
      restore=${specs[k]%%|*}
      # hyperfine wants a --prepare for every command or for none.
      if [ -n "$restore" ]; then
        opts+=(--prepare "cp $(q "${restore%%:*}" "${restore#*:}")")
      else
        opts+=(--prepare "$true_bin")
      fi
    done
    for k in "${order[@]}"; do
      opts+=("${specs[k]#*|}")
    done
    if ! hyperfine "${opts[@]}" --export-json "$tmp/hyperfine.json" >"$tmp/hyperfine.out" 2>&1; then
      cat "$tmp/hyperfine.out" >&2
      return 1
    fi
    for k in "${!order[@]}"; do
      jq -r ".results[$k].times[] | . * 1e6" "$tmp/hyperfine.json" >>"$tmp/times.${order[k]}"
    done
  done
  stats_all ${#specs[@]}
}

# timer.c interleaves and computes the figures itself.
measure_c() {
  local runs=$1 warmup=$2 ignore=$3 spec restore args=() cmd first=1
  shift 3
  [ "$ignore" = 0 ] || args+=(--ignore-status)
  for spec in "$@"; do
    [ -n "$first" ] || args+=(--next)
    first=
    restore=${spec%%|*}
    [ -z "$restore" ] || args+=(--restore "${restore%%:*}" "${restore#*:}")
    eval "cmd=(${spec#*|})"
    args+=(-- "${cmd[@]}")
  done
  "$tmp/timer" "$runs" "$warmup" "${args[@]}" | cut -d' ' -f1-4
}

# measure_cpu RUNS WARMUP SPEC...: one line per SPEC, the median CPU time
# (user + system) of its runs in µs, by timer.c.
measure_cpu() {
  local runs=$1 warmup=$2 spec restore args=() cmd first=1
  shift 2
  for spec in "$@"; do
    [ -n "$first" ] || args+=(--next)
    first=
    restore=${spec%%|*}
    [ -z "$restore" ] || args+=(--restore "${restore%%:*}" "${restore#*:}")
    eval "cmd=(${spec#*|})"
    args+=(-- "${cmd[@]}")
  done
  "$tmp/timer" "$runs" "$warmup" "${args[@]}" | cut -d' ' -f5
}

measure_shell() {
  local runs=$1 warmup=$2 ignore=$3 r j k n=$(($# - 3)) s e rc restore cmd
  shift 3
  local specs=("$@")
  for ((r = 0; r < warmup + runs; r++)); do
    for ((j = 0; j < n; j++)); do
      k=$(((r + j) % n))
      restore=${specs[k]%%|*}
      [ -z "$restore" ] || cp "${restore%%:*}" "${restore#*:}"
      eval "cmd=(${specs[k]#*|})"
      s=${EPOCHREALTIME/./}
      rc=0
      "${cmd[@]}" </dev/null >/dev/null 2>&1 || rc=$?
      e=${EPOCHREALTIME/./}
      if [ "$rc" -ne 0 ] && [ "$ignore" = 0 ]; then
        echo "bench: ${cmd[0]} failed (exit $rc)" >&2
        return 1
      fi
      [ "$r" -lt "$warmup" ] || echo $((e - s)) >>"$tmp/times.$k"
    done
  done
  stats_all "$n"
}

# ---- fixtures -----------------------------------------------------------------

command -v jq >/dev/null || {
  echo "bench: jq is required (apt-get install jq)" >&2
  exit 2
}
# The shipped default profile and the seccomp profiles it names.
mkdir -p "$tmp/profiles/seccomp"
cp "$srcdir/profiles/default.json" "$tmp/profiles/default.json"
cp "$srcdir"/profiles/seccomp/*.json "$tmp/profiles/seccomp/"
# The audit record goes to a file (a real cost of every decision); syslog is
# off because a missing /dev/log would only measure a failing sendto.  The
# state records and the seccomp validation cache live in the temp dir too.
# write_conf FILE STATEDIR [RUNTIME]
write_conf() {
  cat >"$1" <<CONF
{
  "defaultProfile": "default",
  "profileDirs": ["$tmp/profiles"],
  "runtime": "${3:-$runc}",
  "auditSocket": "",
  "auditFile": "$tmp/audit.log",
  "stateDir": "$2"
}
CONF
}
conf=$tmp/hardrun.conf
write_conf "$conf" "$tmp/state"
# The same, with a stateDir whose "seccomp" is a file: the validation cache
# cannot be used, so every create compiles the filter with libseccomp.  (A
# state directory must be writable by its owner alone.)
mkdir -m 0700 "$tmp/state-nocache"
: >"$tmp/state-nocache/seccomp"
conf_nocache=$tmp/hardrun-nocache.conf
write_conf "$conf_nocache" "$tmp/state-nocache"
# The same with /bin/true as the runtime, for the pass-through measured
# without runc's own spread.
conf_true=$tmp/hardrun-true.conf
write_conf "$conf_true" "$tmp/state" "$true_bin"
# The default, with crun not given its filter as a compiled program
# (runtimeSeccompBpf "never"): crun compiles linux.seccomp on every start.
conf_nobpf=$tmp/hardrun-nobpf.conf
write_conf "$conf_nobpf" "$tmp/state"
jq '.runtimeSeccompBpf = "never"' "$conf_nobpf" >"$conf_nobpf.new" && mv "$conf_nobpf.new" "$conf_nobpf"

# A Docker-sized config.json: the one captured from `docker run` when the
# fixture exists (without its hooks, see the top), else runc's template.
fixture=$srcdir/tests/unit/fixtures/configs/docker-run.json
if [ -f "$fixture" ]; then
  # Compact, as containerd writes every bundle's config.json (the fixture
  # is that file as captured): pretty-printing doubles its size, and the
  # added whitespace alone costs the parser 12 % more instructions.
  jq -c 'del(.hooks)' "$fixture" >"$tmp/create.json"
  create_src="docker-run.json without hooks, $(wc -c <"$tmp/create.json") bytes"
else
  (cd "$tmp" && "$runc" spec && mv config.json create.json)
  create_src="runc spec, $(wc -c <"$tmp/create.json") bytes"
fi

# hardrun must work before it is timed: a failure is fast and meaningless.
# check_rewrite LABEL BUNDLE ORIG CMD...: runs CMD once on a fresh copy of
# ORIG and checks that it succeeded and changed config.json.
check_rewrite() {
  local label=$1 bundle=$2 orig=$3
  shift 3
  cp "$orig" "$bundle/config.json"
  if ! "$@" </dev/null >"$tmp/check.out" 2>&1; then
    echo "bench: $label: hardrun failed:" >&2
    sed 's/^/  /' "$tmp/check.out" >&2
    return 1
  fi
  if cmp -s "$orig" "$bundle/config.json"; then
    echo "bench: $label: hardrun left config.json unchanged; nothing to measure" >&2
    return 1
  fi
}

# The busybox bundle for run and state.  make_busybox_bundle DIR ARGS_JSON
make_busybox_bundle() {
  local dir=$1 applet
  [ -x "$busybox" ] || {
    echo "bench: $busybox missing (apt-get install busybox-static)" >&2
    return 1
  }
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
    "$dir/rootfs/tmp" "$dir/rootfs/run" "$dir/rootfs/var/tmp"
  cp "$busybox" "$dir/rootfs/bin/busybox"
  for applet in true sh sleep; do
    ln -sf busybox "$dir/rootfs/bin/$applet"
  done
  (cd "$dir" && "$runc" spec)
  jq --argjson args "$2" '.process.terminal = false | .process.args = $args' \
    "$dir/config.json" >"$dir/config.new"
  mv "$dir/config.new" "$dir/config.json"
}

# ---- reference points -----------------------------------------------------------
# What the same rewrite costs without hardrun: tests/bench/jq-wrapper.sh (a
# bash script around one jq process) and tests/bench/go-wrapper.go (a Go
# program with encoding/json, standing in for the Go-based shims).  Both
# write the default profile's controls into config.json and exec the
# runtime; docs/performance.md says what they leave out.  Neither is timed
# before it has been checked here: it must write the same document as
# hardrun (compared by jq -S) for the Docker config and for `runc spec`'s
# (where the seccomp filter is inserted), and refuse, without running the
# runtime, every case below that hardrun refuses.
builddir=$(dirname "$hardrun")
ref_seccomp=$tmp/profiles/seccomp/default.json
ref_jq=$tmp/jq-wrapper.sh ref_jq_why='' ref_go='' ref_go_why=''
cp "$benchdir/jq-wrapper.sh" "$ref_jq"
chmod 0755 "$ref_jq"

# The Go program is built into the build directory, again only when its
# source is newer.  Without a usable Go cache (no $HOME) it goes to the temp
# dir, which costs a build of Go's standard library (about 20 s).
build_go_wrapper() {
  local out=$builddir/bench-go-wrapper cache
  if ! command -v go >/dev/null; then
    ref_go_why="no Go toolchain (apt-get install golang-go)"
    return 1
  fi
  if [ ! -x "$out" ] || [ "$benchdir/go-wrapper.go" -nt "$out" ]; then
    cache=$(go env GOCACHE 2>/dev/null) || cache=
    case $cache in '' | off) export GOCACHE=$tmp/gocache ;; esac
    if ! (cd "$tmp" && CGO_ENABLED=0 go build -trimpath -o "$out" "$benchdir/go-wrapper.go") \
      >"$tmp/go.out" 2>&1; then
      ref_go_why="go build failed: $(head -1 "$tmp/go.out")"
      return 1
    fi
  fi
  ref_go=$out
}
build_go_wrapper || true

# The cases the references must refuse as hardrun does: file name and how it
# is made from the Docker config.
ref_refusals=(
  'hostnet|del(.linux.namespaces[] | select(.type == "network"))'
  'docker-sock|.mounts += [{destination: "/var/run/docker.sock", type: "bind",
    source: "/var/run/docker.sock", options: ["rbind"]}]'
  'etc-bind|.mounts += [{destination: "/host", type: "bind", source: "/etc", options: ["rbind"]}]'
  'sysctl|.linux.sysctl["kernel.core_pattern"] = "|/tmp/x"'
  'hooks|.hooks = {prestart: [{path: "/tmp/x"}]}'
  'devices|.linux.devices = [{path: "/dev/sda", type: "b", major: 8, minor: 0}]'
)
# A runtime that leaves a mark, to see that a refusal never reaches it.
# shellcheck disable=SC2016 # $0 is the marker script's
printf '#!/bin/sh\n: >"$0.ran"\n' >"$tmp/marker-runtime"
chmod 0755 "$tmp/marker-runtime"

# ref_same PROG SRC: why PROG's rewrite of SRC is not hardrun's, or nothing.
ref_same() {
  local prog=$1 src=$2 v=$tmp/verify
  mkdir -p "$v"
  cp "$src" "$v/config.json"
  "$hardrun" --hardrun-runtime="$true_bin" --hardrun-config="$conf" create --bundle "$v" \
    bench-verify </dev/null >/dev/null 2>&1 || {
    echo "hardrun refuses $(basename "$src")"
    return
  }
  jq -S . "$v/config.json" >"$tmp/want.json"
  cp "$src" "$v/config.json"
  "$prog" --ref-runtime="$true_bin" --ref-seccomp="$ref_seccomp" create --bundle "$v" \
    bench-verify </dev/null >"$tmp/ref.out" 2>&1 || {
    echo "it fails on $(basename "$src"): $(head -1 "$tmp/ref.out")"
    return
  }
  jq -S . "$v/config.json" | cmp -s - "$tmp/want.json" ||
    echo "its rewrite of $(basename "$src") is not hardrun's"
}

# ref_refuses PROG SRC: why PROG does not refuse SRC as hardrun does, or nothing.
ref_refuses() {
  local prog=$1 src=$2 v=$tmp/verify who cmd
  mkdir -p "$v"
  for who in hardrun "$(basename "$prog")"; do
    if [ "$who" = hardrun ]; then
      cmd=("$hardrun" --hardrun-config="$conf" --hardrun-runtime="$tmp/marker-runtime")
    else
      cmd=("$prog" --ref-seccomp="$ref_seccomp" --ref-runtime="$tmp/marker-runtime")
    fi
    cp "$src" "$v/config.json"
    rm -f "$tmp/marker-runtime.ran"
    if "${cmd[@]}" create --bundle "$v" bench-verify </dev/null >/dev/null 2>&1 ||
      [ -e "$tmp/marker-runtime.ran" ] || ! cmp -s "$src" "$v/config.json"; then
      echo "$who does not refuse $(basename "$src" .json)"
      return
    fi
  done
}

# ref_check PROG: why PROG cannot stand beside hardrun, or nothing.
ref_check() {
  local prog=$1 src why case
  for src in "$tmp/create.json" "$srcdir/tests/unit/fixtures/configs/runc-spec.json"; do
    [ -f "$src" ] || continue
    why=$(ref_same "$prog" "$src")
    [ -z "$why" ] || {
      echo "$why"
      return
    }
  done
  for case in "${ref_refusals[@]}"; do
    jq "${case#*|}" "$tmp/create.json" >"$tmp/refuse-${case%%|*}.json"
    why=$(ref_refuses "$prog" "$tmp/refuse-${case%%|*}.json")
    [ -z "$why" ] || {
      echo "$why"
      return
    }
  done
  src=$srcdir/tests/unit/fixtures/configs/docker-run-privileged.json
  [ ! -f "$src" ] || ref_refuses "$prog" "$src"
}

# ref_wide PROG: how PROG writes an rlimit of 2^64 - 1 (Docker's "unlimited"),
# which hardrun keeps exact.
ref_wide() {
  local v=$tmp/verify big=18446744073709551615
  mkdir -p "$v"
  jq -c '.process.rlimits = [{type: "RLIMIT_CORE", hard: 1234567, soft: 1234567}]' \
    "$tmp/create.json" | sed "s/1234567/$big/g" >"$v/config.json"
  "$1" --ref-runtime="$true_bin" --ref-seccomp="$ref_seccomp" create --bundle "$v" bench-verify \
    </dev/null >/dev/null 2>&1 || {
    echo "fails"
    return
  }
  grep -o '"hard": *[0-9.e+]*' "$v/config.json" | head -1 | sed 's/"hard": *//'
}

ref_notes=()
if [ -z "$ref_jq_why" ]; then
  ref_jq_why=$(ref_check "$ref_jq")
  [ -z "$ref_jq_why" ] || ref_jq_why="not measured: $ref_jq_why"
  wide=$(ref_wide "$ref_jq")
  [ "$wide" = 18446744073709551615 ] ||
    ref_notes+=("the bash + jq wrapper writes an rlimit of 18446744073709551615 (Docker's
      \"unlimited\") as $wide: $(jq --version) holds numbers as doubles, and runc
      refuses the result.  hardrun and the Go program keep it exact.")
fi
if [ -n "$ref_go" ]; then
  ref_go_why=$(ref_check "$ref_go")
  [ -z "$ref_go_why" ] || ref_go_why="not measured: $ref_go_why"
  [ -n "$ref_go_why" ] || [ "$(ref_wide "$ref_go")" = 18446744073709551615 ] ||
    ref_go_why="not measured: it changes an rlimit of 2^64 - 1"
else
  ref_go_why="not measured: $ref_go_why"
fi
[ -z "$ref_jq_why" ] || ref_jq=''
[ -z "$ref_go_why" ] || ref_go=''
# ref_cmd PROG BUNDLE ID: the command line of a reference wrapper's create.
ref_cmd() {
  q "$1" --ref-runtime="$true_bin" --ref-seccomp="$ref_seccomp" create --bundle "$2" "$3"
}

# ---- results ------------------------------------------------------------------

status=0
missed=0
rows=()
notes=()
create_added=
# row LABEL BASE HARD ADDED VERDICT
row() { rows+=("$(printf '%-30s %10s %10s %10s  %s' "$@")"); }
us() { awk -v v="$1" -v f="%${2:-}.0f us" 'BEGIN { printf f, v }'; } # us VALUE [+]
ms() { awk -v v="$1" 'BEGIN { printf "%.2f ms", v / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", (b / a - 1) * 100 }'; }
verdict() { # verdict OK TEXT (in a subshell: the caller sets `missed`)
  if [ "$1" = 1 ]; then
    echo "ok ($2)"
  else
    echo "OVER TARGET ($2)"
  fi
}
# Rough 95 % bound on the difference of two medians: the standard error of a
# median is about 1.25 stddev / sqrt(n).
noise() { # noise SD_A SD_B N -> µs
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", 2 * 1.2533 * sqrt(a*a + b*b) / sqrt(n) }'
}
pct_noise() { # pct_noise BASE SD_A SD_B N -> the noise bound in % of BASE
  awk -v n="$(noise "$2" "$3" "$4")" -v a="$1" 'BEGIN { printf "%.1f", n / a * 100 }'
}

# row_vs LABEL BM BSD LINE RUNS [NOTE]: a row, in microseconds, for the
# command whose `timer` output line is LINE, against the baseline median BM
# (standard deviation BSD) of the same RUNS rounds; NOTE goes before the
# noise bound in the parentheses.
row_vs() {
  local m sd note=${6:+$6; }
  read -r m _ _ sd <<<"$4"
  row "$1" "$(us "$2")" "$(us "$m")" "$(us "$(awk -v a="$2" -v b="$m" 'BEGIN { print b - a }')" +)" \
    "(${note}+/- $(noise "$3" "$sd" "$5") us)"
}

# 1. create.  bench_create LABEL DIR [MODE [CONF [RUNS]]]: the bundle lives in
# DIR, whose filesystem matters: hardrun fsyncs the new config.json.  MODE
# "judge" holds the row to the targets; "judge" and "detail" add the exec
# floor (the trampoline in hardrun's place), the CPU rows and, with
# BENCH_COMPARE, the other hardrun.
bench_create() {
  local label=$1 b=$2 mode=${3:-} cf=${4:-$conf} runs=${5:-$n_create} res ok added
  local bm bsd hm hsd bc hc pc fc cc cpc specs lines
  local i_tramp='' i_cmp='' i_go='' i_jq=''
  mkdir -p "$b"
  local cmd_base=("$true_bin" create --bundle "$b" bench-create)
  local cmd_hard=("$hardrun" --hardrun-runtime="$true_bin" --hardrun-config="$cf" create
    --bundle "$b" bench-create)
  local cmd_cmp=("$compare" --hardrun-runtime="$true_bin" --hardrun-config="$cf" create
    --bundle "$b" bench-create)
  specs=("$tmp/create.json:$b/config.json|$(q "${cmd_base[@]}")"
    "$tmp/create.json:$b/config.json|$(q "${cmd_hard[@]}")")
  if [ -n "$mode" ] && [ -n "$tramp" ]; then
    i_tramp=${#specs[@]}
    specs+=("$tmp/create.json:$b/config.json|$(q "$tramp" "${cmd_base[@]}")")
  fi
  # Also the untimed first create that fills the seccomp validation cache.
  check_rewrite "$label" "$b" "$tmp/create.json" "${cmd_hard[@]}" || return 1
  if [ -n "$mode" ] && [ -n "$compare" ]; then
    check_rewrite "$label (compare)" "$b" "$tmp/create.json" "${cmd_cmp[@]}" || return 1
    i_cmp=${#specs[@]}
    specs+=("$tmp/create.json:$b/config.json|$(q "${cmd_cmp[@]}")")
  fi
  if [ -n "$mode" ] && [ -n "$ref_go" ]; then
    i_go=${#specs[@]}
    specs+=("$tmp/create.json:$b/config.json|$(ref_cmd "$ref_go" "$b" bench-create)")
  fi
  if [ -n "$mode" ] && [ -n "$ref_jq" ]; then
    i_jq=${#specs[@]}
    specs+=("$tmp/create.json:$b/config.json|$(ref_cmd "$ref_jq" "$b" bench-create)")
  fi
  res=$(measure "$runs" 20 0 "${specs[@]}") || return 1
  mapfile -t lines <<<"$res"
  read -r bm _ _ bsd <<<"${lines[0]}"
  read -r hm _ _ hsd <<<"${lines[1]}"
  added=$(awk -v a="$bm" -v b="$hm" 'BEGIN { printf "%.0f", b - a }')
  if [ "$mode" = judge ]; then
    create_added=$added
    ok=$(awk -v d="$added" 'BEGIN { print (d <= 1000) ? 1 : 0 }')
    [ "$ok" = 1 ] || missed=1
    row "$label" "$(us "$bm")" "$(us "$hm")" "$(us "$added" +)" \
      "$(verdict "$ok" "target <= 1000 us; +/- $(noise "$bsd" "$hsd" "$runs") us")"
  else
    row "$label" "$(us "$bm")" "$(us "$hm")" "$(us "$added" +)" \
      "(+/- $(noise "$bsd" "$hsd" "$runs") us)"
  fi
  [ -z "$i_tramp" ] || row_vs "  exec floor ($tramp_kind C wrapper)" "$bm" "$bsd" \
    "${lines[i_tramp]}" "$runs" "the trampoline in hardrun's place"
  [ -z "$i_cmp" ] || row_vs "  compare: $compare_name" "$bm" "$bsd" "${lines[i_cmp]}" "$runs" \
    BENCH_COMPARE
  if [ -n "$mode" ]; then
    ref_rows "$runs" "$bm" "$bsd" "$added" "$i_go" "$i_jq" "${lines[@]}"
  fi
  [ -n "$mode" ] && [ -n "$have_timer" ] || return 0
  bench_create_cpu "$mode" "$runs" "$i_tramp" "$i_cmp" "$i_go" "$i_jq" "${specs[@]}"
}

# ref_rows RUNS BASE BASE_SD HARDRUN_ADDED I_GO I_JQ LINE...: the rows of the
# reference wrappers, from the measure lines at I_GO and I_JQ, with their
# time added as a multiple of hardrun's; "not measured" and why when they
# could not be run.
ref_rows() {
  local runs=$1 bm=$2 bsd=$3 hadd=$4 i_go=$5 i_jq=$6 i k m sd added label why
  shift 6
  local lines=("$@")
  for k in go jq; do
    if [ "$k" = go ]; then
      label="  reference: Go encoding/json" i=$i_go why=$ref_go_why
    else
      label="  reference: bash + jq" i=$i_jq why=$ref_jq_why
    fi
    if [ -z "$i" ]; then
      row "$label" "-" "-" "-" "${why:-not measured}"
      continue
    fi
    read -r m _ _ sd <<<"${lines[i]}"
    added=$(awk -v a="$bm" -v b="$m" 'BEGIN { printf "%.0f", b - a }')
    row "$label" "$(us "$bm")" "$(us "$m")" "$(us "$added" +)" \
      "($(times_of "$added" "$hadd") hardrun's added; +/- $(noise "$bsd" "$sd" "$runs") us)"
  done
}
times_of() { # times_of ADDED HARDRUN_ADDED: "N.Nx"
  awk -v a="$1" -v h="$2" 'BEGIN { if (h > 0) printf "%.1fx", a / h; else print "n/a:" }'
}

# The CPU rows of bench_create: the same commands, and hardrun passing
# `state` straight through to /bin/true: start-up, argv, exec and exit as in
# create, none of the work.  --debug=false keeps that `state` off the
# pass-through fast path (which declines a boolean given a value), so the
# baseline starts the C library as create does.
# bench_create_cpu MODE RUNS I_TRAMP I_CMP I_GO I_JQ SPEC...
bench_create_cpu() {
  local mode=$1 runs=$2 i_tramp=$3 i_cmp=$4 i_go=$5 i_jq=$6 res lines ok added bc hc pc fc cc cpc
  local k label i
  shift 6
  local specs=("$@")
  local cmd_pass=("$hardrun" --hardrun-runtime="$true_bin" --debug=false state bench-create)
  local cmd_cpass=("$compare" --hardrun-runtime="$true_bin" --debug=false state bench-create)
  local n=${#specs[@]}
  specs+=("|$(q "${cmd_pass[@]}")")
  [ -z "$i_cmp" ] || specs+=("|$(q "${cmd_cpass[@]}")")
  res=$(measure_cpu "$runs" 20 "${specs[@]}") || return 1
  mapfile -t lines <<<"$res"
  bc=${lines[0]} hc=${lines[1]} pc=${lines[n]}
  row "  CPU time (user + system)" "$(us "$bc")" "$(us "$hc")" \
    "$(us "$(awk -v a="$bc" -v b="$hc" 'BEGIN { print b - a }')" +)" "(of the whole process)"
  if [ -n "$i_tramp" ]; then
    fc=${lines[i_tramp]}
    row "    exec floor" "$(us "$bc")" "$(us "$fc")" \
      "$(us "$(awk -v a="$bc" -v b="$fc" 'BEGIN { print b - a }')" +)" "(the trampoline)"
  fi
  added=$(awk -v a="$pc" -v b="$hc" 'BEGIN { printf "%.0f", b - a }')
  if [ "$mode" = judge ]; then
    ok=$(awk -v d="$added" 'BEGIN { print (d <= 300) ? 1 : 0 }')
    [ "$ok" = 1 ] || missed=1
    row "  CPU of the rewrite" "$(us "$pc")" "$(us "$hc")" "$(us "$added" +)" \
      "$(verdict "$ok" "target <= 300 us; baseline: hardrun state")"
  else
    row "  CPU of the rewrite" "$(us "$pc")" "$(us "$hc")" "$(us "$added" +)" \
      "(baseline: hardrun state, a pass-through)"
  fi
  if [ -n "$i_cmp" ]; then
    cc=${lines[i_cmp]} cpc=${lines[n + 1]}
    row "    compare: $compare_name" "$(us "$cpc")" "$(us "$cc")" \
      "$(us "$(awk -v a="$cpc" -v b="$cc" 'BEGIN { print b - a }')" +)" "(CPU of its rewrite)"
  fi
  # The references' CPU time includes that of the processes they wait for
  # (jq and mv for the script): wait4 counts reaped children.
  for k in go jq; do
    label="    CPU, reference: Go" i=$i_go
    [ "$k" = go ] || label="    CPU, reference: bash + jq" i=$i_jq
    [ -n "$i" ] || continue
    added=$(awk -v a="$bc" -v b="${lines[i]}" 'BEGIN { printf "%.0f", b - a }')
    row "$label" "$(us "$bc")" "$(us "${lines[i]}")" "$(us "$added" +)" \
      "($(times_of "$added" "$(awk -v a="$bc" -v b="$hc" 'BEGIN { print b - a }')") hardrun's CPU added)"
  done
}

# 2. run: hardrun run against runc run, and runc run of the hardened spec.
bench_run() {
  local b=$tmp/run res ok bm bsd hm hsd pm psd sm ssd
  make_busybox_bundle "$b" '["/bin/true"]' || return 1
  cp "$b/config.json" "$tmp/run.json"
  local cmd_base=("$runc" --root "$root" run --bundle "$b" bench-run)
  local cmd_hard=("$hardrun" --hardrun-config="$conf" --root "$root" run --bundle "$b" bench-run)
  check_rewrite "run" "$b" "$tmp/run.json" "${cmd_hard[@]}" || return 1
  # The spec hardrun makes, for timing plain runc on it: what the policy
  # itself costs (tmpfs mounts, cgroup limits), apart from hardrun's work.
  cp "$tmp/run.json" "$b/config.json"
  "$hardrun" --hardrun-runtime="$true_bin" --hardrun-config="$conf" create --bundle "$b" x \
    </dev/null >/dev/null 2>&1 || return 1
  cp "$b/config.json" "$tmp/run-hardened.json"
  # The same without the seccomp filter hardrun wrote (runc spec has none):
  # runc compiles a filter with libseccomp on every start.
  jq 'del(.linux.seccomp)' "$tmp/run-hardened.json" >"$tmp/run-noseccomp.json"
  cp "$tmp/run.json" "$b/config.json"
  if ! "${cmd_base[@]}" </dev/null >"$tmp/check.out" 2>&1; then
    echo "bench: run: runc itself fails here:" >&2
    sed 's/^/  /' "$tmp/check.out" >&2
    return 1
  fi
  res=$(measure "$n_run" 5 0 "$tmp/run.json:$b/config.json|$(q "${cmd_base[@]}")" \
    "$tmp/run.json:$b/config.json|$(q "${cmd_hard[@]}")" \
    "$tmp/run-hardened.json:$b/config.json|$(q "${cmd_base[@]}")" \
    "$tmp/run-noseccomp.json:$b/config.json|$(q "${cmd_base[@]}")") || return 1
  { read -r bm _ _ bsd && read -r hm _ _ hsd && read -r pm _ _ psd && read -r sm _ _ ssd; } <<<"$res"
  ok=$(awk -v a="$bm" -v b="$hm" 'BEGIN { print (b / a - 1) * 100 <= 2 ? 1 : 0 }')
  [ "$ok" = 1 ] || missed=1
  row "run /bin/true (busybox)" "$(ms "$bm")" "$(ms "$hm")" "$(pct "$bm" "$hm")" \
    "$(verdict "$ok" "target <= 2 %; +/- $(pct_noise "$bm" "$bsd" "$hsd" "$n_run") %")"
  row "  of which the policy (runc)" "$(ms "$bm")" "$(ms "$pm")" "$(pct "$bm" "$pm")" \
    "(runc on the hardened spec; +/- $(pct_noise "$bm" "$bsd" "$psd" "$n_run") %)"
  row "  the policy without seccomp" "$(ms "$bm")" "$(ms "$sm")" "$(pct "$bm" "$sm")" \
    "(the same without its seccomp filter; +/- $(pct_noise "$bm" "$bsd" "$ssd" "$n_run") %)"
  [ -z "$create_added" ] ||
    notes+=("hardrun's own work (create's added time) is $(awk -v d="$create_added" -v a="$bm" \
      'BEGIN { printf "%+.1f %%", d / a * 100 }') of runc's run median.")
  bench_run_docker_filter "$b"
}

# The same with Docker's default seccomp filter (the one in docker-run.json)
# in the spec, as every `docker run` has: runc compiles a filter either way,
# and hardrun's "fill" mode keeps Docker's.
bench_run_docker_filter() {
  local b=$1 res bm bsd hm hsd
  [ -f "$fixture" ] || return 0
  jq --slurpfile d "$fixture" '.linux.seccomp = $d[0].linux.seccomp' "$tmp/run.json" \
    >"$tmp/run-docker.json" || return 1
  local cmd_base=("$runc" --root "$root" run --bundle "$b" bench-run)
  local cmd_hard=("$hardrun" --hardrun-config="$conf" --root "$root" run --bundle "$b" bench-run)
  res=$(measure "$n_run" 5 0 "$tmp/run-docker.json:$b/config.json|$(q "${cmd_base[@]}")" \
    "$tmp/run-docker.json:$b/config.json|$(q "${cmd_hard[@]}")") || return 1
  { read -r bm _ _ bsd && read -r hm _ _ hsd; } <<<"$res"
  row "run, with Docker's filter" "$(ms "$bm")" "$(ms "$hm")" "$(pct "$bm" "$hm")" \
    "(the spec carries Docker's filter for both; +/- $(pct_noise "$bm" "$bsd" "$hsd" "$n_run") %)"
  [ "$(stat -f -c %T "$tmp")" = tmpfs ] ||
    notes+=("the bundle and runc's --root are not on a tmpfs: hardrun's fsync of config.json
      then also commits runc's own pending metadata, which shows in run.  With
      TMPDIR on a tmpfs, run is measured as on a host whose /run is a tmpfs.")
}

# hardrun over crun against bare runc: issue 7 asks that the hardened crun
# start beat the bare runc one.  hardrun hands crun its filter compiled
# (run.oci.seccomp_bpf_data, hardrun.conf's runtimeSeccompBpf "auto"); the
# last row is the same with "never", crun compiling it on every start.  crun 1.8 refuses a hybrid cgroup layout
# in which a controller sits on cgroup2 (Debian 12's hugetlb, on this kind
# of VM).  BENCH_CRUN_HUGETLB=1 mounts hugetlb as a v1 hierarchy under the
# temp dir for the row, which moves it off cgroup2 while it is mounted (a
# change to the host's cgroup layout, hence opt-in); without it the row
# says why it was not measured.
# Unmount the v1 hugetlb hierarchy of the crun rows.  The kernel destroys
# it, and gives hugetlb back to cgroup2, a moment after an umount that
# finds no cgroup left in it; crun's last one may still be going away at
# the first umount, and the hierarchy then lingers unmounted.  So: wait,
# and if it is still there, mount and unmount it again, a few times.
restore_hugetlb() {
  local _ i
  umount "$tmp/hugetlb" || return
  for _ in 1 2 3 4; do
    for i in 1 2 3 4 5 6 7 8 9 10; do
      grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && return 0
      sleep 0.5
    done
    mount -t cgroup -o hugetlb hardrun-bench "$tmp/hugetlb" 2>/dev/null && umount "$tmp/hugetlb"
  done
  echo "bench: hugetlb did not return to cgroup2; mount and unmount it as a v1 hierarchy" >&2
}

bench_crun() {
  local b=$tmp/run res ok bm bsd hm hsd cm why
  [ -x "$crun" ] || { row "run, hardrun over crun" "-" "-" "-" "not measured: no $crun (apt-get install crun)"; return 0; }
  cp "$tmp/run.json" "$b/config.json"
  local cmd_base=("$runc" --root "$root" run --bundle "$b" bench-run)
  local cmd_crun=("$crun" --root "$root-crun" run --bundle "$b" bench-run)
  local cmd_hard=("$hardrun" --hardrun-runtime="$crun" --hardrun-config="$conf" --root "$root-crun" \
    run --bundle "$b" bench-run)
  if ! "${cmd_crun[@]}" </dev/null >"$tmp/crun.out" 2>&1; then
    why=$(head -n 1 "$tmp/crun.out")
    if grep -q 'hybrid mode' "$tmp/crun.out" && [ -n "${BENCH_CRUN_HUGETLB:-}" ] &&
      mkdir -p "$tmp/hugetlb" && mount -t cgroup -o hugetlb hardrun-bench "$tmp/hugetlb"; then
      cp "$tmp/run.json" "$b/config.json"
      "${cmd_crun[@]}" </dev/null >"$tmp/crun.out" 2>&1 && why=
    fi
    if [ -n "$why" ]; then
      row "run, hardrun over crun" "-" "-" "-" "not measured: crun fails here: $why"
      grep -q 'hybrid mode' "$tmp/crun.out" &&
        notes+=("crun refuses this host's cgroups (a controller on cgroup2 in hybrid mode);
      BENCH_CRUN_HUGETLB=1 mounts hugetlb as a v1 hierarchy for the crun rows.")
      return 0
    fi
  fi
  local cmd_nobpf=("$hardrun" --hardrun-runtime="$crun" --hardrun-config="$conf_nobpf" \
    --root "$root-crun" run --bundle "$b" bench-run) nm nsd
  check_rewrite "run over crun" "$b" "$tmp/run.json" "${cmd_hard[@]}" || return 1
  if ! jq -e '.annotations["run.oci.seccomp_bpf_data"] | length > 0' "$b/config.json" >/dev/null; then
    echo "bench: run over crun: hardrun wrote no compiled filter for crun" >&2
    return 1
  fi
  check_rewrite "run over crun, never" "$b" "$tmp/run.json" "${cmd_nobpf[@]}" || return 1
  res=$(measure "$n_run" 5 0 "$tmp/run.json:$b/config.json|$(q "${cmd_base[@]}")" \
    "$tmp/run.json:$b/config.json|$(q "${cmd_hard[@]}")" \
    "$tmp/run.json:$b/config.json|$(q "${cmd_crun[@]}")" \
    "$tmp/run.json:$b/config.json|$(q "${cmd_nobpf[@]}")") || return 1
  { read -r bm _ _ bsd && read -r hm _ _ hsd && read -r cm _ _ _ && read -r nm _ _ nsd; } <<<"$res"
  ok=$(awk -v a="$bm" -v b="$hm" 'BEGIN { print b < a ? 1 : 0 }')
  [ "$ok" = 1 ] || missed=1
  row "run, hardrun over crun" "$(ms "$bm")" "$(ms "$hm")" "$(pct "$bm" "$hm")" \
    "$(verdict "$ok" "baseline: bare runc; target: faster than it; +/- $(pct_noise "$bm" "$bsd" "$hsd" "$n_run") %")"
  row "  bare crun" "$(ms "$bm")" "$(ms "$cm")" "$(pct "$bm" "$cm")" \
    "(crun on the unhardened spec, against bare runc)"
  row "  crun compiling the filter" "$(ms "$bm")" "$(ms "$nm")" "$(pct "$bm" "$nm")" \
    "(runtimeSeccompBpf \"never\", against bare runc; +/- $(pct_noise "$bm" "$bsd" "$nsd" "$n_run") %)"
}

# 3. state (pass-through)
bench_state() {
  local b=$tmp/state id=bench-state ignore=0 what="created" res added bm bsd hm hsd
  make_busybox_bundle "$b" '["/bin/sleep", "600"]' || return 1
  # A created container waits on its exec fifo; its stdio must not be ours.
  if [ "$(id -u)" -ne 0 ] ||
    ! "$runc" --root "$root" create --bundle "$b" "$id" </dev/null >/dev/null 2>&1; then
    id=bench-missing ignore=1 what="no such id"
  fi
  local cmd_base=("$runc" --root "$root" state "$id")
  local cmd_hard=("$hardrun" --hardrun-config="$conf" --root "$root" state "$id")
  if [ "$ignore" = 0 ] && ! "${cmd_hard[@]}" </dev/null >"$tmp/check.out" 2>&1; then
    echo "bench: state: hardrun failed:" >&2
    sed 's/^/  /' "$tmp/check.out" >&2
    return 1
  fi
  local specs=("|$(q "${cmd_base[@]}")" "|$(q "${cmd_hard[@]}")") fm='' fsd=
  [ -z "$tramp" ] || specs+=("|$(q "$tramp" "${cmd_base[@]}")")
  res=$(measure "$n_state" 10 "$ignore" "${specs[@]}") || return 1
  { read -r bm _ _ bsd && read -r hm _ _ hsd && { read -r fm _ _ fsd || true; }; } <<<"$res"
  added=$(awk -v a="$bm" -v b="$hm" 'BEGIN { printf "%.0f", b - a }')
  ok=$(awk -v d="$added" 'BEGIN { print (d <= 300) ? 1 : 0 }')
  [ "$ok" = 1 ] || missed=1
  row "state, pass-through ($what)" "$(ms "$bm")" "$(ms "$hm")" "$(us "$added" +)" \
    "$(verdict "$ok" "target <= 300 us; +/- $(noise "$bsd" "$hsd" "$n_state") us")"
  [ -z "$fm" ] || row "  exec floor ($tramp_kind C wrapper)" "$(ms "$bm")" "$(ms "$fm")" \
    "$(us "$(awk -v a="$bm" -v b="$fm" 'BEGIN { print b - a }')" +)" \
    "(the trampoline in hardrun's place; +/- $(noise "$bsd" "$fsd" "$n_state") us)"
  bench_state_true "$id"
}

# The same pass-through with /bin/true as the runtime: what hardrun adds
# does not depend on the runtime after it, and runc's own spread (a Go
# program, milliseconds) hides a few hundred microseconds.
bench_state_true() {
  local id=$1 res added bm bsd hm hsd lines i_tramp='' i_ntramp='' i_cmp=''
  local cmd_base=("$true_bin" --root "$root" state "$id")
  local cmd_hard=("$hardrun" --hardrun-config="$conf_true" --root "$root" state "$id")
  # --debug=false: a line the fast path leaves to the full path
  local cmd_slow=("$hardrun" --hardrun-config="$conf_true" --debug=false --root "$root" state "$id")
  local specs=("|$(q "${cmd_base[@]}")" "|$(q "${cmd_hard[@]}")" "|$(q "${cmd_slow[@]}")")
  if [ -n "$tramp" ]; then
    i_tramp=${#specs[@]}
    specs+=("|$(q "$tramp" "${cmd_base[@]}")")
  fi
  if [ -n "$ntramp" ]; then
    i_ntramp=${#specs[@]}
    specs+=("|$(q "$ntramp" "${cmd_base[@]}")")
  fi
  if [ -n "$compare" ]; then
    i_cmp=${#specs[@]}
    specs+=("|$(q "$compare" --hardrun-config="$conf_true" --root "$root" state "$id")")
  fi
  res=$(measure "$n_create" 20 0 "${specs[@]}") || return 1
  mapfile -t lines <<<"$res"
  read -r bm _ _ bsd <<<"${lines[0]}"
  read -r hm _ _ hsd <<<"${lines[1]}"
  added=$(awk -v a="$bm" -v b="$hm" 'BEGIN { printf "%.0f", b - a }')
  row "state, passed to /bin/true" "$(us "$bm")" "$(us "$hm")" "$(us "$added" +)" \
    "(hardrun.conf names /bin/true; +/- $(noise "$bsd" "$hsd" "$n_create") us)"
  row_vs "  without the fast path" "$bm" "$bsd" "${lines[2]}" "$n_create" \
    "the C library started"
  [ -z "$i_tramp" ] || row_vs "  exec floor ($tramp_kind C wrapper)" "$bm" "$bsd" \
    "${lines[i_tramp]}" "$n_create"
  [ -z "$i_ntramp" ] || row_vs "  exec floor without libc" "$bm" "$bsd" "${lines[i_ntramp]}" \
    "$n_create" "tests/bench/nolibc-trampoline.c: the kernel's share"
  [ -z "$i_cmp" ] || row_vs "  compare: $compare_name" "$bm" "$bsd" "${lines[i_cmp]}" \
    "$n_create" BENCH_COMPARE
}

# 4. scaling.  Configs of 1, 100, 1,000 and 10,000 mounts: the Docker config
# (compact, as Docker writes it) plus that many mounts, every other one a
# small tmpfs and the rest read-only bind mounts of a directory in the temp
# dir, which the default profile accepts (each is checked: hardrun must
# succeed and write every mount back, plus its three tmpfs mounts).  The
# bundle is on the tmpfs when there is one, so that no fsync of a 1 MB file
# weighs on the slope.
scale_sizes=(1 100 1000 10000)
scale_dir=
make_scale_configs() {
  local n
  # Each bind mount has a directory of its own, as volumes do: hardrun
  # looks each source up once per create, so one shared source would
  # make every bind after the first free.
  mkdir -p "$tmp/vol"
  seq -f "$tmp/vol/v%g" 1 2 9999 | xargs mkdir -p
  for n in "${scale_sizes[@]}"; do
    jq -c --argjson n "$n" --arg vol "$tmp/vol" '.mounts += [range($n) |
      if . % 2 == 0 then {destination: "/srv/t\(.)", type: "tmpfs", source: "tmpfs",
        options: ["nosuid", "nodev", "noexec", "size=1m"]}
      else {destination: "/srv/b\(.)", type: "bind", source: "\($vol)/v\(.)",
        options: ["rbind", "ro", "nosuid", "nodev"]} end]' "$tmp/create.json" >"$tmp/scale-$n.json"
  done
}

# scale_check N CONF: hardrun accepts the config of N mounts and keeps them.
scale_check() {
  local n=$1 b=$scale_dir/b want got
  mkdir -p "$b"
  check_rewrite "scale $n" "$b" "$tmp/scale-$n.json" "$hardrun" --hardrun-runtime="$true_bin" \
    --hardrun-config="$2" create --bundle "$b" bench-scale || return 1
  want=$(($(jq '.mounts | length' "$tmp/scale-$n.json") + 3))
  got=$(jq '.mounts | length' "$b/config.json")
  [ "$got" = "$want" ] || {
    echo "bench: scale $n: hardrun wrote $got mounts, not $want" >&2
    return 1
  }
}

# per_mount ADDED_N ADDED_1 N: µs per mount beyond the first.
per_mount() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (a - b) / (n - 1) }'; }

bench_scaling() {
  local cf=$conf n k b runs res lines bm bsd hm hsd m sd added pm label i
  local -A add=() cpu=() gadd=() jadd=()
  scale_dir=$tmp/scale
  if mountpoint -q "$tmp/tmpfs"; then
    scale_dir=$tmp/tmpfs/scale cf=$tmp/hardrun-tmpfs.conf
  fi
  b=$scale_dir/b
  make_scale_configs
  for n in "${scale_sizes[@]}"; do
    scale_check "$n" "$cf" || return 1
    case $n in
    1 | 100) runs=$n_scale_small ;;
    1000) runs=$n_scale_mid ;;
    *) runs=$n_scale_big ;;
    esac
    local specs=("$tmp/scale-$n.json:$b/config.json|$(q "$true_bin" create --bundle "$b" s)"
      "$tmp/scale-$n.json:$b/config.json|$(q "$hardrun" --hardrun-runtime="$true_bin" \
        --hardrun-config="$cf" create --bundle "$b" bench-scale)")
    local i_go='' i_jq=''
    if [ -n "$ref_go" ] && [ -z "$(ref_same "$ref_go" "$tmp/scale-$n.json")" ]; then
      i_go=${#specs[@]}
      specs+=("$tmp/scale-$n.json:$b/config.json|$(ref_cmd "$ref_go" "$b" bench-scale)")
    fi
    if [ -n "$ref_jq" ] && [ -z "$(ref_same "$ref_jq" "$tmp/scale-$n.json")" ]; then
      i_jq=${#specs[@]}
      specs+=("$tmp/scale-$n.json:$b/config.json|$(ref_cmd "$ref_jq" "$b" bench-scale)")
    fi
    res=$(measure "$runs" 3 0 "${specs[@]}") || return 1
    mapfile -t lines <<<"$res"
    read -r bm _ _ bsd <<<"${lines[0]}"
    read -r hm _ _ hsd <<<"${lines[1]}"
    add[$n]=$(awk -v a="$bm" -v b="$hm" 'BEGIN { printf "%.1f", b - a }')
    label="the Docker config, compact"
    [ "$n" = 1 ] || label="$(per_mount "${add[$n]}" "${add[1]}" "$n") us per mount"
    row "scale: $n mount$([ "$n" = 1 ] || echo s), $(($(wc -c <"$tmp/scale-$n.json") / 1024)) KB" \
      "$(us "$bm")" "$(us "$hm")" "$(us "${add[$n]}" +)" \
      "($label; +/- $(noise "$bsd" "$hsd" "$runs") us, $runs runs)"
    for k in go jq; do
      if [ "$k" = go ]; then i=$i_go label="  Go encoding/json"; else i=$i_jq label="  bash + jq"; fi
      [ -n "$i" ] || continue
      read -r m _ _ sd <<<"${lines[i]}"
      added=$(awk -v a="$bm" -v b="$m" 'BEGIN { printf "%.1f", b - a }')
      if [ "$k" = go ]; then gadd[$n]=$added; else jadd[$n]=$added; fi
      pm="$(times_of "$added" "${add[$n]}") hardrun's"
      if [ "$n" != 1 ] && [ "$k" = go ] && [ -n "${gadd[1]:-}" ]; then
        pm="$pm, $(per_mount "$added" "${gadd[1]}" "$n") us per mount"
      elif [ "$n" != 1 ] && [ "$k" = jq ] && [ -n "${jadd[1]:-}" ]; then
        pm="$pm, $(per_mount "$added" "${jadd[1]}" "$n") us per mount"
      fi
      row "$label" "$(us "$bm")" "$(us "$m")" "$(us "$added" +)" "($pm)"
    done
    if [ -n "$have_timer" ]; then
      res=$(measure_cpu "$runs" 3 "${specs[@]:0:2}") || return 1
      mapfile -t lines <<<"$res"
      cpu[$n]=$(awk -v a="${lines[0]}" -v b="${lines[1]}" 'BEGIN { printf "%.1f", b - a }')
      label="(CPU of the process)"
      [ "$n" = 1 ] || label="($(per_mount "${cpu[$n]}" "${cpu[1]}" "$n") us of CPU per mount)"
      row "  CPU time (user + system)" "$(us "${lines[0]}")" "$(us "${lines[1]}")" \
        "$(us "${cpu[$n]}" +)" "$label"
    fi
  done
  scale_verdict
}

# Linear growth (called by bench_scaling, whose add, cpu, gadd and jadd it
# reads): the cost per mount measured at 10,000 mounts is within
# scale_factor of that at 1,000.  Judged on CPU time when it was measured
# (what other processes on the machine do moves it least), else on the wall
# clock; both are printed.
scale_factor=1.5
scale_verdict() {
  local rw rc ri r ok on=wall
  rw=$(awk -v a="${add[10000]}" -v b="${add[1000]}" -v c="${add[1]}" \
    'BEGIN { printf "%.2f", ((a - c) / 9999) / ((b - c) / 999) }')
  r=$rw
  if [ -n "${cpu[10000]:-}" ]; then
    rc=$(awk -v a="${cpu[10000]}" -v b="${cpu[1000]}" -v c="${cpu[1]}" \
      'BEGIN { printf "%.2f", ((a - c) / 9999) / ((b - c) / 999) }')
    r=$rc on=CPU
  fi
  if scale_instructions; then
    ri=$(awk -v a="${ins[10000]}" -v b="${ins[1000]}" -v c="${ins[1]}" \
      'BEGIN { printf "%.2f", ((a - c) / 9999) / ((b - c) / 999) }')
    r=$ri on="instructions (exact; time moves with the machine's load)"
    row "scale: instructions" "" "" "" "(callgrind, up to the exec: $(per_mount "${ins[1000]}" \
"${ins[1]}" 1000) per mount at 1,000, $(per_mount "${ins[10000]}" "${ins[1]}" 10000) at 10,000)"
  fi
  ok=$(awk -v r="$r" -v f="$scale_factor" 'BEGIN { print (r <= f && r >= 1 / f) ? 1 : 0 }')
  [ "$ok" = 1 ] || missed=1
  row "scale: linear?" "" "" "" "$(verdict "$ok" "per-mount cost at 10,000 / at 1,000: \
${ri:+instructions $ri, }${rc:+CPU $rc, }wall $rw; target within ${scale_factor}x, judged on $on")"
  if [ -n "${gadd[10000]:-}" ] && [ -n "${gadd[1000]:-}" ]; then
    notes+=("per-mount cost at 10,000 / at 1,000 mounts (wall): Go $(awk -v a="${gadd[10000]}" \
      -v b="${gadd[1000]}" -v c="${gadd[1]}" 'BEGIN { printf "%.2f", ((a - c) / 9999) / ((b - c) / 999) }')${jadd[10000]:+, \
bash + jq $(awk -v a="${jadd[10000]}" -v b="${jadd[1000]}" -v c="${jadd[1]}" \
        'BEGIN { printf "%.2f", ((a - c) / 9999) / ((b - c) / 999) }')}.")
  fi
}

# The instructions hardrun executes on the 1, 1,000 and 10,000-mount
# configs, counted by valgrind's callgrind (exact, unlike any clock on a
# shared machine), into `ins`.  The runtime is a missing path so that the
# count stops at the exec (and includes one error report).  Fails when
# valgrind is not installed.
scale_instructions() {
  local n b=$scale_dir/b out
  declare -gA ins=()
  command -v valgrind >/dev/null || return 1
  for n in 1 1000 10000; do
    cp "$tmp/scale-$n.json" "$b/config.json"
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$hardrun" \
      --hardrun-runtime="$tmp/no-such-runtime" --hardrun-config="$cf" create --bundle "$b" \
      bench-scale 2>&1 >/dev/null) || true
    ins[$n]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out")
    [ -n "${ins[$n]}" ] || return 1
  done
}

# 5. memory: the peak resident set of hardrun before it execs the runtime,
# by tests/bench/peakrss.c: hardrun runs under ptrace and is stopped as it
# enters execve, where /proc/PID/status still describes hardrun's own
# address space (VmHWM, its high-water mark; an exec starts a new one), and
# is then killed.  A second figure, untraced, is ru_maxrss from wait4, which
# the kernel takes over hardrun and the image it exec'd (/bin/true here,
# whose own ru_maxrss is the floor printed as the baseline).  The median of
# five runs each.  Target: at most 4 MiB at 1 MB of config.
mib() { awk -v k="$1" 'BEGIN { printf "%.2f MiB", k / 1024 }'; }
median_of() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# peak_of KIND SRC CMD...: median over five runs of the figure of CMD on a
# fresh copy of SRC in $tmp/mem; KIND is hwm (traced) or maxrss.
peak_of() {
  local kind=$1 src=$2 k out
  shift 2
  for k in 1 2 3 4 5; do
    cp "$src" "$tmp/mem/config.json"
    if [ "$kind" = hwm ]; then
      out=$("$peakrss" -- "$@" </dev/null 2>/dev/null) || return 1
      echo "${out%% *}"
    else
      "$peakrss" --maxrss -- "$@" </dev/null 2>/dev/null || return 1
    fi
  done | median_of
}

bench_memory() {
  local floor n src label hw mx gw jm size ok note
  if [ -z "$peakrss" ]; then
    row "peak RSS before exec" "-" "-" "-" "not measured: tests/bench/peakrss.c did not build"
    status=1
    return 0
  fi
  mkdir -p "$tmp/mem"
  [ -f "$tmp/scale-10000.json" ] || make_scale_configs
  floor=$("$peakrss" --maxrss -- "$true_bin")
  local hard=("$hardrun" --hardrun-runtime="$true_bin" --hardrun-config="$conf" create
    --bundle "$tmp/mem" bench-mem)
  for n in docker "${scale_sizes[@]}"; do
    src=$tmp/scale-$n.json label="peak RSS, $n mount$([ "$n" = 1 ] || echo s)"
    [ "$n" != docker ] || src=$tmp/create.json label="peak RSS, Docker config"
    [ -f "$src" ] || continue
    size=$(awk -v c="$(wc -c <"$src")" \
      'BEGIN { if (c >= 1048576) printf "%.2f MB", c / 1048576; else printf "%.0f KB", c / 1024 }')
    if ! hw=$(peak_of hwm "$src" "${hard[@]}") || ! mx=$(peak_of maxrss "$src" "${hard[@]}"); then
      row "$label" "-" "-" "-" "not measured: peakrss failed (ptrace refused?)"
      status=1
      return 0
    fi
    note="$size; ru_maxrss $(mib "$mx")"
    if [ "$n" = 10000 ]; then
      ok=$(awk -v k="$hw" 'BEGIN { print k <= 4096 ? 1 : 0 }')
      [ "$ok" = 1 ] || missed=1
      [ "$ok" = 1 ] || note="over by $(mib $((hw - 4096))); $note"
      note=$(verdict "$ok" "target <= 4 MiB at about 1 MB; $note")
    else
      note="($note)"
    fi
    row "$label" "$(mib "$floor")" "$(mib "$hw")" "" "$note"
    gw='' jm=''
    [ -z "$ref_go" ] || gw=$(peak_of hwm "$src" "$ref_go" --ref-runtime="$true_bin" \
      --ref-seccomp="$ref_seccomp" create --bundle "$tmp/mem" bench-mem) || gw=
    [ -z "$ref_jq" ] || jm=$(peak_of maxrss "$src" "$ref_jq" --ref-runtime="$true_bin" \
      --ref-seccomp="$ref_seccomp" create --bundle "$tmp/mem" bench-mem) || jm=
    [ -z "$gw" ] || row "  Go encoding/json" "$(mib "$floor")" "$(mib "$gw")" "" "(VmHWM at its exec)"
    [ -z "$jm" ] || row "  bash + jq" "$(mib "$floor")" "$(mib "$jm")" "" \
      "(ru_maxrss: the largest of bash, jq, mv and the runtime)"
  done
}

echo "hardrun benchmark: $hardrun"
echo "  runtime: $runc ($("$runc" --version | head -1))"
echo "  timing:  $timer_name; medians of $n_create (create), $n_run (run), $n_state (state) runs"
echo "  create bundle: $create_src; temp dir on $(stat -f -c %T "$tmp")"
[ -z "$compare" ] || echo "  compare: $compare (BENCH_COMPARE)"
cpu_how="not measured (no cc)"
[ -z "$have_timer" ] || cpu_how="tests/bench/timer.c (wait4)"
echo "  exec floor: ${tramp_kind:-none} tests/bench/trampoline.c; CPU times: $cpu_how"
[ -z "$cpuid_us" ] || echo "  one CPUID instruction: $cpuid_us us (tests/bench/cpuid.c; glibc's start-up runs dozens)"
ref_desc() { # ref_desc PROG WHY VERSION
  if [ -n "$1" ]; then echo "$3"; else echo "${2:-not measured}"; fi
}
echo "  references: bash + jq: $(ref_desc "$ref_jq" "$ref_jq_why" "tests/bench/jq-wrapper.sh, \
bash $BASH_VERSION, $(jq --version)")"
echo "              Go: $(ref_desc "$ref_go" "$ref_go_why" "tests/bench/go-wrapper.go, \
$(go version 2>/dev/null | cut -d' ' -f3-), built as $builddir/bench-go-wrapper")"
echo "  memory: $([ -n "$peakrss" ] && echo "tests/bench/peakrss.c (ptrace, VmHWM at the exec)" ||
  echo "not measured (no cc)")"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo

bench_create "create (full rewrite)" "$tmp/create" judge || {
  row "create (full rewrite)" "-" "-" "-" "NOT MEASURED (see above)"
  status=1
}
if [ "$(id -u)" -eq 0 ]; then
  # The same on a tmpfs, as /run (where containerd keeps bundles) is on
  # most hosts: the difference is the cost of the fsync (and of replacing
  # the state record, which ext4 flushes on rename).
  # hardrun's stateDir is there too, as /run/hardrun is on such a host.
  if [ "$(stat -f -c %T "$tmp")" != tmpfs ] && mkdir -p "$tmp/tmpfs" &&
    mount -t tmpfs -o size=16m,mode=0700 hardrun-bench "$tmp/tmpfs"; then
    write_conf "$tmp/hardrun-tmpfs.conf" "$tmp/tmpfs/state"
    bench_create "create, bundle on tmpfs" "$tmp/tmpfs/create" detail "$tmp/hardrun-tmpfs.conf" || {
      row "create, bundle on tmpfs" "-" "-" "-" "NOT MEASURED (see above)"
      status=1
    }
  fi
  bench_run || {
    row "run /bin/true (busybox)" "-" "-" "-" "NOT MEASURED (see above)"
    status=1
  }
  [ ! -f "$tmp/run.json" ] || bench_crun || {
    row "run, hardrun over crun" "-" "-" "-" "NOT MEASURED (see above)"
    status=1
  }
else
  row "run /bin/true (busybox)" "-" "-" "-" "skipped: needs root"
fi
# Informational: every create compiles the seccomp filter, as the first
# create after a reboot (when stateDir is on a tmpfs) or a profile change.
bench_create "create, seccomp cache unusable" "$tmp/create-nocache" "" "$conf_nocache" \
  "$(((n_create + 3) / 4))" || {
  row "create, seccomp cache unusable" "-" "-" "-" "NOT MEASURED (see above)"
  status=1
}
bench_state || {
  row "state, pass-through" "-" "-" "-" "NOT MEASURED (see above)"
  status=1
}
bench_scaling || {
  row "scale" "-" "-" "-" "NOT MEASURED (see above)"
  status=1
}
bench_memory

echo
printf '%-30s %10s %10s %10s\n' "median" "baseline" "hardrun" "added"
printf '%s\n' "${rows[@]}"
echo
for n in "${ref_notes[@]}" "${notes[@]}"; do
  printf 'note: %s\n' "$n"
done
echo "The seccomp validation cache was filled by an untimed first create (except in"
echo "  the row that says it is unusable); the rows before that one time cache hits."
echo "+/-: rough 95 % bound on a difference of medians (2 x 1.25 stddev / sqrt(runs))."
echo "References (tests/bench/jq-wrapper.sh, go-wrapper.go): the default profile's"
echo "  controls and refusals written into a script, checked to write the same"
echo "  document as hardrun and to refuse what it refuses; see docs/performance.md"
echo "  for what they leave out.  Peak RSS: baseline = ru_maxrss of the runtime alone."
[ "$missed" = 0 ] || [ -z "${BENCH_STRICT:-}" ] || status=1
exit "$status"
