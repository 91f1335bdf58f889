import { describe, expect, it } from 'vitest';
import { freePort } from '../src/database/process-utils';
import { startService, type RunningService } from '../src/stack';

function exitOf(service: RunningService): Promise<number | null> {
  return new Promise((resolve) => service.child.once('exit', (code) => resolve(code)));
}

describe('configuration is checked before a service starts', () => {
  it('in production without a JWT secret of 32 bytes, the service refuses to start and names JWT_SECRET', async () => {
    const service = startService('user-service', {
      NODE_ENV: 'production',
      JWT_SECRET: 'too-short',
      PORT: String(await freePort()),
    });
    expect(await exitOf(service)).toBe(1);
    expect(service.output.join('\n')).toMatch(/JWT_SECRET: is required in production and must be at least 32 bytes/);
  });

  it('a malformed variable stops the process with a message naming it', async () => {
    const service = startService('product-service', { PORT: 'not-a-port', MONGODB_URI: 'postgres://nope' });
    expect(await exitOf(service)).toBe(1);
    const output = service.output.join('\n');
    expect(output).toMatch(/PORT:/);
    expect(output).toMatch(/MONGODB_URI: must be a mongodb:\/\//);
  });
});
