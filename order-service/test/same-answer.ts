import type { Response } from 'supertest';
import { expect } from 'vitest';

function withoutRequestId(body: unknown): unknown {
  if (body === null || typeof body !== 'object') return body;
  const { requestId: _requestId, ...rest } = body as Record<string, unknown>;
  return rest;
}

/**
 * The two answers cannot be told apart: same status, content type and body (the request id
 * aside, which differs on every answer). What an existence-oracle test asserts.
 */
export function expectSameAnswer(actual: Response, expected: Response): void {
  expect(actual.status).toBe(expected.status);
  expect(actual.headers['content-type']).toBe(expected.headers['content-type']);
  expect(withoutRequestId(actual.body)).toEqual(withoutRequestId(expected.body));
}
