import { workstationKeyExists } from './custody/key-sealer';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';
import type { DataPaths } from './data-dir';

/**
 * - `fresh`: nothing of a data dir is here yet: opening it initialises it (`vigil init`, or the
 *   desktop app's first start, which is its first-run).
 * - `initialising`: an initialisation began and did not finish (a crash): it is resumed.
 * - `ready`: initialised. From now on nothing is created: a missing database, head, key or
 *   certificate is damage (or tampering), reported with the file's name, never silently replaced.
 * - `legacy`: a data dir made before the marker existed; treated as `ready`, and marked.
 */
export type DataDirState = 'fresh' | 'initialising' | 'ready' | 'legacy';

const Marker = z.object({
  format: z.literal('vigil-data-dir/1'),
  state: z.enum(['initialising', 'ready']),
  at: z.string(),
  /**
   * The PostgreSQL server and database (its URL without the password) the data dir was initialised
   * against; absent for a workstation's own SQLite file. A data dir is never opened against another.
   */
  database: z.string().optional(),
});

export type DataDirMarker = Readonly<{ state: DataDirState; database: string | null }>;

/** Files whose presence shows that a data dir was initialised once (blobs alone may be a copy). */
const traces = (paths: DataPaths): string[] => [
  paths.db,
  paths.caCert,
  paths.caKey,
  paths.caKeyClear,
  paths.workstationKey,
  paths.workstationCert,
  paths.workstationPub,
  paths.auditHead,
  paths.auditHeadHistory,
];

export async function dataDirState(paths: DataPaths): Promise<DataDirState> {
  return (await readDataDirMarker(paths)).state;
}

/** The data dir's state, and the database its marker names (null: its own SQLite file, or no marker). */
export async function readDataDirMarker(paths: DataPaths): Promise<DataDirMarker> {
  if (existsSync(paths.marker)) {
    let text: string;
    try {
      text = await readFile(paths.marker, 'utf8');
    } catch (error) {
      throw new AppError('store.damaged', `cannot read ${paths.marker}: ${(error as Error).message}`);
    }
    let parsed: z.infer<typeof Marker> | null;
    try {
      const result = Marker.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : null;
    } catch {
      parsed = null;
    }
    if (parsed === null)
      throw new AppError('store.damaged', `${paths.marker} is not a Vigil data dir marker (damaged file)`);
    return { state: parsed.state, database: parsed.database ?? null };
  }
  return { state: traces(paths).some((f) => existsSync(f)) ? 'legacy' : 'fresh', database: null };
}

/** `database`: the PostgreSQL URL without its password, or null for the data dir's SQLite file. */
export async function writeMarker(
  paths: DataPaths,
  state: 'initialising' | 'ready',
  at: Date,
  database: string | null = null,
): Promise<void> {
  const body: z.infer<typeof Marker> = {
    format: 'vigil-data-dir/1',
    state,
    at: at.toISOString(),
    ...(database === null ? {} : { database }),
  };
  const tmp = `${paths.marker}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, paths.marker);
}

/**
 * An initialised data dir must hold all of these; each missing one is named (exit 3). The CA's private
 * key is not among them: a data dir whose certificates an organisation's CA issues has none. With a
 * shared database (`onServer`) the database and the signed head are on the server, not in the folder.
 */
export function requireInitialisedFiles(paths: DataPaths, onServer = false): void {
  if (!onServer && !existsSync(paths.db))
    throw new AppError(
      'store.damaged',
      `the database ${paths.db} is missing from an initialised data dir: restore it from a backup (it is never re-created)`,
    );
  for (const file of [paths.caCert, paths.workstationKey, paths.workstationCert]) {
    // The desktop app may hold the workstation key sealed by the OS keystore instead (key-sealer.ts).
    if (!existsSync(file) && !(file === paths.workstationKey && workstationKeyExists(file)))
      throw new AppError(
        'custody.key-missing',
        `${file} is missing: keys and certificates are created only by \`vigil init\` on a new data dir; restore the file from a backup`,
      );
  }
  if (!onServer && !existsSync(paths.auditHead))
    throw new AppError(
      'store.damaged',
      `the signed head of the custody log ${paths.auditHead} is missing from an initialised data dir: restore it from a backup`,
    );
}
