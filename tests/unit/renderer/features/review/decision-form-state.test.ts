import { describe, expect, it } from 'vitest';
import {
  decisionProblems,
  emptyDecisionForm,
  toDecisionFields,
} from '@renderer/features/review/decision-form-state';

describe('decision form', () => {
  it('an empty approval lists every required field', () => {
    const problems = decisionProblems(emptyDecisionForm('en', ''));
    expect(Object.keys(problems).sort()).toEqual(
      [
        'category',
        'explanation',
        'facts',
        'legalBasisIds',
        'measure',
        'sourceType',
        'startDate',
        'targets',
        'territorialScope',
      ].sort(),
    );
    expect(problems.facts).toBe('review.problem.required');
  });

  it('a rejection only needs a reason', () => {
    const form = { ...emptyDecisionForm('ar', 'https://x.test/'), decision: 'reject' as const };
    expect(decisionProblems(form)).toEqual({ explanation: 'review.problem.sayWhy' });
    expect(decisionProblems({ ...form, explanation: 'lawful content' })).toEqual({});
  });

  it('checks date order and ISO codes, and converts to the contract shape', () => {
    const form = {
      ...emptyDecisionForm('ru', 'https://x.test/a\n\n https://x.test/b '),
      decision: 'reject' as const,
      explanation: 'x',
      startDate: '2026-11-22',
      endDate: '2026-11-01',
      territorialScope: 'kz, RUS',
    };
    const problems = decisionProblems(form);
    expect(problems.endDate).toBe('review.problem.endBeforeStart');
    expect(problems.territorialScope).toBe('review.problem.isoCode');
    const fields = toDecisionFields(form);
    expect(fields.targets).toEqual(['https://x.test/a', 'https://x.test/b']);
    expect(fields.territorialScope).toEqual(['KZ', 'RUS']);
    expect(fields.measure).toBeNull();
    expect(fields.language).toBe('ru');
  });
});
