import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeService } from '@core/intake/intake-service';
import { flagHistory } from '@core/db/repositories/resource-flags-repo';
import { liftSuspectedCsam, raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import { openWorkspace, type Workspace } from '@core/workspace';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let ws: Workspace;
let resourceId: string;

beforeAll(async () => {
  dir = tempDir();
  ws = (await openWorkspace({ dataDir: dir.path })).workspace;
  const added = await createIntakeService(ws).addReport(
    { url: 'https://example.org/reported', sourceType: 'volunteer', category: 'minors' },
    { actor: 'ivan', allowPrivateNetwork: false },
  );
  resourceId = added.resource.id;
});
afterAll(async () => {
  await ws?.close();
  dir?.remove();
});

const auditActions = () =>
  ws.db.read((c) =>
    c.all<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit WHERE subject = ? AND action LIKE 'resource.flag%' ORDER BY seq",
      [`resource:${resourceId}`],
    ),
  );

describe('the suspected_csam flag', () => {
  it('is raised once with a custody event, and a second raise records nothing', async () => {
    const state = await raiseSuspectedCsam(ws, {
      resourceId,
      reason: 'reporter says so',
      actor: 'ivan',
      source: 'intake',
    });
    expect(state.flagged).toBe(true);
    expect(state.last).toMatchObject({
      event: 'raised',
      source: 'intake',
      reason: 'reporter says so',
      actor: 'ivan',
    });
    await raiseSuspectedCsam(ws, { resourceId, reason: 'again', actor: 'olga' });
    expect(await auditActions()).toEqual([{ action: 'resource.flagged', actor: 'ivan' }]);
  });

  it('is lifted only by an admin with a reason; the history keeps both events', async () => {
    await expect(
      liftSuspectedCsam(ws, { resourceId, reason: 'looked fine', actor: 'ivan', role: 'investigator' }),
    ).rejects.toMatchObject({ code: 'auth.forbidden' });
    await expect(
      liftSuspectedCsam(ws, { resourceId, reason: '  ', actor: 'root', role: 'admin' }),
    ).rejects.toMatchObject({
      code: 'input.invalid',
    });
    const lifted = await liftSuspectedCsam(ws, {
      resourceId,
      reason: 'assessed: not CSAM',
      actor: 'root',
      role: 'admin',
    });
    expect(lifted.flagged).toBe(false);
    expect(lifted.last).toMatchObject({ event: 'lifted', source: 'admin', reason: 'assessed: not CSAM' });
    expect((await ws.db.read((c) => flagHistory(c, resourceId))).map((e) => e.event)).toEqual([
      'raised',
      'lifted',
    ]);
    expect((await auditActions()).map((a) => a.action)).toEqual(['resource.flagged', 'resource.flag-lifted']);
  });

  it('keeps its events append-only: the database refuses to change or delete one', async () => {
    await expect(ws.record((tx) => tx.run("UPDATE resource_flag_events SET reason = 'x'"))).rejects.toThrow(
      /append-only/,
    );
    await expect(ws.record((tx) => tx.run('DELETE FROM resource_flag_events'))).rejects.toThrow(
      /append-only/,
    );
  });
});
