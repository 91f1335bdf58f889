import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '@shop/shared/core';
import type { RequestHandler } from 'express';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

const READS = new Set(['GET', 'HEAD']);

/**
 * Lets a write (anything but GET and HEAD) through only with `Authorization: Bearer <token>`;
 * reads are open. Both sides are hashed first, so the comparison takes the same time whatever
 * the length or the content of the guess.
 */
export function requireTokenForWrites(token: string): RequestHandler {
  const expected = sha256(token);
  return (req, _res, next) => {
    if (READS.has(req.method)) {
      next();
      return;
    }
    const given = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const isValid = given !== undefined && timingSafeEqual(sha256(given), expected);
    next(isValid ? undefined : new UnauthorizedError('A valid registry token is required'));
  };
}
