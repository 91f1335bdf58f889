import { readFileSync } from 'node:fs';
import path from 'node:path';
import { baseConfigShape } from '@shop/shared/core';
import { describe, expect, it } from 'vitest';
import { configShape } from '../src/config';

describe('README configuration table', () => {
  it('when compared with the config schema, it lists exactly the variables the service reads', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]).sort();

    expect(documented).toEqual([...Object.keys(baseConfigShape), ...Object.keys(configShape)].sort());
  });
});
