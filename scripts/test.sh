#!/usr/bin/env bash
# ResLab's whole test suite (the README's test command; .ci/run calls it too):
#   1. unit tests (jest)            2. the kernel over the Jupyter protocol (jupyter_kernel_test)
#   3. every notebook headless      4. every notebook's HTML export rendered in Chromium
#   5. notebooks 00 and 01 run through a live Jupyter Notebook front end (Playwright + Chromium)
# Ends with one line "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh --browser --redis || exit 1
bash scripts/ensure-node-deps.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
art=test-artifacts
rm -rf "$art"; mkdir -p "$art"
passed=0; failed=0; skipped=0
count() { # reads "...: N passed, N failed[, N skipped]" from the last matching line of a log
  local line; line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
  if grep -q skipped <<<"$line"; then skipped=$((skipped + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line"))); fi
}

echo "== 1/5 unit tests (jest)"
npx --no-install jest --ci --json --outputFile="$art/jest.json" 2>&1 | tee "$art/jest.log" | grep -Ev '^\s*$'
node -e '
  const r = require(process.argv[1]);
  console.log(`unit: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed, ${r.numPendingTests} skipped`);
' "$PWD/$art/jest.json" > "$art/unit.count" 2>/dev/null || echo "unit: 0 passed, 1 failed" > "$art/unit.count"
cat "$art/unit.count"; count "$art/unit.count"

source scripts/jupyter.sh
echo "== 2/5 kernel over the Jupyter protocol"
(cd test/kernel && "$RESLAB_PY" run.py) 2>&1 | grep -Ev "^Exception ignored|NoneType|^  File|^Traceback \(most recent call last\):$" | tee "$art/kernel.log"
count "$art/kernel.log"

echo "== 3/5 notebooks, headless, quick mode"
export RESLAB_RESULTS_DIR="$PWD/$art/results"   # fresh sweeps every test run
# Kernels that ran through the torch backend's cpu fallback (first use of each, any process).
export RESLAB_FALLBACK_LOG="$PWD/$art/fallbacks.log"; : > "$RESLAB_FALLBACK_LOG"
"$RESLAB_PY" scripts/run_notebooks.py --quick --out "$art/notebooks" notebooks/*.ipynb 2>&1 | tee "$art/notebooks.log"
count "$art/notebooks.log"
if grep -q "^built" native/torch-backend/build/STATUS 2>/dev/null && [ -z "${RESLAB_BACKEND:-}" ]; then
  # The notebooks ran on torch: every kernel they used must be native.
  if [ -s "$RESLAB_FALLBACK_LOG" ]; then
    echo "torch fallbacks: 0 passed, 1 failed (notebooks ran these kernels through the cpu fallback: $(sort -u "$RESLAB_FALLBACK_LOG" | tr '\n' ' '))" | tee "$art/fallbacks.count"
  else
    echo "torch fallbacks: 1 passed, 0 failed (the notebooks used no cpu fallback)" | tee "$art/fallbacks.count"
  fi
  count "$art/fallbacks.count"
fi
unset RESLAB_FALLBACK_LOG

# the reports as npm start writes them: minified plotly.js once per notebook, and the index
node scripts/report-index.js "$art/notebooks" > "$art/report-index.log" 2>&1
node test/browser/report-check.js "$art/notebooks" 2>&1 | tee "$art/report-check.log"
count "$art/report-check.log"

echo "== 4/5 notebook exports in headless Chromium"
for html in "$art"/notebooks/0*.html; do
  name=$(basename "$html" .html)
  node test/browser/plotly-render.js "$html" "$art/$name-plot.png" 2>&1 | tee "$art/browser-$name.log"
  count "$art/browser-$name.log"
done

echo "== 5/5 a live Jupyter Notebook server, driven through its UI in Chromium"
node test/browser/live-notebook.js "$art/live" 2>&1 | tee "$art/live.log"
count "$art/live.log"

if [ "${RESLAB_TEST_SLURM:-0}" = 1 ]; then
  # opt-in: installs and starts a one-node Slurm (writes /etc/slurm/slurm.conf), so not by default
  echo "== extra: examples/slurm-sweep.sbatch under a real Slurm (RESLAB_TEST_SLURM=1)"
  if bash scripts/slurm-smoke.sh 2>&1 | tee "$art/slurm.log" | grep -q "slurm smoke: OK"; then
    echo "slurm: 1 passed, 0 failed" > "$art/slurm.count"
  else
    echo "slurm: 0 passed, 1 failed" > "$art/slurm.count"
  fi
  cat "$art/slurm.count"; count "$art/slurm.count"
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
