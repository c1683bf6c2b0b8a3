import { z } from 'zod';
import { IndicatorType } from '@shared/domain/indicators';
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
});
