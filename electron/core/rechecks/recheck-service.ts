import type { Browser } from 'puppeteer-core';
import type { RecheckClassification, RecheckSettings } from '@shared/domain/recheck';
import type { ReferralSummary } from '@shared/domain/referral';
import { SETTLED_REFERRAL_STATES } from '@shared/domain/referral';
import { AppError, errorMessage } from '@shared/errors/app-error';
import type { CaptureProfile } from '../capture/capture-profile';
import type { CaptureService } from '../capture/capture-service';
import type { Clock } from '../clock';
import { getDecision } from '../db/repositories/decisions-repo';
import { captureArtifactSha256, insertRecheck, listRechecks } from '../db/repositories/rechecks-repo';
import type { Recheck } from '../db/repositories/rechecks-repo';
import { listReferrals } from '../db/repositories/referrals-repo';
import type { Resolver } from '../intake/address-policy';
import type { Acting, ReferralService } from '../referrals/referral-service';
import type { Workspace } from '../workspace';
import { classifyRecheck } from './classify';
import { contentHashes } from './content-hashes';
import type { ContentHashes } from './content-hashes';
import { lightFetch } from './light-fetch';
import { isCheckDue, outcomeOfCheck } from './recheck-schedule';
import type { CheckOutcome, PastCheck } from './recheck-schedule';
import { loadRemovalPatterns } from './removal-patterns';

/**
 * `vigil recheck run`: every sent referral whose next check is due is checked now, one after the
 * other. Per referral, as stages: reviewed (the hashes of the capture the signed decision names) →
 * fetch (light, through the capture profile) → classify → proof (a full capture through the capture
 * service when the check proves a removal, a change or a re-appearance) → record (the re-check row
 * and its custody entry) → transition (removed / re-appeared through the referral service, so the
 * referral rules and their custody rows apply). Referrals that are settled (refused, moved, lifted)
 * are not checked; removed ones are, to catch a page that comes back.
 */

export type RecheckRunItem = Readonly<{
  referralId: string;
  url: string;
  recheck: Recheck;
  outcome: CheckOutcome;
  /** The referral's state after this check. */
  state: string;
  warning: string | null;
}>;

export type RecheckServiceDeps = Readonly<{
  ws: Workspace;
  referrals: ReferralService;
  captures: CaptureService;
  browser: () => Promise<Browser>;
  profile: CaptureProfile;
  settings: () => Promise<RecheckSettings>;
  clock: Clock;
  resolve?: Resolver;
  /** Hosts the proof capture may reach whatever their address (as `capture --allow-host`). */
  allowHosts?: readonly string[];
}>;

const STILL_CHECKED = (state: string): boolean =>
  state === 'removed' || !(SETTLED_REFERRAL_STATES as readonly string[]).includes(state);

async function readBlob(ws: Workspace, sha256: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ws.blobs.open(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function createRecheckService(deps: RecheckServiceDeps) {
  const { ws, clock } = deps;
  const patterns = loadRemovalPatterns();
  // The light fetch may reach what the proof capture may reach, and nothing more.
  const profile: CaptureProfile = {
    ...deps.profile,
    allowHosts: [...(deps.profile.allowHosts ?? []), ...(deps.allowHosts ?? [])],
  };

  /** Stage reviewed: the newest capture the signed decision names, hashed as a re-check hashes a page. */
  async function reviewedHashes(r: ReferralSummary): Promise<ContentHashes> {
    const found = await ws.db.read(async (c) => {
      const decision = await getDecision(c, r.decisionId);
      const captureId = decision?.captures.at(-1)?.id;
      if (captureId === undefined) return null;
      return {
        text: await captureArtifactSha256(c, captureId, 'text'),
        dom: await captureArtifactSha256(c, captureId, 'dom'),
      };
    });
    if (found === null || found.text === null || found.dom === null)
      throw new AppError(
        'evidence.not-found',
        `the decision of referral ${r.id} names no capture with text and DOM`,
      );
    return contentHashes(await readBlob(ws, found.text), await readBlob(ws, found.dom));
  }

  async function proofCapture(
    r: ReferralSummary,
    actor: string,
  ): Promise<{ id: string | null; warning: string | null }> {
    try {
      const record = await deps.captures.captureResource(r.resourceId, {
        operator: actor,
        profile: deps.profile.name,
        ...(deps.allowHosts === undefined ? {} : { allowHosts: deps.allowHosts }),
      });
      return { id: record.id, warning: null };
    } catch (error) {
      return { id: null, warning: `the proof capture failed: ${errorMessage(error)}` };
    }
  }

  async function checkOne(
    r: ReferralSummary,
    history: readonly Recheck[],
    s: RecheckSettings,
    acting: Acting,
  ) {
    const reviewed = await reviewedHashes(r);
    const fetched = await lightFetch({
      browser: await deps.browser(),
      url: r.url,
      profile,
      ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
    });
    const { classification, reason } = classifyRecheck(fetched, reviewed, patterns);
    const at = clock();
    const past: PastCheck[] = [...history.map(toPast), { atMs: at.getTime(), classification }];
    const outcome = outcomeOfCheck(past, s, r.state === 'removed');
    const proof = outcome === 'none' ? { id: null, warning: null } : await proofCapture(r, acting.actor);
    const recheck = await ws.record(async (tx, audit) => {
      const row = await insertRecheck(tx, {
        referralId: r.id,
        resourceId: r.resourceId,
        at: at.toISOString(),
        classification,
        reason,
        status: fetched.status,
        finalUrl: fetched.finalUrl,
        textSha256: fetched.hashes?.textSha256 ?? null,
        domSha256: fetched.hashes?.domSha256 ?? null,
        captureId: proof.id,
        actor: acting.actor,
      });
      await audit({
        actor: acting.actor,
        action: 'referral.rechecked',
        subject: `referral:${r.id}`,
        details: { recheckSeq: row.seq, classification, reason, status: fetched.status, captureId: proof.id },
      });
      return row;
    });
    let state: string = r.state;
    if (outcome === 'confirm_removed' || outcome === 'reappeared') {
      const counted = [...history, recheck].slice(-s.consecutiveRemoved).map((x) => x.seq);
      const event = await deps.referrals.record(
        r.id,
        outcome === 'confirm_removed' ? 'removed' : 'reappeared',
        {
          note:
            outcome === 'confirm_removed'
              ? `${s.consecutiveRemoved} consecutive re-checks found it removed`
              : 'a re-check found the reviewed content at the URL again',
          evidence: {
            rechecks: outcome === 'confirm_removed' ? counted : [recheck.seq],
            captureId: proof.id,
          },
        },
        acting,
      );
      state = event.toState;
    }
    return { referralId: r.id, url: r.url, recheck, outcome, state, warning: proof.warning };
  }

  return {
    /** Runs every re-check that is due now; one failing referral does not stop the others. */
    async runDue(acting: Acting): Promise<{ checked: RecheckRunItem[]; errors: string[] }> {
      const s = await deps.settings();
      const referrals = (await ws.db.read((c) => listReferrals(c, { sentOnly: true }))).filter((r) =>
        STILL_CHECKED(r.state),
      );
      const checked: RecheckRunItem[] = [];
      const errors: string[] = [];
      for (const r of referrals) {
        if (r.sentAt === null) continue;
        const history = await ws.db.read((c) => listRechecks(c, r.id));
        if (!isCheckDue(clock().getTime(), Date.parse(r.sentAt), history.map(toPast), s)) continue;
        try {
          checked.push(await checkOne(r, history, s, acting));
        } catch (error) {
          errors.push(`${r.id}: ${errorMessage(error)}`);
        }
      }
      return { checked, errors };
    },
  };
}

export type RecheckService = ReturnType<typeof createRecheckService>;

const toPast = (x: Readonly<{ at: string; classification: RecheckClassification }>): PastCheck => ({
  atMs: Date.parse(x.at),
  classification: x.classification,
});
