import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { checkIssuedCertificate, listOrgCas, storeOrgCa, type OrgCa } from '../custody/org-ca';
import { updateUser, userByName } from '../db/repositories/users-repo';
import type { Workspace } from '../workspace';

/** Importing an organisation CA and installing the certificates it issued; each a custody event. */

const sha256Of = (pem: string): string =>
  new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** Records an organisation CA as an issuing root (`vigil ca import-cert ORG-CA.pem [--name N]`). */
export async function importOrgCa(
  ws: Workspace,
  pem: string,
  name: string,
  actor: string,
): Promise<Readonly<{ ca: OrgCa; added: boolean }>> {
  const result = await storeOrgCa(ws.paths, pem, ws.clock());
  if (result.added)
    await ws.record((_tx, audit) =>
      audit({
        actor,
        action: 'ca.org-imported',
        subject: `ca:${result.ca.sha256}`,
        details: { name, subject: result.ca.subject, certificateSha256: result.ca.sha256 },
      }),
    );
  return result;
}

/** Keeps a superseded certificate where bundle export finds certificates no longer in the users table. */
async function keepOld(ws: Workspace, pem: string): Promise<void> {
  const dir = join(ws.paths.keys, 'imported', 'users');
  const file = join(dir, `${sha256Of(pem)}.crt.pem`);
  if (existsSync(file)) return;
  await mkdir(dir, { recursive: true });
  await writeFile(file, pem, { mode: 0o644 });
}

export type Installed = Readonly<{ subject: string; certificateSha256: string; issuer: string }>;

/**
 * Installs the certificate an organisation CA issued for a user's key (from `vigil ca csr USER`).
 * The role stays the users table's; the old certificate stays valid for what it already signed.
 */
export async function installUserCertificate(
  ws: Workspace,
  name: string,
  text: string,
  actor: string,
): Promise<Installed> {
  const row = await ws.db.read((c) => userByName(c, name));
  if (row === null) throw new AppError('user.not-found', `no user named ${name}`);
  const checked = checkIssuedCertificate(text, row.publicKeyPem, await listOrgCas(ws.paths), ws.clock());
  await keepOld(ws, row.certificatePem);
  await ws.record(async (tx, audit) => {
    await updateUser(tx, row.id, {
      role: row.role,
      displayName: row.displayName,
      disabled: row.disabled,
      certificatePem: checked.pem,
    });
    await audit({
      actor,
      action: 'ca.certificate-installed',
      subject: `user:${name}`,
      details: {
        certificateSha256: checked.sha256,
        previousCertificateSha256: sha256Of(row.certificatePem),
        issuerSha256: checked.root.sha256,
        intermediates: checked.intermediatesPem.length,
      },
    });
  });
  return { subject: `user:${name}`, certificateSha256: checked.sha256, issuer: checked.root.subject };
}

/** Installs the organisation CA's certificate for the workstation key (from `vigil ca csr --workstation`). */
export async function installWorkstationCertificate(
  ws: Workspace,
  text: string,
  actor: string,
): Promise<Installed> {
  const checked = checkIssuedCertificate(
    text,
    ws.workstation.publicKeyPem,
    await listOrgCas(ws.paths),
    ws.clock(),
  );
  const previous = ws.workstation.certificatePem;
  await keepOld(ws, previous);
  // Written beside and renamed, so a crash leaves the old certificate or the new one, never half.
  const tmp = `${ws.paths.workstationCert}.${process.pid}.tmp`;
  await writeFile(tmp, checked.pem, { flag: 'wx', mode: 0o644 });
  await rename(tmp, ws.paths.workstationCert);
  await ws.record((_tx, audit) =>
    audit({
      actor,
      action: 'ca.certificate-installed',
      subject: `workstation:${ws.workstation.keyId}`,
      details: {
        certificateSha256: checked.sha256,
        previousCertificateSha256: sha256Of(previous),
        issuerSha256: checked.root.sha256,
        intermediates: checked.intermediatesPem.length,
      },
    }),
  );
  return {
    subject: `workstation:${ws.workstation.keyId}`,
    certificateSha256: checked.sha256,
    issuer: checked.root.subject,
  };
}
