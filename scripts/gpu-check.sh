#!/usr/bin/env bash
# The torch backend on a GPU machine: builds the addon against a CUDA libtorch (LIBTORCH, a
# libtorch zip from pytorch.org with CUDA), then runs the kernel grid (test/unit/torch-kernels)
# with tensors on the GPU, and the training bench, and prints what it measured.
#
#   LIBTORCH=/path/to/libtorch bash scripts/gpu-check.sh
#
# Nothing here runs on a machine without a GPU: it says so and exits 2.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU visible (nvidia-smi); nothing measured"; exit 2
fi
nvidia-smi -L
[ -n "${LIBTORCH:-}" ] || { echo "gpu-check: set LIBTORCH to a CUDA build of libtorch (pytorch.org, 'cxx11 ABI' zip)"; exit 2; }
bash scripts/ensure-node-deps.sh
cat native/torch-backend/build/STATUS
export RESLAB_DEVICE=cuda
node -e 'require("./dist/src/backend/torch").activateTorch().then(() => console.log(require("./dist/src/backend/torch").describeTorch()))' || exit 1
echo "== kernel grid on cuda"
npx --no-install jest --ci test/unit/torch-kernels.test.ts 2>&1 | grep -E "✓|✕|Tests:|relative error"
echo "== bench on cuda"
# (the PyTorch reference of the bench runs on the CPU: not comparable with CUDA, so skipped)
node scripts/bench.js --backends torch --no-data --no-spectra --no-pytorch 2>&1 | grep -E "^L=|floor|profile|written"
