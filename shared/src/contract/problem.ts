import { z } from 'zod';

export const fieldErrorSchema = z.strictObject({ path: z.string(), message: z.string() });

/**
 * An RFC 9457 problem body as `toProblem` writes it. Each documented answer narrows `status` and
 * `code` to its own. Extension members (e.g. `productId`) are allowed.
 */
export const problemSchema = z.looseObject({
  type: z.string().meta({ description: '`urn:shop:problem:<code>`' }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().meta({ description: 'Stable; what a client branches on' }),
  requestId: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional().meta({ description: 'Field by field, for a validation failure' }),
});
