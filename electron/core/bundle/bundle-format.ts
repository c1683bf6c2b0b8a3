import { z } from 'zod';
import { CaptureRecord } from '@shared/domain/capture-record';
import { IsoTime, Sha256Hex } from '@shared/domain/ids';
import { Language, ResourceState } from '@shared/domain/resources';

/** The court bundle's layout (DESIGN §8) and its manifest, shared by export, verification and import. */
export const BUNDLE_FORMAT = 'vigil-bundle/1';

export const NAMES = {
  readme: 'README.txt',
  manifest: 'manifest.json',
  sums: 'SHA256SUMS',
  sumsSig: 'SHA256SUMS.sig',
  sumsTsr: 'SHA256SUMS.tsr',
  custody: 'custody.jsonl',
  workstationPub: 'keys/workstation.pub.pem',
  workstationCert: 'keys/workstation.crt.pem',
  caCert: 'keys/ca.pem',
  tsaCa: 'tsa/ca.pem',
  tsaChain: 'tsa/tsa.pem',
} as const;

/** Files that SHA256SUMS cannot list: itself and what is computed over it. */
export const UNLISTED: ReadonlySet<string> = new Set([NAMES.sums, NAMES.sumsSig, NAMES.sumsTsr]);

export const captureDir = (captureId: string): string => `captures/${captureId}`;
export const CAPTURE_SIGNATURE_NAME = 'manifest.json.sig';
/** The TimeStampReq the capture's `manifest.tsr` answers (`openssl ts -verify -queryfile`). */
export const CAPTURE_QUERY_NAME = 'manifest.tsq';
export const foreignWorkstationKey = (keyId: string): string => `keys/workstations/${keyId}.pub.pem`;
/** The custody rows a migrated workstation kept of the bundle's subjects, and its signed head. */
export const migratedCustodyFile = (keyId: string): string => `custody/migrated-${keyId}.jsonl`;
export const migratedHeadFile = (keyId: string): string => `custody/migrated-${keyId}.head.json`;
export const userCertFile = (certificateSha256: string): string => `keys/users/${certificateSha256}.crt.pem`;
export const userKeyFile = (certificateSha256: string): string => `keys/users/${certificateSha256}.pub.pem`;
export const decisionFile = (id: string): string => `decisions/${id}.json`;
export const dsaFile = (id: string): string => `dsa/${id}.json`;
export const packetFile = (resourceId: string): string => `packets/${resourceId}.pdf`;

export const BundleFile = z.object({
  path: z.string(),
  sha256: Sha256Hex,
  bytes: z.number().int().nonnegative(),
});
export type BundleFile = z.infer<typeof BundleFile>;

export const BundleManifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  tool: z.object({ name: z.string(), version: z.string() }),
  exportedAt: IsoTime,
  workstation: z.object({ name: z.string(), keyId: Sha256Hex }),
  case: z.object({ ref: z.string(), title: z.string(), language: Language }).nullable(),
  resources: z.array(
    z.object({
      id: z.string(),
      url: z.string(),
      displayUrl: z.string(),
      host: z.string(),
      state: ResourceState,
      caseRef: z.string().nullable(),
    }),
  ),
  /** Capture records as stored, with each artifact's `path` relative to the bundle root. */
  captures: z.array(CaptureRecord),
  decisions: z.array(
    z.object({
      id: z.string(),
      resourceId: z.string(),
      decision: z.string(),
      reviewer: z.string(),
      signedAt: z.string(),
      file: z.string(),
      dsa: z.string().nullable(),
      /**
       * sha256 of the decision's packet of record (signed by its reviewer); null when it has none.
       * Absent in bundles made before packets of record were named.
       */
      packetSha256: Sha256Hex.nullable().optional(),
      /**
       * The other unit that made the decision (imported here with its bundle), kept on re-export so
       * it is never taken for the exporting unit's own; null or absent: the exporting unit's.
       */
      origin: z.object({ unit: z.string(), caSha256: z.string() }).nullable().optional(),
    }),
  ),
  packets: z.array(z.object({ resourceId: z.string(), file: z.string() })),
  users: z.array(
    z.object({
      name: z.string(),
      certificateSha256: Sha256Hex,
      keyId: Sha256Hex,
      certificate: z.string(),
      publicKey: z.string(),
    }),
  ),
  custody: z.object({
    file: z.string(),
    rows: z.number().int().nonnegative(),
    /**
     * Rows kept by workstations before they were migrated into the exporting team server: each
     * file's rows, the workstation's signed head over its whole log, its key, and the seq of the
     * server's `workspace.migrated` row in custody.jsonl that anchors that head. Absent before.
     */
    migrated: z
      .array(
        z.object({
          workstationKeyId: Sha256Hex,
          file: z.string(),
          rows: z.number().int().nonnegative(),
          head: z.string(),
          publicKey: z.string(),
          anchorSeq: z.number().int().positive(),
        }),
      )
      .optional(),
  }),
  /** Set when SHA256SUMS.tsr must accompany the bundle: its absence is then a failure. */
  timestamp: z.object({ tsa: z.string() }).nullable(),
  /** Every file except manifest.json itself, SHA256SUMS, SHA256SUMS.sig and SHA256SUMS.tsr. */
  files: z.array(BundleFile),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** `sha256sum` lines: 64 hex digits, two spaces (text mode) or space-star (binary mode), the path. */
export function formatSums(files: readonly BundleFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

export function parseSums(text: string): { entries: Map<string, string>; problems: string[] } {
  const entries = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined) {
      problems.push(`line ${i + 1} is not a sha256sum line`);
      return;
    }
    if (entries.has(m[2])) problems.push(`line ${i + 1} lists ${m[2]} a second time`);
    entries.set(m[2], m[1]);
  });
  return { entries, problems };
}
