import { openSync, closeSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { callAs } from '@tests/helpers/backend-calls';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let backend: Backend | null = null;

beforeAll(async () => {
  dir = tempDir('vigil-rpc-damaged-');
  const first = await createBackend({ dataDir: dir.path });
  await first.users.create(
    { name: 'ivan', role: 'investigator', password: 'correct horse battery' },
    'setup',
  );
  const intake = createIntakeService(first.workspace);
  for (let i = 0; i < 200; i += 1)
    await intake.addReport(
      { url: `https://example.org/item/${i}/${'x'.repeat(200)}`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: false },
    );
  const where = await first.workspace.db.read(async (c) => ({
    root: (await c.get<{ rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE name = 'resources'"))
      ?.rootpage,
    pageSize: (await c.get<{ page_size: number }>('PRAGMA page_size'))?.page_size,
  }));
  await first.close();
  // Garbles the resources table's root page on disk (header and schema intact), as a bad sector would.
  const fd = openSync(`${dir.path}/vigil.db`, 'r+');
  try {
    writeSync(
      fd,
      Buffer.alloc(where.pageSize ?? 4096, 0xa5),
      0,
      where.pageSize ?? 4096,
      ((where.root ?? 2) - 1) * (where.pageSize ?? 4096),
    );
  } finally {
    closeSync(fd);
  }
  backend = await createBackend({ dataDir: dir.path });
});

afterAll(async () => {
  await backend?.close();
  dir.remove();
});

describe('the RPC dispatcher names environment problems as the CLI does', () => {
  it('answers a read of a damaged database with store.damaged naming the file, not internal.unexpected', async () => {
    if (backend === null) throw new Error('no backend');
    const reply = await callAs(backend, 'ivan', 'resources.list', {});
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('store.damaged');
    expect(reply.error.message).toContain(`${dir.path}/vigil.db`);
  });
});
