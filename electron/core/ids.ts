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

/** Char codes of ALPHABET, so that an id's digits become one string at once, not one per digit. */
const CODES = Array.from(ALPHABET, (ch) => ch.charCodeAt(0));
/** 10 time digits then 16 random ones; filled for each id (ids are made one at a time). */
const digits: number[] = new Array<number>(26).fill(0);

/** The time part: `ms` (non-negative, below 2^50) as 10 base32 digits at `digits[0..9]`, most significant first. */
function putTimeDigits(ms: number): void {
  let v = ms;
  for (let i = 9; i >= 0; i -= 1) {
    digits[i] = CODES[v % 32] ?? 0;
    v = Math.floor(v / 32);
  }
}

/**
 * Random bytes are drawn from the OS a pool at a time: one `randomBytes` call per few hundred ids
 * instead of one per id (a bulk import makes two ids a line). Every byte is used once.
 */
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
let pool = Buffer.alloc(0);
let poolAt = 0;

/** The random part: 10 fresh bytes (80 bits) as 16 base32 digits at `digits[10..25]`, bits read most significant first. */
function putRandomDigits(): void {
  if (poolAt + RANDOM_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  // Two groups of 5 bytes = 40 bits = 8 digits each; 40 bits fit a double exactly.
  for (let g = 0; g < 2; g += 1) {
    let v = 0;
    for (let i = 0; i < 5; i += 1) v = v * 256 + (pool[poolAt + g * 5 + i] ?? 0);
    for (let i = 7; i >= 0; i -= 1) {
      digits[10 + g * 8 + i] = CODES[v % 32] ?? 0;
      v = Math.floor(v / 32);
    }
  }
  poolAt += RANDOM_BYTES;
}

/** Ids are `<prefix>_<10 chars of ms time><16 random chars>`: time-ordered, collision-safe across processes. */
export function createIdGenerator(clock: Clock): IdGenerator {
  return <K extends IdKind>(kind: K): IdOf<K> => {
    putTimeDigits(clock().getTime());
    putRandomDigits();
    return PARSE_ID[kind](`${ID_PREFIXES[kind]}_${String.fromCharCode(...digits)}`);
  };
}
