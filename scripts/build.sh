#!/usr/bin/env bash
# Configures (CMake + Ninja, RelWithDebInfo) and builds the whole project.
#
#   scripts/build.sh [NINJA TARGET...]
# Environment:
#   VECTON_BUILD_DIR   build directory (default <repo>/build)
#   VECTON_BUILD_TYPE  CMAKE_BUILD_TYPE (default RelWithDebInfo)
#   VECTON_CMAKE_ARGS  extra cmake arguments, e.g. "-DVECTON_SANITIZE=address"
#   VECTON_JOBS        parallel jobs (default 2: the machines have 2 cores)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${VECTON_BUILD_DIR:-$repo/build}
[[ $build_dir == /* ]] || build_dir=$repo/$build_dir

# shellcheck disable=SC2086 # VECTON_CMAKE_ARGS is a list of words on purpose
cmake -S "$repo" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${VECTON_BUILD_TYPE:-RelWithDebInfo}" ${VECTON_CMAKE_ARGS:-} >/dev/null
ninja -C "$build_dir" -j "${VECTON_JOBS:-2}" "$@"
