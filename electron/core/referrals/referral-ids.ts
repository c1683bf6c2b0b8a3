import { AppealId, RecipientId, ReferralId } from '@shared/domain/referral';
import type { Workspace } from '../workspace';

/**
 * Ids of recipients, referrals and appeals. They come from the workspace's id generator (so they have
 * the same time-ordered, collision-safe form as every other id) under their own prefix, and are
 * parsed by their branded schema so a ReferralId cannot be passed where a RecipientId is expected.
 */
const fresh = (ws: Workspace, prefix: string): string => ws.ids('ExportId').replace(/^exp_/, `${prefix}_`);

export const newRecipientId = (ws: Workspace): RecipientId => RecipientId.parse(fresh(ws, 'rcp'));
export const newReferralId = (ws: Workspace): ReferralId => ReferralId.parse(fresh(ws, 'rfl'));
export const newAppealId = (ws: Workspace): AppealId => AppealId.parse(fresh(ws, 'apl'));
