import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoticeTemplate } from '@shared/domain/notice-template';
import { AppError } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import { sha256Hex } from '../custody/signing';
import type { WriteConn } from '../db/database';
import { insertNoticeTemplateVersion, noticeTemplateHash } from '../db/repositories/referrals-repo';

/**
 * The notice templates (resources/notice-templates/*.json, one regime each). A template version is
 * pinned by the hash of its canonical JSON the first time a referral uses it: a file later edited
 * without raising `version` is refused, so no notice is ever sent under a silently changed text.
 */

const SCHEMA_FILE = 'schema.json';

/** Looks for resources/notice-templates above this module (source tree, bundled out/, packaged app). */
export function findNoticeTemplatesDir(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'notice-templates'));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, 'notice-templates'));
  candidates.push(resolve('resources', 'notice-templates'));
  const found = candidates.find((c) => existsSync(join(c, SCHEMA_FILE)));
  if (found === undefined)
    throw new AppError('env.tool-missing', 'notice templates not found (resources/notice-templates)');
  return found;
}

export function parseNoticeTemplate(json: string, source: string): NoticeTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new AppError('input.invalid', `${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = NoticeTemplate.safeParse(raw);
  if (!parsed.success)
    throw new AppError(
      'input.invalid',
      `${source} is not a notice template: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.map(String).join('.') || '(file)'}: ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}

/** Every template in `dir`, by id. Two files with one id are refused (which one would be meant?). */
export async function loadNoticeTemplates(dir: string): Promise<ReadonlyMap<string, NoticeTemplate>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && n !== SCHEMA_FILE).sort();
  const out = new Map<string, NoticeTemplate>();
  for (const name of names) {
    const t = parseNoticeTemplate(await readFile(join(dir, name), 'utf8'), name);
    if (out.has(t.id)) throw new AppError('input.invalid', `two notice templates have the id ${t.id}`);
    out.set(t.id, t);
  }
  return out;
}

export const templateSha256 = (t: NoticeTemplate): string => sha256Hex(canonicalJson(t));

/**
 * Inside the caller's transaction: pins `t` at its version (first use), or checks that it is the
 * same text as when first used. Returns the template's hash.
 */
export async function pinTemplateVersion(tx: WriteConn, t: NoticeTemplate, at: string): Promise<string> {
  const sha256 = templateSha256(t);
  const known = await noticeTemplateHash(tx, t.id, t.version);
  if (known === null) {
    await insertNoticeTemplateVersion(tx, {
      id: t.id,
      version: t.version,
      sha256,
      record: canonicalJson(t),
      createdAt: at,
    });
  } else if (known !== sha256) {
    throw new AppError(
      'input.invalid',
      `notice template ${t.id} v${t.version} was edited after it was used: give the edited text a new version`,
    );
  }
  return sha256;
}
