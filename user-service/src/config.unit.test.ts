import { ConfigError, parseConfig } from '@shop/shared/core';
import { describe, expect, it } from 'vitest';
import { adminSeedFrom, configShape } from './config';

describe('user-service config', () => {
  it('when nothing is set, it defaults to port 3001, database "users" and no admin seed', () => {
    const config = parseConfig(configShape, {});

    expect(config).toMatchObject({ PORT: 3001, MONGODB_DB: 'users' });
    expect(adminSeedFrom(config)).toBeUndefined();
  });

  it('when both admin variables are set, it returns the seed', () => {
    const config = parseConfig(configShape, { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'long enough' });

    expect(adminSeedFrom(config)).toEqual({ email: 'root@example.com', password: 'long enough' });
  });

  it('when only one admin variable is set, it throws a ConfigError', () => {
    const config = parseConfig(configShape, { ADMIN_EMAIL: 'root@example.com' });

    expect(() => adminSeedFrom(config)).toThrow(ConfigError);
  });

  it('when the admin email is not an email or the password is short, parsing names both variables', () => {
    expect(() => parseConfig(configShape, { ADMIN_EMAIL: 'root', ADMIN_PASSWORD: 'short' })).toThrow(
      /ADMIN_EMAIL[\s\S]*ADMIN_PASSWORD/,
    );
  });
});
