import { describe, expect, it } from 'vitest';
import { hasRedisServer } from '../../src/redis-server';

export { startRedisServer, type LocalRedis } from '../../src/redis-server';

/**
 * `describe` for tests that need a real redis-server: skipped with a warning when it is not
 * installed, unless REQUIRE_REDIS=1 (as in CI), where its absence fails.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (hasRedisServer()) {
    describe(name, body);
    return;
  }
  if (process.env.REQUIRE_REDIS === '1') {
    describe(name, () => {
      it('needs redis-server', () => {
        expect.fail('REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)');
      });
    });
    return;
  }
  console.warn(`redis-server not found: skipping "${name}" (set REQUIRE_REDIS=1 to make this a failure)`);
  describe.skip(name, body);
}
