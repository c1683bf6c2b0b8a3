import { createHash } from 'node:crypto';
import type { IndicatorType } from '@shared/domain/indicators';
import { assertNever } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import type { OccurrenceRow } from '../db/repositories/indicators-repo';

/**
 * A set of resources' indicators as a STIX 2.1 bundle or as CSV. Same rows in, same bytes out: every
 * id is derived (UUIDv5), every timestamp comes from the captures, objects are sorted by id.
 *
 * How each type maps (STIX 2.1 has no phone or wallet observable):
 * - email → `email-addr`, domain → `domain-name`: the core SCOs for exactly these.
 * - telegram/whatsapp/signal/threema/session/discord accounts → `user-account` with the messenger as
 *   `account_type` (an open vocabulary) and the handle as `account_login` / `user_id`; invite and group
 *   links (telegram `+…`/`joinchat/…`, whatsapp `chat/…`, signal `group/…`, discord codes) are not
 *   accounts but places → `url` SCOs with the link.
 * - btc/eth/trx/xmr → custom SCO `x-cryptocurrency-wallet` {value, currency}; phone → custom SCO
 *   `x-phone-number` {value (E.164)}: custom observables are what STIX 2.1 §11 allows for objects
 *   it does not define, and importers (MISP, OpenCTI) keep them as such.
 * Each observable gets an `indicator` (a STIX pattern on its value) `based-on` it; each capture an
 * `observed-data` with its resource's URL and the observables seen in it; `related-to` links each
 * resource URL to its observables (the network).
 */

/** STIX 2.1 §2.9: the namespace for deterministic SCO identifiers. */
const SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** Vigil's own namespace for the SDOs and SROs it derives (a fixed random UUID). */
const VIGIL_NAMESPACE = '4d1f3c2a-8b6e-4f7a-9c35-2e61b0d8a917';

export function uuidv5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type StixObject = Record<string, unknown> & { type: string; id: string };

/** The observable of one indicator, with its id built from its id-contributing properties. */
export function observableOf(type: IndicatorType, value: string): StixObject {
  const sco = (kind: string, props: Record<string, string>): StixObject => ({
    type: kind,
    spec_version: '2.1',
    id: `${kind}--${uuidv5(SCO_NAMESPACE, canonicalJson(props))}`,
    ...props,
  });
  const account = (accountType: string, login: string) =>
    sco('user-account', { account_type: accountType, account_login: login, user_id: login });
  switch (type) {
    case 'email':
      return sco('email-addr', { value });
    case 'domain':
      return sco('domain-name', { value });
    case 'btc':
    case 'eth':
    case 'trx':
    case 'xmr':
      return sco('x-cryptocurrency-wallet', { value, currency: type });
    case 'phone':
      return sco('x-phone-number', { value });
    case 'telegram':
      return /^(\+|joinchat\/)/.test(value)
        ? sco('url', { value: `https://t.me/${value}` })
        : account('telegram', value);
    case 'whatsapp':
      return value.startsWith('chat/')
        ? sco('url', { value: `https://chat.whatsapp.com/${value.slice(5)}` })
        : account('whatsapp', value);
    case 'signal':
      return value.startsWith('group/')
        ? sco('url', { value: `https://signal.group/#${value.slice(6)}` })
        : account('signal', value);
    case 'threema':
      return account('threema', value);
    case 'session':
      return account('session', value);
    case 'discord':
      return sco('url', { value: `https://discord.gg/${value}` });
    default:
      return assertNever(type);
  }
}

/** A STIX pattern matching the observable's value (quotes and backslashes escaped, §9.2). */
function patternOf(o: StixObject): string {
  const q = (s: unknown) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (o.type === 'user-account')
    return `[user-account:account_type = ${q(o.account_type)} AND user-account:account_login = ${q(o.account_login)}]`;
  return `[${o.type}:value = ${q(o.value)}]`;
}

/** STIX timestamps carry milliseconds (the schemas require at least three fraction digits for created). */
const stixTime = (iso: string): string => new Date(iso).toISOString();

export type ExportResource = Readonly<{ id: string; url: string }>;

export function indicatorsStixBundle(
  resources: readonly ExportResource[],
  rows: readonly OccurrenceRow[],
): string {
  const objects = new Map<string, StixObject>();
  const put = (o: StixObject) => {
    if (!objects.has(o.id)) objects.set(o.id, o);
  };
  const sdo = (type: string, name: string, props: Record<string, unknown>): StixObject => ({
    type,
    spec_version: '2.1',
    id: `${type}--${uuidv5(VIGIL_NAMESPACE, `${type}:${name}`)}`,
    ...props,
  });
  const urlOf = new Map(resources.map((r) => [r.id, r.url]));
  const seen = new Map<string, { first: string; last: string; obs: StixObject }>();
  const captures = new Map<string, { resourceId: string; at: string; refs: Set<string> }>();
  for (const r of rows) {
    const obs = observableOf(r.type as IndicatorType, r.value);
    const s = seen.get(obs.id);
    if (s === undefined) seen.set(obs.id, { first: r.capturedAt, last: r.capturedAt, obs });
    else {
      if (r.capturedAt < s.first) s.first = r.capturedAt;
      if (r.capturedAt > s.last) s.last = r.capturedAt;
    }
    let c = captures.get(r.captureId);
    if (c === undefined) {
      c = { resourceId: r.resourceId, at: r.capturedAt, refs: new Set() };
      captures.set(r.captureId, c);
    }
    c.refs.add(obs.id);
  }
  for (const { first, obs } of seen.values()) {
    put(obs);
    const created = stixTime(first);
    const indicator = sdo('indicator', obs.id, {
      created,
      modified: created,
      name: `${obs.type} ${String(obs.value ?? obs.account_login)}`,
      indicator_types: ['malicious-activity'],
      pattern: patternOf(obs),
      pattern_type: 'stix',
      valid_from: created,
    });
    put(indicator);
    put(
      sdo('relationship', `${indicator.id} based-on ${obs.id}`, {
        created,
        modified: created,
        relationship_type: 'based-on',
        source_ref: indicator.id,
        target_ref: obs.id,
      }),
    );
  }
  for (const [captureId, c] of captures) {
    const url = urlOf.get(c.resourceId);
    if (url === undefined) continue;
    const page: StixObject = observableUrl(url);
    put(page);
    const at = stixTime(c.at);
    put(
      sdo('observed-data', captureId, {
        created: at,
        modified: at,
        first_observed: at,
        last_observed: at,
        number_observed: 1,
        object_refs: [page.id, ...[...c.refs].sort()],
        external_references: [
          {
            source_name: 'vigil',
            external_id: captureId,
            description: `capture ${captureId} of resource ${c.resourceId}`,
          },
        ],
      }),
    );
    for (const ref of [...c.refs].sort())
      put(
        sdo('relationship', `${page.id} related-to ${ref}`, {
          created: at,
          modified: at,
          relationship_type: 'related-to',
          source_ref: page.id,
          target_ref: ref,
        }),
      );
  }
  const sorted = [...objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const bundle = {
    type: 'bundle',
    id: `bundle--${uuidv5(VIGIL_NAMESPACE, `bundle:${sorted.map((o) => o.id).join(',')}`)}`,
    objects: sorted,
  };
  return JSON.stringify(bundle, null, 2) + '\n';
}

function observableUrl(value: string): StixObject {
  return {
    type: 'url',
    spec_version: '2.1',
    id: `url--${uuidv5(SCO_NAMESPACE, canonicalJson({ value }))}`,
    value,
  };
}

const CSV_COLUMNS = [
  'type',
  'value',
  'resource_id',
  'resource_url',
  'capture_id',
  'captured_at',
  'artifact',
  'artifact_name',
  'offset',
  'length',
  'raw',
  'box_x',
  'box_y',
  'box_w',
  'box_h',
  'extractor_version',
] as const;

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula (`+7…` too) gets an apostrophe first. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function indicatorsCsv(resources: readonly ExportResource[], rows: readonly OccurrenceRow[]): string {
  const urlOf = new Map(resources.map((r) => [r.id, r.url]));
  const num = (n: number | null) => (n === null ? '' : String(n));
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows)
    lines.push(
      [
        r.type,
        r.value,
        r.resourceId,
        urlOf.get(r.resourceId) ?? '',
        r.captureId,
        r.capturedAt,
        r.artifact,
        r.artifactName,
        String(r.offset),
        String(r.length),
        r.raw,
        num(r.boxX),
        num(r.boxY),
        num(r.boxW),
        num(r.boxH),
        String(r.extractorVersion),
      ]
        .map(csvCell)
        .join(','),
    );
  return lines.join('\r\n') + '\r\n';
}
