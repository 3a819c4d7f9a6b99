#!/usr/bin/env bash
# Shared by the main job and the tests: picks the Python that has Jupyter and installs the
# reslab kernelspec into a project-local Jupyter path (the user's own Jupyter is left alone).
# Source it: exports RESLAB_PY and JUPYTER_PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESLAB_PY=""
for cand in "${RESLAB_PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$cand" ] || continue
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import nbclient, nbconvert" 2>/dev/null; then
    RESLAB_PY=$(command -v "$cand"); break
  fi
done
export RESLAB_PY
local_prefix="$root/.jupyter-local"
node "$root/bin/reslab" install --prefix "$local_prefix" >/dev/null
export JUPYTER_PATH="$local_prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
