import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaptureRun } from './capture-run';
import { headerValue } from './main-documents';
import type { Landing } from './main-documents';

/** The file extension of the raw document by its media type; `.bin` for anything else. */
function extensionOf(mimeType: string): string {
  if (/html/i.test(mimeType)) return '.html';
  if (/json/i.test(mimeType)) return '.json';
  if (/xml/i.test(mimeType)) return '.xml';
  if (/^text\//i.test(mimeType)) return '.txt';
  return '.bin';
}

/**
 * The main document's body as it came off the network, next to the rendered DOM (which is what
 * scripts made of it): kept as a file of its own (`document-raw`). Chromium hands bodies over with
 * the Content-Encoding undone, so for a compressed response these are the decoded bytes; the
 * response's own headers (Content-Encoding included) stay in the record's `http.headers`, and a
 * warning says the bytes were decoded. A body that was cut is kept as far as it came (the archive
 * stage's `archive.truncated` says so).
 */
export async function keepRawDocument(run: CaptureRun, landing: Landing): Promise<void> {
  const doc = landing.finalDocument;
  const response = doc?.response;
  if (!doc || !response || doc.body === null || doc.body.length === 0) return;
  const name = `document-raw${extensionOf(response.mimeType)}`;
  const file = path.join(run.opts.workDir, name);
  await writeFile(file, doc.body, { flag: 'wx' });
  const contentType = headerValue(response.headers, 'content-type');
  run.artifacts.push({
    kind: 'document-raw',
    name,
    mediaType: contentType?.split(';')[0]?.trim() || response.mimeType || 'application/octet-stream',
    file,
    derivedFrom: [`network:response ${doc.url}`],
    method:
      'response body as recorded from the CDP Network domain (Network.streamResourceContent / Network.getResponseBody), Content-Encoding undone by Chromium',
  });
  const encoding = headerValue(response.headers, 'content-encoding');
  if (encoding && !/^\s*identity\s*$/i.test(encoding)) {
    run.warn(
      'document.raw-decoded',
      `The server sent the document with Content-Encoding: ${encoding}; the browser gives bodies decoded, ` +
        `so ${name} holds the decoded bytes (the original headers are in the record)`,
    );
  }
}
