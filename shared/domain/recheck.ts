import { z } from 'zod';

/**
 * What a re-check of a referred URL found, compared by content with the reviewed capture (not by
 * status code): the same content (`still_there`), other content (`changed`), a 404/410 or a
 * platform's "content unavailable" page (`removed`), a 451 (`geo_blocked`), or no answer
 * (`unreachable`).
 */
export const RECHECK_CLASSIFICATIONS = [
  'still_there',
  'changed',
  'removed',
  'geo_blocked',
  'unreachable',
] as const;
export const RecheckClassification = z.enum(RECHECK_CLASSIFICATIONS);
export type RecheckClassification = z.infer<typeof RecheckClassification>;

/**
 * The re-check regime (settings `recheck.*`): the first check an hour after the notice went out,
 * then every 4 hours for 2 days, then daily; a removal counts once `consecutiveRemoved` checks in a
 * row found it removed, each at least `minSpacingSeconds` after the one before.
 */
export const RecheckSettings = z.object({
  firstAfterSeconds: z.number().int().nonnegative(),
  intenseEverySeconds: z.number().int().positive(),
  intenseForSeconds: z.number().int().nonnegative(),
  thenEverySeconds: z.number().int().positive(),
  consecutiveRemoved: z.number().int().min(1).max(20),
  minSpacingSeconds: z.number().int().nonnegative(),
  /** Reminders proposed past the regime's deadline before escalation to the next recipient is proposed. */
  maxReminders: z.number().int().min(0).max(10),
});
export type RecheckSettings = z.infer<typeof RecheckSettings>;

export const DEFAULT_RECHECK_SETTINGS: RecheckSettings = {
  firstAfterSeconds: 3600,
  intenseEverySeconds: 4 * 3600,
  intenseForSeconds: 2 * 86_400,
  thenEverySeconds: 86_400,
  consecutiveRemoved: 3,
  minSpacingSeconds: 180,
  maxReminders: 2,
};

/** The settings keys (`vigil settings set KEY VALUE`) and the field each one sets. */
export const RECHECK_SETTING_KEYS = {
  'recheck.firstAfterSeconds': 'firstAfterSeconds',
  'recheck.intenseEverySeconds': 'intenseEverySeconds',
  'recheck.intenseForSeconds': 'intenseForSeconds',
  'recheck.thenEverySeconds': 'thenEverySeconds',
  'recheck.consecutiveRemoved': 'consecutiveRemoved',
  'recheck.minSpacingSeconds': 'minSpacingSeconds',
  'recheck.maxReminders': 'maxReminders',
} as const satisfies Record<string, keyof RecheckSettings>;
