import {
  APPEAL_RULES,
  APPEAL_TEXT_MAX,
  AppealDecisionRecord,
  AppealOutcome,
  nextAppealState,
  type Appeal,
  type Notice,
} from '@shared/domain/referral';
import { ResourceId } from '@shared/domain/ids';
import { WORKFLOW, nextState } from '@shared/domain/workflow';
import { AppError } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import { keyIdOf, sha256Hex, signEs256, verifyEs256 } from '../custody/signing';
import { latestDecision } from '../db/repositories/decisions-repo';
import { getAppeal, insertAppeal, insertAppealDecision, listAppeals } from '../db/repositories/appeals-repo';
import { getRecipient, listNotices, listReferrals } from '../db/repositories/referrals-repo';
import { getResourceRef, setResourceState } from '../db/repositories/resources-repo';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import { newAppealId } from './referral-ids';
import type { Acting, ReferralService } from './referral-service';

/**
 * Appeals against a block or removal. The complaint is recorded as received; a reviewer decides
 * uphold or lift with a signed record (ES256 over its canonical JSON, as for the first decision).
 * A lift moves the resource to `lifted` through the resource workflow and sends a lift notice to
 * every recipient that was sent a notice. Nothing restores a resource without such a record.
 */

export type AppealServiceDeps = Readonly<{ ws: Workspace; users: UsersService; referrals: ReferralService }>;

export type AppealDecision = Readonly<{
  appeal: Appeal;
  record: AppealDecisionRecord;
  /** Lift notices sent by email, one per referral that had been notified by email. */
  liftNotices: Notice[];
  /**
   * Notified referrals reached through a portal or register: their lift notice is handed over by
   * hand (`vigil referral send ID --kind lift --delivered-ref REF`).
   */
  awaitingLiftDelivery: string[];
}>;

export type AppealService = Readonly<{
  add: (
    resourceId: string,
    input: Readonly<{ text: string; byName?: string | null; receivedAt?: string | null }>,
    acting: Acting,
  ) => Promise<Appeal>;
  decide: (
    appealId: string,
    input: Readonly<{ outcome: string; explanation: string }>,
    reviewerName: string,
    password: string,
  ) => Promise<AppealDecision>;
  list: (resourceId: string) => Promise<Appeal[]>;
}>;

/** The exact bytes the reviewer's signature covers: canonical JSON of the record without `signature`. */
export function appealSigningBytes(
  record: Omit<AppealDecisionRecord, 'signature'> | AppealDecisionRecord,
): Buffer {
  const { signature: _signature, ...signed } = record as AppealDecisionRecord;
  return Buffer.from(canonicalJson(signed), 'utf8');
}

export function verifyAppealDecision(record: AppealDecisionRecord, publicKeyPem: string): boolean {
  return (
    record.signature.keyId === keyIdOf(publicKeyPem) &&
    verifyEs256(publicKeyPem, appealSigningBytes(record), Buffer.from(record.signature.value, 'base64'))
  );
}

const NOTIFIED_STATES = [
  'sent',
  'acknowledged',
  'removed',
  'partially_removed',
  'refused',
  'moved',
  'reappeared',
] as const;

export function createAppealService(deps: AppealServiceDeps): AppealService {
  const { ws, users, referrals } = deps;

  const appealOrThrow = async (id: string): Promise<Appeal> => {
    const a = await ws.db.read((c) => getAppeal(c, id));
    if (a === null) throw new AppError('evidence.not-found', `no appeal ${id}`);
    return a;
  };

  return {
    async add(resourceId, input, acting) {
      const text = input.text.trim();
      if (text === '') throw new AppError('input.invalid', 'an appeal needs its text (--text)');
      if (text.length > APPEAL_TEXT_MAX)
        throw new AppError('input.invalid', `an appeal's text is at most ${APPEAL_TEXT_MAX} characters`);
      const id = newAppealId(ws);
      const now = ws.clock().toISOString();
      const receivedAt = input.receivedAt ?? now;
      await ws.record(async (tx, audit) => {
        if ((await getResourceRef(tx, resourceId)) === null)
          throw new AppError('evidence.not-found', `no resource ${resourceId}`);
        await insertAppeal(tx, {
          id,
          resourceId,
          text,
          byName: input.byName ?? null,
          receivedAt,
          createdBy: acting.actor,
        });
        await audit({
          actor: acting.actor,
          action: 'appeal.received',
          subject: `resource:${resourceId}`,
          details: { appealId: id, byName: input.byName ?? null, receivedAt, textSha256: sha256Hex(text) },
        });
      });
      return appealOrThrow(id);
    },

    async decide(appealId, input, reviewerName, password) {
      // Stage check (no key needed).
      const outcome = AppealOutcome.safeParse(input.outcome);
      if (!outcome.success)
        throw new AppError('input.invalid', `the outcome is uphold or lift; got ${input.outcome}`);
      const explanation = input.explanation.trim();
      if (explanation === '') throw new AppError('review.missing-field', 'say why (--explanation)');
      const reviewer = await users.byName(reviewerName);
      if (reviewer === null || reviewer.disabled)
        throw new AppError('user.not-found', `no active user named ${reviewerName}`);
      const rule = APPEAL_RULES[outcome.data];
      if (!rule.roles.includes(reviewer.role))
        throw new AppError(
          'auth.forbidden',
          `deciding an appeal needs the role ${rule.roles.join(' or ')}; ${reviewer.name} is ${reviewer.role}`,
        );
      const appeal = await appealOrThrow(appealId);
      if (nextAppealState(appeal.state, outcome.data, reviewer.role) === null)
        throw new AppError(
          'review.invalid-transition',
          `appeal ${appealId} is ${appeal.state}: it was decided already`,
        );
      // Stage sign: a wrong password throws here, before anything is written.
      const identity = await users.unlockSigningKey(reviewer.name, password);

      // Stage record: the signed record, and for a lift the resource's move to `lifted`.
      const record = await ws.record(async (tx, audit) => {
        const current = await getAppeal(tx, appealId);
        const to = current === null ? null : nextAppealState(current.state, outcome.data, reviewer.role);
        if (current === null || to === null || to === 'open')
          throw new AppError('review.invalid-transition', `appeal ${appealId} was decided meanwhile`);
        const resource = await getResourceRef(tx, current.resourceId);
        if (resource === null)
          throw new AppError('internal.unexpected', `appeal ${appealId} names a missing resource`);
        const lifted = outcome.data === 'lift' ? nextState(resource.state, 'lift', reviewer.role) : null;
        if (outcome.data === 'lift' && lifted === null)
          throw new AppError(
            'review.invalid-transition',
            `resource ${resource.id} is ${resource.state}: a lift needs it to be ${WORKFLOW.lift.from.join(', ')}`,
          );
        const challenged = await latestDecision(tx, resource.id);
        const unsigned: Omit<AppealDecisionRecord, 'signature'> = {
          appealId: current.id,
          resourceId: ResourceId.parse(resource.id),
          url: resource.url,
          outcome: outcome.data,
          explanation,
          challengedDecisionId: challenged?.id ?? null,
          appealTextSha256: sha256Hex(current.text),
          reviewer: {
            name: identity.user.name,
            displayName: identity.user.displayName,
            certificateSha256: identity.user.certificateSha256,
          },
          signedAt: ws.clock().toISOString(),
        };
        const signed: AppealDecisionRecord = {
          ...unsigned,
          signature: {
            alg: 'ES256',
            keyId: keyIdOf(identity.publicKeyPem),
            value: signEs256(identity.privateKey, appealSigningBytes(unsigned)).toString('base64'),
          },
        };
        // The stored record must re-parse to the same bytes, or a verifier reading it back would fail.
        const reparsed = AppealDecisionRecord.parse(JSON.parse(JSON.stringify(signed)));
        if (canonicalJson(reparsed) !== canonicalJson(signed))
          throw new AppError('internal.unexpected', 'the signed appeal decision does not survive storage');
        await insertAppealDecision(tx, signed, to);
        await audit({
          actor: identity.user.name,
          action: 'appeal.decided',
          subject: `resource:${resource.id}`,
          details: {
            appealId: current.id,
            outcome: outcome.data,
            challengedDecisionId: signed.challengedDecisionId,
            recordSha256: sha256Hex(appealSigningBytes(signed)),
            keyId: signed.signature.keyId,
          },
        });
        if (lifted !== null) {
          await setResourceState(tx, resource.id, lifted, signed.signedAt);
          await audit({
            actor: identity.user.name,
            action: 'resource.state-changed',
            subject: `resource:${resource.id}`,
            details: { from: resource.state, to: lifted, because: 'lift', appealId: current.id },
          });
        }
        return signed;
      });

      if (record.outcome === 'lift')
        ws.events.emit('resource.changed', { resourceId: record.resourceId, state: 'lifted' });

      // Stage notify: one lift notice per referral the recipient was told about.
      const liftNotices: Notice[] = [];
      const awaitingLiftDelivery: string[] = [];
      if (outcome.data === 'lift') {
        const notified = await ws.db.read((c) =>
          listReferrals(c, { resourceId: record.resourceId, states: [...NOTIFIED_STATES] }),
        );
        for (const r of notified) {
          const sent = await ws.db.read((c) => listNotices(c, r.id));
          if (sent.length === 0) continue;
          const recipient = await ws.db.read((c) => getRecipient(c, r.recipientId));
          if (recipient?.channel !== 'email') {
            awaitingLiftDelivery.push(r.id);
            continue;
          }
          liftNotices.push(
            await referrals.deliverLift(r.id, record.appealId, { actor: reviewer.name, role: reviewer.role }),
          );
        }
      }
      return { appeal: await appealOrThrow(appealId), record, liftNotices, awaitingLiftDelivery };
    },

    list: (resourceId) => ws.db.read((c) => listAppeals(c, resourceId)),
  };
}
