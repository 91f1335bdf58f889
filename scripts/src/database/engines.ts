import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoMemoryServer } from 'mongodb-memory-server-core';
import { cacheDir } from './cache.js';
import { freePort, hasCommand, run, waitForPort } from './process-utils.js';

export type EngineName = 'mongod' | 'mongo-java-server' | 'ferretdb';

export interface RunningDatabase {
  engine: EngineName | 'external';
  /** Server address without a database name; each service picks its own database. */
  uri: string;
  stop(): Promise<void>;
}

export type Log = (message: string) => void;

/** Where an engine keeps its data: `undefined` for memory only (tests), a folder to keep it (`npm start`). */
export interface EngineOptions {
  log: Log;
  dataDir?: string;
}

const JAVA_DIR = path.resolve(__dirname, '../../java');
const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';

// Without internet the mongod download fails after ~8 s of retries on every run; remember that for a while.
const DOWNLOAD_FAILURE_MEMORY_MS = 60 * 60 * 1000;

/** A real mongod: a system binary (MONGOMS_SYSTEM_BINARY) or mongodb-memory-server's download. */
export async function startMongod({ dataDir }: EngineOptions): Promise<RunningDatabase> {
  const marker = cacheDir('mongod-download-failed');
  const usesDownload = process.env.MONGOMS_SYSTEM_BINARY === undefined && process.env.SHOP_DB_ENGINE !== 'mongod';
  if (usesDownload && existsSync(marker) && Date.now() - statSync(marker).mtimeMs < DOWNLOAD_FAILURE_MEMORY_MS) {
    throw new Error(
      `its download failed less than an hour ago (set SHOP_DB_ENGINE=mongod, or delete ${marker}, to try again)`,
    );
  }
  let server: MongoMemoryServer;
  try {
    const storage =
      dataDir === undefined ? {} : { dbPath: path.join(dataDir, 'mongod'), storageEngine: 'wiredTiger' as const };
    if (storage.dbPath !== undefined) await mkdir(storage.dbPath, { recursive: true });
    server = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1', ...storage } });
  } catch (error) {
    if (usesDownload && /download/i.test(String(error))) {
      await mkdir(path.dirname(marker), { recursive: true });
      await writeFile(marker, `${new Date().toISOString()}\n`);
    }
    throw error;
  }
  return {
    engine: 'mongod',
    uri: server.getUri().replace(/\/$/, ''),
    stop: async () => {
      await server.stop();
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Fetches mongo-java-server (with its H2 store) from Maven Central and compiles its launcher, once. */
export async function prepareMongoJavaServer(log: Log): Promise<string> {
  // Keyed by the launcher and pom too: a changed launcher is rebuilt, not run stale from the cache.
  const sources = createHash('sha256')
    .update(readFileSync(path.join(JAVA_DIR, 'pom.xml')))
    .update(readFileSync(path.join(JAVA_DIR, 'MongoJavaServerLauncher.java')))
    .digest('hex');
  const home = cacheDir(`mongo-java-server-${MONGO_JAVA_SERVER_VERSION}-${sources.slice(0, 12)}`);
  if (existsSync(path.join(home, 'classes', 'MongoJavaServerLauncher.class'))) return home;
  if (!hasCommand('java') || !hasCommand('javac') || !hasCommand('mvn')) {
    throw new Error('mongo-java-server needs java, javac and mvn on PATH');
  }
  log(`building mongo-java-server ${MONGO_JAVA_SERVER_VERSION} into ${home}`);
  await mkdir(home, { recursive: true });
  await run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(JAVA_DIR, 'pom.xml'),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${path.join(home, 'lib')}`,
  ]);
  await run('javac', [
    '-cp',
    path.join(home, 'lib', '*'),
    '-d',
    path.join(home, 'classes'),
    path.join(JAVA_DIR, 'MongoJavaServerLauncher.java'),
  ]);
  return home;
}

export async function startMongoJavaServer({ log, dataDir }: EngineOptions): Promise<RunningDatabase> {
  const home = await prepareMongoJavaServer(log);
  const classpath = [path.join(home, 'lib', '*'), path.join(home, 'classes')].join(path.delimiter);
  const store = dataDir === undefined ? [] : [path.join(dataDir, 'mongo-java-server.h2')];
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  // Its stdin stays open as a lifeline: the launcher exits when this process goes away.
  const child = spawn('java', ['-Xss512k', '-cp', classpath, 'MongoJavaServerLauncher', '127.0.0.1', '0', ...store], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mongo-java-server exited with ${code}`)));
  });
  return {
    engine: 'mongo-java-server',
    uri: `mongodb://127.0.0.1:${port}`,
    // Closing its stdin lets it close the store itself; a signal only if it does not.
    stop: async () => {
      child.stdin?.end();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timer]);
      await stopChild(child);
    },
  };
}

function ferretdbBinary(): string {
  return process.env.FERRETDB_BIN ?? cacheDir(`ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

/**
 * Builds FerretDB once with Go. A plain `go install ...@v1.24.2` does not work here: the proxy
 * refuses the module's version list, and the module ships an empty build/version/version.txt
 * that makes the binary panic. So: download the exact version, fill in version.txt, build.
 */
export async function prepareFerretdb(log: Log): Promise<string> {
  const binary = ferretdbBinary();
  if (existsSync(binary)) return binary;
  if (!hasCommand('go')) throw new Error('FerretDB is not built and Go is not on PATH to build it');
  log(`building FerretDB ${FERRETDB_VERSION} with Go into ${binary} (takes a minute, once)`);
  const download = async (env: NodeJS.ProcessEnv) =>
    JSON.parse(await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { env })) as {
      Dir: string;
    };
  let module: { Dir: string };
  try {
    module = await download(process.env);
  } catch (error) {
    log(`go mod download failed (${String(error).slice(0, 200)}); retrying with GOSUMDB=off for this one module`);
    module = await download({ ...process.env, GOSUMDB: 'off' });
  }
  const source = await mkdtemp(path.join(tmpdir(), 'ferretdb-src-'));
  try {
    await cp(module.Dir, source, { recursive: true });
    await run('chmod', ['-R', 'u+w', source]);
    await writeFile(path.join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(path.dirname(binary), { recursive: true });
    await run('go', ['build', '-o', binary, './cmd/ferretdb'], {
      cwd: source,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    await chmod(binary, 0o755);
  } finally {
    await rm(source, { recursive: true, force: true });
  }
  return binary;
}

export async function startFerretdb({ log, dataDir: keptIn }: EngineOptions): Promise<RunningDatabase> {
  const binary = await prepareFerretdb(log);
  const dataDir =
    keptIn === undefined ? await mkdtemp(path.join(tmpdir(), 'ferretdb-data-')) : path.join(keptIn, 'ferretdb');
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, 15_000);
  return {
    engine: 'ferretdb',
    uri: `mongodb://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      if (keptIn === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
