import { randomBytes } from 'node:crypto';
import {
  CaptureId,
  CaseId,
  DecisionId,
  ExportId,
  ID_PREFIXES,
  LegalBasisId,
  ReportId,
  ResourceId,
  UserId,
  type IdKind,
} from '@shared/domain/ids';
import type { Clock } from './clock';

/** The branded id type of each kind, e.g. `IdOf<'CaptureId'>` is `CaptureId`. */
type IdTypes = {
  UserId: UserId;
  CaseId: CaseId;
  ReportId: ReportId;
  ResourceId: ResourceId;
  CaptureId: CaptureId;
  DecisionId: DecisionId;
  LegalBasisId: LegalBasisId;
  ExportId: ExportId;
};
export type IdOf<K extends IdKind> = IdTypes[K];

/** Each kind's id schema: a new id is parsed by it, so it carries its brand without a cast. */
const PARSE_ID: { readonly [K in IdKind]: (text: string) => IdTypes[K] } = {
  UserId: (text) => UserId.parse(text),
  CaseId: (text) => CaseId.parse(text),
  ReportId: (text) => ReportId.parse(text),
  ResourceId: (text) => ResourceId.parse(text),
  CaptureId: (text) => CaptureId.parse(text),
  DecisionId: (text) => DecisionId.parse(text),
  LegalBasisId: (text) => LegalBasisId.parse(text),
  ExportId: (text) => ExportId.parse(text),
};

/** Makes a new id of the given kind: `ws.ids('CaptureId')` is a `CaptureId`. */
export type IdGenerator = <K extends IdKind>(kind: K) => IdOf<K>;

/** Crockford base32 (lowercase): sortable, unambiguous when read aloud or retyped from paper. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The time part: `ms` (non-negative, below 2^50) as 10 base32 digits, most significant first. */
function timeDigits(ms: number): string {
  let out = '';
  let v = ms;
  for (let i = 0; i < 10; i += 1) {
    out = ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/**
 * Random bytes are drawn from the OS a pool at a time: one `randomBytes` call per few hundred ids
 * instead of one per id (a bulk import makes two ids a line). Every byte is used once.
 */
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
let pool = Buffer.alloc(0);
let poolAt = 0;

/** The random part: 10 fresh bytes (80 bits) as 16 base32 digits, the bits read most significant first. */
function randomDigits(): string {
  if (poolAt + RANDOM_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  let out = '';
  // Two groups of 5 bytes = 40 bits = 8 digits each; 40 bits fit a double exactly.
  for (let g = 0; g < 2; g += 1) {
    let v = 0;
    for (let i = 0; i < 5; i += 1) v = v * 256 + (pool[poolAt + g * 5 + i] ?? 0);
    let digits = '';
    for (let i = 0; i < 8; i += 1) {
      digits = ALPHABET[v % 32] + digits;
      v = Math.floor(v / 32);
    }
    out += digits;
  }
  poolAt += RANDOM_BYTES;
  return out;
}

/** Ids are `<prefix>_<10 chars of ms time><16 random chars>`: time-ordered, collision-safe across processes. */
export function createIdGenerator(clock: Clock): IdGenerator {
  return <K extends IdKind>(kind: K): IdOf<K> =>
    PARSE_ID[kind](`${ID_PREFIXES[kind]}_${timeDigits(clock().getTime())}${randomDigits()}`);
}
