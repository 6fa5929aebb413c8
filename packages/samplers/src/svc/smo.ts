// A binary C-SVC dual solver: SMO-type decomposition with libsvm's second-order working-set
// selection (Fan, Chen & Lin 2005; Chang & Lin 2011), without shrinking or a kernel cache (the
// kernel matrix is precomputed). Minimises ½ αᵀQα − eᵀα, 0 ≤ α ≤ C, yᵀα = 0, Q_ab = y_a y_b K_ab.

const TAU = 1e-12;

/** A solved binary machine: `f(x) = Σ_a y_a α_a K(x_a, x) − ρ`. */
export interface BinarySolution {
  alpha: Float64Array;
  rho: number;
  iterations: number;
  /** Whether the KKT gap fell below the tolerance within the iteration budget. */
  converged: boolean;
}

/**
 * Solves one binary problem on rows `index` of the kernel matrix `K` (`n × n`, row-major).
 * `y[a] ∈ {+1, −1}` for the a-th of those rows.
 */
export function solveBinary(
  K: Float64Array,
  n: number,
  index: Int32Array,
  y: Int8Array,
  C: number,
  tolerance: number,
  maxIterations: number,
): BinarySolution {
  const m = index.length;
  const alpha = new Float64Array(m);
  const G = new Float64Array(m).fill(-1); // ∇ = Qα − e at α = 0
  const QD = new Float64Array(m);
  for (let a = 0; a < m; a++) QD[a] = K[(index[a] as number) * n + (index[a] as number)] as number;
  const q = (a: number, b: number) =>
    (y[a] as number) * (y[b] as number) * (K[(index[a] as number) * n + (index[b] as number)] as number);
  const upper = (a: number) => (alpha[a] as number) >= C;
  const lower = (a: number) => (alpha[a] as number) <= 0;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    // Working set: i maximises −y G over I_up; j minimises the second-order objective decrease.
    let gmax = Number.NEGATIVE_INFINITY;
    let i = -1;
    for (let t = 0; t < m; t++) {
      if (y[t] === 1) {
        if (!upper(t) && -(G[t] as number) >= gmax) {
          gmax = -(G[t] as number);
          i = t;
        }
      } else if (!lower(t) && (G[t] as number) >= gmax) {
        gmax = G[t] as number;
        i = t;
      }
    }
    let gmax2 = Number.NEGATIVE_INFINITY;
    let j = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let t = 0; t < m; t++) {
      if (y[t] === 1) {
        if (!lower(t)) {
          const diff = gmax + (G[t] as number);
          if ((G[t] as number) >= gmax2) gmax2 = G[t] as number;
          if (diff > 0 && i >= 0) {
            const quad = (QD[i] as number) + (QD[t] as number) - 2 * (y[i] as number) * q(i, t);
            const obj = -(diff * diff) / (quad > 0 ? quad : TAU);
            if (obj <= best) {
              j = t;
              best = obj;
            }
          }
        }
      } else if (!upper(t)) {
        const diff = gmax - (G[t] as number);
        if (-(G[t] as number) >= gmax2) gmax2 = -(G[t] as number);
        if (diff > 0 && i >= 0) {
          const quad = (QD[i] as number) + (QD[t] as number) + 2 * (y[i] as number) * q(i, t);
          const obj = -(diff * diff) / (quad > 0 ? quad : TAU);
          if (obj <= best) {
            j = t;
            best = obj;
          }
        }
      }
    }
    if (gmax + gmax2 < tolerance || i < 0 || j < 0) {
      converged = true;
      break;
    }
    iterations++;
    const oldI = alpha[i] as number;
    const oldJ = alpha[j] as number;
    const qij = q(i, j);
    let ai = oldI;
    let aj = oldJ;
    if (y[i] !== y[j]) {
      let quad = (QD[i] as number) + (QD[j] as number) + 2 * qij;
      if (quad <= 0) quad = TAU;
      const delta = (-(G[i] as number) - (G[j] as number)) / quad;
      const diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > 0) {
        if (ai > C) {
          ai = C;
          aj = C - diff;
        }
      } else if (aj > C) {
        aj = C;
        ai = C + diff;
      }
    } else {
      let quad = (QD[i] as number) + (QD[j] as number) - 2 * qij;
      if (quad <= 0) quad = TAU;
      const delta = ((G[i] as number) - (G[j] as number)) / quad;
      const sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > C) {
        if (ai > C) {
          ai = C;
          aj = sum - C;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > C) {
        if (aj > C) {
          aj = C;
          ai = sum - C;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;
    const di = ai - oldI;
    const dj = aj - oldJ;
    for (let t = 0; t < m; t++) G[t] = (G[t] as number) + q(i, t) * di + q(j, t) * dj;
  }
  // ρ: the mean of y G over free variables, else the midpoint of the feasible interval.
  let free = 0;
  let sumFree = 0;
  let ub = Number.POSITIVE_INFINITY;
  let lb = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < m; t++) {
    const yG = (y[t] as number) * (G[t] as number);
    if (upper(t)) {
      if (y[t] === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (lower(t)) {
      if (y[t] === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      free++;
      sumFree += yG;
    }
  }
  const rho = free > 0 ? sumFree / free : (ub + lb) / 2;
  return { alpha, rho, iterations, converged };
}
