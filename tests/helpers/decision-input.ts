import type { DecisionInput } from '@shared/domain/decision';

/**
 * The approval the review, packet and bundle tests sign: block one URL under the example
 * catalogue's drug-sale provision. `over` changes what a test is about.
 */
export function approvalOf(target: string, over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    decision: 'approve',
    measure: 'block_url',
    targets: [target],
    territorialScope: ['KZ'],
    startDate: '2026-11-22',
    endDate: null,
    legalBasisIds: ['lb_example0drugsale01'],
    category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
    keywords: ['KEYWORD_PROHIBITED_PRODUCTS'],
    facts: 'The page offers a controlled substance for sale with delivery.',
    explanation: 'The offer falls under the cited provision; blocking the URL stops it.',
    sourceType: 'volunteer',
    automatedDetection: false,
    language: 'en',
    ...over,
  };
}
