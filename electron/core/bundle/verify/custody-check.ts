import { AuditRow } from '@shared/contract/methods/custody';
import { auditHash } from '@core/custody/audit-log';
import { NAMES, type BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

const parseRow = (line: string): AuditRow | null => {
  try {
    return AuditRow.parse(JSON.parse(line));
  } catch {
    return null;
  }
};

/** What is wrong with the rows: each row's hash recomputes from its own fields; consecutive rows link. */
function rowProblems(lines: readonly string[]): string[] {
  const bad: string[] = [];
  let previous: AuditRow | null = null;
  lines.forEach((line, i) => {
    const row = parseRow(line);
    if (row === null) {
      bad.push(`line ${i + 1} is not an audit row`);
      return;
    }
    if (auditHash(row) !== row.hash) bad.push(`row ${row.seq} (line ${i + 1}) does not recompute`);
    if (previous !== null && row.seq <= previous.seq) bad.push(`row ${row.seq} is out of order`);
    if (previous !== null && row.seq === previous.seq + 1 && row.prevHash !== previous.hash)
      bad.push(`row ${row.seq} does not link to row ${previous.seq}`);
    previous = row;
  });
  return bad;
}

/** custody.jsonl: the audit rows of the bundle's subjects, as many as manifest.json says. */
export function checkCustody(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const custody = ctx.content(NAMES.custody);
  if (custody === null) return [checkOf('custody.rows', NAMES.custody, false, 'custody.jsonl is missing')];
  const lines = custody
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  const bad = rowProblems(lines);
  if (lines.length !== manifest.custody.rows)
    bad.push(`${lines.length} rows, manifest.json says ${manifest.custody.rows}`);
  return [
    checkOf(
      'custody.rows',
      NAMES.custody,
      bad.length === 0,
      bad.length === 0 ? `${lines.length} rows, each hash recomputes` : bad.slice(0, 10).join('; '),
    ),
  ];
}
