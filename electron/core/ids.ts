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

function base32(value: bigint, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i += 1) {
    out = ALPHABET[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

/** Ids are `<prefix>_<10 chars of ms time><16 random chars>`: time-ordered, collision-safe across processes. */
export function createIdGenerator(clock: Clock): IdGenerator {
  return <K extends IdKind>(kind: K): IdOf<K> => {
    const time = base32(BigInt(clock().getTime()), 10);
    const random = base32(BigInt(`0x${randomBytes(10).toString('hex')}`), 16);
    return PARSE_ID[kind](`${ID_PREFIXES[kind]}_${time}${random}`);
  };
}
