#!/usr/bin/env bash
# Installs what `npm run demo` needs, and nothing the tests alone need: libkrb5-dev (and a C++
# toolchain if missing) for code-server's native module, Node 24 and code-server into
# ${XDG_CACHE_HOME:-~/.cache}/docent/test-tools (shared with the tests). No Chromium (open the
# printed URL in your own browser), no Vulkan packages, no llama-server (a 7.5-minute build that
# only the model-server tests use). Same environment variables as scripts/install-test-deps.sh.
set -euo pipefail
DOCENT_INSTALL_FOR=demo exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/install-test-deps.sh" "$@"
