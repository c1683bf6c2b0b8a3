import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { Session } from '@core/rpc/dispatch';
import type { AnyEvent } from '@shared/contract/events';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

let site: FixtureSite;
beforeAll(async () => {
  site = await startFixtureSite();
});
afterAll(async () => {
  await site?.close();
});

describe('vigil queue run', () => {
  it('captures every waiting resource, with --as recorded as the operator', async () => {
    const dir = tempDir();
    try {
      for (const path of ['/', '/cyrillic', '/status/404']) {
        const added = await vigil([
          '--data',
          dir.path,
          'report',
          'add',
          `${site.http}${path}`,
          '--allow-private-network',
        ]);
        expect(added.code, added.stderr).toBe(0);
      }
      await vigil(
        ['--data', dir.path, 'user', 'add', 'ivan', '--role', 'investigator', '--password-stdin'],
        'a long enough password\n',
      );
      const run = await vigil([
        '--data',
        dir.path,
        '--as',
        'ivan',
        'queue',
        'run',
        '--concurrency',
        '2',
        '--allow-private-network',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as {
        captured: number;
        failed: number;
        items: { captureId: string }[];
      };
      expect(result).toMatchObject({ captured: 3, failed: 0 });
      const shown = await vigil([
        '--data',
        dir.path,
        'show',
        'capture',
        result.items[0]?.captureId ?? '',
        '--json',
      ]);
      expect(JSON.parse(shown.stdout)).toMatchObject({ context: { operator: 'ivan' } });
      // Nothing is left waiting: a second run has nothing to do.
      const again = await vigil(['--data', dir.path, 'queue', 'run', '--json']);
      expect(JSON.parse(again.stdout)).toMatchObject({ captured: 0, failed: 0 });
    } finally {
      dir.remove();
    }
  });
});

describe('the capture queue over the contract', () => {
  let dir: { path: string; remove: () => void };
  let backend: Backend;
  const admin: Session = { user: null };
  const events: AnyEvent[] = [];

  beforeAll(async () => {
    dir = tempDir();
    backend = await createBackend({ dataDir: dir.path });
    backend.events.subscribe((e) => events.push(e));
    await backend.dispatch(admin, 'session.setupAdmin', { name: 'admin', password: 'first admin password' });
    await backend.dispatch(admin, 'settings.update', { allowPrivateNetwork: true });
  });
  afterAll(async () => {
    await backend?.close();
    dir?.remove();
  });

  it('reports progress stage by stage and refuses investigators-only work to others', async () => {
    const added = await backend.dispatch(admin, 'reports.add', { url: `${site.http}/lazy` });
    expect(added.ok).toBe(true);
    const resourceId = (added as { value: { resource: { id: string } } }).value.resource.id;
    expect(
      await backend.dispatch({ user: null }, 'capture.enqueue', { resourceIds: [resourceId] }),
    ).toMatchObject({ ok: false, error: { code: 'auth.not-signed-in' } });
    expect(await backend.dispatch(admin, 'capture.enqueue', { resourceIds: [resourceId] })).toMatchObject({
      ok: true,
      value: { queued: 1 },
    });
    // Queuing the same resource again while it waits or runs adds nothing.
    expect(await backend.dispatch(admin, 'capture.enqueue', { resourceIds: [resourceId] })).toMatchObject({
      ok: true,
      value: { queued: 0 },
    });
    await backend.queue.idle();
    const stages = events
      .filter((e) => e.name === 'capture.progress')
      .map((e) => (e.payload as { stage: string }).stage);
    expect(stages).toEqual(
      expect.arrayContaining(['navigate', 'settle', 'snapshot', 'archive', 'seal', 'done']),
    );
    const status = await backend.dispatch(admin, 'queue.status', {});
    expect(status).toMatchObject({
      ok: true,
      value: { waiting: 0, running: 0, items: [expect.objectContaining({ resourceId, status: 'complete' })] },
    });
  });

  it('cancels a waiting capture without touching the others', async () => {
    backend.queue.setConcurrency(1);
    const ids: string[] = [];
    for (const path of ['/', '/arabic']) {
      const r = await backend.dispatch(admin, 'reports.add', { url: `${site.http}${path}` });
      ids.push((r as { value: { resource: { id: string } } }).value.resource.id);
    }
    await backend.dispatch(admin, 'capture.enqueue', { resourceIds: ids });
    expect(await backend.dispatch(admin, 'queue.cancel', { resourceId: ids[1] })).toMatchObject({ ok: true });
    await backend.queue.idle();
    const items = backend.queue.status().items;
    expect(items.find((i) => i.resourceId === ids[0])?.status).toBe('complete');
    expect(items.find((i) => i.resourceId === ids[1])?.status).toBe('cancelled');
    const detail = await backend.dispatch(admin, 'resources.get', { id: ids[1] });
    expect(detail).toMatchObject({ ok: true, value: { resource: { state: 'reported' }, captures: [] } });
  });
});
