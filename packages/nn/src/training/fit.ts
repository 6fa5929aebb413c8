import { assertNumber, assertPositiveInteger, NonFiniteError, Rng, ValueError } from '@polymodal/tensor';
import { adam } from '../optimizers.js';
import { Checkpoints, EarlyStopping, nonFiniteTraining, readCheck } from './checkpoints.js';
import { MinibatchSampler, planData, rowCount } from './data.js';
import type { FitOptions, FitResult } from './options.js';
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
  const { loss, variables, data } = options;
  if (typeof loss !== 'function') throw new ValueError('fit: loss must be a function (batch) => scalar.');
  if (!Array.isArray(variables) || variables.length === 0)
    throw new ValueError('fit: variables must be a non-empty array.');
  const n = rowCount(data, 'data');
  const seed = options.seed ?? Rng.randomSeed();
  assertNumber(seed, 'seed', { integer: true });
  const rng = new Rng(seed);
  const checkEvery = options.checkEvery ?? 50;
  assertPositiveInteger(checkEvery, 'checkEvery');

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
    if (options.epochs !== undefined) assertPositiveInteger(options.epochs, 'epochs');
    const iterations =
      options.iterations ?? (options.epochs !== undefined ? options.epochs * stepsPerEpoch : 1000);
    assertNumber(iterations, 'iterations', { integer: true, min: 0 });
    const validateEvery = options.validateEvery ?? stepsPerEpoch;
    assertPositiveInteger(validateEvery, 'validateEvery');
    const valData = plan.validation;
    if (options.earlyStopping !== undefined && valData === undefined)
      throw new ValueError('earlyStopping needs validation data (validation: { split } or { data }).');
    const early = new EarlyStopping(options.earlyStopping);
    const valLossFn = options.validationLoss ?? loss;

    const history: FitResult['history'] = { iteration: [], loss: [], valIteration: [], valLoss: [] };
    const started = Date.now();
    const activeStepper = createStepper(options, data, variables, optimizer, batchSize);
    stepper = activeStepper;
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
      activeStepper.step(sampler.next());
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
    };
  } finally {
    stepper?.dispose();
    checkpoints?.dispose();
    plan.dispose();
    if (ownsOptimizer) optimizer.dispose();
  }
}
