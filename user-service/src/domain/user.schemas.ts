import { objectIdSchema, paginationShape, textSchema, TRIMMED_WHITESPACE } from '@shop/shared/core';
import { z } from 'zod';
import { normalizeEmail } from './email.js';
import { userRoles } from './user.js';

// RFC 5321 caps an address at 254 characters; the slack tolerates whitespace before trimming.
const emailSchema = z
  .string()
  .max(320)
  .transform(normalizeEmail)
  .pipe(z.email({ message: 'must be a valid email address' }))
  // The input side of a pipe renders as a bare string in the OpenAPI document: say which strings pass.
  .meta({
    override: { pattern: `^${TRIMMED_WHITESPACE}*${z.regexes.email.source.slice(1, -1)}${TRIMMED_WHITESPACE}*$` },
  });

export const passwordSchema = z.string().min(8).max(128);

export const registerBodySchema = z.strictObject({
  name: textSchema(100),
  email: emailSchema,
  password: passwordSchema,
});
export type RegisterInput = z.output<typeof registerBodySchema>;

export const loginBodySchema = z.strictObject({
  email: emailSchema,
  // No minimum: a short wrong password is just a wrong password (401), but cap what argon2 hashes.
  password: z.string().min(1).max(128),
});
export type LoginInput = z.output<typeof loginBodySchema>;

export const userIdParamsSchema = z.strictObject({ id: objectIdSchema });

export const listUsersQuerySchema = z.strictObject(paginationShape);

export const refreshTokenBodySchema = z.strictObject({
  // Ours are 43 characters; the cap only stops a client from making us hash megabytes.
  refreshToken: z.string().min(1).max(512),
});
export type RefreshTokenInput = z.output<typeof refreshTokenBodySchema>;

export const updateUserBodySchema = z
  .strictObject({ role: z.enum(userRoles).optional(), disabled: z.boolean().optional() })
  .refine((body) => body.role !== undefined || body.disabled !== undefined, {
    message: 'must set role, disabled or both',
  });
export type UpdateUserInput = z.output<typeof updateUserBodySchema>;
