import * as tf from '@tensorflow/tfjs-core';

// tfjs registers no gradient for comparisons (Equal, Less, IsFinite ...), so a function whose
// forward pass selects with `tf.where` on data-dependent conditions cannot be differentiated by
// the tape. These helpers run such a forward pass untaped and attach an analytic gradient.

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/**
 * An elementwise function with an analytic derivative: `dy · derivative(x, y)`.
 * `forward` may use any op; it is not recorded on the gradient tape.
 */
export function elementwise(
  forward: (x: tf.Tensor) => tf.Tensor,
  derivative: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = forward(x);
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.mul(dy, derivative(saved[0] as tf.Tensor, saved[1] as tf.Tensor)),
    };
  }) as unknown as CustomGradFn);
  return (x) => op(x);
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting), for custom
 * gradients of broadcasting ops.
 */
export function reduceToShape(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, [...shape]);
}

/**
 * A broadcasting binary function with analytic partial derivatives
 * `(dy · ∂a, dy · ∂b)`, each summed back to its input's shape.
 */
export function binary(
  forward: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  partials: (a: tf.Tensor, b: tf.Tensor, y: tf.Tensor) => [tf.Tensor, tf.Tensor],
): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = forward(a, b);
    save([a, b, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [da, db] = partials(sa, sb, sy);
        return [reduceToShape(tf.mul(dy, da), sa.shape), reduceToShape(tf.mul(dy, db), sb.shape)];
      },
    };
  }) as unknown as CustomGradFn);
  return (a, b) => op(a, b);
}
