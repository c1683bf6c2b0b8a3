import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRow } from '@shared/contract/methods/custody';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import type { Language, ResourceState } from '@shared/domain/resources';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { APP_NAME, APP_VERSION } from '../app-info';
import { canonicalJson } from '../custody/canonical-json';
import { keyIdOf, sha256Hex } from '../custody/signing';
import { inspectTimestampToken, requestTimestamp, timestampResponseFromToken } from '../custody/tsa-client';
import { pemBlocks, derToPem } from '../custody/x509';
import type { ReadConn } from '../db/database';
import { listCaptures } from '../db/repositories/captures-repo';
import type { Workspace } from '../workspace';
import {
  BUNDLE_FORMAT,
  CAPTURE_SIGNATURE_NAME,
  NAMES,
  captureDir,
  decisionFile,
  dsaFile,
  foreignWorkstationKey,
  formatSums,
  packetFile,
  userCertFile,
  userKeyFile,
  type BundleFile,
  type BundleManifest,
} from './bundle-format';
import { readmeText } from './bundle-readme';
import { signDeterministic } from './deterministic-ecdsa';
import { compareNames, writeTree, writeZip, type BundleEntry } from './zip-writer';

export type BundleSelection = Readonly<{ caseRef?: string; resourceIds?: readonly string[] }>;

/**
 * Optional parts produced by other areas (the review packet, the DSA form of a decision). A bundle
 * without them is still complete and verifiable; with them, their files are listed and signed too.
 */
export type BundleExtras = Readonly<{
  /** The DSA statement of a decision; undefined when it has none (only approvals do). */
  dsaOf?: (record: DecisionRecord, captures: readonly CaptureRecord[]) => unknown;
  /** The stored packet PDF of a resource (a blob), or null when none was rendered. */
  packetOf?: (resourceId: string) => Promise<Readonly<{ sha256: string; bytes: number }> | null>;
}>;

export type ExportOptions = Readonly<{
  selection: BundleSelection;
  outPath: string;
  asDirectory: boolean;
  actor: string;
  /** The TSA that time-stamps SHA256SUMS; null leaves the bundle without SHA256SUMS.tsr. */
  tsaUrl: string | null;
  tsaTimeoutMs?: number;
  extras?: BundleExtras;
}>;

export type ExportResult = Readonly<{ path: string; sha256: string | null; files: number; bytes: number }>;

type ResourceRow = {
  id: string;
  url: string;
  display_url: string;
  host: string;
  state: ResourceState;
  case_id: string | null;
};
type CaseRow = { id: string; ref: string; title: string; language: Language };
type AuditDbRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
};

type Gathered = {
  caseRow: CaseRow | null;
  resources: (ResourceRow & { caseRef: string | null })[];
  captures: CaptureRecord[];
  decisions: DecisionRecord[];
  custody: AuditRow[];
  users: { name: string; certificatePem: string; publicKeyPem: string }[];
};

const IN_BATCH = 500;

async function inBatches<T>(
  values: readonly string[],
  fn: (batch: string[], marks: string) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += IN_BATCH) {
    const batch = values.slice(i, i + IN_BATCH);
    out.push(...(await fn(batch, batch.map(() => '?').join(','))));
  }
  return out;
}

async function gather(ws: Workspace, conn: ReadConn, selection: BundleSelection): Promise<Gathered> {
  let caseRow: CaseRow | null = null;
  let resources: ResourceRow[];
  if (selection.caseRef !== undefined) {
    caseRow =
      (await conn.get<CaseRow>('SELECT id, ref, title, language FROM cases WHERE ref = ?', [
        selection.caseRef,
      ])) ?? null;
    if (caseRow === null) throw new AppError('evidence.not-found', `no case ${selection.caseRef}`);
    resources = await conn.all<ResourceRow>(
      'SELECT id, url, display_url, host, state, case_id FROM resources WHERE case_id = ? ORDER BY id',
      [caseRow.id],
    );
  } else {
    const ids = [...new Set(selection.resourceIds ?? [])].sort();
    resources = await inBatches(ids, (batch, marks) =>
      conn.all<ResourceRow>(
        `SELECT id, url, display_url, host, state, case_id FROM resources WHERE id IN (${marks}) ORDER BY id`,
        batch,
      ),
    );
    const found = new Set(resources.map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new AppError('evidence.not-found', `no resource ${missing.join(', ')}`);
    const caseIds = new Set(resources.map((r) => r.case_id));
    const only = [...caseIds][0];
    if (caseIds.size === 1 && typeof only === 'string') {
      caseRow =
        (await conn.get<CaseRow>('SELECT id, ref, title, language FROM cases WHERE id = ?', [only])) ?? null;
    }
  }
  if (resources.length === 0)
    throw new AppError('input.invalid', 'the selection names no resource to export');
  resources.sort((a, b) => compareNames(a.id, b.id));

  const caseRefs = new Map<string, string>();
  for (const id of new Set(resources.map((r) => r.case_id))) {
    if (id === null) continue;
    const row = await conn.get<{ ref: string }>('SELECT ref FROM cases WHERE id = ?', [id]);
    if (row) caseRefs.set(id, row.ref);
  }

  const captures: CaptureRecord[] = [];
  const decisions: DecisionRecord[] = [];
  for (const r of resources) {
    captures.push(...(await listCaptures(conn, r.id, ws.blobs.pathOf)));
    const rows = await conn.all<{ record: string }>(
      'SELECT record FROM decisions WHERE resource_id = ? ORDER BY signed_at, id',
      [r.id],
    );
    for (const row of rows) decisions.push(DecisionRecord.parse(JSON.parse(row.record)));
  }

  const subjects = [
    ...(caseRow ? [`case:${caseRow.id}`] : []),
    ...resources.map((r) => `resource:${r.id}`),
    ...captures.map((c) => `capture:${c.id}`),
    ...decisions.map((d) => `decision:${d.id}`),
  ];
  const custody = (
    await inBatches(subjects, (batch, marks) =>
      conn.all<AuditDbRow>(
        `SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit WHERE subject IN (${marks})`,
        batch,
      ),
    )
  )
    .sort((a, b) => a.seq - b.seq)
    .map((r): AuditRow => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      details: JSON.parse(r.details) as unknown,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));

  // Everyone whose signature or work is in the bundle: reviewers and capture operators with an account.
  const names = [
    ...new Set([...decisions.map((d) => d.reviewer.name), ...captures.map((c) => c.context.operator)]),
  ];
  const users = await inBatches(names, (batch, marks) =>
    conn.all<{ name: string; certificatePem: string; publicKeyPem: string }>(
      `SELECT name, certificate_pem AS certificatePem, public_key_pem AS publicKeyPem FROM users WHERE name IN (${marks})`,
      batch,
    ),
  );
  return {
    caseRow,
    resources: resources.map((r) => ({
      ...r,
      caseRef: r.case_id ? (caseRefs.get(r.case_id) ?? null) : null,
    })),
    captures,
    decisions,
    custody,
    users,
  };
}

const fingerprint = (pem: string): string =>
  new X509Certificate(pemBlocks(pem)[0]?.der ?? Buffer.alloc(0)).fingerprint256
    .replace(/:/g, '')
    .toLowerCase();

/** The TSA certificates carried by tokens: self-signed roots to tsa/ca.pem, the rest to tsa/tsa.pem. */
function tsaFiles(certsPem: Iterable<string>): { ca: string; chain: string } {
  const roots = new Map<string, string>();
  const others = new Map<string, string>();
  for (const pem of certsPem) {
    const cert = new X509Certificate(pemBlocks(pem)[0]?.der ?? Buffer.alloc(0));
    const normalized = derToPem('CERTIFICATE', cert.raw);
    const fp = fingerprint(normalized);
    const selfSigned = cert.subject === cert.issuer && cert.verify(cert.publicKey);
    (selfSigned ? roots : others).set(fp, normalized);
  }
  const join = (m: Map<string, string>) =>
    [...m.entries()]
      .sort(([a], [b]) => compareNames(a, b))
      .map(([, pem]) => pem)
      .join('');
  return { ca: join(roots), chain: join(others) };
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const json = (v: unknown): Buffer => text(`${JSON.stringify(v, null, 2)}\n`);

type Planned = { path: string; bytes: number; sha256: string; open: BundleEntry['open'] };

const fromBuffer = (path: string, data: Buffer): Planned => ({
  path,
  bytes: data.length,
  sha256: sha256Hex(data),
  open: () => data,
});

/**
 * Exports the selection as a court bundle (DESIGN §8). Everything small is prepared in memory; the
 * evidence files stream from the blob store into the ZIP (or folder) and are re-hashed on the way, so a
 * blob altered on disk aborts the export instead of being shipped under its old hash.
 */
export async function exportBundle(ws: Workspace, opts: ExportOptions): Promise<ExportResult> {
  const exportedAt = ws.clock();
  const at = exportedAt.toISOString();
  const g = await ws.db.read((c) => gather(ws, c, opts.selection));
  const planned: Planned[] = [];
  const tokenCerts: string[] = [];
  const foreignKeys = new Map<string, string>();

  const bundleCaptures: CaptureRecord[] = [];
  for (const capture of g.captures) {
    const dir = captureDir(capture.id);
    for (const a of capture.artifacts) {
      planned.push({
        path: `${dir}/${a.name}`,
        bytes: a.bytes,
        sha256: a.sha256,
        open: () => ws.blobs.open(a.sha256),
      });
      if (a.kind === 'timestamp-token') {
        const token = await readFile(ws.blobs.pathOf(a.sha256));
        tokenCerts.push(...inspectTimestampToken(token).certificatesPem);
      }
    }
    planned.push(
      fromBuffer(`${dir}/${CAPTURE_SIGNATURE_NAME}`, Buffer.from(capture.signature.value, 'base64')),
    );
    if (capture.signature.keyId !== ws.workstation.keyId && !foreignKeys.has(capture.signature.keyId)) {
      // An imported capture keeps its original signature; its workstation key came with the import.
      const stored = join(ws.paths.keys, 'imported', `${capture.signature.keyId}.pub.pem`);
      if (!existsSync(stored))
        throw new AppError(
          'custody.key-missing',
          `capture ${capture.id} was signed by workstation key ${capture.signature.keyId}, which this data dir does not hold`,
        );
      foreignKeys.set(capture.signature.keyId, await readFile(stored, 'utf8'));
    }
    bundleCaptures.push({
      ...capture,
      artifacts: capture.artifacts.map((a) => ({ ...a, path: `${dir}/${a.name}` })),
    });
  }
  for (const [keyId, pem] of foreignKeys) planned.push(fromBuffer(foreignWorkstationKey(keyId), text(pem)));

  const decisionsMeta: BundleManifest['decisions'] = [];
  for (const d of g.decisions) {
    planned.push(fromBuffer(decisionFile(d.id), json(d)));
    const dsa = opts.extras?.dsaOf?.(d, g.captures);
    if (dsa !== undefined) planned.push(fromBuffer(dsaFile(d.id), json(dsa)));
    decisionsMeta.push({
      id: d.id,
      resourceId: d.resourceId,
      decision: d.fields.decision,
      reviewer: d.reviewer.name,
      signedAt: d.signedAt,
      file: decisionFile(d.id),
      dsa: dsa === undefined ? null : dsaFile(d.id),
    });
  }

  // Reviewer certificates: from the users table, else kept from an earlier import.
  const usersMeta: BundleManifest['users'] = [];
  const userPems = new Map(g.users.map((u) => [fingerprint(u.certificatePem), u]));
  for (const d of g.decisions) {
    if (userPems.has(d.reviewer.certificateSha256)) continue;
    const stored = join(ws.paths.keys, 'imported', 'users', `${d.reviewer.certificateSha256}.crt.pem`);
    if (!existsSync(stored))
      throw new AppError(
        'custody.key-missing',
        `no certificate of reviewer ${d.reviewer.name} for decision ${d.id}`,
      );
    const certificatePem = await readFile(stored, 'utf8');
    const publicKeyPem = createPublicKey(certificatePem).export({ type: 'spki', format: 'pem' }).toString();
    userPems.set(d.reviewer.certificateSha256, { name: d.reviewer.name, certificatePem, publicKeyPem });
  }
  for (const [certificateSha256, u] of [...userPems.entries()].sort(([a], [b]) => compareNames(a, b))) {
    planned.push(fromBuffer(userCertFile(certificateSha256), text(u.certificatePem)));
    planned.push(fromBuffer(userKeyFile(certificateSha256), text(u.publicKeyPem)));
    usersMeta.push({
      name: u.name,
      certificateSha256,
      keyId: keyIdOf(u.publicKeyPem),
      certificate: userCertFile(certificateSha256),
      publicKey: userKeyFile(certificateSha256),
    });
  }

  const packetsMeta: BundleManifest['packets'] = [];
  if (opts.extras?.packetOf !== undefined) {
    for (const r of g.resources) {
      const packet = await opts.extras.packetOf(r.id);
      if (packet === null) continue;
      planned.push({
        path: packetFile(r.id),
        bytes: packet.bytes,
        sha256: packet.sha256,
        open: () => ws.blobs.open(packet.sha256),
      });
      packetsMeta.push({ resourceId: r.id, file: packetFile(r.id) });
    }
  }

  const custody = text(g.custody.map((row) => `${canonicalJson(row)}\n`).join(''));
  planned.push(fromBuffer(NAMES.custody, custody));
  planned.push(fromBuffer(NAMES.workstationPub, text(ws.workstation.publicKeyPem)));
  planned.push(fromBuffer(NAMES.workstationCert, text(ws.workstation.certificatePem)));
  planned.push(fromBuffer(NAMES.caCert, text(ws.ca.certPem)));
  // CAs of workstations whose evidence was imported here, so their reviewers' certificates chain.
  const importedCas = join(ws.paths.keys, 'imported', 'ca');
  if (existsSync(importedCas)) {
    for (const name of (await readdir(importedCas)).sort()) {
      const m = /^([0-9a-f]{64})\.pem$/.exec(name);
      if (m?.[1] !== undefined)
        planned.push(fromBuffer(`keys/ca-${m[1]}.pem`, await readFile(join(importedCas, name))));
    }
  }

  const language = g.caseRow?.language ?? 'en';
  const tsaUrl = opts.tsaUrl;
  const certPool = new Set(tokenCerts);

  // SHA256SUMS covers tsa/*.pem, yet the chain of the token over SHA256SUMS is known only once it is
  // granted: when that TSA's certificates are new, they are added and SHA256SUMS is stamped again.
  for (let round = 0; ; round += 1) {
    const files = [...planned];
    const tsa = tsaFiles(certPool);
    if (tsa.ca !== '') files.push(fromBuffer(NAMES.tsaCa, text(tsa.ca)));
    if (tsa.chain !== '') files.push(fromBuffer(NAMES.tsaChain, text(tsa.chain)));
    const readme = readmeText(
      {
        exportedAt: at,
        caseRef: g.caseRow?.ref ?? null,
        resources: g.resources.length,
        captures: g.captures.length,
        decisions: g.decisions.length,
        packets: packetsMeta.length > 0,
        timestamped: tsaUrl !== null,
        tsaFiles: tsa.ca !== '' || tsa.chain !== '',
        workstationKeyId: ws.workstation.keyId,
        app: `${APP_NAME} ${APP_VERSION}`,
      },
      language,
    );
    files.push(fromBuffer(NAMES.readme, text(readme)));
    files.sort((a, b) => compareNames(a.path, b.path));
    const listed: BundleFile[] = files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes }));
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      tool: { name: APP_NAME, version: APP_VERSION },
      exportedAt: at,
      workstation: { name: ws.workstationName, keyId: ws.workstation.keyId },
      case: g.caseRow ? { ref: g.caseRow.ref, title: g.caseRow.title, language: g.caseRow.language } : null,
      resources: g.resources.map((r) => ({
        id: r.id,
        url: r.url,
        displayUrl: r.display_url,
        host: r.host,
        state: r.state,
        caseRef: r.caseRef,
      })),
      captures: bundleCaptures,
      decisions: decisionsMeta,
      packets: packetsMeta,
      users: usersMeta,
      custody: { file: NAMES.custody, rows: g.custody.length },
      timestamp: tsaUrl === null ? null : { tsa: tsaUrl },
      files: listed,
    };
    const manifestFile = fromBuffer(NAMES.manifest, json(manifest));
    const all = [...files, manifestFile].sort((a, b) => compareNames(a.path, b.path));
    const sums = text(formatSums(all.map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes }))));
    const signature = signDeterministic(ws.workstation.privateKey, sums);
    const entries: Planned[] = [...all, fromBuffer(NAMES.sums, sums), fromBuffer(NAMES.sumsSig, signature)];
    if (tsaUrl !== null) {
      const grant = await requestTimestamp({
        url: tsaUrl,
        sha256: Buffer.from(sha256Hex(sums), 'hex'),
        timeoutMs: opts.tsaTimeoutMs ?? 15_000,
      }).catch((error: unknown) => {
        throw new AppError(
          'tsa.unreachable',
          `the time-stamp authority did not stamp the bundle (${errorMessage(error)}); export again, or without a TSA`,
        );
      });
      const before = certPool.size;
      for (const pem of grant.certificatesPem) certPool.add(pem);
      const known = tsaFiles(certPool);
      const unchanged = known.ca === tsa.ca && known.chain === tsa.chain;
      if (!unchanged && round === 0 && certPool.size !== before) continue;
      entries.push(fromBuffer(NAMES.sumsTsr, timestampResponseFromToken(grant.token)));
    }
    const bundleEntries: BundleEntry[] = entries.map((e) => ({
      name: e.path,
      bytes: e.bytes,
      sha256: e.sha256,
      open: e.open,
    }));
    let result;
    try {
      result = opts.asDirectory
        ? await writeTree(opts.outPath, bundleEntries, exportedAt)
        : await writeZip(opts.outPath, bundleEntries, exportedAt);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('bundle.write-failed', `cannot write ${opts.outPath}: ${(error as Error).message}`);
    }
    await ws.record((_tx, audit) =>
      audit({
        actor: opts.actor,
        action: 'bundle.exported',
        subject: `bundle:${result.sha256 ?? sha256Hex(sums)}`,
        details: {
          path: opts.outPath,
          format: opts.asDirectory ? 'directory' : 'zip',
          sha256: result.sha256,
          sumsSha256: sha256Hex(sums),
          files: result.files,
          bytes: result.bytes,
          caseRef: g.caseRow?.ref ?? null,
          resources: g.resources.map((r) => r.id),
          captures: g.captures.map((c) => c.id),
          decisions: g.decisions.map((d) => d.id),
          timestamped: tsaUrl !== null,
        },
      }),
    );
    return { path: opts.outPath, sha256: result.sha256, files: result.files, bytes: result.bytes };
  }
}
