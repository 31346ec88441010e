#!/usr/bin/env bats
# Fault injection on the config path.  Every file operation hardrun makes
# on its files (hardrun.conf, the profiles, config.json, the state
# directory, the log and the audit file) is made to fail in turn with
# strace's syscall tampering, the bundle's filesystem is made full, and
# hardrun is killed with SIGKILL in the middle of its writes.  After each:
#   - config.json holds its old bytes or the whole hardened document,
#     never a mix;
#   - no temporary file is left (after a SIGKILL, at most the complete
#     copy of the last step, which the next create removes);
#   - the runtime ran only if hardrun succeeded, and then on the fully
#     hardened config.json (a spy runtime records that it ran);
#   - a failure is reported as the last error line of --log, or, when
#     the failure hit the log itself, on stderr.
#
# The injection points come from a reference run traced with strace -y:
# each system call whose arguments name one of hardrun's files, numbered
# per system call, up to the exec of the runtime.

load helpers

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root (mount for the full filesystem, the runc root)"
  hr_plain && skip "fault injection needs hardrun, not a plain runtime"
  command -v strace >/dev/null || skip "strace is not installed (apt-get install strace)"
  hr_setup
  # The runtime only records that it ran: no container is started here.
  cat >"$HR_TMP/runc-spy" <<EOF
#!/bin/sh
echo ran >>'$HR_TMP/ran'
EOF
  B=$HR_TMP/b
  ID=fi-$$
  mkdir -p "$B"
  (cd "$B" && "$HR_RUNC" spec)
  # What the default profile must fix: a writable root, every capability.
  hr_spec_edit "$B" '.root.readonly = false | del(.process.noNewPrivileges)
    | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
  cp "$B/config.json" "$HR_TMP/orig.json"
  # A first run fills the seccomp cache and makes the state directories,
  # so that every later run makes the same system calls up to a fault.
  fi_create >/dev/null 2>&1 || hr_die "the reference create failed" || return 1
  cp "$B/config.json" "$HR_TMP/hardened.json"
  cmp -s "$HR_TMP/orig.json" "$HR_TMP/hardened.json" && hr_die "the profile changed nothing"
  fi_reset
}

teardown() {
  hr_teardown
}

# fi_create [STRACE_ARGS...]: hardrun create, under strace when given
# arguments; the tracee's stderr goes to $HR_TMP/stderr.
fi_create() {
  local -a pre=()
  # LeakSanitizer cannot run under ptrace (an ASan build of hardrun): the
  # leak checks are the other tests' business.
  [ $# -eq 0 ] || pre=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    strace -qq -o "${FI_TRACE:-/dev/null}" "$@")
  timeout 60 "${pre[@]}" "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" \
    --log "${FI_LOG:-$B/log.json}" --log-format json create --bundle "$B" "$ID" \
    </dev/null 2>"$HR_TMP/stderr"
}

fi_reset() {
  cp "$HR_TMP/orig.json" "$B/config.json"
  rm -f "$HR_TMP/ran" "${FI_LOG:-$B/log.json}"
}

# fi_points CLASS: "syscall N" for every injection point of CLASS (open,
# read, fstat, write, fsync, rename, close, other) in a reference trace.
fi_points() {
  local class=$1
  FI_TRACE=$HR_TMP/trace fi_create -y >/dev/null || hr_die "the traced reference create failed"
  fi_reset
  awk -v tmp="$HR_TMP/" -v prof="$HR_PROFILES/" -v spy="$HR_TMP/runc-spy" -v class="$class" '
    NR == 1 { next }                                # hardrun'"'"'s own execve
    index($0, "execve(\"" spy "\"") == 1 { exit }   # the runtime: hardrun is done
    {
      name = $0; sub(/\(.*/, "", name)
      n[name]++
      # -y shows the working directory after AT_FDCWD: not a file of ours
      line = $0; gsub(/AT_FDCWD<[^>]*>/, "AT_FDCWD", line)
      if (index(line, tmp) == 0 && index(line, prof) == 0) next
      c = "other"
      if (name ~ /^open/) c = "open"
      else if (name == "read" || name == "pread64") c = "read"
      else if (name ~ /stat/) c = "fstat"
      else if (name == "write" || name == "pwrite64") c = "write"
      else if (name ~ /sync/) c = "fsync"
      else if (name ~ /^rename/) c = "rename"
      else if (name == "close") c = "close"
      if (c == class) print name, n[name]
    }' "$HR_TMP/trace"
}

# fi_check WHAT STATUS: the invariants after one faulty create.
fi_check() {
  local what=$1 status=$2 log=${FI_LOG:-$B/log.json} last left
  left=$(find "$B" "$HR_TMP/state" -name '.*' -print)
  [ -z "$left" ] || hr_die "$what: temporary files left: $left" || return 1
  if [ "$status" -eq 0 ]; then
    [ -e "$HR_TMP/ran" ] || hr_die "$what: hardrun succeeded but the runtime did not run" || return 1
    cmp -s "$B/config.json" "$HR_TMP/hardened.json" ||
      hr_die "$what: the runtime ran on a config.json that is not the hardened one" || return 1
    return 0
  fi
  [ ! -e "$HR_TMP/ran" ] || hr_die "$what: hardrun failed ($status) but the runtime ran" || return 1
  cmp -s "$B/config.json" "$HR_TMP/orig.json" || cmp -s "$B/config.json" "$HR_TMP/hardened.json" ||
    hr_die "$what: config.json is neither the old nor the hardened document" || return 1
  last=$(tail -n 1 "$log" 2>/dev/null)
  if [ "$(jq -r .level <<<"$last" 2>/dev/null)" = error ]; then
    hr_assert_match "$(jq -r .msg <<<"$last")" '^hardrun: ' || return 1
  else
    # the log itself could not be written: the message is on stderr
    grep -q '^hardrun: ' "$HR_TMP/stderr" && grep -q 'writing --log failed' "$HR_TMP/stderr" ||
      hr_die "$what: no error line in --log and none on stderr: $(cat "$HR_TMP/stderr")" || return 1
  fi
}

# fi_inject CLASS: each point of CLASS fails with EIO, one run per point.
fi_inject() {
  local class=$1 sc n count=0 status
  while read -r sc n; do
    fi_reset
    status=0
    fi_create -e inject="$sc:error=EIO:when=$n" || status=$?
    fi_check "$sc #$n fails with EIO" "$status" || return 1
    count=$((count + 1))
  done < <(fi_points "$class")
  echo "# $count $class points" >&3
  [ "$count" -gt 0 ] || hr_die "no $class operation on the config path: the trace is wrong"
}

@test "faults: every open on the config path fails in turn" {
  fi_inject open
}

@test "faults: every read fails in turn" {
  fi_inject read
}

@test "faults: every fstat and stat fails in turn" {
  fi_inject fstat
}

@test "faults: every write fails in turn (config.json, state, log, audit)" {
  fi_inject write
}

@test "faults: every fsync fails in turn" {
  fi_inject fsync
}

@test "faults: every rename fails in turn" {
  fi_inject rename
}

@test "faults: every close fails in turn" {
  fi_inject close
}

@test "faults: every other file operation (mkdir, link, chmod, chown, ...) fails in turn" {
  fi_inject other
}

@test "faults: a full filesystem under the bundle" {
  local pages
  # Room for the old config.json and a little more, not for the hardened
  # one beside it.
  pages=$((($(stat -c %s "$HR_TMP/orig.json") + 4095) / 4096 + 1))
  mv "$B" "$HR_TMP/b.full"
  mkdir "$B"
  mount -t tmpfs -o size=$((pages * 4096)),mode=0755 hardrun-faults "$B"
  cp "$HR_TMP/orig.json" "$B/config.json"
  # the log elsewhere: the error line must be there
  FI_LOG=$HR_TMP/log.json
  run fi_create
  echo "status=$status"
  cat "$FI_LOG" "$HR_TMP/stderr"
  [ "$status" -ne 0 ]
  fi_check "full filesystem" "$status"
  grep -q 'No space left on device' "$FI_LOG"
  # the log in the full bundle, as containerd puts it: then on stderr
  FI_LOG=$B/log.json
  fi_reset
  run fi_create
  [ "$status" -ne 0 ]
  fi_check "full filesystem, log in the bundle" "$status"
}

@test "faults: the error line cannot be written to --log: it goes to stderr" {
  local n
  printf '{"ociVersion": "1.0.2", "process": ' >"$HR_TMP/orig.json"
  fi_reset
  FI_TRACE=$HR_TMP/trace fi_create -y && hr_die "a broken config.json was accepted"
  # the write of the error line, numbered among all writes
  n=$(awk -v lf="$B/log.json" 'NR > 1 && /^write\(/ { n++; if (index($0, lf)) { print n; exit } }' \
    "$HR_TMP/trace")
  [ -n "$n" ] || hr_die "no write to log.json in the trace"
  fi_reset
  run fi_create -e inject="write:error=EIO:when=$n"
  cat "$HR_TMP/stderr"
  hr_assert_eq "$status" 1
  grep -q '^hardrun: .*config.json:1:36: parse error' "$HR_TMP/stderr"
  grep -q 'writing --log failed' "$HR_TMP/stderr"
  fi_check "the log write fails" "$status"
}

# fi_kill CLASS...: SIGKILL at each point of the given classes that
# touches the bundle's or the state directory's files.
fi_kill() {
  local sc n count=0 status left
  while read -r sc n; do
    fi_reset
    status=0
    fi_create -e inject="$sc:signal=KILL:when=$n" || status=$?
    [ "$status" -ne 0 ] || hr_die "$sc #$n: hardrun was not killed" || return 1
    [ ! -e "$HR_TMP/ran" ] || hr_die "$sc #$n: killed, yet the runtime ran" || return 1
    cmp -s "$B/config.json" "$HR_TMP/orig.json" || cmp -s "$B/config.json" "$HR_TMP/hardened.json" ||
      hr_die "$sc #$n: config.json is neither the old nor the hardened document" || return 1
    left=$(find "$B" "$HR_TMP/state" -name '.*' -print)
    if [ -n "$left" ]; then
      # Only a complete copy may be left, by a kill between naming the
      # new file and renaming it; the next create must remove it.
      for f in $left; do
        jq -e . "$f" >/dev/null || hr_die "$sc #$n: a partial temporary file: $f" || return 1
      done
      fi_reset
      fi_create || hr_die "$sc #$n: the create after the kill failed: $(cat "$HR_TMP/stderr")" || return 1
      fi_check "the create after a kill at $sc #$n" 0 || return 1
    fi
    count=$((count + 1))
  done < <(for c in "$@"; do fi_points "$c"; done | sort -u)
  echo "# $count kill points" >&3
  [ "$count" -gt 0 ]
}

@test "faults: SIGKILL in the middle of every write and fsync" {
  fi_kill write fsync
}

@test "faults: SIGKILL at every other step of the rewrite" {
  fi_kill open close rename other
}
