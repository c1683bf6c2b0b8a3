/**
 * Canonical JSON for everything that is hashed or signed: object keys sorted by UTF-16 code units (as
 * RFC 8785 does), no whitespace, `undefined` members dropped. Anyone can re-create the exact bytes with
 * a few lines in any language, which is what makes the hashes checkable outside Vigil.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError('canonical JSON has no representation for non-finite numbers');
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

// Both builders append to one string instead of mapping and joining: every custody row is hashed
// through here, and a bulk import writes tens of thousands of them.
function canonicalArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i += 1) {
    const v = items[i];
    out += (i === 0 ? '' : ',') + canonicalJson(v === undefined ? null : v);
  }
  return `${out}]`;
}

function canonicalObject(object: Record<string, unknown>): string {
  // Default sort compares UTF-16 code units, the order RFC 8785 asks for.
  const keys = Object.keys(object);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${quotedKey(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Sorts in place by UTF-16 code units (what `<` compares, and the default sort's order). An object
 * has a handful of keys, and `Array.prototype.sort` allocates a work array on every call: an
 * insertion sort of a few keys allocates nothing. Long key lists take the library sort.
 */
function sortKeys(keys: string[]): void {
  if (keys.length > 32) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i += 1) {
    const k = keys[i] ?? '';
    let j = i - 1;
    for (; j >= 0 && (keys[j] ?? '') > k; j -= 1) keys[j + 1] = keys[j] ?? '';
    keys[j + 1] = k;
  }
}

// The same few dozen keys are quoted for every row of the log: each quoted once, kept. Keys from
// elsewhere (a details object with keys from a page) are quoted each time past the bound.
const QUOTED_KEYS_MAX = 512;
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size < QUOTED_KEYS_MAX && k.length <= 64) quotedKeys.set(k, q);
  }
  return q;
}
