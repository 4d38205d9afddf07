#!/usr/bin/env bash
# docs/edge.md, "An imported ONNX model": publishes samples/EdgeOnnx (NativeAOT, the Fashion-MNIST CNN imported from
# benchmarks/pytorch/fashion_cnn.onnx at build time) and benchmarks/EdgeOnnxRuntime (the same .onnx in ONNX Runtime's
# C# API), then prints each one's size on disk, start-up to first inference timed from outside (process start to exit
# after the first inference, RUNS runs), and their own latency and allocation report.
#   benchmarks/edge_onnx.sh [OUT_DIR]        (RUNS=20 by default; about 5 minutes, most of it publishing)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/edge-onnx-compare}"
runs="${RUNS:-20}"
mkdir -p "$out"

if [ -z "${SKIP_PUBLISH:-}" ]; then # SKIP_PUBLISH=1: measure what OUT_DIR already holds
    dotnet publish samples/EdgeOnnx -c Release -r linux-x64 -warnaserror -o "$out/aot" >/dev/null
    dotnet publish samples/EdgeOnnx -c Release -r linux-x64 -warnaserror -p:IlcInstructionSet=x86-64-v4 -o "$out/aot-v4" >/dev/null
    dotnet publish benchmarks/EdgeOnnxRuntime -c Release -r linux-x64 --self-contained false -o "$out/ort-fd" >/dev/null
    dotnet publish benchmarks/EdgeOnnxRuntime -c Release -r linux-x64 --self-contained true -o "$out/ort-sc" >/dev/null
    # ONNX Runtime's managed API under NativeAOT too (no trim/AOT warnings with 1.32); the native library stays beside it.
    dotnet publish benchmarks/EdgeOnnxRuntime -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=x86-64-v4 -o "$out/ort-aot" >/dev/null
fi

# Start-up: wall time from fork/exec to exit of `--startup-only` (one inference, one line printed), median and range.
startup() {
    local times=() t0 t1
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N); "$@" --startup-only >/dev/null; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %.1f ms (%.1f-%.1f) over %d runs\n", a[int((NR + 1) / 2)] / 1000, a[1] / 1000, a[NR] / 1000, NR }'
}

for variant in aot aot-v4; do
    echo "== StaticNet, NativeAOT ($variant): executable $(stat -c %s "$out/$variant/EdgeOnnx") bytes (needs nothing else)"
    echo "start-up: $(startup "$out/$variant/EdgeOnnx")"
    "$out/$variant/EdgeOnnx"
done
for variant in ort-fd ort-sc ort-aot; do
    # What the program needs on Linux: the folder without the Windows binaries the package also copies, and without .pdb.
    size=$(find "$out/$variant" -type f ! -name '*.pdb' ! -name 'onnxruntime.dll' ! -name 'onnxruntime_providers_shared.dll' ! -name '*.dbg' -printf '%s\n' | awk '{ s += $1 } END { print s }')
    so=$(stat -c %s "$out/$variant/libonnxruntime.so")
    echo "== ONNX Runtime ($variant): $size bytes needed on Linux (libonnxruntime.so $so bytes)$([ "$variant" = ort-fd ] && echo ' + the .NET runtime')"
    echo "start-up: $(startup "$out/$variant/EdgeOnnxRuntime")"
    "$out/$variant/EdgeOnnxRuntime"
done
