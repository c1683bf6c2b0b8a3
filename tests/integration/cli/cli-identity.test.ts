import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { verifyEs256 } from '@core/custody/signing';
import { refuseOwnSignedCaptures } from '@core/review/signed-own-capture';
import { CaptureRecord } from '@shared/domain/capture-record';
import { vigil } from '@tests/helpers/cli';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';
let dir: { path: string; remove: () => void };
let backend: Backend;
let site: FixtureSite;
let ritaToken: string;
let ritaCapture: CaptureRecord | undefined;

const data = () => dir.path;
const auditOf = (action: string) =>
  backend.workspace.db.read((c) =>
    c.all<{ actor: string; subject: string; details: string }>(
      'SELECT actor, subject, details FROM audit WHERE action = ? ORDER BY seq',
      [action],
    ),
  );
const capturesOf = (url: string) =>
  backend.workspace.db.read((c) =>
    c.all<{ id: string; operator: string; record: string }>(
      'SELECT c.id, c.operator, c.record FROM captures c JOIN resources r ON r.id = c.resource_id WHERE r.url = ?',
      [url],
    ),
  );

beforeAll(async () => {
  dir = tempDir('vigil-identity-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: dir.path });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  const login = await vigil(
    ['--data', data(), 'login', 'rita', '--password-stdin', '--print-token'],
    `${PASSWORD}\n`,
  );
  expect(login.code, login.stderr).toBe(0);
  ritaToken = login.stdout.trim();
});

afterAll(async () => {
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('vigil --as USER needs the user’s proof', () => {
  it('records an unproven --as as the OS account, marked unauthenticated, never as the user named', async () => {
    const url = `${site.http}/?case=unproven`;
    const r = await vigil([
      '--data',
      data(),
      '--as',
      'ivan',
      'report',
      'add',
      url,
      '--allow-private-network',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning auth\.unproven: --as ivan was not proven .* recorded as os:/);
    const rows = (await auditOf('resource.created')).filter((row) => row.details.includes('case=unproven'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.actor).toMatch(/^os:/);
  });

  it('refuses a wrong password and a token of another user, writing nothing', async () => {
    const url = `${site.http}/?case=wrong-proof`;
    const wrong = await vigil(
      ['--data', data(), '--as', 'ivan', '--password-stdin', 'report', 'add', url, '--allow-private-network'],
      'not the password\n',
    );
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/^error auth\.bad-credentials: /)]);
    const foreign = await vigil(
      ['--data', data(), '--as', 'ivan', 'report', 'add', url, '--allow-private-network'],
      '',
      { env: { VIGIL_SESSION: ritaToken } },
    );
    expect([foreign.code, foreign.stderr]).toEqual([
      2,
      expect.stringMatching(/^error auth\.session-other-user: /),
    ]);
    const rows = (await auditOf('resource.created')).filter((row) =>
      row.details.includes('case=wrong-proof'),
    );
    expect(rows).toEqual([]);
  });

  it('accepts the password on stdin, and a stored `vigil login` session until `vigil logout`', async () => {
    const byPassword = await vigil(
      [
        '--data',
        data(),
        '--as',
        'ivan',
        '--password-stdin',
        'report',
        'add',
        `${site.http}/?case=pw`,
        '--allow-private-network',
      ],
      `${PASSWORD}\n`,
    );
    expect(byPassword.code, byPassword.stderr).toBe(0);
    expect(byPassword.stderr).toBe('');

    const login = await vigil(['--data', data(), 'login', 'ivan', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.code, login.stderr).toBe(0);
    const file = join(data(), 'cli-session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = await vigil([
      '--data',
      data(),
      '--as',
      'ivan',
      'report',
      'add',
      `${site.http}/?case=stored`,
      '--allow-private-network',
    ]);
    expect([stored.code, stored.stderr]).toEqual([0, '']);
    const out = await vigil(['--data', data(), 'logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    const after = await vigil([
      '--data',
      data(),
      '--as',
      'ivan',
      'report',
      'add',
      `${site.http}/?case=after`,
      '--allow-private-network',
    ]);
    expect(after.stderr).toMatch(/^warning auth\.unproven/);

    const actors = async (tag: string) =>
      (await auditOf('resource.created'))
        .filter((row) => row.details.includes(`case=${tag}`))
        .map((row) => row.actor);
    expect(await actors('pw')).toEqual(['ivan']);
    expect(await actors('stored')).toEqual(['ivan']);
    expect((await actors('after')).every((a) => a.startsWith('os:'))).toBe(true);
    expect((await auditOf('session.cli-login')).map((row) => row.subject)).toContain('user:ivan');
    expect((await auditOf('session.cli-logout')).map((row) => row.subject)).toContain('user:ivan');
  });
});

describe('a reviewer who captured a page cannot pass it off as an investigator’s', () => {
  it('records it as the OS account or refuses it, co-signs her own capture, and refuses her decision by key', async () => {
    const url = `${site.http}/?case=laundered`;
    // Without ivan's password: recorded as the OS account, with no user's co-signature.
    const unproven = await vigil([
      '--data',
      data(),
      '--as',
      'ivan',
      'capture',
      url,
      '--allow-private-network',
      '--json',
    ]);
    expect(unproven.code, unproven.stderr).toBe(0);
    const anon = CaptureRecord.parse(JSON.parse(unproven.stdout));
    expect(anon.context.operator).toMatch(/^os:/);
    expect(anon.operatorSignature).toBeUndefined();
    // With her own session naming ivan: refused, nothing captured.
    const before = (await capturesOf(url)).length;
    const foreign = await vigil(
      ['--data', data(), '--as', 'ivan', 'capture', url, '--allow-private-network', '--json'],
      '',
      { env: { VIGIL_SESSION: ritaToken } },
    );
    expect(foreign.stderr).toMatch(/^error auth\.session-other-user: /);
    expect(await capturesOf(url)).toHaveLength(before);
    expect((await capturesOf(url)).map((c) => c.operator)).not.toContain('ivan');

    // As herself, proven: her key co-signs the very manifest bytes the workstation signed.
    const own = await vigil(
      ['--data', data(), '--as', 'rita', 'capture', url, '--allow-private-network', '--json'],
      '',
      { env: { VIGIL_SESSION: ritaToken } },
    );
    expect(own.code, own.stderr).toBe(0);
    const record = CaptureRecord.parse(JSON.parse(own.stdout));
    ritaCapture = record;
    expect(record.context.operator).toBe('rita');
    const manifest = readFileSync(record.artifacts.find((a) => a.kind === 'manifest')?.path ?? '');
    const rita = await backend.users.publicIdentity('rita');
    expect(record.operatorSignature).toMatchObject({
      signer: 'rita',
      certificateSha256: rita?.user.certificateSha256,
    });
    expect(
      verifyEs256(
        rita?.publicKeyPem ?? '',
        manifest,
        Buffer.from(record.operatorSignature?.value ?? '', 'base64'),
      ),
    ).toBe(true);
    expect(
      verifyEs256(
        backend.workspace.workstation.publicKeyPem,
        manifest,
        Buffer.from(record.signature.value, 'base64'),
      ),
    ).toBe(true);

    // Her decision relying on it is refused by her key.
    const input = join(data(), 'decision.json');
    writeFileSync(input, JSON.stringify({ ...approvalOf(url), captureIds: [record.id] }));
    const decide = await vigil(
      [
        '--data',
        data(),
        '--as',
        'rita',
        'review',
        'decide',
        record.resourceId,
        '--input',
        input,
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect([decide.code, decide.stderr]).toEqual([
      2,
      expect.stringMatching(/^error review\.signed-own-capture: /),
    ]);
    // The refusal rests on the key, not on the recorded name.
    expect(() =>
      refuseOwnSignedCaptures('rita', record.operatorSignature?.keyId ?? '', [
        { ...record, context: { ...record.context, operator: 'ivan' } },
      ]),
    ).toThrow(/co-signed evidence/);
    expect((await auditOf('decision.signed')).length).toBe(0);
  });
});

describe('the operator co-signature in a court bundle', () => {
  it('is verified by vigil verify under the bundled key of the operator, and a changed one fails', async () => {
    const record = ritaCapture;
    if (record === undefined) throw new Error('the capture of the previous test is missing');
    const out = join(data(), 'exports', 'rita');
    const exported = await vigil([
      '--data',
      data(),
      'export',
      '--resource',
      record.resourceId,
      '--out',
      out,
      '--dir',
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const verified = await vigil(['--data', data(), 'verify', out, '--json']);
    const checks = (
      JSON.parse(verified.stdout) as { checks: { check: string; ok: boolean; message: string }[] }
    ).checks;
    const cosigned = checks.filter((c) => c.check === 'capture.operator-signature');
    expect(cosigned).toHaveLength(1);
    expect(cosigned[0]).toMatchObject({ ok: true, message: expect.stringContaining('rita') });

    // Another signature in its place (the workstation's, valid over the same bytes but not rita's).
    const manifestPath = join(out, 'manifest.json');
    const bundled = JSON.parse(readFileSync(manifestPath, 'utf8')) as { captures: CaptureRecord[] };
    for (const c of bundled.captures)
      if (c.operatorSignature) c.operatorSignature = { ...c.operatorSignature, value: c.signature.value };
    writeFileSync(manifestPath, JSON.stringify(bundled, null, 2));
    const tampered = await vigil(['--data', data(), 'verify', out, '--json']);
    expect(tampered.code).toBe(1);
    const bad = (
      JSON.parse(tampered.stdout) as { checks: { check: string; ok: boolean; message: string }[] }
    ).checks.filter((c) => c.check === 'capture.operator-signature');
    expect(bad).toEqual([
      expect.objectContaining({ ok: false, message: expect.stringMatching(/does not verify/) }),
    ]);
  });
});
