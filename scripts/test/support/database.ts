import { randomBytes } from 'node:crypto';
import { createLogger } from '@shop/shared/core';
import { connectDatabase } from '@shop/shared/mongo';
import type { Connection } from 'mongoose';
import { inject } from 'vitest';

export const testLogger = createLogger('test', 'silent');

export interface TestDatabase {
  connection: Connection;
  dbName: string;
  close(): Promise<void>;
}

/** A database of its own for one test file, so files can run in parallel; dropped on close. */
export async function openTestDatabase(prefix: string): Promise<TestDatabase> {
  const dbName = `test-${prefix}-${randomBytes(4).toString('hex')}`;
  const connection = await connectDatabase({ uri: inject('mongoUri'), dbName, logger: testLogger, attempts: 3 });
  return {
    connection,
    dbName,
    close: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** A value no other test uses, for unique fields such as emails. */
export function unique(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}
