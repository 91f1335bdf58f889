import { isDuplicateKeyError } from '@shop/shared';
import type { Connection } from 'mongoose';
import { normalizeEmail } from '../domain/email.js';
import { EmailTakenError } from '../domain/user.errors.js';
import type { NewUser, User, UserCredentials, UserStore } from '../domain/user.js';
import { userModelFor, type UserModel, type UserRecord } from './user.model.js';

const OBJECT_ID = /^[a-f\d]{24}$/i;

// The allowlist: a field reaches the rest of the service only if it is named here.
const PUBLIC_FIELDS = { _id: 1, name: 1, email: 1, role: 1, createdAt: 1, updatedAt: 1 } as const;
type PublicRecord = Pick<UserRecord, keyof typeof PUBLIC_FIELDS>;

function toUser(record: PublicRecord): User {
  return {
    id: record._id.toHexString(),
    name: record.name,
    email: record.email,
    role: record.role,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export interface UserRepository extends UserStore {
  /** Builds the indexes (the unique email among them); await before serving. */
  ensureIndexes(): Promise<void>;
}

export function createUserRepository(connection: Connection): UserRepository {
  const model: UserModel = userModelFor(connection);

  return {
    async ensureIndexes() {
      await model.init();
    },

    async create(user: NewUser) {
      try {
        const created = await model.create({ ...user, email: normalizeEmail(user.email) });
        return toUser(created.toObject());
      } catch (error) {
        if (isDuplicateKeyError(error)) throw new EmailTakenError({ cause: error });
        throw error;
      }
    },

    async findById(id: string) {
      if (!OBJECT_ID.test(id)) return null;
      const record = await model.findById(id, PUBLIC_FIELDS).lean<PublicRecord>();
      return record === null ? null : toUser(record);
    },

    async findByEmail(email: string) {
      const record = await model.findOne({ email: normalizeEmail(email) }, PUBLIC_FIELDS).lean<PublicRecord>();
      return record === null ? null : toUser(record);
    },

    async findCredentialsByEmail(email: string): Promise<UserCredentials | null> {
      const record = await model
        .findOne({ email: normalizeEmail(email) }, { ...PUBLIC_FIELDS, passwordHash: 1 })
        .lean<PublicRecord & Pick<UserRecord, 'passwordHash'>>();
      return record === null ? null : { user: toUser(record), passwordHash: record.passwordHash };
    },

    async list({ page, limit }) {
      const [records, total] = await Promise.all([
        model
          .find({}, PUBLIC_FIELDS)
          .sort({ createdAt: -1, _id: -1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<PublicRecord[]>(),
        model.countDocuments({}),
      ]);
      return { items: records.map(toUser), total };
    },
  };
}
