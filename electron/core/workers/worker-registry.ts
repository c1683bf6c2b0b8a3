import { createPublicKey, X509Certificate } from 'node:crypto';
import type { WorkerInfo } from '@shared/contract/methods/workers';
import { AppError } from '@shared/errors/app-error';
import { keyIdOf } from '../custody/signing';
import { issueCertificate, type LocalCa } from '../custody/x509';
import {
  insertWorker,
  listWorkers,
  workerByKeyId,
  workerByName,
  type WorkerRow,
} from '../db/repositories/workers-repo';
import type { Workspace } from '../workspace';

/** Registering capture workers: the unit CA certifies each worker's own workstation key. */

const WORKER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const workerActor = (name: string): string => `worker:${name}`;

/** The key of a worker: a P-256 public key in PEM, as `vigil worker key` prints it. */
function parseWorkerKey(publicKeyPem: string): string {
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('not P-256');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new AppError(
      'input.invalid',
      'the worker key must be a P-256 public key in PEM (`vigil worker key`)',
    );
  }
}

export async function addWorker(
  ws: Workspace,
  ca: LocalCa,
  input: Readonly<{ name: string; publicKeyPem: string; actor: string }>,
): Promise<WorkerInfo> {
  if (!WORKER_NAME.test(input.name))
    throw new AppError(
      'input.invalid',
      'a worker name is 1-63 of a-z, 0-9, ".", "_", "-", starting with a letter or digit',
    );
  const publicKeyPem = parseWorkerKey(input.publicKeyPem);
  const keyId = keyIdOf(publicKeyPem);
  const certificatePem = await issueCertificate({
    ca,
    subjectPublicKeyPem: publicKeyPem,
    commonName: `Vigil worker ${input.name}`.slice(0, 64),
    organization: 'Vigil',
    organizationalUnit: 'capture worker',
    profile: 'workstation',
    now: ws.clock(),
    validityDays: 3650,
  });
  const row: WorkerRow = {
    name: input.name,
    keyId,
    publicKeyPem,
    certificatePem,
    certificateSha256: new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase(),
    addedAt: ws.clock().toISOString(),
    addedBy: input.actor,
  };
  await ws.record(async (tx, audit) => {
    // Checked under the write lock, so two admins adding the same worker cannot both succeed.
    if ((await workerByName(tx, row.name)) !== null)
      throw new AppError('input.invalid', `a worker named ${row.name} is already registered`);
    if ((await workerByKeyId(tx, keyId)) !== null)
      throw new AppError('input.invalid', `this key is already registered for another worker`);
    await insertWorker(tx, row);
    await audit({
      actor: input.actor,
      action: 'worker.added',
      subject: `worker:${row.name}`,
      details: { keyId, certificateSha256: row.certificateSha256 },
    });
  });
  return infoOf(row);
}

export const infoOf = (w: WorkerRow): WorkerInfo => ({
  name: w.name,
  keyId: w.keyId,
  certificateSha256: w.certificateSha256,
  addedAt: w.addedAt,
  addedBy: w.addedBy,
});

export const registeredWorkers = async (ws: Workspace): Promise<WorkerInfo[]> =>
  (await ws.db.read((c) => listWorkers(c))).map(infoOf);

/**
 * The worker behind a key id, with its certificate checked to be issued by the unit CA: a row
 * alone is not trusted (the certificate is what a court bundle later shows).
 */
export async function certifiedWorker(ws: Workspace, keyId: string): Promise<WorkerRow | null> {
  const row = await ws.db.read((c) => workerByKeyId(c, keyId));
  if (row === null) return null;
  const cert = new X509Certificate(row.certificatePem);
  const ca = new X509Certificate(ws.ca.certPem);
  const now = ws.clock();
  const valid = new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
  if (!cert.verify(ca.publicKey) || !valid || keyIdOf(cert.publicKey) !== keyId) return null;
  return row;
}
