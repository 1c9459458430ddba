// Small vector helpers shared by the embedders (in process and on a server).

/** Scales `v` in place to unit length (a zero vector stays zero) and returns it. */
export function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}
