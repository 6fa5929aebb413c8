import type { ExperimentContext } from './experiment.js';

/** What the fits of nn, mdn, flow and MixFlow report, as far as a progress bar needs. */
export interface TrainingProgress {
  iteration: number;
  loss?: number;
  flowLoss?: number;
}

/**
 * Runs `train` under a progress task: forwards `onProgress` to the bar and the run's abort signal to
 * the fit, and throws the signal's reason afterwards if it fired (so an interrupted fit's
 * half-trained model is never scored).
 */
export async function withTraining<T>(
  context: ExperimentContext,
  label: string,
  iterations: number,
  train: (hooks: { onProgress: (p: TrainingProgress) => void; signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  context.signal.throwIfAborted();
  const task = context.progress.task(label, iterations);
  try {
    const out = await train({
      onProgress: (p) => {
        const loss = p.loss ?? p.flowLoss;
        task.update(
          p.iteration,
          loss !== undefined && Number.isFinite(loss) ? `loss ${loss.toFixed(3)}` : '',
        );
      },
      signal: context.signal,
    });
    task.update(iterations);
    return out;
  } finally {
    task.stop();
    context.signal.throwIfAborted();
  }
}
