#!/usr/bin/env bash
# Makes sure the system pieces ResLab's notebooks and tests need are present:
#   Jupyter (nbconvert, nbclient, jupyter_kernel_test) and, with --browser, Chromium.
# As root on Debian/Ubuntu it installs what is missing with apt-get; otherwise it says exactly
# what to install and exits 1.
set -euo pipefail
want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

source "$(dirname "$0")/find-python.sh"
py=$(find_python nbclient nbconvert jupyter_client jupyter_kernel_test)

missing_apt=()
[ -n "$py" ] || missing_apt+=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test)
if [ "$want_browser" = 1 ] && [ ! -x "${RESLAB_CHROMIUM:-/usr/bin/chromium}" ]; then missing_apt+=(chromium); fi

if [ "${#missing_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "reslab: installing system packages: ${missing_apt[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing_apt[@]}" >&2
  else
    cat >&2 <<MSG
reslab: missing system packages: ${missing_apt[*]}
  On Debian/Ubuntu:  sudo apt-get install -y ${missing_apt[*]}
  With pip instead:  pip install notebook nbconvert nbclient jupyter_kernel_test
  (set RESLAB_PYTHON to the python3 that has them, and RESLAB_CHROMIUM to a Chromium binary)
MSG
    exit 1
  fi
fi
exit 0
