import { describe, expect, it, vi } from 'vitest';
import { withTimeout } from './with-timeout.js';

describe('withTimeout', () => {
  it('gives the outcome of work that finishes in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    try {
      await expect(withTimeout(Promise.resolve(7), 1000, 'slow')).resolves.toBe(7);
      await expect(withTimeout(Promise.reject(new Error('broken')), 1000, 'slow')).rejects.toThrow('broken');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with the message once the time is up', async () => {
    vi.useFakeTimers();
    try {
      const never = new Promise<number>(() => undefined);
      const waited = withTimeout(never, 250, 'no answer in 250 ms');
      const outcome = expect(waited).rejects.toThrow('no answer in 250 ms');
      await vi.advanceTimersByTimeAsync(249);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await outcome;
    } finally {
      vi.useRealTimers();
    }
  });
});
