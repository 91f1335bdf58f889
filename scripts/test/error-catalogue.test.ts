import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGES = ['shared', 'api-gateway', 'user-service', 'product-service', 'order-service', 'service-registry'];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') && !file.endsWith('.test.ts') ? [file] : [];
  });
}

/** Every error code the code can produce: dotted upper-case literals, and the first argument of an AppError. */
function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const file of PACKAGES.flatMap((pkg) => sourceFiles(path.join(ROOT, pkg, 'src')))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/'([A-Z][A-Z_]*\.[A-Z][A-Z_]*)'/g)) codes.add(match[1]!);
    for (const match of text.matchAll(/(?:AppError|super)\(\s*'([A-Z][A-Z_.]*)'/g)) codes.add(match[1]!);
  }
  return codes;
}

function codesInCatalogue(): Set<string> {
  const catalogue = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
  return new Set([...catalogue.matchAll(/^\| `([A-Z][A-Z_.]*)` \|/gm)].map((match) => match[1]!));
}

describe('the error catalogue (docs/errors.md)', () => {
  it('lists every code the services can answer with', () => {
    const listed = codesInCatalogue();
    expect([...codesInSource()].filter((code) => !listed.has(code)).sort()).toEqual([]);
  });

  it('lists no code that nothing answers with', () => {
    const used = codesInSource();
    expect([...codesInCatalogue()].filter((code) => !used.has(code)).sort()).toEqual([]);
  });
});
