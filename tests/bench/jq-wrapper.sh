#!/bin/bash
# A reference point for `make bench`, not part of hardrun: the shell wrapper
# a site might write instead, doing with jq the rewrite that hardrun's shipped
# default profile does, then exec'ing the runtime.
#
#   jq-wrapper.sh [--ref-runtime=PATH] [--ref-seccomp=FILE] RUNC-ARGV...
#
# For `create` and `run` it rewrites <bundle>/config.json (one jq process,
# then a temporary file renamed over it with mv, as such scripts do: no
# fsync), refusing what the default profile refuses; every other command is
# passed through untouched.  The policy is written into the filter below
# rather than read from profiles/default.json (jq cannot read a file with
# comments).  What it does NOT do, unlike hardrun (docs/performance.md says
# more): resolve symlinks or ".." in bind sources, check that the file it
# reads is a regular file and not a symlink, keep integers above 2^53 exact
# (jq 1.6 turns 18446744073709551615 into 18446744073709552000, which runc
# refuses), validate the seccomp profile, check Go's duplicate-key semantics,
# write an audit or state record, or handle exec, update, user namespaces,
# AppArmor or SELinux.
set -euo pipefail

runtime=runc
seccomp=/usr/share/hardrun/profiles/seccomp/default.json
while [ $# -gt 0 ]; do
  case $1 in
  --ref-runtime=*) runtime=${1#*=} ;;
  --ref-seccomp=*) seccomp=${1#*=} ;;
  *) break ;;
  esac
  shift
done

# runc's argv: global flags (some with a value), the command, its flags.
cmd='' bundle=. want=''
for arg in "$@"; do
  if [ -n "$want" ]; then
    [ "$want" = cmd ] || bundle=$arg
    want=''
  elif [ -z "$cmd" ]; then
    case $arg in
    --log | --log-format | --root | --criu | --rootless | -log | -log-format | -root | -criu | -rootless) want=cmd ;;
    -*) ;;
    *) cmd=$arg ;;
    esac
  else
    case $arg in
    --bundle | -bundle | -b) want=bundle ;;
    --bundle=* | -bundle=* | -b=*) bundle=${arg#*=} ;;
    esac
  fi
done

case $cmd in
create | run) ;;
*) exec "$runtime" "$@" ;;
esac

# shellcheck disable=SC2016 # jq's $variables
filter='
def refuse(m): error("refused: " + m);
def bind: .type == "bind" or any(.options[]?; . == "bind" or . == "rbind");
def under(p): . == p or startswith(p + "/");
def clamp(d; c): if . == null or . <= 0 then d elif . > c then c else . end;
def caps: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"];
def sensitive: ["/etc", "/proc", "/sys", "/dev", "/boot", "/usr", "/lib", "/lib32",
  "/lib64", "/libx32", "/root", "/var/lib/docker", "/var/lib/containerd",
  "/run/containerd", "/var/run", "/var/spool/cron"];
def sysctls: ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
def devices: ["c 1:3", "c 1:5", "c 1:7", "c 1:8", "c 1:9", "c 5:0", "c 5:1", "c 5:2"];
def unconfined: . == null or ((.defaultAction == "SCMP_ACT_ALLOW" or .defaultAction == "SCMP_ACT_LOG")
  and all(.syscalls[]?; .action == "SCMP_ACT_ALLOW" or .action == "SCMP_ACT_LOG"));
def masked: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"];
def readonly: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];
def tmpfs(d): {destination: d, type: "tmpfs", source: "tmpfs",
  options: ["nosuid", "nodev", "mode=1777", "size=65536k", "tmpcopyup"]};

# Refusals: what no rewrite can make safe.
(["pid", "ipc", "uts", "network"] - [.linux.namespaces[]? | select((.path // "") == "") | .type])
  as $host | if $host != [] then refuse("host namespaces: " + ($host | join(", "))) else . end
| if any(.linux.resources.devices[]?; .allow == true and (.type // "a") == "a"
    and (.major // -1) == -1 and (.minor // -1) == -1)
  then refuse("a device rule allows every device (--privileged)") else . end
| if any(.linux.devices[]?; ("\(.type) \(.major):\(.minor)" | IN(devices[])) | not)
  then refuse("a host device node") else . end
| if any(.linux.resources.devices[]?; .allow == true
    and (("\(.type) \(.major):\(.minor)" | IN(devices[])) | not))
  then refuse("a device rule beyond the harmless ones") else . end
| if any(.mounts[]?; bind and (.source as $s | $s == "/" or any(sensitive[]; . as $p | $s | under($p))
    or ($s | test("(docker|containerd)\\.sock$"))))
  then refuse("a sensitive bind mount") else . end
| if any(.linux.sysctl // {} | keys[]; IN(sysctls[]) | not) then refuse("a host sysctl") else . end
| if (.hooks // {}) != {} then refuse("hooks") else . end
# The fixes.
| .root.readonly = true
| .process.noNewPrivileges = true
| if .process.capabilities then .process.capabilities |= map_values(if . then map(select(IN(caps[]))) else . end) else . end
| .linux.resources.pids.limit |= clamp(1024; 16384)
| .linux.resources.memory.limit |= clamp(2147483648; 34359738368)
| if .linux.resources.memory.disableOOMKiller == true
  then .linux.resources.memory.disableOOMKiller = false else . end
| if (.process.oomScoreAdj // 0) < 0 then .process.oomScoreAdj = 0 else . end
| .linux.resources.cpu.period |= (if . == null or . == 0 then 100000 else . end)
| .linux.resources.cpu |= (.period as $p | .quota |= clamp(2 * $p; 16 * $p))
| if (.linux.resources.cpu.shares // 0) > 10240 then .linux.resources.cpu.shares = 10240 else . end
| if .process.rlimits then .process.rlimits |= map(
    if .type == "RLIMIT_NOFILE" then .hard |= ([., 1048576] | min) | .soft |= ([., 1048576] | min)
    elif .type == "RLIMIT_NPROC" then .hard |= ([., 65536] | min) | .soft |= ([., 65536] | min)
    else . end) else . end
| .linux.rootfsPropagation = "rprivate"
| .mounts |= map(if bind then .options |= map(
    if IN("shared", "rshared", "slave", "rslave") then "rprivate" else . end) else . end)
| ([.mounts[]?.destination]) as $have
| .mounts += [("/tmp", "/run", "/var/tmp") | select(IN($have[]) | not) | tmpfs(.)]
| if (.linux.maskedPaths // []) == [] then .linux.maskedPaths = masked else . end
| if (.linux.readonlyPaths // []) == [] then .linux.readonlyPaths = readonly else . end
| if .linux.seccomp | unconfined then .linux.seccomp = $seccomp[0] else . end
'

config=$bundle/config.json
new=$bundle/.config.json.$$
trap 'rm -f "$new"' EXIT
# noclobber: the temporary file is created, never an existing one reused.
set -o noclobber
if ! jq -c --slurpfile seccomp "$seccomp" "$filter" "$config" >"$new"; then
  echo "jq-wrapper: $config: not rewritten" >&2
  exit 1
fi
mv -f "$new" "$config"
trap - EXIT
exec "$runtime" "$@"
