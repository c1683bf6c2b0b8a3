import { lookup } from 'node:dns/promises';
import { isIPv6 } from 'node:net';
import { AppError } from '@shared/errors/app-error';

/**
 * Which hosts Vigil may point a browser at (DESIGN §9). A capture of a loopback or private address
 * would let a reported link read the investigator's own network (routers, admin panels, the Vigil
 * bridge itself), so these are refused unless a profile says otherwise. Shared by intake (literal
 * addresses, reserved names) and capture (the same plus a DNS check right before connecting).
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'reserved';

export type Resolver = (host: string) => Promise<readonly string[]>;

export type HostCheckOptions = Readonly<{ allowPrivate: boolean; resolve?: Resolver }>;

/** The operating system's resolver (what Chromium would also ask), all addresses of both families. */
export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * IPv4 as the URL standard reads it: 1–4 parts, each decimal, octal (leading 0) or hex (0x), the last
 * part filling the remaining bytes — so `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1.
 * Returns the address as a number, or null when `host` is not an IPv4 address in any of these forms.
 */
export function parseIpv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const values: bigint[] = [];
  for (const part of parts) {
    let digits = part;
    let radix = 10;
    if (/^0x/i.test(part)) {
      digits = part.slice(2);
      radix = 16;
    } else if (part.length > 1 && part.startsWith('0')) {
      digits = part.slice(1);
      radix = 8;
    }
    const valid = radix === 16 ? /^[0-9a-f]*$/i : radix === 8 ? /^[0-7]*$/ : /^[0-9]+$/;
    if (!valid.test(digits)) return null;
    if (digits === '') {
      values.push(0n);
      continue;
    }
    const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
    values.push(BigInt(`${prefix}${digits}`));
  }
  const last = values.pop() ?? 0n;
  if (values.some((v) => v > 255n)) return null;
  if (last >= 256n ** BigInt(5 - parts.length)) return null;
  let n = last;
  values.forEach((v, i) => {
    n += v * 256n ** BigInt(3 - i);
  });
  return Number(n);
}

/** The 16 bytes of an IPv6 literal (brackets and a zone id allowed), or null. */
export function parseIpv6(host: string): Uint8Array | null {
  let h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = h.indexOf('%');
  if (zone !== -1) h = h.slice(0, zone);
  if (!isIPv6(h)) return null;
  let text = h;
  const embedded: number[] = [];
  if (text.includes('.')) {
    const colon = text.lastIndexOf(':');
    const v4 = text
      .slice(colon + 1)
      .split('.')
      .map(Number);
    embedded.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    text = text.slice(0, colon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16));
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':').map((g) => parseInt(g, 16));
  const missing = 8 - embedded.length - headGroups.length - restGroups.length;
  const groups = [
    ...headGroups,
    ...Array<number>(rest === undefined ? 0 : missing).fill(0),
    ...restGroups,
    ...embedded,
  ];
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

type V4Range = readonly [base: string, prefix: number, cls: AddressClass];

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors).
const V4_RANGES: readonly V4Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V4_PARSED = V4_RANGES.map(([base, prefix, cls]) => {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { net: (parseIpv4(base) ?? 0) & mask, mask, cls };
});

export function classifyIpv4(n: number): AddressClass {
  for (const r of V4_PARSED) if ((n & r.mask) >>> 0 === r.net >>> 0) return r.cls;
  return 'public';
}

const v4At = (b: Uint8Array, offset: number): number =>
  (((b[offset] ?? 0) << 24) |
    ((b[offset + 1] ?? 0) << 16) |
    ((b[offset + 2] ?? 0) << 8) |
    (b[offset + 3] ?? 0)) >>>
  0;

const startsWith = (b: Uint8Array, prefix: readonly number[]): boolean => prefix.every((v, i) => b[i] === v);

export function classifyIpv6(b: Uint8Array): AddressClass {
  const zeroTo = (end: number): boolean => b.subarray(0, end).every((v) => v === 0);
  if (zeroTo(16)) return 'unspecified';
  if (zeroTo(15) && b[15] === 1) return 'loopback';
  // Addresses that carry an IPv4 address are as private as that address: ::ffff:a.b.c.d (mapped),
  // ::a.b.c.d (the deprecated compatible form), 64:ff9b::/96 (NAT64) and 2002::/16 (6to4).
  if (zeroTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyIpv4(v4At(b, 12));
  if (zeroTo(12)) return classifyIpv4(v4At(b, 12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return classifyIpv4(v4At(b, 12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'private';
  if (startsWith(b, [0x20, 0x02])) return classifyIpv4(v4At(b, 2));
  const first = b[0] ?? 0;
  const second = b[1] ?? 0;
  if (first === 0xff) return 'multicast';
  if ((first & 0xfe) === 0xfc) return 'unique-local';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local';
  // fec0::/10, the withdrawn site-local range, is still routed inside old networks.
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'private';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'reserved';
  // Teredo (2001::/32) tunnels to an IPv4 client hidden in the address: refuse rather than decode.
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00])) return 'reserved';
  // Only 2000::/3 is allocated for global unicast; anything else is not a public web server.
  if ((first & 0xe0) !== 0x20) return 'reserved';
  return 'public';
}

/** The class of an IP literal (IPv4 in any URL-standard form, or IPv6), or null for a name. */
export function classifyAddress(host: string): AddressClass | null {
  const h = canonicalHost(host);
  const v6 = parseIpv6(h);
  if (v6 !== null) return classifyIpv6(v6);
  const v4 = parseIpv4(h);
  return v4 === null ? null : classifyIpv4(v4);
}

/** True for any IP literal that is not a public unicast address. Names return false. */
export function isPrivateAddress(host: string): boolean {
  const cls = classifyAddress(host);
  return cls !== null && cls !== 'public';
}

// Names that never leave the local network: RFC 6761 (localhost), RFC 6762 (.local, mDNS),
// RFC 8375 (home.arpa) and ICANN's private-use .internal.
const LOCAL_SUFFIXES = ['localhost', 'local', 'home.arpa', 'internal'];

export function isLocalName(host: string): boolean {
  const h = canonicalHost(host);
  return LOCAL_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`));
}

function canonicalHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.+$/, '');
}

function refuse(host: string, why: string, details: Readonly<Record<string, string>>): AppError {
  return new AppError(
    'intake.private-address',
    `${host} ${why}; private and loopback addresses are refused unless private network access is allowed`,
    { host, ...details },
  );
}

/**
 * Refuses (throws `intake.private-address`) when `host` is a non-public address or a local name, and,
 * when `resolve` is given, when ANY address it resolves to is non-public — one private answer is enough
 * for a browser to end up inside the network. Returns the addresses it checked (empty when allowed or
 * not resolved) so a caller can pin the connection to them: a second lookup may answer differently.
 *
 * Intake does not pass `resolve`: looking names up at intake would tell a site's DNS operator that it
 * was reported, before anyone decided to capture it. Capture passes it right before connecting.
 */
export async function checkHostAllowed(host: string, opts: HostCheckOptions): Promise<readonly string[]> {
  if (opts.allowPrivate) return [];
  const h = canonicalHost(host);
  const literal = classifyAddress(h);
  if (literal !== null) {
    if (literal !== 'public') throw refuse(host, `is a ${literal} address`, { class: literal });
    return [h.replace(/^\[|\]$/g, '')];
  }
  if (isLocalName(h)) throw refuse(host, 'is a local network name', { class: 'local-name' });
  if (opts.resolve === undefined) return [];
  let addresses: readonly string[];
  try {
    addresses = await opts.resolve(h);
  } catch (error) {
    throw new AppError('capture.dns-failed', `cannot resolve ${host}: ${(error as Error).message}`, { host });
  }
  if (addresses.length === 0) throw new AppError('capture.dns-failed', `${host} has no addresses`, { host });
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls === null)
      throw refuse(host, `resolves to something that is not an address (${address})`, { address });
    if (cls !== 'public')
      throw refuse(host, `resolves to ${address}, a ${cls} address`, { address, class: cls });
  }
  return addresses;
}
