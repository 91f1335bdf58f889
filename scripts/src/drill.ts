import { resolveDatabase } from './database/resolve-database';
import { startDrillEnvironment, type DrillEnvironment } from './drills/drill-environment';
import { DRILLS, KILL_LOOP, type DrillResult } from './drills/drill-scenarios';
import { formatDrill, formatSummary } from './drills/report';

/**
 * `npm run drill`: fault drills against real processes (user-, product- and order-service on the
 * resolved database, a delay proxy in front of product-service). Prints a table per scenario and
 * a summary; exits 1 if any check failed. `DRILL=<id>` runs one scenario; `DRILL_KILLS` sets how
 * often `product-service-killed` kills product-service (30 by default).
 */
async function main(): Promise<number> {
  const only = process.env.DRILL;
  const drills = only === undefined || only === '' ? DRILLS : DRILLS.filter((d) => d.id === only);
  if (drills.length === 0) throw new Error(`DRILL must be one of ${DRILLS.map((d) => d.id).join(', ')}`);
  if (!Number.isSafeInteger(KILL_LOOP.kills) || KILL_LOOP.kills < 1)
    throw new Error(`DRILL_KILLS must be a whole number of at least 1; got "${process.env.DRILL_KILLS}"`);
  const database = await resolveDatabase();
  let env: DrillEnvironment | undefined;
  const stopAll = async () => {
    await env?.stop();
    env = undefined;
    await database.stop();
  };
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: DrillResult[] = [];
  try {
    env = await startDrillEnvironment({
      mongoUri: database.uri,
      log: (message) => console.error(`[drill] ${message}`),
    });
    for (const drill of drills) {
      console.error(`[drill] running ${drill.id}`);
      const result = await drill.run(env);
      results.push(result);
      console.log(formatDrill(result));
    }
  } finally {
    await stopAll();
  }
  console.log(formatSummary(results));
  const failed = results.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.id}: ${c.name}`));
  if (failed.length > 0) {
    console.log(`\n${failed.length} check(s) failed:\n${failed.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  console.log('\nall checks passed');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
