import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { canonicalJson } from '@core/custody/canonical-json';
import { signEs256 } from '@core/custody/signing';
import { insertDecision } from '@core/db/repositories/decisions-repo';
import { createIntakeService } from '@core/intake/intake-service';
import type { DecisionRecord } from '@shared/domain/decision';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

/**
 * Anchors the verifier chooses (--trust-ca, --tsa-ca), the CA's CRL at verify, and foreign bundles:
 * unit A (with a time-stamp authority whose tokens do not embed its root) and unit B (another data
 * dir with a reviewer it made up) export bundles; A verifies and imports them.
 */

const PASSWORD = 'correct horse battery';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let a: Backend;
let b: Backend;
let dataA: string;
let dataB: string;
let clockOffsetMs = 0;
let resourceA: string;
let resourceB: string;
let approvalA: DecisionRecord;
let approvalB: DecisionRecord;
const zipA = () => join(dir.path, 'a.zip');
const zipB = () => join(dir.path, 'b.zip');
const caOf = (data: string) => join(data, 'keys', 'ca.crt.pem');
const fingerprintOf = (path: string) =>
  new X509Certificate(readFileSync(path)).fingerprint256.replace(/:/g, '').toLowerCase();

/** One unit's reviewed resource: a capture by its investigator and an approval by its reviewer. */
async function reviewedResource(
  unit: Backend,
  url: string,
  people: Readonly<{ investigator: string; reviewer: string }>,
): Promise<{ resourceId: string; approval: DecisionRecord }> {
  await unit.users.create({ name: people.investigator, role: 'investigator', password: PASSWORD }, 'setup');
  await unit.users.create({ name: people.reviewer, role: 'reviewer', password: PASSWORD }, 'setup');
  const { resource } = await createIntakeService(unit.workspace).addReport(
    { url, sourceType: 'volunteer' },
    { actor: people.investigator, allowPrivateNetwork: true },
  );
  const capture = await unit.captures.captureResource(resource.id, {
    operator: people.investigator,
    allowPrivateNetwork: true,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  valueOf(await callAs(unit, people.investigator, 'review.request', { resourceId: resource.id }));
  const approval = valueOf<DecisionRecord>(
    await callAs(unit, people.reviewer, 'review.decide', {
      resourceId: resource.id,
      decision: approvalOf(url),
      password: PASSWORD,
    }),
  );
  return { resourceId: resource.id, approval };
}

const checksOf = (stdout: string) =>
  (JSON.parse(stdout) as { checks: { check: string; file: string | null; ok: boolean; message: string }[] })
    .checks;

beforeAll(async () => {
  dir = tempDir('vigil-anchors-');
  dataA = join(dir.path, 'unit-a');
  dataB = join(dir.path, 'unit-b');
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer({ embedRoot: false })]);
  const env = { VIGIL_BROWSER: CHROMIUM };
  a = await createBackend({ dataDir: dataA, env, clock: () => new Date(Date.now() + clockOffsetMs) });
  b = await createBackend({ dataDir: dataB, env });
  await a.settings.update({ tsaUrl: tsa.url }, 'test');
  ({ resourceId: resourceA, approval: approvalA } = await reviewedResource(a, `${site.http}/?unit=a`, {
    investigator: 'ivan',
    reviewer: 'rita',
  }));
  ({ resourceId: resourceB, approval: approvalB } = await reviewedResource(b, `${site.http}/?unit=b`, {
    investigator: 'boris',
    reviewer: 'mallory',
  }));
  for (const [data, resource, out] of [
    [dataA, resourceA, zipA()],
    [dataB, resourceB, zipB()],
  ] as const) {
    const exported = await vigil(['--data', data, 'export', '--resource', resource, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
  }
}, 300_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('vigil verify with anchors the verifier chooses', () => {
  it('says plainly that a bundle checked without anchors is only self-consistent', async () => {
    // The TSA's tokens do not embed its root, and the bundle's own tsa/ca.pem is absent.
    const bare = await vigil(['verify', zipA()]);
    expect(bare.code, bare.stdout).toBe(1);
    expect(bare.stdout).toMatch(/FAIL\s+sums\.timestamp/);
    expect(bare.stdout).toContain("anchored to: the bundle's own certificates");
    const withTsa = await vigil(['verify', zipA(), '--tsa-ca', tsa.caCertPath]);
    expect(withTsa.code, withTsa.stdout).toBe(0);
    expect(withTsa.stdout).toContain("anchored to: the bundle's own certificates");
    expect(withTsa.stdout).toContain('given with --tsa-ca');
  });

  it('anchors to the CA given with --trust-ca and names it with its fingerprint', async () => {
    const fp = fingerprintOf(caOf(dataA));
    const out = await vigil(['verify', zipA(), '--trust-ca', caOf(dataA), '--tsa-ca', tsa.caCertPath]);
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toContain(`(SHA-256 fingerprint ${fp})`);
    expect(out.stdout).toMatch(/OK\s+anchor\.ca\s+keys\/ca\.pem\s+anchored to: /);
    const json = await vigil([
      'verify',
      zipA(),
      '--trust-ca',
      caOf(dataA),
      '--tsa-ca',
      tsa.caCertPath,
      '--json',
    ]);
    const report = JSON.parse(json.stdout) as { anchoredTo: { sha256: string }[] };
    expect(report.anchoredTo.map((x) => x.sha256)).toEqual([fp]);
  });

  it("fails a bundle whose CA is not the one given, and a TSA root that is not the authority's", async () => {
    const otherCa = await vigil(['verify', zipA(), '--trust-ca', caOf(dataB), '--tsa-ca', tsa.caCertPath]);
    expect(otherCa.code).toBe(1);
    expect(otherCa.stdout).toMatch(/FAIL\s+anchor\.ca\s+keys\/ca\.pem/);
    expect(otherCa.stdout).toMatch(/FAIL\s+anchor\.decision\s+decisions\//);
    // Unit B's CA is a CA certificate, but not this time-stamp authority's root.
    const otherTsa = await vigil(['verify', zipA(), '--tsa-ca', caOf(dataB)]);
    expect(otherTsa.code).toBe(1);
    expect(otherTsa.stdout).toMatch(/FAIL\s+sums\.timestamp/);
  });

  it("prints the CA's fingerprint in the bundle README with the command to compare it", async () => {
    const unzipped = join(dir.path, 'a-unzipped');
    expect((await run('unzip', ['-q', zipA(), '-d', unzipped])).code).toBe(0);
    const readme = readFileSync(join(unzipped, 'README.txt'), 'utf8');
    const fp = fingerprintOf(join(unzipped, 'keys', 'ca.pem'));
    expect(fp).toBe(fingerprintOf(caOf(dataA)));
    expect(readme.replace(/ /g, '')).toContain(fp);
    expect(readme).toContain('openssl x509 -in keys/ca.pem -noout -fingerprint -sha256');
    expect(readme).toContain('--trust-ca THEIR-CA.pem --tsa-ca TSA-ROOT.pem');
    const x509 = await run('openssl', [
      'x509',
      '-in',
      join(unzipped, 'keys', 'ca.pem'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    expect(
      x509.stdout
        .replace(/[^0-9A-Fa-f=]/g, '')
        .split('=')[1]
        ?.toLowerCase(),
    ).toBe(fp);
  });
});

describe('the CA revocation list at verify', () => {
  it("fails a decision signed after its reviewer's certificate was revoked; the CRL lists the reviewer", async () => {
    const rita = await a.users.unlockSigningKey('rita', PASSWORD);
    const serial = new X509Certificate(rita.certificatePem).serialNumber.replace(/^(00)+/, '');
    // Disabling revokes her certificate; a copy of her key then signs a later decision.
    await a.users.update({ name: 'rita', disabled: true }, 'setup');
    clockOffsetMs = 5_000;
    const { signature: _old, ...earlier } = approvalA;
    const unsigned: Omit<DecisionRecord, 'signature'> = {
      ...earlier,
      id: a.workspace.ids('DecisionId'),
      signedAt: a.workspace.clock().toISOString(),
      supersedes: approvalA.id,
    };
    const late: DecisionRecord = {
      ...unsigned,
      signature: {
        ...approvalA.signature,
        value: signEs256(rita.privateKey, canonicalJson(unsigned)).toString('base64'),
      },
    };
    await a.workspace.record(async (tx, audit) => {
      await insertDecision(tx, late);
      await audit({ actor: 'rita', action: 'decision.signed', subject: `decision:${late.id}`, details: {} });
    });
    const zip = join(dir.path, 'a-revoked.zip');
    expect((await vigil(['--data', dataA, 'export', '--resource', resourceA, '--out', zip])).code).toBe(0);

    const out = await vigil(['verify', zip, '--trust-ca', caOf(dataA), '--tsa-ca', tsa.caCertPath, '--json']);
    expect(out.code).toBe(1);
    const revocation = checksOf(out.stdout).filter((c) => c.check === 'decision.revocation');
    expect(revocation).toEqual([
      expect.objectContaining({ file: `decisions/${approvalA.id}.json`, ok: true }),
      expect.objectContaining({ file: `decisions/${late.id}.json`, ok: false }),
    ]);
    expect(revocation[1]?.message).toContain('before the decision was signed');
    expect(
      checksOf(out.stdout)
        .filter((c) => !c.ok)
        .map((c) => c.check),
    ).toEqual(['decision.revocation']);

    const unzipped = join(dir.path, 'a-revoked');
    expect((await run('unzip', ['-q', zip, '-d', unzipped])).code).toBe(0);
    const crl = join(unzipped, 'keys', 'ca.crl.pem');
    const listed = await run('openssl', ['crl', '-in', crl, '-noout', '-text']);
    expect(listed.stdout.toUpperCase()).toContain(`SERIAL NUMBER: ${serial.toUpperCase()}`);
    const verified = await run('openssl', [
      'crl',
      '-in',
      crl,
      '-CAfile',
      join(unzipped, 'keys', 'ca.pem'),
      '-noout',
      '-verify',
    ]);
    expect(verified.stdout + verified.stderr).toContain('verify OK');
  });
});

describe('foreign bundles', () => {
  const decisionsIn = (unit: Backend) =>
    unit.workspace.db.read(async (c) =>
      (await c.all<{ id: string }>('SELECT id FROM decisions')).map((r) => r.id),
    );

  it("refuses another unit's bundle with a made-up reviewer until an admin trusts its CA", async () => {
    const refused = await vigil(['--data', dataA, 'import', zipB()]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/FAIL\s+anchor\.ca\s+keys\/ca\.pem/);
    expect(refused.stdout).toContain('vigil trust add CA.pem --name UNIT');
    expect(await decisionsIn(a)).not.toContain(approvalB.id);

    const added = await vigil(['--data', dataA, 'trust', 'add', caOf(dataB), '--name', 'Unit B']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(fingerprintOf(caOf(dataB)));
    const listed = await vigil(['--data', dataA, 'trust', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: 'Unit B', sha256: fingerprintOf(caOf(dataB)) }),
    ]);

    const imported = await vigil(['--data', dataA, 'import', zipB(), '--tsa-ca', tsa.caCertPath]);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    expect(await decisionsIn(a)).toContain(approvalB.id);
  });

  it("keeps the imported decision as the other unit's: origin recorded, not in our block list", async () => {
    const origin = await a.workspace.db.read((c) =>
      c.get<{ unit: string; ca_sha256: string }>(
        'SELECT unit, ca_sha256 FROM decision_origins WHERE decision_id = ?',
        [approvalB.id],
      ),
    );
    expect(origin).toEqual({ unit: 'Unit B', ca_sha256: fingerprintOf(caOf(dataB)) });
    const audit = await a.workspace.db.read((c) =>
      c.get<{ details: string }>(
        "SELECT details FROM audit WHERE action = 'decision.imported' AND subject = ?",
        [`decision:${approvalB.id}`],
      ),
    );
    expect(JSON.parse(audit?.details ?? '{}')).toMatchObject({ unit: 'Unit B', reviewer: 'mallory' });
    const list = await vigil(['--data', dataA, 'blocklist', 'export', '--format', 'json']);
    expect(list.code).toBe(0);
    const ids = (JSON.parse(list.stdout) as { decisionId: string }[]).map((e) => e.decisionId);
    expect(ids).not.toContain(approvalB.id);
    expect(list.stderr).toContain(`skipped decision ${approvalB.id}: decided by another unit (Unit B`);
  });

  it('re-exports the imported decision with its origin, still signed by its own reviewer', async () => {
    const zip = join(dir.path, 're-export.zip');
    const out = await vigil(['--data', dataA, 'export', '--resource', resourceB, '--out', zip]);
    expect(out.code, out.stderr).toBe(0);
    const unzipped = join(dir.path, 're-export');
    expect((await run('unzip', ['-q', zip, '-d', unzipped])).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(unzipped, 'manifest.json'), 'utf8')) as {
      decisions: { id: string; reviewer: string; origin?: { unit: string; caSha256: string } | null }[];
    };
    expect(manifest.decisions).toEqual([
      expect.objectContaining({
        id: approvalB.id,
        reviewer: 'mallory',
        origin: { unit: 'Unit B', caSha256: fingerprintOf(caOf(dataB)) },
      }),
    ]);
    const record = JSON.parse(
      readFileSync(join(unzipped, 'decisions', `${approvalB.id}.json`), 'utf8'),
    ) as DecisionRecord;
    expect(record.signature.value).toBe(approvalB.signature.value);
    // Anchored to A's CA alone, B's reviewer is not anchored; with B's CA too, it is.
    const aOnly = await vigil(['verify', zip, '--trust-ca', caOf(dataA), '--tsa-ca', tsa.caCertPath]);
    expect(aOnly.code).toBe(1);
    expect(aOnly.stdout).toMatch(/FAIL\s+anchor\.decision/);
    const both = await vigil([
      'verify',
      zip,
      '--trust-ca',
      caOf(dataA),
      '--trust-ca',
      caOf(dataB),
      '--tsa-ca',
      tsa.caCertPath,
    ]);
    expect(both.code, both.stdout).toBe(0);
  });

  it('withdraws trust as a new record; the bundle is refused again', async () => {
    const removed = await vigil(['--data', dataA, 'trust', 'remove', 'Unit B']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse((await vigil(['--data', dataA, 'trust', 'list', '--json'])).stdout)).toEqual([]);
    const history = JSON.parse(
      (await vigil(['--data', dataA, 'trust', 'list', '--history', '--json'])).stdout,
    ) as {
      action: string;
    }[];
    expect(history.map((h) => h.action)).toEqual(['trust', 'withdraw']);
    expect((await vigil(['--data', dataA, 'import', zipB(), '--tsa-ca', tsa.caCertPath])).code).toBe(1);
    const events = await a.workspace.db.read((c) =>
      c.all<{ action: string }>("SELECT action FROM audit WHERE action LIKE 'trust.%' ORDER BY seq"),
    );
    expect(events.map((e) => e.action)).toEqual(['trust.ca-added', 'trust.ca-withdrawn']);
  });
});
