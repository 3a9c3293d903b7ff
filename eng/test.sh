#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing, then runs every test.
# Prints a closing line "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/eng/install-test-deps.sh" || { echo "installing test dependencies failed" >&2; exit 1; }

if [ ! -d "$root/../shared" ]; then
  echo "../shared (conformance and benchmark data) is missing beside the repository" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet build Tideway.slnx -c Release --nologo -v q "-clp:NoSummary;ErrorsOnly" || exit 1
# A test still running after 10 minutes (the longest take about a minute on a loaded machine) is a hang: its
# test process is stopped and the run fails naming it, instead of running into CI's time limit.
dotnet test Tideway.slnx -c Release --no-build --nologo --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
