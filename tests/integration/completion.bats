#!/usr/bin/env bats
# The bash completion (completion/hardrun, made from hardrun.bash.in):
# COMPREPLY for command lines typed so far.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  COMPLETION=${HR_BUILDDIR:-$HR_SRCDIR}/completion/hardrun
  [ -f "$COMPLETION" ] || hr_die "no $COMPLETION (run make first)"
  HR_TMP=$(mktemp -d /tmp/hr.XXXXXX)
}

teardown() {
  rm -rf "$HR_TMP"
}

# complete WORDS...: the candidates for the last word, sorted, one a line.
complete_words() {
  bash -c '
    compopt() { :; }
    . "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _hardrun
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$@"
}

@test "commands: runc's and hardrun's own" {
  run -0 complete_words hardrun ""
  [[ $output == *$'\npolicy\n'* ]]
  [[ $output == *$'\ndoctor'* ]]
  [[ $output == *$'\ncreate\n'* ]]
  run -0 complete_words hardrun --root /r p
  hr_assert_eq "$output" "pause
policy
ps"
}

@test "global options, --hardrun-* with their values" {
  run -0 complete_words hardrun --hardrun-
  hr_assert_eq "$output" "--hardrun-config=
--hardrun-profile=
--hardrun-runtime="
  run -0 complete_words hardrun --log-format ""
  hr_assert_eq "$output" "json
text"
  mkdir "$HR_TMP/dir1"
  run -0 complete_words hardrun --hardrun-config="$HR_TMP/d"
  hr_assert_eq "$output" "--hardrun-config=$HR_TMP/dir1"
}

@test "policy: subcommands, their options, --format values" {
  run -0 complete_words hardrun policy ""
  hr_assert_eq "$output" "--help
check
explain
show"
  run -0 complete_words hardrun --hardrun-config=/x policy explain --
  hr_assert_eq "$output" "--bundle
--format
--help
--profile"
  run -0 complete_words hardrun policy show --format ""
  hr_assert_eq "$output" "json
text"
  touch "$HR_TMP/a.json"
  run -0 complete_words hardrun policy check "$HR_TMP/a"
  hr_assert_eq "$output" "$HR_TMP/a.json"
}

@test "doctor: its options, directories for --host-root" {
  run -0 complete_words hardrun doctor --
  hr_assert_eq "$output" "--format
--help
--host-root"
  mkdir "$HR_TMP/root1"
  touch "$HR_TMP/rootfile"
  run -0 complete_words hardrun doctor --host-root "$HR_TMP/root"
  hr_assert_eq "$output" "$HR_TMP/root1"
}

@test "--hardrun-profile and --profile: the profile names of both profile directories" {
  # a copy made as the Makefile makes completion/hardrun, with directories of this test
  sed -e "s|@sysconfdir@|$HR_TMP/etc|g" -e "s|@datadir@|$HR_TMP/share|g" \
    "$HR_SRCDIR/completion/hardrun.bash.in" >"$HR_TMP/completion"
  mkdir -p "$HR_TMP/etc/hardrun/profiles" "$HR_TMP/share/hardrun/profiles/seccomp"
  touch "$HR_TMP/etc/hardrun/profiles/web.json" "$HR_TMP/share/hardrun/profiles/default.json" \
    "$HR_TMP/share/hardrun/profiles/strict.json" "$HR_TMP/share/hardrun/profiles/seccomp/x.json" \
    "$HR_TMP/etc/hardrun/profiles/notes.txt"
  COMPLETION=$HR_TMP/completion
  run -0 complete_words hardrun --hardrun-profile=
  hr_assert_eq "$output" "--hardrun-profile=default
--hardrun-profile=strict
--hardrun-profile=web"
  run -0 complete_words hardrun --hardrun-profile s
  hr_assert_eq "$output" "strict"
  run -0 complete_words hardrun policy explain --profile w
  hr_assert_eq "$output" "web"
  run -0 complete_words hardrun policy show --profile ""
  hr_assert_eq "$output" "default
strict
web"
}

@test "hardrun's own commands do not clash with runc's, and every runc command completes" {
  local runtime=${HR_RUNTIME:-runc} runc_cmds c
  command -v "$runtime" >/dev/null || skip "no $runtime"
  # "   create      create a container", "   help, h     Shows ..."
  runc_cmds=$("$runtime" --help | sed -n '/^COMMANDS:/,/^[A-Z]/p' |
    sed -n 's/^   \([a-z][a-z, ]*[a-z]\)  .*/\1/p' | tr -d ' ' | tr ',' '\n')
  [ -n "$runc_cmds" ]
  for c in policy doctor; do
    if grep -qx "$c" <<<"$runc_cmds"; then
      echo "runc has a command \"$c\" too" >&2
      return 1
    fi
  done
  run -0 complete_words hardrun ""
  for c in $runc_cmds; do
    [ "$c" = h ] && continue # an alias of help
    grep -qx -- "$c" <<<"$output" || { echo "runc's $c does not complete" >&2; return 1; }
  done
}
