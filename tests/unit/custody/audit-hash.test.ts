import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@core/custody/canonical-json';
import { auditHash } from '@core/custody/audit-log';

// The definition of DESIGN §5, spelt out the slow way: whatever shortcut the writer takes, a verifier
// in another language recomputes exactly this.
const byDefinition = (row: Parameters<typeof auditHash>[0]): string =>
  createHash('sha256')
    .update(row.prevHash, 'utf8')
    .update(canonicalJson({ ...row }), 'utf8')
    .digest('hex');

describe('auditHash', () => {
  const base = {
    seq: 41,
    at: '2026-12-02T03:40:00.000Z',
    actor: 'olga "the reviewer"',
    action: 'report.added',
    subject: 'resource:res_1',
    prevHash: 'ab'.repeat(32),
  };

  it('is sha256(prevHash ‖ canonical JSON of the row) for nested, Unicode and empty details', () => {
    for (const details of [{}, { b: [1, { z: null, a: 'ع\u202e' }], a: 'Ж' }, { n: 1.5, t: true }]) {
      expect(auditHash({ ...base, details })).toBe(byDefinition({ ...base, details }));
    }
  });

  it('leaves absent details out, as canonical JSON drops undefined members', () => {
    expect(auditHash({ ...base, details: undefined })).toBe(byDefinition({ ...base, details: undefined }));
  });
});
