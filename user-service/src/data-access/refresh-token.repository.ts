import type { Connection } from 'mongoose';
import { USED_TOKENS_REMEMBERED, type RefreshTokenFamily, type RefreshTokenStore } from '../domain/refresh-token.js';
import {
  refreshTokenFamilyModelFor,
  type RefreshTokenFamilyModel,
  type RefreshTokenFamilyRecord,
} from './refresh-token.model.js';

// The allowlist: token hashes never leave this file.
const FAMILY_FIELDS = { _id: 1, userId: 1, expiresAt: 1 } as const;
type FamilyRecord = Pick<RefreshTokenFamilyRecord, keyof typeof FAMILY_FIELDS>;

function toFamily(record: FamilyRecord): RefreshTokenFamily {
  return { id: record._id.toHexString(), userId: record.userId, expiresAt: record.expiresAt };
}

export interface RefreshTokenRepository extends RefreshTokenStore {
  /** Builds the indexes (unique token hash, TTL on expiry); await before serving. */
  ensureIndexes(): Promise<void>;
}

/**
 * Revoking deletes: a revoked token then reads as unknown, and the collection never holds more
 * than MAX_SESSIONS_PER_USER families per user (plus ended ones until the TTL monitor runs).
 */
export function createRefreshTokenRepository(connection: Connection): RefreshTokenRepository {
  const model: RefreshTokenFamilyModel = refreshTokenFamilyModelFor(connection);

  return {
    async ensureIndexes() {
      await model.init();
    },

    async createFamily(family) {
      const created = await model.create({ ...family, usedTokenHashes: [] });
      return toFamily(created.toObject());
    },

    async rotate(tokenHash, nextTokenHash, now) {
      const record = await model
        .findOneAndUpdate(
          { tokenHash, expiresAt: { $gt: now } },
          {
            $set: { tokenHash: nextTokenHash },
            $push: { usedTokenHashes: { $each: [tokenHash], $slice: -USED_TOKENS_REMEMBERED } },
          },
          { new: true, projection: FAMILY_FIELDS },
        )
        .lean<FamilyRecord>();
      return record === null ? null : toFamily(record);
    },

    async findFamilyByUsedToken(tokenHash) {
      const record = await model.findOne({ usedTokenHashes: tokenHash }, FAMILY_FIELDS).lean<FamilyRecord>();
      return record === null ? null : toFamily(record);
    },

    async revokeFamily(familyId) {
      await model.deleteOne({ _id: familyId });
    },

    async revokeFamilyOfToken(tokenHash) {
      await model.deleteOne({ $or: [{ tokenHash }, { usedTokenHashes: tokenHash }] });
    },

    async revokeAllForUser(userId) {
      await model.deleteMany({ userId });
    },

    async revokeOldestFamilies(userId, keep) {
      const stale = await model
        .find({ userId }, { _id: 1 })
        .sort({ createdAt: -1, _id: -1 })
        .skip(keep)
        .lean<Pick<RefreshTokenFamilyRecord, '_id'>[]>();
      if (stale.length > 0) await model.deleteMany({ _id: { $in: stale.map((record) => record._id) } });
    },
  };
}
