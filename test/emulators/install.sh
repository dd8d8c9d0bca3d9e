#!/usr/bin/env bash
# Installs the storage emulators the adapter and end-to-end tests start
# (azurite for Azure Blob Storage) from npm, pinned by package-lock.json.
# Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/azurite ]; then
  echo "installing azurite (npm)"
  npm ci --silent --no-audit --no-fund
fi
