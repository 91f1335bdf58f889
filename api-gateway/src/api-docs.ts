import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import { MethodNotAllowedError } from './routing.js';
import { DOCUMENT_HEADERS } from './security-headers.js';

/** What the gateway answers itself besides its routing table (see contract.ts for how they are documented). */
export const DOCS_ROUTES = [
  { method: 'GET', path: '/api/openapi.json' },
  { method: 'GET', path: '/api/docs' },
] as const;

/** The committed document (`npm run openapi` writes it); the same path from `src/` and `dist/`. */
export const API_DOCUMENT_PATH = path.resolve(__dirname, '../openapi.json');

/**
 * The docs page and its assets only: Swagger UI's own script and style from here, its inline
 * icons as data: URLs, and "try it out" calling this same origin. Everything else keeps the
 * API's `default-src 'none'`. No Trusted Types: Swagger UI's bundle assigns HTML and would break.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Shop API</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/api/docs/index.css">
    <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js"></script>
    <script src="/api/docs/swagger-initializer.js"></script>
  </body>
</html>
`;

// A file of its own, not an inline script, so the policy needs no 'unsafe-inline' or hash.
// validatorUrl null: the page must not send the document to swagger.io's validator.
const INITIALIZER = `'use strict';
window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayRequestDuration: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

interface StaticAnswer {
  contentType: string;
  body: Buffer;
  /** The body gzipped, for clients that accept it (the bundle is 1.7 MB, 0.5 MB gzipped). */
  gzipped?: Buffer;
  etag: string;
  isDocsPage: boolean;
}

function staticAnswer(contentType: string, body: Buffer, isDocsPage: boolean): StaticAnswer {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const gzipped = body.length >= 1024 ? gzipSync(body) : undefined;
  return { contentType, body, etag, isDocsPage, ...(gzipped !== undefined && { gzipped }) };
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function loadAnswers(documentPath: string): Map<string, StaticAnswer> {
  const swaggerUi = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const asset = (name: string) => readFileSync(path.join(swaggerUi, name));
  // Its source map is not served: no comment pointing browsers' developer tools at a 404.
  const css = Buffer.from(
    asset('swagger-ui.css')
      .toString('utf8')
      .replace(/\/\*# sourceMappingURL=.*?\*\/\s*$/, ''),
  );
  return new Map([
    ['/api/openapi.json', staticAnswer('application/json; charset=utf-8', readFileSync(documentPath), false)],
    ['/api/docs', staticAnswer('text/html; charset=utf-8', Buffer.from(PAGE), true)],
    ['/api/docs/index.css', staticAnswer(CSS, asset('index.css'), true)],
    ['/api/docs/swagger-ui.css', staticAnswer(CSS, css, true)],
    ['/api/docs/swagger-ui-bundle.js', staticAnswer(JS, asset('swagger-ui-bundle.js'), true)],
    ['/api/docs/swagger-initializer.js', staticAnswer(JS, Buffer.from(INITIALIZER), true)],
  ]);
}

// Read (and compressed) once per process: every app a process creates serves the same files.
const loaded = new Map<string, Map<string, StaticAnswer>>();

function send(req: Request, res: Response, answer: StaticAnswer): void {
  const isGzipped = answer.gzipped !== undefined && req.acceptsEncodings('gzip') === 'gzip';
  if (answer.isDocsPage) {
    for (const [name, value] of DOCUMENT_HEADERS) res.setHeader(name, value);
    res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
  }
  res.setHeader('Content-Type', answer.contentType);
  // Revalidated on each use (a deploy may change them), answered 304 while the ETag matches.
  res.setHeader('Cache-Control', 'no-cache');
  if (answer.gzipped !== undefined) res.vary('Accept-Encoding');
  if (isGzipped) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('ETag', isGzipped ? `${answer.etag.slice(0, -1)}-gz"` : answer.etag);
  // Express answers HEAD without the body and a matching If-None-Match with 304.
  res.send(isGzipped ? answer.gzipped : answer.body);
}

/**
 * `GET /api/openapi.json` (the committed document, read at start-up) and `GET /api/docs` (Swagger
 * UI from swagger-ui-dist, with its assets under `/api/docs/`). Only these exact paths, as sent:
 * anything else falls through to the routing decision, which refuses ambiguous spellings (400)
 * and answers 404 for unknown ones. Static answers: no body is read, no token checked, and
 * nothing goes upstream; `limit` (the global rate limit) still counts them.
 */
export function serveApiDocs(limit: RequestHandler, documentPath = API_DOCUMENT_PATH): RequestHandler {
  let answers = loaded.get(documentPath);
  if (answers === undefined) {
    answers = loadAnswers(documentPath);
    loaded.set(documentPath, answers);
  }
  const served = answers;
  return (req, res, next) => {
    const queryAt = req.url.indexOf('?');
    const rawPath = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
    const answer = served.get(rawPath);
    if (answer === undefined) return next();
    res.locals.routeTemplate = rawPath; // one of a fixed few
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return next(new MethodNotAllowedError(req.method, ['GET', 'HEAD']));
    void limit(req, res, (error?: unknown) => {
      if (error !== undefined) next(error);
      else send(req, res, answer);
    });
  };
}
