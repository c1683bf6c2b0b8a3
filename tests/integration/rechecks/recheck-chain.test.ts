import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createBrowserProvider } from '@core/capture/browser-provider';
import type { BrowserProvider } from '@core/capture/browser-provider';
import { DESKTOP_PROFILE } from '@core/capture/capture-profile';
import { listRechecks } from '@core/db/repositories/rechecks-repo';
import { getResourceRef } from '@core/db/repositories/resources-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { createRecheckService, type RecheckService } from '@core/rechecks/recheck-service';
import { readRecheckSettings } from '@core/rechecks/recheck-settings';
import { dueProposals } from '@core/rechecks/renotice-service';
import { referralsOn, type ReferralsOnBackend } from '@core/referrals/referrals-backend';
import { dsaReport, lumenRecords, unitStats } from '@core/stats/stats-service';
import { callAs } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { approvalOf } from '@tests/helpers/decision-input';
import { startSwitchingPage, type SwitchMode, type SwitchingPage } from '@tests/helpers/switching-page';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * Re-checks on real parts: a captured, approved and referred page that a control endpoint switches
 * to a 404, a "content unavailable" page, a changed page and back. The removal needs three
 * consecutive "removed" checks (spacing 1 s), is recorded on the referral through its rules with a
 * proof capture, and the page coming back is caught as re-appeared.
 */

const PASSWORD = 'correct horse battery';
const ivan = { actor: 'ivan', role: 'investigator' } as const;
let dir: { path: string; remove: () => void };
let site: SwitchingPage;
let backend: Backend;
let svc: ReferralsOnBackend;
let provider: BrowserProvider;
let rechecks: RecheckService;
let referralId: string;
// The re-checks' clock: each run is 2 s after the one before, so the 1 s spacing holds without sleeping.
let now = 0;

beforeAll(async () => {
  dir = tempDir('vigil-rechecks-');
  site = await startSwitchingPage();
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: site.url, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  const capture = await backend.captures.captureResource(resource.id, {
    operator: 'ivan',
    // As the referral flow does: without the guard, Chromium's own background requests cannot make it partial.
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome, JSON.stringify(capture.warnings)).toBe('complete');
  const decided = await callAs(backend, 'rita', 'review.decide', {
    resourceId: resource.id,
    decision: approvalOf(site.url),
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);

  svc = referralsOn(backend, { VIGIL_BROWSER: CHROMIUM });
  await svc.keyed.set('sending.hours', '00:00-24:00', 'os:admin');
  for (const [key, value] of [
    ['recheck.firstAfterSeconds', '0'],
    ['recheck.intenseEverySeconds', '1'],
    ['recheck.consecutiveRemoved', '3'],
    ['recheck.minSpacingSeconds', '1'],
  ] as const)
    await svc.keyed.set(key, value, 'os:admin');
  await svc.referrals.addRecipient(
    {
      name: 'Host Portal',
      kind: 'hosting',
      channel: 'portal',
      address: 'https://abuse.host.example/',
      language: 'en',
      verified: true,
    },
    ivan,
  );
  const referral = await svc.referrals.create(
    resource.id,
    { recipient: 'Host Portal', regime: 'dsa-art16-notice' },
    ivan,
  );
  referralId = referral.id;
  await svc.referrals.send(referralId, { deliveredRef: 'PORTAL-4711' }, ivan);
  now = Date.now();

  provider = createBrowserProvider({ executablePath: CHROMIUM, tmpRoot: backend.workspace.paths.tmp });
  rechecks = createRecheckService({
    ws: backend.workspace,
    referrals: svc.referrals,
    captures: backend.captures,
    browser: () => provider.browser(),
    profile: DESKTOP_PROFILE,
    allowHosts: [site.hostPort],
    settings: () => readRecheckSettings(svc.keyed),
    clock: () => new Date(now),
  });
}, 240_000);

afterAll(async () => {
  await provider?.close();
  await backend?.close();
  await site?.close();
  dir?.remove();
});

async function checkAs(mode: SwitchMode) {
  await site.set(mode);
  now += 2_000;
  const run = await rechecks.runDue(ivan);
  expect(run.errors).toEqual([]);
  expect(run.checked).toHaveLength(1);
  return run.checked[0]!;
}

const stateOf = async (): Promise<string> => (await svc.referrals.history(referralId)).referral.state;

describe('re-checks after a referral', () => {
  it('proposes a reminder once the regime deadline (24 h for a DSA Art. 16 notice) passed without an answer', async () => {
    const at = (ms: number) =>
      dueProposals({
        ws: backend.workspace,
        referrals: svc.referrals,
        clock: () => new Date(ms),
        maxReminders: 2,
      });
    expect(await at(now + 23 * 3_600_000)).toEqual([]);
    const due = await at(now + 25 * 3_600_000);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ referralId, proposal: { kind: 'reminder', number: 1 } });
  });

  it('classifies each answer, removes after three removed checks with a proof capture, catches the page coming back', async () => {
    const still = await checkAs('original');
    expect([still.recheck.classification, still.outcome, still.recheck.captureId]).toEqual([
      'still_there',
      'none',
      null,
    ]);

    expect((await checkAs('not_found')).recheck.classification).toBe('removed');
    expect((await checkAs('unavailable')).recheck).toMatchObject({ classification: 'removed', status: 200 });
    expect(await stateOf()).toBe('sent');
    const third = await checkAs('not_found');
    expect(third).toMatchObject({ outcome: 'confirm_removed', state: 'removed', warning: null });
    expect(third.recheck.captureId).toMatch(/^cap_/);
    const events = (await svc.referrals.history(referralId)).events;
    expect(events.at(-1)).toMatchObject({ toState: 'removed', actor: 'ivan' });
    expect(events.at(-1)?.evidence).toMatchObject({ captureId: third.recheck.captureId });

    // Not due again at once: the next check waits for the schedule.
    expect((await rechecks.runDue(ivan)).checked).toHaveLength(0);

    const changed = await checkAs('changed');
    expect(changed.recheck.classification).toBe('changed');
    expect(changed.recheck.captureId).toMatch(/^cap_/);
    expect((await checkAs('legal')).recheck.classification).toBe('geo_blocked');

    const back = await checkAs('original');
    expect(back).toMatchObject({ outcome: 'reappeared', state: 'reappeared' });
    expect(await stateOf()).toBe('reappeared');
    // The re-appeared resource goes back to review by itself, linked from the referral history,
    // with its custody entry.
    const { referral, events: after } = await svc.referrals.history(referralId);
    const reopened = await backend.workspace.db.read((c) => getResourceRef(c, referral.resourceId));
    expect(reopened?.state).toBe('in_review');
    expect(after.at(-1)?.evidence).toMatchObject({
      reviewRequested: { resourceId: referral.resourceId, from: 'approved', to: 'in_review' },
    });
    const moves = await backend.workspace.db.read((c) =>
      c.all<{ details: string }>(
        "SELECT details FROM audit WHERE action = 'resource.state-changed' AND subject = ? ORDER BY seq",
        [`resource:${referral.resourceId}`],
      ),
    );
    expect(JSON.parse(moves.at(-1)?.details ?? '{}')).toMatchObject({
      from: 'approved',
      to: 'in_review',
      because: 'reappeared',
      referralId,
    });

    const rows = await backend.workspace.db.read((c) => listRechecks(c, referralId));
    expect(rows.map((r) => r.classification)).toEqual([
      'still_there',
      'removed',
      'removed',
      'removed',
      'changed',
      'geo_blocked',
      'still_there',
    ]);
    // Re-checks are append-only evidence.
    await expect(backend.workspace.db.write((tx) => tx.run('DELETE FROM rechecks'))).rejects.toThrow(
      /append-only/,
    );

    const stats = await unitStats(backend.workspace.db, '2026-01-01', '2027-12-31');
    expect(stats.counts).toMatchObject({
      reported: 1,
      captured: 1,
      reviewed: 1,
      approved: 1,
      referred: 1,
      removed: 1,
    });
    expect(stats.reappearanceRate).toBe(1);
    expect(stats.byRegime[0]).toMatchObject({ key: 'dsa-art16-notice', referred: 1, removed: 1 });

    // The regime exports: counts only in the DSA report (no URL anywhere in it), one Lumen record per notice.
    const dsa = await dsaReport(backend.workspace.db, '2026-01-01', '2027-12-31');
    expect(dsa).toMatchObject({ notices: 1, byProvider: [{ key: 'Host Portal', count: 1 }] });
    expect(dsa.byActionTaken).toEqual([{ key: 'reappeared', count: 1 }]);
    expect(JSON.stringify(dsa)).not.toContain('127.0.0.1');
    const lumen = await lumenRecords(backend.workspace.db, '2026-01-01', '2027-12-31');
    expect(lumen).toHaveLength(1);
    expect(lumen[0]).toMatchObject({
      type: 'Notice',
      regime: 'dsa-art16-notice',
      recipient_name: 'Host Portal',
    });
    expect(lumen[0]?.works[0]?.infringing_urls).toEqual([{ url: site.url }]);
  });
});
