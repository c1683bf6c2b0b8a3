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
import { createCaKeyStore, storeNewCaKey, type CaKeyState, type CaKeyStore } from './custody/ca-key';
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
  /** The local CA: its certificate, and its key sealed under the CA passphrase (custody/ca-key.ts). */
  ca: WorkspaceCa;
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
}>;

const PRIVATE = 0o600;

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
  if (existsSync(paths.caCert)) return { certPem: await readFile(paths.caCert, 'utf8'), fresh: null };
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
): Promise<WorkstationKey> {
  if (!existsSync(paths.workstationKey)) {
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
    const caCert = await ensureCa(paths, clock, created);
    let sealingKey: KeyObject | null = null;
    const caStore = createCaKeyStore(paths, caCert.certPem, () => {
      if (sealingKey === null)
        throw new AppError('ca.key-unavailable', 'the workstation key that seals the CA key is missing');
      return sealingKey;
    });
    const issuer = async (): Promise<LocalCa> => caCert.fresh ?? (await caStore.unlock(opts.caPassphrase));
    const workstation = await ensureWorkstationKey(paths, issuer, clock, workstationName, created);
    sealingKey = workstation.privateKey;
    if (caCert.fresh !== null) {
      // The sealed key first, the certificate last: a data dir with a CA certificate has its key.
      await storeNewCaKey(paths, caCert.fresh.keyPem, opts.caPassphrase, workstation.privateKey);
      await writeNew(paths.caCert, caCert.certPem, 0o644);
    }
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

    const ca = workspaceCa(caStore, record);
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
            caKey: await caStore.state(),
          },
        });
      });
    }
    // `init --ca-passphrase-…` on an older data dir: seal its CA key now (a custody event of its own).
    if (opts.caPassphrase !== undefined && caCert.fresh === null)
      await ca.protect(opts.caPassphrase, 'system');
    return { workspace, created };
  } catch (error) {
    await db.close();
    throw error;
  }
}
