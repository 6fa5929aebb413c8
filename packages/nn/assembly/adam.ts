// Adam/AdamW with optional adaptive gradient clipping over a row-major [n / units, units] array,
// vectorised along units (the clipping unit is a column, as in src/kernels/adam_kernel.ts).

/**
 * w ← decay·w − step·m'/(√v' + eps), m' = β1·m + (1 − β1)·ĝ, v' = β2·v + (1 − β2)·ĝ², all in
 * place, where ĝ is g scaled per unit so ‖ĝ_j‖ ≤ agc·max(‖w_j‖, agcEps) when agc > 0.
 * `scale` holds `units` floats of scratch (unused when agc = 0).
 */
export function adamUpdate(
  n: i32, units: i32,
  w: usize, g: usize, m: usize, v: usize,
  beta1: f32, beta2: f32, step: f32, eps: f32, decay: f32,
  agc: f32, agcEps: f32, scale: usize,
): void {
  const rows = n / units;
  const rs = <usize>units << 2;
  if (agc > 0) {
    for (let j = 0; j < units; j++) {
      let wn: f32 = 0, gn: f32 = 0;
      let o = <usize>j << 2;
      for (let r = 0; r < rows; r++) {
        const wi = load<f32>(w + o), gi = load<f32>(g + o);
        wn += wi * wi; gn += gi * gi;
        o += rs;
      }
      const maxNorm = max(sqrt<f32>(wn), agcEps) * agc;
      const norm = sqrt<f32>(gn);
      store<f32>(scale + (<usize>j << 2), norm < maxNorm ? 1 : maxNorm / max(norm, <f32>1e-6));
    }
  }
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(1 - beta2);
  const st = f32x4.splat(step), ep = f32x4.splat(eps), dc = f32x4.splat(decay);
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r * rs;
    let j = 0;
    for (; j + 4 <= units; j += 4) {
      const o = ro + (<usize>j << 2);
      let gi = v128.load(g + o);
      if (agc > 0) gi = f32x4.mul(gi, v128.load(scale + (<usize>j << 2)));
      const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gi));
      const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gi, gi)));
      v128.store(m + o, mi);
      v128.store(v + o, vi);
      const upd = f32x4.div(f32x4.mul(st, mi), f32x4.add(f32x4.sqrt(vi), ep));
      v128.store(w + o, f32x4.sub(f32x4.mul(dc, v128.load(w + o)), upd));
    }
    for (; j < units; j++) {
      const o = ro + (<usize>j << 2);
      let gi = load<f32>(g + o);
      if (agc > 0) gi *= load<f32>(scale + (<usize>j << 2));
      const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
      const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      store<f32>(w + o, decay * load<f32>(w + o) - (step * mi) / (sqrt<f32>(vi) + eps));
    }
  }
}
