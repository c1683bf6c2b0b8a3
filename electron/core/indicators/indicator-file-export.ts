import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { IndicatorExportFormat } from '@shared/contract/methods/indicators';
import { AppError } from '@shared/errors/app-error';
import { findCaseByRef } from '../db/repositories/cases-repo';
import { occurrencesOfResources, resourceIdsOfCase } from '../db/repositories/indicators-repo';
import { getResourceRef } from '../db/repositories/resources-repo';
import type { Workspace } from '../workspace';
import { indicatorsCsv, indicatorsStixBundle } from './indicator-export';

/**
 * The indicators of a case or of chosen resources written to a file (STIX 2.1 or CSV): never over an
 * existing file unless asked, and every export a custody event.
 */
export type ExportTarget = Readonly<{ caseRef: string } | { resourceIds: readonly string[] }>;
export type ExportResult = Readonly<{
  path: string;
  text: string;
  resources: number;
  indicators: number;
  occurrences: number;
}>;

export async function exportIndicators(
  ws: Workspace,
  target: ExportTarget,
  format: IndicatorExportFormat,
  file: string,
  opts: Readonly<{ actor: string; overwrite?: boolean }>,
): Promise<ExportResult> {
  const { ids, resources } = await ws.db.read(async (c) => {
    let ids: readonly string[];
    if ('caseRef' in target) {
      const caseId = await findCaseByRef(c, target.caseRef);
      if (caseId === null) throw new AppError('evidence.not-found', `no case ${target.caseRef}`);
      ids = await resourceIdsOfCase(c, caseId);
    } else ids = target.resourceIds;
    const refs = [];
    for (const id of ids) {
      const ref = await getResourceRef(c, id);
      if (ref === null) throw new AppError('evidence.not-found', `no resource ${id}`);
      refs.push({ id: ref.id, url: ref.url });
    }
    return { ids, resources: refs };
  });
  const rows = await ws.db.read((c) => occurrencesOfResources(c, ids));
  const text = format === 'stix' ? indicatorsStixBundle(resources, rows) : indicatorsCsv(resources, rows);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { flag: opts.overwrite === true ? 'w' : 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST')
        throw new AppError('input.invalid', `${basename(file)} already exists; choose another name`);
      throw error;
    },
  );
  await ws.record((_tx, audit) =>
    audit({
      actor: opts.actor,
      action: 'indicators.exported',
      subject: 'caseRef' in target ? `case:${target.caseRef}` : `resources:${ids.length}`,
      details: { format, file, resources: ids.length, occurrences: rows.length },
    }),
  );
  const indicators = new Set(rows.map((r) => `${r.type}:${r.value}`)).size;
  return { path: file, text, resources: ids.length, indicators, occurrences: rows.length };
}
