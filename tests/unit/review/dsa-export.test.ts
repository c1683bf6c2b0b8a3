import { describe, expect, it } from 'vitest';
import { decisionSigningBytes } from '@core/review/decision-service';
import { dsaSourceType, toDsaStatement } from '@core/review/dsa-export';
import { batesPrefixFor } from '@core/review/packet-service';
import { DecisionRecord } from '@shared/domain/decision';
import { SOURCE_TYPES } from '@shared/domain/resources';

const record = (fields: Partial<DecisionRecord['fields']> = {}): DecisionRecord =>
  DecisionRecord.parse({
    id: 'dec_01m81hvanx21s2kh54730dbbz3',
    resourceId: 'res_01m81hvanx21s2kh54730dbbz3',
    url: 'https://xn--e1afmkfd.example/shop?id=1',
    captures: [{ id: 'cap_01m81hvanx21s2kh54730dbbz3', manifestSha256: 'a'.repeat(64) }],
    fields: {
      decision: 'approve',
      measure: 'block_url',
      targets: ['https://xn--e1afmkfd.example/shop?id=1'],
      territorialScope: ['KZ', 'KG'],
      startDate: '2026-11-22',
      endDate: '2027-11-22',
      legalBasisIds: ['lb_example0drugsale01'],
      category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
      keywords: ['KEYWORD_PROHIBITED_PRODUCTS'],
      facts: 'Facts.',
      explanation: 'Explanation.',
      sourceType: 'trusted_flagger',
      automatedDetection: true,
      language: 'ru',
      ...fields,
    },
    legalBases: [
      {
        id: 'lb_example0drugsale01',
        version: 3,
        jurisdiction: 'EXAMPLE',
        instrument: 'EXAMPLE Act',
        article: 'Art. 1',
        title: 'EXAMPLE — thing',
        referenceUrl: 'https://example.org/act#1',
        defaultCategory: null,
        text: 'EXAMPLE TEXT',
        example: true,
      },
    ],
    reviewer: { name: 'rita', displayName: 'Rita', certificateSha256: 'b'.repeat(64) },
    signedAt: '2026-11-23T09:00:00.000Z',
    supersedes: null,
    signature: { alg: 'ES256', keyId: 'c'.repeat(64), value: 'AAAA' },
  });

const FIRST = { firstCapturedAt: '2026-11-21T23:59:59.000Z' };

describe('DSA statement of reasons', () => {
  it('maps every field of an approval faithfully', () => {
    const s = toDsaStatement(record(), FIRST);
    expect(s).toMatchObject({
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      decision_ground_reference_url: 'https://example.org/act#1',
      illegal_content_explanation: 'Explanation.',
      decision_facts: 'Facts.',
      category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
      category_specification: ['KEYWORD_PROHIBITED_PRODUCTS'],
      territorial_scope: ['KZ', 'KG'],
      content_date: '2026-11-21',
      application_date: '2026-11-22',
      end_date: '2027-11-22',
      end_date_visibility_restriction: '2027-11-22',
      end_date_account_restriction: null,
      source_type: 'SOURCE_TRUSTED_FLAGGER',
      automated_detection: 'Yes',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      url: 'https://xn--e1afmkfd.example/shop?id=1',
      puid: 'dec_01m81hvanx21s2kh54730dbbz3',
    });
    expect(s.decision_account).toBeUndefined();
    expect(s.illegal_content_legal_ground).toBe(
      'EXAMPLE: EXAMPLE Act, Art. 1 — EXAMPLE — thing (catalogue lb_example0drugsale01 v3)',
    );
    expect(s.vigil.legalBases).toEqual([{ id: 'lb_example0drugsale01', version: 3, example: true }]);
  });

  it.each([
    ['block_url', ['DECISION_VISIBILITY_CONTENT_DISABLED'], undefined],
    ['block_domain', ['DECISION_VISIBILITY_CONTENT_DISABLED'], undefined],
    ['remove_content', ['DECISION_VISIBILITY_CONTENT_REMOVED'], undefined],
    ['block_account', [], 'DECISION_ACCOUNT_SUSPENDED'],
  ] as const)('maps the measure %s', (measure, visibility, account) => {
    const s = toDsaStatement(record({ measure }), FIRST);
    expect(s.decision_visibility).toEqual(visibility);
    expect(s.decision_account).toBe(account);
    if (measure === 'block_account') {
      expect(s.end_date_account_restriction).toBe('2027-11-22');
      expect(s.end_date_visibility_restriction).toBeNull();
    }
  });

  it('maps every source type', () => {
    expect(SOURCE_TYPES.map(dsaSourceType)).toEqual([
      'SOURCE_ARTICLE_16',
      'SOURCE_ARTICLE_16',
      'SOURCE_TRUSTED_FLAGGER',
      'SOURCE_TYPE_OTHER_NOTIFICATION',
      'SOURCE_VOLUNTARY',
    ]);
  });

  it('has no statement for a rejection or a re-capture request', () => {
    expect(() => toDsaStatement(record({ decision: 'reject' }), FIRST)).toThrow(/only an approval/);
    expect(() => toDsaStatement(record({ decision: 'needs_recapture' }), FIRST)).toThrow(/only an approval/);
  });
});

describe('decision signing bytes', () => {
  it('are the canonical JSON of the record without its signature', () => {
    const r = record();
    const text = decisionSigningBytes(r).toString('utf8');
    expect(text).not.toContain('signature');
    expect(text.startsWith('{"captures":[{"id":"cap_')).toBe(true);
    const { signature: _signature, ...unsigned } = r;
    expect(JSON.parse(text)).toEqual(unsigned);
    const changed = decisionSigningBytes({ ...r, signature: { ...r.signature, value: 'BBBB' } });
    expect(changed.equals(decisionSigningBytes(r))).toBe(true);
    const other = decisionSigningBytes({ ...r, supersedes: 'dec_01m81hvanx21s2kh54730dbbz4' as never });
    expect(other.equals(decisionSigningBytes(r))).toBe(false);
  });
});

describe('Bates prefix', () => {
  it.each([
    ['CASE-2026/17', 'CASE-2026-17'],
    ['  дело 5', '5'],
    ['res_01abc', 'res_01abc'],
    ['///', 'VIGIL'],
    ['x'.repeat(60), 'x'.repeat(40)],
  ])('%s → %s', (ref, prefix) => {
    expect(batesPrefixFor(ref)).toBe(prefix);
    expect(prefix).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/);
  });
});
