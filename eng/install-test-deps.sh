#!/usr/bin/env bash
# Installs what the tests need when it is missing. Today: the .NET SDK of global.json (checked, not
# installed: the machine image provides it). Later issues add AWS clients and PostgreSQL here.
set -euo pipefail
if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi
