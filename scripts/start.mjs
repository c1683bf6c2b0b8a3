#!/usr/bin/env node
// `npm start`: the desktop app when the Electron runtime is installed, else the same renderer and
// backend over the loopback bridge (`vigil serve`), for machines where Electron can't be downloaded.
// Arguments after `npm start --` are passed on (e.g. `--data DIR`, `--no-open`, `--port N`).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

const EXECUTABLE_NAMES = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };

/**
 * The Electron executable, or null when it is not installed. `require('electron')` is not used to
 * find out: when the binary is missing it starts a download, which hangs on an offline network.
 * The lookup mirrors that module (path.txt under dist/, or ELECTRON_OVERRIDE_DIST_PATH) without it.
 */
function electronExecutable() {
  if (process.env.VIGIL_FORCE_NO_ELECTRON === '1') return null;
  let packageDir;
  try {
    packageDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    packageDir = null;
  }
  const pathFile = packageDir === null ? null : join(packageDir, 'path.txt');
  const recorded = pathFile !== null && existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, recorded || (EXECUTABLE_NAMES[process.platform] ?? 'electron'))
    : packageDir !== null && recorded
      ? join(packageDir, 'dist', recorded)
      : null;
  return candidate !== null && existsSync(candidate) ? candidate : null;
}

function run(command, commandArgs, options = {}) {
  return new Promise((resolve, reject) => {
    // On POSIX the child gets its own process group, so Ctrl+C reaches it once (forwarded from here)
    // rather than twice (from the terminal and from here), which would cut its orderly shutdown short.
    const detached = process.platform !== 'win32';
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', detached, ...options });
    const forward = (signal) => child.kill(signal);
    const orphaned = () => child.kill('SIGTERM');
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    process.on('exit', orphaned);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.off('exit', orphaned);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

async function buildIfMissing(files) {
  if (files.every((file) => existsSync(join(root, file)))) return;
  // Build output goes to stderr so that stdout carries only what the running app prints.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await run(npm, ['run', '-s', 'build'], {
    stdio: ['ignore', process.stderr, process.stderr],
    shell: process.platform === 'win32',
  });
  if (code !== 0) {
    process.stderr.write(`error env.tool-missing: the build failed (npm run build exited with ${code})\n`);
    process.exit(3);
  }
}

async function main() {
  const electron = electronExecutable();
  if (electron !== null) {
    await buildIfMissing(['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']);
    return run(electron, ['.', ...args]);
  }
  process.stdout.write(
    'The Electron runtime is not installed; the same Vigil UI is served from the loopback bridge instead (vigil serve).\n',
  );
  await buildIfMissing(['out/cli/vigil.js', 'out/renderer/index.html']);
  return run(process.execPath, [join(root, 'out/cli/vigil.js'), 'serve', ...args]);
}

process.exitCode = await main();
