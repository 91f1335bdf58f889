import { apiContract } from './api-contract';

export interface JsonResponse {
  status: number;
  headers: Headers;
  // Response bodies are checked field by field by the tests; typing them all would add little.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * A small JSON-over-fetch client for tests that talk to real processes (the end-to-end tests call
 * documented operations through `createApiClient` instead).
 */
export async function http(
  url: string,
  init: { method?: string; json?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const res = await fetch(url, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...init.headers,
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  // Like every answer the suites get, checked against api-gateway/openapi.json (paths it describes only).
  apiContract().assert({
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    path: new URL(url).pathname,
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    text,
  });
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}
