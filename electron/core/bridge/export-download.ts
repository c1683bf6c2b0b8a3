import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { AppError, isAppError, type ErrorCode } from '@shared/errors/app-error';
import type { Backend } from '../backend';
import { resolveWirePath } from '../bundle/wire-paths';
import { listAudit } from '../custody/audit-log';
import { authorize, type Session } from '../rpc/dispatch';
import { errorBody, sendJson } from './bridge-http';

/** `GET /exports/<name>` (or `/s/<key>/exports/<name>` for a plain link): a finished bundle of exports/. */
export const EXPORT_DOWNLOAD_PREFIX = '/exports/';
/** The SHA-256 of the ZIP as its export record holds it; the client checks the bytes against it. */
export const BUNDLE_SHA256_HEADER = 'x-vigil-bundle-sha256';

export type ExportDownloads = (res: ServerResponse, session: Session, rawName: string) => Promise<void>;

type ExportRecord = Readonly<{ actor: string; sha256: string }>;

const STATUS: Partial<Record<ErrorCode, number>> = {
  'auth.not-signed-in': 401,
  'auth.forbidden': 403,
  'bundle.path-refused': 400,
  'evidence.not-found': 404,
};

/**
 * The name as the URL gave it, held to the boundary rules: one bare file name (no folder, no `..`),
 * then the wire rules of exports/ (no symbolic link leading out of it). Returns the file's path.
 */
function exportPathOf(exportsDir: string, rawName: string): string {
  let name: string;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    throw new AppError('bundle.path-refused', 'the export name is not a well-formed URL segment');
  }
  if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name))
    throw new AppError(
      'bundle.path-refused',
      `${JSON.stringify(name)} is refused: name one finished export of the exports folder, without a path`,
    );
  return resolveWirePath({ exportsDir }, name, 'read');
}

/** The open file, or evidence.not-found for a name that is not a regular file (a folder export, nothing). */
async function openExport(path: string, name: string): Promise<{ file: FileHandle; bytes: number }> {
  const notFound = new AppError('evidence.not-found', `no finished export named ${JSON.stringify(name)}`);
  const file = await open(path, 'r').catch(() => {
    throw notFound;
  });
  const info = await file.stat();
  if (!info.isFile()) {
    await file.close();
    throw notFound;
  }
  return { file, bytes: info.size };
}

async function sha256Of(file: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of file.createReadStream({ start: 0, autoClose: false }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The `bundle.exported` row that wrote these very bytes to this path, or null: a file someone put in
 * exports/, or one changed since its export, has none and is not served as a bundle.
 */
async function exportRecordOf(backend: Backend, path: string, sha256: string): Promise<ExportRecord | null> {
  const { rows } = await backend.workspace.db.read((c) =>
    listAudit(c, { subject: `bundle:${sha256}`, action: 'bundle.exported', limit: 100 }),
  );
  for (const row of rows) {
    const details = row.details as { path?: unknown; sha256?: unknown } | null;
    if (details?.sha256 === sha256 && typeof details.path === 'string' && resolve(details.path) === path)
      return { actor: row.actor, sha256 };
  }
  return null;
}

/**
 * The download of a finished court bundle, as a list of stages: the session's user (re-read now) may
 * export (the rule of `bundle.export`); the name is one file of exports/; its bytes hash to an export
 * record that this user made; a `bundle.downloaded` custody row; the bytes, from the same open file
 * that was hashed (a file swapped in between is not sent under the old hash).
 */
export function createExportDownloads(backend: Backend): ExportDownloads {
  const exportsDir = backend.workspace.paths.exports;

  async function serve(res: ServerResponse, session: Session, rawName: string): Promise<void> {
    await backend.refreshSession(session, 'exports');
    const { user } = authorize('bundle.export', session);
    if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
    const path = resolve(exportPathOf(exportsDir, rawName));
    const name = decodeURIComponent(rawName);
    const { file, bytes } = await openExport(path, name);
    try {
      const sha256 = await sha256Of(file);
      const record = await exportRecordOf(backend, path, sha256);
      if (record === null)
        throw new AppError(
          'evidence.not-found',
          `${JSON.stringify(name)} is not a bundle this server exported, or it changed since`,
        );
      if (record.actor !== user.name)
        throw new AppError(
          'auth.forbidden',
          `${name} was exported by ${record.actor}: only they may download it`,
        );
      await backend.workspace.record((_tx, audit) =>
        audit({
          actor: user.name,
          action: 'bundle.downloaded',
          subject: `bundle:${sha256}`,
          details: { name, sha256, bytes },
        }),
      );
      sendZip(res, file, name, bytes, sha256);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  return async (res, session, rawName) => {
    try {
      await serve(res, session, rawName);
    } catch (error) {
      if (!isAppError(error)) throw error;
      sendJson(res, STATUS[error.code] ?? 400, errorBody(error.toPayload()));
    }
  };
}

function sendZip(res: ServerResponse, file: FileHandle, name: string, bytes: number, sha256: string): void {
  res.writeHead(200, {
    'Content-Type': 'application/zip',
    'Content-Length': bytes,
    'Content-Disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    [BUNDLE_SHA256_HEADER]: sha256,
  });
  const body = file.createReadStream({ start: 0 });
  body.on('error', () => res.destroy());
  body.pipe(res);
}
