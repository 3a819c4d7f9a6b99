#!/usr/bin/env bash
# Shared by the main job and the tests: picks the Python that has Jupyter and installs the
# reslab kernelspec into a project-local Jupyter path (the user's own Jupyter is left alone).
# Source it: exports RESLAB_PY and JUPYTER_PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/find-python.sh"
RESLAB_PY=$(find_python nbclient nbconvert)
export RESLAB_PY
local_prefix="$root/.jupyter-local"
node "$root/bin/reslab" install --prefix "$local_prefix" >/dev/null
export JUPYTER_PATH="$local_prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
