import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; the services themselves import the built package.
    alias: [
      { find: /^@shop\/shared\/([\w-]+)$/, replacement: path.resolve(root, 'shared/src/$1/index.ts') },
      { find: /^@shop\/test-support$/, replacement: path.resolve(root, 'scripts/test/support/index.ts') },
    ],
  },
  test: {
    include: ['*/test/**/*.test.ts', '*/src/**/*.unit.test.ts'],
    globalSetup: ['scripts/test/global-setup.ts'],
    // Every answer a test gets through supertest must be one api-gateway/openapi.json allows.
    setupFiles: ['scripts/test/support/contract-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
