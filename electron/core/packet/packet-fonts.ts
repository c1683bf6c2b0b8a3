import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@shared/errors/app-error';
import type { FontFiles } from './packet-html';

/** The shipped Noto fonts the packet is laid out in (Latin, Cyrillic, Arabic, monospace hashes). */
const FONT_FILES = {
  sansRegular: 'NotoSans-Regular.ttf',
  sansBold: 'NotoSans-Bold.ttf',
  naskhRegular: 'NotoNaskhArabic-Regular.ttf',
  naskhBold: 'NotoNaskhArabic-Bold.ttf',
  mono: 'NotoSansMono-Regular.ttf',
} as const satisfies Record<keyof FontFiles, string>;

/** Looks for resources/fonts above this module (source tree, bundled out/, packaged app resources). */
export function findFontsDir(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'fonts'));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, 'fonts'));
  candidates.push(resolve('resources', 'fonts'));
  const found = candidates.find((c) => existsSync(join(c, FONT_FILES.sansRegular)));
  if (found === undefined) {
    throw new AppError('env.tool-missing', 'packet fonts not found (resources/fonts)', { candidates });
  }
  return found;
}

export async function loadFonts(dir: string): Promise<FontFiles> {
  const read = (name: string) => readFile(join(dir, name));
  const [sansRegular, sansBold, naskhRegular, naskhBold, mono] = await Promise.all([
    read(FONT_FILES.sansRegular),
    read(FONT_FILES.sansBold),
    read(FONT_FILES.naskhRegular),
    read(FONT_FILES.naskhBold),
    read(FONT_FILES.mono),
  ]);
  return { sansRegular, sansBold, naskhRegular, naskhBold, mono };
}
