import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@core/db/database';
import { openWorkspace } from '@core/workspace';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
const head = () => join(dir.path, 'logs', 'audit-head.json');
const history = () => join(dir.path, 'logs', 'audit-heads.jsonl');

async function appendRows(n: number, tag: string): Promise<void> {
  const { workspace } = await openWorkspace({ dataDir: dir.path });
  try {
    for (let i = 0; i < n; i += 1)
      await workspace.record((_tx, audit) =>
        audit({ actor: 'alice', action: 'test.event', subject: `${tag}:${i}`, details: { i } }),
      );
  } finally {
    await workspace.close();
  }
}

/** What someone with the sqlite3 shell can do: drop the guards, then delete rows. */
async function cutFrom(seq: number): Promise<void> {
  const db = await openDatabase(join(dir.path, 'vigil.db'));
  try {
    await db.raw.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
    await db.raw.exec(`DELETE FROM audit WHERE seq >= ${seq}`);
  } finally {
    await db.close();
  }
}

beforeEach(async () => {
  dir = tempDir();
  await appendRows(6, 'first'); // rows 2..7 (row 1 is the initialisation)
});
afterEach(() => dir.remove());

describe('the signed head of the custody log', () => {
  it('keeps a history: one signed head per advance, the newest equal to the head', () => {
    const lines = readFileSync(history(), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(7);
    const last = JSON.parse(lines.at(-1) ?? '{}') as { seq: number; hash: string };
    expect(last).toMatchObject({ seq: 7 });
    expect(JSON.parse(readFileSync(head(), 'utf8'))).toMatchObject({ seq: 7, hash: last.hash });
  });

  it('still catches rows cut off the end after new rows have passed the old position', async () => {
    await cutFrom(6);
    // Legitimate work goes on: rows 6', 7', 8', 9' are appended to the shortened log.
    await appendRows(4, 'later');
    // The head did not move forward over a chain that no longer continues the one it signed.
    expect(JSON.parse(readFileSync(head(), 'utf8'))).toMatchObject({ seq: 7 });
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code, out.stderr).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 6 });
    // Running the check again (which itself appends a row) changes nothing.
    const again = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('catches an older head file put back after rows were cut: the history remembers', async () => {
    const older = join(dir.path, 'older-head.json');
    // An older signed head, as a backup of the file would hold it.
    const lines = readFileSync(history(), 'utf8').trim().split('\n');
    writeFileSync(older, lines[3] ?? ''); // the head at seq 4
    await cutFrom(5);
    copyFileSync(older, head());
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code, out.stderr).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect((JSON.parse(out.stdout) as { problem: string }).problem).toMatch(
      /row 7 was recorded: rows were removed/,
    );
  });

  it('reports a history line that is not signed by this workstation', async () => {
    const lines = readFileSync(history(), 'utf8').trim().split('\n');
    const forged = { ...(JSON.parse(lines[2] ?? '{}') as object), seq: 2 };
    lines[2] = JSON.stringify(forged);
    writeFileSync(history(), `${lines.join('\n')}\n`);
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as { problem: string }).problem).toMatch(/line 3 of .*audit-heads\.jsonl/);
  });
});
