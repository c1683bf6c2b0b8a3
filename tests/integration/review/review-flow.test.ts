import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { canonicalJson } from '@core/custody/canonical-json';
import { createIntakeService } from '@core/intake/intake-service';
import { decisionSigningBytes, verifyDecisionRecord } from '@core/review/decision-service';
import type { Session } from '@core/rpc/dispatch';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord, type DecisionInput } from '@shared/domain/decision';
import type { Envelope } from '@shared/contract/envelope';
import { rememberPassword, vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';
import { approvalOf } from '@tests/helpers/decision-input';
import { CHROMIUM } from '@tests/helpers/chromium';

const PASSWORD = 'correct horse battery';
const DRUGS = 'lb_example0drugsale01';
const HOUR = 3_600_000;

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let backend: Backend;
/** Added to the real time by the backend's clock: lets a test make the evidence old without waiting. */
let clockOffsetMs = 0;

const approval = (over: Partial<DecisionInput> = {}): DecisionInput => approvalOf(`${site.http}/`, over);

async function session(name: string): Promise<Session> {
  const user = await backend.users.byName(name);
  if (user === null) throw new Error(`no user ${name}`);
  return { user };
}

async function call(name: string, method: string, input: unknown): Promise<Envelope<unknown>> {
  return backend.dispatch(await session(name), method, input);
}

function errorCode(env: Envelope<unknown>): string | null {
  return env.ok ? null : env.error.code;
}

async function reportAndCapture(
  path: string,
  operator: string,
): Promise<{ resourceId: string; capture: CaptureRecord }> {
  const intake = createIntakeService(backend.workspace);
  const { resource } = await intake.addReport(
    { url: `${site.http}${path}`, sourceType: 'volunteer' },
    { actor: operator, allowPrivateNetwork: true },
  );
  const capture = await backend.captures.captureResource(resource.id, {
    operator,
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  return { resourceId: resource.id, capture };
}

async function recapture(resourceId: string, operator: string): Promise<CaptureRecord> {
  return backend.captures.captureResource(resourceId, {
    operator,
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
}

const counts = () =>
  backend.workspace.db.read(async (c) => ({
    decisions: (await c.get<{ n: number }>('SELECT count(*) AS n FROM decisions'))?.n ?? 0,
    audit: (await c.get<{ n: number }>('SELECT max(seq) AS n FROM audit'))?.n ?? 0,
  }));

const stateOf = async (resourceId: string) =>
  (
    await backend.workspace.db.read((c) =>
      c.get<{ state: string }>('SELECT state FROM resources WHERE id = ?', [resourceId]),
    )
  )?.state;

function opensslVerify(record: DecisionRecord, publicKeyPem: string, name: string) {
  const data = join(dir.path, `${name}.json`);
  const sig = join(dir.path, `${name}.sig`);
  const pub = join(dir.path, `${name}.pub.pem`);
  writeFileSync(data, decisionSigningBytes(record));
  writeFileSync(sig, Buffer.from(record.signature.value, 'base64'));
  writeFileSync(pub, publicKeyPem);
  return run('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', sig, data]);
}

beforeAll(async () => {
  dir = tempDir('vigil-review-');
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer()]);
  backend = await createBackend({
    dataDir: dir.path,
    env: { VIGIL_BROWSER: CHROMIUM },
    clock: () => new Date(Date.now() + clockOffsetMs),
  });
  await backend.users.create({ name: 'ada', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'ada');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'ada',
  );
  await backend.users.create({ name: 'sam', role: 'reviewer', password: PASSWORD }, 'ada');
  for (const name of ['ada', 'ivan', 'rita', 'sam']) rememberPassword(dir.path, name, PASSWORD);
});

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('the whole chain: capture (ivan) → review request → decision (rita)', () => {
  let resourceId: string;
  let capture: CaptureRecord;
  let record: DecisionRecord;

  beforeAll(async () => {
    ({ resourceId, capture } = await reportAndCapture('/?case=chain', 'ivan'));
  });

  it('lists the captured resource for review, and ivan sends it to review', async () => {
    const listed = await vigil(['--data', dir.path, 'review', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((r) => r.id)).toContain(resourceId);
    const requested = await vigil(['--data', dir.path, '--as', 'ivan', 'review', 'request', resourceId]);
    expect(requested.stderr).toBe('');
    expect(requested.code).toBe(0);
    expect(await stateOf(resourceId)).toBe('in_review');
    const again = await vigil(['--data', dir.path, '--as', 'ivan', 'review', 'request', resourceId]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error review\.invalid-transition/);
  });

  it('signs rita’s decision; the record relies on the capture’s manifest hash and cites the basis text', async () => {
    const input = join(dir.path, 'decision.json');
    writeFileSync(input, JSON.stringify(approval()));
    const out = await vigil(
      [
        '--data',
        dir.path,
        '--as',
        'rita',
        'review',
        'decide',
        resourceId,
        '--input',
        input,
        '--password-stdin',
        '--json',
      ],
      `${PASSWORD}\n`,
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    record = DecisionRecord.parse(JSON.parse(out.stdout));
    expect(record).toMatchObject({
      resourceId,
      captures: [{ id: capture.id, manifestSha256: capture.manifestSha256 }],
      reviewer: { name: 'rita', displayName: 'Rita Reviewer' },
      supersedes: null,
      fields: { decision: 'approve', measure: 'block_url', territorialScope: ['KZ'] },
      signature: { alg: 'ES256' },
    });
    expect(record.legalBases).toHaveLength(1);
    expect(record.legalBases[0]).toMatchObject({ id: DRUGS, version: 1, example: true });
    expect(record.legalBases[0]?.text).toMatch(/^EXAMPLE TEXT, NOT LAW/);
    expect(await stateOf(resourceId)).toBe('approved');
  });

  it('verifies with openssl under rita’s public key over the canonical JSON, and fails when one byte changes', async () => {
    const rita = await backend.users.publicIdentity('rita');
    expect(rita).not.toBeNull();
    const ok = await opensslVerify(record, rita?.publicKeyPem ?? '', 'chain');
    expect(ok.stdout).toContain('Verified OK');
    expect(decisionSigningBytes(record).toString('utf8')).toBe(
      canonicalJson({ ...record, signature: undefined }),
    );
    const tampered = { ...record, fields: { ...record.fields, territorialScope: ['KG'] } };
    const bad = await opensslVerify(tampered, rita?.publicKeyPem ?? '', 'tampered');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).not.toContain('Verified OK');
    const sam = await backend.users.publicIdentity('sam');
    expect(verifyDecisionRecord(record, sam?.publicKeyPem ?? '')).toBe(false);
  });

  it('writes decision.signed and resource.state-changed custody events, and the audit chain verifies', async () => {
    const rows = await backend.workspace.db.read((c) =>
      c.all<{ action: string; actor: string; subject: string; details: string }>(
        'SELECT action, actor, subject, details FROM audit WHERE subject IN (?, ?) ORDER BY seq',
        [`decision:${record.id}`, `resource:${resourceId}`],
      ),
    );
    const signed = rows.find((r) => r.action === 'decision.signed');
    expect(signed).toMatchObject({ actor: 'rita', subject: `decision:${record.id}` });
    expect(
      rows.filter((r) => r.action === 'resource.state-changed').map((r) => JSON.parse(r.details) as unknown),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: 'in_review', to: 'approved', decisionId: record.id }),
      ]),
    );
    expect((await vigil(['--data', dir.path, 'audit', 'verify'])).code).toBe(0);
  });

  it('shows the stored record unchanged (vigil show decision --json and decisions.get)', async () => {
    const shown = await vigil(['--data', dir.path, 'show', 'decision', record.id, '--json']);
    expect(shown.code).toBe(0);
    expect(canonicalJson(JSON.parse(shown.stdout))).toBe(canonicalJson(record));
    const got = await call('ivan', 'decisions.get', { id: record.id });
    expect(got.ok && canonicalJson(got.value)).toBe(canonicalJson(record));
    const text = await vigil(['--data', dir.path, 'show', 'decision', record.id]);
    expect(text.stdout).toContain('[EXAMPLE, not law]');
  });

  it('makes the reviewer’s facts searchable next to the captured text', async () => {
    const hits = await call('ivan', 'search.query', { text: 'controlled substance' });
    expect(hits).toMatchObject({
      ok: true,
      value: [expect.objectContaining({ resourceId: record.resourceId, captureId: null })],
    });
    const snippet = hits.ok ? (hits.value as { snippet: string }[])[0]?.snippet : '';
    expect(snippet).toContain('\uE000controlled\uE001');
  });

  it('exports the approval as a DSA statement of reasons', async () => {
    const out = await vigil(['--data', dir.path, 'decision', 'export', record.id, '--dsa']);
    expect(out.stderr).toBe('');
    const dsa = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(dsa).toMatchObject({
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      illegal_content_explanation: approval().explanation,
      decision_facts: approval().facts,
      category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
      category_specification: ['KEYWORD_PROHIBITED_PRODUCTS'],
      territorial_scope: ['KZ'],
      content_type: ['CONTENT_TYPE_OTHER'],
      content_date: capture.startedAt.slice(0, 10),
      application_date: '2026-11-22',
      end_date: null,
      source_type: 'SOURCE_ARTICLE_16',
      automated_detection: 'No',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      url: record.url,
      puid: record.id,
      vigil: { decisionId: record.id, captures: record.captures, signature: record.signature },
    });
    expect(String(dsa.illegal_content_legal_ground)).toContain('EXAMPLE Narcotics Control Act');
    expect(String(dsa.illegal_content_legal_ground)).toContain(`${DRUGS} v1`);
  });

  it('keeps the cited text when the catalogue entry changes afterwards', async () => {
    const before = (await call('ada', 'basis.list', {})) as Envelope<
      { id: string; version: number; text?: string }[]
    >;
    const found = before.ok ? before.value.find((b) => b.id === DRUGS) : undefined;
    expect(found?.version).toBe(1);
    const { version: _version, ...entry } = found ?? { version: 0 };
    const saved = await call('ada', 'basis.save', {
      ...entry,
      text: 'EXAMPLE TEXT, NOT LAW: amended wording.',
    });
    expect(saved).toMatchObject({ ok: true, value: { id: DRUGS, version: 2 } });
    const rita = await call('rita', 'basis.save', { ...entry, text: 'x' });
    expect(errorCode(rita)).toBe('auth.forbidden');
    const stored = await call('rita', 'decisions.get', { id: record.id });
    expect(stored).toMatchObject({ ok: true, value: { legalBases: [{ id: DRUGS, version: 1 }] } });
    expect(stored.ok && (stored.value as DecisionRecord).legalBases[0]?.text).toMatch(/controlled substance/);
    const rita2 = await backend.users.publicIdentity('rita');
    expect(
      verifyDecisionRecord(stored.ok ? (stored.value as DecisionRecord) : record, rita2?.publicKeyPem ?? ''),
    ).toBe(true);
    const after = await vigil(['--data', dir.path, 'basis', 'list', '--json']);
    expect(
      (JSON.parse(after.stdout) as { id: string; version: number }[]).find((b) => b.id === DRUGS)?.version,
    ).toBe(2);
  });

  it('renders a packet signed by rita (qpdf clean, pdfsig valid, time-stamped) and refuses ivan as its signer', async () => {
    await backend.settings.update({ tsaUrl: tsa.url }, 'ada');
    const out = join(dir.path, 'decided.pdf');
    const res = await vigil(
      ['--data', dir.path, '--as', 'rita', 'packet', resourceId, '--out', out, '--password-stdin', '--json'],
      `${PASSWORD}\n`,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.stdout) as { decisionId: string; signedBy: string; sha256: string };
    expect(printed).toMatchObject({ decisionId: record.id, signedBy: 'rita' });
    expect((await run('qpdf', ['--check', out])).code).toBe(0);
    const sig = await run('pdfsig', [out]);
    expect(sig.stdout).toContain('Signature Validation: Signature is Valid.');
    expect(sig.stdout).toContain('Rita Reviewer');
    const blob = readFileSync(backend.workspace.blobs.pathOf(printed.sha256));
    expect(blob.equals(readFileSync(out))).toBe(true);
    const rendered = async () =>
      JSON.parse(
        (
          await backend.workspace.db.read((c) =>
            c.get<{ details: string }>(
              "SELECT details FROM audit WHERE action = 'packet.rendered' ORDER BY seq DESC LIMIT 1",
            ),
          )
        )?.details ?? '{}',
      ) as { sha256: string; timestamped: boolean; timestampError: string | null };
    expect(await rendered()).toMatchObject({
      sha256: printed.sha256,
      timestamped: true,
      timestampError: null,
    });

    // A TSA that does not answer leaves the packet signed without a time-stamp, and says so.
    await backend.settings.update({ tsaUrl: 'http://127.0.0.1:9/' }, 'ada');
    try {
      const offline = await vigil(
        [
          '--data',
          dir.path,
          '--as',
          'rita',
          'packet',
          resourceId,
          '--out',
          join(dir.path, 'b.pdf'),
          '--password-stdin',
        ],
        `${PASSWORD}\n`,
      );
      expect(offline.code).toBe(0);
      expect((await run('pdfsig', [join(dir.path, 'b.pdf')])).stdout).toContain('Signature is Valid.');
      expect(await rendered()).toMatchObject({
        timestamped: false,
        timestampError: expect.stringMatching(/^tsa\./),
      });
    } finally {
      await backend.settings.update({ tsaUrl: null }, 'ada');
    }

    const ivan = await vigil(
      [
        '--data',
        dir.path,
        '--as',
        'ivan',
        'packet',
        resourceId,
        '--out',
        join(dir.path, 'x.pdf'),
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect(ivan.code).toBe(2);
    expect(ivan.stderr).toMatch(/^error auth\.forbidden/);
  });
});

describe('refusals', () => {
  let resourceId: string;
  let samCapture: CaptureRecord;

  beforeAll(async () => {
    // sam is a reviewer who captured this resource himself.
    ({ resourceId, capture: samCapture } = await reportAndCapture('/?case=refusals', 'sam'));
  });

  it('refuses self-approval: the operator of a capture relied on cannot sign', async () => {
    const before = await counts();
    const res = await call('sam', 'review.decide', { resourceId, decision: approval(), password: PASSWORD });
    expect(errorCode(res)).toBe('review.self-approval');
    expect(await counts()).toEqual(before);
  });

  it('refuses an investigator as decider (role), before any key is touched', async () => {
    const res = await call('ivan', 'review.decide', { resourceId, decision: approval(), password: PASSWORD });
    expect(errorCode(res)).toBe('auth.forbidden');
  });

  it('refuses an approval with a missing field and names the fields', async () => {
    const res = await call('rita', 'review.decide', {
      resourceId,
      decision: approval({ facts: '', legalBasisIds: [] }),
      password: PASSWORD,
    });
    expect(errorCode(res)).toBe('review.missing-field');
    expect(res.ok ? '' : res.error.message).toMatch(/facts/);
    expect(res.ok ? null : res.error.details).toMatchObject({ fields: ['legalBasisIds', 'facts'] });
  });

  it('refuses a basis that is not in the catalogue and a capture of another resource', async () => {
    const unknown = await call('rita', 'review.decide', {
      resourceId,
      decision: approval({ legalBasisIds: ['lb_doesnotexist00'] }),
      password: PASSWORD,
    });
    expect(errorCode(unknown)).toBe('review.basis-not-found');
    const other = (
      await backend.workspace.db.read((c) =>
        c.get<{ id: string }>('SELECT id FROM captures WHERE resource_id != ? LIMIT 1', [resourceId]),
      )
    )?.id;
    const foreign = await call('rita', 'review.decide', {
      resourceId,
      decision: approval({ captureIds: [other ?? ''] }),
      password: PASSWORD,
    });
    expect(errorCode(foreign)).toBe('review.no-capture');
  });

  it('signs nothing and stores nothing with a wrong password', async () => {
    const before = await counts();
    const res = await call('rita', 'review.decide', {
      resourceId,
      decision: approval(),
      password: 'not the password',
    });
    expect(errorCode(res)).toBe('user.wrong-password');
    expect(await counts()).toEqual(before);
    expect(await stateOf(resourceId)).toBe('captured');
  });

  it('refuses an approval on stale evidence but accepts a re-capture request', async () => {
    clockOffsetMs = 25 * HOUR;
    try {
      const stale = await call('rita', 'review.decide', {
        resourceId,
        decision: approval(),
        password: PASSWORD,
      });
      expect(errorCode(stale)).toBe('review.stale-capture');
      expect(stale.ok ? '' : stale.error.message).toMatch(/re-capture/);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('a revision supersedes the earlier decision and both stay', async () => {
    const first = await call('rita', 'review.decide', {
      resourceId,
      decision: { decision: 'needs_recapture', explanation: 'The page was still loading; capture again.' },
      password: PASSWORD,
    });
    expect(first.ok).toBe(true);
    const firstRecord = first.ok ? (first.value as DecisionRecord) : null;
    expect(firstRecord?.captures).toEqual([{ id: samCapture.id, manifestSha256: samCapture.manifestSha256 }]);
    expect(await stateOf(resourceId)).toBe('needs_recapture');
    // needs_recapture puts the resource back among those the capture queue waits for.
    const waiting = await backend.workspace.db.read((c) =>
      c.all<{ id: string }>("SELECT id FROM resources WHERE state IN ('reported', 'needs_recapture')"),
    );
    expect(waiting.map((w) => w.id)).toContain(resourceId);

    const fresh = await recapture(resourceId, 'ivan');
    expect(await stateOf(resourceId)).toBe('captured');
    const second = await call('rita', 'review.decide', {
      resourceId,
      decision: approval(),
      password: PASSWORD,
    });
    expect(second.ok ? null : second.error).toBeNull();
    const secondRecord = second.ok ? (second.value as DecisionRecord) : null;
    expect(secondRecord?.supersedes).toBe(firstRecord?.id);
    expect(secondRecord?.captures.map((c) => c.id)).toEqual([fresh.id]);
    const ids = (
      await backend.workspace.db.read((c) =>
        c.all<{ id: string }>('SELECT id FROM decisions WHERE resource_id = ? ORDER BY signed_at', [
          resourceId,
        ]),
      )
    ).map((r) => r.id);
    expect(ids).toEqual([firstRecord?.id, secondRecord?.id]);
    const again = await call('rita', 'decisions.get', { id: firstRecord?.id });
    expect(again.ok && canonicalJson(again.value)).toBe(canonicalJson(firstRecord));
    // A signed decision is immutable: the database itself refuses an edit.
    await expect(
      backend.workspace.db.write((tx) =>
        tx.run("UPDATE decisions SET reviewer = 'x' WHERE id = ?", [firstRecord?.id ?? '']),
      ),
    ).rejects.toThrow(/append-only/);
  });
});

describe('several captures and drafts', () => {
  let resourceId: string;
  let ritaCapture: CaptureRecord;
  let ivanCapture: CaptureRecord;

  beforeAll(async () => {
    ({ resourceId, capture: ritaCapture } = await reportAndCapture('/?case=mixed', 'rita'));
    ivanCapture = await recapture(resourceId, 'ivan');
  });

  it('refuses rita when any capture relied on is hers, and accepts the latest capture (ivan’s) by default', async () => {
    const both = await call('rita', 'review.decide', {
      resourceId,
      decision: approval({ captureIds: [ivanCapture.id, ritaCapture.id] }),
      password: PASSWORD,
    });
    expect(errorCode(both)).toBe('review.self-approval');
    expect(both.ok ? null : both.error.details).toMatchObject({ captures: [ritaCapture.id] });
  });

  it('renders a DRAFT packet before any decision (vigil packet, qpdf clean, unsigned)', async () => {
    const out = join(dir.path, 'draft.pdf');
    const res = await vigil([
      '--data',
      dir.path,
      'packet',
      resourceId,
      '--out',
      out,
      '--language',
      'ar',
      '--json',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ decisionId: null, signedBy: null, language: 'ar' });
    expect((await run('qpdf', ['--check', out])).code).toBe(0);
    const sig = await run('pdfsig', [out]);
    expect(sig.stdout + sig.stderr).toMatch(/does not contain any signatures/);
    // The document keywords mark a draft in every language; the pages say it in the packet's language.
    expect((await run('pdfinfo', [out])).stdout).toMatch(/Keywords:.*DRAFT/);
    expect((await run('pdftotext', [out, '-'])).stdout).toContain('مسودة');
    const signing = await vigil(
      [
        '--data',
        dir.path,
        '--as',
        'rita',
        'packet',
        resourceId,
        '--out',
        join(dir.path, 'd2.pdf'),
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect(signing.code).toBe(2);
  });

  it('serves packet.render from the UI as a registered artifact with a custody event', async () => {
    const res = await call('ivan', 'packet.render', { resourceId, language: 'en' });
    expect(res.ok ? null : res.error).toBeNull();
    const packet = res.ok ? (res.value as { sha256: string; pages: number; bytes: number }) : null;
    expect(packet?.pages).toBeGreaterThan(0);
    const rows = await backend.workspace.db.read(async (c) => ({
      blob: await c.get<{ bytes: number }>('SELECT bytes FROM blobs WHERE sha256 = ?', [
        packet?.sha256 ?? '',
      ]),
      packet: await c.get<{ signed_by: string | null; decision_id: string | null }>(
        'SELECT signed_by, decision_id FROM packets WHERE sha256 = ?',
        [packet?.sha256 ?? ''],
      ),
      audit: await c.get<{ details: string }>(
        "SELECT details FROM audit WHERE action = 'packet.rendered' AND subject = ? ORDER BY seq DESC LIMIT 1",
        [`resource:${resourceId}`],
      ),
    }));
    expect(rows.blob?.bytes).toBe(packet?.bytes);
    expect(rows.packet).toEqual({ signed_by: null, decision_id: null });
    expect(JSON.parse(rows.audit?.details ?? '{}')).toMatchObject({ sha256: packet?.sha256, draft: true });
  });
});
