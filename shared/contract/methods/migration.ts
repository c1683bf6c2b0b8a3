import { z } from 'zod';

/**
 * `vigil migrate-to-server`: the team server's `/migrate/…` routes (an administrator's session, outside
 * the RPC table because blobs travel as raw streamed bodies). These are the bodies on that wire,
 * parsed once on arrival on either side.
 */

export const MIGRATION_ROUTES = {
  begin: '/migrate/begin',
  blob: '/migrate/blobs/',
  rows: '/migrate/rows',
  finish: '/migrate/finish',
} as const;

/**
 * The tables copied, parents before children. `reference` rows may already be on the server (the
 * shipped catalogue, a user of the same name): those are compared with the copied row and counted
 * when equal (electron/core/migrate-server/row-comparison.ts), the migration refused when not. Left out on
 * purpose: the custody log and its heads (kept whole as a content-addressed archive, see below),
 * resource_milestones and the statistics summaries resource_stats and referral_stats (rebuilt by the
 * server's own triggers), and what belongs to one machine
 * (settings, sessions, lock-outs, workers, import jobs, time-stamp queries, trusted CAs, revocations).
 */
export const MIGRATED_TABLES = [
  { table: 'users', reference: true },
  { table: 'legal_bases', reference: true },
  { table: 'recipients', reference: true },
  { table: 'notice_templates', reference: true },
  { table: 'hash_lists', reference: true },
  { table: 'hash_list_entries', reference: true },
  { table: 'lexicon_versions', reference: true },
  { table: 'indicators', reference: true },
  { table: 'cases', reference: false },
  { table: 'resources', reference: false },
  { table: 'reports', reference: false },
  { table: 'blobs', reference: true },
  { table: 'captures', reference: false },
  { table: 'artifacts', reference: false },
  { table: 'capture_timestamps', reference: false },
  { table: 'decisions', reference: false },
  { table: 'decision_origins', reference: false },
  { table: 'packets', reference: false },
  { table: 'media_assessments', reference: false },
  { table: 'resource_flag_events', reference: false },
  { table: 'csam_authorisations', reference: false },
  { table: 'media_reveals', reference: false },
  { table: 'media_reveal_ends', reference: false },
  { table: 'referrals', reference: false },
  { table: 'referral_events', reference: false },
  { table: 'notices', reference: false },
  { table: 'appeals', reference: false },
  { table: 'appeal_events', reference: false },
  { table: 'rechecks', reference: false },
  { table: 'extraction_runs', reference: false },
  { table: 'indicator_occurrences', reference: false },
  { table: 'lexicon_hits', reference: false },
  { table: 'scheduled_sends', reference: false },
  { table: 'scheduled_send_outcomes', reference: false },
  { table: 'text_index', reference: false },
] as const;

export const MigratedTable = z.enum(
  MIGRATED_TABLES.map((t) => t.table) as [
    (typeof MIGRATED_TABLES)[number]['table'],
    ...(typeof MIGRATED_TABLES)[number]['table'][],
  ],
);
export type MigratedTable = z.infer<typeof MigratedTable>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** The workstation's signed head of its custody log, as `logs/audit-head.json` holds it. */
export const MigrationHead = z
  .object({
    seq: z.number().int().positive(),
    hash: Sha256,
    at: z.string(),
    keyId: z.string(),
    signature: z.string(),
  })
  .strict();

export const MigrationBegin = z
  .object({
    workstationCertificatePem: z.string().min(1).max(20_000),
    caCertificatePem: z.string().min(1).max(20_000),
    head: MigrationHead,
  })
  .strict();
export type MigrationBegin = z.infer<typeof MigrationBegin>;

/** `resumed`: the server continues the in-progress migration of this same workstation. */
export const MigrationBeginReply = z.object({ migrationId: z.string(), resumed: z.boolean() }).strict();

/** Rows of one table, in the source's storage order; values as stored (text, numbers, null). */
export const MigrationRows = z
  .object({
    migrationId: z.string(),
    table: MigratedTable,
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))).max(5000),
  })
  .strict();
export type MigrationRows = z.infer<typeof MigrationRows>;

export const MigrationFinish = z
  .object({
    migrationId: z.string(),
    /** Rows per table on the source: the server compares what it holds against these. */
    counts: z.record(z.string(), z.number().int().nonnegative()),
    blobs: z
      .object({ count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() })
      .strict(),
    /** The source's custody rows, one JSON object per line, uploaded as a blob beforehand. */
    auditArchiveSha256: Sha256,
  })
  .strict();
export type MigrationFinish = z.infer<typeof MigrationFinish>;

export const MigrationReport = z
  .object({
    migrationId: z.string(),
    /** True when this run finished a migration an earlier, broken-off run had begun. */
    resumed: z.boolean(),
    /** `alreadyThere`: rows the server held before this run, compared equal to the workstation's. */
    tables: z.array(
      z
        .object({ table: z.string(), source: z.number(), inserted: z.number(), alreadyThere: z.number() })
        .strict(),
    ),
    blobs: z.object({ count: z.number(), bytes: z.number(), verified: z.number() }).strict(),
    captures: z.object({ count: z.number(), signaturesVerified: z.number() }).strict(),
    decisions: z.object({ signaturesVerified: z.number() }).strict(),
    custody: z
      .object({
        sourceRows: z.number(),
        sourceHeadSeq: z.number(),
        archiveSha256: Sha256,
        eventSeq: z.number(),
      })
      .strict(),
    caSha256: Sha256,
  })
  .strict();
export type MigrationReport = z.infer<typeof MigrationReport>;
