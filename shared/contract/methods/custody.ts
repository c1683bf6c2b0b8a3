import { z } from 'zod';
import { IsoTime, Sha256Hex } from '@shared/domain/ids';
import { defineMethods } from '../define';

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

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  headSeq: z.number().int().nonnegative(),
  headHash: Sha256Hex.nullable(),
  firstBadSeq: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const StoreVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  bad: z.array(
    z.object({ sha256: Sha256Hex, problem: z.enum(['missing', 'mismatch', 'size']), path: z.string() }),
  ),
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
});
