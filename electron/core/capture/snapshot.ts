import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { errorMessage } from '@shared/errors/app-error';
import type { CaptureProfile } from './capture-profile';
import { CancelledError, bounded } from './deadline';
import { hideMedia, restoreMedia, stripDataMedia } from './media-placeholders';
import type { RestrictedScreenshots } from './media-withholding';
import { extractPage } from './page-extract';
import { LAYOUT_NAME, readPageLayout } from './page-layout';
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
  /**
   * Restricted capture (media-withholding.ts): no MHTML (it embeds the media), `data:` media cut
   * from the DOM, and screenshots with placeholders instead of media, or none.
   */
  restricted?: RestrictedScreenshots | null;
}): Promise<Snapshot> {
  const { page, session, profile, deadline, signal } = opts;
  const restricted = opts.restricted ?? null;
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
      if (restricted) return;
      const r = await bounded(
        session.send('Page.captureSnapshot', { format: 'mhtml' }),
        deadline,
        'MHTML',
        signal,
      );
      await write({ kind: 'mhtml', name: 'page.mhtml', mediaType: 'multipart/related' }, r.data);
    }),
    attempt('layout', async () => {
      // Boxes of the page's text, links and data-* elements: where an indicator sits on the screenshot.
      const layout = await readPageLayout(page, deadline, signal);
      await write({ kind: 'layout', name: LAYOUT_NAME, mediaType: 'application/json' }, layout);
    }),
    attempt('dom', async () => {
      const content = await bounded(page.content(), deadline, 'DOM', signal);
      const html = restricted ? stripDataMedia(content) : content;
      await write({ kind: 'dom', name: 'dom.html', mediaType: 'text/html; charset=utf-8' }, html);
    }),
  ]);
  let shot: FullPageShot | null = null;
  // A restricted page whose media could not be hidden is not photographed at all.
  let shots = restricted === null;
  if (restricted === 'none')
    warnings.push({
      code: 'restricted.no-screenshot',
      message:
        'Not photographed: the policy for restricted captures is no screenshot (restricted.screenshots = none)',
    });
  if (restricted === 'placeholders')
    await attempt('placeholders', async () => {
      await hideMedia(page, deadline, signal);
      shots = true;
    });
  if (shots)
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
  if (shots)
    await attempt('viewport', async () => {
      const full = shot;
      let file: string;
      if (full && isViewportShot(full, profile)) {
        file = await copyAsViewport(full, dir);
      } else {
        await bounded(page.evaluate('window.scrollTo(0, 0)'), deadline, 'scroll to top', signal);
        file = await captureViewport({ session, dir, deadline, ...(signal ? { signal } : {}) });
      }
      artifacts.push({
        kind: 'screenshot-viewport',
        name: path.basename(file),
        mediaType: 'image/png',
        file,
      });
    });
  if (restricted === 'placeholders') await attempt('restore', () => restoreMedia(page, deadline, signal));
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
