import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One login session (a refresh token family) as stored: only hashes of its tokens. Only
 * refresh-token.repository.ts sees this shape.
 */
export interface RefreshTokenFamilyRecord {
  /** The family id. */
  _id: Types.ObjectId;
  userId: string;
  /** Hash of the one token that may be exchanged now. */
  tokenHash: string;
  /** Hashes of the tokens already exchanged, newest last, at most USED_TOKENS_REMEMBERED. */
  usedTokenHashes: string[];
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

const refreshTokenFamilySchema = new Schema<RefreshTokenFamilyRecord>(
  {
    userId: { type: String, required: true },
    tokenHash: { type: String, required: true, unique: true },
    usedTokenHashes: { type: [String], default: [] },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false, strict: 'throw' },
);
// Reuse detection looks a presented token up among the used ones.
refreshTokenFamilySchema.index({ usedTokenHashes: 1 });
// Revoking all of a user's sessions, and trimming to the newest few.
refreshTokenFamilySchema.index({ userId: 1, createdAt: -1 });
// The server deletes a session once it has ended, so abandoned ones leave nothing behind.
refreshTokenFamilySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type RefreshTokenFamilyModel = Model<RefreshTokenFamilyRecord>;

export function refreshTokenFamilyModelFor(connection: Connection): RefreshTokenFamilyModel {
  return connection.model<RefreshTokenFamilyRecord>(
    'RefreshTokenFamily',
    refreshTokenFamilySchema,
    'refresh_token_families',
  );
}
