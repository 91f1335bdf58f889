import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startDrillEnvironment, type DrillEnvironment } from '../src/drills/drill-environment';
import { DRILLS, productServiceKilled, type Drill, type DrillResult } from '../src/drills/drill-scenarios';
import { formatDrill } from '../src/drills/report';

// Fault drills against real processes: the same scenarios `npm run drill` prints, asserted here.
// One stack for the file (user-, product-, order-service and a delay proxy); each drill leaves it healthy.
let env: DrillEnvironment | undefined;

beforeAll(async () => {
  env = await startDrillEnvironment({ mongoUri: inject('mongoUri') });
});
afterAll(async () => {
  await env?.stop();
});

// A shorter kill loop than `npm run drill` (30) keeps CI fast; the checks are the same.
const CI_KILLS = 6;

async function runDrill(id: string, drill: Drill | undefined = DRILLS.find((d) => d.id === id)): Promise<DrillResult> {
  if (drill === undefined || env === undefined) throw new Error(`drill ${id} cannot run`);
  const result = await drill.run(env);
  // The table goes to the test output, so a failure shows every measurement, not just one number.
  console.log(formatDrill(result));
  return result;
}

function expectAllChecks(result: DrillResult): void {
  expect(result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
  expect(result.oversold).toBe(0);
  expect(result.leaked).toBe(0);
}

describe.sequential('fault drills with real processes', () => {
  it(
    'product-service killed mid-stream: fast 503s while the breaker is open, orders succeed soon after the restart',
    { timeout: 60_000 },
    async () => {
      const result = await runDrill('product-service-stops');
      expectAllChecks(result);
      expect(result.fastFailures).toBeGreaterThan(0);
      expect(result.recoveryMs).not.toBeNull();
    },
  );

  it('slow product-service: timeouts and retries, and no reservation applied twice', { timeout: 60_000 }, async () => {
    const result = await runDrill('slow-product-service');
    expectAllChecks(result);
    expect(result.successes).toBeGreaterThan(0);
  });

  it(
    'order-service killed between reserving and saving: the sweep gives the stock back',
    { timeout: 60_000 },
    async () => {
      const result = await runDrill('order-service-dies-mid-saga');
      expectAllChecks(result);
      expect(result.recoveryMs).not.toBeNull();
    },
  );

  it(
    `product-service killed ${CI_KILLS} times during orders and cancels: no unit lost in any crash, none oversold or held once swept`,
    { timeout: 90_000 },
    async () => {
      const result = await runDrill('product-service-killed', productServiceKilled(CI_KILLS));
      expectAllChecks(result);
      expect(result.successes).toBeGreaterThan(0);
    },
  );
});
