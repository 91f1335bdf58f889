export interface JsonResponse {
  status: number;
  headers: Headers;
  // Response bodies are checked field by field by the tests; typing them all would add little.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A small JSON-over-fetch client for tests that talk to real processes. */
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
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}
