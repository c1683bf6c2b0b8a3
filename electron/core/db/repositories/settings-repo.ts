import type { ReadConn, WriteConn } from '../database';

/** Workstation settings: one JSON value per key. Which keys exist and what they mean is the service's. */

/** Every stored value by key, as stored (not yet checked against the settings schema). */
export async function readStoredSettings(c: ReadConn): Promise<Record<string, unknown>> {
  const rows = await c.all<{ key: string; value: string }>('SELECT key, value FROM settings');
  const stored: Record<string, unknown> = {};
  for (const row of rows) stored[row.key] = JSON.parse(row.value) as unknown;
  return stored;
}

export async function writeSetting(tx: WriteConn, key: string, value: unknown): Promise<void> {
  await tx.run(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    [key, JSON.stringify(value)],
  );
}
