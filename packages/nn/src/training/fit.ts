import {
  assertBoolean,
  assertNumber,
  assertPositiveInteger,
  assertSeed,
  checkOptions,
  describeValue,
  MAX_ELEMENTS,
  NonFiniteError,
  optionKeys,
  Rng,
  ValueError,
  yieldToEventLoop,
} from '@polymodal/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../optimizers.js';
import { Checkpoints, EarlyStopping, nonFiniteTraining, readCheck } from './checkpoints.js';
import { MinibatchSampler, planData, rowCount } from './data.js';
import type { DerivedColumns, HostProblem } from './host_loss.js';
import { checkKernelLoss, columnWidths } from './kernel_loss.js';
import type { EarlyStoppingOptions, FitOptions, FitResult } from './options.js';
import { createStepper } from './stepper.js';

/**
 * Trains `variables` to minimise `loss` on minibatches of `data`.
 *
 * Hot-loop discipline: each update runs in `tf.tidy` and nothing is read back per update. Every
 * `checkEvery` updates the accumulated losses and a finiteness flag of the weights are read once
 * (asynchronously, so a browser stays responsive); a NaN or Infinity there restores the weights
 * and optimiser state of the previous check (the last verified-finite state) and throws a
 * `NonFiniteError`. Otherwise that state becomes the new "last good" snapshot.
 *
 * The recipe, each part in its own module: the data plan and minibatch order (`data.ts`), the
 * checks and snapshots (`checkpoints.ts`), and the execution path (`stepper.ts`), chosen by what
 * the network declares it can do (see `FitOptions.host`).
 *
 * @throws ValueError / ShapeError on bad options or data (before any update);
 *   NonFiniteError when the loss or the weights become non-finite.
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  if (options === undefined)
    throw new ValueError('fit: options { loss, variables, data, ... } are required.');
  checkFitOptions(options);
  const { loss, variables, data } = options;
  const n = rowCount(data, 'data');
  const seed = options.seed ?? Rng.randomSeed();
  const rng = new Rng(seed);
  const checkEvery = options.checkEvery ?? 50;
  assertPositiveInteger(checkEvery, 'checkEvery');
  // Non-finite data would only show as a NaN loss after the first updates: reject it up front.
  await assertFiniteData(data, 'data');
  const v = options.validation;
  if (v !== undefined && 'data' in v) {
    rowCount(v.data, 'validation.data');
    await assertFiniteData(v.data, 'validation.data');
  }

  const plan = planData(data, n, options.validation, rng.fold('validation'));
  let stepper: ReturnType<typeof createStepper> | undefined;
  let checkpoints: Checkpoints | undefined;
  const optimizer = options.optimizer ?? adam();
  const ownsOptimizer = options.optimizer === undefined;
  try {
    const batchSize = options.batchSize ?? Math.min(128, plan.nTrain);
    assertPositiveInteger(batchSize, 'batchSize');
    if (batchSize > plan.nTrain)
      throw new ValueError(`batchSize ${batchSize} exceeds the ${plan.nTrain} training rows.`);
    const sampler = new MinibatchSampler(plan, n, batchSize, rng.fold('batches'));
    const { stepsPerEpoch } = sampler;
    if (options.epochs !== undefined) assertPositiveInteger(options.epochs, 'epochs', MAX_ITERATIONS);
    const iterations =
      options.iterations ?? (options.epochs !== undefined ? options.epochs * stepsPerEpoch : 1000);
    assertNumber(iterations, 'iterations', { integer: true, min: 0, max: MAX_ITERATIONS });
    const validateEvery = options.validateEvery ?? stepsPerEpoch;
    assertPositiveInteger(validateEvery, 'validateEvery');
    const valData = plan.validation;
    if (options.earlyStopping !== undefined && valData === undefined)
      throw new ValueError('earlyStopping needs validation data (validation: { split } or { data }).');
    const early = new EarlyStopping(options.earlyStopping);
    const valLossFn = options.validationLoss ?? loss;

    const history: FitResult['history'] = { iteration: [], loss: [], valIteration: [], valLoss: [] };
    const started = Date.now();
    const activeStepper = createStepper({ ...options, iterations }, data, variables, optimizer, batchSize);
    stepper = activeStepper;
    await activeStepper.ready?.();
    const saved = new Checkpoints(variables, optimizer);
    checkpoints = saved;
    let stopReason: FitResult['stopReason'] = 'completed';
    let iteration = 0;

    /** The one read-back point: losses, weight finiteness, validation. Returns whether to stop. */
    const check = async (validate: boolean): Promise<boolean> => {
      const reading = await readCheck(
        variables,
        activeStepper.drain(),
        validate && valData !== undefined ? () => valLossFn(valData) : undefined,
      );
      const failure = nonFiniteTraining(reading, iteration, saved.lastGoodIteration);
      if (failure !== undefined) {
        saved.restoreLastGood();
        throw failure;
      }
      let meanLoss = Number.NaN;
      if (reading.losses.length > 0) {
        meanLoss = reading.losses.reduce((a, b) => a + b, 0) / reading.losses.length;
        history.iteration.push(iteration);
        history.loss.push(meanLoss);
      }
      saved.markGood(iteration);
      let stop = false;
      const { valLoss } = reading;
      if (valLoss !== undefined) {
        if (!Number.isFinite(valLoss))
          throw new NonFiniteError(`The validation loss is ${valLoss} at iteration ${iteration}.`);
        history.valIteration.push(iteration);
        history.valLoss.push(valLoss);
        const verdict = early.observe(valLoss, iteration);
        if (verdict.improved && early.keepsBest) saved.markBest(iteration);
        stop = verdict.stop;
      }
      // Let Ctrl-C handlers, abort timers and UI events run: the step loop itself never yields.
      await yieldToEventLoop();
      await options.onProgress?.({
        iteration,
        iterations,
        epoch: iteration / stepsPerEpoch,
        loss: meanLoss,
        ...(valLoss !== undefined ? { valLoss, bestValLoss: early.bestValLoss } : {}),
        learningRate: optimizer.currentLearningRate(),
        elapsedMs: Date.now() - started,
      });
      return stop;
    };

    while (iteration < iterations) {
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const stepping = activeStepper.step(sampler.next());
      if (stepping !== undefined) await stepping;
      iteration++;
      const last = iteration === iterations;
      const validate = valData !== undefined && iteration % validateEvery === 0;
      if (validate || iteration % checkEvery === 0 || last) {
        // The last update is always validated once, even off the validateEvery grid.
        const finalValidation = last && valData !== undefined && history.valIteration.at(-1) !== iteration;
        if (await check(validate || finalValidation)) {
          stopReason = 'early-stopping';
          break;
        }
      }
    }
    if (history.iteration.at(-1) !== iteration && iteration > 0) await check(false);
    if (early.keepsBest) saved.restoreBest();
    const { bestIteration } = early;
    return {
      iterations: iteration,
      epochs: iteration / stepsPerEpoch,
      stopReason,
      history,
      ...(bestIteration !== undefined ? { bestIteration, bestValLoss: early.bestValLoss } : {}),
      seed,
      path: activeStepper.path,
      threads: activeStepper.threads,
    };
  } finally {
    stepper?.dispose();
    checkpoints?.dispose();
    plan.dispose();
    if (ownsOptimizer) optimizer.dispose();
  }
}

/** Largest update budget of one fit() (10⁹). */
const MAX_ITERATIONS = 1e9;

const FIT_KEYS = optionKeys<FitOptions>()([
  'loss',
  'variables',
  'data',
  'optimizer',
  'iterations',
  'epochs',
  'batchSize',
  'validation',
  'validationLoss',
  'validateEvery',
  'earlyStopping',
  'checkEvery',
  'onProgress',
  'signal',
  'seed',
  'host',
  'prepareBatch',
]);
const EARLY_STOPPING_KEYS = optionKeys<EarlyStoppingOptions>()(['patience', 'minDelta', 'restoreBest']);
const HOST_KEYS = optionKeys<HostProblem>()([
  'model',
  'loss',
  'kernelLoss',
  'input',
  'derived',
  'path',
  'threads',
]);
/** More threads than any machine this runs on has cores; a larger request is a mistake. */
const MAX_THREADS = 256;

/** Option keys, types and the nested option objects of fit(), before anything else. @throws ValueError */
function checkFitOptions(options: FitOptions): void {
  checkOptions(options, FIT_KEYS, 'fit');
  const fn = (value: unknown, name: string) => {
    if (value !== undefined && typeof value !== 'function')
      throw new ValueError(`fit: ${name} must be a function, got ${describeValue(value)}.`);
  };
  if (typeof options.loss !== 'function')
    throw new ValueError('fit: loss must be a function (batch) => scalar.');
  fn(options.validationLoss, 'validationLoss');
  fn(options.onProgress, 'onProgress');
  fn(options.prepareBatch, 'prepareBatch');
  const { variables } = options;
  if (
    !Array.isArray(variables) ||
    variables.length === 0 ||
    !variables.every((v) => v instanceof tf.Variable)
  )
    throw new ValueError('fit: variables must be a non-empty array of tf.Variable.');
  if (variables.some((v) => v.isDisposed)) throw new ValueError('fit: a variable has been disposed.');
  if (options.seed !== undefined) assertSeed(options.seed);
  const o = options.optimizer;
  if (o !== undefined && (typeof o !== 'object' || typeof o.applyGradients !== 'function'))
    throw new ValueError(`fit: optimizer must be one from adam() or adamw(), got ${describeValue(o)}.`);
  const s = options.signal;
  if (s !== undefined && (typeof s !== 'object' || typeof (s as AbortSignal).aborted !== 'boolean'))
    throw new ValueError(`fit: signal must be an AbortSignal, got ${describeValue(s)}.`);
  const v = options.validation;
  if (v !== undefined) {
    checkOptions(v, ['split', 'data'], 'fit validation');
    if ('split' in v === 'data' in v)
      throw new ValueError('fit: validation must be either { split } or { data }.');
  }
  if (options.earlyStopping !== undefined) {
    checkOptions(options.earlyStopping, EARLY_STOPPING_KEYS, 'fit earlyStopping');
    if (options.earlyStopping.restoreBest !== undefined)
      assertBoolean(options.earlyStopping.restoreBest, 'earlyStopping.restoreBest');
  }
  const h = options.host;
  if (h !== undefined) {
    checkOptions(h, HOST_KEYS, 'fit host');
    if (typeof h.loss !== 'function') throw new ValueError('fit: host.loss must be a function.');
    if (h.model === undefined || typeof h.model.apply !== 'function')
      throw new ValueError('fit: host.model must be a network with apply().');
    if (h.derived !== undefined) checkDerived(h.derived);
    const widths = columnWidths(options.data ?? [], h.derived);
    if (h.input !== undefined)
      assertNumber(h.input, 'host.input', { integer: true, min: 0, max: Math.max(widths.length, 1) - 1 });
    if (h.path !== undefined && !['auto', 'device', 'hybrid', 'host'].includes(h.path))
      throw new ValueError(
        `fit: host.path must be 'auto', 'device', 'hybrid' or 'host', got ${describeValue(h.path)}.`,
      );
    if (h.path === 'hybrid' && h.derived !== undefined)
      throw new ValueError("fit: host.derived columns need the 'host' or 'device' path, not 'hybrid'.");
    if (h.threads !== undefined && h.threads !== 'auto')
      assertNumber(h.threads, "host.threads (or 'auto')", { integer: true, min: 1, max: MAX_THREADS });
    if (h.kernelLoss !== undefined) checkKernelLoss(h.kernelLoss, widths, h.model);
  }
}

/** `host.derived`'s keys, widths and fill. @throws ValueError */
function checkDerived(derived: DerivedColumns): void {
  checkOptions(derived, ['widths', 'fill'], 'fit host.derived');
  const { widths, fill } = derived;
  if (!Array.isArray(widths) || widths.length === 0)
    throw new ValueError(`fit: host.derived.widths must be a non-empty array, got ${describeValue(widths)}.`);
  for (const [i, w] of widths.entries())
    assertNumber(w, `host.derived.widths[${i}]`, { integer: true, min: 1, max: MAX_ELEMENTS });
  if (typeof fill !== 'function') throw new ValueError('fit: host.derived.fill must be a function.');
}

/** Rejects NaN or ±Infinity in float tensors (read asynchronously, once). @throws NonFiniteError */
async function assertFiniteData(data: readonly tf.Tensor[], name: string): Promise<void> {
  for (const [i, d] of data.entries()) {
    if (d.dtype !== 'float32') continue;
    const values = (await d.data()) as Float32Array;
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      const columns = d.size / (d.shape[0] as number);
      throw new NonFiniteError(
        `fit: ${name}[${i}] holds ${values[bad]} at row ${Math.floor(bad / columns)}; training data must be finite.`,
      );
    }
  }
}
