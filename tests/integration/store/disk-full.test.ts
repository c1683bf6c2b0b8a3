import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@core/db/database';
import { vigil } from '@tests/helpers/cli';

const CHROMIUM = process.env.VIGIL_BROWSER ?? '/usr/bin/chromium';

/** A small tmpfs that fills up, as a real disk does (needs root; CI runs as root). */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? 'mount failed';
  }
}

const mountPoint = mkdtempSync(join(tmpdir(), 'vigil-full-'));
const mountRefused = mountTmpfs(mountPoint, '48m');
if (mountRefused !== null)
  console.warn(`skipping the full-disk tests: cannot mount a tmpfs here (${mountRefused})`);

const data = join(mountPoint, 'data');
const filler = join(mountPoint, 'filler');
let server: http.Server;
let url = '';

/** Fills the disk until only `leaveBytes` are free (0: completely full). */
function fill(leaveBytes: number): void {
  const fd = openSync(filler, 'a');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 7);
      for (;;) {
        const s = statfsSync(mountPoint);
        if (s.bavail * s.bsize - size < leaveBytes) break;
        try {
          writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  if (mountRefused !== null) return;
  // A page whose capture needs far more room than is left: a canvas of noise (an incompressible
  // screenshot) and a large random body (the WARC).
  const body = randomBytes(12 * 1024 * 1024);
  server = http.createServer((req, res) => {
    if (req.url === '/noise.bin') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>noise</title><body style="margin:0">
<canvas id="c" width="1600" height="3000"></canvas>
<script>
const c = document.getElementById('c').getContext('2d');
const img = c.createImageData(1600, 3000);
for (let i = 0; i < img.data.length; i++) img.data[i] = Math.random() * 256;
c.putImageData(img, 0, 0);
fetch('/noise.bin').then((r) => r.arrayBuffer());
</script></body>`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const init = await vigil(['--data', data, 'init']);
  expect(init.code, init.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  if (mountRefused === null) {
    await new Promise<void>((done) => server.close(() => done()));
    execFileSync('umount', ['-l', mountPoint]);
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(mountRefused !== null)('a full disk', () => {
  it('ends a capture with store.disk-full (exit 3) naming the data dir, nothing half-sealed', async () => {
    // Room for the browser to start, not for what it captures.
    fill(16 * 1024 * 1024);
    process.env.VIGIL_BROWSER = CHROMIUM;
    const out = await vigil(['--data', data, 'capture', url, '--allow-private-network', '--timeout', '60']);
    expect(out.code, out.stderr).toBe(3);
    const errors = out.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('error '));
    expect(errors, out.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/^error store\.disk-full: /);
    expect(out.stderr).toContain(data);
  }, 120_000);

  it('still runs audit verify and verify-store, read-only, with the disk completely full', async () => {
    fill(0);
    const audit = await vigil(['--data', data, 'audit', 'verify', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true });
    expect(audit.stderr).toMatch(/disk .* is full, so this check was not recorded/);
    const store = await vigil(['--data', data, 'verify-store', '--json']);
    expect(store.code, store.stderr).toBe(0);
    // No blob of the failed capture is left behind without a row.
    expect(JSON.parse(store.stdout)).toMatchObject({ ok: true, unreferenced: [] });
  }, 60_000);

  it('kept the capture.aborted row and no capture row', async () => {
    rmSync(filler, { force: true });
    const db = await openDatabase(join(data, 'vigil.db'));
    try {
      const count = async (sql: string) => (await db.read((c) => c.get<{ n: number }>(sql)))?.n;
      expect(await count('SELECT count(*) AS n FROM captures')).toBe(0);
      expect(await count("SELECT count(*) AS n FROM audit WHERE action = 'capture.aborted'")).toBe(1);
    } finally {
      await db.close();
    }
    expect((await vigil(['--data', data, 'audit', 'verify'])).code).toBe(0);
  });
});
