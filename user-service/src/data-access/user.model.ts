import { maxCodePoints } from '@shop/shared/mongo';
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { userRoles, type UserRole } from '../domain/user.js';

/** A user document as stored. Only user.repository.ts sees this shape. */
export interface UserRecord {
  _id: Types.ObjectId;
  name: string;
  email: string;
  passwordHash: string;
  role: UserRole;
  /** Absent on accounts created before the flag existed: read as false. */
  disabled?: boolean;
  /** Failed logins since `failedLoginsSince`; both absent when there is no open window. */
  failedLogins?: number;
  failedLoginsSince?: Date;
  lockedUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const userSchema = new Schema<UserRecord>(
  {
    name: { type: String, required: true, trim: true, minlength: 1, validate: maxCodePoints(100) },
    // Stored normalized; the unique index on that form makes uniqueness case-insensitive
    // without a collation, which the embedded test databases do not support.
    email: { type: String, required: true, trim: true, lowercase: true, unique: true },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: userRoles, default: 'user' },
    disabled: { type: Boolean, default: false },
    failedLogins: { type: Number },
    failedLoginsSince: { type: Date },
    lockedUntil: { type: Date },
  },
  { timestamps: true, versionKey: false, strict: 'throw' },
);

export type UserModel = Model<UserRecord>;

export function userModelFor(connection: Connection): UserModel {
  return connection.model<UserRecord>('User', userSchema, 'users');
}
