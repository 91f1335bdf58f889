// npm run openapi: writes api-gateway/openapi.json from the services' contracts.
// npm run openapi -- --check: fails if the committed file differs from what the code generates.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument, serialiseDocument } from './openapi-document.js';

const DOCUMENT_PATH = path.resolve(__dirname, '../../api-gateway/openapi.json');

const text = serialiseDocument(buildOpenApiDocument());
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(DOCUMENT_PATH, 'utf8');
  } catch {
    // missing: reported as stale below
  }
  if (committed !== text) {
    console.error(`${path.relative(process.cwd(), DOCUMENT_PATH)} is stale: run \`npm run openapi\` and commit it`);
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  writeFileSync(DOCUMENT_PATH, text);
  console.log(`wrote ${path.relative(process.cwd(), DOCUMENT_PATH)}`);
}
