import { LAYOUT_METHOD } from './page-layout';
import type { RawArtifact } from './raw-artifact';
import type { RawCapture } from './raw-capture';

export type Derivation = Readonly<{ derivedFrom: readonly string[]; method: string }>;

/**
 * For each artifact, what it is a transformation of and how it was made (Berkeley Protocol para.
 * 154: a reader must know which file is derived from which). The sources are named as
 * `network:…` (recorded responses), `dom@<UTC time>` (the live document when the snapshot began),
 * or the name of another artifact. The methods name the exact Chromium call and its parameters
 * (electron/core/capture/snapshot.ts and screenshot.ts make these calls). An artifact that states
 * its own derivation keeps it; a kind this table does not know says `not recorded`, never a guess.
 */
export function deriveArtifact(
  artifact: Readonly<Pick<RawArtifact, 'kind' | 'name' | 'segment' | 'derivedFrom' | 'method'>>,
  ctx: Readonly<{ raw: RawCapture; viewportIsCopy: boolean; screenshotName: string | null }>,
): Derivation {
  if (artifact.derivedFrom && artifact.method)
    return { derivedFrom: artifact.derivedFrom, method: artifact.method };
  const dom = `dom@${snapshotTime(ctx.raw)}`;
  const document = `network:response ${ctx.raw.finalUrl}`;
  switch (artifact.kind) {
    case 'screenshot': {
      const seg = artifact.segment;
      const clip = seg
        ? `{x:0, y:${seg.top}, width:page width, height:${seg.height}, scale:1}`
        : '{x:0, y:0, width:page width, height:page height, scale:1}';
      return {
        derivedFrom: [dom],
        method: `Page.captureScreenshot {format:png, clip:${clip}, captureBeyondViewport:true, fromSurface:true}${seg ? ` (segment ${seg.index} of ${seg.count})` : ''}`,
      };
    }
    case 'screenshot-viewport':
      return ctx.viewportIsCopy && ctx.screenshotName
        ? {
            derivedFrom: [ctx.screenshotName],
            method: 'byte-exact copy of the full-page image (the page fits the viewport)',
          }
        : {
            derivedFrom: [dom],
            method: 'window.scrollTo(0, 0); Page.captureScreenshot {format:png, fromSurface:true}',
          };
    case 'mhtml':
      return {
        derivedFrom: [dom, 'network:responses held by the browser'],
        method: 'Page.captureSnapshot {format:mhtml}',
      };
    case 'dom':
      return {
        derivedFrom: [dom],
        method: 'document doctype + document.documentElement.outerHTML (puppeteer page.content())',
      };
    case 'text':
      return { derivedFrom: [dom], method: 'text extraction: document.body.innerText' };
    case 'metadata':
      return {
        derivedFrom: [dom, 'network:recorded exchanges'],
        method:
          'page extraction (title, lang, meta, OpenGraph, canonical, outlinks) and the capture report (redirects, dialogs, popups, downloads, failed requests)',
      };
    case 'layout':
      return { derivedFrom: [dom], method: LAYOUT_METHOD };
    case 'console':
      return {
        derivedFrom: ['browser:console events of the page'],
        method: 'Runtime console API events recorded during the capture',
      };
    case 'certificate':
      return {
        derivedFrom: [`network:tls ${ctx.raw.finalUrl}`],
        method: 'Network.getCertificate (PEM chain as presented by the server)',
      };
    case 'wacz':
      return {
        derivedFrom: ['network:every request and response of the load (CDP Network domain)'],
        method:
          'WARC/1.1 records (warcio) packaged as WACZ 1.1.1 (CDXJ index, pages.jsonl, datapackage.json)',
      };
    case 'screenshot-captioned':
      return {
        derivedFrom: ctx.screenshotName ? [ctx.screenshotName] : [],
        method:
          'caption band (final URL, UTC capture time, capture id) rendered by Chromium (Page.captureScreenshot {format:png}) and stacked above the unchanged pixel rows of the screenshot',
      };
    default:
      return { derivedFrom: artifact.derivedFrom ?? [document], method: artifact.method ?? 'not recorded' };
  }
}

/** When the snapshot stage began (the DOM's moment), in UTC; the capture's start if it never ran. */
export function snapshotTime(raw: RawCapture): string {
  const stage = raw.stages.find((s) => s.stage === 'snapshot');
  const start = Date.parse(raw.startedAt);
  return new Date(start + (stage?.elapsedMs ?? 0)).toISOString();
}
