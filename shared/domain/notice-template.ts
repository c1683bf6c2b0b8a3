import { z } from 'zod';

/**
 * A notice template (resources/notice-templates/*.json): one regime's wording in en/ar/ru, its
 * answer deadline (ISO-8601 duration, for reminders) and whether it may go out outside sending
 * hours. Templates are versioned: an edit is a new `version`; the version a referral used is kept
 * with it, and a file whose content changed under a version already used is refused.
 *
 * Texts may name these fields in double braces: url, captures, legalGround, explanation, measure,
 * territorialScope, decisionId, signedAt, reviewer, recipient, referralId, unit.
 */
export const TEMPLATE_FIELDS = [
  'url',
  'captures',
  'legalGround',
  'explanation',
  'measure',
  'territorialScope',
  'decisionId',
  'signedAt',
  'reviewer',
  'recipient',
  'referralId',
  'unit',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

const Text = z.object({ subject: z.string().min(1).max(300), body: z.string().min(1).max(20000) }).strict();

const LanguageTexts = z
  .object({
    /** The first notice (also used for an escalation to the next recipient). */
    notice: Text,
    reminder: Text,
    /** After a signed appeal decision lifted the measure. */
    lift: Text,
  })
  .strict();

export const NoticeTemplate = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
    version: z.number().int().positive(),
    title: z.string().min(1),
    /** ISO-8601 duration the recipient has to act before a reminder is proposed, e.g. PT24H, P7D. */
    deadline: z
      .string()
      .regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/, 'an ISO-8601 duration such as PT24H or P7D'),
    /** An order that must be served at once may go out outside the sending hours. */
    sendOutsideHours: z.boolean(),
    languages: z.object({ en: LanguageTexts, ar: LanguageTexts, ru: LanguageTexts }).strict(),
  })
  .strict();
export type NoticeTemplate = z.infer<typeof NoticeTemplate>;

/** The deadline in seconds (days, hours, minutes only). */
export function deadlineSeconds(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (m === null) return Number.NaN;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60;
}

/** Fills `{{field}}` placeholders; an unknown placeholder is left visible so a reviewer notices it. */
export function fillTemplate(text: string, values: Readonly<Record<TemplateField, string>>): string {
  return text.replace(/\{\{([a-zA-Z]+)\}\}/g, (whole, name: string) =>
    (TEMPLATE_FIELDS as readonly string[]).includes(name) ? values[name as TemplateField] : whole,
  );
}
