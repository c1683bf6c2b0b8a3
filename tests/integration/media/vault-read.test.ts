import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { encodePng } from '@core/capture/png-rows';
import { listAudit } from '@core/custody/audit-log';
import { createArtifactAccess } from '@core/media/artifact-access';
import { createIntakeService } from '@core/intake/intake-service';
import { raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import type { Session } from '@core/rpc/dispatch';
import { CHROMIUM } from '@tests/helpers/chromium';
import { rememberPassword, vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * Reading the restricted vault: `vault.list` shows a resource's withheld items to anyone signed in,
 * `vault.read` gives an authorised user one fetch through the artifact server (blurred unless
 * revealed, each step a custody event), and the CLI grants, withdraws, reads and prints exposure.
 */
const PASSWORD = 'correct horse battery';

function stripes(width: number, height: number): Buffer {
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1)
      raw.set((x >> 2) % 2 === 0 ? [250, 10, 200] : [10, 240, 30], y * (width * 3 + 1) + 1 + x * 3);
  return encodePng(width, height, 2, raw);
}
const IMAGE = stripes(96, 64);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
const PAGE = `<!doctype html><html><head><title>Vault fixture</title></head><body><p>words stay</p>
<img src="/v.png" width="96" height="64"></body></html>`;

let dir: { path: string; remove: () => void };
let server: http.Server;
let base = '';
let backend: Backend;
let resourceId = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/page') res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    else if (req.url === '/v.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(IMAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = tempDir('vigil-vault-read-');
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'admin');
  await backend.settings.update({ csamPolicy: 'vault' }, 'admin');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${base}/page`, sourceType: 'volunteer', category: 'minors' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  await raiseSuspectedCsam(backend.workspace, {
    resourceId,
    reason: 'reported as abuse material',
    actor: 'ivan',
  });
  const record = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(record.withheld?.map((w) => w.sha256)).toContain(SHA);
  for (const name of ['admin', 'rita', 'ivan']) {
    const session: Session = { user: null };
    expect((await backend.dispatch(session, 'session.signIn', { name, password: PASSWORD })).ok).toBe(true);
    sessions.set(name, session);
  }
}, 120_000);

afterAll(async () => {
  await backend?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir?.remove();
});

const sessions = new Map<string, Session>();
const as = (name: string): Session => sessions.get(name) as Session;
const call = (name: string, method: string, input: unknown) => backend.dispatch(as(name), method, input);
const audit = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { action, limit: 50 }))).rows;
/** What the artifact servers send for this request (the same rule the bridge and evidence:// use). */
async function fetchItem(name: string, reveal: boolean): Promise<Buffer | null> {
  const served = await createArtifactAccess(backend).resolve(as(name), SHA, reveal);
  if (served === null) return null;
  const parts: Buffer[] = [];
  for await (const part of served.open()) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('vault.list and vault.read', () => {
  it('lists the withheld items of a resource with their hashes, and says who may read them', async () => {
    const listed = await call('ivan', 'vault.list', { resourceId });
    expect(listed).toMatchObject({
      ok: true,
      value: {
        authorised: false,
        items: [expect.objectContaining({ sha256: SHA, inVault: true, url: `${base}/v.png` })],
      },
    });
  });

  it('refuses an unauthorised user, logged, and serves nothing without a grant', async () => {
    expect(await call('rita', 'vault.read', { resourceId, sha256: SHA })).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    expect((await audit('vault.read-refused')).some((r) => r.actor === 'rita')).toBe(true);
    expect(await fetchItem('rita', false)).toBeNull();
    expect(await call('rita', 'media.reveal', { resourceId, sha256: SHA })).toMatchObject({ ok: false });
  });

  it('gives an authorised user one blurred fetch per grant, the original only after a logged reveal', async () => {
    expect(
      await call('admin', 'vault.authorise', { name: 'rita', authorised: true, reason: 'hotline liaison' }),
    ).toMatchObject({ ok: true });
    expect(await call('rita', 'vault.list', { resourceId })).toMatchObject({ value: { authorised: true } });
    const grant = await call('rita', 'vault.read', { resourceId, sha256: SHA });
    expect(grant).toMatchObject({ ok: true, value: { grantId: expect.stringMatching(/^vgr_/) } });
    const blurred = await fetchItem('rita', false);
    expect(blurred).not.toBeNull();
    expect(blurred?.equals(IMAGE)).toBe(false);
    expect(blurred?.[25]).toBe(0);
    // The grant is used up.
    expect(await fetchItem('rita', false)).toBeNull();
    const reveal = await call('rita', 'media.reveal', { resourceId, sha256: SHA });
    expect(reveal).toMatchObject({ ok: true });
    await call('rita', 'vault.read', { resourceId, sha256: SHA });
    expect((await fetchItem('rita', true))?.equals(IMAGE)).toBe(true);
    expect((await audit('vault.read-granted')).filter((r) => r.actor === 'rita')).toHaveLength(2);
    expect(
      (await audit('vault.read')).filter((r) => r.actor === 'rita' && r.action === 'vault.read'),
    ).toHaveLength(2);
    expect((await audit('media.revealed'))[0]).toMatchObject({
      actor: 'rita',
      details: { sha256: SHA, vault: true },
    });
    // Plaintext never lands in the blur cache.
    expect(existsSync(join(backend.workspace.paths.root, 'cache', 'blurred', `${SHA}.png`))).toBe(false);
  });

  it('stops at once when the authorisation is withdrawn, even with a grant in hand', async () => {
    await call('rita', 'vault.read', { resourceId, sha256: SHA });
    await call('admin', 'vault.authorise', { name: 'rita', authorised: false, reason: 'left the unit' });
    await expect(fetchItem('rita', false)).rejects.toMatchObject({ code: 'auth.forbidden' });
    expect(await call('rita', 'vault.read', { resourceId, sha256: SHA })).toMatchObject({ ok: false });
  });
});

describe('vigil vault and vigil exposure', () => {
  const v = (...args: string[]) => vigil(['--data', join(dir.path, 'data'), ...args]);

  it('grants and withdraws with a reason, reads to a new file only for a proven authorised user', async () => {
    rememberPassword(join(dir.path, 'data'), 'ivan', PASSWORD);
    rememberPassword(join(dir.path, 'data'), 'rita', PASSWORD);
    const out = join(dir.path, 'item.png');
    const refused = await v('--as', 'ivan', 'vault', 'read', SHA, '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/auth\.forbidden/);
    expect(existsSync(out)).toBe(false);
    expect((await v('vault', 'authorise', 'ivan')).code).toBe(2);
    const granted = await v('vault', 'authorise', 'ivan', '--reason', 'hotline liaison');
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain('csam_authorised GRANTED');
    const read = await v('--as', 'ivan', 'vault', 'read', SHA, '--out', out);
    expect(read.code, read.stderr).toBe(0);
    expect(readFileSync(out).equals(IMAGE)).toBe(true);
    expect(statSync(out).mode & 0o077).toBe(0);
    // An existing file is refused, whatever it holds.
    writeFileSync(join(dir.path, 'taken.png'), 'keep me');
    const taken = await v('--as', 'ivan', 'vault', 'read', SHA, '--out', join(dir.path, 'taken.png'));
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/output\.exists/);
    expect(readFileSync(join(dir.path, 'taken.png'), 'utf8')).toBe('keep me');
    expect((await v('--as', 'ivan', 'vault', 'withdraw', 'rita', '--reason', 'not mine')).code).toBe(2);
    expect((await v('vault', 'withdraw', 'ivan', '--reason', 'case closed')).code).toBe(0);
    expect((await v('--as', 'ivan', 'vault', 'read', SHA, '--out', join(dir.path, 'again.png'))).code).toBe(
      2,
    );
  });

  it('prints exposure per user per day; a non-admin sees only their own', async () => {
    const all = await v('exposure', '--json');
    expect(all.code, all.stderr).toBe(0);
    const rows = JSON.parse(all.stdout) as { userName: string; reveals: number }[];
    expect(rows.map((r) => r.userName)).toContain('rita');
    const mine = await v('--as', 'ivan', 'exposure', '--json');
    expect(mine.code, mine.stderr).toBe(0);
    expect((JSON.parse(mine.stdout) as { userName: string }[]).every((r) => r.userName === 'ivan')).toBe(
      true,
    );
    expect((await v('--as', 'ivan', 'exposure', '--user', 'rita')).code).toBe(2);
    const text = await v('exposure', '--user', 'rita');
    expect(text.stdout).toMatch(/rita {2}\d+\.\d min revealed {2}1 reveal/);
  });
});
