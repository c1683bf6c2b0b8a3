import { createHash } from 'node:crypto';
import { PDFDict, PDFHexString, PDFName, PDFString } from '@cantoo/pdf-lib';
import type { PDFDocument, PDFRef } from '@cantoo/pdf-lib';
import { canonicalJson } from '../custody/canonical-json';
import { readEvidence, sha256Hex, type LoadedShot } from './packet-evidence';
import type { ParsedPacketModel } from './packet-model';

/** The files a packet carries next to its pages: the signed decision, manifests and originals. */

type Attachment = Readonly<{
  name: string;
  bytes: Uint8Array;
  mediaType: string;
  description: string;
  relationship: 'Data' | 'Source' | 'Supplement';
}>;

export type AttachOriginals = Readonly<{ screenshots: boolean; wacz: boolean }>;

/**
 * Embedded files written as they are (no filter): PNG and WACZ are compressed already and pdf-lib's
 * own attach() would deflate megabytes in JavaScript. Registered in the EmbeddedFiles name tree and
 * in the catalog's /AF (PDF/A-3 associated files) with their relationship.
 */
export function attachFiles(doc: PDFDocument, files: readonly Attachment[], when: Date): void {
  const ctx = doc.context;
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names: (PDFString | PDFRef)[] = [];
  const af: PDFRef[] = [];
  for (const file of sorted) {
    const stream = ctx.stream(file.bytes, {
      Type: 'EmbeddedFile',
      Subtype: file.mediaType,
      Params: {
        Size: file.bytes.length,
        CreationDate: PDFString.fromDate(when),
        ModDate: PDFString.fromDate(when),
        CheckSum: PDFHexString.of(createHash('md5').update(file.bytes).digest('hex')),
      },
    });
    const streamRef = ctx.register(stream);
    const spec = ctx.obj({
      Type: 'Filespec',
      F: PDFString.of(file.name),
      UF: PDFHexString.fromText(file.name),
      EF: { F: streamRef, UF: streamRef },
      Desc: PDFHexString.fromText(file.description),
      AFRelationship: file.relationship,
    });
    const specRef = ctx.register(spec);
    names.push(PDFString.of(file.name), specRef);
    af.push(specRef);
  }
  const catalog = doc.catalog;
  let nameDict = catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  if (nameDict === undefined) {
    nameDict = ctx.obj({});
    catalog.set(PDFName.of('Names'), nameDict);
  }
  nameDict.set(PDFName.of('EmbeddedFiles'), ctx.obj({ Names: names }));
  catalog.set(PDFName.of('AF'), ctx.obj(af));
  catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

/** Attachment names are ASCII and unique: ids are, labels are reduced to a safe slug. */
const slug = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'file';

export async function collectAttachments(
  model: ParsedPacketModel,
  /** The decision exactly as the caller passed it: parsing may drop or default members it signed. */
  rawDecision: unknown,
  shots: ReadonlyMap<string, LoadedShot>,
  originals: AttachOriginals,
): Promise<Attachment[]> {
  const files: Attachment[] = [];
  if (model.decision !== null) {
    files.push({
      name: `decision-${model.decision.id}.json`,
      // The canonical JSON the reviewer signed (plus `signature`), so it verifies as attached.
      bytes: Buffer.from(canonicalJson(rawDecision), 'utf8'),
      mediaType: 'application/json',
      description: 'Signed decision record (canonical JSON); the text of record of the decision',
      relationship: 'Source',
    });
  }
  for (const capture of model.captures) {
    for (const artifact of capture.artifacts) {
      const wanted = artifact.kind === 'manifest' || (artifact.kind === 'wacz' && originals.wacz);
      if (!wanted) continue;
      const bytes = await readEvidence(model, artifact.path);
      files.push({
        name: `${capture.id}-${slug(artifact.name)}`,
        bytes,
        mediaType: artifact.mediaType,
        description:
          artifact.kind === 'manifest'
            ? `Capture manifest of ${capture.id} (SHA-256 ${artifact.sha256})`
            : `Web archive of ${capture.id} (SHA-256 ${artifact.sha256})`,
        relationship: artifact.kind === 'manifest' ? 'Data' : 'Supplement',
      });
    }
    if (originals.screenshots) {
      for (const [i, shot] of capture.screenshots.entries()) {
        // A captioned copy is shown, but the original screenshot is what is attached as evidence.
        const label = shot.original?.label ?? shot.label;
        const bytes = shot.original
          ? await readEvidence(model, shot.original.file)
          : shots.get(shot.file)?.bytes;
        if (bytes === undefined) continue;
        files.push({
          name: `${capture.id}-screenshot-${i + 1}-${slug(label)}.png`,
          bytes,
          mediaType: 'image/png',
          description: `Original screenshot "${label}" of ${capture.id} (SHA-256 ${sha256Hex(bytes)})`,
          relationship: 'Source',
        });
      }
    }
  }
  return files;
}
