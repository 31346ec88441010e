#!/usr/bin/env bats
# Fault injection on the config path.  Every file operation hardrun makes
# on its files (hardrun.conf, the profiles, config.json, the state
# directory, the log and the audit file) is made to fail in turn with
# strace's syscall tampering, the bundle's filesystem is made full, and
# hardrun is killed with SIGKILL in the middle of its writes.  After each:
#   - the file hardrun rewrites holds its old bytes or the whole hardened
#     document, never a mix;
#   - no temporary file is left (after a SIGKILL, at most the complete
#     copy of the last step, which the next run removes);
#   - the runtime ran only if hardrun succeeded, and then on the fully
#     hardened file (a spy runtime records that it ran);
#   - a failure is reported as the last error line of --log, or, when
#     the failure hit the log itself, on stderr.
#
# Three paths are tested this way, chosen by the test's name:
#   - "faults:": create, which rewrites config.json;
#   - "faults, exec:": exec --process, which rewrites the process file;
#   - "faults, userns:": create under a profile with a user namespace,
#     which also takes a slice of the id pool (slices.json) and grants the
#     slice's root an ACL entry on the bundle.  There, in addition, the
#     table is always whole JSON, and no ACL entry is left on the bundle
#     that no slice in the table accounts for (the slice of a dead creator
#     is reclaimed, with its entries, by the next create).
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
  case $BATS_TEST_DESCRIPTION in
  "faults, exec:"*) FI_MODE=exec ;;
  "faults, userns:"*) FI_MODE=userns ;;
  *) FI_MODE=create ;;
  esac
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
  FI_FILE=$B/config.json
  case $FI_MODE in
  exec) fi_setup_exec || return 1 ;;
  userns) fi_setup_userns || return 1 ;;
  esac
  cp "$FI_FILE" "$HR_TMP/orig.json"
  # A first run fills the seccomp cache and makes the state directories,
  # so that every later run makes the same system calls up to a fault.
  fi_create >/dev/null 2>&1 || hr_die "the reference $FI_MODE failed: $(cat "$HR_TMP/stderr")" || return 1
  cp "$FI_FILE" "$HR_TMP/hardened.json"
  cmp -s "$HR_TMP/orig.json" "$HR_TMP/hardened.json" && hr_die "the profile changed nothing"
  [ "$FI_MODE" != userns ] || fi_userns_start || return 1
  fi_reset
}

# exec --process: the container's record comes from a create through
# hardrun; the process file asks for every capability and no no_new_privs.
fi_setup_exec() {
  FI_MODE=create fi_create >/dev/null 2>&1 ||
    hr_die "the create before exec failed: $(cat "$HR_TMP/stderr")" || return 1
  FI_FILE=$HR_TMP/process.json
  hr_host_caps_json | jq --slurpfile s "$B/config.json" \
    '. as $c | $s[0].process | .capabilities = {bounding: $c, effective: $c, permitted: $c,
      inheritable: $c, ambient: $c} | .noNewPrivileges = false' >"$FI_FILE"
}

# A user namespace from a pool, and a bundle the slice's root cannot enter
# without the ACL entry hardrun grants it.
fi_setup_userns() {
  hr_jsonc "$HR_PROFILES/default.json" |
    jq '. + {userNamespace: {pool: {uid: 300000, gid: 400000, size: 262144}}}' \
      >"$HR_TMP/profiles/uns.json"
  hr_write_conf "$HR_CONF" uns
  mkdir -m 0755 "$B/rootfs"
  chmod 0700 "$B"
  FI_TABLE=$HR_TMP/state/userns/slices.json
}

teardown() {
  hr_teardown
}

# The state every userns run starts from, so that the system calls up to
# a fault are those of the reference run: the table and ACLs a delete
# leaves (empty, no entry), or, in the tests named "a dead creator's
# slice", those the reference create left, whose slice the next create
# reclaims (revoking its ACL entries) before it takes one.
fi_userns_start() {
  jq -r '.slices[].acl[].path' "$FI_TABLE" >"$HR_TMP/acl.paths"
  grep -qx "$B" "$HR_TMP/acl.paths" || hr_die "no ACL entry was granted on the bundle" || return 1
  if [[ $BATS_TEST_DESCRIPTION != *"a dead creator's slice"* ]]; then
    "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" delete --force "$ID" ||
      hr_die "delete after the reference create failed" || return 1
    hr_assert_eq "$(jq -c .slices "$FI_TABLE")" "[]" "the table after delete" || return 1
  fi
  xargs -d '\n' getfacl -pn <"$HR_TMP/acl.paths" >"$HR_TMP/acl.ref" || return 1
  cp "$FI_TABLE" "$HR_TMP/table.ref"
}

# fi_create [STRACE_ARGS...]: hardrun create (or exec, after FI_MODE),
# under strace when given arguments; the tracee's stderr goes to
# $HR_TMP/stderr.
fi_create() {
  local -a pre=() cmd=(create --bundle "$B" "$ID")
  # LeakSanitizer cannot run under ptrace (an ASan build of hardrun): the
  # leak checks are the other tests' business.
  [ $# -eq 0 ] || pre=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    strace -qq -o "${FI_TRACE:-/dev/null}" "$@")
  [ "$FI_MODE" != exec ] || cmd=(exec --process "$FI_FILE" "$ID")
  timeout 60 "${pre[@]}" "$HARDRUN" --hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT" \
    --log "${FI_LOG:-$B/log.json}" --log-format json "${cmd[@]}" </dev/null 2>"$HR_TMP/stderr"
}

fi_reset() {
  cp "$HR_TMP/orig.json" "$FI_FILE"
  rm -f "$HR_TMP/ran" "${FI_LOG:-$B/log.json}"
  [ "$FI_MODE" != userns ] || [ ! -e "$HR_TMP/table.ref" ] || {
    cp "$HR_TMP/table.ref" "$FI_TABLE" && setfacl --restore="$HR_TMP/acl.ref"
  }
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

# fi_is_hardened FILE: FILE is the whole hardened document.  Under a user
# namespace its slice may differ from the reference run's: a slice whose
# ACL entry could not be revoked stays held, and the next one is taken.
fi_is_hardened() {
  [ "$FI_MODE" = userns ] || { cmp -s "$1" "$HR_TMP/hardened.json"; return; }
  local norm='del(.linux.uidMappings, .linux.gidMappings)'
  [ "$(jq -cS "$norm" "$1")" = "$(jq -cS "$norm" "$HR_TMP/hardened.json")" ] &&
    jq -e '.linux.uidMappings | length == 1 and .[0].hostID >= 300000 and .[0].size == 65536' "$1" >/dev/null
}

# fi_left: the temporary files left beside the files hardrun writes.
fi_left() {
  find "$B" "$HR_TMP/state" "$(dirname "$FI_FILE")" -maxdepth 3 -name '.*' -print | sort -u
}

# fi_check_table WHAT: the slice table is whole, and every ACL entry on the
# bundle belongs to a slice the table holds (which a reclaim will revoke).
fi_check_table() {
  local what=$1 uid
  [ "$FI_MODE" = userns ] || return 0
  [ ! -e "$FI_TABLE" ] || jq -e '.slices | type == "array"' "$FI_TABLE" >/dev/null ||
    hr_die "$what: the slice table is not whole: $(head -c 300 "$FI_TABLE")" || return 1
  for uid in $(getfacl -cpn "$B" | sed -n 's/^user:\([0-9][0-9]*\):.*/\1/p'); do
    [ -e "$FI_TABLE" ] && jq -e --argjson u "$uid" --arg b "$B" \
      'any(.slices[]; .uid == $u and any(.acl[]; .path == $b))' "$FI_TABLE" >/dev/null ||
      hr_die "$what: ACL entry for uid $uid on the bundle with no slice to revoke it" || return 1
  done
}

# fi_check WHAT STATUS: the invariants after one faulty run.
fi_check() {
  local what=$1 status=$2 log=${FI_LOG:-$B/log.json} last left
  left=$(fi_left)
  [ -z "$left" ] || hr_die "$what: temporary files left: $left" || return 1
  fi_check_table "$what" || return 1
  if [ "$status" -eq 0 ]; then
    [ -e "$HR_TMP/ran" ] || hr_die "$what: hardrun succeeded but the runtime did not run" || return 1
    fi_is_hardened "$FI_FILE" ||
      hr_die "$what: the runtime ran on a $FI_FILE that is not the hardened one" || return 1
    return 0
  fi
  [ ! -e "$HR_TMP/ran" ] || hr_die "$what: hardrun failed ($status) but the runtime ran" || return 1
  cmp -s "$FI_FILE" "$HR_TMP/orig.json" || fi_is_hardened "$FI_FILE" ||
    hr_die "$what: $FI_FILE is neither the old nor the hardened document" || return 1
  last=$(tail -n 1 "$log" 2>/dev/null)
  if [ "$(jq -r .level <<<"$last" 2>/dev/null)" = error ]; then
    hr_assert_match "$(jq -r .msg <<<"$last")" '^hardrun: ' || return 1
  else
    # the log itself could not be written: the message is on stderr
    grep -q '^hardrun: ' "$HR_TMP/stderr" && grep -q 'writing --log failed' "$HR_TMP/stderr" ||
      hr_die "$what: no error line in --log and none on stderr: $(cat "$HR_TMP/stderr")" || return 1
  fi
}

# fi_inject CLASS...: each point of each CLASS fails with EIO, one run per
# point.
fi_inject() {
  local class sc n count status
  for class in "$@"; do
    count=0
    while read -r sc n; do
      fi_reset
      status=0
      fi_create -e inject="$sc:error=EIO:when=$n" || status=$?
      fi_check "$sc #$n fails with EIO" "$status" || return 1
      count=$((count + 1))
    done < <(fi_points "$class")
    echo "# $count $class points" >&3
    [ "$count" -gt 0 ] || [ "$#" -gt 1 ] || hr_die "no $class operation on the config path: the trace is wrong"
  done
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
  local sc n count=0 status left points
  # Every reference run before the first kill: a traced run made while the
  # loop below runs would race it for the same bundle and state.
  points=$(for c in "$@"; do fi_points "$c"; done | sort -u)
  while read -r sc n; do
    fi_reset
    status=0
    fi_create -e inject="$sc:signal=KILL:when=$n" || status=$?
    [ "$status" -ne 0 ] || hr_die "$sc #$n: hardrun was not killed" || return 1
    [ ! -e "$HR_TMP/ran" ] || hr_die "$sc #$n: killed, yet the runtime ran" || return 1
    cmp -s "$FI_FILE" "$HR_TMP/orig.json" || fi_is_hardened "$FI_FILE" ||
      hr_die "$sc #$n: $FI_FILE is neither the old nor the hardened document" || return 1
    fi_check_table "killed at $sc #$n" || return 1
    left=$(fi_left)
    if [ -n "$left" ]; then
      # Only a complete copy may be left, by a kill between naming the
      # new file and renaming it; the next create must remove it.
      for f in $left; do
        jq -e . "$f" >/dev/null || hr_die "$sc #$n: a partial temporary file: $f" || return 1
      done
      fi_reset
      fi_create || hr_die "$sc #$n: the $FI_MODE after the kill failed: $(cat "$HR_TMP/stderr")" || return 1
      fi_check "the $FI_MODE after a kill at $sc #$n" 0 || return 1
    fi
    count=$((count + 1))
  done <<<"$points"
  echo "# $count kill points" >&3
  [ "$count" -gt 0 ]
}

@test "faults: SIGKILL in the middle of every write and fsync" {
  fi_kill write fsync
}

@test "faults: SIGKILL at every other step of the rewrite" {
  fi_kill open close rename other
}

@test "faults, exec: every file operation on the process file's path fails in turn" {
  fi_inject open read fstat write fsync rename close other
}

@test "faults, exec: SIGKILL at every step of the process file's rewrite" {
  fi_kill write fsync open close rename other
}

@test "faults, userns: every file operation of a create with a user namespace fails in turn" {
  fi_inject open read fstat write fsync rename close other
  # and the pool is not leaked: a create with no fault still gets a slice
  fi_reset
  fi_create || hr_die "the create after the faults failed: $(cat "$HR_TMP/stderr")"
  fi_check "the create after the faults" 0
  hr_assert_eq "$(jq --arg id "$ID" '[.slices[] | select(.id == $id)] | length' "$FI_TABLE")" 1
}

@test "faults, userns: SIGKILL at every step of a create with a user namespace" {
  fi_kill write fsync open close rename other
}

@test "faults, userns: every file operation fails in turn, with a dead creator's slice to reclaim" {
  fi_inject open read fstat write fsync rename close other
}

@test "faults, userns: SIGKILL at every step, with a dead creator's slice to reclaim" {
  fi_kill write fsync open close rename other
}
