import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  MIGRATED_TABLES,
  MIGRATION_ROUTES,
  MigrationBegin,
  MigrationFinish,
  MigrationRows,
  type MigrationReport,
} from '@shared/contract/methods/migration';
import { AppError, isAppError, type ErrorCode } from '@shared/errors/app-error';
import { createTrustService } from '../bundle/trust-service';
import { registerBlob } from '../db/repositories/blobs-repo';
import {
  advanceIdentities,
  countRows,
  holdsEvidence,
  insertRowsVerbatim,
  ROW_KEY,
  tableColumns,
} from '../db/repositories/migration-copy-repo';
import type { Session } from '../rpc/dispatch';
import type { Workspace } from '../workspace';
import {
  sourceIdentity,
  verifyAllBlobs,
  verifyAuditArchive,
  verifyCaptureSignatures,
  verifyDecisionSignatures,
  type SourceIdentity,
} from './migration-checks';

/**
 * `/migrate/…` on the team server's bridge: an administrator's session moves one workstation's
 * records and blobs in (electron/core/migrate-server/migrate-client.ts is the other side). Only a case
 * database with no evidence yet accepts a migration; rows go in verbatim, blobs by their hash, and
 * `finish` verifies everything before the custody event `workspace.migrated` is recorded.
 */
export type MigrationRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  session: Session,
) => Promise<void>;

type Running = {
  id: string;
  actor: string;
  begin: MigrationBegin;
  source: SourceIdentity;
  inserted: Map<string, number>;
  alreadyThere: Map<string, number>;
};

const MAX_JSON = 32 * 1024 * 1024;
const BLOB_PATH = /^\/migrate\/blobs\/([0-9a-f]{64})$/;
const REFERENCE = new Set<string>(MIGRATED_TABLES.filter((t) => t.reference).map((t) => t.table));
/** Columns the source sends for paging and ordering, kept only where this table stores them. */
const ORDER_COLUMNS = new Set([ROW_KEY, 'rowid']);

const STATUS: Partial<Record<ErrorCode, number>> = {
  'auth.not-signed-in': 401,
  'auth.forbidden': 403,
  'input.invalid': 400,
  'rpc.invalid-input': 400,
  'evidence.not-found': 404,
  'custody.signature-invalid': 422,
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

async function jsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON) throw new AppError('input.invalid', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AppError('rpc.invalid-input', 'the request body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'rpc.invalid-input',
      `bad request: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

function requireAdmin(session: Session): string {
  const user = session.user;
  if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
  if (user.role !== 'admin')
    throw new AppError('auth.forbidden', 'only an administrator can migrate a workstation in');
  return user.name;
}

/** A migration refused at the end has left its rows here, unrecorded: the message says what to do. */
function leftUnrecorded(error: unknown): never {
  if (!isAppError(error)) throw error;
  throw new AppError(
    error.code,
    `${error.message} (the rows copied so far stay in this database, unrecorded: restore it from before the migration, then migrate again)`,
  );
}

export function createMigrationRoutes(ws: Workspace): MigrationRoutes {
  let running: Running | null = null;
  const columnsOf = new Map<string, Set<string>>();

  const current = (id: string): Running => {
    if (running === null || running.id !== id)
      throw new AppError('input.invalid', 'no such migration is under way on this server: begin again');
    return running;
  };

  async function serverColumns(table: string): Promise<Set<string>> {
    let known = columnsOf.get(table);
    if (known === undefined) {
      known = new Set(await ws.db.read((c) => tableColumns(c, table)));
      columnsOf.set(table, known);
    }
    return known;
  }

  async function begin(actor: string, input: MigrationBegin) {
    if (await ws.db.read(holdsEvidence))
      throw new AppError(
        'input.invalid',
        'this team server already holds evidence: a workstation is migrated only into a case database without any',
      );
    // A migration broken off before any evidence arrived is simply started again.
    running = {
      id: randomUUID(),
      actor,
      begin: input,
      source: sourceIdentity(input),
      inserted: new Map(),
      alreadyThere: new Map(),
    };
    return { migrationId: running.id };
  }

  /** One batch of one table, in one transaction; a row the server cannot hold verbatim fails the batch. */
  async function rows(input: MigrationRows) {
    const migration = current(input.migrationId);
    const known = await serverColumns(input.table);
    const first = input.rows[0];
    if (first === undefined) return { inserted: 0 };
    const columns = Object.keys(first).filter((c) => known.has(c));
    const unknown = Object.keys(first).filter((c) => !known.has(c) && !ORDER_COLUMNS.has(c));
    if (unknown.length > 0)
      throw new AppError(
        'input.invalid',
        `table ${input.table} has no column ${unknown.join(', ')} on this server`,
      );
    const reference = REFERENCE.has(input.table);
    const done = await ws.db.write(async (tx) => {
      const result = await insertRowsVerbatim(
        tx,
        input.table,
        columns,
        input.rows,
        reference,
      );
      await advanceIdentities(tx, input.table);
      return result;
    });
    const add = (m: Map<string, number>, n: number) => m.set(input.table, (m.get(input.table) ?? 0) + n);
    add(migration.inserted, done.inserted);
    add(migration.alreadyThere, input.rows.length - done.inserted);
    return done;
  }

  async function blob(req: IncomingMessage, sha256: string) {
    if (running === null) throw new AppError('input.invalid', 'begin a migration before uploading blobs');
    const stored = await ws.blobs.put(req);
    // Other bytes land under their own hash, unreferenced; they are never this blob.
    if (stored.sha256 !== sha256)
      throw new AppError(
        'custody.signature-invalid',
        `the uploaded bytes hash to ${stored.sha256}, not ${sha256}`,
      );
    return { sha256, bytes: stored.bytes };
  }

  function tableReport(migration: Running, counts: Readonly<Record<string, number>>) {
    return MIGRATED_TABLES.map(({ table, reference }) => {
      const source = counts[table] ?? 0;
      const inserted = migration.inserted.get(table) ?? 0;
      const alreadyThere = migration.alreadyThere.get(table) ?? 0;
      if (inserted + alreadyThere !== source || (!reference && alreadyThere > 0))
        throw new AppError(
          'custody.signature-invalid',
          `migration refused: table ${table} has ${source} rows on the workstation, ${inserted} arrived`,
        );
      return { table, source, inserted, alreadyThere };
    });
  }

  async function finish(input: MigrationFinish): Promise<MigrationReport> {
    const migration = current(input.migrationId);
    const tables = tableReport(migration, input.counts);
    for (const t of tables)
      if ((await ws.db.read((c) => countRows(c, t.table))) < t.source)
        throw new AppError('store.damaged', `table ${t.table} holds fewer rows than were migrated`);
    if (!(await ws.blobs.has(input.auditArchiveSha256)))
      throw new AppError('input.invalid', 'the archive of the custody log was not uploaded');
    const archive = await verifyAuditArchive(ws, input.auditArchiveSha256, migration.begin.head);
    const sourceRows = archive.rows;
    const capturesVerified = await verifyCaptureSignatures(ws, migration.source);
    const decisionsVerified = await verifyDecisionSignatures(ws, migration.source);
    const at = ws.clock().toISOString();
    const event = await ws.record(async (tx, audit) => {
      await registerBlob(tx, { sha256: input.auditArchiveSha256, bytes: archive.bytes }, at);
      return audit({
        actor: migration.actor,
        action: 'workspace.migrated',
        subject: `workstation:${migration.source.keyId}`,
        details: {
          workstationCertificateSha256: migration.source.workstationSha256,
          caSha256: migration.source.caSha256,
          sourceHead: { seq: migration.begin.head.seq, hash: migration.begin.head.hash },
          auditArchiveSha256: input.auditArchiveSha256,
          sourceCustodyRows: sourceRows,
          tables: Object.fromEntries(tables.map((t) => [t.table, t.source])),
          blobs: input.blobs,
        },
      });
    });
    const blobs = await verifyAllBlobs(ws);
    // The workstation's CA stays trusted as an origin, so its signatures keep verifying here.
    await createTrustService(ws).add(
      migration.begin.caCertificatePem,
      `migrated workstation (${migration.source.caSubject})`.slice(0, 200),
      migration.actor,
    );
    running = null;
    return {
      tables,
      blobs: { ...input.blobs, verified: blobs.verified },
      captures: { count: capturesVerified, signaturesVerified: capturesVerified },
      decisions: { signaturesVerified: decisionsVerified },
      custody: {
        sourceRows,
        sourceHeadSeq: migration.begin.head.seq,
        archiveSha256: input.auditArchiveSha256,
        eventSeq: event.seq,
      },
      caSha256: migration.source.caSha256,
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse, pathname: string, session: Session) {
    const actor = requireAdmin(session);
    const blobSha = BLOB_PATH.exec(pathname)?.[1];
    if (req.method === 'PUT' && blobSha !== undefined)
      return send(res, 200, { ok: true, value: await blob(req, blobSha) });
    if (req.method !== 'POST') throw new AppError('rpc.invalid-input', 'method not allowed');
    switch (pathname) {
      case MIGRATION_ROUTES.begin:
        return send(res, 200, { ok: true, value: await begin(actor, await jsonBody(req, MigrationBegin)) });
      case MIGRATION_ROUTES.rows:
        return send(res, 200, { ok: true, value: await rows(await jsonBody(req, MigrationRows)) });
      case MIGRATION_ROUTES.finish:
        return send(res, 200, {
          ok: true,
          value: await finish(await jsonBody(req, MigrationFinish)).catch(leftUnrecorded),
        });
      default:
        throw new AppError('evidence.not-found', `no migration route ${pathname}`);
    }
  }

  return async (req, res, pathname, session) => {
    try {
      await route(req, res, pathname, session);
    } catch (error) {
      // The rest of a refused upload is drained so that the client reads the answer, not a reset.
      req.resume();
      if (!isAppError(error)) throw error;
      send(res, STATUS[error.code] ?? 500, { ok: false, error: error.toPayload() });
    }
  };
}
