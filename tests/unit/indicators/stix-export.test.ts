import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import { INDICATOR_TYPES, type IndicatorType } from '@shared/domain/indicators';
import type { OccurrenceRow } from '@core/db/repositories/indicators-repo';
import { indicatorsCsv, indicatorsStixBundle, observableOf, uuidv5 } from '@core/indicators/indicator-export';

/** The official STIX 2.1 JSON schemas (oasis-open/cti-stix2-json-schemas), shipped as fixtures; their
 * patterns are ECMA-262 without the u flag (\- escapes), hence unicodeRegExp: false. */
const SCHEMAS = join(__dirname, '../../fixtures/stix2-schemas');

function bundleValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  // Internationalised host names: the export writes ASCII (punycode) domains, so any string may pass here.
  ajv.addFormat('idn-hostname', true);
  for (const dir of ['common', 'observables', 'sdos', 'sros'])
    for (const file of readdirSync(join(SCHEMAS, dir)))
      ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, dir, file), 'utf8')) as object);
  const validate = ajv.getSchema(
    'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json',
  );
  if (!validate) throw new Error('bundle schema not loaded');
  return validate;
}

const VALUES: Record<IndicatorType, string> = {
  btc: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
  eth: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
  trx: 'TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL',
  xmr: '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
  phone: '+79161234567',
  telegram: 'shop_seller',
  whatsapp: 'chat/AbCdEf123',
  signal: 'group/xyz',
  threema: 'ABCD1234',
  session: '05' + 'ab'.repeat(32),
  discord: 'abcDEF',
  email: "o'brien@example.com",
  domain: 'shop.example',
};

const row = (type: IndicatorType, resource: number, capturedAt: string): OccurrenceRow => ({
  type,
  value: VALUES[type],
  captureId: `cap_${resource}`,
  resourceId: `res_${resource}`,
  capturedAt,
  artifact: 'text',
  artifactName: 'text.txt',
  offset: 10,
  length: VALUES[type].length,
  raw: VALUES[type],
  boxX: 1,
  boxY: 2,
  boxW: 3,
  boxH: 4,
  extractorVersion: 1,
});

const resources = [
  { id: 'res_1', url: 'https://one.example/' },
  { id: 'res_2', url: 'https://two.example/' },
];
const rows = [
  ...INDICATOR_TYPES.map((t) => row(t, 1, '2026-01-02T03:04:05.000Z')),
  row('btc', 2, '2026-01-03T03:04:05.000Z'),
];

describe('STIX 2.1 export', () => {
  test('UUIDv5 follows RFC 4122 (the well-known DNS-namespace vector)', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  test('every indicator type exports to a bundle the STIX 2.1 schemas accept, deterministically', () => {
    const text = indicatorsStixBundle(resources, rows);
    const validate = bundleValidator();
    const bundle = JSON.parse(text) as { objects: { type: string; id: string; [k: string]: unknown }[] };
    const ok = validate(bundle);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(indicatorsStixBundle(resources, [...rows].reverse())).toBe(text);
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const t of [
      'indicator',
      'observed-data',
      'relationship',
      'x-cryptocurrency-wallet',
      'user-account',
      'email-addr',
    ])
      expect(types).toContain(t);
    // The shared wallet is one observable seen by both resources' captures.
    const wallet = observableOf('btc', VALUES.btc);
    expect(bundle.objects.filter((o) => o.id === wallet.id)).toHaveLength(1);
    const observed = bundle.objects.filter(
      (o) => o.type === 'observed-data' && (o.object_refs as string[]).includes(wallet.id),
    );
    expect(observed).toHaveLength(2);
  });

  test('the schemas do refuse a broken bundle (the validation can fail)', () => {
    const bundle = JSON.parse(indicatorsStixBundle(resources, rows)) as {
      objects: Record<string, unknown>[];
    };
    const indicator = bundle.objects.find((o) => o.type === 'indicator');
    if (!indicator) throw new Error('no indicator');
    delete indicator.pattern;
    expect(bundleValidator()(bundle)).toBe(false);
  });

  test('CSV: one row per occurrence, quoted, formula cells defused', () => {
    const csv = indicatorsCsv(resources, rows);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines[0]).toMatch(/^type,value,resource_id,resource_url,capture_id/);
    expect(csv).toContain("phone,'+79161234567,res_1");
  });
});
