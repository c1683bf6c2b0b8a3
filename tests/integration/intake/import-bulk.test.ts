import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import type { Session } from '@core/rpc/dispatch';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let backend: Backend;
let session: Session;

const count = async (sql: string): Promise<number> =>
  (await backend.workspace.db.read((c) => c.get<{ n: number }>(sql)))?.n ?? -1;

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  const user = await backend.users.create(
    { name: 'ivan', role: 'investigator', password: 'a long enough password' },
    'test',
  );
  session = { user };
});
afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('bulk intake', () => {
  it('imports 5,000 lines (every 10th a duplicate, every 20th refused) with one outcome per line (time printed)', async () => {
    const LINES = 5000;
    const rows = ['url,note'];
    for (let i = 1; i <= LINES; i += 1) {
      if (i % 20 === 0) rows.push(`ftp://files.example/${i},refused`);
      else if (i % 10 === 0) rows.push(`https://bulk.example/item/${i - 1}#dup,duplicate`);
      else rows.push(`https://bulk.example/item/${i}?utm_campaign=spring,note ${i}`);
    }
    const content = rows.join('\n');
    const start = performance.now();
    const reply = await backend.dispatch(session, 'reports.import', { fileName: 'bulk.csv', content });
    const ms = performance.now() - start;
    if (!reply.ok) throw new Error(reply.error.message);
    const result = reply.value as {
      lines: { line: number; outcome: string }[];
      added: number;
      merged: number;
      rejected: number;
    };
    console.log(
      `reports.import of ${LINES} lines: ${ms.toFixed(0)} ms (${((LINES / ms) * 1000).toFixed(0)} lines/s)`,
    );
    expect(result.lines).toHaveLength(LINES);
    expect(result.lines.map((l) => l.line)).toEqual(Array.from({ length: LINES }, (_, i) => i + 2));
    expect(result).toMatchObject({ added: LINES - 500, merged: 250, rejected: 250 });
    expect(await count('SELECT count(*) AS n FROM resources')).toBe(LINES - 500);
    expect(await count('SELECT count(*) AS n FROM reports')).toBe(LINES - 250);
    expect(await count("SELECT count(*) AS n FROM text_index WHERE kind = 'report'")).toBe(LINES - 250);
    const verified = await backend.dispatch(session, 'audit.verify', {});
    expect(verified).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('concurrent reports of one URL end up as one resource with every report counted', async () => {
    const intake = createIntakeService(backend.workspace);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        intake.addReport({ url: `https://race.example/?n=1#${i}`, sourceType: 'citizen' }, { actor: 'ivan' }),
      ),
    );
    expect(new Set(outcomes.map((o) => o.resource.id)).size).toBe(1);
    expect(outcomes.filter((o) => !o.merged)).toHaveLength(1);
    expect(
      await count("SELECT report_count AS n FROM resources WHERE url = 'https://race.example/?n=1'"),
    ).toBe(20);
  });
});
