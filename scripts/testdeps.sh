#!/usr/bin/env bash
# Installs the npm packages the tests' receivers use (e2e/testdata's
# package.json, pinned by its package-lock.json) when they are missing or
# out of date: the official Standard Webhooks library for Node.
set -euo pipefail
cd "$(dirname "$0")/../e2e/testdata"
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ -d node_modules/standardwebhooks ]; then exit 0; fi
command -v npm >/dev/null 2>&1 || { echo "test: npm is required (apt-get install npm)" >&2; exit 1; }
echo "test: installing the receivers' npm packages into e2e/testdata/node_modules" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
