#!/usr/bin/env bash
# Builds dense_sweep (RTNeural's batch-1 N -> N (ReLU) -> N timing harness) against RTNeural at a pinned commit.
#
# RTNeural (BSD 3-Clause, (c) 2020 jatinchowdhury18, https://github.com/jatinchowdhury18/RTNeural) is not vendored:
# its source is fetched or extracted into build/ (git-ignored), in this order:
#   1. RTNEURAL_SRC=/path/to/RTNeural   an existing checkout (should be at RTNEURAL_COMMIT; used as is);
#   2. the GitHub archive of RTNEURAL_COMMIT (needs network);
#   3. RTNEURAL_MIRROR (a git directory holding the commit; default the local read-only mirror), via git archive.
# RTNeural's own vendored Eigen (modules/Eigen, 3.4.90) is used, as its CMake build does.
# Usage: benchmarks/rtneural/build.sh   (then dense_sweep is benchmarks/rtneural/build/dense_sweep)
set -euo pipefail
RTNEURAL_COMMIT=1fb1f075a5d66e85bfc8f488c3f3626840cb3a1d   # 2025-11-08, "Trying to fix coverage CI workflow (#164)"
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
mkdir -p "$build"
src="${RTNEURAL_SRC:-}"
if [ -z "$src" ]; then
    src="$build/RTNeural-$RTNEURAL_COMMIT"
    if [ ! -f "$src/RTNeural/RTNeural.h" ]; then
        rm -rf "$src" && mkdir -p "$src"
        url="https://github.com/jatinchowdhury18/RTNeural/archive/$RTNEURAL_COMMIT.tar.gz"
        if curl -fsSL --max-time 60 "$url" -o "$build/rtneural.tar.gz" 2>/dev/null; then
            tar -xzf "$build/rtneural.tar.gz" -C "$src" --strip-components=1
            echo "RTNeural $RTNEURAL_COMMIT from $url"
        else
            mirror="${RTNEURAL_MIRROR:-/work/.mirror/jatinchowdhury18+RTNeural/repo}"
            git -C "$mirror" archive "$RTNEURAL_COMMIT" RTNeural modules/Eigen modules/json LICENSE | tar -x -C "$src"
            echo "RTNeural $RTNEURAL_COMMIT from $mirror (no network)"
        fi
    fi
fi
[ -f "$src/RTNeural/RTNeural.h" ] || { echo "expected RTNeural/RTNeural.h under $src" >&2; exit 1; }
# -DRTNEURAL_DEFAULT_ALIGNMENT=32: what RTNeural's CMake sets for AVX builds. EIGEN_STACK_ALLOCATION_LIMIT=0: the
# compile-time DenseT of N = 2048 holds a 16 MB fixed-size matrix (the models are heap-allocated).
${CXX:-g++} -std=c++17 -O3 -march=native -DNDEBUG -DRTNEURAL_USE_EIGEN=1 -DRTNEURAL_DEFAULT_ALIGNMENT=32 \
    -DEIGEN_STACK_ALLOCATION_LIMIT=0 -I"$src" -I"$src/RTNeural" -I"$src/modules/Eigen" \
    "$here/dense_sweep.cpp" -o "$build/dense_sweep"
echo "built $build/dense_sweep"
