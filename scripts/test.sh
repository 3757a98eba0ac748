#!/usr/bin/env bash
# THE test command (README and .ci/run call exactly this): installs what is missing, builds,
# starts private PostgreSQL, Redis and RabbitMQ in a fresh temporary state dir, runs every test
# with their addresses in the environment, stops the servers and exits with the tests' status.
#
#   scripts/test.sh [CTEST ARGS...]      e.g. scripts/test.sh -R unit
# Environment: as scripts/build.sh (VECTON_BUILD_DIR, VECTON_CMAKE_ARGS, ...), plus
#   VECTON_KEEP_STATE=1   keep the state dir (logs, data) after the run instead of deleting it
#   VECTON_SKIP_BUILD=1   test the build dir as it is (no install, no build)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build_dir=${VECTON_BUILD_DIR:-$repo/build}
[[ $build_dir == /* ]] || build_dir=$repo/$build_dir
t_start=$SECONDS

if [[ ${VECTON_SKIP_BUILD:-} != 1 ]]; then
  echo "== dependencies"
  scripts/install-deps.sh
  echo "== build ($build_dir)"
  scripts/build.sh
fi

echo "== servers"
# shellcheck source=servers.sh
source scripts/servers.sh
# Under /tmp so the unprivileged PostgreSQL user can reach it wherever the checkout lives.
state=$(mktemp -d /tmp/vecton-test.XXXXXX)
chmod 755 "$state"
cleanup() {
  if [[ ${VECTON_KEEP_STATE:-} == 1 ]]; then
    servers_stop "$state" || true
    echo "test: state kept in $state"
  else
    servers_destroy "$state" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
servers_start "$state"
# shellcheck disable=SC1091
source "$state/env"
export DB_SCHEMA=${DB_SCHEMA:-analytics}
# The tests find the daemons' binaries here.
export VECTON_BUILD_DIR=$build_dir
# Responses recorded by the API tests (every test process of this run), checked against
# docs/openapi.yaml by the npm checks below.
export VECTON_RECORD_DIR=$state/openapi-responses

echo "== tests"
rc=0
ctest --test-dir "$build_dir" --output-on-failure "$@" || rc=$?

# --- hook: npm-based checks (e.g. the OpenAPI document) ---
# A package.json under tests/openapi/ is run with `npm test`; it sees the same environment.
if [[ $# -eq 0 && -f tests/openapi/package.json ]]; then
  echo "== npm checks (tests/openapi)"
  if [[ -f tests/openapi/package-lock.json ]]; then npm_install=(npm ci); else npm_install=(npm install); fi
  if ! (cd tests/openapi && "${npm_install[@]}" --no-audit --no-fund --loglevel=error && npm test); then
    echo "test: npm checks FAILED"
    rc=1
  fi
fi

echo "== done in $((SECONDS - t_start)) s, exit $rc"
exit "$rc"
