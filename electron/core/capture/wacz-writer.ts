import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CDXIndexer } from 'warcio';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '@shared/errors/app-error';
import { signDatapackageHash } from './wacz-signing';
import type { WaczSigner } from './wacz-signing';

export type WaczPage = Readonly<{ url: string; ts: Date; title: string; text?: string }>;

type Resource = { name: string; path: string; hash: string; bytes: number };

export type WaczSummary = Readonly<{ file: string; resources: readonly Resource[] }>;

const WARC_NAME = 'data.warc.gz';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(file: string): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    bytes += buf.length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/**
 * CDXJ lines for a WARC, sorted as the format requires, via warcio's own indexer. Each line also
 * carries `recordDigest`: SHA-256 of the record as stored (its gzip member), the digest
 * ReplayWeb.page checks when it reads that record, so a record changed after writing is named.
 */
export async function indexWarc(warcFile: string, filename: string): Promise<string> {
  const indexer = new CDXIndexer({ format: 'cdxj' });
  const lines: string[] = [];
  const handle = await open(warcFile, 'r');
  try {
    for await (const entry of indexer.iterIndex([{ filename, reader: createReadStream(warcFile) }])) {
      const record = entry as Record<string, unknown>;
      const offset = Number(record['offset']);
      const length = Number(record['length']);
      const bytes = Buffer.alloc(length);
      await handle.read(bytes, 0, length, offset);
      record['recordDigest'] = `sha256:${sha256Hex(bytes)}`;
      lines.push(indexer.serializeCDXJ(record));
    }
  } finally {
    await handle.close();
  }
  lines.sort();
  return lines.join('');
}

/**
 * WACZ 1.1.1, assembled by hand: js-wacz 0.1.6 writes a wrong WARC digest (DESIGN §11). Entries are
 * STORED so that replay can range-read the WARC inside the ZIP; after writing, every entry is read
 * back and re-hashed against datapackage.json.
 */
export async function writeWacz(opts: {
  file: string;
  warcFile: string;
  pages: readonly WaczPage[];
  created: Date;
  software: string;
  title: string;
  /** Signs datapackage-digest.json (WACZ signing spec); without it the WACZ is unsigned. */
  signer?: WaczSigner;
}): Promise<WaczSummary> {
  const cdxj = Buffer.from(await indexWarc(opts.warcFile, WARC_NAME), 'utf8');
  const pagesJsonl = Buffer.from(
    [
      JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: 'All Pages', hasText: true }),
      ...opts.pages.map((p, i) =>
        JSON.stringify({
          id: `page-${i + 1}`,
          url: p.url,
          ts: p.ts.toISOString(),
          title: p.title,
          ...(p.text === undefined ? {} : { text: p.text }),
        }),
      ),
    ].join('\n') + '\n',
    'utf8',
  );
  const warc = await sha256File(opts.warcFile);
  const resources: Resource[] = [
    { name: WARC_NAME, path: `archive/${WARC_NAME}`, hash: `sha256:${warc.hash}`, bytes: warc.bytes },
    { name: 'index.cdxj', path: 'indexes/index.cdxj', hash: `sha256:${sha256Hex(cdxj)}`, bytes: cdxj.length },
    {
      name: 'pages.jsonl',
      path: 'pages/pages.jsonl',
      hash: `sha256:${sha256Hex(pagesJsonl)}`,
      bytes: pagesJsonl.length,
    },
  ];
  const first = opts.pages[0];
  const datapackage = Buffer.from(
    JSON.stringify(
      {
        profile: 'data-package',
        wacz_version: '1.1.1',
        title: opts.title,
        created: opts.created.toISOString(),
        modified: opts.created.toISOString(),
        software: opts.software,
        ...(first ? { mainPageURL: first.url, mainPageDate: first.ts.toISOString() } : {}),
        resources,
      },
      null,
      2,
    ),
    'utf8',
  );
  const datapackageHash = `sha256:${sha256Hex(datapackage)}`;
  const digest = Buffer.from(
    JSON.stringify(
      {
        path: 'datapackage.json',
        hash: datapackageHash,
        ...(opts.signer
          ? { signedData: signDatapackageHash(datapackageHash, opts.signer, opts.created, opts.software) }
          : {}),
      },
      null,
      2,
    ),
    'utf8',
  );

  const zip = new yazl.ZipFile();
  const mtime = opts.created;
  zip.addFile(opts.warcFile, `archive/${WARC_NAME}`, { compress: false, mtime });
  zip.addBuffer(cdxj, 'indexes/index.cdxj', { compress: false, mtime });
  zip.addBuffer(pagesJsonl, 'pages/pages.jsonl', { compress: false, mtime });
  zip.addBuffer(datapackage, 'datapackage.json', { compress: false, mtime });
  zip.addBuffer(digest, 'datapackage-digest.json', { compress: false, mtime });
  // A read error of an added file (the WARC removed under it when the archive's deadline passed)
  // is an 'error' event of the ZipFile: unheard, it would end the whole process. It ends this
  // write instead.
  zip.on('error', (error: Error) => (zip.outputStream as Readable).destroy(error));
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(opts.file, { flags: 'wx' }));

  const expected = new Map<string, string>(resources.map((r) => [r.path, r.hash]));
  expected.set('datapackage.json', `sha256:${sha256Hex(datapackage)}`);
  expected.set('datapackage-digest.json', `sha256:${sha256Hex(digest)}`);
  const actual = await hashZipEntries(opts.file);
  for (const [name, hash] of expected) {
    if (actual.get(name) !== hash) {
      throw new AppError(
        'evidence.integrity-mismatch',
        `WACZ entry ${name} does not match its digest after writing`,
      );
    }
  }
  if ((await stat(opts.file)).size === 0) throw new AppError('evidence.integrity-mismatch', 'Empty WACZ');
  return { file: opts.file, resources };
}

/** sha256 of every entry of a ZIP, read back from disk. */
export async function hashZipEntries(file: string): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z)));
  });
  const out = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) {
          reject(err);
          return;
        }
        const hash = createHash('sha256');
        stream.on('data', (chunk: Buffer) => hash.update(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          out.set(entry.fileName, `sha256:${hash.digest('hex')}`);
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return out;
}
