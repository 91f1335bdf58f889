import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/database/process-utils';
import { startService, stopService, waitUntilReady, type RunningService } from '../src/stack';

let registry: RunningService;
afterAll(() => stopService(registry));

/** Sends `sent` and waits until the server closes the connection: how long that took, and what it answered. */
function heldFor(port: number, sent: string): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(sent));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve({ ms: Date.now() - startedAt, answer }));
    socket.on('error', reject);
    socket.setTimeout(40_000, () => socket.destroy(new Error('still open after 40 s')));
  });
}

describe('slow clients, against a real process (every service runs the same main())', () => {
  it('headers not finished within 10 s: the connection is closed with 408 soon after, not a minute later', async () => {
    const port = await freePort();
    registry = startService('service-registry', { PORT: String(port), LOG_LEVEL: 'warn' });
    await waitUntilReady(registry, 20_000);

    const { ms, answer } = await heldFor(port, 'GET /services HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(9_000);
    expect(ms).toBeLessThan(12_500);
  }, 30_000);
});
