// 8-bit vectors: each vector scaled by its own largest magnitude so that it spans -127..127.
// A 384-dimension vector takes 384 bytes and a 4-byte scale instead of 1,536 bytes of float32.

/** Writes `v`'s int8 codes into `out` (its first v.length bytes) and returns the scale that maps them back. */
export function quantizeInto(v: Float32Array, out: Int8Array): number {
  let max = 0;
  for (let d = 0; d < v.length; d++) {
    const a = Math.abs(v[d]!);
    if (a > max) max = a;
  }
  if (!(max > 0) || !Number.isFinite(max)) {
    out.fill(0, 0, v.length);
    return 0;
  }
  const scale = Math.fround(max / 127);
  for (let d = 0; d < v.length; d++) out[d] = Math.max(-127, Math.min(127, Math.round(v[d]! / scale)));
  // A vector that is already codes times a float32 scale (one read back from a journal) gets that
  // same scale, so that quantizing what dequantize gave is the identity (its floats bit for bit).
  for (const candidate of [scale, nextFloat32(scale, 1), nextFloat32(scale, -1)]) if (reproduces(v, out, candidate)) return candidate;
  return scale;
}

function reproduces(v: Float32Array, codes: Int8Array, scale: number): boolean {
  for (let d = 0; d < v.length; d++) if (Math.fround(codes[d]! * scale) !== v[d]) return false;
  return true;
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
/** The float32 next to a positive float32 `x`, upwards (step 1) or downwards (step -1). */
function nextFloat32(x: number, step: 1 | -1): number {
  f32[0] = x;
  f32Bits[0]! += step;
  return f32[0]!;
}

/** The float vector that int8 codes and their scale stand for. */
export function dequantize(codes: Int8Array, scale: number, dims = codes.length): Float32Array {
  const v = new Float32Array(dims);
  for (let d = 0; d < dims; d++) v[d] = codes[d]! * scale;
  return v;
}
