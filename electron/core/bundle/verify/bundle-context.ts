import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { keyIdOf } from '@core/custody/signing';
import { BundleManifest, NAMES, UNLISTED, parseSums } from '../bundle-format';
import { readBundle, type ReadProblem, type SourceFile } from '../bundle-source';
import { certOf } from './certificates';
import { errorText } from './check-list';

/**
 * Everything the checkers look at, read once: the bundle's files (hashed, the small structural ones
 * kept), SHA256SUMS as parsed, the bundled keys and certificates, and manifest.json. Building it
 * reports nothing; each checker turns what it needs from here into report lines.
 */
export type BundleContext = Readonly<{
  files: ReadonlyMap<string, SourceFile>;
  readProblems: readonly ReadProblem[];
  /** SHA256SUMS as read; null when it is missing. */
  sumsBytes: Buffer | null;
  /** The parse problems of SHA256SUMS (none when it is missing). */
  sumsProblems: readonly string[];
  /** Path → sha256 as SHA256SUMS lists it; empty when it is missing. */
  listed: ReadonlyMap<string, string>;
  content: (name: string) => Buffer | null;
  /** Present and with the hash SHA256SUMS lists for it. */
  intact: (name: string) => boolean;
  keys: BundledKeys;
  manifest: ManifestRead;
  tsa: BundledTsa;
}>;

export type BundledKeys = Readonly<{
  /** keys/workstation.pub.pem as text; null when missing. */
  workstationPem: string | null;
  /** That key; null when it is missing or is not a public key. */
  workstationKey: KeyObject | null;
  workstationCert: X509Certificate | null;
  ca: X509Certificate | null;
  /** CAs of other workstations whose reviewers' decisions came in through an import. */
  otherCas: readonly X509Certificate[];
  /** Workstation keys by id (this workstation, and those of imported captures), from intact keys/*.pub.pem. */
  byId: ReadonlyMap<string, KeyObject>;
  /** The intact keys/*.pub.pem files that are not public keys, in the bundle's order. */
  unreadable: readonly string[];
}>;

export type BundledTsa = Readonly<{
  /** tsa/ca.pem, the root a time-stamp token must chain to; null when missing. */
  ca: string | null;
  /** tsa/ca.pem and tsa/tsa.pem, the only certificates a token may carry. */
  pems: readonly string[];
}>;

export type ManifestRead =
  | Readonly<{ state: 'missing' }>
  | Readonly<{ state: 'invalid'; problem: string }>
  | Readonly<{ state: 'parsed'; manifest: BundleManifest }>;

// Files the checks read; everything else is only hashed. Larger ones are not structure Vigil writes.
const KEEP_LIMIT = 256 * 1024 * 1024;
/**
 * All kept files together stay under this, so a bundle of many "structure" files (thousands of
 * keys/*.pem) cannot fill memory: past it a file is only hashed, and the checks that need it fail.
 */
const KEEP_TOTAL = 384 * 1024 * 1024;
const isStructure = (name: string, bytes: number): boolean =>
  bytes <= KEEP_LIMIT &&
  (UNLISTED.has(name) ||
    name === NAMES.manifest ||
    name === NAMES.custody ||
    name.startsWith('keys/') ||
    name.startsWith('tsa/') ||
    name.startsWith('decisions/') ||
    name.startsWith('custody/') ||
    /^captures\/[^/]+\/(manifest\.json|manifest\.json\.sig|manifest\.tsr|manifest\.tsq)$/.test(name));

const publicKeyOf = (pem: string): KeyObject | null => {
  try {
    return createPublicKey(pem);
  } catch {
    return null;
  }
};

function workstationKeysById(
  files: ReadonlyMap<string, SourceFile>,
  intact: (name: string) => boolean,
): Pick<BundledKeys, 'byId' | 'unreadable'> {
  const byId = new Map<string, KeyObject>();
  const unreadable: string[] = [];
  for (const [name, f] of files) {
    if (!name.startsWith('keys/') || !name.endsWith('.pub.pem') || f.content === null || !intact(name))
      continue;
    const key = publicKeyOf(f.content.toString('utf8'));
    if (key === null) unreadable.push(name);
    else byId.set(keyIdOf(key), key);
  }
  return { byId, unreadable };
}

function bundledKeys(
  files: ReadonlyMap<string, SourceFile>,
  text: (name: string) => string | null,
  intact: (name: string) => boolean,
): BundledKeys {
  const workstationPem = text(NAMES.workstationPub);
  const caPem = text(NAMES.caCert);
  const certPem = text(NAMES.workstationCert);
  const otherCas = [...files.keys()]
    .filter((n) => /^keys\/ca-[0-9a-f]{64}\.pem$/.test(n) && intact(n))
    .map((n) => certOf(text(n) ?? ''))
    .filter((x): x is X509Certificate => x !== null);
  return {
    workstationPem,
    workstationKey: workstationPem === null ? null : publicKeyOf(workstationPem),
    workstationCert: certPem === null ? null : certOf(certPem),
    ca: caPem === null ? null : certOf(caPem),
    otherCas,
    ...workstationKeysById(files, intact),
  };
}

function readManifest(bytes: Buffer | null): ManifestRead {
  if (bytes === null) return { state: 'missing' };
  try {
    return { state: 'parsed', manifest: BundleManifest.parse(JSON.parse(bytes.toString('utf8'))) };
  } catch (error) {
    return { state: 'invalid', problem: errorText(error) };
  }
}

/** Reads the bundle at `path` (a ZIP or a folder) once, for every checker. */
export async function openBundleContext(path: string, signal?: AbortSignal): Promise<BundleContext> {
  const files = new Map<string, SourceFile>();
  let keptBytes = 0;
  const keep = (name: string, bytes: number): boolean => {
    if (!isStructure(name, bytes) || keptBytes + bytes > KEEP_TOTAL) return false;
    keptBytes += bytes;
    return true;
  };
  const readProblems = await readBundle(path, keep, (f) => files.set(f.name, f), signal);
  const content = (name: string): Buffer | null => files.get(name)?.content ?? null;
  const text = (name: string): string | null => content(name)?.toString('utf8') ?? null;
  const sumsBytes = content(NAMES.sums);
  const sums = sumsBytes === null ? null : parseSums(sumsBytes.toString('utf8'));
  const listed: ReadonlyMap<string, string> = sums?.entries ?? new Map<string, string>();
  const intact = (name: string): boolean => {
    const f = files.get(name);
    return f !== undefined && listed.get(name) === f.sha256;
  };
  const tsaCa = text(NAMES.tsaCa);
  return {
    files,
    readProblems,
    sumsBytes,
    sumsProblems: sums?.problems ?? [],
    listed,
    content,
    intact,
    keys: bundledKeys(files, text, intact),
    manifest: readManifest(content(NAMES.manifest)),
    tsa: { ca: tsaCa, pems: [tsaCa, text(NAMES.tsaChain)].filter((p): p is string => p !== null) },
  };
}

export const manifestOf = (ctx: BundleContext): BundleManifest | null =>
  ctx.manifest.state === 'parsed' ? ctx.manifest.manifest : null;
