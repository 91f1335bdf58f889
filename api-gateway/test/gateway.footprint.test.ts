import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = path.resolve(__dirname, '..', 'dist');

/** The packages a fresh Node process has loaded after requiring the built gateway modules. */
function packagesLoadedBy(modules: string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(${JSON.stringify(DIST)} + '/' + m);
    const names = new Set(Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(f)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('the gateway loads only what it uses', () => {
  it('its modules load neither mongoose nor axios (nor any database driver or service client)', () => {
    const loaded = packagesLoadedBy([
      'app.js',
      'auth.js',
      'config.js',
      'metrics.js',
      'connection-limits.js',
      'cluster.js',
      'proxy.js',
      'routing.js',
    ]);
    expect(loaded).toContain('express'); // the check sees packages at all
    for (const heavy of ['mongoose', 'mongodb', 'axios', 'cockatiel']) expect(loaded).not.toContain(heavy);
  });

  it('without REDIS_URL the Redis client is not loaded; it comes in only with the Redis store', () => {
    expect(packagesLoadedBy(['app.js', 'auth.js', 'config.js'])).not.toContain('@redis/client');
    expect(packagesLoadedBy(['redis-store.js', '../../shared/dist/events/index.js'])).toContain('@redis/client');
  });
});
