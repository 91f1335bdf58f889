import mongoose from 'mongoose';

/**
 * A string field's upper bound as the API states it: zod's `.max()` (and JSON Schema's
 * `maxLength`) count Unicode code points, mongoose's `maxlength` counts UTF-16 units, so a name
 * of emoji that the route accepted would fail the model's check and answer 500.
 */
export function maxCodePoints(limit: number): { validator: (value: unknown) => boolean; message: string } {
  return {
    validator: (value) => typeof value !== 'string' || [...value].length <= limit,
    message: `{PATH} is longer than ${limit} characters`,
  };
}

/**
 * What a schema's whole-number validator (with its `min`) checks, for the few hot-path writes
 * that go through the driver without mongoose's casting and update validators (each such write
 * costs about 1 ms of CPU less): a bug that computes a fraction, a negative price or NaN still
 * fails the write, with the same mongoose ValidationError the schema would have thrown.
 */
export function assertWholeNumber(value: number, min: number, path: string): void {
  if (Number.isSafeInteger(value) && value >= min) return;
  const error = new mongoose.Error.ValidationError();
  const message = `${path} must be a whole number of at least ${min}`;
  error.addError(path, new mongoose.Error.ValidatorError({ path, message, value }));
  throw error;
}
