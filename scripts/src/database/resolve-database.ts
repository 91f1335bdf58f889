import {
  startFerretdb,
  startMongoJavaServer,
  startMongod,
  type EngineName,
  type EngineOptions,
  type Log,
  type RunningDatabase,
} from './engines.js';

export type { RunningDatabase, EngineName };

const ENGINES: Record<EngineName, (options: EngineOptions) => Promise<RunningDatabase>> = {
  mongod: startMongod,
  'mongo-java-server': startMongoJavaServer,
  ferretdb: startFerretdb,
};

/**
 * Order of preference. FerretDB v1 (SQLite) comes last: its conditional updates are not
 * atomic under concurrency (see docs/adr/0002-embedded-database.md), so stock could oversell.
 */
const DEFAULT_ORDER: EngineName[] = ['mongod', 'mongo-java-server', 'ferretdb'];

function engineOrder(): EngineName[] {
  const forced = process.env.SHOP_DB_ENGINE;
  if (forced === undefined || forced === '' || forced === 'auto') return DEFAULT_ORDER;
  if (!(forced in ENGINES))
    throw new Error(`SHOP_DB_ENGINE must be one of auto, ${DEFAULT_ORDER.join(', ')}; got "${forced}"`);
  return [forced as EngineName];
}

const stderrLog: Log = (message) => process.stderr.write(`[database] ${message}\n`);

/**
 * Finds a MongoDB-protocol server: MONGODB_URI if set, else the first engine that starts, in
 * memory or, with `dataDir`, keeping its data in that folder. The caller must `stop()` it.
 */
export async function resolveDatabase({
  log = stderrLog,
  dataDir,
}: { log?: Log; dataDir?: string } = {}): Promise<RunningDatabase> {
  const external = process.env.MONGODB_URI;
  if (external !== undefined && external !== '') {
    return { engine: 'external', uri: external, stop: async () => undefined };
  }
  const failures: string[] = [];
  for (const engine of engineOrder()) {
    try {
      const database = await ENGINES[engine]({ log, dataDir });
      if (engine === 'ferretdb') {
        log(
          'WARNING: FerretDB v1 does not apply conditional updates atomically; concurrent stock changes can oversell',
        );
      }
      log(`using ${engine} at ${database.uri}`);
      return database;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      failures.push(`  - ${engine}: ${reason}`);
      log(`${engine} unavailable: ${reason}`);
    }
  }
  throw new Error(
    [
      'No MongoDB-protocol server could be found or started:',
      ...failures,
      'Fix one of: set MONGODB_URI to a running MongoDB; install mongod (or set MONGOMS_SYSTEM_BINARY) or allow',
      'mongodb-memory-server to download it; install Java 17+ with Maven (mongo-java-server); or install Go (FerretDB).',
    ].join('\n'),
  );
}
