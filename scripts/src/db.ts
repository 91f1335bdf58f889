import { parseArgs } from 'node:util';
import { resolveDatabase } from './database/resolve-database';

/**
 * `npm run db`: starts the embedded database and prints its URI until Ctrl-C.
 * `npm run db -- --prepare`: builds/fetches the engine once (CI), checks it starts, and exits.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { prepare: { type: 'boolean', default: false } } });
  const database = await resolveDatabase();
  if (values.prepare) {
    console.log(`database ready: ${database.engine}`);
    await database.stop();
    return;
  }
  console.log(`MONGODB_URI=${database.uri}  (${database.engine}); Ctrl-C to stop`);
  const stop = () => void database.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
