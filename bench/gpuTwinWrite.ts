// Writes the GPU benchmark's twin once (bench/gpu.sh): node out/bench/gpuTwinWrite.js --shape qwen2.5-0.5b --out file.gguf
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { TWIN_SHAPES, writeTwin } from "./gpuTwin.js";

const { values } = parseArgs({ options: { shape: { type: "string", default: "qwen2.5-0.5b" }, out: { type: "string" } } });
const shape = TWIN_SHAPES[values.shape!];
if (!shape) throw new Error(`unknown shape ${values.shape}; one of ${Object.keys(TWIN_SHAPES).join(", ")}`);
const file = values.out!;
const t0 = performance.now();
const bytes = existsSync(file) ? statSync(file).size : await writeTwin(shape, file);
console.log(JSON.stringify({ shape: values.shape, file, gb: Math.round((bytes / 1e9) * 100) / 100, write_s: Math.round((performance.now() - t0) / 100) / 10 }));
