#!/usr/bin/env bash
# Makes a Chromium available for the approvals inbox's browser tests
# (test/inbox/*.browser.test.ts drive it with playwright-core). Order: $CHROMIUM_PATH
# if set and executable; `chromium` on PATH; otherwise Debian's chromium
# package (apt-get, as root or through sudo).
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: the browser tests need Chromium and this machine has no apt-get." >&2
  echo "  Install Chromium and set CHROMIUM_PATH to its executable." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-chromium: installing Debian's chromium package needs root (or sudo)." >&2
    exit 1
  fi
  sudo="sudo"
fi
echo "install-chromium: installing Debian's chromium package (first time only)..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
command -v chromium >/dev/null 2>&1
