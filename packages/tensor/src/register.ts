// Side effect: `@tensorflow/tfjs` registers the gradient of every op (tfjs-core's Node entry does
// not, and its deep `register_all_gradients` import fails under Node ESM) plus the cpu backend, on
// the one shared copy of tfjs-core.
import '@tensorflow/tfjs';
