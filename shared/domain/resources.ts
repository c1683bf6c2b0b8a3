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
] as const;
export const ResourceState = z.enum(RESOURCE_STATES);
export type ResourceState = z.infer<typeof ResourceState>;

export const SOURCE_TYPES = ['volunteer', 'citizen', 'trusted_flagger', 'platform', 'own_initiative'] as const;
export const SourceType = z.enum(SOURCE_TYPES);
export type SourceType = z.infer<typeof SourceType>;

export const CATEGORY_HINTS = ['drugs', 'smuggling', 'minors', 'extremism', 'fraud', 'other'] as const;
export const CategoryHint = z.enum(CATEGORY_HINTS);
export type CategoryHint = z.infer<typeof CategoryHint>;

export const LANGUAGES = ['en', 'ar', 'ru'] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;
