import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import type { Envelope } from '@shared/contract/envelope';
import type { DecisionSuggestion, IndicatorCounts, IntakeHint } from '@shared/contract/methods/indicators';
import type { DecisionRecord } from '@shared/domain/decision';
import {
  applySuggestion,
  emptyDecisionForm,
  toDecisionFields,
} from '@renderer/features/review/decision-form-state';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { approvalOf } from '@tests/helpers/decision-input';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * Triage from the indicators of one captured shop: list counts, the decision draft the reviewer keeps
 * (and the signed record that says automated detection was used), the intake hint for a new report of
 * the shop's Telegram link, and the export into exports/ over the contract.
 */
const PASSWORD = 'correct horse battery';
const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const HANDLE = 'border_help77';
const PAGE = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Помощь</title></head>
<body><h1>Переход границы без документов</h1><p>Также соль и закладки.</p>
<p>Оплата BTC: ${WALLET}</p><p>Telegram: <a href="https://t.me/${HANDLE}">@${HANDLE}</a></p></body></html>`;

let dir: { path: string; remove: () => void };
let server: http.Server;
let backend: Backend;
let shopId: string;
let shopUrl: string;

const call = (name: string, method: string, input: unknown): Promise<Envelope<unknown>> =>
  callAs(backend, name, method, input);
const codeOf = (env: Envelope<unknown>): string | null => (env.ok ? null : env.error.code);

beforeAll(async () => {
  dir = tempDir('vigil-triage-');
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/shop`;
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  const intake = createIntakeService(backend.workspace);
  const { resource } = await intake.addReport(
    { url: shopUrl, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  shopId = resource.id;
  const capture = await backend.captures.captureResource(shopId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
});

afterAll(async () => {
  await backend?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  dir?.remove();
});

describe('triage from indicators', () => {
  it('counts distinct indicators and coded terms per resource for the lists', async () => {
    const empty = valueOf<{ id: string }>(
      await call('ivan', 'reports.add', { url: 'https://quiet.example/', sourceType: 'volunteer' }),
    );
    const quiet = (empty as unknown as { resource: { id: string } }).resource.id;
    const counts = valueOf<IndicatorCounts[]>(
      await call('ivan', 'indicators.counts', { resourceIds: [shopId, quiet] }),
    );
    // wallet + Telegram handle (the domain of a loopback page is not an indicator); four terms.
    expect(counts).toEqual([
      { resourceId: shopId, indicators: 2, terms: 4 },
      { resourceId: quiet, indicators: 0, terms: 0 },
    ]);
  });

  it('drafts the facts in the decision language; the signed decision records that automated detection was used', async () => {
    const s = valueOf<DecisionSuggestion>(
      await call('rita', 'indicators.suggestDecision', { resourceId: shopId, language: 'ru' }),
    );
    // Categories and terms in page order, each term as its lexicon writes it.
    expect(s.facts).toContain(
      'Страница предлагает незаконную переправку людей через границу, используя кодовые слова «переход границы», «без документов».',
    );
    expect(s.facts).toContain('Страница предлагает наркотики, используя кодовые слова «соль», «закладка».');
    expect(s.facts).toContain(`BTC ${WALLET}`);
    expect(s.facts).toContain(`Telegram @${HANDLE}`);
    expect(s.terms).toContain('ru-smuggling@1:perekhod-granitsy');
    // What the review form does with it: the reviewer's other fields stay; the draft is kept as typed.
    const base = approvalOf(shopUrl, { facts: '', keywords: [], language: 'ru' });
    const form = applySuggestion(
      {
        ...emptyDecisionForm('ru', shopUrl),
        measure: 'block_url',
        territorialScope: 'KZ',
        startDate: '2026-11-22',
        legalBasisIds: base.legalBasisIds ?? [],
        explanation: base.explanation ?? '',
        sourceType: 'volunteer',
      },
      s,
    );
    const record = valueOf<DecisionRecord>(
      await call('rita', 'review.decide', {
        resourceId: shopId,
        decision: toDecisionFields(form),
        password: PASSWORD,
      }),
    );
    expect(record.fields.automatedDetection).toBe(true);
    expect(record.fields.facts).toBe(s.facts);
    expect(record.fields.keywords).toEqual(s.keywords);
    // The category of the first kind of offer on the page (here the crossing), filled into an empty field.
    expect(record.fields.category).toBe('STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY');
  });

  it('tells intake that a new report of the Telegram link shares it with the known shop', async () => {
    const added = valueOf<{ resource: { id: string; url: string } }>(
      await call('ivan', 'reports.add', { url: `https://t.me/${HANDLE}`, sourceType: 'volunteer' }),
    );
    const hints = valueOf<IntakeHint[]>(
      await call('ivan', 'indicators.intakeHints', {
        resourceId: added.resource.id,
        url: added.resource.url,
      }),
    );
    expect(hints).toEqual([{ type: 'telegram', value: HANDLE, resources: 1, blocked: 0 }]);
    const summary = valueOf<{ sharing: number; top: IntakeHint[] }>(
      await call('ivan', 'indicators.intakeSummary', {
        reports: [
          { resourceId: added.resource.id, url: added.resource.url },
          { resourceId: shopId, url: shopUrl },
        ],
      }),
    );
    // The shop itself shares nothing yet: the new report has no capture, only its URL's handle.
    expect(summary.sharing).toBe(1);
    expect(summary.top.map((h) => `${h.type}:${h.value}:${h.resources}`)).toEqual([`telegram:${HANDLE}:1`]);
  });

  it('exports into exports/ over the contract, returns the text for a download, and keeps to the path rule', async () => {
    type Exported = {
      path: string;
      fileName: string;
      content: string | null;
      indicators: number;
      mediaType: string;
    };
    const stix = valueOf<Exported>(
      await call('ivan', 'indicators.export', { resourceIds: [shopId], format: 'stix' }),
    );
    expect(dirname(stix.path)).toBe(backend.workspace.paths.exports);
    expect(stix.fileName).toMatch(/^indicators-1-resources-.*\.json$/);
    expect(stix.mediaType).toBe('application/stix+json;version=2.1');
    expect(readFileSync(stix.path, 'utf8')).toBe(stix.content);
    const bundle = JSON.parse(stix.content ?? '{}') as {
      type: string;
      objects: { type: string; value?: string }[];
    };
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.some((o) => o.value === WALLET)).toBe(true);
    expect(stix.indicators).toBe(2);

    const csv = valueOf<Exported>(
      await call('rita', 'indicators.export', { resourceIds: [shopId], format: 'csv', outPath: 'shop.csv' }),
    );
    expect(csv.path).toBe(join(backend.workspace.paths.exports, 'shop.csv'));
    expect(csv.content).toContain(WALLET);
    // The same name again is refused rather than overwritten; paths out of exports/ never open.
    expect(
      codeOf(
        await call('rita', 'indicators.export', {
          resourceIds: [shopId],
          format: 'csv',
          outPath: 'shop.csv',
        }),
      ),
    ).toBe('input.invalid');
    const outside = join(dir.path, 'outside.csv');
    for (const outPath of ['../outside.csv', outside])
      expect(
        codeOf(await call('ivan', 'indicators.export', { resourceIds: [shopId], format: 'csv', outPath })),
      ).toBe('bundle.path-refused');
    expect(existsSync(outside)).toBe(false);
    expect(codeOf(await call('ivan', 'indicators.export', { format: 'csv' }))).toBe('input.invalid');

    const audited = await backend.workspace.db.read((c) =>
      c.all<{ actor: string }>("SELECT actor FROM audit WHERE action = 'indicators.exported' ORDER BY seq"),
    );
    expect(audited.map((a) => a.actor)).toEqual(['ivan', 'rita']);
  });
});
