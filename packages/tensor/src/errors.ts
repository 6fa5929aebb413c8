/**
 * The one error hierarchy of polymodal. Every package throws these (never a bare `Error`) at its
 * public boundary, so callers can tell bad input from numerical failure from environment trouble.
 *
 * @packageDocumentation
 */

/** Base class of every error polymodal throws on purpose. */
export class PolymodalError extends Error {
  /** The error class name, for logs and `instanceof`-free checks. */
  override readonly name: string = 'PolymodalError';
}

/** A tensor or array has the wrong rank, size or dtype. The message says what was expected. */
export class ShapeError extends PolymodalError {
  /** `'ShapeError'`. */
  override readonly name = 'ShapeError';
}

/** A value is outside its allowed range or set (a negative variance, an unknown option, K < 1). */
export class ValueError extends PolymodalError {
  /** `'ValueError'`. */
  override readonly name = 'ValueError';
}

/** A NaN or ±Infinity appeared where only finite numbers are meaningful (inputs, a training loss). */
export class NonFiniteError extends PolymodalError {
  /** `'NonFiniteError'`. */
  override readonly name = 'NonFiniteError';
}

/** A tfjs backend could not be initialised, or the tfjs installation itself is broken. */
export class BackendError extends PolymodalError {
  /** `'BackendError'`. */
  override readonly name = 'BackendError';
}

/** A saved model or configuration could not be read: wrong format, version, shape or content. */
export class SerializationError extends PolymodalError {
  /** `'SerializationError'`. */
  override readonly name = 'SerializationError';
}
