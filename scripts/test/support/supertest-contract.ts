import supertest from 'supertest';
import type { Response } from 'superagent';
import { apiContract, ContractMismatchError, type ObservedAnswer } from './api-contract';

type Callback = (this: unknown, error: Error | null, response?: Response) => void;

/** supertest's private step that every answer goes through, for `end(cb)` and `await` alike. */
interface Assertable {
  method: string;
  url: string;
  assert(error: Error | null, response: Response | undefined, callback?: Callback): void;
}

const INSTALLED = Symbol.for('shop.supertest-contract');

/** `http://127.0.0.1:1234/api/x?y` → `/api/x?y`, as sent: `new URL` would normalise `..` and `//` away. */
function requestPath(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/';
}

function observed(test: Assertable, response: Response): ObservedAnswer {
  return {
    method: test.method,
    path: requestPath(test.url),
    status: response.status,
    header: (name) => {
      const value = (response.headers as Record<string, string | string[] | undefined>)[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    text: typeof response.text === 'string' ? response.text : '',
  };
}

/**
 * Makes every answer a supertest request gets, in every test of the worker, fail the request
 * when api-gateway/openapi.json does not allow it (status, headers, content type, body). Paths
 * outside the document (internal routes, /health, /metrics, the registry) pass unchecked. A
 * failed `.expect()` is reported first, as before. `isWanted` is asked at each answer.
 */
export function checkEverySupertestAnswer(isWanted: () => boolean = () => true): void {
  const prototype = supertest.Test.prototype as unknown as Assertable & { [INSTALLED]?: () => boolean };
  // A worker process may run several test files: the latest setup decides for its file.
  const installed = prototype[INSTALLED] !== undefined;
  prototype[INSTALLED] = isWanted;
  if (installed) return;
  const assert = prototype.assert;
  prototype.assert = function (this: Assertable, error, response, callback) {
    if (callback === undefined || response === undefined || !prototype[INSTALLED]?.())
      return assert.call(this, error, response, callback);
    assert.call(this, error, response, (failure, answered) => {
      let mismatch: Error | null = null;
      if (failure === null) {
        try {
          apiContract().assert(observed(this, response));
        } catch (thrown) {
          if (!(thrown instanceof ContractMismatchError)) throw thrown;
          mismatch = thrown;
        }
      }
      callback.call(this, failure ?? mismatch, answered);
    });
  };
}
