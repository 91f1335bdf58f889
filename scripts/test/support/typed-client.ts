import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { apiContract } from './api-contract';
import type { paths } from './api-types';

/** A client of the public API, typed from api-gateway/openapi.json (`npm run openapi` regenerates the types). */
export type ApiClient = Client<paths>;

/** Fails the call, naming the request and what is wrong, when the document does not allow its answer. */
export const answersMatchContract: Middleware = {
  async onResponse({ request, response }) {
    const url = new URL(request.url);
    apiContract().assert({
      method: request.method,
      path: url.pathname,
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      text: await response.clone().text(),
    });
    return undefined;
  },
};

/** The typed client the end-to-end tests call the gateway with; every answer is checked against the document. */
export function createApiClient(gatewayUrl: string): ApiClient {
  const client = createClient<paths>({ baseUrl: gatewayUrl });
  client.use(answersMatchContract);
  return client;
}

/** `headers` for a call made with this access token. */
export function withToken(token: string): { headers: { authorization: string } } {
  return { headers: { authorization: `Bearer ${token}` } };
}
