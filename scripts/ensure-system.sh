#!/usr/bin/env bash
# Makes sure the system pieces ResLab's notebooks and tests need are present:
#   Jupyter (nbconvert, nbclient, jupyter_kernel_test), with --browser Chromium, and with --redis
#   redis-server (the sweep-queue tests start one on a loopback port).
# As root on Debian/Ubuntu it installs what is missing with apt-get; otherwise it says exactly
# what to install and exits 1.
set -euo pipefail
want_browser=0; want_redis=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --redis) want_redis=1 ;;
    *) echo "ensure-system.sh: unknown option $arg (use --browser, --redis)" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/find-python.sh"
py=$(find_python nbclient nbconvert jupyter_client jupyter_kernel_test)

missing_apt=()
[ -n "$py" ] || missing_apt+=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-kernel-test)
if [ "$want_browser" = 1 ] && [ ! -x "${RESLAB_CHROMIUM:-/usr/bin/chromium}" ]; then missing_apt+=(chromium); fi
if [ "$want_redis" = 1 ] && ! command -v "${RESLAB_REDIS_SERVER:-redis-server}" >/dev/null 2>&1; then missing_apt+=(redis-server); fi
# the cluster-example tests read the Kubernetes manifest with PyYAML
if [ "$want_redis" = 1 ] && ! python3 -c "import yaml" >/dev/null 2>&1; then missing_apt+=(python3-yaml); fi

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
  (set RESLAB_PYTHON to the python3 that has them, RESLAB_CHROMIUM to a Chromium binary and
   RESLAB_REDIS_SERVER to a redis-server binary)
MSG
    exit 1
  fi
fi
exit 0
