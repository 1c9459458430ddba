// 8-bit vectors: each vector's values mapped onto -127..127 between its own least and greatest
// value (an offset and a scale per vector), so a 384-dimension vector takes 384 bytes and 8 bytes
// of offset and scale instead of 1,536 bytes of float32. Affine rather than symmetric: a vector of
// values that are all positive (counts, as a bag-of-words embedder gives) gets twice the resolution.

/** How a vector's codes map back to its values: value = offset + code * scale (float32 arithmetic). */
export interface Int8Mapping {
  scale: number;
  offset: number;
}

/** Writes `v`'s int8 codes into `out` (its first v.length bytes) and returns how they map back. */
export function quantizeInto(v: Float32Array, out: Int8Array): Int8Mapping {
  let min = Infinity;
  let max = -Infinity;
  for (let d = 0; d < v.length; d++) {
    const x = v[d]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    out.fill(0, 0, v.length);
    return { scale: 0, offset: 0 };
  }
  const offset = Math.fround((max + min) / 2);
  const scale = Math.fround((max - min) / 254);
  if (!(scale > 0)) {
    out.fill(0, 0, v.length);
    return { scale: 0, offset };
  }
  for (let d = 0; d < v.length; d++) out[d] = Math.max(-127, Math.min(127, Math.round((v[d]! - offset) / scale)));
  // A vector that is already offset + codes times scale (one read back from a journal) gets that
  // same mapping, so that quantizing what dequantize gave is the identity (its floats bit for bit).
  // The offset is then the value at the smallest code less that code's share.
  let pivot = 0;
  for (let d = 1; d < v.length; d++) if (Math.abs(out[d]!) < Math.abs(out[pivot]!)) pivot = d;
  for (const s of [scale, nextFloat32(scale, 1), nextFloat32(scale, -1)]) {
    const o = Math.fround(v[pivot]! - Math.fround(out[pivot]! * s));
    for (const candidate of [o, nextFloat32(o, 1), nextFloat32(o, -1)]) if (reproduces(v, out, s, candidate)) return { scale: s, offset: candidate };
  }
  return { scale, offset };
}

/** Symmetric codes for a query (no offset: the scan's integer dot product needs none on this side); returns the scale. */
export function quantizeSymmetric(v: Float32Array, out: Int8Array): number {
  let max = 0;
  for (let d = 0; d < v.length; d++) max = Math.max(max, Math.abs(v[d]!));
  if (!(max > 0) || !Number.isFinite(max)) return 0;
  const scale = max / 127;
  for (let d = 0; d < v.length; d++) out[d] = Math.round(v[d]! / scale);
  return scale;
}

/** The float vector that int8 codes and their mapping stand for. */
export function dequantize(codes: Int8Array, { scale, offset }: Int8Mapping, dims = codes.length): Float32Array {
  const v = new Float32Array(dims);
  for (let d = 0; d < dims; d++) v[d] = Math.fround(offset + Math.fround(codes[d]! * scale));
  return v;
}

function reproduces(v: Float32Array, codes: Int8Array, scale: number, offset: number): boolean {
  for (let d = 0; d < v.length; d++) if (Math.fround(offset + Math.fround(codes[d]! * scale)) !== v[d]) return false;
  return true;
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
/** The float32 next to `x` in the direction of its magnitude (step 1) or towards zero (step -1). */
function nextFloat32(x: number, step: 1 | -1): number {
  f32[0] = x;
  if (f32[0] === 0) return x;
  f32Bits[0]! += step;
  return f32[0]!;
}
