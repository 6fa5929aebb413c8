import { assertBoolean, assertNumber, checkOptions, optionKeys, ShapeError } from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { clipGradients, clipGradientsHost, type GradientClipping } from './clipping.js';
import {
  type AdamKernelAttrs,
  adamUpdate,
  ensureAdamKernel,
  type HostAdamKernels,
  typescriptAdamKernels,
} from './kernels/adam_kernel.js';
import { constantSchedule, type Schedule } from './schedules.js';

/** A snapshot of an optimiser's state (owned by whoever took it). */
export interface OptimizerState {
  /** Updates applied when the state was taken. */
  step: number;
  /** Copies of the first and second moments, per variable. */
  slots: Map<tf.Variable, tf.Tensor[]>;
}

/** What `fit()` needs from an optimiser. */
export interface Optimizer {
  /** Updates applied so far. */
  readonly step: number;
  /** The learning rate of the next update. */
  currentLearningRate(): number;
  /** One update of `variables` from `gradients` (same order). Does not dispose the gradients. */
  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void;
  /** A copy of the state, for restoring after a failed stretch of training. */
  getState(): OptimizerState;
  /** Restores a state from {@link Optimizer.getState} (the state is copied, not taken). */
  setState(state: OptimizerState): void;
  /** Frees the moment estimates. */
  dispose(): void;
  /**
   * A plain-TypeScript twin of this optimiser over host copies of `variables`, for `fit()`'s host
   * path (tiny networks on wasm/cpu). Optional: without it, fit() stays on the device.
   * @param kernels where the updater keeps its state and runs the update (fit() lends its
   *   WebAssembly kernels where the runtime has them). Default: TypeScript arrays and loops.
   */
  hostUpdater?(variables: readonly tf.Variable[], kernels?: HostAdamKernels): HostUpdater;
}

/** What {@link Optimizer.hostUpdater} returns. */
export interface HostUpdater {
  /** One update of `params` in place from `grads` (which clipping may rescale in place). */
  update(params: Float32Array[], grads: Float32Array[]): void;
  /** Writes the host-side moment estimates back to the optimiser's device state. */
  sync(): void;
}

/** Options of {@link adam}. */
export interface AdamOptions {
  /** A rate or a {@link Schedule}. Default 1e-3. */
  learningRate?: number | Schedule;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Added to `√v̂`. Default 1e-8. */
  epsilon?: number;
  /** Gradient clipping before the update. Default none. */
  clip?: GradientClipping;
  /**
   * Use the fused one-kernel update where the backend supports it (wasm, cpu); otherwise, or when
   * false, the update is composed from tfjs ops. Results agree to float32 rounding. Default true.
   */
  fused?: boolean;
}

/** Options of {@link adamw}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ: `w ← w − lr·λ·w` besides the Adam step. Default 1e-2 (PyTorch's). */
  weightDecay?: number;
}

/** First and second moments of one variable. */
interface Slots {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam, one variable at a time with the hyper-parameters held as device scalars (a JS number
 * passed to a tfjs op is uploaded as a new tensor on every call). Flattening all variables into
 * one vector was measured slower on wasm: a slice or concat costs more there than it saves.
 */
class AdamOptimizer implements Optimizer {
  private t = 0;
  private readonly slots = new Map<tf.Variable, Slots>();
  private readonly schedule: Schedule;
  private readonly constants: { b1: tf.Scalar; c1: tf.Scalar; b2: tf.Scalar; c2: tf.Scalar };

  constructor(
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
    private readonly weightDecay: number,
    private readonly clip: GradientClipping | undefined,
    learningRate: number | Schedule,
    private readonly fused: boolean,
  ) {
    this.schedule = typeof learningRate === 'function' ? learningRate : constantSchedule(learningRate);
    this.constants = tf.tidy(() => ({
      b1: tf.scalar(beta1),
      c1: tf.scalar(1 - beta1),
      b2: tf.scalar(beta2),
      c2: tf.scalar(1 - beta2),
    }));
  }

  get step(): number {
    return this.t;
  }

  currentLearningRate(): number {
    return this.schedule(this.t);
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    if (variables.length !== gradients.length) {
      throw new ShapeError(
        `applyGradients: ${variables.length} variables but ${gradients.length} gradients.`,
      );
    }
    gradients.forEach((g, i) => {
      const w = variables[i] as tf.Variable;
      if (g.shape.join() !== w.shape.join()) {
        throw new ShapeError(
          `applyGradients: gradient ${i} has shape [${g.shape}], its variable [${w.shape}].`,
        );
      }
    });
    const { stepSize, eps, decay } = this.nextStep();
    const fused = this.fused && ensureAdamKernel();
    const { b1, c1, b2, c2 } = this.constants;
    // AGC alone is fused into the kernel (unit norms in the same pass); anything else is composed.
    const fuseAgc =
      fused &&
      this.clip?.agc !== undefined &&
      this.clip.globalNorm === undefined &&
      variables.every((w) => w.rank <= 2);
    tf.tidy(() => {
      const grads = fuseAgc ? gradients : clipGradients(gradients, variables, this.clip);
      const epsT = fused ? undefined : tf.scalar(eps);
      const stepT = fused ? undefined : tf.scalar(-stepSize);
      const decayT = fused ? undefined : tf.scalar(decay);
      variables.forEach((w, i) => {
        const g = grads[i] as tf.Tensor;
        const slot = this.slotFor(w);
        if (fused) {
          const attrs: AdamKernelAttrs = {
            beta1: this.beta1,
            beta2: this.beta2,
            step: stepSize,
            eps,
            decay,
            ...(fuseAgc
              ? {
                  agc: this.clip?.agc as number,
                  agcEps: this.clip?.agcEps ?? 1e-3,
                  units: w.rank === 2 ? (w.shape[1] as number) : w.size,
                }
              : {}),
          };
          const [wNew, mNew, vNew] = adamUpdate(w, g, slot.m, slot.v, attrs) as [
            tf.Tensor,
            tf.Tensor,
            tf.Tensor,
          ];
          w.assign(wNew);
          slot.m.assign(mNew);
          slot.v.assign(vNew);
          return;
        }
        const mNew = tf.add(tf.mul(slot.m, b1), tf.mul(g, c1));
        const vNew = tf.add(tf.mul(slot.v, b2), tf.mul(tf.square(g), c2));
        const step = tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), epsT as tf.Scalar)), stepT as tf.Scalar);
        // Decoupled decay: w(1 − lr·λ) − step, the same as PyTorch's AdamW.
        w.assign(tf.add(this.weightDecay === 0 ? w : tf.mul(w, decayT as tf.Scalar), step));
        slot.m.assign(mNew);
        slot.v.assign(vNew);
      });
    });
  }

  /** Advances the step count and returns this step's scalars. */
  private nextStep(): { lr: number; stepSize: number; eps: number; decay: number } {
    const lr = this.schedule(this.t);
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    // Folding the bias corrections into the step size and epsilon matches PyTorch exactly:
    // w −= lr/bc1 · m / (√v/√bc2 + ε) = (lr √bc2 / bc1) · m / (√v + ε √bc2).
    return {
      lr,
      stepSize: (lr * Math.sqrt(bc2)) / bc1,
      eps: this.epsilon * Math.sqrt(bc2),
      decay: 1 - lr * this.weightDecay,
    };
  }

  private slotFor(w: tf.Variable): Slots {
    let slot = this.slots.get(w);
    if (slot === undefined) {
      slot = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(w), false),
        v: tf.variable(tf.zerosLike(w), false),
      }));
      this.slots.set(w, slot);
    }
    return slot;
  }

  hostUpdater(
    variables: readonly tf.Variable[],
    kernels: HostAdamKernels = typescriptAdamKernels,
  ): HostUpdater {
    const slots = variables.map((w) => this.slotFor(w));
    const hostCopy = (t: tf.Variable) => {
      const a = kernels.alloc(t.size);
      a.set(t.dataSync() as Float32Array);
      return a;
    };
    const m = slots.map((s) => hostCopy(s.m));
    const v = slots.map((s) => hostCopy(s.v));
    const shapes = variables.map((w) => w.shape);
    // The clipping unit: a kernel's column, any other array's entry (as clipGradientsHost).
    const units = shapes.map((s, i) =>
      s.length === 2 ? (s[1] as number) : (variables[i] as tf.Variable).size,
    );
    // AGC alone runs inside the update kernel; with a global norm both run first, in order.
    const agc = this.clip?.globalNorm === undefined ? this.clip?.agc : undefined;
    return {
      update: (params, grads) => {
        if (agc === undefined) clipGradientsHost(grads, params, shapes, this.clip);
        const { stepSize, eps, decay } = this.nextStep();
        const attrs: AdamKernelAttrs = { beta1: this.beta1, beta2: this.beta2, step: stepSize, eps, decay };
        if (agc !== undefined) Object.assign(attrs, { agc, agcEps: this.clip?.agcEps ?? 1e-3 });
        params.forEach((p, i) => {
          attrs.units = units[i] as number;
          kernels.adam(attrs, p, grads[i] as Float32Array, m[i] as Float32Array, v[i] as Float32Array);
        });
      },
      sync: () => {
        tf.tidy(() => {
          slots.forEach((s, i) => {
            s.m.assign(tf.tensor((m[i] as Float32Array).slice(), shapes[i]));
            s.v.assign(tf.tensor((v[i] as Float32Array).slice(), shapes[i]));
          });
        });
      },
    };
  }

  getState(): OptimizerState {
    const slots = new Map<tf.Variable, tf.Tensor[]>();
    for (const [w, { m, v }] of this.slots) slots.set(w, [tf.clone(m), tf.clone(v)]);
    return { step: this.t, slots };
  }

  setState(state: OptimizerState): void {
    this.t = state.step;
    tf.tidy(() => {
      for (const [w, { m, v }] of this.slots) {
        const saved = state.slots.get(w);
        m.assign(saved?.[0] ?? tf.zerosLike(m));
        v.assign(saved?.[1] ?? tf.zerosLike(v));
      }
    });
  }

  dispose(): void {
    for (const { m, v } of this.slots.values()) tf.dispose([m, v]);
    this.slots.clear();
    tf.dispose(Object.values(this.constants));
  }
}

const ADAM_KEYS = optionKeys<AdamOptions>()(['learningRate', 'beta1', 'beta2', 'epsilon', 'clip', 'fused']);
const ADAMW_KEYS = optionKeys<AdamWOptions>()([...ADAM_KEYS, 'weightDecay']);
const CLIP_KEYS = optionKeys<GradientClipping>()(['globalNorm', 'agc', 'agcEps']);

function validateAdam(o: AdamOptions): void {
  if (o.fused !== undefined) assertBoolean(o.fused, 'fused');
  if (typeof o.learningRate !== 'function') assertNumber(o.learningRate ?? 1e-3, 'learningRate', { min: 0 });
  assertNumber(o.beta1 ?? 0.9, 'beta1', { min: 0, lessThan: 1 });
  assertNumber(o.beta2 ?? 0.999, 'beta2', { min: 0, lessThan: 1 });
  assertNumber(o.epsilon ?? 1e-8, 'epsilon', { greaterThan: 0 });
  if (o.clip !== undefined) {
    checkOptions(o.clip, CLIP_KEYS, 'clip');
    if (o.clip.globalNorm !== undefined)
      assertNumber(o.clip.globalNorm, 'clip.globalNorm', { greaterThan: 0 });
    if (o.clip.agc !== undefined) assertNumber(o.clip.agc, 'clip.agc', { greaterThan: 0 });
    if (o.clip.agcEps !== undefined) assertNumber(o.clip.agcEps, 'clip.agcEps', { greaterThan: 0 });
  }
}

/** Adam (Kingma & Ba), with PyTorch's update and defaults, and optional gradient clipping. */
export function adam(options?: AdamOptions): Optimizer {
  options = checkOptions(options, ADAM_KEYS, 'adam');
  validateAdam(options);
  return new AdamOptimizer(
    options.beta1 ?? 0.9,
    options.beta2 ?? 0.999,
    options.epsilon ?? 1e-8,
    0,
    options.clip,
    options.learningRate ?? 1e-3,
    options.fused ?? true,
  );
}

/**
 * AdamW (Loshchilov & Hutter): Adam plus decoupled weight decay, identical to PyTorch's `AdamW`
 * and optax's `adamw` (decay applied to every variable). tfjs has no AdamW.
 */
export function adamw(options?: AdamWOptions): Optimizer {
  options = checkOptions(options, ADAMW_KEYS, 'adamw');
  validateAdam(options);
  const weightDecay = options.weightDecay ?? 1e-2;
  assertNumber(weightDecay, 'weightDecay', { min: 0 });
  return new AdamOptimizer(
    options.beta1 ?? 0.9,
    options.beta2 ?? 0.999,
    options.epsilon ?? 1e-8,
    weightDecay,
    options.clip,
    options.learningRate ?? 1e-3,
    options.fused ?? true,
  );
}
