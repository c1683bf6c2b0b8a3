import { createHash, X509Certificate } from 'node:crypto';
import { constants, gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { checkSignedData, DatapackageDigest, pemCertificates } from '@core/capture/wacz-signing';
import type { SignedData } from '@core/capture/wacz-signing';
import { openWaczZip } from './wacz-zip';
import type { WaczZip } from './wacz-zip';

/**
 * Checks a lone WACZ the way the WACZ 1.1.1 and "WACZ Signing and Verification" specs define it,
 * offline and without a Vigil data dir: the signature over the datapackage hash, the datapackage
 * hash, every listed file's hash and size, nothing unlisted, archives and indexes stored, pages with
 * url and ts, and every CDXJ line landing on a WARC record of its URL (with its record digest).
 * The ids are part of `vigil verify --json`; a new check gets a new id.
 */
export type WaczCheckId =
  | 'wacz.read'
  | 'wacz.stored'
  | 'wacz.digest'
  | 'wacz.signature'
  | 'wacz.certificate'
  | 'wacz.datapackage'
  | 'wacz.resource'
  | 'wacz.unlisted'
  | 'wacz.pages'
  | 'wacz.index';

export type WaczCheck = Readonly<{ check: WaczCheckId; file: string | null; ok: boolean; message: string }>;

export type WaczSignerInfo = Readonly<{
  subject: string;
  issuer: string;
  certificateSha256: string;
  created: string;
  software: string;
}>;

export type WaczVerifyReport = Readonly<{
  kind: 'wacz';
  path: string;
  ok: boolean;
  signer: WaczSignerInfo | null;
  checks: readonly WaczCheck[];
}>;

const Resource = z.object({
  path: z.string().min(1),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});
const Datapackage = z.object({ wacz_version: z.string(), resources: z.array(Resource) });
const CdxjFields = z.object({
  url: z.string(),
  offset: z.coerce.number().int().nonnegative(),
  length: z.coerce.number().int().positive(),
  filename: z.string().min(1),
  recordDigest: z.string().optional(),
});
const PageLine = z.object({ url: z.string().min(1), ts: z.string().min(1) });

const FIXED = new Set(['datapackage.json', 'datapackage-digest.json']);
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function verifyWacz(path: string): Promise<WaczVerifyReport> {
  const checks: WaczCheck[] = [];
  const add = (check: WaczCheckId, file: string | null, ok: boolean, message: string): void => {
    checks.push({ check, file, ok, message });
  };
  let zip: WaczZip;
  try {
    zip = await openWaczZip(path);
  } catch (error) {
    add('wacz.read', null, false, `not a readable ZIP: ${errorText(error)}`);
    return { kind: 'wacz', path, ok: false, signer: null, checks };
  }
  let signer: WaczSignerInfo | null = null;
  try {
    checkStored(zip, add);
    const datapackage = await checkDigestAndSignature(zip, add, (info) => {
      signer = info;
    });
    const resources = datapackage ? await checkDatapackage(zip, datapackage, add) : [];
    if (resources.some((r) => r.path === 'pages/pages.jsonl')) await checkPages(zip, add);
    for (const r of resources.filter((x) => x.path.endsWith('.cdxj'))) await checkIndex(zip, r.path, add);
  } catch (error) {
    add('wacz.read', null, false, errorText(error));
  } finally {
    zip.close();
  }
  return { kind: 'wacz', path, ok: checks.every((c) => c.ok), signer, checks };
}

type Add = (check: WaczCheckId, file: string | null, ok: boolean, message: string) => void;

/** Replay reads archives and indexes by byte range, which only STORED entries allow (WACZ 1.1.1). */
function checkStored(zip: WaczZip, add: Add): void {
  for (const [name, entry] of zip.entries) {
    if (!name.startsWith('archive/') && !name.startsWith('indexes/')) continue;
    const stored = entry.compressionMethod === 0;
    add('wacz.stored', name, stored, stored ? 'stored uncompressed' : 'compressed inside the ZIP');
  }
}

async function checkDigestAndSignature(
  zip: WaczZip,
  add: Add,
  setSigner: (info: WaczSignerInfo) => void,
): Promise<z.infer<typeof Datapackage> | null> {
  for (const name of FIXED) {
    if (!zip.entries.has(name)) {
      add('wacz.read', name, false, 'missing');
      return null;
    }
  }
  const datapackageBytes = await zip.read('datapackage.json');
  const digest = DatapackageDigest.safeParse(
    JSON.parse((await zip.read('datapackage-digest.json')).toString('utf8')),
  );
  if (!digest.success) {
    add('wacz.digest', 'datapackage-digest.json', false, `not a datapackage digest: ${digest.error.message}`);
    return null;
  }
  const actual = `sha256:${sha256(datapackageBytes)}`;
  const digestOk = digest.data.hash === actual;
  add(
    'wacz.digest',
    'datapackage.json',
    digestOk,
    digestOk ? `matches ${actual}` : `is ${actual}, datapackage-digest.json says ${digest.data.hash}`,
  );
  const signed = digest.data.signedData;
  if (!signed) {
    add('wacz.signature', 'datapackage-digest.json', false, 'the WACZ is not signed (no signedData)');
  } else {
    checkSignature(signed, digest.data.hash, add, setSigner);
  }
  const parsed = Datapackage.safeParse(JSON.parse(datapackageBytes.toString('utf8')));
  if (!parsed.success) {
    add('wacz.datapackage', 'datapackage.json', false, `not a WACZ datapackage: ${parsed.error.message}`);
    return null;
  }
  return parsed.data;
}

function checkSignature(
  signed: SignedData,
  hash: string,
  add: Add,
  setSigner: (info: WaczSignerInfo) => void,
): void {
  if (signed.hash !== hash) {
    add('wacz.signature', 'datapackage-digest.json', false, 'signedData.hash is not the datapackage hash');
    return;
  }
  const result = checkSignedData(signed);
  add(
    'wacz.signature',
    'datapackage-digest.json',
    result.valid,
    result.valid ? `ECDSA P-256 signature by ${result.subject} is valid` : result.problem,
  );
  setSigner({
    subject: result.subject,
    issuer: result.issuer,
    certificateSha256: result.certificateSha256,
    created: signed.created,
    software: signed.software,
  });
  const [leafPem, issuerPem] = pemCertificates(signed.domainCert);
  if (!leafPem) return;
  const leaf = new X509Certificate(leafPem);
  const created = Date.parse(signed.created);
  const inPeriod = created >= Date.parse(leaf.validFrom) && created <= Date.parse(leaf.validTo);
  add(
    'wacz.certificate',
    'datapackage-digest.json',
    inPeriod && (issuerPem === undefined || result.issuedByIncludedCa),
    !inPeriod
      ? `signed ${signed.created}, outside the certificate's validity (${leaf.validFrom} – ${leaf.validTo})`
      : issuerPem === undefined
        ? `certificate sha256 ${result.certificateSha256}; no issuer included: compare it with the workstation's`
        : result.issuedByIncludedCa
          ? `certificate sha256 ${result.certificateSha256}, issued by ${result.issuer}`
          : `the included issuer did not sign the certificate (${result.issuer})`,
  );
}

async function checkDatapackage(
  zip: WaczZip,
  datapackage: z.infer<typeof Datapackage>,
  add: Add,
): Promise<z.infer<typeof Resource>[]> {
  const version = datapackage.wacz_version === '1.1.1';
  add('wacz.datapackage', 'datapackage.json', version, `wacz_version ${datapackage.wacz_version}`);
  const listed = new Set<string>();
  const present: z.infer<typeof Resource>[] = [];
  for (const resource of datapackage.resources) {
    listed.add(resource.path);
    if (!zip.entries.has(resource.path)) {
      add('wacz.resource', resource.path, false, 'listed in datapackage.json but missing');
      continue;
    }
    const { sha256: hex, bytes } = await zip.hash(resource.path);
    const ok = `sha256:${hex}` === resource.hash && bytes === resource.bytes;
    add(
      'wacz.resource',
      resource.path,
      ok,
      ok
        ? `sha256 and size (${bytes} bytes) match`
        : `is sha256:${hex} (${bytes} bytes), datapackage.json says ${resource.hash} (${resource.bytes} bytes)`,
    );
    present.push(resource);
  }
  for (const name of zip.entries.keys()) {
    if (!listed.has(name) && !FIXED.has(name) && !name.endsWith('/')) {
      add('wacz.unlisted', name, false, 'in the ZIP but not listed in datapackage.json');
    }
  }
  return present;
}

async function checkPages(zip: WaczZip, add: Add): Promise<void> {
  const lines = (await zip.read('pages/pages.jsonl')).toString('utf8').split('\n').filter(Boolean);
  const [header, ...pages] = lines;
  const problems: string[] = [];
  if (!header || !String(header).includes('json-pages-1.0')) problems.push('no json-pages-1.0 header line');
  pages.forEach((line, i) => {
    const page = PageLine.safeParse(JSON.parse(line));
    if (!page.success || Number.isNaN(Date.parse(page.data.ts)))
      problems.push(`line ${i + 2} lacks url or ts`);
  });
  if (pages.length === 0) problems.push('no page');
  add(
    'wacz.pages',
    'pages/pages.jsonl',
    problems.length === 0,
    problems.length === 0 ? `${pages.length} page(s) with url and ts` : problems.join('; '),
  );
}

/** Every CDXJ line must point at a WARC record of its URL, and its recordDigest must hold. */
async function checkIndex(zip: WaczZip, name: string, add: Add): Promise<void> {
  const lines = (await zip.read(name)).toString('utf8').split('\n').filter(Boolean);
  let landed = 0;
  for (const line of lines) {
    const problem = await checkIndexLine(zip, line);
    if (problem) add('wacz.index', name, false, problem);
    else landed += 1;
  }
  if (landed === lines.length) add('wacz.index', name, true, `all ${landed} lines land on their records`);
}

async function checkIndexLine(zip: WaczZip, line: string): Promise<string | null> {
  const json = line.indexOf('{');
  const fields = json < 0 ? null : CdxjFields.safeParse(JSON.parse(line.slice(json)));
  if (!fields?.success) return `not a CDXJ line: ${line.slice(0, 120)}`;
  const { url, offset, length, filename, recordDigest } = fields.data;
  const archive = `archive/${filename}`;
  const entry = zip.entries.get(archive);
  if (!entry) return `${url}: ${archive} is not in the WACZ`;
  if (offset + length > entry.uncompressedSize)
    return `${url}: ${offset}+${length} lies past the end of ${archive}`;
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  await zip.range(archive, offset, length, (chunk) => {
    hash.update(chunk);
    if (headBytes < 64 * 1024) {
      head.push(chunk);
      headBytes += chunk.length;
    }
  });
  if (recordDigest !== undefined && recordDigest !== `sha256:${hash.digest('hex')}`) {
    return `${url}: the record at ${archive} offset ${offset} does not match its recordDigest (changed after writing)`;
  }
  const target = recordTargetUri(Buffer.concat(head));
  if (target === null) return `${url}: no WARC record at ${archive} offset ${offset}`;
  return target === url ? null : `${url}: the record at ${archive} offset ${offset} is of ${target}`;
}

/** WARC-Target-URI of the record that starts these bytes (a gzip member, or a plain record). */
function recordTargetUri(bytes: Buffer): string | null {
  let text: string;
  try {
    const plain =
      bytes[0] === 0x1f && bytes[1] === 0x8b
        ? gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH })
        : bytes;
    text = plain.subarray(0, 64 * 1024).toString('latin1');
  } catch {
    return null;
  }
  if (!/^WARC\/1\.[01]\r\n/.test(text)) return null;
  const end = text.indexOf('\r\n\r\n');
  const headers = end < 0 ? text : text.slice(0, end);
  const match = /\r\nWARC-Target-URI:[ \t]*<?([^\r\n>]*)>?\r\n/i.exec(`${headers}\r\n`);
  return match?.[1]?.trim() ?? null;
}

export function formatWaczReport(report: WaczVerifyReport): string {
  const lines = report.checks.map(
    (x) => `${x.ok ? 'OK  ' : 'FAIL'}  ${x.check.padEnd(18)} ${(x.file ?? '-').padEnd(28)} ${x.message}`,
  );
  if (report.signer) {
    lines.push(
      `signed ${report.signer.created} by ${report.signer.subject} (${report.signer.software}); certificate sha256 ${report.signer.certificateSha256}`,
    );
  }
  const failed = report.checks.filter((x) => !x.ok).length;
  lines.push(
    report.ok
      ? `WACZ verified: all ${report.checks.length} checks passed`
      : `WACZ FAILED: ${failed} of ${report.checks.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}
