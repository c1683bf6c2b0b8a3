import type { QueueItem, QueueStatus } from '@shared/contract/methods/capture';
import type { CaptureId, ResourceId } from '@shared/domain/ids';
import { isAppError } from '@shared/errors/app-error';
import type { EventBus } from '../events';
import type { CaptureRequest, CaptureService } from './capture-service';

type Item = {
  resourceId: ResourceId;
  url: string;
  captureId: CaptureId | null;
  stage: QueueItem['stage'];
  status: QueueItem['status'];
  startedAt: number | null;
  elapsedMs: number;
  warnings: QueueItem['warnings'];
  error?: { code: string; message: string };
  request: Omit<CaptureRequest, 'signal' | 'onProgress'>;
  abort: AbortController | null;
};

export type CaptureQueue = Readonly<{
  enqueue: (
    items: readonly { resourceId: ResourceId; url: string }[],
    request: Omit<CaptureRequest, 'signal' | 'onProgress'>,
  ) => number;
  status: () => QueueStatus;
  cancel: (resourceId: string) => void;
  retry: (resourceId: string) => boolean;
  setConcurrency: (n: number) => void;
  /** Resolves when nothing is waiting or running (`vigil queue run` exits then). */
  idle: () => Promise<void>;
}>;

const KEEP_FINISHED = 500;

/**
 * The capture queue: captures run `concurrency` at a time, each reported stage by stage as
 * `capture.progress` events. A failed or cancelled capture never stops the others.
 */
export function createCaptureQueue(opts: {
  service: CaptureService;
  events: EventBus;
  concurrency: number;
}): CaptureQueue {
  const items: Item[] = [];
  let concurrency = opts.concurrency;
  let idleWaiters: (() => void)[] = [];

  const running = () => items.filter((i) => i.status === 'running').length;
  const waiting = () => items.filter((i) => i.status === 'waiting').length;

  const publishQueue = () =>
    opts.events.emit('queue.changed', { waiting: waiting(), running: running(), concurrency });
  const publish = (item: Item) => {
    opts.events.emit('capture.progress', {
      captureId: item.captureId ?? '',
      resourceId: item.resourceId,
      url: item.url,
      stage: item.stage,
      status: item.status === 'waiting' ? 'running' : item.status,
      elapsedMs: item.elapsedMs,
      warnings: item.warnings,
      ...(item.error ? { error: item.error } : {}),
    });
  };

  function settleIdle(): void {
    if (running() === 0 && waiting() === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function trim(): void {
    const finished = items.filter((i) => i.status !== 'waiting' && i.status !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED)))
      items.splice(items.indexOf(old), 1);
  }

  async function run(item: Item): Promise<void> {
    item.status = 'running';
    item.stage = 'navigate';
    item.startedAt = performance.now();
    item.abort = new AbortController();
    publish(item);
    publishQueue();
    try {
      const record = await opts.service.captureResource(item.resourceId, {
        ...item.request,
        signal: item.abort.signal,
        onProgress: (p) => {
          item.captureId = p.captureId;
          item.stage = p.stage;
          item.elapsedMs = p.elapsedMs;
          publish(item);
        },
      });
      item.captureId = record.id;
      item.status = record.outcome;
      item.warnings = record.warnings;
      if (record.error) item.error = record.error;
    } catch (error) {
      item.status = item.abort.signal.aborted ? 'cancelled' : 'failed';
      item.error = isAppError(error)
        ? { code: error.code, message: error.message }
        : { code: 'internal.unexpected', message: error instanceof Error ? error.message : String(error) };
    } finally {
      item.stage = 'done';
      item.elapsedMs = Math.round(performance.now() - (item.startedAt ?? performance.now()));
      item.abort = null;
      publish(item);
      trim();
      publishQueue();
      pump();
      settleIdle();
    }
  }

  function pump(): void {
    while (running() < concurrency) {
      const next = items.find((i) => i.status === 'waiting');
      if (!next) break;
      void run(next);
    }
  }

  return {
    enqueue(list, request) {
      let added = 0;
      for (const { resourceId, url } of list) {
        // A resource already waiting or running is not queued twice.
        if (
          items.some((i) => i.resourceId === resourceId && (i.status === 'waiting' || i.status === 'running'))
        )
          continue;
        items.push({
          resourceId,
          url,
          captureId: null,
          stage: 'queued',
          status: 'waiting',
          startedAt: null,
          elapsedMs: 0,
          warnings: [],
          request,
          abort: null,
        });
        added += 1;
      }
      publishQueue();
      pump();
      return added;
    },
    status: () => ({
      items: items.map((i) => ({
        resourceId: i.resourceId,
        url: i.url,
        captureId: i.captureId,
        stage: i.stage,
        status: i.status,
        elapsedMs:
          i.status === 'running' && i.startedAt !== null
            ? Math.round(performance.now() - i.startedAt)
            : i.elapsedMs,
        warnings: i.warnings,
        ...(i.error ? { error: i.error } : {}),
      })),
      concurrency,
      waiting: waiting(),
      running: running(),
    }),
    cancel(resourceId) {
      for (const item of items) {
        if (item.resourceId !== resourceId) continue;
        if (item.status === 'waiting') {
          item.status = 'cancelled';
          item.stage = 'done';
          publish(item);
        } else if (item.status === 'running') item.abort?.abort();
      }
      publishQueue();
      settleIdle();
    },
    retry(resourceId) {
      const last = [...items].reverse().find((i) => i.resourceId === resourceId);
      if (!last || last.status === 'waiting' || last.status === 'running') return false;
      items.push({
        ...last,
        captureId: null,
        stage: 'queued',
        status: 'waiting',
        startedAt: null,
        elapsedMs: 0,
        warnings: [],
        abort: null,
        error: undefined,
      });
      publishQueue();
      pump();
      return true;
    },
    setConcurrency(n) {
      concurrency = Math.max(1, Math.min(8, Math.trunc(n)));
      publishQueue();
      pump();
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
  };
}
