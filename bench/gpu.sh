#!/usr/bin/env bash
# The GPU device check, one command (under 10 minutes on a machine with an NVIDIA GPU):
#   bench/gpu.sh                 Qwen2.5 0.5B-shaped twin (F16, ~1 GB), CPU, CUDA and Vulkan
#   SHAPE=qwen2.5-1.5b bench/gpu.sh   the 1.5B shapes (~3 GB)
#   SHAPE=small bench/gpu.sh     a small twin: the CPU-only check for machines without a GPU
# It writes a random-weight twin with the real family's shapes (bench/gpuTwin.ts), then for each
# backend (one process each) reports tokens/s and time to first token of raw node-llama-cpp and
# of Docent's answer stage on the same prompts, and the first answer token with Docent's default
# settings (then a follow-up's, over the same sources). A backend that cannot run (no binary, no device)
# is reported as such: on a machine without a GPU only the CPU row has figures.
# Env: SHAPE, QUESTIONS (3), ANSWER_TOKENS (128), BACKENDS ("cpu cuda vulkan"), TWIN_DIR (/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
SHAPE="${SHAPE:-qwen2.5-0.5b}"
QUESTIONS="${QUESTIONS:-3}"
ANSWER_TOKENS="${ANSWER_TOKENS:-128}"
BACKENDS="${BACKENDS:-cpu cuda vulkan}"
TWIN="${TWIN_DIR:-${TMPDIR:-/tmp}}/docent-gpu-twin-$SHAPE.gguf"
OUT="bench/results/gpu-$SHAPE-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
T0=$(date +%s)

[ -f out/bench/gpuBench.js ] && [ "${REBUILD:-1}" = "0" ] || npx tsc -p tsconfig.test.json
mkdir -p bench/results
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)$(command -v nvidia-smi >/dev/null && echo ", $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)" || echo ", no nvidia-smi")"
echo "== twin: $SHAPE"
node out/bench/gpuTwinWrite.js --shape "$SHAPE" --out "$TWIN" | tee "$OUT"
for b in $BACKENDS; do
  echo "== $b"
  # One backend per process; a crash or hang of one backend does not stop the others.
  # Bounds that keep the whole check under 10 minutes: CPU 240 s, each GPU backend 150 s.
  limit=150; [ "$b" = cpu ] && limit=240
  timeout "$limit" node out/bench/gpuBench.js --model "$TWIN" --backend "$b" --questions "$QUESTIONS" --answer-tokens "$ANSWER_TOKENS" | tail -1 | tee -a "$OUT" ||
    echo "{\"backend\":\"$b\",\"available\":false,\"why\":\"exited with an error or ran over 240 s\"}" | tee -a "$OUT"
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.backend);
const cpu = rows.find((r) => r.backend === "cpu" && r.available);
console.log("\n| backend | device | layers on GPU | raw tok/s | raw TTFT ms | Docent answer tok/s | Docent TTFT ms | Docent/raw | vs CPU | first answer token, defaults (prompt tokens) | follow-up (held) |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  if (!r.available) { console.log(`| ${r.backend} | not available: ${r.why} | | | | | | | | | |`); continue; }
  const threads = r.read_threads && r.read_threads !== r.threads ? `${r.read_threads} reading, ${r.threads} writing` : `${r.threads}`;
  const dev = r.backend === "cpu" ? `CPU, ${threads} threads` : r.devices.join(", ");
  const speedup = cpu ? (r.raw_tps / cpu.raw_tps).toFixed(1) + "x" : "";
  const first = `${r.first_token_ms} ms (${r.first_token_prompt_tokens})`;
  const followUp = `${r.followup_first_token_ms} ms (${r.followup_held_tokens} of ${r.followup_prompt_tokens})`;
  console.log(`| ${r.backend} | ${dev} | ${r.gpu_layers}/${r.total_layers} | ${r.raw_tps} | ${r.raw_ttft_ms} | ${r.docent_tps} | ${r.docent_ttft_ms} | ${r.docent_vs_raw} | ${speedup} | ${first} | ${followUp} |`);
}
console.log(`\nprompt ~${cpu?.prompt_tokens ?? "?"} tokens, ${cpu?.answer_tokens ?? "?"} answer tokens, ${cpu?.questions ?? "?"} questions per backend`);
' "$OUT"
echo "== $(( $(date +%s) - T0 )) s in all; figures in $OUT"
