#!/usr/bin/env bash
# The main job (npm start): runs the ResLab quickstart headless on the reslab kernel and writes an
# HTML report under reports/, printing its path. Later studies add their notebooks here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node-deps.sh
source scripts/jupyter.sh
mode=()
[ "${RESLAB_QUICK:-0}" = 1 ] && mode=(--quick)
"$RESLAB_PY" scripts/run_notebooks.py "${mode[@]}" --out reports notebooks/00-quickstart.ipynb
echo "report: $PWD/reports/00-quickstart.html"
