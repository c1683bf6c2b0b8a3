import type { CaptureRecord } from '@shared/domain/capture-record';
import {
  DecisionInput,
  DecisionRecord,
  validateDecisionFields,
  type DecisionFields,
  type DecisionKind,
  type LegalBasis,
} from '@shared/domain/decision';
import { ResourceId } from '@shared/domain/ids';
import type { ResourceSummary } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import {
  AWAITING_REVIEW,
  isSelfApproval,
  nextState,
  WORKFLOW,
  type WorkflowAction,
} from '@shared/domain/workflow';
import { AppError } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import { keyIdOf, sha256Hex, signEs256, verifyEs256 } from '../custody/signing';
import type { ReadConn } from '../db/database';
import { getCapture, listCaptures } from '../db/repositories/captures-repo';
import { getDecision, insertDecision, latestDecision } from '../db/repositories/decisions-repo';
import { getLatestBasis } from '../db/repositories/legal-bases-repo';
import {
  getResourceSummary,
  resourceIdsInStates,
  getResourceRef,
  setResourceState,
} from '../db/repositories/resources-repo';
import type { SettingsService } from '../settings/settings-service';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import type { LegalBasisCatalogue } from './legal-basis-catalogue';
import { refuseOwnSignedCaptures } from './signed-own-capture';

export const DECISION_ACTION: Readonly<Record<DecisionKind, WorkflowAction>> = {
  approve: 'approve',
  reject: 'reject',
  needs_recapture: 'request_recapture',
};

/** The exact bytes the reviewer's ES256 signature covers: canonical JSON of the record without `signature`. */
export function decisionSigningBytes(record: Omit<DecisionRecord, 'signature'> | DecisionRecord): Buffer {
  const { signature: _signature, ...signed } = record as DecisionRecord;
  return Buffer.from(canonicalJson(signed), 'utf8');
}

/** Checks a decision record's signature against the reviewer's public key (PEM). */
export function verifyDecisionRecord(record: DecisionRecord, publicKeyPem: string): boolean {
  return (
    record.signature.keyId === keyIdOf(publicKeyPem) &&
    verifyEs256(publicKeyPem, decisionSigningBytes(record), Buffer.from(record.signature.value, 'base64'))
  );
}

export type DecisionService = Readonly<{
  /**
   * Checks, signs and stores a decision by `reviewer` (who must type their password to unlock the key).
   * Nothing is written unless every check passes and the signature is made.
   */
  decide: (
    resourceId: string,
    /** The decision input of DESIGN §6 (`DecisionInput`); parsed here, so a CLI file can be passed as read. */
    input: unknown,
    reviewer: string,
    password: string,
  ) => Promise<DecisionRecord>;
  get: (id: string) => Promise<DecisionRecord>;
  latestFor: (resourceId: string) => Promise<DecisionRecord | null>;
  /** captured → in_review (the investigator hands the evidence to a reviewer). */
  requestReview: (resourceId: string, actor: string, role: Role) => Promise<void>;
  awaitingReview: () => Promise<ResourceSummary[]>;
}>;

export type DecisionServiceDeps = Readonly<{
  ws: Workspace;
  users: UsersService;
  settings: SettingsService;
  catalogue: LegalBasisCatalogue;
}>;

const HOUR_MS = 3_600_000;

/** The captures a decision relies on: as named, or the resource's latest complete capture. */
async function resolveCaptures(
  ws: Workspace,
  c: ReadConn,
  resourceId: string,
  ids: readonly string[] | undefined,
): Promise<CaptureRecord[]> {
  if (ids === undefined || ids.length === 0) {
    const all = await listCaptures(c, resourceId, ws.blobs.pathOf);
    const latest = all.filter((r) => r.outcome === 'complete').at(-1);
    if (latest === undefined)
      throw new AppError(
        'review.no-capture',
        `resource ${resourceId} has no complete capture to decide on; capture it first`,
      );
    return [latest];
  }
  const out: CaptureRecord[] = [];
  for (const id of new Set(ids)) {
    const record = await getCapture(c, id, ws.blobs.pathOf);
    if (record === null) throw new AppError('review.no-capture', `no capture ${id}`, { captureId: id });
    if (record.resourceId !== resourceId)
      throw new AppError('review.no-capture', `capture ${id} belongs to another resource`, {
        captureId: id,
        resourceId: record.resourceId,
      });
    if (record.outcome === 'failed')
      throw new AppError('review.no-capture', `capture ${id} failed and cannot support a decision`, {
        captureId: id,
      });
    out.push(record);
  }
  return out;
}

export function createDecisionService(deps: DecisionServiceDeps): DecisionService {
  const { ws, users, settings, catalogue } = deps;

  /** Every check that needs no key; run before the password is tried, and again inside the transaction. */
  async function check(
    c: ReadConn,
    resourceId: string,
    fields: DecisionFields,
    reviewer: string,
    role: Role,
    reviewerKeyId: string,
  ) {
    const resource = await getResourceRef(c, resourceId);
    if (resource === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    const captures = await resolveCaptures(ws, c, resourceId, fields.captureIds);
    const operators = [...new Set(captures.map((r) => r.context.operator))];
    // Separation of duties comes first: it is the one refusal no other change to the input can cure.
    // By key first: a proven operator's co-signature names the person whatever the recorded name says.
    refuseOwnSignedCaptures(reviewer, reviewerKeyId, captures);
    if (isSelfApproval(reviewer, operators))
      throw new AppError(
        'review.self-approval',
        `${reviewer} captured evidence this decision relies on and cannot sign it; another reviewer must decide`,
        { reviewer, captures: captures.filter((r) => r.context.operator === reviewer).map((r) => r.id) },
      );
    const problems = validateDecisionFields(fields);
    if (problems.length > 0)
      throw new AppError(
        'review.missing-field',
        `the decision is incomplete: ${problems.map((p) => `${p.field} (${p.message})`).join(', ')}`,
        { fields: problems.map((p) => p.field), problems },
      );
    const action = DECISION_ACTION[fields.decision];
    const to = nextState(resource.state, action, role);
    if (to === null)
      throw new AppError(
        'review.invalid-transition',
        `a resource in state ${resource.state} cannot be given the decision ${fields.decision}`,
        { state: resource.state, decision: fields.decision },
      );
    const newest = Math.max(...captures.map((r) => Date.parse(r.finishedAt)));
    const maxAgeHours = (await settings.get()).freshnessHours;
    const ageMs = ws.clock().getTime() - newest;
    if (fields.decision !== 'needs_recapture' && ageMs > maxAgeHours * HOUR_MS)
      throw new AppError(
        'review.stale-capture',
        `the newest capture relied on is ${Math.floor(ageMs / HOUR_MS)} h old (limit ${maxAgeHours} h): re-capture the resource first, or decide needs_recapture`,
        { newestCaptureAt: new Date(newest).toISOString(), freshnessHours: maxAgeHours },
      );
    const bases: LegalBasis[] = [];
    for (const id of new Set(fields.legalBasisIds)) {
      const basis = await getLatestBasis(c, id);
      if (basis === null)
        throw new AppError('review.basis-not-found', `no legal basis ${id} in the catalogue`);
      bases.push(basis);
    }
    return { resource, captures, from: resource.state, to, action, bases };
  }

  async function decide(
    resourceId: string,
    raw: unknown,
    reviewerName: string,
    password: string,
  ): Promise<DecisionRecord> {
    const parsed = DecisionInput.safeParse(raw);
    if (!parsed.success)
      throw new AppError(
        'input.invalid',
        `invalid decision: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
      );
    const { captureIds: _captureIds, ...fields } = parsed.data;
    const reviewer = await users.byName(reviewerName);
    if (reviewer === null || reviewer.disabled)
      throw new AppError('user.not-found', `no active user named ${reviewerName}`);
    const action = DECISION_ACTION[fields.decision];
    if (!WORKFLOW[action].roles.includes(reviewer.role))
      throw new AppError(
        'auth.forbidden',
        `deciding needs the role ${WORKFLOW[action].roles.join(' or ')}; ${reviewer.name} is ${reviewer.role}`,
      );
    await catalogue.ensureLoaded();
    const publicKey = await users.publicIdentity(reviewer.name);
    if (publicKey === null) throw new AppError('user.not-found', `no active user named ${reviewerName}`);
    const keyId = keyIdOf(publicKey.publicKeyPem);
    await ws.db.read((c) => check(c, resourceId, parsed.data, reviewer.name, reviewer.role, keyId));

    // A wrong password throws here: nothing has been signed or written yet.
    const identity = await users.unlockSigningKey(reviewer.name, password);

    const record = await ws.record(async (tx, audit) => {
      // Re-checked under the write lock: the state or the captures may have moved since the first check.
      const checked = await check(tx, resourceId, parsed.data, reviewer.name, reviewer.role, keyId);
      const previous = await latestDecision(tx, resourceId);
      const unsigned: Omit<DecisionRecord, 'signature'> = {
        id: ws.ids('DecisionId'),
        resourceId: ResourceId.parse(resourceId),
        url: checked.resource.url,
        captures: checked.captures.map((r) => ({ id: r.id, manifestSha256: r.manifestSha256 })),
        fields,
        legalBases: checked.bases,
        reviewer: {
          name: identity.user.name,
          displayName: identity.user.displayName,
          certificateSha256: identity.user.certificateSha256,
        },
        signedAt: ws.clock().toISOString(),
        supersedes: previous?.id ?? null,
      };
      const signed: DecisionRecord = {
        ...unsigned,
        signature: {
          alg: 'ES256',
          keyId: keyIdOf(identity.publicKeyPem),
          value: signEs256(identity.privateKey, decisionSigningBytes(unsigned)).toString('base64'),
        },
      };
      // The stored record must re-parse to the same bytes, or a verifier reading it back would fail.
      const reparsed = DecisionRecord.parse(JSON.parse(JSON.stringify(signed)));
      if (canonicalJson(reparsed) !== canonicalJson(signed))
        throw new AppError('internal.unexpected', 'the decision record does not survive a round trip');
      await insertDecision(tx, signed);
      await audit({
        actor: reviewer.name,
        action: 'decision.signed',
        subject: `decision:${signed.id}`,
        details: {
          resourceId,
          decision: fields.decision,
          captures: signed.captures,
          legalBases: signed.legalBases.map((b) => ({ id: b.id, version: b.version })),
          supersedes: signed.supersedes,
          // A revision never edits the earlier record: it is a new signed record that points back at it.
          revision: previous !== null,
          supersededDecision: previous?.fields.decision ?? null,
          recordSha256: sha256Hex(decisionSigningBytes(signed)),
          keyId: signed.signature.keyId,
        },
      });
      if (checked.to !== checked.from) {
        await setResourceState(tx, resourceId, checked.to, signed.signedAt);
        await audit({
          actor: reviewer.name,
          action: 'resource.state-changed',
          subject: `resource:${resourceId}`,
          details: {
            from: checked.from,
            to: checked.to,
            because: checked.action,
            decisionId: signed.id,
            revision: previous !== null,
          },
        });
      }
      return { signed, state: checked.to };
    });
    ws.events.emit('resource.changed', { resourceId, state: record.state });
    return record.signed;
  }

  return {
    decide,
    async get(id) {
      const record = await ws.db.read((c) => getDecision(c, id));
      if (record === null) throw new AppError('evidence.not-found', `no decision ${id}`);
      return record;
    },
    latestFor: (resourceId) => ws.db.read((c) => latestDecision(c, resourceId)),
    async requestReview(resourceId, actor, role) {
      const state = await ws.record(async (tx, audit) => {
        const resource = await getResourceRef(tx, resourceId);
        if (resource === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
        const to = nextState(resource.state, 'request_review', role);
        if (to === null) {
          const allowed = WORKFLOW.request_review;
          throw new AppError(
            allowed.roles.includes(role) ? 'review.invalid-transition' : 'auth.forbidden',
            allowed.roles.includes(role)
              ? `a resource in state ${resource.state} cannot be sent to review (it must be captured)`
              : `sending to review needs the role ${allowed.roles.join(' or ')}`,
            { state: resource.state },
          );
        }
        await setResourceState(tx, resourceId, to, ws.clock().toISOString());
        await audit({
          actor,
          action: 'resource.state-changed',
          subject: `resource:${resourceId}`,
          details: { from: resource.state, to, because: 'request_review' },
        });
        return to;
      });
      ws.events.emit('resource.changed', { resourceId, state });
    },
    async awaitingReview() {
      return ws.db.read(async (c) => {
        const out: ResourceSummary[] = [];
        // Resources waiting for a reviewer: explicitly sent to review first, then captured (evidence ready).
        for (const id of await resourceIdsInStates(c, AWAITING_REVIEW)) {
          const summary = await getResourceSummary(c, id);
          if (summary !== null) out.push(summary);
        }
        return out;
      });
    },
  };
}
