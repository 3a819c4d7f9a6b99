#!/usr/bin/env bash
# Builds ResLab's libtorch backend (native/torch-backend) when libtorch is present.
#
# libtorch is found in the folder named by LIBTORCH (a libtorch zip from pytorch.org, CPU or
# CUDA: include/ and lib/ inside), else Debian's libtorch-dev (/usr/include/torch,
# /usr/lib/x86_64-linux-gnu). As root on Debian/Ubuntu a missing libtorch-dev is installed with
# apt-get (RESLAB_NO_TORCH=1 skips that). Without libtorch nothing fails: the backend is then
# absent, and the reason is written to native/torch-backend/build/STATUS for %backend to show.
#
# Skips the build when the addon is newer than its sources. Exits 0 in every case; the status
# file says what happened.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=native/torch-backend
status="$dir/build/STATUS"
addon="$dir/build/Release/reslab_torch.node"
mkdir -p "$dir/build"
say() { echo "$1" > "$status"; echo "reslab: $1" >&2; }

if [ "${RESLAB_NO_TORCH:-}" = 1 ]; then say "not built: RESLAB_NO_TORCH=1"; exit 0; fi

if [ -n "${LIBTORCH:-}" ]; then
  inc="$LIBTORCH/include"; lib="$LIBTORCH/lib"
  if [ ! -f "$inc/ATen/ATen.h" ] || [ ! -e "$lib/libc10.so" ]; then
    say "not built: LIBTORCH=$LIBTORCH has no include/ATen/ATen.h or lib/libc10.so (unzip a libtorch archive from pytorch.org there)"
    exit 0
  fi
else
  inc=/usr/include; lib=/usr/lib/x86_64-linux-gnu
  if [ ! -f "$inc/ATen/ATen.h" ] || [ ! -e "$lib/libtorch.so" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -n "$(apt-cache policy libtorch-dev 2>/dev/null | grep Candidate)" ]; then
      echo "reslab: installing libtorch-dev (Debian's libtorch, for the native backend)..." >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtorch-dev >&2 \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtorch-dev >&2; }
    fi
  fi
  if [ ! -f "$inc/ATen/ATen.h" ] || [ ! -e "$lib/libtorch.so" ]; then
    say "not built: libtorch not found. On Debian/Ubuntu: sudo apt-get install -y libtorch-dev; elsewhere unzip libtorch from pytorch.org and set LIBTORCH=/path/to/libtorch, then npm run build:native"
    exit 0
  fi
fi

# The C++ ABI libtorch was built with (pytorch.org ships both; Debian uses the cxx11 ABI).
abi=1
if command -v nm >/dev/null 2>&1 && [ "$(nm -D "$lib/libc10.so" 2>/dev/null | grep -c __cxx11)" = 0 ]; then abi=0; fi

newest_src=$(find "$dir/src" "$dir/binding.gyp" -newer "$addon" 2>/dev/null | head -n 1)
if [ -f "$addon" ] && [ -z "$newest_src" ] && grep -q "^built" "$status" 2>/dev/null \
   && grep -q "libtorch=$lib " "$status"; then
  exit 0
fi

gyp=""
for cand in "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" \
            "$PWD/node_modules/node-gyp/bin/node-gyp.js"; do
  [ -f "$cand" ] && { gyp="$cand"; break; }
done
if [ -z "$gyp" ]; then say "not built: node-gyp not found (it ships with npm; or npm i -g node-gyp)"; exit 0; fi
nodedir=()
# Node's headers from the system (Debian's nodejs / nodesource) so node-gyp downloads nothing.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/node_api.h" ] && nodedir=(--nodedir="$node_prefix")

echo "reslab: building the libtorch backend against $lib (C++11 ABI: $abi)..." >&2
log="$dir/build/build.log"
tmp=$(mktemp)
if (cd "$dir" && node "$gyp" rebuild "${nodedir[@]}" -j 2 -- \
      -Dlibtorch_include="$inc" -Dlibtorch_lib="$lib" -Dcxx11_abi="$abi") > "$tmp" 2>&1; then
  mkdir -p "$dir/build"; mv "$tmp" "$log"
  echo "built libtorch=$lib abi=$abi $(date -u +%FT%TZ)" > "$status"
  echo "reslab: libtorch backend built" >&2
else
  mkdir -p "$dir/build"; mv "$tmp" "$log"
  err=$(grep -m1 -E "error|Error" "$log" | cut -c1-300)
  say "not built: compiling the addon failed ($err); full log: $log"
fi
exit 0
