import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBackend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '@tests/helpers/chromium';
import { BUILT_CLI, vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

// kill -9 of `vigil export` while it writes: the target path holds nothing or a bundle that
// verifies, never a truncated ZIP; a re-run to the same path then succeeds. Needs `npm run build`.
const CASE = 'CASE-KILL-1';
const TRIES = 6;
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let data: string;

beforeAll(async () => {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  dir = tempDir();
  site = await startFixtureSite();
  data = join(dir.path, 'data');
  const backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    const intake = createIntakeService(backend.workspace);
    for (const path of ['/cyrillic', '/arabic', '/tall']) {
      const added = await intake.addReport(
        { url: `${site.http}${path}`, sourceType: 'volunteer', caseRef: CASE },
        { actor: 'ivan', allowPrivateNetwork: true },
      );
      await backend.captures.captureResource(added.resource.id, {
        operator: 'ivan',
        allowPrivateNetwork: true,
        timeoutSeconds: 60,
      });
    }
  } finally {
    await backend.close();
  }
}, 240_000);

afterAll(async () => {
  await site?.close();
  dir?.remove();
});

/**
 * Starts `vigil export` into a fresh folder and kills it (SIGKILL) a random 0–20 ms after the first
 * file appears in that folder — while the bundle is being written. Resolves once the process is gone.
 */
function exportKilledWhileWriting(outDir: string, out: string): Promise<'killed' | 'finished'> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BUILT_CLI, '--data', data, 'export', '--case', CASE, '--out', out],
      {
        stdio: 'ignore',
        env: { ...process.env, VIGIL_DATA: '' },
      },
    );
    const watcher = watch(outDir, () => {
      watcher.close();
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 20));
    });
    child.on('exit', (_code, signal) => {
      watcher.close();
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

test('a killed export leaves nothing or a valid bundle at its path, and a re-run succeeds', async () => {
  let killed = 0;
  for (let i = 0; i < TRIES; i += 1) {
    const outDir = join(dir.path, `out-${i}`);
    mkdirSync(outDir);
    const out = join(outDir, 'case.zip');
    if ((await exportKilledWhileWriting(outDir, out)) === 'killed') killed += 1;
    const left = existsSync(out);
    if (left) {
      const check = await vigil(['verify', out]);
      expect(check.code, `try ${i}: a file at the path must verify\n${check.stdout}`).toBe(0);
    } else {
      // Nothing at the path: exporting to it again succeeds.
      const again = await vigil(['--data', data, 'export', '--case', CASE, '--out', out]);
      expect(again.code, again.stderr).toBe(0);
      expect((await vigil(['verify', out])).code).toBe(0);
    }
    // Whatever the kill left beside the path is never under the bundle's name.
    expect(readdirSync(outDir).filter((n) => n !== 'case.zip' && !n.endsWith('.vigil-partial'))).toEqual([]);
  }
  expect(killed).toBeGreaterThan(0);
}, 600_000);
