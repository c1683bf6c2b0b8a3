import { readFileSync } from 'node:fs';
import type { Envelope } from '@shared/contract/envelope';
import type { AnyEvent } from '@shared/contract/events';
import { AppError } from '@shared/errors/app-error';
import { connectTeamServer, type RemoteArtifact } from '../core/remote/remote-client';
import { createRemoteForwarder, type RemoteForwarder } from '../core/remote/remote-forwarding';

export type TeamServerArgs = Readonly<{ url: string; caFile: string | null }>;

function valueOf(argv: readonly string[], name: string): string | null {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === name) {
      const next = argv[i + 1];
      return next !== undefined && next !== '' && !next.startsWith('--') ? next : null;
    }
    if (arg.startsWith(`${name}=`) && arg.length > name.length + 1) return arg.slice(name.length + 1);
  }
  return null;
}

/** `--server URL [--server-ca FILE]`: the app works against a team server instead of its data dir. */
export function teamServerFromArgv(argv: readonly string[]): TeamServerArgs | null {
  const url = valueOf(argv, '--server');
  return url === null ? null : { url, caFile: valueOf(argv, '--server-ca') };
}

/** One team-server session per app window, as each window has its own local session. */
export type TeamWindows = Readonly<{
  invoke: (
    windowId: number,
    method: string,
    input: unknown,
    send: (event: AnyEvent) => void,
  ) => Promise<Envelope<unknown>>;
  /** An artifact for the window's evidence:// handler, in that window's server session. */
  artifact: (windowId: number, sha256: string, reveal: boolean) => Promise<RemoteArtifact | null>;
  signedIn: (windowId: number) => boolean;
  close: (windowId: number) => void;
}>;

export function openTeamWindows(args: TeamServerArgs): TeamWindows {
  let ca: Buffer | undefined;
  try {
    ca = args.caFile === null ? undefined : readFileSync(args.caFile);
  } catch (error) {
    throw new AppError(
      'input.invalid',
      `cannot read --server-ca ${args.caFile}: ${(error as Error).message}`,
    );
  }
  const windows = new Map<number, RemoteForwarder>();
  return {
    invoke: (windowId, method, input, send) => {
      let forwarder = windows.get(windowId);
      if (forwarder === undefined) {
        forwarder = createRemoteForwarder(
          connectTeamServer({ url: args.url, ...(ca === undefined ? {} : { ca }) }),
        );
        forwarder.subscribe(send);
        windows.set(windowId, forwarder);
      }
      return forwarder.invoke(method, input);
    },
    artifact: async (windowId, sha256, reveal) =>
      (await windows.get(windowId)?.artifact(sha256, reveal)) ?? null,
    signedIn: (windowId) => windows.get(windowId)?.signedIn() ?? false,
    close: (windowId) => {
      windows.get(windowId)?.close();
      windows.delete(windowId);
    },
  };
}
