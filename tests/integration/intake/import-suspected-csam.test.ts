import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { verifyCustodyLog } from '@core/custody/audit-head';
import { suspectedCsamOf } from '@core/review/suspected-csam-flag';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let data: string;

beforeAll(async () => {
  dir = tempDir();
  data = join(dir.path, 'data');
  expect((await vigil(['--data', data, 'init'])).code).toBe(0);
});
afterAll(() => dir.remove());

type Line = { line: number; outcome: string; resourceId?: string; reason?: string };
type Row = { action: string; subject: string; details: Record<string, unknown> };

it('a suspected_csam column flags each line answering yes, with its custody row, in the import', async () => {
  const csv = join(dir.path, 'list.csv');
  writeFileSync(
    csv,
    [
      'url,note,suspected_csam',
      'https://flag.example/a,first,yes',
      'https://flag.example/b,second,no',
      'https://flag.example/c,third,',
      'https://flag.example/a,again,TRUE',
      'https://flag.example/d,fourth,maybe',
      'https://flag.example/e,fifth,1',
      '',
    ].join('\n'),
  );
  const out = await vigil(['--data', data, 'report', 'import', csv, '--quiet', '--json']);
  expect(out.code, out.stderr).toBe(0);
  const lines = (JSON.parse(out.stdout) as { lines: Line[] }).lines;
  expect(lines.map((l) => l.outcome)).toEqual(['added', 'added', 'added', 'merged', 'rejected', 'added']);
  expect(lines[4]?.reason).toMatch(/^input\.invalid: suspectedCsam: write yes or no/);
  const id = (n: number): string => lines.find((l) => l.line === n)?.resourceId ?? '';

  const backend = await createBackend({ dataDir: data });
  try {
    const ws = backend.workspace;
    const flags = await ws.db.read(async (c) =>
      Promise.all([2, 3, 4, 7].map(async (n) => (await suspectedCsamOf(c, id(n))).flagged)),
    );
    expect(flags).toEqual([true, false, false, true]);
    const verified = await verifyCustodyLog({
      paths: ws.paths,
      db: ws.db,
      publicKeyPem: ws.workstation.publicKeyPem,
    });
    expect(verified.ok, verified.problem ?? '').toBe(true);
  } finally {
    await backend.close();
  }

  // One custody row per flag raised: line 5 repeats line 2's resource, already flagged.
  const audit = await vigil(['--data', data, 'audit', 'list', '--action', 'resource.flagged', '--json']);
  expect(audit.code, audit.stderr).toBe(0);
  const rows = JSON.parse(audit.stdout) as Row[];
  expect(rows.map((r) => r.subject).sort()).toEqual([`resource:${id(2)}`, `resource:${id(7)}`].sort());
  for (const r of rows)
    expect(r.details).toMatchObject({
      flag: 'suspected_csam',
      source: 'intake',
      importedFrom: { fileName: 'list.csv' },
    });
});

it('--suspected-csam flags every line of a plain list', async () => {
  const txt = join(dir.path, 'plain.txt');
  writeFileSync(txt, 'https://plain-flag.example/1\nhttps://plain-flag.example/2\n');
  const out = await vigil(['--data', data, 'report', 'import', txt, '--suspected-csam', '--quiet', '--json']);
  expect(out.code, out.stderr).toBe(0);
  const ids = (JSON.parse(out.stdout) as { lines: Line[] }).lines.map((l) => l.resourceId ?? '');
  const backend = await createBackend({ dataDir: data });
  try {
    const flagged = await backend.workspace.db.read(async (c) =>
      Promise.all(ids.map(async (r) => (await suspectedCsamOf(c, r)).flagged)),
    );
    expect(flagged).toEqual([true, true]);
  } finally {
    await backend.close();
  }
});
