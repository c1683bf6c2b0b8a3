import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { errorMessage } from '@shared/errors/app-error';
import type { CaptureProfile } from './capture-profile';
import { CancelledError, bounded } from './deadline';
import { extractPage } from './page-extract';
import type { PageExtract } from './page-extract';
import type { CaptureWarning, RawArtifact } from './raw-artifact';
import { captureFullPage, captureViewport, copyAsViewport, isViewportShot } from './screenshot';
import type { FullPageShot } from './screenshot';

export type Snapshot = {
  artifacts: RawArtifact[];
  warnings: CaptureWarning[];
  extract: PageExtract | null;
  /** Deletes this snapshot's files (it was taken while the page was still changing). */
  discard(): Promise<void>;
};

/**
 * Everything the page shows at one moment (DESIGN §4 stage 3): visible text and metadata, MHTML,
 * rendered DOM, full-page and viewport screenshots. A part that fails is a warning, not the end of
 * the capture; only a cancel throws. The readers go out together, the screenshots after them
 * (a full-page shot briefly resizes the page).
 */
export async function takeSnapshot(opts: {
  page: Page;
  session: CDPSession;
  /** The capture's work directory: each snapshot writes into a directory of its own there. */
  workDir: string;
  profile: CaptureProfile;
  deadline: number;
  signal?: AbortSignal;
  crashed: () => boolean;
}): Promise<Snapshot> {
  const { page, session, profile, deadline, signal } = opts;
  const dir = await mkdtemp(path.join(opts.workDir, 'snapshot-'));
  const artifacts: RawArtifact[] = [];
  const warnings: CaptureWarning[] = [];
  let extract: PageExtract | null = null;
  const attempt = async (what: string, step: () => Promise<void>): Promise<void> => {
    if (opts.crashed()) return;
    try {
      await step();
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      warnings.push({ code: `snapshot.${what}`, message: `${what}: ${errorMessage(error)}` });
    }
  };
  const write = async (artifact: Omit<RawArtifact, 'file'>, data: string | Buffer): Promise<void> => {
    const file = path.join(dir, artifact.name);
    await writeFile(file, data, { flag: 'wx' });
    artifacts.push({ ...artifact, file });
  };

  await Promise.all([
    attempt('extract', async () => {
      extract = await extractPage(page, deadline, signal);
    }),
    attempt('mhtml', async () => {
      const r = await bounded(
        session.send('Page.captureSnapshot', { format: 'mhtml' }),
        deadline,
        'MHTML',
        signal,
      );
      await write({ kind: 'mhtml', name: 'page.mhtml', mediaType: 'multipart/related' }, r.data);
    }),
    attempt('dom', async () => {
      const html = await bounded(page.content(), deadline, 'DOM', signal);
      await write({ kind: 'dom', name: 'dom.html', mediaType: 'text/html; charset=utf-8' }, html);
    }),
  ]);
  let shot: FullPageShot | null = null;
  await attempt('screenshot', async () => {
    const full = await captureFullPage({
      session,
      dir,
      profile,
      maxHeightPx: profile.scroll.maxHeightPx,
      deadline,
      ...(signal ? { signal } : {}),
    });
    shot = full;
    for (const seg of full.segments) {
      artifacts.push({
        kind: 'screenshot',
        name: seg.name,
        mediaType: 'image/png',
        file: seg.file,
        ...(seg.count > 1
          ? { segment: { index: seg.index, count: seg.count, top: seg.top, height: seg.height } }
          : {}),
      });
    }
    if (full.cutPx > 0) {
      warnings.push({
        code: 'screenshot.truncated',
        message: `The page is ${full.cutPx} px taller than the screenshot limit`,
      });
    }
  });
  await attempt('viewport', async () => {
    const full = shot;
    let file: string;
    if (full && isViewportShot(full, profile)) {
      file = await copyAsViewport(full, dir);
    } else {
      await bounded(page.evaluate('window.scrollTo(0, 0)'), deadline, 'scroll to top', signal);
      file = await captureViewport({ session, dir, deadline, ...(signal ? { signal } : {}) });
    }
    artifacts.push({ kind: 'screenshot-viewport', name: path.basename(file), mediaType: 'image/png', file });
  });
  const ex = extract as PageExtract | null;
  if (ex) await write({ kind: 'text', name: 'text.txt', mediaType: 'text/plain; charset=utf-8' }, ex.text);
  return {
    artifacts,
    warnings,
    extract: ex,
    async discard() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
