// Dense-layer kernels for fit()'s host path, compiled by AssemblyScript to WebAssembly with 128-bit
// SIMD (scripts/build-wasm.mjs). Pointers are byte offsets into the instance's memory; all f32.

// acc + x·y: one fused multiply-add in the relaxed-SIMD build (where the runtime has it, e.g.
// Chrome ≥ 114; x86 lowers it to vfmadd when the CPU has FMA), a multiply and an add otherwise.
@inline function madd(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** C(i, j) (+)= Σ_p A(i, p)·B(p, j) [+ bias(j)]; A(i, p) at a + 4·(i·rsA + p·csA), B and C row-major. */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
  bias: usize, accumulate: i32,
): void {
  const sa = <usize>csA << 2;
  const sb = <usize>ldb << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + (<usize>(i * rsA) << 2);
    const a1 = a0 + (<usize>rsA << 2);
    const a2 = a1 + (<usize>rsA << 2);
    const a3 = a2 + (<usize>rsA << 2);
    const c0 = c + (<usize>(i * ldc) << 2);
    const c1 = c0 + (<usize>ldc << 2);
    const c2 = c1 + (<usize>ldc << 2);
    const c3 = c2 + (<usize>ldc << 2);
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>j << 2;
      let x00 = f32x4.splat(0), x01 = f32x4.splat(0);
      let x10 = f32x4.splat(0), x11 = f32x4.splat(0);
      let x20 = f32x4.splat(0), x21 = f32x4.splat(0);
      let x30 = f32x4.splat(0), x31 = f32x4.splat(0);
      let pb = b + jo;
      let pa = <usize>0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(a0 + pa);
        x00 = madd(x00, s, b0); x01 = madd(x01, s, b1);
        s = v128.load32_splat(a1 + pa);
        x10 = madd(x10, s, b0); x11 = madd(x11, s, b1);
        s = v128.load32_splat(a2 + pa);
        x20 = madd(x20, s, b0); x21 = madd(x21, s, b1);
        s = v128.load32_splat(a3 + pa);
        x30 = madd(x30, s, b0); x31 = madd(x31, s, b1);
        pb += sb;
        pa += sa;
      }
      if (bias) {
        const q0 = v128.load(bias + jo), q1 = v128.load(bias + jo, 16);
        x00 = f32x4.add(x00, q0); x01 = f32x4.add(x01, q1);
        x10 = f32x4.add(x10, q0); x11 = f32x4.add(x11, q1);
        x20 = f32x4.add(x20, q0); x21 = f32x4.add(x21, q1);
        x30 = f32x4.add(x30, q0); x31 = f32x4.add(x31, q1);
      }
      if (accumulate) {
        x00 = f32x4.add(x00, v128.load(c0 + jo)); x01 = f32x4.add(x01, v128.load(c0 + jo, 16));
        x10 = f32x4.add(x10, v128.load(c1 + jo)); x11 = f32x4.add(x11, v128.load(c1 + jo, 16));
        x20 = f32x4.add(x20, v128.load(c2 + jo)); x21 = f32x4.add(x21, v128.load(c2 + jo, 16));
        x30 = f32x4.add(x30, v128.load(c3 + jo)); x31 = f32x4.add(x31, v128.load(c3 + jo, 16));
      }
      v128.store(c0 + jo, x00); v128.store(c0 + jo, x01, 16);
      v128.store(c1 + jo, x10); v128.store(c1 + jo, x11, 16);
      v128.store(c2 + jo, x20); v128.store(c2 + jo, x21, 16);
      v128.store(c3 + jo, x30); v128.store(c3 + jo, x31, 16);
    }
    for (; j < n; j++) {
      let y0: f32 = 0, y1: f32 = 0, y2: f32 = 0, y3: f32 = 0;
      let pb = b + (<usize>j << 2);
      let pa = <usize>0;
      for (let p = 0; p < k; p++) {
        const q = load<f32>(pb);
        y0 += load<f32>(a0 + pa) * q; y1 += load<f32>(a1 + pa) * q;
        y2 += load<f32>(a2 + pa) * q; y3 += load<f32>(a3 + pa) * q;
        pb += sb; pa += sa;
      }
      if (bias) { const q = load<f32>(bias + (<usize>j << 2)); y0 += q; y1 += q; y2 += q; y3 += q; }
      const jo = <usize>j << 2;
      if (accumulate) {
        y0 += load<f32>(c0 + jo); y1 += load<f32>(c1 + jo); y2 += load<f32>(c2 + jo); y3 += load<f32>(c3 + jo);
      }
      store<f32>(c0 + jo, y0); store<f32>(c1 + jo, y1); store<f32>(c2 + jo, y2); store<f32>(c3 + jo, y3);
    }
  }
  for (; i < m; i++) {
    const a0 = a + (<usize>(i * rsA) << 2);
    const c0 = c + (<usize>(i * ldc) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const jo = <usize>j << 2;
      let x = f32x4.splat(0);
      let pb = b + jo;
      let pa = <usize>0;
      for (let p = 0; p < k; p++) {
        x = madd(x, v128.load32_splat(a0 + pa), v128.load(pb));
        pb += sb; pa += sa;
      }
      if (bias) x = f32x4.add(x, v128.load(bias + jo));
      if (accumulate) x = f32x4.add(x, v128.load(c0 + jo));
      v128.store(c0 + jo, x);
    }
    for (; j < n; j++) {
      let y: f32 = 0;
      let pb = b + (<usize>j << 2);
      let pa = <usize>0;
      for (let p = 0; p < k; p++) { y += load<f32>(a0 + pa) * load<f32>(pb); pb += sb; pa += sa; }
      const jo = <usize>j << 2;
      if (bias) y += load<f32>(bias + jo);
      if (accumulate) y += load<f32>(c0 + jo);
      store<f32>(c0 + jo, y);
    }
  }
}

/** dst[cols × rows] = srcᵀ for a row-major src[rows × cols] (packs Wᵀ for the input gradient). */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeStrided(rows, cols, src, cols, dst, rows);
}

/** dst[j·dstStride + i] = src[i·srcStride + j] for i < rows, j < cols, by 4 × 4 blocks. */
export function transposeStrided(rows: i32, cols: i32, src: usize, srcStride: i32, dst: usize, dstStride: i32): void {
  const rs = <usize>srcStride << 2;
  const ds = <usize>dstStride << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const s0 = src + <usize>i * rs;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const jo = <usize>j << 2;
      const r0 = v128.load(s0 + jo), r1 = v128.load(s0 + rs + jo);
      const r2 = v128.load(s0 + 2 * rs + jo), r3 = v128.load(s0 + 3 * rs + jo);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d0 = dst + <usize>j * ds + (<usize>i << 2);
      v128.store(d0, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(d0 + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(d0 + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(d0 + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (; j < cols; j++)
      for (let q = 0; q < 4; q++)
        store<f32>(dst + <usize>j * ds + (<usize>(i + q) << 2), load<f32>(s0 + <usize>q * rs + (<usize>j << 2)));
  }
  for (; i < rows; i++) {
    const s = src + <usize>i * rs;
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * ds + (<usize>i << 2), load<f32>(s + (<usize>j << 2)));
  }
}

/** dst[cols] = Σ_rows src[rows × cols] (the bias gradient). */
export function columnSums(rows: i32, cols: i32, src: usize, dst: usize): void {
  const rs = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let acc = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++) { acc = f32x4.add(acc, v128.load(p)); p += rs; }
    v128.store(dst + (<usize>j << 2), acc);
  }
  for (; j < cols; j++) {
    let acc: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++) { acc += load<f32>(p); p += rs; }
    store<f32>(dst + (<usize>j << 2), acc);
  }
}
