import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
const v = (...args: string[]) => vigil(['--data', dir.path, ...args]);

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir?.remove());

describe('vigil flag and report add --suspected-csam', () => {
  it('flags at intake, raises and lifts with reasons, each a custody event; bad input is one line, exit 2', async () => {
    const added = await v(
      'report',
      'add',
      'https://example.org/flag-a',
      '--category',
      'minors',
      '--suspected-csam',
      '--json',
    );
    expect(added.code, added.stderr).toBe(0);
    const first = (JSON.parse(added.stdout) as { resource: { id: string } }).resource.id;
    const other = await v('report', 'add', 'https://example.org/flag-b', '--json');
    const id = (JSON.parse(other.stdout) as { resource: { id: string } }).resource.id;

    const raised = await v('flag', id, '--suspected-csam', '--reason', 'reported as abuse');
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.stdout).toContain('suspected_csam RAISED');

    for (const bad of [
      ['flag', id, '--reason', 'x'],
      ['flag', id, '--suspected-csam'],
      ['flag', 'res_nope', '--suspected-csam', '--reason', 'x'],
    ]) {
      const out = await v(...bad);
      expect(out.code, bad.join(' ')).not.toBe(0);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    }

    const lifted = await v('flag', id, '--lift', '--reason', 'assessed: not CSAM', '--json');
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(JSON.parse(lifted.stdout)).toMatchObject({
      suspectedCsam: false,
      last: { event: 'lifted', source: 'admin' },
    });

    const audit = await v('audit', 'list');
    const lines = audit.stdout.split('\n').filter((l) => l.includes('resource.flag'));
    expect(
      lines.filter((l) => l.includes(`resource:${first}`) && l.includes('"source":"intake"')),
    ).toHaveLength(1);
    expect(lines.filter((l) => l.includes(`resource:${id}`)).map((l) => l.split('\t')[3])).toEqual([
      'resource.flag-lifted',
      'resource.flagged',
    ]);
  });
});
