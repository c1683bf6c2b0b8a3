import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { connectTeamServer, type TeamServerClient } from '@core/remote/remote-client';
import { BUILT_CLI, vigilProcess } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki, type TestPki } from './server-tls';

// A court bundle made on a team server (HTTPS, password sign-in) reaches the desk that asked for it:
// through the session-checked `/exports/<name>` route, and through `vigil --server URL export`.

const PASSWORDS = { ivan: 'investigator password', rita: 'reviewer password' };

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

let dir: { path: string; remove: () => void };
let pki: TestPki;
let caFile = '';
let backend: Backend;
let bridge: HttpBridge;
let resourceId = '';
const clients: TeamServerClient[] = [];

async function signedIn(name: keyof typeof PASSWORDS): Promise<TeamServerClient> {
  const client = connectTeamServer({ url: bridge.url, ca: pki.ca });
  clients.push(client);
  expect(await client.signIn(name, PASSWORDS[name])).toMatchObject({ ok: true });
  return client;
}

/** A raw GET trusting the test CA, with the session of nobody (no cookie, no key). */
function anonymousGet(path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${bridge.url}${path}`,
      { ca: pki.ca, servername: 'localhost', timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function exportAs(client: TeamServerClient): Promise<{ path: string; sha256: string }> {
  const reply = await client.call('bundle.export', { resourceIds: [resourceId], asDirectory: false });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value as { path: string; sha256: string };
}

const auditRows = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { limit: 100, action }))).rows;

beforeAll(async () => {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  dir = tempDir('vigil-export-download-');
  pki = await makeTestPki(dir.path);
  caFile = join(dir.path, 'unit-ca.pem');
  writeFileSync(caFile, pki.ca);
  backend = await createBackend({ dataDir: join(dir.path, 'server') });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORDS.ivan }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORDS.rita }, 'setup');
  bridge = await startHttpBridge({
    backend,
    staticDir: null,
    host: '127.0.0.1',
    tls: { cert: pki.cert, key: pki.key },
    signIn: 'password',
  });
  const ivan = await signedIn('ivan');
  const added = await ivan.call('reports.add', { url: 'https://example.org/bundle-to-download' });
  if (!added.ok) throw new Error(added.error.message);
  resourceId = (added.value as { resource: { id: string } }).resource.id;
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await bridge?.close();
  await backend?.close();
  dir?.remove();
});

describe('downloading a bundle exported on a team server', () => {
  it('hands the exporting user the very bytes its export record names, and logs who took which', async () => {
    const ivan = await signedIn('ivan');
    const made = await exportAs(ivan);
    const bundle = await ivan.exportedBundle(basename(made.path));
    const chunks: Buffer[] = [];
    for await (const chunk of bundle.body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);

    const record = (await auditRows('bundle.exported')).find(
      (r) => (r.details as { path: string }).path === made.path,
    );
    expect(sha256(bytes)).toBe(made.sha256);
    expect(bundle.sha256).toBe(made.sha256);
    expect((record?.details as { sha256: string }).sha256).toBe(made.sha256);
    expect(bundle.bytes).toBe(bytes.length);
    expect(await auditRows('bundle.downloaded')).toContainEqual(
      expect.objectContaining({
        actor: 'ivan',
        subject: `bundle:${made.sha256}`,
        details: { name: basename(made.path), sha256: made.sha256, bytes: bytes.length },
      }),
    );
  });

  it('refuses another user, an anonymous request, a path and a name that is no export, one line each', async () => {
    const ivan = await signedIn('ivan');
    const rita = await signedIn('rita');
    const made = await exportAs(ivan);
    const name = basename(made.path);
    const before = (await auditRows('bundle.downloaded')).length;

    await expect(rita.exportedBundle(name)).rejects.toMatchObject({ code: 'auth.forbidden' });
    expect((await anonymousGet(`/exports/${encodeURIComponent(name)}`)).status).toBe(401);
    await expect(ivan.exportedBundle('../server/vigil.db')).rejects.toMatchObject({
      code: 'bundle.path-refused',
    });
    await expect(ivan.exportedBundle('no-such-bundle.zip')).rejects.toMatchObject({
      code: 'evidence.not-found',
    });
    // A file someone put in exports/ has no export record; a link out of exports/ is refused.
    const exportsDir = backend.workspace.paths.exports;
    writeFileSync(join(exportsDir, 'planted.zip'), 'not a bundle');
    await expect(ivan.exportedBundle('planted.zip')).rejects.toMatchObject({ code: 'evidence.not-found' });
    symlinkSync(join(dir.path, 'unit-ca.pem'), join(exportsDir, 'outside.zip'));
    await expect(ivan.exportedBundle('outside.zip')).rejects.toMatchObject({ code: 'bundle.path-refused' });
    await expect(ivan.exportedBundle(name)).resolves.toMatchObject({ sha256: made.sha256 });
    expect((await auditRows('bundle.downloaded')).length).toBe(before + 1);
  });

  it('`vigil --server URL export` writes a file here that `vigil verify` accepts; an existing FILE needs --force', async () => {
    const out = join(dir.path, 'desk', 'bundle.zip');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir.path, 'desk'));
    const remote = (args: readonly string[]) =>
      vigilProcess(
        ['--server', bridge.url, '--ca', caFile, '--user', 'ivan', '--password-stdin', ...args],
        `${PASSWORDS.ivan}\n`,
      );
    const exported = await remote(['export', '--resource', resourceId, '--out', out]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const written = readFileSync(out);
    expect(exported.stdout).toContain(`sha256 ${sha256(written)}`);
    const verified = await vigilProcess(['--data', join(dir.path, 'no-data-dir'), 'verify', out]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const again = await remote(['export', '--resource', resourceId, '--out', out]);
    // The same code and exit status as a local `vigil export` to an existing FILE.
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error bundle\.write-failed: .*already exists.*\n$/);
    expect(readFileSync(out).equals(written)).toBe(true);
    const forced = await remote(['export', '--resource', resourceId, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
  }, 120_000);
});
