import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.mts';

/**
 * The tests Stryker runs against each mutant: only those that exercise the code in this process
 * (unit and component tests). Tests that start real processes run the built `dist/`, which
 * never contains a mutant, so they would only cost time.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['*/test/**/*.test.ts', '*/src/**/*.unit.test.ts'],
      exclude: [
        'scripts/**',
        'api-gateway/test/gateway.floods.test.ts',
        'api-gateway/test/gateway.cluster.test.ts',
        'api-gateway/test/gateway.exposure.test.ts',
        '**/node_modules/**',
      ],
    },
  }),
);
