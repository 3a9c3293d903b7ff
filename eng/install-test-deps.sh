#!/usr/bin/env bash
# Installs what the tests need when it is missing:
#  - the .NET SDK of global.json (checked, not installed: the machine image provides it);
#  - AWS CLI v2 at /usr/bin/aws and boto3 1.26 for /usr/bin/python3 (Debian's awscli and python3-boto3:
#    the query/XML protocol clients of the SQS compatibility tests);
#  - boto3 1.43 in the machine's pyenv python3 (checked: the image provides it; the JSON protocol client);
#  - the AWS SDK for JavaScript v3 (npm ci in test/Tideway.Compat.Tests/js);
#  - aws-lambda-ric 3.3.0 (eng/install-lambda-ric.sh, into test/Tideway.Compat.Tests/ric).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi

if [ ! -x /usr/bin/aws ] || ! /usr/bin/python3 -c 'import boto3' >/dev/null 2>&1; then
  echo "installing Debian's awscli and python3-boto3 (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq awscli python3-boto3 >/dev/null
fi

if ! python3 -c 'import boto3' >/dev/null 2>&1; then
  echo "python3 (pyenv) with boto3 is required for the compatibility tests" >&2
  exit 1
fi

if ! command -v node >/dev/null 2>&1; then
  echo "node is required for the AWS SDK for JavaScript v3 tests" >&2
  exit 1
fi
js="$root/test/Tideway.Compat.Tests/js"
if [ ! -d "$js/node_modules/@aws-sdk/client-sqs" ] || [ ! -d "$js/node_modules/@aws-sdk/client-eventbridge" ] \
  || [ ! -d "$js/node_modules/@aws-sdk/client-lambda" ]; then
  echo "installing the AWS SDK for JavaScript v3 (npm ci)" >&2
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The real aws-lambda-ric (npm 3.3.0, native: about 5 minutes to build) for the Runtime API test against it.
"$root/eng/install-lambda-ric.sh" "$root/test/Tideway.Compat.Tests/ric"
