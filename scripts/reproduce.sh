#!/usr/bin/env bash
# npm run reproduce: every study notebook that has a cpu scale, executed at RESLAB_SCALE=cpu
# (runs cached and resumed in results/, so a second run costs only the analysis), then the
# reproduction table: reports/reproduction/reproduction.html and .json, and the README's table.
# Prints each notebook's time and backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node-deps.sh
source scripts/jupyter.sh
export RESLAB_SCALE=cpu
# the studies with a cpu scale so far (src/studies/*: CPU_* parameters)
notebooks=(notebooks/01-training-sweeps.ipynb notebooks/02-distance-curves.ipynb notebooks/03-stopping-rule.ipynb notebooks/07-gradient-flow.ipynb notebooks/08-identity-mappings.ipynb)
"$RESLAB_PY" scripts/run_notebooks.py --out reports/reproduction "${notebooks[@]}"
node scripts/report-index.js reports/reproduction
node scripts/reproduction.js reports/reproduction --readme README.md
