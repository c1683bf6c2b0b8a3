import { z } from 'zod';
import { DsaCategory, DsaKeyword } from '@shared/domain/decision';
import { ResourceId } from '@shared/domain/ids';
import { IndicatorType } from '@shared/domain/indicators';
import { Language } from '@shared/domain/resources';
import { defineMethods } from '../define';

/** Where an occurrence sits on the full-page screenshot, in its pixels; null: not located. */
export const IndicatorBox = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
export type IndicatorBox = z.infer<typeof IndicatorBox>;

export const IndicatorOccurrence = z.object({
  captureId: z.string(),
  capturedAt: z.string(),
  /** `text` the page text (offsets into text.txt), `link` an href, `dom` a data-* value, `url` the page URL. */
  artifact: z.enum(['text', 'dom', 'url', 'link']),
  artifactName: z.string(),
  offset: z.number().int(),
  length: z.number().int(),
  raw: z.string(),
  box: IndicatorBox.nullable(),
  extractorVersion: z.number().int(),
});
export type IndicatorOccurrence = z.infer<typeof IndicatorOccurrence>;

export const ResourceIndicator = z.object({
  type: IndicatorType,
  value: z.string(),
  occurrences: z.array(IndicatorOccurrence),
  /** Other resources holding the same indicator, and how many of them are blocked. */
  sharedWith: z.number().int(),
  sharedBlocked: z.number().int(),
});
export type ResourceIndicator = z.infer<typeof ResourceIndicator>;

export const CodedTermHit = z.object({
  captureId: z.string(),
  lexiconId: z.string(),
  lexiconVersion: z.number().int(),
  termId: z.string(),
  term: z.string(),
  category: z.string(),
  language: z.string(),
  offset: z.number().int(),
  length: z.number().int(),
  box: IndicatorBox.nullable(),
});
export type CodedTermHit = z.infer<typeof CodedTermHit>;

export const ResourceIndicators = z.object({
  resourceId: z.string(),
  indicators: z.array(ResourceIndicator),
  hits: z.array(CodedTermHit),
});
export type ResourceIndicators = z.infer<typeof ResourceIndicators>;

export const IndicatorHolder = z.object({
  resourceId: z.string(),
  url: z.string(),
  state: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  captures: z.array(
    z.object({ captureId: z.string(), capturedAt: z.string(), occurrences: z.number().int() }),
  ),
});
export type IndicatorHolder = z.infer<typeof IndicatorHolder>;

export const IndicatorHolders = z.object({
  type: IndicatorType,
  value: z.string(),
  resources: z.array(IndicatorHolder),
});
export type IndicatorHolders = z.infer<typeof IndicatorHolders>;

/** "Shares wallet … with 12 resources, 3 already blocked": one line per shared indicator. */
export const IntakeHint = z.object({
  type: IndicatorType,
  value: z.string(),
  resources: z.number().int(),
  blocked: z.number().int(),
});
export type IntakeHint = z.infer<typeof IntakeHint>;

/** The cluster around a resource: resources and indicators as nodes, holdings as edges. */
export const IndicatorNetwork = z.object({
  resources: z.array(
    z.object({ id: z.string(), url: z.string(), state: z.string(), indicators: z.number().int() }),
  ),
  indicators: z.array(z.object({ type: IndicatorType, value: z.string(), resources: z.number().int() })),
  edges: z.array(z.object({ resourceId: z.string(), type: IndicatorType, value: z.string() })),
  /** The walk stopped at its node limit: the cluster is larger than shown. */
  truncated: z.boolean(),
});
export type IndicatorNetwork = z.infer<typeof IndicatorNetwork>;

/**
 * A draft of the decision's facts and keywords from the resource's hits and indicators: text the
 * reviewer edits, never a decision. `terms` are `lexicon@version:term` of the hits it used.
 */
export const DecisionSuggestion = z.object({
  facts: z.string(),
  keywords: z.array(DsaKeyword),
  category: DsaCategory.nullable(),
  terms: z.array(z.string()),
  indicators: z.number().int(),
});
export type DecisionSuggestion = z.infer<typeof DecisionSuggestion>;

/** How many distinct indicators and coded terms the newest extraction of each resource's captures found. */
export const IndicatorCounts = z.object({
  resourceId: z.string(),
  indicators: z.number().int(),
  terms: z.number().int(),
});
export type IndicatorCounts = z.infer<typeof IndicatorCounts>;

export const IndicatorExportFormat = z.enum(['stix', 'csv']);
export type IndicatorExportFormat = z.infer<typeof IndicatorExportFormat>;

export const indicatorsMethods = defineMethods({
  /** Every indicator and coded-term hit of the resource's captures (newest extraction of each). */
  'indicators.ofResource': {
    input: z.object({ resourceId: z.string().min(1) }).strict(),
    output: ResourceIndicators,
    access: 'signed-in',
  },
  /** Every resource and capture holding one indicator, with first and last seen. */
  'indicators.holders': {
    input: z.object({ type: IndicatorType, value: z.string().min(1).max(500) }).strict(),
    output: IndicatorHolders,
    access: 'signed-in',
  },
  /** The cluster of resources linked to this one through shared indicators. */
  'indicators.network': {
    input: z.object({ resourceId: z.string().min(1) }).strict(),
    output: IndicatorNetwork,
    access: 'signed-in',
  },
  /** A draft of the decision's facts and keywords in `language`, from the resource's hits and indicators. */
  'indicators.suggestDecision': {
    input: z.object({ resourceId: z.string().min(1), language: Language }).strict(),
    output: DecisionSuggestion,
    access: 'signed-in',
  },
  /** What intake says about a report: indicators of its URL and captures that other resources hold. */
  'indicators.intakeHints': {
    input: z.object({ resourceId: z.string().min(1), url: z.string().max(8192).optional() }).strict(),
    output: z.array(IntakeHint),
    access: 'signed-in',
  },
  /** After a bulk import: how many of the reports share an indicator with known resources, and the widest. */
  'indicators.intakeSummary': {
    input: z
      .object({
        reports: z.array(z.object({ resourceId: z.string().min(1), url: z.string().max(8192) })).max(1000),
      })
      .strict(),
    output: z.object({ sharing: z.number().int(), top: z.array(IntakeHint) }),
    access: 'signed-in',
  },
  /** Counts for a page of a list (one grouped query per kind). */
  'indicators.counts': {
    input: z.object({ resourceIds: z.array(z.string().min(1)).max(500) }).strict(),
    output: z.array(IndicatorCounts),
    access: 'signed-in',
  },
  /**
   * A case's or resources' indicators as a STIX 2.1 bundle or CSV, written into the data dir's
   * exports/ (or a path the desktop dialog granted); the file's text comes back for a download.
   */
  'indicators.export': {
    input: z
      .object({
        caseRef: z.string().min(1).max(64).optional(),
        resourceIds: z.array(ResourceId).max(10_000).optional(),
        format: IndicatorExportFormat,
        outPath: z.string().max(4096).optional(),
      })
      .strict(),
    output: z.object({
      path: z.string(),
      fileName: z.string(),
      mediaType: z.string(),
      resources: z.number().int(),
      indicators: z.number().int(),
      occurrences: z.number().int(),
      /** The file's text for a browser download; null when it is larger than a download is offered for. */
      content: z.string().nullable(),
    }),
    access: ['investigator', 'reviewer', 'admin'],
  },
});
