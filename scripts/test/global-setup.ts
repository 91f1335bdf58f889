import type { TestProject } from 'vitest/node';
import { resolveDatabase } from '../src/database/resolve-database';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    databaseEngine: string;
  }
}

/** One database server for the whole run, found by the same resolver `npm start` uses. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await resolveDatabase();
  project.provide('mongoUri', database.uri);
  project.provide('databaseEngine', database.engine);
  return () => database.stop();
}
