import type { DecisionRecord, DsaCategory, DsaKeyword, Measure } from '@shared/domain/decision';
import type { SourceType } from '@shared/domain/resources';
import { assertNever, AppError } from '@shared/errors/app-error';
import { getCapture } from '../db/repositories/captures-repo';
import { getDecision } from '../db/repositories/decisions-repo';
import type { Workspace } from '../workspace';

/**
 * A decision as a statement of reasons in the shape of the EU DSA Transparency Database API
 * (`POST /api/v1/statement`). Field names and enumeration values are those of the DSA database; every
 * value is taken from the signed decision record and nothing is invented. Two groups differ:
 *   - fields the DSA schema has but Vigil does not know are left out instead of guessed (content_date is
 *     the one exception the DSA requires: see below);
 *   - `vigil` (ours, not a DSA field) carries what lets a reader tie the statement back to the signed
 *     record: ids, the captures' manifest hashes, the reviewer and the signature.
 * The DSA database accepts only EU/EEA country codes in territorial_scope; Vigil records whatever scope
 * the reviewer decided, so a statement for a non-EU order will not pass the DSA's own validation.
 */
export type DsaStatement = Readonly<{
  decision_visibility: readonly DsaVisibility[];
  decision_account?: 'DECISION_ACCOUNT_SUSPENDED';
  decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT';
  decision_ground_reference_url: string | null;
  illegal_content_legal_ground: string;
  illegal_content_explanation: string;
  decision_facts: string;
  category: DsaCategory;
  category_specification: readonly DsaKeyword[];
  territorial_scope: readonly string[];
  content_type: readonly ['CONTENT_TYPE_OTHER'];
  content_type_other: string;
  /**
   * The DSA asks when the content was created; a capture proves only that it existed when captured, so
   * this is the UTC day of the earliest capture the decision relies on (a date it existed by).
   */
  content_date: string;
  application_date: string;
  end_date: string | null;
  end_date_visibility_restriction: string | null;
  end_date_account_restriction: string | null;
  source_type: DsaSourceType;
  automated_detection: 'Yes' | 'No';
  automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED';
  url: string;
  puid: string;
  vigil: Readonly<{
    decisionId: string;
    resourceId: string;
    measure: Measure;
    targets: readonly string[];
    captures: DecisionRecord['captures'];
    legalBases: readonly Readonly<{ id: string; version: number; example: boolean }>[];
    reviewer: DecisionRecord['reviewer'];
    signedAt: string;
    supersedes: string | null;
    signature: DecisionRecord['signature'];
  }>;
}>;

type DsaVisibility = 'DECISION_VISIBILITY_CONTENT_REMOVED' | 'DECISION_VISIBILITY_CONTENT_DISABLED';
type DsaSourceType =
  'SOURCE_ARTICLE_16' | 'SOURCE_TRUSTED_FLAGGER' | 'SOURCE_TYPE_OTHER_NOTIFICATION' | 'SOURCE_VOLUNTARY';

/** Our source types onto the DSA's: a notice from a person is an Art. 16 notice. */
export function dsaSourceType(source: SourceType): DsaSourceType {
  switch (source) {
    case 'volunteer':
    case 'citizen':
      return 'SOURCE_ARTICLE_16';
    case 'trusted_flagger':
      return 'SOURCE_TRUSTED_FLAGGER';
    case 'platform':
      return 'SOURCE_TYPE_OTHER_NOTIFICATION';
    case 'own_initiative':
      return 'SOURCE_VOLUNTARY';
    default:
      return assertNever(source, 'source type');
  }
}

/** Blocking access to a URL or domain disables the content; removing it removes it; an account is suspended. */
function restriction(measure: Measure): Pick<DsaStatement, 'decision_visibility' | 'decision_account'> {
  switch (measure) {
    case 'block_url':
    case 'block_domain':
      return { decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'] };
    case 'remove_content':
      return { decision_visibility: ['DECISION_VISIBILITY_CONTENT_REMOVED'] };
    case 'block_account':
      return { decision_visibility: [], decision_account: 'DECISION_ACCOUNT_SUSPENDED' };
    default:
      return assertNever(measure, 'measure');
  }
}

/**
 * Only an approval restricts anything, and a statement of reasons explains a restriction: a rejection or
 * a re-capture request has no DSA statement (`input.invalid`).
 */
export function toDsaStatement(
  record: DecisionRecord,
  opts: Readonly<{ firstCapturedAt: string }>,
): DsaStatement {
  const f = record.fields;
  if (f.decision !== 'approve')
    throw new AppError(
      'input.invalid',
      `decision ${record.id} is "${f.decision}": only an approval restricts content and has a DSA statement of reasons`,
    );
  if (f.measure === null || f.category === null || f.startDate === null || f.sourceType === null)
    throw new AppError(
      'review.missing-field',
      `decision ${record.id} lacks a field a statement of reasons needs`,
    );
  const grounds = record.legalBases.map(
    (b) => `${b.jurisdiction}: ${b.instrument}, ${b.article} — ${b.title} (catalogue ${b.id} v${b.version})`,
  );
  return {
    ...restriction(f.measure),
    decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
    decision_ground_reference_url: record.legalBases.find((b) => b.referenceUrl !== '')?.referenceUrl ?? null,
    illegal_content_legal_ground: grounds.join('; '),
    illegal_content_explanation: f.explanation,
    decision_facts: f.facts,
    category: f.category,
    category_specification: f.keywords,
    territorial_scope: f.territorialScope,
    content_type: ['CONTENT_TYPE_OTHER'],
    content_type_other: 'web page (captured URL)',
    content_date: opts.firstCapturedAt.slice(0, 10),
    application_date: f.startDate,
    end_date: f.endDate,
    end_date_visibility_restriction: f.measure === 'block_account' ? null : f.endDate,
    end_date_account_restriction: f.measure === 'block_account' ? f.endDate : null,
    source_type: dsaSourceType(f.sourceType),
    automated_detection: f.automatedDetection ? 'Yes' : 'No',
    // Every Vigil decision is signed by a person with their own key.
    automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
    url: record.url,
    puid: record.id,
    vigil: {
      decisionId: record.id,
      resourceId: record.resourceId,
      measure: f.measure,
      targets: f.targets,
      captures: record.captures,
      legalBases: record.legalBases.map((b) => ({ id: b.id, version: b.version, example: b.example })),
      reviewer: record.reviewer,
      signedAt: record.signedAt,
      supersedes: record.supersedes,
      signature: record.signature,
    },
  };
}

/** The statement of a stored decision, with content_date from the captures it relies on. */
export async function dsaStatementFor(ws: Workspace, decisionId: string): Promise<DsaStatement> {
  return ws.db.read(async (c) => {
    const record = await getDecision(c, decisionId);
    if (record === null) throw new AppError('evidence.not-found', `no decision ${decisionId}`);
    const started: string[] = [];
    for (const ref of record.captures) {
      const capture = await getCapture(c, ref.id, ws.blobs.pathOf);
      if (capture !== null) started.push(capture.startedAt);
    }
    const first = started.sort()[0];
    if (first === undefined)
      throw new AppError(
        'review.no-capture',
        `the captures of decision ${decisionId} are not on this workstation`,
      );
    return toDsaStatement(record, { firstCapturedAt: first });
  });
}
