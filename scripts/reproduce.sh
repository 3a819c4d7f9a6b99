#!/usr/bin/env bash
# npm run reproduce: every study notebook (01–08) executed at RESLAB_SCALE=cpu (trained networks
# are kept and resumed in results/, so a second run costs only the analysis), then the
# reproduction table: reports/reproduction/reproduction.html and .json, and the README's table.
# Prints each notebook's time and backend. Notebooks 04–05 train on CIFAR-10: it is read from
# RESLAB_DATA_DIR (a folder of datasets: cifar10/ or cifar-10/ inside) or data/cifar10/, else
# downloaded once (163 MB); a notebook that fails still has its row in the table, saying why.
set -euo pipefail
# RESLAB_DATA_DIR's relative entries are meant from here; the notebooks run in notebooks/
if [[ -n "${RESLAB_DATA_DIR:-}" ]]; then
  IFS=: read -ra data_dirs <<< "$RESLAB_DATA_DIR"
  abs=()
  for d in "${data_dirs[@]}"; do [[ -n "$d" ]] && abs+=("$(realpath -m -- "$d")"); done
  RESLAB_DATA_DIR="$(IFS=:; echo "${abs[*]}")"
  export RESLAB_DATA_DIR
fi
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node-deps.sh
source scripts/jupyter.sh
export RESLAB_SCALE=cpu
# every study notebook (src/studies/*: CPU_* parameters); 00, the quickstart, has no claims
notebooks=(notebooks/0[1-8]-*.ipynb)
status=0  # a failed notebook still gets its rows (saying why); the command then exits non-zero
"$RESLAB_PY" scripts/run_notebooks.py --out reports/reproduction "${notebooks[@]}" || status=$?
node scripts/report-index.js reports/reproduction
node scripts/reproduction.js reports/reproduction --readme README.md
exit "$status"
