#!/usr/bin/env bash
# Installs everything Vigil needs on a fresh Debian/Ubuntu machine: the system packages (Chromium for
# captures and packets, fonts, PDF and crypto checkers) and the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# Electron's runtime is downloaded from the internet on first run; where that is impossible the app
# falls back to the loopback UI (`npm start` says so). Its type declarations still install.
export ELECTRON_SKIP_BINARY_DOWNLOAD="${ELECTRON_SKIP_BINARY_DOWNLOAD:-1}"

# chromium: captures, packets and the e2e tests; fonts-noto-core: Arabic and Cyrillic pages render;
# poppler-utils, qpdf, openssl, libnss3-tools: independent checks of PDFs, signatures and RFC 3161
# tokens; unzip/zip: bundle checks with standard tools; build-essential/python3: sqlite3 builds from source.
# postgresql: the tests start throwaway clusters with its initdb and server (team mode's database).
packages=(chromium fonts-noto-core fonts-dejavu-core poppler-utils qpdf openssl libnss3-tools unzip zip ca-certificates python3 make g++ postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v chromium >/dev/null || { echo "chromium is not on PATH after install" >&2; exit 1; }

npm ci --no-audit --no-fund
