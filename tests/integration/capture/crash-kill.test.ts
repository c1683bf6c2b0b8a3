import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processesNaming } from '@core/capture/process-owner';
import { listAuditRows } from '@core/db/repositories/audit-repo';
import { openWorkspace } from '@core/workspace';
import { BUILT_CLI, vigilProcess } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let server: http.Server;
let port = 0;
const sockets = new Set<Socket>();
let hungRequest: (() => void) | null = null;
const hung = new Promise<void>((resolve) => {
  hungRequest = resolve;
});

beforeAll(async () => {
  dir = tempDir();
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    if (req.url === '/hang') {
      // Answers the head of a page and never its end: the capture is mid-load when it is killed.
      res.write('<!doctype html><title>Hanging</title><p>loading');
      hungRequest?.();
      return;
    }
    res.end('<!doctype html><title>Quick</title><p>QUICK-PAGE');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as AddressInfo).port;
  const init = await vigilProcess(['--data', dir.path, 'init']);
  expect(init.code).toBe(0);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  dir.remove();
});

/** Every Chromium process (and helper) started for this data dir's profiles. */
async function browsersLeft(): Promise<number> {
  const tmp = join(dir.path, 'tmp');
  const profiles = existsSync(tmp) ? (await readdir(tmp)).filter((n) => n.startsWith('vigil-browser-')) : [];
  let n = 0;
  for (const p of profiles) n += (await processesNaming(join(tmp, p))).length;
  return n;
}

/** Chromium's helpers end a moment after the browser: look until none is left, for at most 15 s. */
async function browsersAfterExit(): Promise<number> {
  const until = Date.now() + 15_000;
  for (;;) {
    const n = await browsersLeft();
    if (n === 0 || Date.now() > until) return n;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('kill -9 of the CLI mid-capture leaves no Chromium; the next start sweeps and marks the capture abandoned', async () => {
  const cli = spawn(
    process.execPath,
    [
      BUILT_CLI,
      '--data',
      dir.path,
      'capture',
      `http://127.0.0.1:${port}/hang`,
      '--allow-host',
      `127.0.0.1:${port}`,
    ],
    { env: { ...process.env, VIGIL_DATA: '' }, stdio: 'ignore' },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.once('exit', (_c, s) => resolve(s)));
  await hung;
  expect(await browsersLeft()).toBeGreaterThan(0);
  cli.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // Chromium speaks DevTools over a pipe: it ends with the process that started it.
  expect(await browsersAfterExit()).toBe(0);
  const leftBehind = (await readdir(join(dir.path, 'tmp'))).filter((n) => n.startsWith('capture-'));
  expect(leftBehind.length).toBe(1);

  const next = await vigilProcess(
    [
      '--data',
      dir.path,
      'capture',
      `http://127.0.0.1:${port}/quick`,
      '--allow-host',
      `127.0.0.1:${port}`,
      '--json',
    ],
    '',
    120_000,
  );
  expect(next.stderr).not.toContain('internal.unexpected');
  expect((JSON.parse(next.stdout) as { page: { title: string } }).page.title).toBe('Quick');
  const after = (await readdir(join(dir.path, 'tmp'))).filter(
    (n) => n.startsWith('capture-') || n.startsWith('vigil-browser-'),
  );
  expect(after).toEqual([]);
  const { workspace } = await openWorkspace({ dataDir: dir.path });
  try {
    const rows = await workspace.db.read((c) => listAuditRows(c, { limit: 10, action: 'capture.abandoned' }));
    expect(rows.total).toBe(1);
  } finally {
    await workspace.close();
  }
});
