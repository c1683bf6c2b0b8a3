import type { CaptureRecord } from '@shared/domain/capture-record';
import { ResourceId } from '@shared/domain/ids';
import { AppError } from '@shared/errors/app-error';
import type { CaptureRequest } from '@core/capture/capture-service';
import { parseAllowHost } from '@core/capture/request-policy';
import { checkedAgainstManifests, tamperedText } from '@core/capture/manifest-view';
import { getCapture } from '@core/db/repositories/captures-repo';
import { resourcesAwaitingCapture } from '@core/db/repositories/resources-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { EXIT, type CliCommand, type CliContext, type RemoteCliContext } from '../cli-types';
import { str } from '../cli-helpers';
import { jsonForTerminal, escapeForTerminal as termSafe } from '../terminal-text';
import { osActor } from './foundation-commands';

function captureOptions(ctx: CliContext): Omit<CaptureRequest, 'operator'> {
  const timeout = str(ctx, 'timeout');
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds < 5 || seconds > 3600)) {
    throw new AppError('input.invalid', '--timeout must be a number of seconds between 5 and 3600');
  }
  const tsa = str(ctx, 'tsa');
  if (tsa !== undefined && !/^https?:\/\//.test(tsa))
    throw new AppError('input.invalid', '--tsa must be an http(s) URL');
  const profile = str(ctx, 'profile');
  const allowHosts = allowHostsOf(ctx);
  return {
    ...(allowHosts.length > 0 ? { allowHosts } : {}),
    ...(profile ? { profile } : {}),
    ...(seconds !== undefined ? { timeoutSeconds: seconds } : {}),
    ...(tsa !== undefined ? { tsaUrl: tsa } : {}),
    ...(ctx.values['allow-private-network'] === true ? { allowPrivateNetwork: true } : {}),
    ...(ctx.values['ignore-certificate-errors'] === true ? { ignoreHttpsErrors: true } : {}),
    ...(ctx.values['refuse-certificate-errors'] === true ? { certificateErrors: 'refuse' as const } : {}),
  };
}

/** `--allow-host HOST[:PORT]`, repeatable: exactly those hosts may be reached, nothing else private. */
function allowHostsOf(ctx: CliContext): string[] {
  const raw = ctx.values['allow-host'];
  const list = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  for (const entry of list)
    if (parseAllowHost(entry) === null)
      throw new AppError(
        'input.invalid',
        `--allow-host takes HOST or HOST:PORT (IPv6 in brackets), not ${entry}`,
      );
  return list;
}

/**
 * A capture record as text. Everything in it that came from the page or the network (URLs, the
 * title, error and warning messages) is escaped for the terminal: a captured title must not be able
 * to retitle the window, rewrite earlier lines or forge a line of this output.
 */
const summary = (r: CaptureRecord): string =>
  [
    `${r.outcome.toUpperCase()} ${r.id} ${termSafe(r.url)}`,
    r.tampered ? `  TAMPERED ${termSafe(tamperedText(r.tampered))}` : null,
    r.error ? `  error ${termSafe(r.error.code)}: ${termSafe(r.error.message)}` : null,
    // Quoted, with a quote inside escaped: the title cannot close its quotes and pass for more fields.
    `  status ${r.http.status ?? '-'}  final ${termSafe(r.finalUrl)}  title "${termSafe(r.page.title).replace(/"/g, '\\"')}"`,
    `  manifest sha256 ${r.manifestSha256}  timestamp ${r.timestamp.status}`,
    ...r.artifacts.map((a) => `  ${a.sha256}  ${String(a.bytes).padStart(10)}  ${termSafe(a.name)}`),
    ...r.warnings.map((w) => `  warning ${termSafe(w.code)}: ${termSafe(w.message)}`),
  ]
    .filter((l) => l !== null)
    .join('\n');

const CAPTURE_OPTIONS = {
  profile: { type: 'string' },
  'allow-private-network': { type: 'boolean' },
  'allow-host': { type: 'string', multiple: true },
  'ignore-certificate-errors': { type: 'boolean' },
  'refuse-certificate-errors': { type: 'boolean' },
  tsa: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** What a team server takes from the capture options: the profile; its own settings decide the rest. */
const REMOTE_CAPTURE_OPTIONS: ReadonlySet<string> = new Set(['profile']);

/**
 * `capture` on a team server: each URL reported (own initiative) and its capture queued there,
 * where a capture worker takes it; the sealed record follows with `show resource`.
 */
async function captureRemote(ctx: RemoteCliContext): Promise<number> {
  if (ctx.positionals.length === 0) throw new AppError('input.invalid', 'name at least one URL to capture');
  const local = Object.keys(CAPTURE_OPTIONS).find(
    (n) => !REMOTE_CAPTURE_OPTIONS.has(n) && ctx.values[n] !== undefined,
  );
  if (local !== undefined)
    throw new AppError(
      'input.invalid',
      `--${local} is not available with --server (the team server decides it)`,
    );
  const profile = str(ctx, 'profile');
  const resources: { id: string; url: string }[] = [];
  for (const url of ctx.positionals) {
    const added = await ctx.server.call('reports.add', { url, sourceType: 'own_initiative' });
    resources.push({ id: added.resource.id, url: added.resource.url });
  }
  const queued = await ctx.server.call('capture.enqueue', {
    resourceIds: resources.map((r) => r.id),
    ...(profile === undefined ? {} : { profile }),
  });
  const lines = resources.map((r) => `QUEUED ${r.id} ${termSafe(r.url)}`);
  ctx.io.stdout(
    ctx.json
      ? `${jsonForTerminal({ queued: queued.queued, resources }, 2)}\n`
      : `${[...lines, `${queued.queued} capture(s) queued on the team server`].join('\n')}\n`,
  );
  return EXIT.ok;
}

const capture: CliCommand = {
  path: ['capture'],
  usage:
    'capture URL... [--json] [--profile P] [--allow-private-network] [--allow-host HOST[:PORT]]... [--ignore-certificate-errors] [--refuse-certificate-errors] [--tsa URL] [--timeout S]',
  summary: 'report and capture URLs now; prints the sealed capture record(s); exit 1 if any capture failed',
  options: CAPTURE_OPTIONS,
  async run(ctx) {
    if (ctx.positionals.length === 0) throw new AppError('input.invalid', 'name at least one URL to capture');
    const options = captureOptions(ctx);
    const backend = await ctx.backend();
    const operator = ctx.as ?? osActor();
    const intake = createIntakeService(backend.workspace);
    const records: CaptureRecord[] = [];
    for (const url of ctx.positionals) {
      const added = await intake.addReport(
        { url, sourceType: 'own_initiative' },
        {
          actor: operator,
          allowPrivateNetwork: options.allowPrivateNetwork === true,
          allowHosts: options.allowHosts ?? [],
        },
      );
      const record = await backend.captures.captureResource(added.resource.id, {
        ...options,
        operator,
        ...(ctx.operator ? { operatorSigner: ctx.operator.signer } : {}),
        onProgress: (p) => ctx.io.stderr(`${p.captureId} ${p.stage} ${(p.elapsedMs / 1000).toFixed(1)}s\n`),
      });
      records.push(record);
      if (!ctx.json) ctx.io.stdout(`${summary(record)}\n`);
    }
    // One URL prints exactly the capture record of DESIGN §4.1; several print an array of them.
    if (ctx.json) ctx.io.stdout(`${jsonForTerminal(records.length === 1 ? records[0] : records, 2)}\n`);
    return records.some((r) => r.outcome === 'failed') ? EXIT.checkFailed : EXIT.ok;
  },
  remote: captureRemote,
};

const queueRun: CliCommand = {
  path: ['queue', 'run'],
  usage:
    'queue run [--concurrency N] [--profile P] [--allow-private-network] [--allow-host HOST[:PORT]]... [--tsa URL] [--timeout S] [--json]',
  summary: 'capture every resource waiting for a capture (reported, needs re-capture), then exit',
  options: { ...CAPTURE_OPTIONS, concurrency: { type: 'string' } },
  async run(ctx) {
    const options = captureOptions(ctx);
    const concurrency = str(ctx, 'concurrency') === undefined ? undefined : Number(str(ctx, 'concurrency'));
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8)) {
      throw new AppError('input.invalid', '--concurrency must be 1–8');
    }
    const backend = await ctx.backend();
    const ws = backend.workspace;
    const waiting = await ws.db.read((c) => resourcesAwaitingCapture(c));
    if (concurrency !== undefined) backend.queue.setConcurrency(concurrency);
    const unsubscribe = backend.events.subscribe((event) => {
      if (event.name === 'capture.progress' && !ctx.json) {
        const p = event.payload;
        ctx.io.stderr(
          `${p.resourceId} ${p.stage} ${p.status} ${(p.elapsedMs / 1000).toFixed(1)}s ${p.url}\n`,
        );
      }
    });
    backend.queue.enqueue(
      waiting.map((w) => ({ resourceId: ResourceId.parse(w.id), url: w.url })),
      {
        ...options,
        operator: ctx.as ?? osActor(),
        ...(ctx.operator ? { operatorSigner: ctx.operator.signer } : {}),
      },
    );
    await backend.queue.idle();
    unsubscribe();
    const items = backend.queue.status().items;
    const result = {
      captured: items.filter((i) => i.status === 'complete' || i.status === 'partial').length,
      failed: items.filter((i) => i.status === 'failed').length,
      items,
    };
    ctx.io.stdout(
      ctx.json
        ? `${jsonForTerminal(result, 2)}\n`
        : `${result.captured} captured, ${result.failed} failed of ${waiting.length} waiting\n`,
    );
    return result.failed > 0 ? EXIT.checkFailed : EXIT.ok;
  },
};

const timestampsRetry: CliCommand = {
  path: ['timestamps', 'retry'],
  usage: 'timestamps retry [--tsa URL] [--json]',
  summary: 'ask the time-stamp authority again for every capture still pending',
  options: { tsa: { type: 'string' } },
  async run(ctx) {
    const backend = await ctx.backend();
    const tsa = str(ctx, 'tsa');
    const result = await backend.captures.retryTimestamps(ctx.as ?? osActor(), tsa);
    ctx.io.stdout(
      ctx.json
        ? `${jsonForTerminal(result, 2)}\n`
        : `${result.granted} time-stamped, ${result.pending} still pending${result.errors.map((e) => `\n  ${e}`).join('')}\n`,
    );
    return result.pending > 0 ? EXIT.checkFailed : EXIT.ok;
  },
};

const showCapture: CliCommand = {
  path: ['show', 'capture'],
  usage: 'show capture ID [--json]',
  summary: 'print a capture record (DESIGN §4.1)',
  async run(ctx) {
    const [id] = ctx.positionals;
    if (id === undefined) throw new AppError('input.invalid', 'name the capture id');
    const ws = (await ctx.backend()).workspace;
    const row = await ws.db.read((c) => getCapture(c, id, ws.blobs.pathOf));
    if (row === null) throw new AppError('evidence.not-found', `no capture ${id}`);
    const [record = row] = await checkedAgainstManifests(ws.blobs, [row]);
    ctx.io.stdout(ctx.json ? `${jsonForTerminal(record, 2)}\n` : `${summary(record)}\n`);
    return EXIT.ok;
  },
};

export const CAPTURE_COMMANDS: readonly CliCommand[] = [capture, queueRun, timestampsRetry, showCapture];
