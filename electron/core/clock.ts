import { randomBytes } from 'node:crypto';
import { ID_PREFIXES, type IdKind } from '@shared/domain/ids';

/** Core code takes time from an injected clock so tests can pin it and records stay reproducible. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const isoNow = (clock: Clock): string => clock().toISOString();

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

export type IdGenerator = <K extends IdKind>(kind: K) => string;

/** Ids are `<prefix>_<10 chars of ms time><16 random chars>`: time-ordered, collision-safe across processes. */
export function createIdGenerator(clock: Clock): IdGenerator {
  return (kind) => {
    const time = base32(BigInt(clock().getTime()), 10);
    const random = base32(BigInt(`0x${randomBytes(10).toString('hex')}`), 16);
    return `${ID_PREFIXES[kind]}_${time}${random}`;
  };
}
