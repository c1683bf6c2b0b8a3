import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { IMPORT_HEAP_GROWTH_BOUND } from '@core/intake/heap-bound';
import { createIntakeService } from '@core/intake/intake-service';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let backend: Backend;

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
});
afterAll(async () => {
  await backend.close();
  dir.remove();
});

/** What outlives young collections: the part of the heap a long import could pile up. */
const tenuredBytes = (): number =>
  getHeapSpaceStatistics()
    .filter((s) => s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space')
    .reduce((sum, s) => sum + s.space_used_size, 0);

describe('bulk import memory', () => {
  it('keeps the old generation within its bound over a 60,000-line import (peak growth printed)', async () => {
    const LINES = 60_000;
    const list = join(dir.path, 'list.csv');
    const rows = ['url,note,source'];
    for (let i = 1; i <= LINES; i += 1) {
      if (i % 50 === 0) rows.push(`ftp://refused.example/${i},refused,citizen`);
      else if (i % 10 === 0) rows.push(`https://memory.example/item/${i - 1}?utm_source=x,again,citizen`);
      else rows.push(`https://memory.example/item/${i},note ${i},volunteer`);
    }
    writeFileSync(list, `${rows.join('\n')}\n`);
    rows.length = 0;
    const ws = backend.workspace;
    const start = tenuredBytes();
    let peak = 0;
    const out = await createIntakeService(ws).importFile(
      {
        fileName: 'list.csv',
        open: () => createReadStream(list, { highWaterMark: 64 * 1024 }),
        store: () => ws.blobs.put(createReadStream(list)),
      },
      {},
      { actor: 'test' },
      // Sampled as each batch commits, before the importer settles its heap: the highest it gets.
      { progress: () => (peak = Math.max(peak, tenuredBytes() - start)) },
    );
    console.log(
      `import of ${LINES} lines: old generation at most ${(peak / 1048576).toFixed(1)} MB above its start`,
    );
    expect(out.rowsDone).toBe(LINES);
    // Without the bound the dead batches piled up here: about 1 KB a line, over 60 MB for this file.
    // The margin is for a loaded machine, where collections run later (21 MB seen idle, 43 MB without the bound).
    expect(peak).toBeLessThan(IMPORT_HEAP_GROWTH_BOUND + 16 * 1024 * 1024);
  }, 120_000);
});
