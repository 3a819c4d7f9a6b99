#!/usr/bin/env bash
# The main job (npm start): runs the quickstart, the perturbation study (notebooks 01-03) and the
# stability study (04-05), the iterative-inference study (06) and the gradient-flow studies (07-08) headless
# on the reslab kernel, in quick mode on the embedded MNIST digits (RESLAB_FULL=mnist|cifar10 for
# the seed's scale), and writes HTML reports under reports/, printing their paths.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node-deps.sh
source scripts/jupyter.sh
mode=(--quick)
[ -n "${RESLAB_FULL:-}" ] && mode=()
"$RESLAB_PY" scripts/run_notebooks.py "${mode[@]}" --out reports notebooks/0*.ipynb
{
  echo '<!doctype html><meta charset="utf-8"><title>ResLab report</title><h1>ResLab report</h1><ul>'
  for f in reports/0*.html; do n=$(basename "$f"); echo "<li><a href=\"$n\">${n%.html}</a></li>"; done
  echo "</ul><p>$(date -u +%Y-%m-%dT%H:%MZ), ${RESLAB_FULL:+full mode: $RESLAB_FULL}${RESLAB_FULL:-quick mode (embedded MNIST)}</p>"
} > reports/index.html
echo "report: $PWD/reports/index.html"
for f in reports/0*.html; do echo "  $PWD/$f"; done
