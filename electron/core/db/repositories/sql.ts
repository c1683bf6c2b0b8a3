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
