#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in a build dir of their own and runs the event
# decoder fuzzer for a bounded time on the checked-in corpus (and the hostile-message corpus).
# ctest runs it as the test "fuzz_event_decoder"; exit 77 (skipped) when clang++ is missing.
#
#   tests/fuzz/run_fuzz.sh [BUILD_DIR]
# Environment:
#   VECTON_FUZZ_SECONDS   how long to fuzz (default 60)
#   VECTON_FUZZ_JOBS      ninja -j for the build (default 2)
# New interesting inputs go to BUILD_DIR/corpus-new (never into the checked-in corpus); a
# crashing input is written to BUILD_DIR/artifacts/ and the script fails with its path.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:-$repo/build-fuzz}
seconds=${VECTON_FUZZ_SECONDS:-60}

if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
  echo "fuzz: clang/clang++ not found; skipped"
  exit 77
fi

echo "fuzz: building in $build_dir"
if [[ ! -f $build_dir/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build_dir" -G Ninja -DVECTON_FUZZ=ON \
    -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir.cmake.log" 2>&1 || {
    cat "$build_dir.cmake.log"
    exit 1
  }
fi
ninja -C "$build_dir" -j "${VECTON_FUZZ_JOBS:-2}" event_decoder_fuzz

mkdir -p "$build_dir/corpus-new" "$build_dir/artifacts"
echo "fuzz: running event_decoder_fuzz for $seconds s"
"$build_dir/tests/fuzz/event_decoder_fuzz" \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$build_dir/artifacts/" \
  "$build_dir/corpus-new" "$repo/tests/fuzz/corpus/event_decoder" "$repo/tests/hostile"
