#!/usr/bin/env bash
# Installs the npm packages the tests use, each folder's package.json pinned
# by its package-lock.json, when they are missing or out of date:
#   e2e/testdata  the official Standard Webhooks library for Node (receivers)
#   web/testdata  axe-core, which the browser tests inject into every page
set -euo pipefail
cd "$(dirname "$0")/.."
install() { # folder, a package it must contain
	local dir=$1 pkg=$2 stamp=$1/node_modules/.package-lock.json
	if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ] && [ -d "$dir/node_modules/$pkg" ]; then return; fi
	command -v npm >/dev/null 2>&1 || { echo "test: npm is required (apt-get install npm)" >&2; exit 1; }
	echo "test: installing the npm packages in $dir/node_modules" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
}
install e2e/testdata standardwebhooks
install web/testdata axe-core
