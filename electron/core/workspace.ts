import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { AuditRow } from '@shared/contract/methods/custody';
import { AppError } from '@shared/errors/app-error';
import { systemClock, type Clock } from './clock';
import { createIdGenerator, type IdGenerator } from './ids';
import { appendAudit, type AuditAnchor, type AuditEntry } from './custody/audit-log';
import { canonicalJson } from './custody/canonical-json';
import { keyIdOf, signEs256, verifyEs256 } from './custody/signing';
import { createLocalCa, issueCertificate, type LocalCa } from './custody/x509';
import { openDatabase, type Database, type WriteConn } from './db/database';
import { migrate } from './db/migrate';
import { MIGRATIONS } from './db/migrations/index';
import { dataPaths, type DataPaths } from './data-dir';
import { createEventBus, type EventBus } from './events';
import { createBlobStore, type BlobStore } from './store/blob-store';

export type WorkstationKey = Readonly<{
  privateKey: KeyObject;
  publicKeyPem: string;
  certificatePem: string;
  keyId: string;
}>;

/** Everything a service needs: the open data dir, its database, blobs, keys, clock and events. */
export type Workspace = Readonly<{
  paths: DataPaths;
  db: Database;
  blobs: BlobStore;
  clock: Clock;
  ids: IdGenerator;
  events: EventBus;
  workstation: WorkstationKey;
  workstationName: string;
  /** Issues certificates for user keys; the CA key is kept like the workstation key. */
  ca: LocalCa;
  /**
   * Runs `fn` in one write transaction with an audit recorder: the state change and its custody
   * rows commit together or not at all. After commit the signed head of the log moves forward.
   */
  record: <T>(
    fn: (tx: WriteConn, audit: (entry: AuditEntry) => Promise<AuditRow>) => Promise<T>,
  ) => Promise<T>;
  readAnchor: () => Promise<AuditAnchor | null>;
  close: () => Promise<void>;
}>;

export type OpenOptions = Readonly<{ dataDir: string; clock?: Clock; workstationName?: string }>;

const PRIVATE = 0o600;

async function writeNew(path: string, content: string, mode: number): Promise<void> {
  // 'wx' refuses to replace an existing key: a key is created once and never silently swapped.
  await writeFile(path, content, { flag: 'wx', mode });
  await chmod(path, mode);
}

async function ensureCa(paths: DataPaths, clock: Clock, created: string[]): Promise<LocalCa> {
  if (existsSync(paths.caKey) && existsSync(paths.caCert)) {
    return { keyPem: await readFile(paths.caKey, 'utf8'), certPem: await readFile(paths.caCert, 'utf8') };
  }
  const ca = await createLocalCa({
    commonName: `Vigil local CA (${hostname()})`,
    organization: 'Vigil',
    now: clock(),
    validityDays: 3650,
  });
  await writeNew(paths.caKey, ca.keyPem, PRIVATE);
  await writeNew(paths.caCert, ca.certPem, 0o644);
  created.push('ca');
  return ca;
}

async function ensureWorkstationKey(
  paths: DataPaths,
  ca: LocalCa,
  clock: Clock,
  name: string,
  created: string[],
): Promise<WorkstationKey> {
  if (!existsSync(paths.workstationKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const certificatePem = await issueCertificate({
      ca,
      subjectPublicKeyPem: publicKeyPem,
      commonName: `Vigil workstation ${name}`.slice(0, 64),
      organization: 'Vigil',
      profile: 'workstation',
      now: clock(),
      validityDays: 3650,
    });
    await writeNew(
      paths.workstationKey,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      PRIVATE,
    );
    await writeNew(paths.workstationPub, publicKeyPem, 0o644);
    await writeNew(paths.workstationCert, certificatePem, 0o644);
    created.push('workstation-key');
  }
  const privateKey = createPrivateKey(await readFile(paths.workstationKey, 'utf8'));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    privateKey,
    publicKeyPem,
    certificatePem: await readFile(paths.workstationCert, 'utf8'),
    keyId: keyIdOf(publicKeyPem),
  };
}

const AnchorFile = z.object({
  seq: z.number().int(),
  hash: z.string(),
  at: z.string(),
  keyId: z.string(),
  signature: z.string(),
});

/**
 * Opens a data dir, creating whatever is missing (DESIGN §10 `init` is idempotent: on a complete data
 * dir it changes nothing). `created` lists what this call made, for the custody log and the CLI.
 */
export async function openWorkspace(opts: OpenOptions): Promise<{ workspace: Workspace; created: string[] }> {
  const clock = opts.clock ?? systemClock;
  const paths = dataPaths(opts.dataDir);
  const created: string[] = [];
  try {
    for (const dir of [paths.root, paths.blobs, paths.exports, paths.logs, paths.backups, paths.tmp]) {
      await mkdir(dir, { recursive: true });
    }
    await mkdir(paths.keys, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new AppError('env.data-dir', `cannot use the data dir ${paths.root}: ${(error as Error).message}`);
  }
  if (!existsSync(paths.db)) created.push('database');
  const db = await openDatabase(paths.db);
  try {
    const migrated = await migrate(db, MIGRATIONS, { backupDir: paths.backups, clock });
    const workstationName = opts.workstationName ?? hostname();
    const ca = await ensureCa(paths, clock, created);
    const workstation = await ensureWorkstationKey(paths, ca, clock, workstationName, created);
    const events = createEventBus();

    const readAnchor = async (): Promise<AuditAnchor | null> => {
      if (!existsSync(paths.auditHead)) return null;
      const parsed = AnchorFile.safeParse(JSON.parse(await readFile(paths.auditHead, 'utf8')));
      if (!parsed.success)
        throw new AppError('custody.chain-broken', `${paths.auditHead} is not a valid head record`);
      const { signature, keyId: _keyId, ...signed } = parsed.data;
      if (!verifyEs256(workstation.publicKeyPem, canonicalJson(signed), Buffer.from(signature, 'base64'))) {
        throw new AppError(
          'custody.signature-invalid',
          `the signed head of the audit log (${paths.auditHead}) does not verify`,
        );
      }
      return { seq: parsed.data.seq, hash: parsed.data.hash };
    };

    // Head updates of this process run one after another; across processes the "never move back" check
    // keeps the head at or near the newest row (a slightly older head is still a valid anchor).
    let anchorQueue: Promise<void> = Promise.resolve();
    const writeAnchor = async (row: AuditRow): Promise<void> => {
      let current: AuditAnchor | null;
      try {
        current = await readAnchor();
      } catch {
        // A head that no longer verifies is evidence of tampering: it stays for `audit verify` to report
        // rather than being papered over by the next legitimate write.
        return;
      }
      // Another process may have moved the head further already; never move it back.
      if (current !== null && current.seq >= row.seq) return;
      const signed = { seq: row.seq, hash: row.hash, at: row.at };
      const body = {
        ...signed,
        keyId: workstation.keyId,
        signature: signEs256(workstation.privateKey, canonicalJson(signed)).toString('base64'),
      };
      const tmp = `${paths.auditHead}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o644 });
      await rename(tmp, paths.auditHead);
    };
    const advanceAnchor = (row: AuditRow): Promise<void> => {
      anchorQueue = anchorQueue.catch(() => undefined).then(() => writeAnchor(row));
      return anchorQueue;
    };

    const record: Workspace['record'] = async (fn) => {
      const rows: AuditRow[] = [];
      const result = await db.write((tx) =>
        fn(tx, async (entry) => {
          const row = await appendAudit(tx, clock, entry);
          rows.push(row);
          return row;
        }),
      );
      const last = rows.at(-1);
      if (last) await advanceAnchor(last);
      for (const row of rows) events.emit('audit.appended', row);
      return result;
    };

    const workspace: Workspace = {
      paths,
      db,
      blobs: createBlobStore(paths.blobs),
      clock,
      ids: createIdGenerator(clock),
      events,
      workstation,
      workstationName,
      ca,
      record,
      readAnchor,
      close: () => db.close(),
    };

    if (created.length > 0 || migrated.applied.length > 0) {
      await record(async (_tx, audit) => {
        await audit({
          actor: 'system',
          action: 'workstation.initialized',
          subject: `workstation:${workstation.keyId}`,
          details: {
            created,
            schema: { from: migrated.from, to: migrated.to },
            backup: migrated.backup,
            workstation: workstationName,
            keyId: workstation.keyId,
          },
        });
      });
    }
    return { workspace, created };
  } catch (error) {
    await db.close();
    throw error;
  }
}
