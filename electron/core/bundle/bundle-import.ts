import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleVerifyReport } from '@shared/contract/methods/bundle';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import { sha256Hex } from '../custody/signing';
import { pemBlocks } from '../custody/x509';
import { registerBlob } from '../db/repositories/blobs-repo';
import { insertCapture } from '../db/repositories/captures-repo';
import type { Workspace } from '../workspace';
import { BundleManifest, CAPTURE_SIGNATURE_NAME, NAMES, captureDir, parseSums } from './bundle-format';
import { forEachBundleFile } from './bundle-source';
import { verifyBundle } from './bundle-verify';

export type ImportResult = Readonly<{
  report: BundleVerifyReport;
  imported: boolean;
  resources: number;
  captures: number;
  decisions: number;
}>;

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Imports a court bundle as read-only evidence: it is verified first and refused, with nothing in
 * the data dir changed, when any check fails. Evidence files are streamed into the blob store and
 * re-hashed against the verified SHA256SUMS (a bundle changed between check and import aborts);
 * resources, captures (with `origin` = the exporting workstation key) and decisions that are already
 * here are left alone, so importing the same bundle twice adds nothing.
 */
export async function importBundle(ws: Workspace, path: string, actor: string): Promise<ImportResult> {
  const report = await verifyBundle(path);
  if (!report.ok) return { report, imported: false, resources: 0, captures: 0, decisions: 0 };

  const small = new Map<string, Buffer>();
  const stored = new Map<string, { sha256: string; bytes: number }>();
  const isStructure = (name: string) =>
    name === NAMES.manifest ||
    name === NAMES.sums ||
    name === NAMES.custody ||
    name.startsWith('keys/') ||
    name.startsWith('decisions/') ||
    name.endsWith(`/${CAPTURE_SIGNATURE_NAME}`);
  const problems = await forEachBundleFile(path, async (name, _bytes, stream) => {
    if (name.startsWith('captures/') && !name.endsWith(`/${CAPTURE_SIGNATURE_NAME}`)) {
      const blob = await ws.blobs.put(stream);
      stored.set(name, { sha256: blob.sha256, bytes: blob.bytes });
    } else if (isStructure(name)) {
      small.set(name, await collect(stream));
    } else {
      for await (const chunk of stream) void chunk;
    }
  });
  const sumsBytes = small.get(NAMES.sums);
  const manifestBytes = small.get(NAMES.manifest);
  if (problems.length > 0 || sumsBytes === undefined || manifestBytes === undefined) {
    throw new AppError('bundle.verification-failed', `the bundle could not be read again for import`, {
      problems: problems.map((p) => `${p.name ?? '-'}: ${p.message}`),
    });
  }
  const sums = parseSums(sumsBytes.toString('utf8')).entries;
  for (const [name, blob] of stored) {
    if (sums.get(name) !== blob.sha256)
      throw new AppError('evidence.integrity-mismatch', `${name} changed after the bundle was verified`, {
        file: name,
      });
  }
  for (const [name, data] of small) {
    if (name !== NAMES.sums && sums.get(name) !== sha256Hex(data))
      throw new AppError('evidence.integrity-mismatch', `${name} changed after the bundle was verified`, {
        file: name,
      });
  }
  const manifest = BundleManifest.parse(JSON.parse(manifestBytes.toString('utf8')));
  const origin = manifest.workstation.keyId;
  const at = ws.clock().toISOString();
  const extraBlobs = [manifestBytes, small.get(NAMES.custody) ?? Buffer.alloc(0)];
  const kept = await Promise.all(extraBlobs.map((b) => ws.blobs.put(b)));

  const counts = await ws.record(async (tx, audit) => {
    let resources = 0;
    let captures = 0;
    let decisions = 0;
    for (const blob of kept) await registerBlob(tx, blob, at);
    let caseId: string | null = null;
    if (manifest.case !== null) {
      caseId =
        (await tx.get<{ id: string }>('SELECT id FROM cases WHERE ref = ?', [manifest.case.ref]))?.id ?? null;
      if (caseId === null) {
        caseId = ws.ids('CaseId');
        await tx.run(
          'INSERT INTO cases (id, ref, title, language, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
          [caseId, manifest.case.ref, manifest.case.title, manifest.case.language, at, actor],
        );
        await audit({
          actor,
          action: 'case.created',
          subject: `case:${caseId}`,
          details: { ref: manifest.case.ref, via: 'import', origin },
        });
      }
    }
    // A resource already here under another id (same URL) keeps its local id; imported rows point to it.
    const localId = new Map<string, string>();
    for (const r of manifest.resources) {
      const byId = await tx.get<{ id: string }>('SELECT id FROM resources WHERE id = ?', [r.id]);
      const byUrl = byId ?? (await tx.get<{ id: string }>('SELECT id FROM resources WHERE url = ?', [r.url]));
      if (byUrl) {
        localId.set(r.id, byUrl.id);
        continue;
      }
      const caseOf = r.caseRef !== null && r.caseRef === manifest.case?.ref ? caseId : null;
      await tx.run(
        `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, '[]', 0, ?, ?)`,
        [r.id, caseOf, r.url, r.displayUrl, r.host, r.state, at, at],
      );
      localId.set(r.id, r.id);
      resources += 1;
      await audit({
        actor,
        action: 'resource.imported',
        subject: `resource:${r.id}`,
        details: { url: r.url, state: r.state, origin },
      });
    }
    for (const record of manifest.captures) {
      if (await tx.get('SELECT id FROM captures WHERE id = ?', [record.id])) continue;
      const resourceId = localId.get(record.resourceId) ?? record.resourceId;
      const dir = captureDir(record.id);
      for (const a of record.artifacts) {
        const blob = stored.get(`${dir}/${a.name}`);
        if (blob === undefined || blob.sha256 !== a.sha256)
          throw new AppError('bundle.invalid', `${dir}/${a.name} is not in the bundle as its record says`);
        await registerBlob(tx, blob, at);
      }
      const local: CaptureRecord = {
        ...record,
        resourceId: resourceId as CaptureRecord['resourceId'],
        origin: { workstationKeyId: origin, importedAt: at },
      };
      await insertCapture(tx, local, at, origin);
      await tx.run(
        'UPDATE resources SET capture_count = capture_count + 1, last_captured_at = max(coalesce(last_captured_at, ?), ?) WHERE id = ?',
        [record.finishedAt, record.finishedAt, resourceId],
      );
      captures += 1;
      await audit({
        actor,
        action: 'capture.imported',
        subject: `capture:${record.id}`,
        details: {
          resourceId,
          manifestSha256: record.manifestSha256,
          origin,
          signedBy: record.signature.keyId,
        },
      });
    }
    for (const d of manifest.decisions) {
      if (await tx.get('SELECT id FROM decisions WHERE id = ?', [d.id])) continue;
      const raw = small.get(d.file);
      if (raw === undefined) throw new AppError('bundle.invalid', `${d.file} is missing`);
      const record = DecisionRecord.parse(JSON.parse(raw.toString('utf8')));
      const resourceId = localId.get(record.resourceId) ?? record.resourceId;
      const supersedes =
        record.supersedes !== null &&
        (await tx.get('SELECT id FROM decisions WHERE id = ?', [record.supersedes]))
          ? record.supersedes
          : null;
      await tx.run(
        'INSERT INTO decisions (id, resource_id, reviewer, decision, signed_at, supersedes, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [
          record.id,
          resourceId,
          record.reviewer.name,
          record.fields.decision,
          record.signedAt,
          supersedes,
          raw.toString('utf8'),
        ],
      );
      decisions += 1;
      await audit({
        actor,
        action: 'decision.imported',
        subject: `decision:${record.id}`,
        details: { resourceId, reviewer: record.reviewer.name, decision: record.fields.decision, origin },
      });
    }
    await audit({
      actor,
      action: 'bundle.imported',
      subject: `bundle:${sha256Hex(sumsBytes)}`,
      details: {
        path,
        origin,
        exportedAt: manifest.exportedAt,
        resources,
        captures,
        decisions,
        manifestSha256: kept[0]?.sha256 ?? null,
        custodySha256: kept[1]?.sha256 ?? null,
      },
    });
    return { resources, captures, decisions };
  });

  // Keys of the exporting workstation and of reviewers, so a re-export of this evidence carries them.
  const importedKeys = join(ws.paths.keys, 'imported');
  const keep = async (file: string, data: Buffer | undefined) => {
    if (data === undefined || existsSync(file)) return;
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, data, { flag: 'wx', mode: 0o644 });
  };
  if (origin !== ws.workstation.keyId) {
    await keep(join(importedKeys, `${origin}.pub.pem`), small.get(NAMES.workstationPub));
    await keep(join(importedKeys, `${origin}.crt.pem`), small.get(NAMES.workstationCert));
  }
  for (const [name, data] of small) {
    const m = /^keys\/workstations\/([0-9a-f]{64})\.pub\.pem$/.exec(name);
    if (m?.[1] !== undefined && m[1] !== ws.workstation.keyId)
      await keep(join(importedKeys, `${m[1]}.pub.pem`), data);
  }
  const caPems = [...small.entries()].filter(
    ([n]) => n === NAMES.caCert || /^keys\/ca-[0-9a-f]{64}\.pem$/.test(n),
  );
  for (const [, pem] of caPems) {
    const der = pemBlocks(pem.toString('utf8'))[0]?.der;
    if (der === undefined) continue;
    const fp = new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase();
    if (pem.toString('utf8') !== ws.ca.certPem) await keep(join(importedKeys, 'ca', `${fp}.pem`), pem);
  }
  for (const u of manifest.users) {
    const cert = small.get(u.certificate);
    const der = cert === undefined ? undefined : pemBlocks(cert.toString('utf8'))[0]?.der;
    if (der === undefined) continue;
    const fp = new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase();
    if (fp === u.certificateSha256)
      await keep(join(importedKeys, 'users', `${u.certificateSha256}.crt.pem`), cert);
  }
  for (const r of manifest.resources) ws.events.emit('resource.changed', { resourceId: r.id });
  return { report, imported: true, ...counts };
}
