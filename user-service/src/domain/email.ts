/**
 * The one spelling an email is stored and looked up under, so uniqueness and login
 * are case-insensitive without a collation (FerretDB and mongo-java-server lack one).
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
