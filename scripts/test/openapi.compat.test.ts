import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCompatibility, CURRENT_DOCUMENT, ensureOasdiff, latestRelease } from '../src/openapi-compat.js';

/**
 * The breaking-change check (npm run openapi:check) on scratch copies of the document: a change
 * that breaks a client fails it unless info.version has a higher major version.
 */

interface Document {
  info: { version: string };
  paths: Record<string, Record<string, { parameters?: unknown[] }>>;
  components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
}

let dir: string;
let oasdiff: string;
const released = () => latestRelease()!;
const current = () => JSON.parse(readFileSync(CURRENT_DOCUMENT, 'utf8')) as Document;
/** The released version with one part changed: `bump(0, 1)` is the next major version. */
const bump = (part: 0 | 1 | 2, by: number) =>
  released()
    .version.split('.')
    .map((number, index) => (index < part ? number : index === part ? Number(number) + by : 0))
    .join('.');

function scratch(name: string, change: (document: Document) => void): string {
  const document = current();
  change(document);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  return file;
}

const withoutSoldCount = (document: Document) => {
  const product = document.components.schemas.Product!;
  delete product.properties.soldCount;
  product.required = product.required.filter((name) => name !== 'soldCount');
};
const withRequiredCurrency = (document: Document) => {
  document.paths['/api/products']!.get!.parameters!.push({
    in: 'query',
    name: 'currency',
    required: true,
    schema: { type: 'string' },
  });
};
const withVersion = (version: string) => (document: Document) => {
  document.info.version = version;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'openapi-compat-'));
  oasdiff = ensureOasdiff();
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the breaking-change check against the released document', () => {
  it('passes for the committed document against the newest release', () => {
    const result = checkCompatibility(released().file, CURRENT_DOCUMENT, oasdiff);
    expect(result, result.report).toMatchObject({ ok: true });
  });

  it('fails when a response loses a field, naming the change and the version to bump', () => {
    const result = checkCompatibility(released().file, scratch('removed', withoutSoldCount), oasdiff);
    expect(result.ok).toBe(false);
    expect(result.report).toContain(`breaks clients of the released ${released().version}`);
    expect(result.report).toContain('response-required-property-removed');
    expect(result.report).toContain('soldCount');
    expect(result.report).toContain('API_INFO.version in api-gateway/src/contract.ts');
  });

  it('fails when an operation gains a required parameter, even with a minor version bump', () => {
    const result = checkCompatibility(
      released().file,
      scratch('param', (document) => {
        withRequiredCurrency(document);
        withVersion(bump(1, 1))(document);
      }),
      oasdiff,
    );
    expect(result.ok).toBe(false);
    expect(result.report).toContain('new-required-request-parameter');
  });

  it('passes the same breaking changes with a major version bump', () => {
    const file = scratch('major', (document) => {
      withoutSoldCount(document);
      withRequiredCurrency(document);
      withVersion(bump(0, 1))(document);
    });
    const result = checkCompatibility(released().file, file, oasdiff);
    expect(result, result.report).toMatchObject({ ok: true });
    expect(result.report).toContain(`allowed by the major version ${bump(0, 1)}`);
  });

  it('passes an addition (a new optional field), and fails a version lower than the released one', () => {
    const added = scratch('added', (document) => {
      document.components.schemas.Product!.properties.color = { type: 'string' };
      withVersion(bump(1, 1))(document);
    });
    expect(checkCompatibility(released().file, added, oasdiff)).toMatchObject({ ok: true });
    const lower = checkCompatibility(released().file, scratch('lower', withVersion(bump(0, -1))), oasdiff);
    expect(lower).toEqual({
      ok: false,
      report: `info.version ${bump(0, -1)} is lower than the released ${released().version}`,
    });
  });
});
