import { readFileSync } from 'node:fs';
import path from 'node:path';
import { baseConfigShape } from '@shop/shared/core';
import { describe, expect, it } from 'vitest';
import { configShape as gateway } from '../../api-gateway/src/config';
import { configShape as orders } from '../../order-service/src/config';
import { configShape as products } from '../../product-service/src/config';
import { configShape as registry } from '../../service-registry/src/config';
import { configShape as users } from '../../user-service/src/config';

/** The variables named in the first column of the README's tables for the processes (not the launcher's). */
function documentedVariables(): string[] {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('Launcher and tests'));
  const names = new Set<string>();
  for (const row of section.matchAll(/^\| ([^|]+) \|/gm)) {
    for (const name of row[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name[1]!);
  }
  return [...names].sort();
}

describe('README configuration tables', () => {
  it('list exactly the variables the gateway, the services and the registry read', () => {
    const read = new Set(
      [baseConfigShape, gateway, users, products, orders, registry].flatMap((shape) => Object.keys(shape)),
    );
    expect(documentedVariables()).toEqual([...read].sort());
  });
});
