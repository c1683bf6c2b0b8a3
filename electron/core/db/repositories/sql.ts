/** `?, ?, ?` for an `IN (…)` list of `values`; the values themselves are always bound, never inlined. */
export const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');
