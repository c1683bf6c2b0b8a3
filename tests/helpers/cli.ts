import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCli } from '@core/cli/run-cli';

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the `vigil` command in-process with captured output and the given standard input. */
export async function vigil(args: readonly string[], stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => Promise.resolve(stdin),
    stdinIsTty: false,
    env: {},
    cwd: process.cwd(),
    waitForStop: () => Promise.resolve(),
  });
  return { code, stdout, stderr };
}

export const BUILT_CLI = resolve(import.meta.dirname, '../../out/cli/vigil.js');

/** Runs the built `vigil` in its own process, as a user would (needs `npm run build`). */
export function vigilProcess(args: readonly string[], stdin = '', timeoutMs = 60_000): Promise<CliResult> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { timeout: timeoutMs, env: { ...process.env, VIGIL_DATA: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}
