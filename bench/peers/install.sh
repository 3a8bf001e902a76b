#!/usr/bin/env bash
# Installs each peer into its own virtualenv under .peers/ (ignored by git), torch first.
#
# torch==2.13.0 goes in before the peer, from the CPU wheel that lies on disk: left to resolve
# torch itself as a peer's dependency, pip would fetch a multi-GB CUDA build.
# A stamp file naming the exact specs makes a second run a no-op; change a spec to reinstall.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3.11}"  # the wheel on disk is for CPython 3.11
TORCH="torch==2.13.0"
declare -A PEERS=([litserve]="litserve==0.2.19" [kserve]="kserve==0.21.0")

# pip, minus one warning per package about index folders that pip's configuration here names
# but that may not exist; its own exit status kept.
pip_install() {
  local venv=$1
  shift
  "$venv/bin/pip" install --quiet "$@" 2>&1 |
    { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2
  return "${PIPESTATUS[0]}"
}

for name in "${!PEERS[@]}"; do
  venv="$ROOT/.peers/$name"
  wanted="$TORCH ${PEERS[$name]}"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$wanted" ]; then
    continue
  fi
  echo "installing ${PEERS[$name]} (with $TORCH) into $venv" >&2
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  pip_install "$venv" --upgrade pip
  # Only the wheel on disk (pip's find-links here), never an index: an index's torch for this
  # platform is the CUDA build, and a Python other than 3.11 has no wheel on disk either.
  if ! pip_install "$venv" --no-index --no-deps "$TORCH"; then
    echo "no CPU wheel of $TORCH on disk for $("$venv/bin/python" -V); not downloading one" >&2
    exit 1
  fi
  # torch's own dependencies, and the peer; the torch pin again, so nothing can move it.
  pip_install "$venv" "$TORCH" "${PEERS[$name]}"
  installed="$("$venv/bin/pip" show torch | sed -n 's/^Version: //p')"
  if [ "$installed" != "2.13.0+cpu" ]; then
    echo "$venv has torch $installed, not 2.13.0+cpu" >&2
    exit 1
  fi
  echo "$wanted" >"$venv/.installed"
done
