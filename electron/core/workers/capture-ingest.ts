import type { CaptureRecord } from '@shared/domain/capture-record';
import { nextState } from '@shared/domain/workflow';
import { AppError } from '@shared/errors/app-error';
import { flagOnListMatch } from '../capture/capture-media-policy';
import { manifestDisagreements } from '../capture/manifest-agreement';
import { verifyEs256 } from '../custody/signing';
import { registerBlob } from '../db/repositories/blobs-repo';
import { indexCaptureText, insertCapture } from '../db/repositories/captures-repo';
import { getResourceRef, noteCapture, setResourceState } from '../db/repositories/resources-repo';
import { suspectedCsamOf } from '../review/suspected-csam-flag';
import type { WorkerRow } from '../db/repositories/workers-repo';
import type { Workspace } from '../workspace';
import { workerActor } from './worker-registry';

/**
 * A sealed capture uploaded by a worker becomes evidence on the server only if every check holds:
 * the manifest is signed by the worker's certified key, names this capture, this resource and this
 * worker, and every artifact is in the store with the hash and size the manifest gives. Then the
 * same rows and custody events as a local capture commit in one transaction; a refusal stores no row.
 */

export type IngestInput = Readonly<{
  worker: WorkerRow;
  resourceId: string;
  jobId: string;
  record: CaptureRecord;
}>;

const refused = (why: string): AppError =>
  new AppError('custody.signature-invalid', `capture refused: ${why}`);

async function readBlob(ws: Workspace, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ws.blobs.open(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The manifest's bytes, checked against the record and the worker's key. */
async function checkedManifest(ws: Workspace, input: IngestInput): Promise<Record<string, unknown>> {
  const { record, worker } = input;
  if (!(await ws.blobs.has(record.manifestSha256))) throw refused('the manifest was not uploaded');
  const bytes = await readBlob(ws, record.manifestSha256);
  const disagree = manifestDisagreements(record, bytes);
  if (disagree.length > 0) throw refused(`the record disagrees with its manifest (${disagree.join(', ')})`);
  if (record.signature.keyId !== worker.keyId)
    throw refused(`the manifest is not signed by worker ${worker.name}`);
  if (!verifyEs256(worker.publicKeyPem, bytes, Buffer.from(record.signature.value, 'base64')))
    throw refused(`the manifest signature does not verify with worker ${worker.name}'s key`);
  const manifest = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const named = manifest.workstation as { keyId?: unknown } | undefined;
  const context = manifest.context as { operator?: unknown } | undefined;
  if (named?.keyId !== worker.keyId || context?.operator !== workerActor(worker.name))
    throw refused(`the manifest does not name worker ${worker.name}`);
  if (record.resourceId !== input.resourceId) throw refused(`the job was for resource ${input.resourceId}`);
  return manifest;
}

/** Every signed artifact is held with the hash and size the manifest states, and in the record. */
async function checkArtifacts(ws: Workspace, record: CaptureRecord, manifest: Record<string, unknown>) {
  const signed = (manifest.artifacts ?? []) as { name: string; sha256: string; bytes: number }[];
  const byName = new Map(record.artifacts.map((a) => [a.name, a]));
  for (const s of signed) {
    const held = byName.get(s.name);
    if (held === undefined || held.sha256 !== s.sha256 || held.bytes !== s.bytes)
      throw refused(`artifact ${s.name} differs from the signed manifest`);
  }
  // Re-hashed here, not trusted from the upload: the hash and size of each stored blob are what count.
  for (const a of record.artifacts) {
    const problem = await ws.blobs.check(a.sha256, a.bytes);
    if (problem !== null)
      throw refused(
        `artifact ${a.name} is ${problem.problem === 'missing' ? 'not uploaded' : `stored with another ${problem.problem}`}`,
      );
  }
}

async function pageText(ws: Workspace, record: CaptureRecord): Promise<string> {
  const text = record.artifacts.find((a) => a.kind === 'text');
  return text === undefined ? '' : (await readBlob(ws, text.sha256)).toString('utf8');
}

/** Checks, then records the capture as a local capture would be, with the worker as its actor. */
export async function ingestWorkerCapture(ws: Workspace, input: IngestInput): Promise<CaptureRecord> {
  const manifest = await checkedManifest(ws, input);
  await checkArtifacts(ws, input.record, manifest);
  // A worker cannot claim a grant the server does not hold: the capture is pending until the
  // server's own TSA stamps it (right after this, or by the time keeper).
  const record: CaptureRecord = {
    ...input.record,
    artifacts: input.record.artifacts
      .filter((a) => a.kind !== 'timestamp-token')
      .map((a) => ({ ...a, path: '' })),
    timestamp: { status: 'pending' },
  };
  const text = await pageText(ws, record);
  const actor = workerActor(input.worker.name);
  const at = ws.clock().toISOString();
  await ws.record(async (tx, audit) => {
    const ref = await getResourceRef(tx, record.resourceId);
    if (ref === null) throw new AppError('evidence.not-found', `no resource ${record.resourceId}`);
    // Checked in the transaction that records it: a flag raised at any moment before is seen.
    if (record.restricted !== true && (await suspectedCsamOf(tx, ref.id)).flagged)
      throw new AppError(
        'auth.forbidden',
        `capture refused: resource ${ref.id} is flagged suspected_csam and this capture is not restricted; the job is captured again restricted`,
      );
    for (const a of record.artifacts) await registerBlob(tx, a, at);
    await insertCapture(tx, record, at, actor);
    await noteCapture(tx, ref.id, at, record.page.title || null);
    if (text !== '' || record.page.title !== '')
      await indexCaptureText(tx, ref.id, record.id, record.page.title, text);
    await audit({
      actor,
      action: 'capture.sealed',
      subject: `capture:${record.id}`,
      details: {
        resourceId: ref.id,
        outcome: record.outcome,
        error: record.error ?? null,
        manifestSha256: record.manifestSha256,
        artifacts: record.artifacts.length,
        timestamp: record.timestamp.status,
        warnings: record.warnings.map((w) => w.code),
        worker: input.worker.name,
        workerKeyId: input.worker.keyId,
        jobId: input.jobId,
      },
    });
    await flagOnListMatch(tx, audit, { resourceId: ref.id, captureId: record.id, record, at });
    const action = record.outcome === 'failed' ? 'capture_failed' : 'capture_succeeded';
    const to = nextState(ref.state, action, 'investigator');
    if (to !== null && to !== ref.state) {
      await setResourceState(tx, ref.id, to, at);
      await audit({
        actor,
        action: 'resource.state-changed',
        subject: `resource:${ref.id}`,
        details: { from: ref.state, to, because: action, captureId: record.id },
      });
    }
  });
  return record;
}
