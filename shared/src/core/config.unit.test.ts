import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, secret, tokenConfigShape } from './config';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    parseConfig(tokenConfigShape, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('shared configuration', () => {
  it('outside production on a loopback address, a missing JWT_SECRET falls back to the development secret', () => {
    expect(parseConfig(tokenConfigShape, { HOST: '127.0.0.1' }).JWT_SECRET).toMatch(/development-only/);
  });

  it('on a reachable address (a container binding 0.0.0.0), a missing JWT_SECRET stops the service even in development', () => {
    expect(problemsOf({ HOST: '0.0.0.0' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: is required when HOST is not a loopback address/),
    ]);
  });

  it('in production a secret shorter than 32 bytes is refused', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*32 bytes/),
    ]);
  });

  it('every malformed variable is named at once', () => {
    const problems = problemsOf({ LOG_LEVEL: 'loud', BODY_LIMIT_BYTES: 'big' });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^LOG_LEVEL:/), expect.stringMatching(/^BODY_LIMIT_BYTES:/)]),
    );
  });

  it('access tokens live 15 minutes unless configured, and never longer than a day', () => {
    expect(parseConfig(tokenConfigShape, {}).JWT_EXPIRES_IN_SECONDS).toBe(900);
    expect(parseConfig(tokenConfigShape, { JWT_EXPIRES_IN_SECONDS: '86400' }).JWT_EXPIRES_IN_SECONDS).toBe(86_400);
    expect(problemsOf({ JWT_EXPIRES_IN_SECONDS: String(86_400 * 30) })).toEqual([
      expect.stringMatching(/^JWT_EXPIRES_IN_SECONDS:/),
    ]);
    expect(problemsOf({ JWT_EXPIRES_IN_SECONDS: '59' })).toEqual([expect.stringMatching(/^JWT_EXPIRES_IN_SECONDS:/)]);
  });

  it('a process that declares no JWT secret (the registry) does not need one in production, but needs its own secrets', () => {
    const shape = { REGISTRY_TOKEN: secret('development-only-registry-token') };
    expect(parseConfig(shape, { NODE_ENV: 'production', REGISTRY_TOKEN: 'r'.repeat(32) })).not.toHaveProperty(
      'JWT_SECRET',
    );
    expect(() => parseConfig(shape, { NODE_ENV: 'production' })).toThrow(/REGISTRY_TOKEN: is required in production/);
    expect(parseConfig(shape, {}).REGISTRY_TOKEN).toBe('development-only-registry-token');
  });

  it('an empty variable counts as unset: its default applies, and an empty secret is no secret', () => {
    expect(parseConfig(tokenConfigShape, { JWT_EXPIRES_IN_SECONDS: '' }).JWT_EXPIRES_IN_SECONDS).toBe(900);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: '' })).toEqual([
      expect.stringMatching(/^JWT_SECRET: is required in production/),
    ]);
  });
});
