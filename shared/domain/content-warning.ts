import type { CategoryHint } from './resources';

/**
 * Reports under these categories carry a content warning: the resource and review screens show it
 * before any media of the resource loads (no artifact request until the user continues).
 */
export const CONTENT_WARNING_CATEGORIES: readonly CategoryHint[] = ['minors', 'extremism'];

/** The categories of a resource that call for the warning (empty: none). */
export const contentWarningOf = (categories: readonly CategoryHint[]): CategoryHint[] =>
  categories.filter((c) => CONTENT_WARNING_CATEGORIES.includes(c));
