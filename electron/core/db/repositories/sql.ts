/** `?, ?, ?` for an `IN (…)` list of `values`; the values themselves are always bound, never inlined. */
export const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

// Long IN lists are read in batches, within SQLite's limit on bound parameters.
const IN_BATCH = 500;

/** Runs `fn` over `values` in batches of at most IN_BATCH, with the `?` list for each batch. */
export async function inBatches<T>(
  values: readonly string[],
  fn: (batch: string[], marks: string) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += IN_BATCH) {
    const batch = values.slice(i, i + IN_BATCH);
    out.push(...(await fn(batch, placeholders(batch))));
  }
  return out;
}

const valueRowsCache = new Map<string, string>();

/**
 * `(?, ?), (?, ?)` for a multi-row INSERT of `rows` rows of `columns` values, built once per shape:
 * a bulk import issues the same few shapes thousands of times.
 */
export function valueRows(rows: number, columns: number): string {
  const key = `${rows}x${columns}`;
  let text = valueRowsCache.get(key);
  if (text === undefined) {
    const one = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
    text = Array.from({ length: rows }, () => one).join(', ');
    // Only a handful of shapes are ever asked for; the bound keeps a caller with many from growing it.
    if (valueRowsCache.size < 64) valueRowsCache.set(key, text);
  }
  return text;
}
