// The MDN paper's published numbers on the benchmarks of this package, in one place, for the
// benches and the CLI's reproductions to print beside their own (provenance: spec mdn.md §11,
// tagged [run]: read off the authors' executed notebooks).

/** A published result: mean ± population standard deviation over the paper's 12 members. */
export type PublishedValue = readonly [mean: number, std: number];

/**
 * The MDN paper's (arXiv 2602.00960) sine inverse K-ablation (`mixture_component_ablations.ipynb`):
 * member-mean test NLL in nats, by the number of components K.
 */
export const MDN_PAPER_SINE_COMPONENTS: Readonly<Record<number, PublishedValue>> = {
  1: [0.98, 0.005],
  2: [0.652, 0.031],
  3: [0.267, 0.03],
  4: [0.224, 0.046],
  5: [0.162, 0.053],
  6: [0.13, 0.036],
  7: [0.173, 0.044],
  8: [0.163, 0.036],
  9: [0.148, 0.025],
  10: [0.141, 0.032],
  11: [0.125, 0.04],
  12: [0.138, 0.028],
  13: [0.161, 0.043],
  14: [0.157, 0.036],
  15: [0.173, 0.041],
  16: [0.149, 0.039],
};

/** One training-set size of the saddle-node study: both models' published results. */
export interface PublishedComparison {
  /** The mixture density network's (K = 15). */
  mdn: PublishedValue;
  /** The conditional flow-matching comparator's. */
  cfm: PublishedValue;
}

/**
 * The MDN paper's saddle-node data-efficiency study: member-median test NLL in nats of the MDN
 * (K = 15) and of its conditional flow-matching comparator, by the training-set size N.
 */
export const MDN_PAPER_SADDLE_NODE: Readonly<Record<number, PublishedComparison>> = {
  50: { mdn: [85.41, 6.18], cfm: [651.1, 213.79] },
  100: { mdn: [79.08, 7.18], cfm: [167.08, 27.43] },
  200: { mdn: [55.57, 11.22], cfm: [16.7, 1.58] },
  500: { mdn: [3.34, 1.29], cfm: [-9.36, 0.16] },
  1000: { mdn: [-6.86, 1.47], cfm: [-12.7, 0.09] },
};
