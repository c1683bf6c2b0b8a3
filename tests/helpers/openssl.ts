import { execFile } from 'node:child_process';

export type ProcResult = { code: number; stdout: string; stderr: string };

/** Runs an independent tool (openssl, qpdf, poppler…) with a deadline; never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: Buffer | string; timeoutMs?: number } = {},
): Promise<ProcResult> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
