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
