import { z } from 'zod';
import { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import { ResourceId } from '@shared/domain/ids';
import { CategoryHint, Report, ResourceState, ResourceSummary, SourceType } from '@shared/domain/resources';
import { defineMethods } from '../define';
import { SuspectedCsamState } from './flags';

export const ReportFields = z
  .object({
    url: z.string().max(8192 + 1),
    sourceType: SourceType.default('citizen'),
    reporterRef: z.string().max(200).optional(),
    category: CategoryHint.optional(),
    note: z.string().max(5000).optional(),
    receivedAt: z.string().optional(),
    caseRef: z.string().max(64).optional(),
    /** The intake answer for `minors` reports: yes flags the resource (restricted capture). */
    suspectedCsam: z.boolean().optional(),
  })
  .strict();

export const ImportLine = z.object({
  line: z.number().int(),
  url: z.string(),
  outcome: z.enum(['added', 'merged', 'rejected']),
  resourceId: z.string().optional(),
  reason: z.string().optional(),
});
export type ImportLine = z.infer<typeof ImportLine>;

export const ImportResult = z.object({
  lines: z.array(ImportLine),
  added: z.number().int(),
  merged: z.number().int(),
  rejected: z.number().int(),
});

const ImportInput = z
  .object({
    fileName: z.string().max(260),
    content: z.string().max(20_000_000),
    defaults: ReportFields.partial().optional(),
  })
  .strict();

export const ResourceDetail = z.object({
  resource: ResourceSummary,
  reports: z.array(Report),
  captures: z.array(CaptureRecord),
  decisions: z.array(DecisionRecord),
  allowedActions: z.array(z.string()),
  /** The resource's suspected_csam flag (flags.ts); its media are never shown or kept when raised. */
  suspectedCsam: SuspectedCsamState.optional(),
});
export type ResourceDetail = z.infer<typeof ResourceDetail>;

export const DashboardStats = z.object({
  byState: z.record(z.string(), z.number().int()),
  byCategory: z.record(z.string(), z.number().int()),
  perDay: z.array(z.object({ date: z.string(), captures: z.number().int(), decisions: z.number().int() })),
  waitingForMe: z.number().int(),
});

export const intakeMethods = defineMethods({
  'reports.add': {
    input: ReportFields,
    output: z.object({ report: Report, resource: ResourceSummary, merged: z.boolean() }),
    access: ['investigator', 'admin'],
  },
  /** Dry run of an import: what would be added, merged or rejected, line by line. Writes nothing. */
  'reports.previewImport': { input: ImportInput, output: ImportResult, access: ['investigator', 'admin'] },
  'reports.import': { input: ImportInput, output: ImportResult, access: ['investigator', 'admin'] },
  'resources.list': {
    input: z
      .object({
        state: ResourceState.optional(),
        category: CategoryHint.optional(),
        text: z.string().max(500).optional(),
        sort: z.enum(['updatedAt', 'createdAt', 'reportCount', 'url']).default('updatedAt'),
        direction: z.enum(['asc', 'desc']).default('desc'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    output: z.object({ items: z.array(ResourceSummary), total: z.number().int() }),
    access: 'signed-in',
  },
  'resources.get': {
    input: z.object({ id: ResourceId }).strict(),
    output: ResourceDetail,
    access: 'signed-in',
  },
  'dashboard.stats': { input: z.object({}).strict(), output: DashboardStats, access: 'signed-in' },
});
