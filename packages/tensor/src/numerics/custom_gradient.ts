import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, ValueError } from '../errors.js';
import { assertBroadcastable, assertFloatTensor, assertSize } from '../validate.js';

// tfjs registers no gradient for comparisons (Equal, Less, IsFinite ...), so a function whose
// forward pass selects with `tf.where` on data-dependent conditions cannot be differentiated by
// the tape. These helpers run such a forward pass untaped and attach an analytic gradient.

/** What the function given to {@link customOp} returns: the op's value and its gradient. */
export interface CustomOpResult {
  /** The forward value. */
  value: tf.Tensor;
  /** `dy` and the saved tensors → one gradient per input (a single tensor for one input). */
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/**
 * `tf.customGrad` with typed, variadic tensor inputs: `forward(inputs, save)` computes the value
 * and returns its gradient function. tfjs types the wrapped function as taking the save function
 * among its tensor arguments, a cast every caller otherwise repeats; it lives here once.
 *
 * @example
 * ```ts
 * const square = customOp(([x], save) => {
 *   save([x]);
 *   return { value: tf.square(x), gradFunc: (dy, [xs]) => tf.mul(dy, tf.mul(2, xs)) };
 * });
 * ```
 */
export function customOp<I extends tf.Tensor[] = tf.Tensor[]>(
  forward: (inputs: I, save: tf.GradSaveFunc) => CustomOpResult,
): (...inputs: I) => tf.Tensor {
  if (typeof forward !== 'function')
    throw new ValueError('customOp: forward must be a function (inputs, save) => { value, gradFunc }.');
  // tfjs calls the function with the inputs followed by the save function.
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return forward(args as I, save);
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...inputs) => op(...inputs);
}

/**
 * An elementwise function with an analytic derivative: `dy · derivative(x, y)`.
 * `forward` may use any op; it is not recorded on the gradient tape.
 */
export function elementwise(
  forward: (x: tf.Tensor) => tf.Tensor,
  derivative: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = customOp<[tf.Tensor]>(([x], save) => {
    const y = forward(x);
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy, saved) => tf.mul(dy, derivative(saved[0] as tf.Tensor, saved[1] as tf.Tensor)),
    };
  });
  return (x) => {
    assertFloatTensor(x, 'x');
    return op(x);
  };
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting), for custom
 * gradients of broadcasting ops.
 */
export function reduceToShape(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  assertFloatTensor(g, 'reduceToShape g');
  assertSize(shape, 'reduceToShape shape');
  const lead0 = g.rank - shape.length;
  if (lead0 < 0 || shape.some((d, i) => d !== 1 && d !== g.shape[lead0 + i]))
    throw new ShapeError(
      `reduceToShape: [${g.shape}] does not reduce to [${shape}] (not a broadcast of it).`,
    );
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return tf.tidy(() => tf.reshape(axes.length > 0 ? tf.sum(g, axes, true) : g, [...shape]));
}

/**
 * A broadcasting binary function with analytic partial derivatives
 * `(dy · ∂a, dy · ∂b)`, each summed back to its input's shape.
 */
export function binary(
  forward: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  partials: (a: tf.Tensor, b: tf.Tensor, y: tf.Tensor) => [tf.Tensor, tf.Tensor],
): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  const op = customOp<[tf.Tensor, tf.Tensor]>(([a, b], save) => {
    const y = forward(a, b);
    save([a, b, y]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [sa, sb, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [da, db] = partials(sa, sb, sy);
        return [reduceToShape(tf.mul(dy, da), sa.shape), reduceToShape(tf.mul(dy, db), sb.shape)];
      },
    };
  });
  return (a, b) => {
    assertFloatTensor(a, 'a');
    assertFloatTensor(b, 'b');
    assertBroadcastable([a, b], 'arguments');
    return op(a, b);
  };
}
