import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { AuditRow } from '@shared/contract/methods/custody';
import { AppError } from '@shared/errors/app-error';
import { systemClock, type Clock } from './clock';
import { createIdGenerator, type IdGenerator } from './ids';
import { appendAudit, appendAuditBatch, type AuditAnchor, type AuditEntry } from './custody/audit-log';
import { advanceHeadWithin, createHeadWriter, headStoreFor } from './custody/audit-head';
import { requireKeyMatchesCertificate } from './custody/key-match';
import { keyIdOf } from './custody/signing';
import {
  HOST_FILE_SEALER,
  loadWorkstationKey,
  storeWorkstationKey,
  workstationKeyExists,
  type KeySealer,
  type LoadedKey,
} from './custody/key-sealer';
import { createCaKeyStore, storeNewCaKey, type CaKeyState, type CaKeyStore } from './custody/ca-key';
import { createLocalCa, issueCertificate, type LocalCa } from './custody/x509';
import type { Database, WriteConn } from './db/database';
import { withoutPassword } from './db/postgres-database';
import { dataPaths, type DataPaths } from './data-dir';
import { readDataDirMarker, requireInitialisedFiles, writeMarker } from './data-dir-state';
import { openMigrated, openServerMigrated, requireSameDatabase } from './workspace-db';
import { createEventBus, type EventBus } from './events';
import { createBlobStore, type BlobStore } from './store/blob-store';
import { isDiskFull, storeErrorOf } from './store/store-errors';

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
  /** The local CA: its certificate, and its key sealed under the CA passphrase (custody/ca-key.ts). */
  ca: WorkspaceCa;
  /**
   * Runs `fn` in one write transaction with an audit recorder: the state change and its custody
   * rows commit together or not at all. After commit the signed head of the log moves forward.
   */
  record: <T>(
    fn: (
      tx: WriteConn,
      audit: (entry: AuditEntry) => Promise<AuditRow>,
      /** Many entries at once, chained in memory (a bulk import's batch); same rows as `audit` each. */
      auditMany: (entries: readonly AuditEntry[]) => Promise<AuditRow[]>,
    ) => Promise<T>,
  ) => Promise<T>;
  readAnchor: () => Promise<AuditAnchor | null>;
  close: () => Promise<void>;
}>;

/**
 * The CA for acts that issue or revoke certificates. `unlock` and `protect` write a `ca.key-protected`
 * custody event when they move a key from a weaker seal (or the clear) to the CA passphrase.
 */
export type WorkspaceCa = Readonly<{
  certPem: string;
  state: () => Promise<CaKeyState>;
  unlock: (passphrase: string | undefined, actor: string) => Promise<LocalCa>;
  protect: (passphrase: string, actor: string) => Promise<CaKeyState | null>;
}>;

export type OpenOptions = Readonly<{
  dataDir: string;
  clock?: Clock;
  workstationName?: string;
  /**
   * The CA passphrase: seals a CA created by this call, and migrates an older data dir's unencrypted
   * (or interim host-sealed) CA key. Without it a new CA is host-sealed until a passphrase is chosen.
   */
  caPassphrase?: string;
  /** How the workstation key is kept at rest: the OS keystore in the desktop app, else a 0600 file. */
  keySealer?: KeySealer;
  /**
   * Team mode: a `postgres://` URL. The data dir then keeps the keys, CA, logs and tmp, and the
   * records and the signed head live in that database. Absent: the data dir's own SQLite file.
   */
  database?: string;
  /** An opened blob store (an object store, a shared folder). Absent: the data dir's `blobs/`. */
  blobs?: BlobStore;
}>;

/** A key or certificate file, read; a missing, unreadable or garbled one is named (never re-created). */
async function readKeyFile<T>(path: string, parse: (text: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new AppError(
      'custody.key-missing',
      code === 'ENOENT'
        ? `${path} is missing: keys are created only by \`vigil init\` on a new data dir; restore it from a backup`
        : `${path} cannot be read (${code || (error as Error).message})`,
    );
  }
  try {
    return parse(text);
  } catch {
    throw new AppError(
      'custody.key-missing',
      `${path} is damaged: it does not hold a readable key or certificate`,
    );
  }
}

const certificateText = (text: string): string => {
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(text)) throw new Error('not PEM');
  return text;
};

async function writeNew(path: string, content: string, mode: number): Promise<void> {
  // 'wx' refuses to replace an existing key: a key is created once and never silently swapped.
  await writeFile(path, content, { flag: 'wx', mode });
  await chmod(path, mode);
}

/** The CA certificate, and the CA itself when this call created it (its key is sealed by the caller). */
async function ensureCa(
  paths: DataPaths,
  clock: Clock,
  created: string[],
): Promise<{ certPem: string; fresh: LocalCa | null }> {
  if (existsSync(paths.caCert))
    return { certPem: await readKeyFile(paths.caCert, certificateText), fresh: null };
  const ca = await createLocalCa({
    commonName: `Vigil local CA (${hostname()})`,
    organization: 'Vigil',
    now: clock(),
    validityDays: 3650,
  });
  created.push('ca');
  return { certPem: ca.certPem, fresh: ca };
}

async function ensureWorkstationKey(
  paths: DataPaths,
  issuer: () => Promise<LocalCa>,
  clock: Clock,
  name: string,
  created: string[],
  sealer: KeySealer,
): Promise<WorkstationKey & Readonly<{ sealedNow: LoadedKey['sealedNow'] }>> {
  if (!workstationKeyExists(paths.workstationKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const certificatePem = await issueCertificate({
      ca: await issuer(),
      subjectPublicKeyPem: publicKeyPem,
      commonName: `Vigil workstation ${name}`.slice(0, 64),
      organization: 'Vigil',
      profile: 'workstation',
      now: clock(),
      validityDays: 3650,
    });
    await storeWorkstationKey(
      paths.workstationKey,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      sealer,
    );
    await writeNew(paths.workstationPub, publicKeyPem, 0o644);
    await writeNew(paths.workstationCert, certificatePem, 0o644);
    created.push('workstation-key');
  }
  const loaded = await loadWorkstationKey(paths.workstationKey, sealer);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(loaded.pem);
  } catch {
    // A garbled key is named, never replaced (keys are created only at initialisation).
    throw new AppError(
      'custody.key-missing',
      `${paths.workstationKey} is damaged: it does not hold a readable key`,
    );
  }
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const certificatePem = await readKeyFile(paths.workstationCert, certificateText);
  requireKeyMatchesCertificate(privateKey, certificatePem, {
    key: paths.workstationKey,
    certificate: paths.workstationCert,
  });
  return {
    sealedNow: loaded.sealedNow,
    privateKey,
    publicKeyPem,
    certificatePem,
    keyId: keyIdOf(publicKeyPem),
  };
}

/** Wraps the key store so that moving the CA key under a passphrase is written to the custody log. */
function workspaceCa(store: CaKeyStore, record: Workspace['record']): WorkspaceCa {
  const logProtected = (from: CaKeyState, actor: string): Promise<unknown> =>
    record((_tx, audit) =>
      audit({
        actor,
        action: 'ca.key-protected',
        subject: 'ca',
        details: { from, to: 'passphrase', cipher: 'aes-256-gcm', kdf: 'scrypt' },
      }),
    );
  return {
    certPem: store.certPem,
    state: store.state,
    async unlock(passphrase, actor) {
      const before = await store.state();
      const ca = await store.unlock(passphrase);
      if (before !== 'passphrase' && (await store.state()) === 'passphrase')
        await logProtected(before, actor);
      return ca;
    },
    async protect(passphrase, actor) {
      const from = await store.protect(passphrase);
      if (from !== null) await logProtected(from, actor);
      return from;
    },
  };
}

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
  // Only a data dir with nothing in it yet is initialised; an initialised one missing a piece is damaged.
  const marker = await readDataDirMarker(paths);
  const { state } = marker;
  const address = opts.database === undefined ? null : withoutPassword(opts.database);
  requireSameDatabase(paths, marker, address);
  if (state === 'ready' || state === 'legacy') requireInitialisedFiles(paths, address !== null);
  if (state === 'fresh') await writeMarker(paths, 'initialising', clock(), address);
  if (address === null && !existsSync(paths.db)) created.push('database');
  const { db, migrated } =
    opts.database === undefined
      ? await openMigrated(paths, clock)
      : await openServerMigrated(opts.database, paths, clock, state);
  if (address !== null && migrated.from === 0) created.push('database');
  try {
    const workstationName = opts.workstationName ?? hostname();
    const caCert = await ensureCa(paths, clock, created);
    let sealingKey: KeyObject | null = null;
    const caStore = createCaKeyStore(paths, caCert.certPem, () => {
      if (sealingKey === null)
        throw new AppError('ca.key-unavailable', 'the workstation key that seals the CA key is missing');
      return sealingKey;
    });
    const issuer = async (): Promise<LocalCa> => caCert.fresh ?? (await caStore.unlock(opts.caPassphrase));
    const { sealedNow, ...workstation } = await ensureWorkstationKey(
      paths,
      issuer,
      clock,
      workstationName,
      created,
      opts.keySealer ?? HOST_FILE_SEALER,
    );
    sealingKey = workstation.privateKey;
    if (caCert.fresh !== null) {
      // The sealed key first, the certificate last: a data dir with a CA certificate has its key.
      await storeNewCaKey(paths, caCert.fresh.keyPem, opts.caPassphrase, workstation.privateKey);
      await writeNew(paths.caCert, caCert.certPem, 0o644);
    }
    const events = createEventBus();

    const heads = headStoreFor(paths, db);
    const readAnchor = async (): Promise<AuditAnchor | null> => {
      const head = await db.read((c) => heads.head(c, workstation.publicKeyPem));
      return head === null ? null : { seq: head.seq, hash: head.hash };
    };
    const advanceAnchor = createHeadWriter({ paths, db, key: workstation, store: heads });

    const record: Workspace['record'] = async (fn) => {
      const rows: AuditRow[] = [];
      const result = await db
        .write(async (tx) => {
          const done = await fn(
            tx,
            async (entry) => {
              const row = await appendAudit(tx, clock, entry);
              rows.push(row);
              return row;
            },
            async (entries) => {
              const many = await appendAuditBatch(tx, clock, entries);
              rows.push(...many);
              return many;
            },
          );
          // A shared database: the head commits with the rows it signs, under the same write lock.
          const newest = rows.at(-1);
          if (heads.inTransaction && newest !== undefined)
            await advanceHeadWithin(tx, { store: heads, key: workstation }, newest, rows);
          return done;
        })
        .catch((error: unknown) => {
          // A full disk or a damaged database is the environment, named as such (exit 3), not a bug.
          throw storeErrorOf(error, paths.root, paths.db) ?? error;
        });
      const last = rows.at(-1);
      if (last && !heads.inTransaction) await advanceAnchor(last, rows);
      for (const row of rows) events.emit('audit.appended', row);
      return result;
    };

    const ca = workspaceCa(caStore, record);
    const workspace: Workspace = {
      paths,
      db,
      blobs: opts.blobs ?? createBlobStore(paths.blobs),
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
            caKey: await caStore.state(),
          },
        });
      });
    }
    // An older data dir opened by the desktop app: its clear host key moved into the OS keystore.
    if (sealedNow !== null)
      await record((_tx, audit) =>
        audit({
          actor: 'system',
          action: 'workstation.key-sealed',
          subject: `workstation:${workstation.keyId}`,
          details: { ...sealedNow, keyId: workstation.keyId },
        }),
      );
    // `init --ca-passphrase-…` on an older data dir: seal its CA key now (a custody event of its own).
    if (opts.caPassphrase !== undefined && caCert.fresh === null)
      await ca.protect(opts.caPassphrase, 'system');
    // Last: from here on the data dir is initialised, and nothing of it is ever created again.
    if (state !== 'ready')
      await writeMarker(paths, 'ready', clock(), address).catch((error: unknown) => {
        // An older data dir is marked on its next open with space; its files were all checked above.
        if (state !== 'legacy' || !isDiskFull(error)) throw error;
      });
    return { workspace, created };
  } catch (error) {
    await db.close();
    throw storeErrorOf(error, paths.root, paths.db) ?? error;
  }
}
