import { describe, expect, it } from 'vitest';
import { normalizeEmail } from './email';

describe('normalizeEmail', () => {
  it('when the email has capitals, it is lowercased', () => {
    expect(normalizeEmail('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
  });

  it('when the email has surrounding whitespace, it is trimmed', () => {
    expect(normalizeEmail('  ada@example.com\t\n')).toBe('ada@example.com');
  });

  it('when two spellings differ only in case and whitespace, they normalize to the same value', () => {
    expect(normalizeEmail(' ADA@example.com')).toBe(normalizeEmail('ada@EXAMPLE.com '));
  });
});
