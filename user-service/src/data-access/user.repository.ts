import { isDuplicateKeyError } from '@shop/shared/core';
import { Types, type Connection, type mongo } from 'mongoose';
import { normalizeEmail } from '../domain/email.js';
import { EmailTakenError } from '../domain/user.errors.js';
import type { LoginLimits, NewUser, User, UserChanges, UserCredentials, UserStore } from '../domain/user.js';
import { userModelFor, type UserModel, type UserRecord } from './user.model.js';

const OBJECT_ID = /^[a-f\d]{24}$/i;

// The allowlist: a field reaches the rest of the service only if it is named here.
const PUBLIC_FIELDS = { _id: 1, name: 1, email: 1, role: 1, disabled: 1, createdAt: 1, updatedAt: 1 } as const;
type PublicRecord = Pick<UserRecord, keyof typeof PUBLIC_FIELDS>;

const CREDENTIAL_FIELDS = { ...PUBLIC_FIELDS, passwordHash: 1, failedLogins: 1, lockedUntil: 1 } as const;
type CredentialRecord = Pick<UserRecord, keyof typeof CREDENTIAL_FIELDS>;

const FAILURE_FIELDS = { failedLogins: 1 } as const;
type FailureRecord = Pick<UserRecord, '_id' | keyof typeof FAILURE_FIELDS>;

function toUser(record: PublicRecord): User {
  return {
    id: record._id.toHexString(),
    name: record.name,
    email: record.email,
    role: record.role,
    disabled: record.disabled === true,
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
  // The same collection, typed by its documents (mongoose types it by a generic document).
  const collection = model.collection as unknown as mongo.Collection<UserRecord>;

  /** Adds one failure to a window opened after `windowStart`; null when there is none. */
  // Attempts are counted only while the account is not locked: one that raced past the lock
  // check must not start a fresh count (and a fresh set of guesses) under the lock.
  const notLocked = (now: Date) => ({ $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] });

  const countInOpenWindow = (id: string, windowStart: Date, now: Date) =>
    model
      .findOneAndUpdate(
        { _id: id, failedLoginsSince: { $gt: windowStart }, ...notLocked(now) },
        { $inc: { failedLogins: 1 } },
        { new: true, projection: FAILURE_FIELDS },
      )
      .lean<FailureRecord>();

  /** Opens a window with this failure, unless another request opened one meanwhile. */
  const openWindow = (id: string, windowStart: Date, now: Date) =>
    model
      .findOneAndUpdate(
        {
          _id: id,
          $and: [{ $or: [{ failedLoginsSince: null }, { failedLoginsSince: { $lte: windowStart } }] }, notLocked(now)],
        },
        { $set: { failedLogins: 1, failedLoginsSince: now } },
        { new: true, projection: FAILURE_FIELDS },
      )
      .lean<FailureRecord>();

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
      // Through the driver: order-service asks this for every order, and mongoose's query layer
      // costs more than the read itself; the projection is the same allowlist.
      const record = await collection.findOne({ _id: new Types.ObjectId(id) }, { projection: PUBLIC_FIELDS });
      return record === null ? null : toUser(record);
    },

    async findByEmail(email: string) {
      const record = await model.findOne({ email: normalizeEmail(email) }, PUBLIC_FIELDS).lean<PublicRecord>();
      return record === null ? null : toUser(record);
    },

    async findCredentialsByEmail(email: string): Promise<UserCredentials | null> {
      const record = await model.findOne({ email: normalizeEmail(email) }, CREDENTIAL_FIELDS).lean<CredentialRecord>();
      if (record === null) return null;
      return {
        user: toUser(record),
        passwordHash: record.passwordHash,
        lockedUntil: record.lockedUntil ?? null,
      };
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

    async update(id: string, changes: UserChanges) {
      if (!OBJECT_ID.test(id)) return null;
      const $set: UserChanges = {};
      if (changes.role !== undefined) $set.role = changes.role;
      if (changes.disabled !== undefined) $set.disabled = changes.disabled;
      const record = await model
        .findByIdAndUpdate(id, { $set }, { new: true, projection: PUBLIC_FIELDS })
        .lean<PublicRecord>();
      return record === null ? null : toUser(record);
    },

    async countLoginAttempt(id: string, limits: LoginLimits, now: Date) {
      const windowStart = new Date(now.getTime() - limits.failureWindowMs);
      // Each step is one conditional update, so concurrent failures are all counted; the second
      // try covers a window opened by another request between the two steps.
      let record: FailureRecord | null = null;
      for (let attempt = 0; attempt < 2 && record === null; attempt++) {
        record = (await countInOpenWindow(id, windowStart, now)) ?? (await openWindow(id, windowStart, now));
      }
      if (record === null) {
        // Not counted: another attempt locked the account meanwhile (or it is gone).
        const current = await model.findById(id, { lockedUntil: 1 }).lean<Pick<UserRecord, 'lockedUntil'>>();
        return current?.lockedUntil != null && current.lockedUntil > now ? current.lockedUntil : null;
      }
      if ((record.failedLogins ?? 0) <= limits.maxFailures) return null;
      const lockedUntil = new Date(now.getTime() + limits.lockoutMs);
      // The count starts again after the lock, so each period allows maxFailures guesses.
      await model.updateOne({ _id: id }, { $set: { lockedUntil }, $unset: { failedLogins: 1, failedLoginsSince: 1 } });
      return lockedUntil;
    },

    async clearLoginFailures(id: string) {
      await model.updateOne({ _id: id }, { $unset: { failedLogins: 1, failedLoginsSince: 1, lockedUntil: 1 } });
    },
  };
}
