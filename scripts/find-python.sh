#!/usr/bin/env bash
# Source it: find_python MODULE... prints the first Python (RESLAB_PYTHON, Debian's
# /usr/bin/python3, then python3 on PATH) that imports every MODULE, or nothing.
find_python() {
  local cand imports
  imports=$(IFS=,; echo "$*")
  for cand in "${RESLAB_PYTHON:-}" /usr/bin/python3 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import $imports" 2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
}
