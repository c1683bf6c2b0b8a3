// The public surface of the pure indicator extractors: callers import from here only.
export { EXTRACTOR_VERSION } from './types';
export type {
  CountryCode,
  ExtractedIndicator,
  ExtractionInput,
  ExtractionLink,
  ExtractionOptions,
  IndicatorSource,
  IndicatorType,
  Lexicon,
  LexiconHit,
  LexiconTerm,
} from './types';
export { extractIndicators } from './extract-indicators';
export { compileLexicons, matchLexicons, type CompiledLexicons } from './match-lexicons';
export { parseLexiconFile, LEXICON_FILE_SCHEMA } from './lexicon-file';
export { loadLexiconDir } from './lexicon-dir';
export { foldText, foldTerm } from './text-fold';
