#!/bin/sh
# Runs one bats file with TAP output for automake's TAP driver.  A missing
# bats is a failure, not a skip.
if [ -z "${BATS:-}" ] || ! [ -x "$BATS" ]; then
  echo "1..1"
  echo "not ok 1 - bats is not installed (apt-get install bats): $1 was not run"
  exit 1
fi
exec "$BATS" --tap "$1"
