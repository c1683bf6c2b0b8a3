import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '@core/ids';

// Ids keep their format when drawn from a pool of random bytes: `<prefix>_` + 10 time digits + 16
// random digits (Crockford base32), ordered by time, never repeated, every digit in use.
describe('id generation', () => {
  it('makes well-formed, unique, time-ordered ids across many pool refills', () => {
    let ms = Date.UTC(2026, 11, 2, 5, 0, 0);
    const ids = createIdGenerator(() => new Date(ms));
    const seen = new Set<string>();
    const digits = new Set<string>();
    const malformed: string[] = [];
    let outOfOrder = 0;
    let previous = '';
    for (let i = 0; i < 20_000; i += 1) {
      if (i % 1000 === 0) ms += 1;
      const id = ids(i % 2 === 0 ? 'ReportId' : 'ResourceId');
      if (!/^(rep|res)_[0-9a-hjkmnp-tv-z]{26}$/.test(id)) malformed.push(id);
      const body = id.slice(4);
      seen.add(body);
      for (const d of body.slice(10)) digits.add(d);
      // The time part sorts as the clock does.
      if (body.slice(0, 10) < previous) outOfOrder += 1;
      previous = body.slice(0, 10);
    }
    expect(malformed).toEqual([]);
    expect(outOfOrder).toBe(0);
    expect(seen.size).toBe(20_000);
    expect(digits.size).toBe(32);
  });

  it('spells the time part as the clock in base32', () => {
    const id = createIdGenerator(() => new Date(0x3ff))('CaseId');
    expect(id.slice(0, 15)).toBe('case_00000000zz');
  });
});
