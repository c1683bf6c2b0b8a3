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
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}
