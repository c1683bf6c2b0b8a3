import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import type { Envelope } from '@shared/contract/envelope';
import type { DecisionInput, DecisionRecord } from '@shared/domain/decision';
import { run } from '@tests/helpers/openssl';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';
import { approvalOf } from '@tests/helpers/decision-input';
import { CHROMIUM } from '@tests/helpers/chromium';
import { callAs } from '@tests/helpers/backend-calls';

const PASSWORD = 'correct horse battery';

type Packet = { sha256: string; pages: number; bytes: number; signed: boolean };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let nss: string;
let decidedId: string;
let draftId: string;
let decision: DecisionRecord;

const call = (name: string, method: string, input: unknown): Promise<Envelope<unknown>> =>
  callAs(backend, name, method, input);

function packetOf(env: Envelope<unknown>): Packet {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.value as Packet;
}

const counts = () =>
  backend.workspace.db.read(async (c) => ({
    packets: (await c.get<{ n: number }>('SELECT count(*) AS n FROM packets'))?.n ?? 0,
    blobs: (await c.get<{ n: number }>('SELECT count(*) AS n FROM blobs'))?.n ?? 0,
    audit: (await c.get<{ n: number }>('SELECT max(seq) AS n FROM audit'))?.n ?? 0,
  }));

const packetRow = (sha256: string) =>
  backend.workspace.db.read((c) =>
    c.get<{ signed_by: string | null; decision_id: string | null; rendered_by: string }>(
      'SELECT signed_by, decision_id, rendered_by FROM packets WHERE sha256 = ? ORDER BY rendered_at DESC LIMIT 1',
      [sha256],
    ),
  );

/** pdfsig on the stored blob, trusting the workstation's CA. */
const pdfsig = (sha256: string) =>
  run('pdfsig', ['-nssdir', `sql:${nss}`, backend.workspace.blobs.pathOf(sha256)]);

async function captured(path: string): Promise<string> {
  const intake = createIntakeService(backend.workspace);
  const { resource } = await intake.addReport(
    { url: `${site.http}${path}`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  const capture = await backend.captures.captureResource(resource.id, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  return resource.id;
}

beforeAll(async () => {
  dir = tempDir('vigil-packet-ui-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  await backend.users.create({ name: 'sam', role: 'reviewer', password: PASSWORD }, 'setup');
  decidedId = await captured('/?case=signed-packet');
  draftId = await captured('/?case=draft-packet');
  const input: DecisionInput = approvalOf(`${site.http}/?case=signed-packet`);
  const decided = await call('rita', 'review.decide', {
    resourceId: decidedId,
    decision: input,
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);
  decision = decided.value as DecisionRecord;

  nss = join(dir.path, 'nss');
  mkdirSync(nss);
  const caFile = join(dir.path, 'ca.pem');
  writeFileSync(caFile, backend.workspace.ca.certPem);
  expect((await run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password'])).code).toBe(0);
  expect(
    (await run('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'vigil-ca', '-t', 'C,C,C', '-i', caFile])).code,
  ).toBe(0);
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('packet.render with a password', () => {
  it('refuses a wrong password of the signing reviewer and stores nothing', async () => {
    const before = await counts();
    const res = await call('rita', 'packet.render', { resourceId: decidedId, password: 'not it' });
    expect(res.ok ? null : res.error.code).toBe('user.wrong-password');
    expect(await counts()).toEqual(before);
  });

  it('PAdES-signs the packet with the key of the reviewer who signed the decision (pdfsig: valid, trusted)', async () => {
    const packet = packetOf(
      await call('rita', 'packet.render', { resourceId: decidedId, language: 'en', password: PASSWORD }),
    );
    expect(packet.signed).toBe(true);
    expect(await packetRow(packet.sha256)).toEqual({
      signed_by: 'rita',
      decision_id: decision.id,
      rendered_by: 'rita',
    });
    const sig = await pdfsig(packet.sha256);
    expect(sig.stdout).toContain('Signature Validation: Signature is Valid.');
    expect(sig.stdout).toContain('Certificate Validation: Certificate is Trusted.');
    expect(sig.stdout).toContain('Rita Reviewer');
    expect(sig.stdout).toContain('Total document signed');
    const event = await backend.workspace.db.read((c) =>
      c.get<{ details: string }>(
        "SELECT details FROM audit WHERE action = 'packet.rendered' ORDER BY seq DESC LIMIT 1",
      ),
    );
    expect(JSON.parse(event?.details ?? '{}')).toMatchObject({
      sha256: packet.sha256,
      signedBy: 'rita',
      decisionId: decision.id,
    });
  });

  it('renders unsigned for anyone else, with or without a password, and for rita without one', async () => {
    for (const [who, password] of [
      ['sam', PASSWORD],
      ['ivan', PASSWORD],
      ['rita', undefined],
    ] as const) {
      const packet = packetOf(
        await call(who, 'packet.render', {
          resourceId: decidedId,
          ...(password === undefined ? {} : { password }),
        }),
      );
      expect(packet.signed, who).toBe(false);
      expect(await packetRow(packet.sha256)).toMatchObject({ signed_by: null, decision_id: decision.id });
      const sig = await pdfsig(packet.sha256);
      expect(sig.stdout + sig.stderr).toMatch(/does not contain any signatures/);
    }
  });

  it('never signs a draft: a resource without a decision gets an unsigned draft', async () => {
    const packet = packetOf(await call('rita', 'packet.render', { resourceId: draftId, password: PASSWORD }));
    expect(packet.signed).toBe(false);
    expect(await packetRow(packet.sha256)).toMatchObject({ signed_by: null, decision_id: null });
  });

  it('refuses a password longer than the contract allows before doing anything', async () => {
    const before = await counts();
    const res = await call('rita', 'packet.render', { resourceId: decidedId, password: 'x'.repeat(1025) });
    expect(res.ok ? null : res.error.code).toMatch(/invalid/);
    expect(await counts()).toEqual(before);
  });
});
