#!/usr/bin/env bash
# The main job (npm start): runs the quickstart, the perturbation study (notebooks 01-03) and the
# stability study (04-05), the iterative-inference study (06) and the gradient-flow studies (07-08) headless
# on the reslab kernel, in quick mode on the embedded MNIST digits (RESLAB_SCALE=cpu for real
# training on a laptop, RESLAB_FULL=mnist|cifar10 for the seed's scale), and writes HTML reports
# under reports/, printing their paths.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node-deps.sh
source scripts/jupyter.sh
# quick unless RESLAB_SCALE=cpu|full or RESLAB_FULL=DATASET asks for more (src/studies/scale.ts)
mode=(--quick)
if [ -n "${RESLAB_FULL:-}" ] || [ "${RESLAB_SCALE:-quick}" != quick ]; then mode=(); fi
"$RESLAB_PY" scripts/run_notebooks.py "${mode[@]}" --out reports notebooks/0*.ipynb
# reports/index.html: each notebook with its size, run time, backend and findings; prints the sizes
node scripts/report-index.js reports
