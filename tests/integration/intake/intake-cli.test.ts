import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('vigil report add', () => {
  it('adds, then merges the same page, printing the resource', async () => {
    const first = await vigil([
      '--data',
      data,
      'report',
      'add',
      'https://Example.com/page?utm_source=x',
      '--category',
      'fraud',
      '--note',
      'seen twice',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({
      merged: false,
      resource: { url: 'https://example.com/page', reportCount: 1, categories: ['fraud'] },
    });
    expect(a.report.createdBy).toMatch(/^os:/);

    const second = await vigil([
      '--data',
      data,
      'report',
      'add',
      'https://example.com/page#x',
      '--source',
      'trusted_flagger',
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      new RegExp(`^merged report rep_\\w+ into resource ${a.resource.id} \\(2 reports\\)`),
    );
  });

  it('refuses with one error line and exit 2; --allow-private-network lets a local address in', async () => {
    const refused = await vigil(['--data', data, 'report', 'add', 'http://127.0.0.1:8080/']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error intake\.private-address: /);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const allowed = await vigil([
      '--data',
      data,
      'report',
      'add',
      'http://127.0.0.1:8080/',
      '--allow-private-network',
      '--json',
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).resource.host).toBe('127.0.0.1');

    const scheme = await vigil(['--data', data, 'report', 'add', 'file:///etc/passwd']);
    expect(scheme).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error intake\.scheme-refused: /),
    });
    const badCategory = await vigil([
      '--data',
      data,
      'report',
      'add',
      'https://example.net/',
      '--category',
      'weapons',
    ]);
    expect(badCategory).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error input\.invalid: --category/),
    });
  });
});

describe('vigil report import', () => {
  it('prints every line with its outcome and a summary, exit 0 with rejected lines', async () => {
    const file = join(dir.path, 'list.txt');
    writeFileSync(
      file,
      [
        '# from the hotline',
        'https://import.example/1',
        'https://import.example/1#again',
        'javascript:alert(1)',
        'not a url',
        'http://10.0.0.1/',
        'https://import.example/2',
        '',
      ].join('\n'),
    );
    const dry = await vigil(['--data', data, 'report', 'import', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/6 lines: 2 added, 1 merged, 3 rejected \(dry run: nothing stored\)/);

    const out = await vigil(['--data', data, 'report', 'import', file, '--case', 'HOTLINE-1']);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^line\s+2\s+added\s+res_\w+\s+https:\/\/import\.example\/1$/);
    expect(lines[1]).toMatch(/^line\s+3\s+merged\s+res_\w+/);
    expect(lines[2]).toMatch(/^line\s+4\s+rejected\s+javascript:alert\(1\)\s+— intake\.scheme-refused: /);
    expect(lines[3]).toMatch(/^line\s+5\s+rejected .*intake\.bad-url/);
    expect(lines[4]).toMatch(/^line\s+6\s+rejected .*intake\.private-address/);
    expect(lines[5]).toMatch(/^line\s+7\s+added/);
    expect(lines[6]).toBe('6 lines: 2 added, 1 merged, 3 rejected');

    const json = await vigil(['--data', data, 'report', 'import', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ added: 0, merged: 3, rejected: 3 });
  });

  it('reads a semicolon CSV with a BOM and CRLF', async () => {
    const file = join(dir.path, 'export.csv');
    writeFileSync(
      file,
      '\uFEFFURL;Note;Category\r\nhttps://csv.example/a;"line one; still the note";drugs\r\n',
    );
    const out = await vigil(['--data', data, 'report', 'import', file, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ added: 1, rejected: 0 });
    const show = await vigil(['--data', data, 'show', 'resource', result.lines[0].resourceId, '--json']);
    expect(JSON.parse(show.stdout).reports[0]).toMatchObject({
      note: 'line one; still the note',
      category: 'drugs',
    });
  });

  it('exits 2 for a missing, binary or column-less file', async () => {
    const missing = await vigil(['--data', data, 'report', 'import', join(dir.path, 'nope.csv')]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error intake\.bad-file: cannot read/),
    });
    const latin1 = join(dir.path, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x68, 0x74, 0x74, 0x70, 0xe9, 0x0a]));
    expect((await vigil(['--data', data, 'report', 'import', latin1])).stderr).toMatch(
      /^error intake\.bad-file: .*UTF-8/,
    );
    const noUrl = join(dir.path, 'no-url.csv');
    writeFileSync(noUrl, 'link,note\nhttps://a.example/,x\n');
    expect((await vigil(['--data', data, 'report', 'import', noUrl])).code).toBe(2);
  });
});

describe('vigil show resource', () => {
  it('shows reports and allowed actions; unknown ids exit 2', async () => {
    const added = JSON.parse(
      (await vigil(['--data', data, 'report', 'add', 'https://show.example/', '--reporter', 'R-9', '--json']))
        .stdout,
    );
    const text = await vigil(['--data', data, 'show', 'resource', added.resource.id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`resource ${added.resource.id}  reported`);
    expect(text.stdout).toContain('https://show.example/');
    expect(text.stdout).toMatch(/allowed\s+capture/);
    const json = JSON.parse(
      (await vigil(['--data', data, 'show', 'resource', added.resource.id, '--json'])).stdout,
    );
    expect(json).toMatchObject({
      resource: { id: added.resource.id },
      reports: [{ reporterRef: 'R-9' }],
      captures: [],
      decisions: [],
    });
    const unknown = await vigil(['--data', data, 'show', 'resource', 'res_nothinghere00000000']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error evidence.not-found/) });
  });

  it('leaves a custody log that verifies', async () => {
    const out = await vigil(['--data', data, 'audit', 'verify', '--json']);
    expect(out.code, out.stdout).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true });
  });
});
