#!/usr/bin/env bash
# One command for a GPU check: the gpu-marked tests, the training, embedding and
# pricing-oracle benchmarks on CUDA, results written into OUTDIR.
#
#     benchmarks/gpu_check.sh OUTDIR
#
# Run from the repository root. Exits non-zero when there is no CUDA device (saying so)
# or when any step fails (every step still runs; the failures are listed at the end).
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
python=$(command -v python || command -v python3)
if ! "$python" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "no CUDA device visible to torch: nothing to check" | tee "$out/no_gpu.txt" >&2
    exit 3
fi
"$python" -c "import torch; print(torch.cuda.get_device_name(0))" > "$out/device.txt"
failed=()
step() {  # step NAME COMMAND...: run, log to OUTDIR/NAME.log, remember a failure
    local name=$1
    shift
    echo "== $name: $*"
    if ! "$@" > "$out/$name.log" 2>&1; then
        failed+=("$name")
        echo "   FAILED (see $out/$name.log)"
    fi
}
# only the files that hold gpu-marked tests: the others need the whole CPU toolchain
gpu_files=$(grep -l "mark.gpu" tests/*.py)
step tests "$python" -m pytest -m gpu -q -p no:cacheprovider --junitxml="$out/tests.xml" $gpu_files
step training "$python" benchmarks/bench_training.py --out "$out/bench_training.json"
step embeddings "$python" benchmarks/bench_embeddings.py --out "$out/bench_embeddings.json"
step streaming "$python" benchmarks/bench_streaming.py --devices cpu cuda --out "$out/bench_streaming.json"
# the one target row whose oracle is the streaming one (the others price on the CPU)
step oracle "$python" benchmarks/bench_scale.py --device cuda --timeout "${GPU_CHECK_FIT_TIMEOUT:-150}" \
    --out "$out/bench_scale_cuda.csv" --rows 2d-L3-n200
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" | tee "$out/failed.txt" >&2
    exit 1
fi
echo "all GPU checks passed; results in $out"
