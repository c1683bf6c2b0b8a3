import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { buildBlocklist } from '@core/bundle/blocklist';
import { exportBundle } from '@core/bundle/bundle-export';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { createBundleService } from '@core/bundle/bundle-service';
import { signDeterministicScalar } from '@core/bundle/deterministic-ecdsa';
import { verifyAudit } from '@core/custody/audit-log';
import { canonicalJson } from '@core/custody/canonical-json';
import { signEs256 } from '@core/custody/signing';
import { setResourceState } from '@core/db/repositories/resources-repo';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionInput, type DecisionRecord } from '@shared/domain/decision';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';
import { CHROMIUM } from '@tests/helpers/chromium';

const CASE = 'CASE-2026-7';
const PASSWORD = 'correct horse battery';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let backend: Backend;
let dataA: string;
let zipPath: string;
let treePath: string;
const resourceIds: string[] = [];
const captures: CaptureRecord[] = [];
let decision: DecisionRecord;

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const sh = (script: string) => run('sh', ['-c', script], { timeoutMs: 60_000 });
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(root, full).split('\\').join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Every file of a data dir with its hash (SQLite's shared-memory index is not data). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of filesUnder(root)) if (!f.endsWith('-shm')) out[f] = sha256File(join(root, f));
  return out;
}

async function insertSignedDecision(resourceId: string, relied: CaptureRecord[]): Promise<DecisionRecord> {
  const ws = backend.workspace;
  const signer = await backend.users.unlockSigningKey('rita', PASSWORD);
  const { captureIds: _ignored, ...fields } = DecisionInput.parse({
    decision: 'approve',
    measure: 'block_url',
    targets: [relied[0]?.url ?? ''],
    territorialScope: ['KZ'],
    startDate: '2026-11-22',
    legalBasisIds: ['lb_0000000000example'],
    category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
    keywords: ['KEYWORD_PROHIBITED_PRODUCTS'],
    facts: 'The page offers prohibited goods for sale.',
    explanation: 'Sale of these goods is prohibited.',
    sourceType: 'volunteer',
    language: 'ru',
  });
  const unsigned: Omit<DecisionRecord, 'signature'> = {
    id: ws.ids('DecisionId'),
    resourceId: resourceId as DecisionRecord['resourceId'],
    url: relied[0]?.url ?? '',
    captures: relied.map((c) => ({ id: c.id, manifestSha256: c.manifestSha256 })),
    fields,
    legalBases: [
      {
        id: 'lb_0000000000example' as DecisionRecord['legalBases'][number]['id'],
        version: 1,
        jurisdiction: 'KZ',
        instrument: 'Example Act',
        article: 'Art. 1',
        title: 'Example',
        referenceUrl: 'https://example.org/act',
        defaultCategory: null,
        example: true,
      },
    ],
    reviewer: { name: 'rita', displayName: 'Rita', certificateSha256: signer.user.certificateSha256 },
    signedAt: ws.clock().toISOString(),
    supersedes: null,
  };
  const record: DecisionRecord = {
    ...unsigned,
    signature: {
      alg: 'ES256',
      keyId: 'rita',
      value: signEs256(signer.privateKey, canonicalJson(unsigned)).toString('base64'),
    },
  };
  await ws.record(async (tx, audit) => {
    await tx.run(
      'INSERT INTO decisions (id, resource_id, reviewer, decision, signed_at, supersedes, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [record.id, resourceId, 'rita', 'approve', record.signedAt, null, JSON.stringify(record)],
    );
    await setResourceState(tx, resourceId, 'approved', record.signedAt);
    await audit({ actor: 'rita', action: 'decision.signed', subject: `decision:${record.id}`, details: {} });
  });
  return record;
}

beforeAll(async () => {
  dir = tempDir('vigil-bundle-');
  dataA = join(dir.path, 'a');
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer()]);
  backend = await createBackend({ dataDir: dataA, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.settings.update({ tsaUrl: tsa.url }, 'test');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita', role: 'reviewer', password: PASSWORD },
    'test',
  );
  const intake = createIntakeService(backend.workspace);
  for (const path of ['/cyrillic', '/arabic']) {
    const added = await intake.addReport(
      { url: `${site.http}${path}`, sourceType: 'volunteer', caseRef: CASE },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    resourceIds.push(added.resource.id);
  }
  for (const id of [...resourceIds, resourceIds[0] ?? '']) {
    captures.push(
      await backend.captures.captureResource(id, {
        operator: 'ivan',
        allowPrivateNetwork: true,
        timeoutSeconds: 60,
      }),
    );
  }
  decision = await insertSignedDecision(resourceIds[0] ?? '', [captures[0] as CaptureRecord]);
  // The case is in Russian: the README then carries Russian instructions too.
  await backend.workspace.db.write((tx) => tx.run("UPDATE cases SET language = 'ru' WHERE ref = ?", [CASE]));
  zipPath = join(dir.path, 'case.zip');
  treePath = join(dir.path, 'case-tree');
  const out = await vigil(['--data', dataA, 'export', '--case', CASE, '--out', zipPath, '--json']);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const tree = await vigil(['--data', dataA, 'export', '--case', CASE, '--out', treePath, '--dir']);
  expect(tree.code).toBe(0);
}, 240_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('a court bundle', () => {
  it('passes unzip -t, sha256sum -c, openssl dgst and openssl ts with the standard tools alone', async () => {
    const unzipped = join(dir.path, 'unzipped');
    expect((await run('unzip', ['-t', zipPath])).stdout).toContain('No errors detected');
    expect((await run('unzip', ['-q', zipPath, '-d', unzipped])).code).toBe(0);
    expect(filesUnder(unzipped)).toEqual(filesUnder(treePath));
    const sums = await sh(`cd ${q(unzipped)} && sha256sum -c SHA256SUMS`);
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
    const lines = readFileSync(join(unzipped, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(filesUnder(unzipped).length - 3);
    const dgst = await sh(
      `cd ${q(unzipped)} && openssl dgst -sha256 -verify keys/workstation.pub.pem -signature SHA256SUMS.sig SHA256SUMS`,
    );
    expect(dgst.stdout).toContain('Verified OK');
    const ts = await sh(
      `cd ${q(unzipped)} && openssl ts -verify -in SHA256SUMS.tsr -data SHA256SUMS -CAfile tsa/ca.pem -untrusted tsa/tsa.pem`,
    );
    expect(ts.stdout + ts.stderr).toContain('Verification: OK');
    for (const c of captures) {
      const capSig = await sh(
        `cd ${q(join(unzipped, 'captures', c.id))} && openssl dgst -sha256 -verify ../../keys/workstation.pub.pem -signature manifest.json.sig manifest.json`,
      );
      expect(capSig.stdout, c.id).toContain('Verified OK');
    }
    const readme = readFileSync(join(unzipped, 'README.txt'), 'utf8');
    expect(readme).toContain('sha256sum -c SHA256SUMS');
    expect(readme).toContain('Проверка стандартными средствами');
    const manifest = JSON.parse(readFileSync(join(unzipped, 'manifest.json'), 'utf8')) as {
      captures: { id: string }[];
      decisions: { id: string }[];
      case: { ref: string };
    };
    expect(manifest.case.ref).toBe(CASE);
    expect(manifest.captures.map((c) => c.id).sort()).toEqual(captures.map((c) => c.id).sort());
    expect(manifest.decisions.map((d) => d.id)).toEqual([decision.id]);
  });

  it('verifies with vigil verify, as a ZIP and as a folder, one line per check', async () => {
    for (const path of [zipPath, treePath]) {
      const out = await vigil(['verify', path]);
      expect(out.code, out.stdout).toBe(0);
      expect(out.stdout).toContain('bundle verified');
      expect(out.stdout).toMatch(/OK\s+decision\.signature\s+decisions\//);
      expect(out.stdout).toMatch(/OK\s+sums\.timestamp\s+SHA256SUMS\.tsr/);
    }
    const json = await vigil(['verify', zipPath, '--json']);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThan(20);
  });

  it('is byte-identical when exported twice with the same clock (no TSA)', async () => {
    const fixed = new Date('2026-11-23T09:30:00.000Z');
    const ws = { ...backend.workspace, clock: () => fixed };
    const one = join(dir.path, 'det-1.zip');
    const two = join(dir.path, 'det-2.zip');
    const a = await exportBundle(ws, {
      selection: { caseRef: CASE },
      outPath: one,
      asDirectory: false,
      actor: 't',
      tsaUrl: null,
    });
    const b = await exportBundle(ws, {
      selection: { caseRef: CASE },
      outPath: two,
      asDirectory: false,
      actor: 't',
      tsaUrl: null,
    });
    expect(a.sha256).toBe(b.sha256);
    expect(sha256File(one)).toBe(sha256File(two));
    expect(a.sha256).toBe(sha256File(one));
    expect((await verifyBundle(one)).ok).toBe(true);
  });

  it('signs SHA256SUMS with RFC 6979 nonces (the RFC A.2.5 P-256/SHA-256 vector)', () => {
    const d = 0xc9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721n;
    const { der, k } = signDeterministicScalar(d, Buffer.from('sample'));
    expect(k.toString(16)).toBe('a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60');
    expect(der.toString('hex')).toContain('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716');
    expect(der.toString('hex')).toContain('f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8');
  });
});

describe('tampering', () => {
  const kinds = () => {
    const c = captures[0] as CaptureRecord;
    const artifact = c.artifacts.find((a) => a.kind === 'screenshot')?.name ?? 'screenshot.png';
    const all = filesUnder(treePath);
    const user = all.find((f) => f.startsWith('keys/users/') && f.endsWith('.crt.pem')) ?? '';
    const dsa = all.filter((f) => f.startsWith('dsa/'));
    return [
      'README.txt',
      'manifest.json',
      'SHA256SUMS',
      'SHA256SUMS.sig',
      'SHA256SUMS.tsr',
      'custody.jsonl',
      'keys/workstation.pub.pem',
      'keys/workstation.crt.pem',
      'keys/ca.pem',
      user,
      'tsa/ca.pem',
      'tsa/tsa.pem',
      `captures/${c.id}/${artifact}`,
      `captures/${c.id}/manifest.json`,
      `captures/${c.id}/manifest.json.sig`,
      `captures/${c.id}/manifest.tsr`,
      `decisions/${decision.id}.json`,
      ...dsa,
    ];
  };

  const copyTree = (name: string) => {
    const target = join(dir.path, 'tamper', name);
    rmSync(target, { recursive: true, force: true });
    cpSync(treePath, target, { recursive: true });
    return target;
  };

  const failsNaming = async (path: string, file: string) => {
    const report = await verifyBundle(path);
    expect(report.ok, `${file} tampered but the bundle verified`).toBe(false);
    const named = report.checks.filter((c) => !c.ok).map((c) => c.file);
    expect(named, `no failing check names ${file}`).toContain(file);
  };

  it('fails and names the file when any kind of file is flipped, truncated or deleted', async () => {
    const list = kinds();
    expect(list.every((f) => f !== '')).toBe(true);
    for (const file of list) {
      const flipped = copyTree('flip');
      const target = join(flipped, file);
      const bytes = readFileSync(target);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      writeFileSync(target, bytes);
      await failsNaming(flipped, file);

      const truncated = copyTree('truncate');
      truncateSync(join(truncated, file), Math.floor(statSync(join(truncated, file)).size / 2));
      await failsNaming(truncated, file);

      const deleted = copyTree('delete');
      rmSync(join(deleted, file));
      await failsNaming(deleted, file);
    }
    // Three full verifications per file, each now also checking anchors, the CRL, the WACZ
    // signatures and the head time-stamp: a bound for a loaded machine, not a speed target.
  }, 300_000);

  it('names a certificate file whose base64 was damaged, instead of failing the whole check', async () => {
    // A flipped byte lands in the base64 text of a PEM file: depending on the byte it decodes to a
    // different certificate, or it is no base64 at all. The second must be a named failure too.
    for (const file of ['keys/ca.pem', 'keys/workstation.crt.pem', 'tsa/ca.pem']) {
      const damaged = copyTree('base64');
      const target = join(damaged, file);
      const lines = readFileSync(target, 'utf8').split('\n');
      lines[2] = `@${(lines[2] ?? '').slice(1)}`;
      writeFileSync(target, lines.join('\n'));
      await failsNaming(damaged, file);
    }
  });

  it('fails and names an unlisted file added anywhere', async () => {
    for (const extra of ['notes.txt', `captures/${captures[0]?.id ?? ''}/extra.png`, 'keys/other.pub.pem']) {
      const added = copyTree('add');
      writeFileSync(join(added, extra), 'added later');
      await failsNaming(added, extra);
    }
  });

  it('fails on a valid signature by another key and on a time-stamp token for other data', async () => {
    const swapped = copyTree('swap-sig');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(
      join(swapped, 'SHA256SUMS.sig'),
      sign('sha256', readFileSync(join(swapped, 'SHA256SUMS')), { key: privateKey, dsaEncoding: 'der' }),
    );
    await failsNaming(swapped, 'SHA256SUMS.sig');

    const otherToken = copyTree('swap-tsr');
    cpSync(
      join(otherToken, 'captures', captures[0]?.id ?? '', 'manifest.tsr'),
      join(otherToken, 'SHA256SUMS.tsr'),
    );
    await failsNaming(otherToken, 'SHA256SUMS.tsr');
    const report = await verifyBundle(otherToken);
    expect(report.checks.find((c) => c.file === 'SHA256SUMS.tsr' && !c.ok)?.message).toContain(
      'tsa.imprint-mismatch',
    );
  });

  it('fails when a byte of the ZIP is flipped inside an evidence file, and exits 1', async () => {
    const bytes = readFileSync(zipPath);
    const shot = captures[0]?.artifacts.find((a) => a.kind === 'screenshot');
    const sample = readFileSync(shot?.path ?? '').subarray(400, 464);
    const at = bytes.indexOf(sample);
    expect(at).toBeGreaterThan(0);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    const bad = join(dir.path, 'flipped.zip');
    writeFileSync(bad, bytes);
    const out = await vigil(['verify', bad]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/FAIL\s+file\.hash\s+captures\/.*screenshot/);
  });
});

describe('import', () => {
  it('imports into a fresh data dir, verifies there, re-exports verifiably, and a second import changes nothing', async () => {
    const dataB = join(dir.path, 'b');
    // Another data dir imports only bundles of a CA it trusts (foreign bundles are refused).
    const trusted = await vigil([
      '--data',
      dataB,
      'trust',
      'add',
      join(dataA, 'keys', 'ca.crt.pem'),
      '--name',
      'A',
    ]);
    expect(trusted.code, trusted.stderr).toBe(0);
    const first = await vigil(['--data', dataB, 'import', zipPath, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as {
      imported: boolean;
      resources: number;
      captures: number;
      decisions: number;
    };
    expect(result).toMatchObject({ imported: true, resources: 2, captures: 3, decisions: 1 });

    const b = await createBackend({ dataDir: dataB, env: {} });
    try {
      const evidence = () =>
        b.workspace.db.read(async (c) => ({
          resources: await c.all('SELECT id, url, state FROM resources ORDER BY id'),
          captures: await c.all('SELECT id, origin, record FROM captures ORDER BY id'),
          artifacts: await c.all('SELECT capture_id, name, sha256 FROM artifacts ORDER BY capture_id, name'),
          decisions: await c.all('SELECT id, record FROM decisions ORDER BY id'),
          blobs: await c.all('SELECT sha256, bytes FROM blobs ORDER BY sha256'),
        }));
      const before = await evidence();
      expect(
        (before.captures as { origin: string }[]).every(
          (c) => c.origin === backend.workspace.workstation.keyId,
        ),
      ).toBe(true);
      const again = await createBundleService(b.workspace, b.settings).import(zipPath, 'test');
      expect(again).toMatchObject({ imported: true, resources: 0, captures: 0, decisions: 0 });
      expect(await evidence()).toEqual(before);
      const audit = await b.workspace.db.read(async (conn) =>
        verifyAudit(conn, await b.workspace.readAnchor()),
      );
      expect(audit.problem).toBeNull();

      const reexport = join(dir.path, 'reexport.zip');
      await createBundleService(b.workspace, b.settings).export(
        { resourceIds: [resourceIds[0] ?? ''] },
        { outPath: reexport, asDirectory: false, actor: 'test' },
      );
      const report = await verifyBundle(reexport);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('refuses a tampered bundle and leaves the target data dir unchanged', async () => {
    const dataC = join(dir.path, 'c');
    const c = await createBackend({ dataDir: dataC, env: {} });
    const bad = join(dir.path, 'tamper', 'import-bad');
    rmSync(bad, { recursive: true, force: true });
    cpSync(treePath, bad, { recursive: true });
    appendFileSync(join(bad, 'custody.jsonl'), '{}\n');
    try {
      const before = snapshot(dataC);
      const result = await createBundleService(c.workspace, c.settings).import(bad, 'test');
      expect(result.imported).toBe(false);
      expect(result.report.checks.some((x) => !x.ok && x.file === 'custody.jsonl')).toBe(true);
      expect(snapshot(dataC)).toEqual(before);
    } finally {
      await c.close();
    }
    const out = await vigil(['--data', dataC, 'import', bad]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('import refused');
  });
});

describe('block list', () => {
  it('lists the signed approval, then records the block and its verification by re-capture', async () => {
    const csv = await vigil(['--data', dataA, 'blocklist', 'export', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toContain('url,host,measure');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(decision.id);
    expect(rows[1]).toContain('Example Act Art. 1');
    const later = await vigil([
      '--data',
      dataA,
      'blocklist',
      'export',
      '--format',
      'json',
      '--since',
      '2999-01-01',
    ]);
    expect(JSON.parse(later.stdout)).toEqual([]);

    const id = resourceIds[0] ?? '';
    const refused = await vigil(['--data', dataA, 'blocklist', 'verify-blocked', id]);
    expect(refused.code).toBe(2);
    const marked = await vigil(['--data', dataA, 'blocklist', 'mark-blocked', id]);
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stdout).toContain('blocked');
    const { verifyBlocked } = await import('@core/bundle/blocklist');
    const verified = await verifyBlocked(backend.workspace, backend.captures, id, 'ivan', 'investigator', {
      allowPrivateNetwork: true,
    });
    expect(verified.state).toBe('block_verified');
    const rowsAfter = await backend.workspace.db.read((c) =>
      c.all<{ action: string; details: string }>(
        "SELECT action, details FROM audit WHERE subject = ? AND action LIKE 'block.%' ORDER BY seq",
        [`resource:${id}`],
      ),
    );
    expect(rowsAfter.map((r) => r.action)).toEqual(['block.marked', 'block.verified']);
    expect(JSON.parse(rowsAfter[1]?.details ?? '{}')).toMatchObject({ captureId: verified.capture.id });
    expect((await buildBlocklist(backend.workspace)).entries[0]?.state).toBe('block_verified');
  }, 90_000);
});
