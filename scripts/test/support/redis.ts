import { hasRedisServer } from '../../src/redis-server';
import { describeRequiring } from './requires-tool';

export { startRedisServer, type LocalRedis } from '../../src/redis-server';

/**
 * `describe` for tests that need a real redis-server: skipped with a warning when it is not
 * installed, unless REQUIRE_REDIS=1 (as in CI), where its absence fails.
 */
export function describeWithRedis(name: string, body: () => void): void {
  describeRequiring({ name: 'redis-server', isInstalled: hasRedisServer(), requiredBy: 'REQUIRE_REDIS' }, name, body);
}
