#!/usr/bin/env bash
# Builds llama.cpp's OpenAI-compatible `llama-server` from the llama.cpp source that node-llama-cpp
# ships (node_modules/node-llama-cpp/llama/gitRelease.bundle), offline, with the Debian cmake and g++.
# The build is cached OUTSIDE the clone, keyed by the llama.cpp release node-llama-cpp pins plus the
# bundle's commit, so a fresh CI clone on the same machine reuses it (7.5 min on 2 cores otherwise).
#
#   $TOOLS/llama-server/<release>-<commit12>/bin/llama-server   (+ its shared libraries in bin/)
#
# Env: DOCENT_TOOLS_DIR (default ${XDG_CACHE_HOME:-~/.cache}/docent/test-tools),
#      LLAMA_SERVER_JOBS (default: cores - 0, at least 1), LLAMA_SERVER_NICE (default 15).
# Prints the binary's path on its last line as `LLAMA_SERVER=<path>`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${DOCENT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/docent/test-tools}"
NLC="$ROOT/node_modules/node-llama-cpp/llama"
BUNDLE="$NLC/gitRelease.bundle"
JOBS="${LLAMA_SERVER_JOBS:-$(nproc 2>/dev/null || echo 2)}"
NICE="${LLAMA_SERVER_NICE:-15}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
T0=$(now)

[ -f "$BUNDLE" ] || { echo "ERROR: $BUNDLE missing (run npm ci first)" >&2; exit 1; }
command -v cmake >/dev/null 2>&1 || { echo "ERROR: cmake not found (apt-get install cmake)" >&2; exit 1; }
command -v g++ >/dev/null 2>&1 || { echo "ERROR: g++ not found (apt-get install g++)" >&2; exit 1; }

RELEASE="$(node -e 'try{process.stdout.write(String(require(process.argv[1]).tag||"unknown"))}catch{process.stdout.write("unknown")}' "$NLC/llama.cpp.info.json")"
COMMIT="$(git bundle list-heads "$BUNDLE" | awk '$2=="HEAD"{print substr($1,1,12)}' | head -1)"
[ -n "$COMMIT" ] || COMMIT="$(git bundle list-heads "$BUNDLE" | awk '{print substr($1,1,12); exit}')"
KEY="${RELEASE}-${COMMIT}"
DEST="$TOOLS/llama-server/$KEY"
BIN="$DEST/bin/llama-server"
mkdir -p "$TOOLS"
[ -f "$TOOLS/.gitignore" ] || printf '*\n' >"$TOOLS/.gitignore"

# The shared libraries sit beside the binary; builds before the $ORIGIN rpath need the path set.
runs() { LD_LIBRARY_PATH="$DEST/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$BIN" --version >/dev/null 2>&1; }

if [ -x "$BIN" ] && [ -f "$DEST/.docent-built" ] && runs; then
  echo "    llama-server already built: $KEY ($(cat "$DEST/.docent-built"))"
  echo "LLAMA_SERVER=$BIN"
  exit 0
fi

# One build at a time per key (two clones installing at once would otherwise race in one folder).
mkdir -p "$TOOLS/llama-server"
exec 9>"$TOOLS/llama-server/.build-$KEY.lock"
flock 9
if [ -x "$BIN" ] && [ -f "$DEST/.docent-built" ]; then
  echo "    llama-server built meanwhile by another run: $KEY"
  echo "LLAMA_SERVER=$BIN"
  exit 0
fi

WORK="$TOOLS/llama-server/.work-$KEY"
rm -rf "$WORK" "$DEST"
mkdir -p "$WORK"
echo "    cloning the bundle ($RELEASE, $COMMIT)"
git -c advice.detachedHead=false clone -q "$BUNDLE" "$WORK/src"
echo "    configuring (jobs=$JOBS, nice=$NICE)"
( cd "$WORK" && nice -n "$NICE" cmake -S src -B build -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DCMAKE_BUILD_TYPE=Release \
    '-DCMAKE_INSTALL_RPATH=$ORIGIN' -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON >"$WORK/configure.log" 2>&1 ) ||
  { tail -30 "$WORK/configure.log" >&2; echo "ERROR: cmake configure failed (log: $WORK/configure.log)" >&2; exit 1; }
echo "    building llama-server (several minutes on 2 cores)"
( cd "$WORK" && nice -n "$NICE" cmake --build build --target llama-server -j"$JOBS" >"$WORK/build.log" 2>&1 ) ||
  { tail -30 "$WORK/build.log" >&2; echo "ERROR: llama-server build failed (log: $WORK/build.log)" >&2; exit 1; }
mkdir -p "$DEST"
# bin/ holds llama-server and the shared libraries it loads from its own folder (rpath $ORIGIN).
cp -a "$WORK/build/bin" "$DEST/bin"
# Checked after the build folder is gone: it must run from its own folder alone.
rm -rf "$WORK/build"
runs || { echo "ERROR: built llama-server does not run from $DEST/bin" >&2; exit 1; }
SECS="$(elapsed "$T0")"
printf 'built in %ss with -j%s on %s cores, %s\n' "$SECS" "$JOBS" "$(nproc 2>/dev/null || echo '?')" "$(date -u +%FT%TZ)" >"$DEST/.docent-built"
rm -rf "$WORK"
echo "    llama-server built in ${SECS}s: $KEY"
echo "LLAMA_SERVER=$BIN"
