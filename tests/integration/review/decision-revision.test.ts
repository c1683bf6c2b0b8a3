import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { buildBlocklist, markBlocked } from '@core/bundle/blocklist';
import { canonicalJson } from '@core/custody/canonical-json';
import { createIntakeService } from '@core/intake/intake-service';
import { verifyDecisionRecord } from '@core/review/decision-service';
import type { Envelope } from '@shared/contract/envelope';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionInput, DecisionRecord } from '@shared/domain/decision';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';
import { approvalOf } from '@tests/helpers/decision-input';
import { CHROMIUM } from '@tests/helpers/chromium';
import { callAs } from '@tests/helpers/backend-calls';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
/** Added to the real time by the backend's clock: makes the evidence old without waiting. */
let clockOffsetMs = 0;
let resourceId: string;
let capture: CaptureRecord;

const decision = (over: Partial<DecisionInput> = {}): DecisionInput =>
  approvalOf(`${site.http}/?case=revision`, over);

const rejection = (): DecisionInput =>
  decision({
    decision: 'reject',
    facts: 'On a second reading the page sells a legal herbal tea.',
    explanation: 'No cited provision covers the goods offered; the approval was wrong.',
  });

const call = (name: string, method: string, input: unknown): Promise<Envelope<unknown>> =>
  callAs(backend, name, method, input);

const decide = (name: string, input: DecisionInput) =>
  call(name, 'review.decide', { resourceId, decision: input, password: PASSWORD });

function recordOf(env: Envelope<unknown>): DecisionRecord {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.value as DecisionRecord;
}

const errorCode = (env: Envelope<unknown>): string | null => (env.ok ? null : env.error.code);

const stateOf = async () =>
  (
    await backend.workspace.db.read((c) =>
      c.get<{ state: string }>('SELECT state FROM resources WHERE id = ?', [resourceId]),
    )
  )?.state;

const counts = () =>
  backend.workspace.db.read(async (c) => ({
    decisions: (await c.get<{ n: number }>('SELECT count(*) AS n FROM decisions'))?.n ?? 0,
    audit: (await c.get<{ n: number }>('SELECT max(seq) AS n FROM audit'))?.n ?? 0,
  }));

const storedDecisions = () =>
  backend.workspace.db.read((c) =>
    c.all<{ id: string; decision: string; supersedes: string | null; record: string }>(
      'SELECT id, decision, supersedes, record FROM decisions WHERE resource_id = ? ORDER BY signed_at, rowid',
      [resourceId],
    ),
  );

const auditOf = (action: string, subject: string) =>
  backend.workspace.db.read(async (c) =>
    (
      await c.all<{ actor: string; details: string }>(
        'SELECT actor, details FROM audit WHERE action = ? AND subject = ? ORDER BY seq',
        [action, subject],
      )
    ).map((r) => ({ actor: r.actor, details: JSON.parse(r.details) as Record<string, unknown> })),
  );

beforeAll(async () => {
  dir = tempDir('vigil-revision-');
  site = await startFixtureSite();
  backend = await createBackend({
    dataDir: dir.path,
    env: { VIGIL_BROWSER: CHROMIUM },
    clock: () => new Date(Date.now() + clockOffsetMs),
  });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'sam', role: 'reviewer', password: PASSWORD }, 'setup');
  const intake = createIntakeService(backend.workspace);
  const { resource } = await intake.addReport(
    { url: `${site.http}/?case=revision`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
});

afterAll(async () => {
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('revising a final decision', () => {
  let approval: DecisionRecord;
  let revision: DecisionRecord;

  it('approves first (rita); the resource is approved and on the block list', async () => {
    expect(await call('ivan', 'review.request', { resourceId })).toMatchObject({ ok: true });
    approval = recordOf(await decide('rita', decision()));
    expect(approval.supersedes).toBeNull();
    expect(await stateOf()).toBe('approved');
    expect((await buildBlocklist(backend.workspace)).entries.map((e) => e.decisionId)).toEqual([approval.id]);
    const detail = await call('sam', 'resources.get', { id: resourceId });
    // `lift` too: an appeal against the approval may be decided by a reviewer (a signed decision).
    expect(detail.ok && (detail.value as { allowedActions: string[] }).allowedActions).toEqual([
      'approve',
      'reject',
      'request_recapture',
      'lift',
    ]);
  });

  it('refuses a revision by a non-reviewer and on stale evidence, writing nothing', async () => {
    const before = await counts();
    expect(errorCode(await decide('ivan', rejection()))).toBe('auth.forbidden');
    clockOffsetMs = 25 * HOUR;
    try {
      expect(errorCode(await decide('sam', rejection()))).toBe('review.stale-capture');
    } finally {
      clockOffsetMs = 0;
    }
    expect(await counts()).toEqual(before);
    expect(await stateOf()).toBe('approved');
  });

  it('revises the approval to a rejection (sam): both records kept, the second supersedes the first', async () => {
    revision = recordOf(await decide('sam', rejection()));
    expect(revision.supersedes).toBe(approval.id);
    expect(revision.fields.decision).toBe('reject');
    expect(revision.captures).toEqual([{ id: capture.id, manifestSha256: capture.manifestSha256 }]);
    expect(await stateOf()).toBe('rejected');

    const rows = await storedDecisions();
    expect(rows.map((r) => [r.id, r.decision, r.supersedes])).toEqual([
      [approval.id, 'approve', null],
      [revision.id, 'reject', approval.id],
    ]);
    // The first record is exactly as signed, and both signatures still verify under their reviewers' keys.
    expect(canonicalJson(JSON.parse(rows[0]?.record ?? '{}'))).toBe(canonicalJson(approval));
    const rita = await backend.users.publicIdentity('rita');
    const sam = await backend.users.publicIdentity('sam');
    expect(verifyDecisionRecord(approval, rita?.publicKeyPem ?? '')).toBe(true);
    expect(verifyDecisionRecord(revision, sam?.publicKeyPem ?? '')).toBe(true);
    const latest = await call('rita', 'decisions.get', { id: revision.id });
    expect(latest.ok && canonicalJson(latest.value)).toBe(canonicalJson(revision));
  });

  it('says in the custody log that it is a revision, and the chain verifies', async () => {
    expect(await auditOf('decision.signed', `decision:${approval.id}`)).toEqual([
      {
        actor: 'rita',
        details: expect.objectContaining({ revision: false, supersedes: null, supersededDecision: null }),
      },
    ]);
    expect(await auditOf('decision.signed', `decision:${revision.id}`)).toEqual([
      {
        actor: 'sam',
        details: expect.objectContaining({
          decision: 'reject',
          revision: true,
          supersedes: approval.id,
          supersededDecision: 'approve',
        }),
      },
    ]);
    const changes = (await auditOf('resource.state-changed', `resource:${resourceId}`)).map((r) => r.details);
    expect(changes.at(-1)).toEqual({
      from: 'approved',
      to: 'rejected',
      because: 'reject',
      decisionId: revision.id,
      revision: true,
    });
    expect((await vigil(['--data', dir.path, 'audit', 'verify'])).code).toBe(0);
  });

  it('takes the superseded approval off the block list, and a rejected resource cannot be marked blocked', async () => {
    const list = await buildBlocklist(backend.workspace);
    expect(list.entries).toEqual([]);
    await expect(markBlocked(backend.workspace, resourceId, 'ivan', 'investigator')).rejects.toMatchObject({
      code: 'review.invalid-transition',
    });
  });

  it('keeps separation of duties: a reviewer who captured the newest evidence cannot revise on it', async () => {
    const own = await backend.captures.captureResource(resourceId, {
      operator: 'sam',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    expect(own.outcome).toBe('complete');
    // A re-capture adds evidence without undoing the decision.
    expect(await stateOf()).toBe('rejected');
    const before = await counts();
    expect(errorCode(await decide('sam', decision()))).toBe('review.self-approval');
    expect(await counts()).toEqual(before);

    // rita did not capture it: she may revise again, and the new record supersedes sam's.
    const again = recordOf(await decide('rita', decision()));
    expect(again.supersedes).toBe(revision.id);
    expect(again.captures.map((c) => c.id)).toEqual([own.id]);
    expect(await stateOf()).toBe('approved');
    expect((await storedDecisions()).map((r) => r.decision)).toEqual(['approve', 'reject', 'approve']);
  });

  it('refuses any decision once the resource is blocked', async () => {
    expect(await markBlocked(backend.workspace, resourceId, 'ivan', 'investigator')).toBe('blocked');
    const before = await counts();
    // Lifting a block is not a reviewer's decision in Vigil: no kind of decision is accepted.
    for (const input of [rejection(), decision(), decision({ decision: 'needs_recapture' })])
      expect(errorCode(await decide('rita', input))).toBe('review.invalid-transition');
    expect(await counts()).toEqual(before);
    expect(await stateOf()).toBe('blocked');
  });
});
