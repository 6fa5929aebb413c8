// The demos' settings, with the defaults the page opens with: plain data, so the page's main thread
// builds its forms without loading tfjs.

/** A number setting of a demo: its bounds, checked before anything runs. */
export interface NumberSetting {
  key: string;
  label: string;
  min: number;
  max: number;
  integer: boolean;
  default: number;
}

/** A choice setting of a demo. */
export interface ChoiceSetting {
  key: string;
  label: string;
  choices: readonly [value: string, label: string][];
  default: string;
}

/** One setting of a demo. */
export type Setting = NumberSetting | ChoiceSetting;

/** Setting values by key. */
export type SettingValues = Record<string, number | string>;

/** The MDN demo's settings, with the defaults the page opens with. */
export const MDN_SETTINGS: readonly Setting[] = [
  {
    key: 'dataset',
    label: 'data',
    choices: [
      ['sine-inverse', 'sine inverse problem (exact density known)'],
      ['drawn', 'the points drawn below'],
    ],
    default: 'sine-inverse',
  },
  { key: 'n', label: 'training points N', min: 20, max: 20_000, integer: true, default: 1000 },
  { key: 'components', label: 'components K', min: 1, max: 20, integer: true, default: 5 },
  { key: 'iterations', label: 'MDN iterations', min: 10, max: 100_000, integer: true, default: 2000 },
  {
    key: 'flowIterations',
    label: 'flow iterations (0: no flow)',
    min: 0,
    max: 100_000,
    integer: true,
    default: 1500,
  },
  { key: 'slice', label: 'density slice at input x₀', min: -5, max: 5, integer: false, default: 0 },
  { key: 'seed', label: 'seed', min: 0, max: 2 ** 31 - 1, integer: true, default: 0 },
];

/** The sampler demo's settings, with the defaults the page opens with. */
export const SAMPLER_SETTINGS: readonly Setting[] = [
  {
    key: 'target',
    label: 'density',
    choices: [
      ['well-separated', 'two Gaussians, well separated (B1)'],
      ['weakly-connected', 'two Gaussians, weakly connected (B1)'],
      ['overlapping', 'two Gaussians, overlapping: one mode (B1)'],
      ['image', 'image density: a dog silhouette, blur 4 (B4)'],
    ],
    default: 'well-separated',
  },
  { key: 'starts', label: 'optimiser starts', min: 20, max: 10_000, integer: true, default: 300 },
  { key: 'burnIn', label: 'MALA burn-in per mode', min: 50, max: 10_000, integer: true, default: 300 },
  { key: 'draws', label: 'MALA draws per chain and mode', min: 20, max: 10_000, integer: true, default: 200 },
  { key: 'pairs', label: 'labelled pairs per mode', min: 100, max: 100_000, integer: true, default: 1000 },
  {
    key: 'generatorIterations',
    label: 'generator iterations',
    min: 50,
    max: 20_000,
    integer: true,
    default: 300,
  },
  { key: 'seed', label: 'seed', min: 0, max: 2 ** 31 - 1, integer: true, default: 0 },
];

/** The flow demo's settings, with the defaults the page opens with. */
export const FLOW_SETTINGS: readonly Setting[] = [
  {
    key: 'toy',
    label: 'data',
    choices: [
      ['moons', 'two moons'],
      ['eight-gaussians', 'eight Gaussians'],
      ['checkerboard', 'checkerboard'],
    ],
    default: 'eight-gaussians',
  },
  { key: 'n', label: 'training points', min: 100, max: 100_000, integer: true, default: 2000 },
  { key: 'iterations', label: 'iterations', min: 10, max: 100_000, integer: true, default: 3000 },
  {
    key: 'components',
    label: 'MixFlow components K (0: no MixFlow)',
    min: 0,
    max: 32,
    integer: true,
    default: 8,
  },
  {
    key: 'trainingDraw',
    label: "MixFlow's source draw in training",
    choices: [
      ['hard', 'hard (one-hot), as when sampling'],
      ['relaxed', 'relaxed Gumbel-softmax, τ = 0.5 (the reference code)'],
    ],
    default: 'hard',
  },
  { key: 'seed', label: 'seed', min: 0, max: 2 ** 31 - 1, integer: true, default: 0 },
];

/** The active-learning demo's settings, with the defaults the page opens with. */
export const ACTIVE_SETTINGS: readonly Setting[] = [
  {
    key: 'acquisition',
    label: 'acquisition',
    choices: [
      ['mi-lb', 'MI-LB (epistemic mutual information, lower bound)'],
      ['variance', 'epistemic variance'],
      ['random', 'random'],
    ],
    default: 'mi-lb',
  },
  { key: 'pool', label: 'pool size', min: 100, max: 50_000, integer: true, default: 800 },
  { key: 'initial', label: 'initial labels', min: 5, max: 1000, integer: true, default: 20 },
  { key: 'rounds', label: 'rounds', min: 1, max: 50, integer: true, default: 4 },
  { key: 'batchSize', label: 'labels per round', min: 1, max: 1000, integer: true, default: 15 },
  { key: 'members', label: 'ensemble members', min: 2, max: 16, integer: true, default: 3 },
  {
    key: 'maxIterations',
    label: 'iterations per round (at most)',
    min: 50,
    max: 50_000,
    integer: true,
    default: 600,
  },
  { key: 'seed', label: 'seed', min: 0, max: 2 ** 31 - 1, integer: true, default: 0 },
];
