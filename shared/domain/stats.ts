import { z } from 'zod';

/**
 * The unit's statistics over a period (`vigil stats`, the Statistics screen, the period report):
 * counts per stage, the time between stages, breakdowns and per-week counts. Resources count in the
 * period they were reported in; every figure is derived from the records, none is stored.
 */
const Duration = z.object({
  count: z.number().int(),
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
});

const Breakdown = z.array(
  z.object({
    key: z.string(),
    referred: z.number().int(),
    removed: z.number().int(),
    refused: z.number().int(),
  }),
);

/** Buckets of the time from notice to removal, in this order. */
export const REMOVAL_BUCKETS = ['under_1h', 'under_24h', 'under_3d', 'under_7d', 'over_7d'] as const;
export type RemovalBucket = (typeof REMOVAL_BUCKETS)[number];

export const StatsReport = z.object({
  from: z.string(),
  to: z.string(),
  counts: z.object({
    reported: z.number().int(),
    captured: z.number().int(),
    reviewed: z.number().int(),
    approved: z.number().int(),
    referred: z.number().int(),
    removed: z.number().int(),
  }),
  /** removed / referred, 0..1; null when nothing was referred. */
  removalRate: z.number().nullable(),
  /** Referrals that re-appeared / referrals that were removed; null when none was removed. */
  reappearanceRate: z.number().nullable(),
  durations: z.object({
    reportToCapture: Duration,
    captureToDecision: Duration,
    decisionToNotice: Duration,
    noticeToRemoval: Duration,
  }),
  byCategory: z.array(z.object({ key: z.string(), reported: z.number().int(), removed: z.number().int() })),
  byRecipient: Breakdown,
  byRecipientKind: Breakdown,
  byRegime: Breakdown,
  refusalReasons: z.array(z.object({ key: z.string(), count: z.number().int() })),
  /** Monday (UTC) of each week with activity, oldest first. */
  perWeek: z.array(
    z.object({
      week: z.string(),
      reported: z.number().int(),
      referred: z.number().int(),
      removed: z.number().int(),
    }),
  ),
  removalDistribution: z.array(z.object({ bucket: z.enum(REMOVAL_BUCKETS), count: z.number().int() })),
});
export type StatsReport = z.infer<typeof StatsReport>;
