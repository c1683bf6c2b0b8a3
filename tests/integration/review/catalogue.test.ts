import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createLegalBasisCatalogue } from '@core/review/legal-basis-catalogue';
import { rememberPassword, vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';
const SHIPPED = join(import.meta.dirname, '../../../resources/legal-bases/example.json');

let dir: { path: string; remove: () => void };
let backend: Backend;

const file = (name: string, entries: unknown[]): string => {
  const path = join(dir.path, name);
  writeFileSync(path, JSON.stringify({ title: 'Test catalogue', entries }));
  return path;
};

const entry = (over: Record<string, unknown> = {}) => ({
  id: 'lb_testbasis000001',
  jurisdiction: 'XX',
  instrument: 'Test Act',
  article: 'Art. 1',
  title: 'Test basis',
  referenceUrl: 'https://example.org/test#1',
  defaultCategory: null,
  text: 'Version one.',
  ...over,
});

beforeAll(async () => {
  dir = tempDir('vigil-basis-');
  backend = await createBackend({ dataDir: dir.path });
  await backend.users.create({ name: 'ada', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'ada');
  for (const name of ['ada', 'rita']) rememberPassword(dir.path, name, PASSWORD);
});
afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('the legal-basis catalogue', () => {
  it('fills an empty catalogue from the shipped files once, as the system', async () => {
    const listed = await vigil(['--data', dir.path, 'basis', 'list', '--json']);
    expect(listed.code).toBe(0);
    const list = JSON.parse(listed.stdout) as { id: string; version: number; example: boolean }[];
    const shipped = (JSON.parse(readFileSync(SHIPPED, 'utf8')) as { entries: { id: string }[] }).entries;
    expect(list.map((b) => b.id).sort()).toEqual(shipped.map((e) => e.id).sort());
    expect(list.every((b) => b.version === 1 && b.example)).toBe(true);
    const text = await vigil(['--data', dir.path, 'basis', 'list']);
    expect(text.stdout.split('\n').filter((l) => l.includes('[EXAMPLE, not law]'))).toHaveLength(
      shipped.length,
    );
    // A second process finds it filled and adds nothing.
    await vigil(['--data', dir.path, 'basis', 'list']);
    const rows = await backend.workspace.db.read((c) =>
      c.all<{ created_by: string }>('SELECT created_by FROM legal_bases'),
    );
    expect(rows).toHaveLength(shipped.length);
    expect(new Set(rows.map((r) => r.created_by))).toEqual(new Set(['system']));
  });

  it('imports a file; the same file again changes nothing; an edited entry becomes version 2', async () => {
    const first = await vigil(['--data', dir.path, 'basis', 'import', file('a.json', [entry()]), '--json']);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toMatchObject({
      added: ['lb_testbasis000001'],
      revised: [],
      unchanged: [],
    });
    const same = await vigil(['--data', dir.path, 'basis', 'import', file('a.json', [entry()]), '--json']);
    expect(JSON.parse(same.stdout)).toMatchObject({
      added: [],
      revised: [],
      unchanged: ['lb_testbasis000001'],
    });
    const edited = await vigil([
      '--data',
      dir.path,
      'basis',
      'import',
      file('b.json', [entry({ text: 'Version two.' })]),
      '--json',
    ]);
    expect(JSON.parse(edited.stdout)).toMatchObject({ revised: ['lb_testbasis000001'] });
    const versions = await backend.workspace.db.read((c) =>
      c.all<{ version: number; record: string }>(
        "SELECT version, record FROM legal_bases WHERE id = 'lb_testbasis000001' ORDER BY version",
      ),
    );
    expect(versions.map((v) => [v.version, (JSON.parse(v.record) as { text: string }).text])).toEqual([
      [1, 'Version one.'],
      [2, 'Version two.'],
    ]);
    const catalogue = createLegalBasisCatalogue(backend.workspace);
    expect((await catalogue.latest('lb_testbasis000001'))?.text).toBe('Version two.');
    const events = await backend.workspace.db.read((c) =>
      c.all<{ action: string }>("SELECT action FROM audit WHERE subject = 'basis:lb_testbasis000001'"),
    );
    expect(events.map((e) => e.action)).toEqual(['basis.saved', 'basis.saved']);
  });

  it('refuses a bad file and a non-admin importer without writing anything', async () => {
    const before = await backend.workspace.db.read((c) =>
      c.get<{ n: number }>('SELECT count(*) AS n FROM legal_bases'),
    );
    const bad = await vigil([
      '--data',
      dir.path,
      'basis',
      'import',
      file('bad.json', [entry({ referenceUrl: 'x' })]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error input\.invalid: bad\.json is not a legal-basis catalogue: entries\.0\.referenceUrl/,
    );
    const rita = await vigil([
      '--data',
      dir.path,
      '--as',
      'rita',
      'basis',
      'import',
      file('c.json', [entry({ id: 'lb_testbasis000002' })]),
    ]);
    expect(rita.code).toBe(2);
    expect(rita.stderr).toMatch(/^error auth\.forbidden/);
    const after = await backend.workspace.db.read((c) =>
      c.get<{ n: number }>('SELECT count(*) AS n FROM legal_bases'),
    );
    expect(after?.n).toBe(before?.n);
  });

  it('saves through the contract: a new entry gets an id, a revision needs an existing id, versions are immutable', async () => {
    const ada = await backend.users.byName('ada');
    const session = { user: ada };
    const draft = {
      jurisdiction: 'XX',
      instrument: 'Other Act',
      article: 'Art. 9',
      title: 'Another basis',
      referenceUrl: '',
      defaultCategory: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD',
      example: false,
    };
    const created = await backend.dispatch(session, 'basis.save', draft);
    expect(created).toMatchObject({ ok: true, value: { version: 1, title: 'Another basis' } });
    const id = created.ok ? (created.value as { id: string }).id : '';
    expect(id).toMatch(/^lb_[0-9a-z]{26}$/);
    const unknown = await backend.dispatch(session, 'basis.save', { ...draft, id: 'lb_nosuchbasis0000' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'review.basis-not-found' } });
    const empty = await backend.dispatch(session, 'basis.save', { ...draft, id, title: ' ' });
    expect(empty).toMatchObject({ ok: false, error: { code: 'input.invalid' } });
    await expect(
      backend.workspace.db.write((tx) => tx.run("UPDATE legal_bases SET record = '{}' WHERE id = ?", [id])),
    ).rejects.toThrow(/append-only/);
  });
});
