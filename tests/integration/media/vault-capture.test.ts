import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { encodePng } from '@core/capture/png-rows';
import { HOST_FILE_SEALER } from '@core/custody/key-sealer';
import { createIntakeService } from '@core/intake/intake-service';
import { createRestrictedVault } from '@core/media/restricted-vault';
import { raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import type { Session } from '@core/rpc/dispatch';
import { CHROMIUM } from '@tests/helpers/chromium';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * The vault policy end to end: a restricted capture (real Chromium, a generated test image) hands
 * the medium it withholds to the vault, which keeps it encrypted outside the blob store, readable
 * only by a `csam_authorised` user.
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

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = lstatSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });

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
  dir = tempDir('vigil-vault-capture-');
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
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
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir?.remove();
});

describe('a restricted capture under the vault policy', () => {
  it('keeps the withheld medium only in the vault, encrypted, for csam_authorised users', async () => {
    const record = await backend.captures.captureResource(resourceId, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    expect(record.withheld?.map((w) => w.sha256)).toContain(SHA);
    const vault = createRestrictedVault(backend.workspace, HOST_FILE_SEALER);
    expect(vault.has(SHA)).toBe(true);
    // Nowhere outside the vault, and not in the clear inside it.
    const window = IMAGE.subarray(IMAGE.length - 64, IMAGE.length - 32);
    // The live browser profile under tmp/ is the capture's own business (and removed with it).
    const stored = filesUnder(backend.workspace.paths.root).filter(
      (f) => !f.startsWith(backend.workspace.paths.tmp),
    );
    expect(stored.some((f) => f.endsWith(`${SHA}.vgv`))).toBe(true);
    for (const file of stored) expect(readFileSync(file).includes(window), file).toBe(false);
    const ivan: Session = { user: await backend.users.byName('ivan') };
    await expect(vault.read(SHA, ivan)).rejects.toMatchObject({ code: 'auth.forbidden' });
    const admin: Session = { user: await backend.users.byName('admin') };
    await backend.dispatch(admin, 'vault.authorise', {
      name: 'ivan',
      authorised: true,
      reason: 'hotline liaison',
    });
    expect((await vault.read(SHA, ivan)).equals(IMAGE)).toBe(true);
  }, 120_000);
});
