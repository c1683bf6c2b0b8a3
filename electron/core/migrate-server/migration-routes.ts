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
import { AppError, isAppError } from '@shared/errors/app-error';
import { parseJsonBody, readBodyBytes, routeStatusOf, sendJson } from '../bridge/bridge-http';
import { createTrustService } from '../bundle/trust-service';
import { registerBlob } from '../db/repositories/blobs-repo';
import type { WriteConn } from '../db/database';
import {
  advanceIdentities,
  countRows,
  finishServerMigration,
  holdsEvidence,
  insertRowsVerbatim,
  insertServerMigration,
  latestServerMigration,
  ROW_KEY,
  tableColumns,
  type CopiedRow,
  type ServerMigration,
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
import { tableComparer, type TableComparer } from './row-comparison';

/**
 * `/migrate/…` on the team server's bridge: an administrator's session moves one workstation's
 * records and blobs in (electron/core/migrate-server/migrate-client.ts is the other side). A migration
 * is a recorded job (`server_migrations`): only a case database with no evidence yet starts one, and
 * once rows are in, only the same workstation resumes it, until `finish` verifies everything and
 * records `workspace.migrated`. Rows go in verbatim, blobs by their hash; a row already on the server
 * is compared with it, never just skipped. Begin, resume and every refusal are custody events.
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
  resumed: boolean;
  begin: MigrationBegin;
  source: SourceIdentity;
  inserted: Map<string, number>;
  alreadyThere: Map<string, number>;
};

const MAX_JSON = 32 * 1024 * 1024;
const BLOB_PATH = /^\/migrate\/blobs\/([0-9a-f]{64})$/;
/** Columns the source sends for paging and ordering, kept only where this table stores them. */
const ORDER_COLUMNS = new Set([ROW_KEY, 'rowid']);

/** A JSON body of at most MAX_JSON bytes, checked against its schema. */
const jsonBody = async <T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> =>
  parseJsonBody(schema, await readBodyBytes(req, MAX_JSON));

function requireAdmin(session: Session): string {
  const user = session.user;
  if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
  if (user.role !== 'admin')
    throw new AppError('auth.forbidden', 'only an administrator can migrate a workstation in');
  return user.name;
}

const short = (sha256: string): string => sha256.slice(0, 16);

/** The one-line refusal of a `begin` from a workstation that may not start or resume here. */
function beginRefusal(
  source: SourceIdentity,
  open: ServerMigration | null,
  done: ServerMigration | null,
): string {
  if (open !== null)
    return `a migration of workstation ${short(open.workstationCertificateSha256)} is in progress on this team server since ${open.startedAt}: only that workstation can resume it, not ${short(source.workstationSha256)}`;
  if (done !== null)
    return `this team server already holds evidence: workstation ${short(done.workstationCertificateSha256)} was migrated in at ${done.finishedAt ?? done.startedAt}`;
  return 'this team server already holds evidence: a workstation is migrated only into a case database without any';
}

export function createMigrationRoutes(ws: Workspace): MigrationRoutes {
  let running: Running | null = null;
  const columnsOf = new Map<string, Set<string>>();
  const comparers = new Map<string, TableComparer>();

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

  /** A custody event about this migration, with the workstation as its subject. */
  async function recordEvent(
    actor: string,
    action: string,
    source: SourceIdentity,
    details: Record<string, unknown>,
  ): Promise<number> {
    const row = await ws.record((_tx, audit) =>
      audit({ actor, action, subject: `workstation:${source.keyId}`, details }),
    );
    return row.seq;
  }

  async function refuseBegin(actor: string, source: SourceIdentity, why: string): Promise<never> {
    await recordEvent(actor, 'workspace.migration-refused', source, {
      workstationCertificateSha256: source.workstationSha256,
      reason: why,
    });
    throw new AppError('input.invalid', why);
  }

  /** The workstation's identity; a begin whose certificates or head do not hold is refused on record. */
  async function identityOf(actor: string, input: MigrationBegin): Promise<SourceIdentity> {
    try {
      return sourceIdentity(input);
    } catch (error) {
      if (!isAppError(error)) throw error;
      await ws.record((_tx, audit) =>
        audit({
          actor,
          action: 'workspace.migration-refused',
          subject: 'workstation:unidentified',
          details: { reason: error.message },
        }),
      );
      throw error;
    }
  }

  /**
   * Starts a migration into a server without evidence, or resumes the one in progress when the same
   * workstation asks; anything else is refused (and the refusal recorded). Decided inside the write
   * transaction, which every writer serialises on (PostgreSQL: the unit's advisory lock), so two
   * workstations beginning at the same moment cannot both start.
   */
  async function begin(actor: string, input: MigrationBegin) {
    const source = await identityOf(actor, input);
    const at = ws.clock().toISOString();
    const head = { seq: input.head.seq, hash: input.head.hash };
    const subject = `workstation:${source.keyId}`;
    const newId = randomUUID();
    const outcome = await ws.record(async (tx, audit): Promise<{ id: string; resumed: boolean } | string> => {
      const open = await latestServerMigration(tx, 'in-progress');
      if (open !== null) {
        if (open.workstationCertificateSha256 !== source.workstationSha256)
          return beginRefusal(source, open, null);
        await audit({
          actor,
          action: 'workspace.migration-resumed',
          subject,
          details: {
            migrationId: open.id,
            workstationCertificateSha256: source.workstationSha256,
            sourceHead: head,
          },
        });
        return { id: open.id, resumed: true };
      }
      // A finished migration is final even if it brought no evidence: a server takes in one workstation.
      const done = await latestServerMigration(tx, 'done');
      if (done !== null || (await holdsEvidence(tx))) return beginRefusal(source, null, done);
      await insertServerMigration(tx, {
        id: newId,
        workstationCertificateSha256: source.workstationSha256,
        caSha256: source.caSha256,
        sourceHeadSeq: input.head.seq,
        startedAt: at,
        startedBy: actor,
        state: 'in-progress',
        finishedAt: null,
      });
      await audit({
        actor,
        action: 'workspace.migration-begun',
        subject,
        details: {
          migrationId: newId,
          workstationCertificateSha256: source.workstationSha256,
          caSha256: source.caSha256,
          sourceHead: head,
        },
      });
      return { id: newId, resumed: false };
    });
    if (typeof outcome === 'string') return refuseBegin(actor, source, outcome);
    running = {
      id: outcome.id,
      actor,
      resumed: outcome.resumed,
      begin: input,
      source,
      inserted: new Map(),
      alreadyThere: new Map(),
    };
    return { migrationId: outcome.id, resumed: outcome.resumed };
  }

  /** A refusal once rows are in: recorded against the migration, which stays in progress to resume. */
  async function refuseInProgress(migration: Running, error: unknown): Promise<never> {
    if (!isAppError(error)) throw error;
    await recordEvent(migration.actor, 'workspace.migration-refused', migration.source, {
      migrationId: migration.id,
      workstationCertificateSha256: migration.source.workstationSha256,
      reason: error.message,
    });
    throw new AppError(
      error.code,
      `${error.message} (migration ${migration.id} stays in progress with the rows copied so far: run the command again from the same workstation to resume it)`,
    );
  }

  async function comparerOf(table: string, columns: readonly string[]): Promise<TableComparer> {
    const id = `${table}:${columns.join(',')}`;
    let known = comparers.get(id);
    if (known === undefined) {
      known = await ws.db.read((c) => tableComparer(c, table, columns));
      comparers.set(id, known);
    }
    return known;
  }

  /**
   * Inserts what is new and compares what was there. A keyless table (the text index) cannot collide,
   * so its rows already present are found on every column first; elsewhere a batch that did not
   * insert every row is compared row by row with the server (the ones just inserted compare equal).
   */
  async function insertComparing(
    tx: WriteConn,
    table: string,
    columns: readonly string[],
    rows: readonly CopiedRow[],
    comparer: TableComparer,
  ): Promise<{ inserted: number }> {
    let fresh = rows;
    if (comparer.keyless) {
      const absent: CopiedRow[] = [];
      for (const row of rows) if ((await comparer.find(tx, row)) === undefined) absent.push(row);
      fresh = absent;
    }
    const result = await insertRowsVerbatim(tx, table, columns, fresh, true);
    if (result.inserted < fresh.length) for (const row of fresh) await comparer.assertSame(tx, row);
    await advanceIdentities(tx, table);
    return result;
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
    const comparer = await comparerOf(input.table, columns);
    const done = await ws.db.write((tx) => insertComparing(tx, input.table, columns, input.rows, comparer));
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
    // Rows already there were compared equal on arrival, so only the sum has to match.
    return MIGRATED_TABLES.map(({ table }) => {
      const source = counts[table] ?? 0;
      const inserted = migration.inserted.get(table) ?? 0;
      const alreadyThere = migration.alreadyThere.get(table) ?? 0;
      if (inserted + alreadyThere !== source)
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
    // Checked before the migration is marked done, so that a refusal leaves it resumable.
    const blobs = await verifyAllBlobs(ws);
    // Kept so that a bundle of migrated evidence can carry the workstation's key and signed head.
    const certificate = await ws.blobs.put(Buffer.from(migration.begin.workstationCertificatePem, 'utf8'));
    const at = ws.clock().toISOString();
    const event = await ws.record(async (tx, audit) => {
      if (!(await finishServerMigration(tx, migration.id, at)))
        throw new AppError('input.invalid', `migration ${migration.id} is no longer in progress`);
      await registerBlob(tx, { sha256: input.auditArchiveSha256, bytes: archive.bytes }, at);
      await registerBlob(tx, certificate, at);
      return audit({
        actor: migration.actor,
        action: 'workspace.migrated',
        subject: `workstation:${migration.source.keyId}`,
        details: {
          migrationId: migration.id,
          resumed: migration.resumed,
          workstationCertificateSha256: migration.source.workstationSha256,
          caSha256: migration.source.caSha256,
          sourceHead: migration.begin.head,
          workstationCertificateBlob: certificate.sha256,
          auditArchiveSha256: input.auditArchiveSha256,
          sourceCustodyRows: sourceRows,
          tables: Object.fromEntries(tables.map((t) => [t.table, t.source])),
          blobs: input.blobs,
        },
      });
    });
    // The workstation's CA stays trusted as an origin, so its signatures keep verifying here.
    await createTrustService(ws).add(
      migration.begin.caCertificatePem,
      `migrated workstation (${migration.source.caSubject})`.slice(0, 200),
      migration.actor,
    );
    running = null;
    return {
      migrationId: migration.id,
      resumed: migration.resumed,
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
      return sendJson(res, 200, { ok: true, value: await blob(req, blobSha) });
    if (req.method !== 'POST') throw new AppError('rpc.invalid-input', 'method not allowed');
    switch (pathname) {
      case MIGRATION_ROUTES.begin:
        return sendJson(res, 200, {
          ok: true,
          value: await begin(actor, await jsonBody(req, MigrationBegin)),
        });
      case MIGRATION_ROUTES.rows: {
        const input = await jsonBody(req, MigrationRows);
        const migration = current(input.migrationId);
        const value = await rows(input).catch((error: unknown) => refuseInProgress(migration, error));
        return sendJson(res, 200, { ok: true, value });
      }
      case MIGRATION_ROUTES.finish: {
        const input = await jsonBody(req, MigrationFinish);
        const migration = current(input.migrationId);
        const value = await finish(input).catch((error: unknown) => refuseInProgress(migration, error));
        return sendJson(res, 200, { ok: true, value });
      }
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
      sendJson(res, routeStatusOf(error.code), { ok: false, error: error.toPayload() });
    }
  };
}
