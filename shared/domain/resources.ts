import { z } from 'zod';

export const RESOURCE_STATES = [
  'reported',
  'captured',
  'capture_failed',
  'in_review',
  'approved',
  'rejected',
  'needs_recapture',
  'blocked',
  'block_verified',
  // A signed appeal decision lifted the measure; the recipients were sent a lift notice.
  'lifted',
] as const;
export const ResourceState = z.enum(RESOURCE_STATES);
export type ResourceState = z.infer<typeof ResourceState>;

export const SOURCE_TYPES = [
  'volunteer',
  'citizen',
  'trusted_flagger',
  'platform',
  'own_initiative',
] as const;
export const SourceType = z.enum(SOURCE_TYPES);
export type SourceType = z.infer<typeof SourceType>;

export const CATEGORY_HINTS = ['drugs', 'smuggling', 'minors', 'extremism', 'fraud', 'other'] as const;
export const CategoryHint = z.enum(CATEGORY_HINTS);
export type CategoryHint = z.infer<typeof CategoryHint>;

export const LANGUAGES = ['en', 'ar', 'ru'] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;

export const Report = z.object({
  id: z.string(),
  resourceId: z.string(),
  originalUrl: z.string(),
  sourceType: SourceType,
  reporterRef: z.string().nullable(),
  category: CategoryHint.nullable(),
  note: z.string().nullable(),
  receivedAt: z.string(),
  createdBy: z.string(),
});
export type Report = z.infer<typeof Report>;

export const ResourceSummary = z.object({
  id: z.string(),
  caseRef: z.string().nullable(),
  url: z.string(),
  /** The Unicode form for display; `url` is the normalised (punycode) form. */
  displayUrl: z.string(),
  host: z.string(),
  state: ResourceState,
  categories: z.array(CategoryHint),
  reportCount: z.number().int(),
  captureCount: z.number().int(),
  lastCapturedAt: z.string().nullable(),
  lastTitle: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ResourceSummary = z.infer<typeof ResourceSummary>;
