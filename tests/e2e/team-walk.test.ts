import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamServer, type TeamServerClient } from '@core/remote/remote-client';
import type { AuditRow } from '@shared/contract/methods/custody';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium';
import { BUILT_CLI, vigil } from '../helpers/cli';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import { run } from '../helpers/openssl';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import {
  startTeamServerProcess,
  startWorkerProcess,
  trustCertificateFlag,
  type TeamServerProcess,
  type VigilProcess,
} from '../helpers/team-processes';
import { tempDir } from '../helpers/temp-dir';
import { makeTestPki, type TestPki } from '../integration/team/server-tls';
import {
  attrOf,
  chooseOption,
  go,
  setInputValue,
  textOf,
  tid,
  typeInto,
  waitForOrError,
} from '../harness/page-helpers';
import { buildRenderer, ROOT } from '../harness/ui-harness';

/**
 * Issue #16 "Done when", end to end: one team server (`vigil server` of the built CLI on a throwaway
 * PostgreSQL, blobs in a shared folder, HTTPS with the unit's certificate, password sign-in, the
 * renderer served), one `vigil worker` process, and two people in two browser sessions that share no
 * cookies. The investigator reports a page and asks for its capture in the UI; the worker captures it
 * and the record names the worker; the reviewer, on the other session, sees the capture in the review
 * screen, decides and signs with the password; the custody chain verifies over the server and a court
 * bundle exported from the UI verifies offline with `vigil verify`.
 */

const PASSWORD = 'correct horse battery';
const CA_PASSPHRASE = 'the unit CA passphrase';
const STEP = 20_000;
/** A capture of the fixture page by a worker: claim, Chromium, seal, upload. */
const CAPTURE_MS = 120_000;
const SHOTS = join(ROOT, 'tests/output/team-walk');

let dir: { path: string; remove: () => void };
let pki: TestPki;
let cluster: PostgresCluster;
let site: FixtureSite;
let server: TeamServerProcess;
let worker: VigilProcess | null = null;
let admin: TeamServerClient;
let browser: Browser;
let investigator: Page;
let reviewer: Page;
let resourceId = '';
let bundlePath = '';
let captureId = '';
let workerKeyId = '';

/** What the server and the worker printed: shown when a step fails, so a report says why. */
const logsOf = (): string =>
  `--- server ---\n${server?.output() ?? ''}\n--- worker ---\n${worker?.output() ?? '(not running)'}`;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function call<T>(method: string, input: unknown): Promise<T> {
  const reply = await admin.call(method, input);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.value as T;
}

/** A session of its own (no cookies or storage shared with the other), 1400×900. */
async function sessionPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  return { context, page };
}

/** The team server's own password form at /sign-in, then the app with this user signed in. */
async function signInOnForm(page: Page, name: string): Promise<void> {
  await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
  // A browser without a session is sent to the form.
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await typeInto(page, 'input[name="name"]', name);
  await typeInto(page, 'input[name="password"]', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click('button')]);
  // The page the form answers with keeps the session key in this tab and moves on to the app.
  await page
    .waitForFunction(`location.pathname === '/' && document.querySelector('#root') !== null`, {
      timeout: STEP,
    })
    .catch(async () => {
      const shown = await page.evaluate('document.body.innerText');
      throw new Error(`${name}'s sign-in did not reach the app: ${page.url()} shows ${String(shown)}`);
    });
  await go(page, server.url, '/dashboard', 'en');
  await waitForOrError(page, tid('current-user'), STEP);
  expect(await textOf(page, tid('current-user'))).toContain(name);
}

/** A worker's data dir with its key, registered on the server's database by `vigil worker add`. */
async function registerWorker(name: string, serverData: string, database: string): Promise<string> {
  const data = join(dir.path, `worker-${name}`);
  const key = await vigil(['--data', data, 'worker', 'key']);
  expect(key.code).toBe(0);
  const keyFile = join(dir.path, `${name}.pem`);
  writeFileSync(keyFile, key.stdout);
  const passphraseFile = join(dir.path, 'ca-passphrase');
  writeFileSync(passphraseFile, `${CA_PASSPHRASE}\n`, { mode: 0o600 });
  const args = ['--data', serverData, 'worker', 'add', name, '--public-key', keyFile];
  const added = await vigil([...args, '--database', database, '--ca-passphrase-file', passphraseFile]);
  expect(added.stderr).toBe('');
  return data;
}

async function addUser(name: string, role: 'investigator' | 'reviewer'): Promise<void> {
  await call('users.add', { name, role, password: PASSWORD, caPassphrase: CA_PASSPHRASE });
}

/** Waits for the resource's first sealed capture, failing with what the server and worker said. */
async function firstCapture(id: string, ms: number): Promise<CaptureRecord> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { captures } = await call<{ captures: CaptureRecord[] }>('resources.get', { id });
    if (captures[0] !== undefined) return captures[0];
    if (worker !== null && (worker.child.exitCode !== null || worker.child.signalCode !== null))
      throw new Error(`the worker ended before capturing ${id}\n${logsOf()}`);
    if (Date.now() > deadline)
      throw new Error(`no capture of ${id} within ${ms / 1000} s: is a worker running?\n${logsOf()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  // The server serves out/renderer next to the built CLI: build it as of this tree.
  await buildRenderer();
  dir = tempDir('vigil-team-walk-');
  pki = await makeTestPki(dir.path);
  const caFile = join(dir.path, 'unit-ca.pem');
  writeFileSync(caFile, pki.ca);
  site = await startFixtureSite();
  cluster = await startPostgres();
  const database = await cluster.createDatabase();
  const serverData = join(dir.path, 'server-data');
  const blobs = join(dir.path, 'shared-blobs');
  mkdirSync(blobs);
  server = await startTeamServerProcess({
    data: serverData,
    database,
    blobs,
    certFile: pki.certFile,
    keyFile: pki.keyFile,
    admin: 'admin',
    adminPassword: PASSWORD,
  });
  admin = connectTeamServer({ url: server.url, ca: pki.ca });
  expect(await admin.signIn('admin', PASSWORD)).toMatchObject({ ok: true });
  // The fixture site is on loopback: the unit lets its reports through, as the worker's captures are.
  await call('settings.update', { allowPrivateNetwork: true });
  await addUser('ivan', 'investigator');
  await addUser('rita', 'reviewer');
  const workerData = await registerWorker('alpha', serverData, database);
  // VIGIL_TEAM_WALK_NO_WORKER=1 leaves the worker out: the capture step must then time out, saying so.
  if (process.env['VIGIL_TEAM_WALK_NO_WORKER'] !== '1')
    worker = startWorkerProcess(workerData, server.url, caFile);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${join(dir.path, 'chrome')}`, trustCertificateFlag(pki.cert)],
  });
  investigator = (await sessionPage()).page;
  reviewer = (await sessionPage()).page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  admin?.close();
  await server?.stop();
  await site?.close();
  await cluster?.stop();
  dir?.remove();
}, 60_000);

describe.sequential('two people on one team server, a capture worker between them', () => {
  it('the investigator signs in on the password form, reports a page and asks for its capture', async () => {
    await signInOnForm(investigator, 'ivan');
    await shot(investigator, '1-investigator-signed-in');
    await go(investigator, server.url, '/intake', 'en');
    await typeInto(investigator, tid('intake-url'), `${site.http}/?case=team-walk`);
    await investigator.click(tid('intake-add'));
    await waitForOrError(investigator, tid('intake-result'), STEP);
    resourceId =
      ((await attrOf(investigator, tid('intake-open-resource'), 'href')) ?? '').split('/').pop() ?? '';
    expect(resourceId).toMatch(/^res_/);
    await investigator.click(tid('intake-capture'));
    await waitForOrError(investigator, tid('intake-queued'), STEP);
    await shot(investigator, '2-investigator-capture-queued');
    await go(investigator, server.url, '/queue', 'en');
    await investigator.waitForSelector('main h1');
    // The server's workers capture: no parallel-capture setting of its own to offer.
    await investigator.waitForSelector(tid('queue-workers-busy'));
    await shot(investigator, '2b-investigator-queue');
  });

  it(
    'the worker captures it and the record names the worker',
    async () => {
      const capture = await firstCapture(resourceId, CAPTURE_MS);
      expect(capture.outcome).toBe('complete');
      expect(capture.context.operator).toBe('worker:alpha');
      captureId = capture.id;
      workerKeyId = capture.signature.keyId;
      // The investigator sees the sealed capture, its screenshot loaded from the server's /artifacts.
      await go(investigator, server.url, `/resources/${resourceId}`, 'en');
      await waitForOrError(investigator, tid('screenshot-viewer'), STEP);
      await investigator.waitForFunction(
        `[...document.querySelectorAll('${tid('screenshot-viewer')} img')].some((i) => i.complete && i.naturalWidth > 0)`,
        { timeout: STEP },
      );
      await shot(investigator, '3-investigator-resource-captured');
      await investigator.click(tid('resource-request-review'));
      await waitForOrError(investigator, tid('review-requested'), STEP);
    },
    CAPTURE_MS + 60_000,
  );

  it('the reviewer, on the other session, sees the capture, decides and signs with the password', async () => {
    await signInOnForm(reviewer, 'rita');
    // The investigator's session is untouched by the reviewer's sign-in: no cookie is shared.
    expect(await textOf(investigator, tid('current-user'))).toContain('ivan');
    await go(reviewer, server.url, `/review/${resourceId}`, 'en');
    await waitForOrError(reviewer, tid('decision-form'), STEP);
    // The review packet is rendered from the worker's capture; its pages load as images from the server.
    await reviewer.click(tid('render-packet'));
    await waitForOrError(reviewer, tid('packet-page'), 90_000);
    await reviewer.waitForFunction(
      `[...document.querySelectorAll('${tid('packet-page')} img')].some((i) => i.complete && i.naturalWidth > 0)`,
      { timeout: STEP },
    );
    await chooseOption(reviewer, 'field-measure', 'block_url');
    await chooseOption(reviewer, 'field-sourceType', 'citizen');
    await typeInto(reviewer, tid('field-territorialScope'), 'KZ');
    await setInputValue(reviewer, tid('field-startDate'), '2026-11-22');
    await chooseOption(reviewer, 'field-legalBasis', '*');
    await chooseOption(reviewer, 'field-category', 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS');
    await typeInto(reviewer, tid('field-facts'), 'The page offers prohibited goods for sale.');
    await typeInto(reviewer, tid('field-explanation'), 'The offer is unlawful under the cited article.');
    await shot(reviewer, '4-reviewer-decision');
    await reviewer.click(tid('open-sign'));
    await reviewer.waitForSelector(tid('sign-password'), { visible: true });
    await typeInto(reviewer, tid('sign-password'), PASSWORD);
    await reviewer.click(tid('sign-submit'));
    await waitForOrError(reviewer, tid('decision-signed'), 60_000);
    // The signed decision names the worker's capture it rests on.
    expect(await textOf(reviewer, tid('decision-signed'))).toContain(captureId);
    await shot(reviewer, '5-reviewer-signed');
  });

  it('the custody chain is intact over the server and the exported bundle verifies offline', async () => {
    expect(await call<{ ok: boolean }>('audit.verify', {})).toMatchObject({ ok: true });
    // Who did what, in the one chain: ivan asked, the worker sealed, rita signed.
    const actors = async (action: string) =>
      (await call<{ rows: AuditRow[] }>('audit.list', { action, limit: 100 })).rows.map((r) => r.actor);
    expect(await actors('capture.queued')).toEqual(['ivan']);
    expect(await actors('capture.sealed')).toEqual(['worker:alpha']);
    expect(await actors('decision.signed')).toEqual(['rita']);
    expect(await call<{ bad: unknown[] }>('store.verify', {})).toMatchObject({ bad: [] });
    await go(reviewer, server.url, '/export', 'en');
    await typeInto(reviewer, tid('export-ids'), resourceId);
    await reviewer.click(tid('export-run'));
    await waitForOrError(reviewer, tid('export-done'), 120_000);
    bundlePath = await textOf(reviewer, tid('export-path'));
    await shot(reviewer, '6-reviewer-exported');
    const verified = await run(process.execPath, [BUILT_CLI, 'verify', bundlePath], { timeoutMs: 120_000 });
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    // The worker's capture is checked against the worker's own key, which the bundle carries.
    const listing = await run('unzip', ['-l', bundlePath]);
    expect(listing.stdout).toContain(`keys/workstations/${workerKeyId}.pub.pem`);
  }, 180_000);
});
