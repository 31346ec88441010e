#!/usr/bin/env bats
# The pass-through fast path (src/prestart.c): state, start, kill and the
# other commands that carry no spec are served before the C library starts,
# with the runtime that a full run cached for these exact hardrun.conf
# bytes.  Seen from outside with strace: the fast path makes no
# arch_prctl(ARCH_SET_FS) (glibc sets up TLS with it at start-up) before it
# execs the runtime; and every answer must be the one the full path gives.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  [ "$(id -u)" = 0 ] || skip "needs root to run containers and write /run/hardrun"
  command -v strace >/dev/null || hr_die "strace is required"
  hr_setup
  hr_bundle_docker_like pt /bin/sleep 60
  B=$HR_BUNDLE
  ID=$HR_ID
  G=(--hardrun-config="$HR_CONF" --root "$HR_RUNC_ROOT")
}

teardown() {
  hr_teardown
}

# Skips (77) with the reason when this build has no fast path.
need_fast_path() {
  local entry sym
  entry=$(readelf -h "$HARDRUN" | awk '/Entry point/ {print $4}')
  sym=$(nm "$HARDRUN" 2>/dev/null | awk '$3 == "hr_prestart_entry" {print "0x" $1}')
  [ -n "$sym" ] && [ $((entry)) = $((sym)) ] ||
    skip "this build has no fast path (dynamic, or not x86-64: see configure's summary)"
}

# path ARGS...: run hardrun under strace (its own process only: a created
# container's init would keep strace -f waiting); prints "fast" when it exec'd the
# runtime without starting the C library, "full" when it did, "none" when
# it exec'd nothing.  hardrun's own stdout goes to $HR_TMP/out.
path() {
  strace -qq -o "$HR_TMP/trace" -e trace=execve,arch_prctl -e signal=none \
    "$HARDRUN" "$@" >"$HR_TMP/out" 2>"$HR_TMP/err" || true
  awk '/execve\(/ && !/= -1/ {n++; if (n == 2) {print (tls ? "full" : "fast"); done = 1; exit}}
       /arch_prctl\(ARCH_SET_FS/ && n == 1 {tls = 1}
       END {if (!done) print "none"}' "$HR_TMP/trace"
}

@test "the fast path's object calls no libc, touches no TLS and holds no pointer to relocate" {
  need_fast_path
  local o=$HR_BUILDDIR/src/libprestart_a-prestart.o
  [ -f "$o" ] || hr_die "no $o"
  # _start is glibc's entry, where the fast path hands over.
  hr_assert_eq "$(nm -u "$o" | awk '{print $2}' | tr '\n' ' ')" "_start " "undefined symbols"
  run ! grep -q '%fs' <(objdump -d "$o")
  run ! grep -qE 'data\.rel|init_array' <(objdump -h "$o")
}

@test "--hardrun-runtime: state goes straight to the runtime, hardrun's options removed" {
  need_fast_path
  hr_rt "$B" create --bundle "$B" "$ID" </dev/null >/dev/null
  hr_assert_eq "$(path --hardrun-runtime="$HR_TMP/runc-spy" --root "$HR_RUNC_ROOT" state "$ID")" fast
  hr_assert_eq "$(jq -r .status "$HR_TMP/out")" created "state printed by runc"
  hr_assert_eq "$(tail -n 1 "$HR_SPY_LOG")" "--root $HR_RUNC_ROOT state $ID" "argv runc got"
}

@test "hardrun.conf's runtime: the first pass-through caches it, the next ones are fast" {
  need_fast_path
  hr_rt "$B" create --bundle "$B" "$ID" </dev/null >/dev/null
  hr_assert_eq "$(path "${G[@]}" state "$ID")" full "first state, nothing cached"
  hr_assert_eq "$(jq -r .status "$HR_TMP/out")" created
  hr_assert_eq "$(path "${G[@]}" state "$ID")" fast "second state"
  hr_assert_eq "$(jq -r .status "$HR_TMP/out")" created
  hr_assert_eq "$(path "${G[@]}" start "$ID")" fast "start"
  hr_wait_state "$ID" running
  hr_assert_eq "$(path "${G[@]}" kill "$ID" KILL)" fast "kill"
  hr_wait_state "$ID" stopped
  hr_assert_eq "$(tail -n 3 "$HR_SPY_LOG" | tr '\n' '|')" \
    "--root $HR_RUNC_ROOT state $ID|--root $HR_RUNC_ROOT start $ID|--root $HR_RUNC_ROOT kill $ID KILL|"
  # delete releases hardrun's state: never the fast path
  hr_assert_eq "$(path "${G[@]}" delete "$ID")" full "delete"
  local f
  f=$(find /run/hardrun/passthrough -type f -newer "$HR_CONF" -exec grep -l -F "$HR_CONF" {} +)
  [ -n "$f" ] || hr_die "no cache file names $HR_CONF"
  hr_assert_eq "$(stat -c '%U %a' "$f")" "root 600" "cache file owner and mode"
}

@test "hardrun.conf changed in place, same size: the new runtime, not the cached one" {
  need_fast_path
  hr_rt "$B" create --bundle "$B" "$ID" </dev/null >/dev/null
  path "${G[@]}" state "$ID" >/dev/null
  hr_assert_eq "$(path "${G[@]}" state "$ID")" fast
  # runc-spy -> runc-spz: the same length, so only the bytes differ
  sed "s|runc-spy|runc-spz|" "$HR_TMP/runc-spy" | sed "s|runc-calls|runc-calls-2|" >"$HR_TMP/runc-spz"
  chmod 755 "$HR_TMP/runc-spz"
  local size=$(stat -c %s "$HR_CONF")
  jq --arg rt "$HR_TMP/runc-spz" '.runtime = $rt' "$HR_CONF" >"$HR_TMP/c" && cat "$HR_TMP/c" >"$HR_CONF"
  hr_assert_eq "$(stat -c %s "$HR_CONF")" "$size" "conf size unchanged"
  hr_assert_eq "$(path "${G[@]}" state "$ID")" full "state after the edit"
  hr_assert_eq "$(cat "$HR_TMP/runc-calls-2")" "--root $HR_RUNC_ROOT state $ID" "the new runtime ran"
  hr_assert_eq "$(path "${G[@]}" state "$ID")" fast "cached again"
  hr_assert_eq "$(wc -l <"$HR_TMP/runc-calls-2")" 2 "the new runtime ran again"
}

@test "hardrun.conf broken after a cached pass-through: refused, runtime not run" {
  need_fast_path
  hr_rt "$B" create --bundle "$B" "$ID" </dev/null >/dev/null
  path "${G[@]}" state "$ID" >/dev/null
  hr_assert_eq "$(path "${G[@]}" state "$ID")" fast
  local calls=$(wc -l <"$HR_SPY_LOG")
  # the same size again: "{" becomes "["
  sed -i '1s/^{/[/' "$HR_CONF"
  hr_assert_eq "$(path "${G[@]}" --log "$HR_TMP/log.json" --log-format json state "$ID")" none
  hr_assert_match "$(tail -n 1 "$HR_TMP/log.json")" 'hardrun: .*hardrun.conf'
  hr_assert_eq "$(wc -l <"$HR_SPY_LOG")" "$calls" "runtime calls"
}

@test "a cache others can write is not used, and hardrun writes its own" {
  need_fast_path
  hr_rt "$B" create --bundle "$B" "$ID" </dev/null >/dev/null
  path "${G[@]}" state "$ID" >/dev/null
  local f
  f=$(grep -l -F "$HR_CONF" /run/hardrun/passthrough/*)
  chmod 0666 "$f"
  hr_assert_eq "$(path "${G[@]}" state "$ID")" full "state with a writable cache"
  hr_assert_eq "$(stat -c %a "$f")" 600 "replaced by hardrun's own"
  hr_assert_eq "$(path "${G[@]}" state "$ID")" fast
}

@test "create, exec, update and hardrun's own commands never take the fast path" {
  need_fast_path
  path "${G[@]}" state nothing >/dev/null
  hr_assert_eq "$(path "${G[@]}" state nothing)" fast
  hr_assert_eq "$(path "${G[@]}" --log "$B/log.json" create --bundle "$B" "$ID")" full create
  hr_assert_eq "$(jq -r .process.noNewPrivileges "$B/config.json")" true "create hardened"
  hr_assert_eq "$(path "${G[@]}" update --pids-limit 10 "$ID")" full update
  hr_assert_eq "$(path "${G[@]}" exec "$ID" true)" full exec
  hr_assert_eq "$(path "${G[@]}" policy show)" none "policy show"
  hr_assert_eq "$(path "${G[@]}" --help)" full "--help"
}
