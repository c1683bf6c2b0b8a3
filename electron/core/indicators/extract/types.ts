import type { IndicatorSource, IndicatorType, LexiconCategory } from '@shared/domain/indicators';
import type { CountryCode } from 'libphonenumber-js/max';

/**
 * The stable interface of the indicator extractors: what goes in (a capture's text, its links, its
 * URL, its data-* values) and what comes out (typed, validated, normalised indicators with where they
 * were seen). Everything in `extract/` is pure: no I/O, no clock, same input → same output; that is
 * what makes EXTRACTOR_VERSION meaningful.
 */

export type { IndicatorSource, IndicatorType, CountryCode };

export type ExtractionLink = Readonly<{ href: string; text: string }>;

export type ExtractionInput = Readonly<{
  /** The capture's visible text. */
  text: string;
  /** The captured page's URL (its host is the page's own, never reported as a linked domain). */
  url: string;
  /** Links of the DOM (`a[href]`), including `tel:` and `mailto:`. */
  links: readonly ExtractionLink[];
  /** Values of `data-*` attributes worth scanning (e.g. a wallet in `data-address`). */
  dataAttributes?: readonly string[];
}>;

export type ExtractionOptions = Readonly<{
  /** Region for phone numbers written without a country code (the capture profile's country). */
  defaultRegion: CountryCode | null;
}>;

/**
 * One occurrence. `offset`/`length` are UTF-16 code units into the string named by `source` and
 * `index`: the text, the link's href at `links[index]`, the URL, or `dataAttributes[index]`.
 * `raw` is exactly that slice.
 */
export type ExtractedIndicator = Readonly<{
  type: IndicatorType;
  value: string;
  raw: string;
  source: IndicatorSource;
  /** Index into `links` or `dataAttributes`; 0 for `text` and `url`. */
  index: number;
  offset: number;
  length: number;
}>;

/**
 * Bump when the extractors would return different results for the same input (new type, changed
 * validation or normalisation): stored results of an older version are then extracted again.
 */
export const EXTRACTOR_VERSION = 1;

/** A lexicon as loaded and validated from a `resources/lexicons/*.json` file (see lexicon-file.ts). */
export type LexiconTerm = Readonly<{
  id: string;
  term: string;
  variants: readonly string[];
  /** Match at a word start without requiring the word to end (e.g. "закладк" for all its endings). */
  prefix: boolean;
  notes: string;
}>;

export type Lexicon = Readonly<{
  id: string;
  version: number;
  language: string;
  category: LexiconCategory;
  source: string;
  /** ISO date (YYYY-MM-DD) of this version. */
  date: string;
  /** Arabic: also fold ة onto ه (off by default: they distinguish words). */
  foldTaMarbuta: boolean;
  terms: readonly LexiconTerm[];
}>;

export type { LexiconHit } from '@shared/domain/indicators';
