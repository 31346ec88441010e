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
