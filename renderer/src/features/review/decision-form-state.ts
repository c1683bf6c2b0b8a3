import type { DecisionFields, DecisionKind, DsaCategory, DsaKeyword, Measure } from '@shared/domain/decision';
import { validateDecisionFields } from '@shared/domain/decision';
import type { Language, SourceType } from '@shared/domain/resources';
import type { MessageKey } from '@renderer/i18n/en';

/** What the form holds: strings as typed, so a half-typed value never crashes the form. */
export type DecisionForm = Readonly<{
  decision: DecisionKind;
  measure: Measure | '';
  targets: string;
  territorialScope: string;
  startDate: string;
  endDate: string;
  legalBasisIds: readonly string[];
  category: DsaCategory | '';
  keywords: readonly DsaKeyword[];
  facts: string;
  explanation: string;
  sourceType: SourceType | '';
  automatedDetection: boolean;
  language: Language;
}>;

export const emptyDecisionForm = (language: Language, url: string): DecisionForm => ({
  decision: 'approve',
  measure: '',
  targets: url,
  territorialScope: '',
  startDate: '',
  endDate: '',
  legalBasisIds: [],
  category: '',
  keywords: [],
  facts: '',
  explanation: '',
  sourceType: '',
  automatedDetection: false,
  language,
});

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

export const parseScope = (text: string): string[] =>
  text
    .split(/[\s,;،]+/)
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');

/** The contract's decision fields; empty inputs become null or [] exactly as the schema defaults do. */
export function toDecisionFields(form: DecisionForm): DecisionFields {
  return {
    decision: form.decision,
    measure: form.measure === '' ? null : form.measure,
    targets: lines(form.targets),
    territorialScope: parseScope(form.territorialScope),
    startDate: form.startDate === '' ? null : form.startDate,
    endDate: form.endDate === '' ? null : form.endDate,
    legalBasisIds: [...form.legalBasisIds] as DecisionFields['legalBasisIds'],
    category: form.category === '' ? null : form.category,
    keywords: [...form.keywords],
    facts: form.facts,
    explanation: form.explanation,
    sourceType: form.sourceType === '' ? null : form.sourceType,
    automatedDetection: form.automatedDetection,
    language: form.language,
  };
}

export type FieldProblems = Partial<Record<keyof DecisionFields, MessageKey>>;

/**
 * The shared validation rules (the backend applies the same ones), translated: the rule's
 * field tells which message applies, so the UI never shows the backend's English wording.
 */
export function decisionProblems(form: DecisionForm): FieldProblems {
  const fields = toDecisionFields(form);
  const problems: FieldProblems = {};
  for (const p of validateDecisionFields(fields)) {
    if (problems[p.field] !== undefined) continue;
    if (p.field === 'endDate' && fields.endDate !== null && fields.startDate !== null) {
      problems.endDate = 'review.problem.endBeforeStart';
    } else if (p.field === 'explanation' && fields.decision !== 'approve') {
      problems.explanation = 'review.problem.sayWhy';
    } else {
      problems[p.field] = 'review.problem.required';
    }
  }
  if (problems.territorialScope === undefined && fields.territorialScope.some((c) => !/^[A-Z]{2}$/.test(c))) {
    problems.territorialScope = 'review.problem.isoCode';
  }
  return problems;
}

/** The part of an indicator suggestion the form takes (see `indicators.suggestDecision`). */
export type FormSuggestion = Readonly<{
  facts: string;
  keywords: readonly DsaKeyword[];
  category: DsaCategory | null;
}>;

/**
 * Puts a suggestion into the form as editable text: the facts are added after what the reviewer
 * already wrote (never replacing it), keywords are merged, a category is only filled when none is
 * chosen, and "detected by automated means" is ticked because the draft came from the extractors.
 * The reviewer can edit all of it, untick the box, or drop the text before signing.
 */
export function applySuggestion(form: DecisionForm, s: FormSuggestion): DecisionForm {
  if (s.facts.trim() === '') return form;
  const facts = form.facts.includes(s.facts)
    ? form.facts
    : form.facts.trim() === ''
      ? s.facts
      : `${form.facts.trimEnd()}\n\n${s.facts}`;
  return {
    ...form,
    facts,
    keywords: [...form.keywords, ...s.keywords.filter((k) => !form.keywords.includes(k))],
    category: form.category === '' && s.category !== null ? s.category : form.category,
    automatedDetection: true,
  };
}
