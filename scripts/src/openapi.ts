// npm run openapi: writes api-gateway/openapi.json from the services' contracts, and the typed
// client's types (scripts/test/support/api-types.ts) from that document.
// npm run openapi -- --check: fails if either committed file differs from what the code generates.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument, serialiseDocument } from './openapi-document.js';
import { generateClientTypes } from './openapi-types.js';

const DOCUMENT_PATH = path.resolve(__dirname, '../../api-gateway/openapi.json');
const TYPES_PATH = path.resolve(__dirname, '../test/support/api-types.ts');

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // missing: reported as stale
  }
}

async function main(): Promise<void> {
  const document = serialiseDocument(buildOpenApiDocument());
  const generated = [
    { file: DOCUMENT_PATH, text: document },
    { file: TYPES_PATH, text: await generateClientTypes(document) },
  ];
  if (process.argv.includes('--check')) {
    const stale = generated.filter(({ file, text }) => readOrEmpty(file) !== text);
    for (const { file } of stale)
      console.error(`${path.relative(process.cwd(), file)} is stale: run \`npm run openapi\` and commit it`);
    if (stale.length > 0) process.exit(1);
    console.log('openapi.json and the client types are up to date');
    return;
  }
  for (const { file, text } of generated) {
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
