import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` run for real from a scratch copy of the project layout, so nothing is built into or
// started from the shared checkout; the CLI bundle is the real one.
const repo = resolve(import.meta.dirname, '../../..');
const FALLBACK_LINE =
  'The Electron runtime is not installed; the same Vigil UI is served from the loopback bridge instead (vigil serve).';
const DEADLINE_MS = 60_000;

let base: string;
const children = new Set<ChildProcess>();

async function scratchRoot(name: string, withCli: boolean): Promise<string> {
  const root = join(base, name);
  await mkdir(join(root, 'scripts'), { recursive: true });
  await copyFile(join(repo, 'scripts', 'start.mjs'), join(root, 'scripts', 'start.mjs'));
  await copyFile(join(repo, 'package.json'), join(root, 'package.json'));
  await symlink(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  await mkdir(join(root, 'out', 'renderer'), { recursive: true });
  await writeFile(
    join(root, 'out', 'renderer', 'index.html'),
    '<!doctype html><title>scratch renderer</title>',
  );
  if (withCli) {
    await mkdir(join(root, 'out', 'cli'), { recursive: true });
    const built = join(repo, 'out', 'cli', 'vigil.js');
    if (existsSync(built)) {
      await copyFile(built, join(root, 'out', 'cli', 'vigil.js'));
    } else {
      const vite = spawnSync(
        process.execPath,
        [
          join(repo, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          'vite.cli.config.ts',
          '--outDir',
          join(root, 'out', 'cli'),
          '--logLevel',
          'error',
        ],
        {
          cwd: repo,
          encoding: 'utf8',
          timeout: DEADLINE_MS,
        },
      );
      if (vite.status !== 0) throw new Error(`could not build the CLI: ${vite.stderr}`);
    }
  }
  return root;
}

type Running = Readonly<{
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}>;

function start(root: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    const parts = stdout.split('\n');
    stdout = parts.pop() ?? '';
    lines.push(...parts);
    child.emit('line');
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, lines, stderr: () => stderr, exited };
}

/** Resolves with the first line matching, or rejects at the deadline or when the process exits first. */
function waitForLine(run: Running, pattern: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    const check = (): boolean => {
      const hit = run.lines.find((l) => pattern.test(l));
      if (hit === undefined) return false;
      cleanup();
      done(hit);
      return true;
    };
    const onExit = (): void => {
      cleanup();
      fail(
        new Error(
          `exited before printing ${pattern}; stdout: ${run.lines.join('\n')}; stderr: ${run.stderr()}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      fail(new Error(`no line matching ${pattern} within ${DEADLINE_MS} ms; stderr: ${run.stderr()}`));
    }, DEADLINE_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      run.child.off('line', check);
      run.child.off('exit', onExit);
    };
    run.child.on('line', check);
    run.child.once('exit', onExit);
    check();
  });
}

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VIGIL_DATA: dataDir };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  delete env.VIGIL_FORCE_NO_ELECTRON;
  return env;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vigil-start-'));
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(base, { recursive: true, force: true });
});

describe('npm start', () => {
  it(
    'without Electron, says so in one line and serves the UI from the loopback bridge',
    { timeout: 2 * DEADLINE_MS },
    async () => {
      const root = await scratchRoot('no-electron', true);
      const run = start(root, ['--no-open'], {
        ...baseEnv(join(base, 'data-fallback')),
        VIGIL_FORCE_NO_ELECTRON: '1',
      });
      const login = await waitForLine(
        run,
        /^Open this link to sign in .*: (http:\/\/127\.0\.0\.1:\d+\/auth\?token=\S+)$/,
      );
      expect(run.lines[0]).toBe(FALLBACK_LINE);
      expect(run.lines.filter((l) => l.includes('Electron'))).toEqual([FALLBACK_LINE]);
      expect(run.lines[1]).toMatch(/^Vigil is running at http:\/\/127\.0\.0\.1:\d+$/);

      const loginUrl = /(http:\/\/\S+)$/.exec(login)?.[1] ?? '';
      const origin = new URL(loginUrl).origin;
      const auth = await fetch(loginUrl, { redirect: 'manual' });
      expect(auth.status).toBe(302);
      const cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      // Named for the bridge's port; calls also need the session key handed over with it.
      expect(cookie).toMatch(/^vigil_session_\d+=/);
      const key = auth.headers.get('x-vigil-session') ?? '';

      const rpc = await fetch(`${origin}/rpc`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Vigil-Request': '1',
          Cookie: cookie,
          'X-Vigil-Session': key,
        },
        body: JSON.stringify({ method: 'session.status', input: {} }),
      });
      expect(await rpc.json()).toMatchObject({
        ok: true,
        value: { initialized: false, user: null, app: { name: 'Vigil' } },
      });
      // The same renderer folder the desktop app would load.
      const page = await fetch(`${origin}/`, { headers: { Cookie: cookie } });
      expect(await page.text()).toContain('scratch renderer');

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      // The bridge went away with the script: nothing is left listening.
      await expect(fetch(`${origin}/`)).rejects.toThrow();
    },
  );

  it.skipIf(process.platform === 'win32')(
    'with an Electron runtime present, launches it on the app with the arguments',
    { timeout: DEADLINE_MS },
    async () => {
      const root = await scratchRoot('with-electron', false);
      for (const file of ['out/main/index.js', 'out/preload/index.cjs']) {
        await mkdir(join(root, file, '..'), { recursive: true });
        await writeFile(join(root, file), '');
      }
      const dist = join(base, 'electron-dist');
      await mkdir(dist, { recursive: true });
      await writeFile(join(dist, 'electron'), '#!/bin/sh\necho "stand-in electron in $(pwd): $*"\nexit 7\n');
      await chmod(join(dist, 'electron'), 0o755);
      const run = start(root, ['--data', '/srv/evidence'], {
        ...baseEnv(join(base, 'data-electron')),
        ELECTRON_OVERRIDE_DIST_PATH: dist,
      });
      expect(await run.exited).toBe(7);
      expect(run.lines).toEqual([`stand-in electron in ${root}: . --data /srv/evidence`]);
    },
  );
});
