import type { RecheckClassification } from '@shared/domain/recheck';
import type { ContentHashes } from './content-hashes';
import { matchRemovalPhrase } from './removal-patterns';
import type { RemovalPatterns } from './removal-patterns';

/**
 * Re-check classification as one ordered list of rules (first match wins), pure. Content comes
 * before status: a page that still shows the reviewed text or DOM is `still_there` whatever code it
 * is served with, and a 200 page that says "This content isn't available" is `removed`.
 */

/** What a light fetch saw; `status` null when no response arrived (DNS, refused, timeout, policy). */
export type LightFetchResult = Readonly<{
  status: number | null;
  finalUrl: string | null;
  text: string | null;
  hashes: ContentHashes | null;
  /** Why nothing was fetched, when `status` is null. */
  error: string | null;
}>;

export type Classified = Readonly<{ classification: RecheckClassification; reason: string }>;

type Rule = Readonly<{
  name: string;
  applies: (f: LightFetchResult, reviewed: ContentHashes, patterns: RemovalPatterns) => string | null;
  then: RecheckClassification;
}>;

const RULES: readonly Rule[] = [
  {
    name: 'no answer',
    then: 'unreachable',
    applies: (f) => (f.status === null ? (f.error ?? 'no response') : null),
  },
  {
    name: 'same content',
    then: 'still_there',
    applies: (f, r) =>
      f.hashes === null
        ? null
        : f.hashes.textSha256 === r.textSha256
          ? 'the visible text is the reviewed text'
          : f.hashes.domSha256 === r.domSha256
            ? 'the DOM is the reviewed DOM'
            : null,
  },
  { name: 'legal block', then: 'geo_blocked', applies: (f) => (f.status === 451 ? 'HTTP 451' : null) },
  {
    name: 'gone',
    then: 'removed',
    applies: (f) => (f.status === 404 || f.status === 410 ? `HTTP ${f.status}` : null),
  },
  {
    name: 'removal notice',
    then: 'removed',
    applies: (f, _r, p) => {
      const phrase = f.text === null ? null : matchRemovalPhrase(p, f.text);
      return phrase === null ? null : `the page says "${phrase}"`;
    },
  },
  {
    name: 'server error',
    then: 'unreachable',
    applies: (f) => (f.status !== null && f.status >= 500 ? `HTTP ${f.status}` : null),
  },
  { name: 'other content', then: 'changed', applies: () => 'the content differs from the reviewed capture' },
];

export function classifyRecheck(
  fetched: LightFetchResult,
  reviewed: ContentHashes,
  patterns: RemovalPatterns,
): Classified {
  for (const rule of RULES) {
    const reason = rule.applies(fetched, reviewed, patterns);
    if (reason !== null) return { classification: rule.then, reason };
  }
  // The last rule always applies; this keeps the type total without a cast.
  return { classification: 'changed', reason: 'the content differs from the reviewed capture' };
}
