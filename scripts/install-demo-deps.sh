#!/usr/bin/env bash
# Installs what `npm run demo` needs, and nothing the tests alone need: the repository's npm
# packages, libkrb5-dev (and a C++ toolchain if missing) for code-server's native modules, Node 24
# and code-server into ${XDG_CACHE_HOME:-~/.cache}/docent/test-tools (shared with the tests). No
# Chromium (open the printed URL in your own browser), no Vulkan packages, no llama-server (a
# 7.5-minute build that only the model-server tests use).
# `npm install` runs beside the tools' install: one mostly waits on the network and the disk while
# the other builds code-server's native modules, which takes minutes of CPU.
# Same environment variables as scripts/install-test-deps.sh; DOCENT_SKIP_NPM_INSTALL=1 skips npm install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NPM_PID=""
if [ "${DOCENT_SKIP_NPM_INSTALL:-}" != "1" ]; then
  NPM_LOG="$(mktemp)"
  trap 'rm -f "$NPM_LOG"' EXIT
  echo "==> npm install (the repository's packages), beside the tools' install"
  (
    t0=$SECONDS
    cd "$ROOT" && npm install --no-audit --no-fund >"$NPM_LOG" 2>&1
    echo "==> npm install done in $((SECONDS - t0))s"
  ) &
  NPM_PID=$!
fi
DOCENT_INSTALL_FOR=demo bash "$ROOT/scripts/install-test-deps.sh" "$@"
if [ -n "$NPM_PID" ]; then
  if ! wait "$NPM_PID"; then
    echo "ERROR: npm install failed:" >&2
    tail -30 "$NPM_LOG" >&2
    exit 1
  fi
fi
