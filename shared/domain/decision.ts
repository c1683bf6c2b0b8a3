import { z } from 'zod';
import { CaptureId, DecisionId, IsoDate, IsoTime, LegalBasisId, ResourceId, Sha256Hex } from './ids';
import { Language, SourceType } from './resources';

/** Categories of the EU DSA Transparency Database statement of reasons. */
export const DSA_CATEGORIES = [
  'STATEMENT_CATEGORY_ANIMAL_WELFARE',
  'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
  'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
  'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS',
  'STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR',
  'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT',
  'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  'STATEMENT_CATEGORY_SCAMS_AND_FRAUD',
  'STATEMENT_CATEGORY_SELF_HARM',
  'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE',
  'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  'STATEMENT_CATEGORY_VIOLENCE',
] as const;
export const DsaCategory = z.enum(DSA_CATEGORIES);
export type DsaCategory = z.infer<typeof DsaCategory>;

export const DSA_KEYWORDS = [
  'KEYWORD_PROHIBITED_PRODUCTS',
  'KEYWORD_UNSAFE_PRODUCTS',
  'KEYWORD_REGULATED_GOODS_SERVICES',
  'KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS',
  'KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL',
  'KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS',
  'KEYWORD_UNSAFE_CHALLENGES',
  'KEYWORD_HUMAN_EXPLOITATION',
  'KEYWORD_HUMAN_TRAFFICKING',
  'KEYWORD_ILLEGAL_ORGANIZATIONS',
  'KEYWORD_RISK_PUBLIC_HEALTH',
  'KEYWORD_TERRORIST_CONTENT',
  'KEYWORD_INCITEMENT_VIOLENCE_HATRED',
  'KEYWORD_HATE_SPEECH',
  'KEYWORD_PHISHING',
  'KEYWORD_PYRAMID_SCHEMES',
  'KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING',
  'KEYWORD_INAUTHENTIC_LISTINGS',
  'KEYWORD_NON_CONSENSUAL_IMAGE_SHARING',
  'KEYWORD_OTHER',
] as const;
export const DsaKeyword = z.enum(DSA_KEYWORDS);
export type DsaKeyword = z.infer<typeof DsaKeyword>;

export const DECISION_KINDS = ['approve', 'reject', 'needs_recapture'] as const;
export const DecisionKind = z.enum(DECISION_KINDS);
export type DecisionKind = z.infer<typeof DecisionKind>;

export const MEASURES = ['block_url', 'block_domain', 'block_account', 'remove_content'] as const;
export const Measure = z.enum(MEASURES);
export type Measure = z.infer<typeof Measure>;

export const FACTS_MAX = 5000;
export const EXPLANATION_MAX = 2000;

/**
 * What a reviewer submits (DESIGN §6; the `review.decide` input and `vigil review decide --input`).
 * Fields are loose here so that a reject or a re-capture request can leave them empty; the rules for an
 * approval (every field filled) live in `validateDecisionInput` so the UI and backend share them.
 */
export const DecisionInput = z
  .object({
    captureIds: z.array(CaptureId).max(50).optional(),
    decision: DecisionKind,
    measure: Measure.nullable().default(null),
    targets: z.array(z.string().max(8192)).max(100).default([]),
    territorialScope: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code'))
      .max(250)
      .default([]),
    startDate: IsoDate.nullable().default(null),
    endDate: IsoDate.nullable().default(null),
    legalBasisIds: z.array(LegalBasisId).max(20).default([]),
    category: DsaCategory.nullable().default(null),
    keywords: z.array(DsaKeyword).max(20).default([]),
    facts: z.string().max(FACTS_MAX).default(''),
    explanation: z.string().max(EXPLANATION_MAX).default(''),
    sourceType: SourceType.nullable().default(null),
    automatedDetection: z.boolean().default(false),
    language: Language.default('en'),
  })
  .strict();
export type DecisionInput = z.input<typeof DecisionInput>;
export type DecisionFields = z.output<typeof DecisionInput>;

export type DecisionProblem = Readonly<{ field: keyof DecisionFields; message: string }>;

/** Fields an approval cannot leave empty, and date order; shared by the review form and the backend. */
export function validateDecisionFields(d: DecisionFields): DecisionProblem[] {
  const problems: DecisionProblem[] = [];
  if (d.decision === 'approve') {
    if (d.measure === null) problems.push({ field: 'measure', message: 'required for an approval' });
    if (d.targets.length === 0) problems.push({ field: 'targets', message: 'required for an approval' });
    if (d.territorialScope.length === 0)
      problems.push({ field: 'territorialScope', message: 'required for an approval' });
    if (d.startDate === null) problems.push({ field: 'startDate', message: 'required for an approval' });
    if (d.legalBasisIds.length === 0)
      problems.push({ field: 'legalBasisIds', message: 'required for an approval' });
    if (d.category === null) problems.push({ field: 'category', message: 'required for an approval' });
    if (d.facts.trim() === '') problems.push({ field: 'facts', message: 'required for an approval' });
    if (d.explanation.trim() === '')
      problems.push({ field: 'explanation', message: 'required for an approval' });
    if (d.sourceType === null) problems.push({ field: 'sourceType', message: 'required for an approval' });
  } else if (d.explanation.trim() === '') {
    problems.push({ field: 'explanation', message: 'say why' });
  }
  if (d.startDate !== null && d.endDate !== null && d.endDate < d.startDate) {
    problems.push({ field: 'endDate', message: 'before the start date' });
  }
  return problems;
}

export const LegalBasis = z.object({
  id: LegalBasisId,
  version: z.number().int().positive(),
  jurisdiction: z.string(),
  instrument: z.string(),
  article: z.string(),
  title: z.string(),
  referenceUrl: z.string(),
  defaultCategory: DsaCategory.nullable(),
  text: z.string().optional(),
  /** Shipped examples are marked so nobody mistakes them for a vetted catalogue. */
  example: z.boolean().default(false),
});
export type LegalBasis = z.infer<typeof LegalBasis>;

/** The signed decision record (DESIGN §6). The signature covers canonicalJSON(record without signature). */
export const DecisionRecord = z.object({
  id: DecisionId,
  resourceId: ResourceId,
  url: z.string(),
  captures: z.array(z.object({ id: CaptureId, manifestSha256: Sha256Hex })),
  fields: DecisionInput.omit({ captureIds: true }),
  legalBases: z.array(LegalBasis),
  reviewer: z.object({ name: z.string(), displayName: z.string(), certificateSha256: z.string() }),
  signedAt: IsoTime,
  supersedes: DecisionId.nullable(),
  signature: z.object({ alg: z.literal('ES256'), keyId: z.string(), value: z.string() }),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;
