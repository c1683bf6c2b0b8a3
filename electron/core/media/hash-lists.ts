import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CaptureId } from '@shared/domain/ids';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import {
  allHashLists,
  hashListVersions,
  insertAssessment,
  insertHashList,
  insertHashListEntries,
  type HashListRow,
} from '../db/repositories/hash-lists-repo';
import type { Workspace } from '../workspace';
import { HASH_LABEL, parseHashListFile } from './hash-list-file';

/**
 * Known-hash lists and reviewers' assessments of media items, as the administrator and reviewers
 * keep them. Stages of an import: check the acting role → read the file (bounded) → parse it whole
 * (a bad row refuses the file) → settle the version (given, or the next whole number for the name)
 * → store the list row, its entries and the `hashlist.imported` custody row in one transaction.
 *
 * Invariant: lists and assessments are append-only; a changed list is a new version, a changed
 * view of an item a new assessment. Only an administrator imports; reviewers and admins assess.
 */

/** Far above any list in use (a million entries of all three hashes is ~180 MB of CSV). */
export const MAX_HASH_LIST_BYTES = 512 * 1024 * 1024;

const LIST_NAME = /^[^\p{Cc}]{1,100}$/u;
const LIST_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export type ImportListInput = Readonly<{
  text: string;
  fileName: string;
  name: string;
  source?: string | undefined;
  version?: string | undefined;
  actor: string;
  role: Role;
}>;

export type ImportedList = HashListRow & Readonly<{ format: 'csv' | 'json' }>;

export type AssessInput = Readonly<{
  sha256: string;
  md5?: string | null | undefined;
  pdq?: string | null | undefined;
  label: string;
  captureId?: CaptureId | null | undefined;
  actor: string;
  role: Role;
}>;

export type RecordedAssessment = Readonly<{
  seq: number;
  sha256: string;
  md5: string | null;
  pdq: string | null;
  label: string;
  captureId: CaptureId | null;
  assessedBy: string;
  assessedAt: string;
}>;

export type HashListService = Readonly<{
  list: () => Promise<HashListRow[]>;
  importText: (input: ImportListInput) => Promise<ImportedList>;
  importFile: (path: string, input: Omit<ImportListInput, 'text' | 'fileName'>) => Promise<ImportedList>;
  assess: (input: AssessInput) => Promise<RecordedAssessment>;
}>;

/** The next whole-number version after the largest whole-number one the name already has. */
export function nextListVersion(existing: readonly string[]): string {
  const numbers = existing.filter((v) => /^\d{1,9}$/.test(v)).map(Number);
  return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1);
}

function hexOrNull(value: string | null | undefined, length: number, what: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const hex = value.trim().toLowerCase();
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex))
    throw new AppError('input.invalid', `${what} is not ${length} hex digits`);
  return hex;
}

export function createHashListService(ws: Workspace): HashListService {
  const importText: HashListService['importText'] = async (input) => {
    if (input.role !== 'admin')
      throw new AppError('auth.forbidden', 'only an administrator imports hash lists');
    const name = input.name.trim();
    if (!LIST_NAME.test(name))
      throw new AppError('input.invalid', '--name NAME is required (1–100 characters)');
    const source = (input.source ?? '').trim();
    if (source.length > 500) throw new AppError('input.invalid', '--source is at most 500 characters');
    const given = input.version?.trim();
    if (given !== undefined && !LIST_VERSION.test(given))
      throw new AppError('input.invalid', '--list-version is letters, digits, . _ - (at most 40)');
    const parsed = parseHashListFile(input.text);
    const fileSha256 = createHash('sha256').update(input.text, 'utf8').digest('hex');
    return ws.record(async (tx, audit) => {
      // The version is settled inside the write transaction: two imports of one name cannot race.
      const existing = await hashListVersions(tx, name);
      if (given !== undefined && existing.includes(given))
        throw new AppError('input.invalid', `version ${given} of list ${name} is already imported`);
      const version = given ?? nextListVersion(existing);
      const row = {
        name,
        version,
        source,
        fileName: input.fileName,
        fileSha256,
        entryCount: parsed.entries.length,
        importedBy: input.actor,
        importedAt: ws.clock().toISOString(),
      };
      const seq = await insertHashList(tx, row);
      await insertHashListEntries(tx, seq, parsed.entries);
      await audit({
        actor: input.actor,
        action: 'hashlist.imported',
        subject: `hashlist:${name}@${version}`,
        details: {
          name,
          version,
          source,
          fileName: input.fileName,
          fileSha256,
          format: parsed.format,
          entries: parsed.entries.length,
        },
      });
      return { ...row, seq, format: parsed.format };
    });
  };

  return {
    list: () => ws.db.read((c) => allHashLists(c)),
    importText,
    async importFile(path, input) {
      if (input.role !== 'admin')
        throw new AppError('auth.forbidden', 'only an administrator imports hash lists');
      let text: string;
      try {
        const info = await stat(path);
        if (info.size > MAX_HASH_LIST_BYTES)
          throw new AppError(
            'input.invalid',
            `${path} is larger than ${MAX_HASH_LIST_BYTES / 1024 / 1024} MiB`,
          );
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('input.invalid', `${path} cannot be read`);
      }
      return importText({ ...input, text, fileName: basename(path) });
    },
    async assess(input) {
      if (input.role !== 'reviewer' && input.role !== 'admin')
        throw new AppError('auth.forbidden', 'only a reviewer or an administrator assesses media');
      const sha256 = hexOrNull(input.sha256, 64, 'sha256');
      if (sha256 === null) throw new AppError('input.invalid', 'sha256 is required');
      const label = input.label.trim().toLowerCase();
      if (!HASH_LABEL.test(label))
        throw new AppError('input.invalid', 'label must be a short slug (a-z, 0-9, _ . : -)');
      const row = {
        sha256,
        md5: hexOrNull(input.md5, 32, 'md5'),
        pdq: hexOrNull(input.pdq, 64, 'pdq'),
        label,
        captureId: input.captureId ?? null,
        assessedBy: input.actor,
        assessedAt: ws.clock().toISOString(),
      };
      const seq = await ws.record(async (tx, audit) => {
        const id = await insertAssessment(tx, row);
        await audit({
          actor: input.actor,
          action: 'media.assessed',
          subject: `media:${sha256}`,
          details: { label, md5: row.md5, pdq: row.pdq, captureId: row.captureId },
        });
        return id;
      });
      return { ...row, seq };
    },
  };
}
