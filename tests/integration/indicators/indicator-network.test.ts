import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { decodeRows, readPng } from '@core/capture/png-rows';
import { listCaptures } from '@core/db/repositories/captures-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { buildPacketHtml } from '@core/packet/packet-html';
import { PacketModel } from '@core/packet/packet-model';
import { buildPacketModel } from '@core/review/packet-service';
import type { IndicatorHolders, ResourceIndicators } from '@shared/contract/methods/indicators';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

const CHROMIUM = process.env.VIGIL_BROWSER ?? '/usr/bin/chromium';

/** A valid BIP-173 P2WPKH address and one Telegram handle, shared by three shops in three languages. */
const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const HANDLE = 'pharma_shop24';
/** The wallet is the only magenta text on each page: the overlay check looks for exactly these pixels. */
const MAGENTA = 'color:#ff00ff';

const page = (lang: string, dir: string, title: string, body: string) =>
  `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><title>${title}</title>
<style>body{margin:40px;font:22px sans-serif;color:#000;background:#fff}.w{${MAGENTA};font:28px monospace}</style></head>
<body>${body}</body></html>`;

const SHOPS: Record<string, string> = {
  '/ru': page(
    'ru',
    'ltr',
    'Магазин',
    `<h1>Витамины и соль — быстрая доставка</h1><p>Оплата BTC:</p><p><span class="w">${WALLET}</span></p>
<p>Пишите в Telegram: <a href="https://t.me/${HANDLE}">@${HANDLE}</a></p>`,
  ),
  '/ar': page(
    'ar',
    'rtl',
    'متجر',
    `<h1>متجر الثلج والكريستال</h1><p>الدفع بالبيتكوين:</p><p dir="ltr"><span class="w">${WALLET}</span></p>
<p>تواصل عبر تيليجرام <a href="https://t.me/${HANDLE}">t.me/${HANDLE}</a></p>`,
  ),
  '/en': page(
    'en',
    'ltr',
    'Shop',
    `<h1>Premium ice and molly, discreet</h1><p>Pay in BTC to</p><p><span class="w">${WALLET}</span></p>
<p>Contact: @${HANDLE} on Telegram</p>`,
  ),
};

let dir: { path: string; remove: () => void };
let server: http.Server;
let base: string;
let backend: Backend;
const resourceIds: string[] = [];

beforeAll(async () => {
  dir = tempDir('vigil-indicators-');
  server = http.createServer((req, res) => {
    const html = SHOPS[req.url ?? ''];
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
  const intake = createIntakeService(backend.workspace);
  for (const path of Object.keys(SHOPS)) {
    const { resource } = await intake.addReport(
      { url: `${base}${path}`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    resourceIds.push(resource.id);
    await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
  }
});
afterAll(async () => {
  await backend?.close();
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done));
  dir?.remove();
});

const cli = async (...args: string[]) => vigil(['--data', dir.path, ...args]);

describe('three shops sharing a wallet and a Telegram handle', () => {
  it('`indicator show` lists all three resources, with first and last seen', async () => {
    for (const ref of [`btc:${WALLET}`, `telegram:${HANDLE}`]) {
      const r = await cli('indicator', 'show', ref, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const holders = JSON.parse(r.stdout) as IndicatorHolders;
      expect(holders.resources.map((h) => h.resourceId).sort()).toEqual([...resourceIds].sort());
      for (const h of holders.resources) {
        expect(h.firstSeen <= h.lastSeen).toBe(true);
        expect(h.captures).toHaveLength(1);
      }
    }
  });

  it('forms one cluster, and a resource knows whom it shares with (the intake hint)', async () => {
    const [first] = resourceIds;
    if (first === undefined) throw new Error('no resource');
    const network = await backend.indicators.network(first);
    expect(network.resources.map((r) => r.id).sort()).toEqual([...resourceIds].sort());
    expect(network.indicators.map((i) => `${i.type}:${i.value}`)).toEqual(
      expect.arrayContaining([`btc:${WALLET}`, `telegram:${HANDLE}`]),
    );
    const hints = await backend.indicators.intakeHints(first);
    expect(hints.find((h) => h.type === 'btc')).toMatchObject({ value: WALLET, resources: 2, blocked: 0 });
    // A second report of a known shop: `report add` says whom it shares the wallet with.
    const again = await cli('report', 'add', `${base}/ru`, '--allow-private-network');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`shares btc ${WALLET} with 2 resources`);
  });

  it('stores the wallet with the box of its element, and that box lies over the wallet on the screenshot', async () => {
    const [first] = resourceIds;
    if (first === undefined) throw new Error('no resource');
    const r = await cli('indicators', first, '--json');
    expect(r.code).toBe(0);
    const found = JSON.parse(r.stdout) as ResourceIndicators;
    const wallet = found.indicators.find((i) => i.type === 'btc' && i.value === WALLET);
    const occurrence = wallet?.occurrences.find((o) => o.artifact === 'text');
    expect(occurrence?.raw).toBe(WALLET);
    const box = occurrence?.box;
    if (!box || !occurrence) throw new Error('the wallet has no box');
    const [capture] = await backend.workspace.db.read((c) =>
      listCaptures(c, first, backend.workspace.blobs.pathOf),
    );
    const shot = capture?.artifacts.find((a) => a.kind === 'screenshot');
    if (!shot) throw new Error('no screenshot');
    const rows = decodeRows(readPng(await readFile(shot.path)), 3);
    let inside = 0;
    let outside = 0;
    rows.forEach((row, y) => {
      for (let x = 0; x < row.length / 3; x += 1) {
        const [red, green, blue] = [row[x * 3] ?? 0, row[x * 3 + 1] ?? 0, row[x * 3 + 2] ?? 0];
        if (!(red > 200 && blue > 200 && green < 80)) continue;
        const within = x >= box.x - 1 && x <= box.x + box.w + 1 && y >= box.y - 1 && y <= box.y + box.h + 1;
        if (within) inside += 1;
        else outside += 1;
      }
    });
    expect(inside).toBeGreaterThan(200);
    expect(outside).toBe(0);
  });

  it('lists the indicators in the review packet, with where each was found', async () => {
    const [first] = resourceIds;
    if (first === undefined) throw new Error('no resource');
    const { model } = await buildPacketModel(backend.workspace, first, 'ru', 'en');
    const wallet = model.indicators?.find((i) => i.type === 'btc');
    expect(wallet).toMatchObject({
      value: WALLET,
      where: expect.stringMatching(/^text text\.txt@\d+\+42 box /) as string,
    });
    const html = buildPacketHtml({
      model: PacketModel.parse(model),
      fontCss: '',
      generatedAt: new Date('2026-12-01T00:00:00.000Z'),
      signer: null,
      slices: [],
    });
    expect(html).toContain('Индикаторы, найденные в снимках');
    expect(html).toContain(WALLET);
  });

  it('exports the three shops as a STIX 2.1 bundle the official schemas accept, and refuses to overwrite it', async () => {
    const out = join(dir.path, 'shops.stix.json');
    const args = [
      'export-indicators',
      ...resourceIds.flatMap((id) => ['--resource', id]),
      '--format',
      'stix',
      '--out',
      out,
    ];
    const r = await cli(...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const schemas = join(__dirname, '../../fixtures/stix2-schemas');
    const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    ajv.addFormat('idn-hostname', true);
    for (const sub of ['common', 'observables', 'sdos', 'sros'])
      for (const file of readdirSync(join(schemas, sub)))
        ajv.addSchema(JSON.parse(readFileSync(join(schemas, sub, file), 'utf8')) as object);
    const validate = ajv.getSchema(
      'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json',
    );
    const bundle = JSON.parse(await readFile(out, 'utf8')) as { objects: { type: string; value?: string }[] };
    expect(validate?.(bundle)).toBe(true);
    expect(bundle.objects.filter((o) => o.type === 'x-cryptocurrency-wallet').map((o) => o.value)).toEqual([
      WALLET,
    ]);
    expect(bundle.objects.filter((o) => o.type === 'observed-data')).toHaveLength(3);
    const again = await cli(...args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('output.exists');
  });

  it('finds coded terms, and a new lexicon version adds a run per capture; a silent edit is refused', async () => {
    const [first, , third] = resourceIds;
    if (first === undefined || third === undefined) throw new Error('no resource');
    const en = (await backend.indicators.ofResource(third)).hits.map(
      (h) => `${h.lexiconId}@${h.lexiconVersion}:${h.termId}`,
    );
    expect(en).toEqual(expect.arrayContaining(['en-drugs@1:ice', 'en-drugs@1:molly']));
    const shipped = JSON.parse(await readFile('resources/lexicons/en-drugs.json', 'utf8')) as {
      version: number;
      terms: { id: string; term: string; notes?: string }[];
    };
    const edited = {
      ...shipped,
      terms: [...shipped.terms, { id: 'discreet', term: 'discreet', notes: 'test' }],
    };
    const silent = join(dir.path, 'en-silent.json');
    await writeFile(silent, JSON.stringify(edited));
    const refused = await cli('lexicon', 'import', silent);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs a new version');
    const next = join(dir.path, 'en-v2.json');
    await writeFile(next, JSON.stringify({ ...edited, version: shipped.version + 1 }));
    expect((await cli('lexicon', 'import', next)).code).toBe(0);
    const listed = JSON.parse((await cli('lexicon', 'list', '--json')).stdout) as {
      lexiconId: string;
      version: number;
    }[];
    expect(listed.filter((l) => l.lexiconId === 'en-drugs').map((l) => l.version)).toEqual([2, 1]);
    // What the app and `vigil serve` run at start: the three captures read by version 1 are read again.
    expect(await backend.keepIndicatorsCurrent()).toEqual({ extracted: 3, failed: 0 });
    expect(JSON.parse((await cli('indicators', 'reextract', '--json')).stdout)).toMatchObject({
      extracted: 0,
    });
    const after = (await backend.indicators.ofResource(third)).hits.map(
      (h) => `${h.lexiconId}@${h.lexiconVersion}:${h.termId}`,
    );
    expect(after).toEqual(expect.arrayContaining(['en-drugs@2:ice', 'en-drugs@2:discreet']));
    expect(after.some((h) => h.startsWith('en-drugs@1:'))).toBe(false);
    // The newest run is read; the cluster is still the three shops.
    const holders = JSON.parse(
      (await cli('indicator', 'show', `btc:${WALLET}`, '--json')).stdout,
    ) as IndicatorHolders;
    expect(holders.resources).toHaveLength(3);
  });
});
