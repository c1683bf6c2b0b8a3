import { z } from 'zod';
import { ResourceId } from '@shared/domain/ids';
import { defineMethods } from '../define';

/**
 * The `suspected_csam` flag of a resource, as a view: raised or not, and its newest event. A
 * flagged resource is captured restricted (media hashed, never kept).
 */
export const SuspectedCsamState = z.object({
  flagged: z.boolean(),
  last: z
    .object({
      event: z.enum(['raised', 'lifted']),
      source: z.enum(['intake', 'investigator', 'hashlist', 'admin']),
      reason: z.string(),
      actor: z.string(),
      at: z.string(),
    })
    .nullable(),
});
export type SuspectedCsamState = z.infer<typeof SuspectedCsamState>;

export const flagsMethods = defineMethods({
  /** Raises the flag (investigator, admin); lifting it is an admin's act with a reason. Both are custody events. */
  'resources.flag': {
    input: z
      .object({
        resourceId: ResourceId,
        action: z.enum(['raise', 'lift']),
        reason: z.string().trim().min(1, 'a reason is required').max(2000),
      })
      .strict(),
    output: SuspectedCsamState,
    access: ['investigator', 'admin'],
  },
});
