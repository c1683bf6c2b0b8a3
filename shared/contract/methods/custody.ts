import { z } from 'zod';
import { IsoTime, Sha256Hex } from '@shared/domain/ids';
import { defineMethods } from '../define';
import { Settings } from './workspace';

export const AuditRow = z.object({
  seq: z.number().int().positive(),
  at: IsoTime,
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  details: z.unknown(),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
});
export type AuditRow = z.infer<typeof AuditRow>;

/** One kept RFC 3161 token over the head of the custody log, as `audit verify` found it. */
export const HeadTimestampCheck = z.object({
  seq: z.number().int().positive(),
  genTime: z.string(),
  tsa: z.string(),
  serialHex: z.string(),
  ok: z.boolean(),
  problem: z.string().nullable(),
});
export type HeadTimestampCheck = z.infer<typeof HeadTimestampCheck>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  headSeq: z.number().int().nonnegative(),
  headHash: Sha256Hex.nullable(),
  firstBadSeq: z.number().int().nullable(),
  problem: z.string().nullable(),
  /** The kept tokens over the log's head: up to which row the log is anchored, and when. */
  timestamps: z
    .object({
      ok: z.boolean(),
      anchoredSeq: z.number().int().positive().nullable(),
      anchoredAt: z.string().nullable(),
      checks: z.array(HeadTimestampCheck),
    })
    .optional(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/** What the dashboard shows about time: the authority, the captures waiting for a token, the log's anchor. */
export const TimestampStatus = z.object({
  tsa: z.object({
    status: z.enum(['authority', 'none', 'unset']),
    url: z.string().nullable(),
    qualified: z.boolean(),
    policyOid: z.string().nullable(),
  }),
  pending: z.object({ count: z.number().int().nonnegative(), oldestAt: z.string().nullable() }),
  /** The newest head token: the log is anchored up to `seq` at `genTime`; null when none was taken. */
  head: z.object({ seq: z.number().int().positive(), genTime: z.string(), tsa: z.string() }).nullable(),
});
export type TimestampStatus = z.infer<typeof TimestampStatus>;

/** The administrator's answer to "which time-stamp authority?"; "none" is an explicit, recorded choice. */
export const TsaChoiceInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('authority'),
      url: z.string().url().max(2000),
      caPem: z.string().min(1).max(200_000),
      qualified: z.boolean(),
      policyOid: z
        .string()
        .regex(/^[0-2](\.\d+)+$/)
        .nullable(),
    })
    .strict(),
  z.object({ kind: z.literal('none') }).strict(),
]);
export type TsaChoiceInput = z.infer<typeof TsaChoiceInput>;

export const StoreVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  bad: z.array(
    z.object({ sha256: Sha256Hex, problem: z.enum(['missing', 'mismatch', 'size']), path: z.string() }),
  ),
  /** Files in the blob store that no database row names (a deleted row, or a crash before sealing). */
  unreferenced: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative() })).default([]),
});
export type StoreVerifyResult = z.infer<typeof StoreVerifyResult>;

export const custodyMethods = defineMethods({
  'audit.list': {
    input: z
      .object({
        subject: z.string().max(200).optional(),
        actor: z.string().max(64).optional(),
        action: z.string().max(100).optional(),
        beforeSeq: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: z.object({ rows: z.array(AuditRow), total: z.number().int() }),
    access: 'signed-in',
  },
  'audit.verify': { input: z.object({}).strict(), output: AuditVerifyResult, access: 'signed-in' },
  'store.verify': { input: z.object({}).strict(), output: StoreVerifyResult, access: ['admin'] },
  'timestamps.status': { input: z.object({}).strict(), output: TimestampStatus, access: 'signed-in' },
  'timestamps.choose': { input: TsaChoiceInput, output: Settings, access: ['admin'] },
});
