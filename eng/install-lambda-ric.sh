#!/usr/bin/env bash
# Installs the real AWS Lambda Runtime Interface Client for Node.js (npm aws-lambda-ric 3.3.0) for the
# compatibility tests, when it is missing. Idempotent: a second run only checks and exits 0.
#
# Usage: eng/install-lambda-ric.sh [FOLDER]
#   FOLDER (default test/Tideway.Compat.Tests/ric) gets node_modules/aws-lambda-ric, installed with `npm ci`
#   from the package.json + package-lock.json of test/Tideway.Compat.Tests/ric (copied there when FOLDER
#   is another folder). A relative FOLDER is taken from the current directory.
#
# The package builds native code at install time (its preinstall builds the bundled curl 7.83.1 with
# autotools and aws-lambda-cpp 0.2.8 with cmake; its postinstall runs node-gyp against the node headers):
#  - Debian packages: autoconf automake libtool (the image lacks them), make g++ cmake python3 (it has them);
#  - node's headers on disk (/usr/include/node from Debian's/NodeSource's nodejs): node-gyp must not
#    download them, this machine reaches no host but the package registries.
# About 4 minutes on 2 cores. Progress goes to stderr; the build log is kept only on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$root/test/Tideway.Compat.Tests/ric"
version="3.3.0"

say() { echo "install-lambda-ric: $*" >&2; }
fail() { say "error: $*"; exit 1; }

target="${1:-$source_dir}"
mkdir -p "$target" || fail "cannot create $target"
target="$(cd "$target" && pwd)"
ric="$target/node_modules/aws-lambda-ric"

installed_version() {
  [ -f "$ric/package.json" ] && [ -f "$ric/dist/rapid-client.node" ] || return 0
  node -p "require(process.argv[1]).version" "$ric/package.json" 2>/dev/null || true
}

if command -v node >/dev/null 2>&1 && [ "$(installed_version)" = "$version" ]; then
  say "aws-lambda-ric $version is already in $ric"
  exit 0
fi

# 1. Tools and Debian packages.
command -v node >/dev/null 2>&1 || fail "node is required (node 20 was tested) on PATH"
command -v npm >/dev/null 2>&1 || fail "npm is required on PATH"

need=()
command -v autoreconf >/dev/null 2>&1 || need+=(autoconf)
command -v aclocal >/dev/null 2>&1 || need+=(automake)
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v cmake >/dev/null 2>&1 || command -v cmake3 >/dev/null 2>&1 || need+=(cmake)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing build tools (${need[*]}) and no apt-get to install them"
  [ "$(id -u)" -eq 0 ] || fail "missing build tools (${need[*]}): run as root or apt-get install them first"
  say "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp /tmp/install-lambda-ric-apt.XXXXXX.log)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    fail "apt-get install ${need[*]} failed; full log: $apt_log"
  fi
  rm -f "$apt_log"
fi

# 2. node's headers for node-gyp, taken from disk.
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ]; then
  node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  for dir in "$node_prefix" /usr /usr/local; do
    if [ -f "$dir/include/node/node_api.h" ]; then
      export npm_config_nodedir="$dir"
      break
    fi
  done
  [ -n "${npm_config_nodedir:-}" ] ||
    fail "node's headers (include/node/node_api.h) are not on disk; node-gyp would try to download them"
fi

# 3. npm ci from the committed lock file.
[ -f "$source_dir/package.json" ] && [ -f "$source_dir/package-lock.json" ] ||
  fail "$source_dir/package.json and package-lock.json are missing"
if [ "$target" != "$source_dir" ]; then
  cp "$source_dir/package.json" "$source_dir/package-lock.json" "$target/"
fi

log="$(mktemp /tmp/install-lambda-ric.XXXXXX.log)"
say "building aws-lambda-ric $version in $target (npm ci; native code, about 4 minutes)"
start=$SECONDS
if ! (cd "$target" && npm ci --no-audit --no-fund --foreground-scripts >"$log" 2>&1); then
  tail -n 40 "$log" >&2
  fail "npm ci failed after $((SECONDS - start)) s; full log: $log"
fi

# 4. Check the native client loads (it reads AWS_LAMBDA_RUNTIME_API when loaded; nothing is contacted).
if ! AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 node -e "require(process.argv[1])" "$ric/dist/rapid-client.node" >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "aws-lambda-ric installed but $ric/dist/rapid-client.node does not load; full log: $log"
fi
[ "$(installed_version)" = "$version" ] || fail "expected aws-lambda-ric $version in $ric, found '$(installed_version)'"

# 5. The package's own clean-up misses its build trees under /bin/sh = dash (its glob "[^gz]" is bash
#    syntax: dash deletes the tarballs instead); they are ~150 MB and not needed at run time.
rm -rf "$ric"/deps/curl-curl-* "$ric"/deps/aws-lambda-cpp-*[!z] "$ric"/deps/artifacts "$ric"/build

rm -f "$log"
say "aws-lambda-ric $version ready in $ric ($((SECONDS - start)) s)"
