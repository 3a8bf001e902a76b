#!/usr/bin/env bash
# Installs Debian's headless Chromium for the browser tests when it is missing.
# Needs root (CI and these machines run as root); elsewhere it says what to install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not installed: run 'sudo apt-get install chromium' for the browser tests" >&2
  exit 1
fi
echo "installing Debian's chromium for the browser tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
