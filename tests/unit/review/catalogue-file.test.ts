import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogueEntry, parseCatalogue } from '@core/review/legal-basis-catalogue';
import { DSA_CATEGORIES } from '@shared/domain/decision';

const DIR = join(import.meta.dirname, '../../../resources/legal-bases');
const exampleText = readFileSync(join(DIR, 'example.json'), 'utf8');

type JsonSchema = {
  required: string[];
  properties: {
    entries: {
      items: {
        required: string[];
        properties: Record<string, { pattern?: string; oneOf?: { enum?: string[] }[] }>;
      };
    };
  };
};
const schema = JSON.parse(readFileSync(join(DIR, 'schema.json'), 'utf8')) as JsonSchema;

describe('the shipped example catalogue', () => {
  const file = parseCatalogue(exampleText, 'example.json');

  it('is valid and clearly labelled as an example on every entry', () => {
    expect(file.entries.length).toBeGreaterThanOrEqual(3);
    expect(file.title).toMatch(/^EXAMPLE/);
    for (const e of file.entries) {
      expect(e.example, e.id).toBe(true);
      expect(e.jurisdiction, e.id).toBe('EXAMPLE');
      expect(e.title, e.id).toMatch(/^EXAMPLE — /);
      expect(e.instrument, e.id).toMatch(/EXAMPLE.*\(fictional\)/);
      expect(e.text ?? '', e.id).toMatch(/^EXAMPLE TEXT, NOT LAW/);
    }
  });

  it('covers drug sale, human smuggling and minors', () => {
    const titles = file.entries.map((e) => e.title).join('\n');
    expect(titles).toMatch(/drugs/);
    expect(titles).toMatch(/smuggling/);
    expect(titles).toMatch(/minors/);
  });
});

describe('schema.json and the validator agree', () => {
  it('requires the same entry fields and allows the same ones', () => {
    const items = schema.properties.entries.items;
    const zodKeys = Object.keys(CatalogueEntry.shape).sort();
    expect(Object.keys(items.properties).sort()).toEqual(zodKeys);
    const zodRequired = zodKeys.filter(
      (k) => !CatalogueEntry.shape[k as keyof typeof CatalogueEntry.shape].safeParse(undefined).success,
    );
    expect([...items.required].sort()).toEqual(zodRequired.sort());
    expect(schema.required.sort()).toEqual(['entries', 'title']);
  });

  it('lists exactly the DSA categories and the id pattern of the domain', () => {
    const categories = schema.properties.entries.items.properties.defaultCategory?.oneOf?.[1]?.enum;
    expect(categories).toEqual([...DSA_CATEGORIES]);
    expect(schema.properties.entries.items.properties.id?.pattern).toBe('^lb_[0-9a-z]{10,40}$');
  });
});

describe('a bad catalogue file', () => {
  const good = JSON.parse(exampleText) as { entries: Record<string, unknown>[] };
  const variant = (change: (f: { entries: Record<string, unknown>[] }) => void): string => {
    const copy = structuredClone(good);
    change(copy);
    return JSON.stringify(copy);
  };

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['a duplicate id', variant((f) => f.entries.push({ ...f.entries[0] })), /duplicate id/],
    [
      'an empty title',
      variant((f) => Object.assign(f.entries[0] ?? {}, { title: ' ' })),
      /entries\.0\.title/,
    ],
    [
      'a non-http reference',
      variant((f) => Object.assign(f.entries[0] ?? {}, { referenceUrl: 'ftp://x' })),
      /referenceUrl/,
    ],
    [
      'an unknown field',
      variant((f) => Object.assign(f.entries[0] ?? {}, { penalty: '5 years' })),
      /penalty|unrecognized/i,
    ],
    [
      'an unknown category',
      variant((f) => Object.assign(f.entries[0] ?? {}, { defaultCategory: 'DRUGS' })),
      /defaultCategory/,
    ],
    ['a bad id', variant((f) => Object.assign(f.entries[0] ?? {}, { id: 'drugs' })), /entries\.0\.id/],
  ])('is refused: %s', (_name, text, message) => {
    expect(() => parseCatalogue(text, 'bad.json')).toThrow(message);
    try {
      parseCatalogue(text, 'bad.json');
    } catch (error) {
      expect(error).toMatchObject({ code: 'input.invalid' });
    }
  });
});
