/**
 * Reads of the team server's capture jobs in pg-boss's own job table (pg-boss 10, schema `pgboss`),
 * for what pg-boss has no call for: the queue as users see it (the newest job of each resource), a
 * resource's pending job, and which worker holds an active job. Each job's singleton key is its
 * resource id (workers/capture-jobs.ts).
 */

/** pg-boss's executor (`boss.getDb()`): its own connection pool on the queue's database. */
export type JobsDb = Readonly<{
  executeSql: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>;
}>;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export type JobRow = Readonly<{
  id: string;
  resourceId: string;
  state: JobState;
  data: Readonly<Record<string, unknown>>;
  output: Readonly<Record<string, unknown>> | null;
  retryCount: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
}>;

type Row = {
  id: string;
  singleton_key: string;
  state: JobState;
  data: Record<string, unknown> | null;
  output: Record<string, unknown> | null;
  retry_count: number;
  created_on: Date | string;
  started_on: Date | string | null;
  completed_on: Date | string | null;
};

const SCHEMA = 'pgboss';
const COLUMNS = 'id, singleton_key, state, data, output, retry_count, created_on, started_on, completed_on';
/** Waiting (`created`, or `retry` after a failed or expired attempt) or held by a worker. */
const PENDING = `state IN ('created', 'retry', 'active')`;

const dateOf = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

const fromDb = (r: Row): JobRow => ({
  id: r.id,
  resourceId: r.singleton_key,
  state: r.state,
  data: r.data ?? {},
  output: r.output,
  retryCount: r.retry_count,
  createdOn: new Date(r.created_on),
  startedOn: dateOf(r.started_on),
  completedOn: dateOf(r.completed_on),
});

const rowsOf = (result: { rows: unknown[] }): JobRow[] => (result.rows as Row[]).map(fromDb);

/** The newest job of each resource, pending ones first, each part newest first (what the queue screen lists). */
export async function newestJobPerResource(db: JobsDb, queue: string, limit: number): Promise<JobRow[]> {
  return rowsOf(
    await db.executeSql(
      `SELECT * FROM (
         SELECT DISTINCT ON (singleton_key) ${COLUMNS} FROM ${SCHEMA}.job
         WHERE name = $1 AND singleton_key IS NOT NULL
         ORDER BY singleton_key, created_on DESC
       ) newest ORDER BY ${PENDING} DESC, created_on DESC LIMIT $2`,
      [queue, limit],
    ),
  );
}

export async function newestJobOf(db: JobsDb, queue: string, resourceId: string): Promise<JobRow | null> {
  const [row] = rowsOf(
    await db.executeSql(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2
       ORDER BY created_on DESC LIMIT 1`,
      [queue, resourceId],
    ),
  );
  return row ?? null;
}

export async function pendingJobOf(db: JobsDb, queue: string, resourceId: string): Promise<JobRow | null> {
  const [row] = rowsOf(
    await db.executeSql(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND ${PENDING} LIMIT 1`,
      [queue, resourceId],
    ),
  );
  return row ?? null;
}

/**
 * Names the worker holding an active job in its output (pg-boss replaces the output when the job
 * completes, fails or expires, so a holder never outlives its hold).
 */
/** `restricted`: whether the job was handed out as a restricted capture (its resource flagged then). */
export async function markJobHolder(
  db: JobsDb,
  queue: string,
  jobId: string,
  holder: Readonly<{ worker: string; restricted: boolean }>,
): Promise<void> {
  await db.executeSql(
    `UPDATE ${SCHEMA}.job SET output = jsonb_build_object('worker', $3::text, 'restricted', $4::boolean)
     WHERE name = $1 AND id = $2::uuid AND state = 'active'`,
    [queue, jobId, holder.worker, holder.restricted],
  );
}

/** The resources of the active jobs this worker was handed as ordinary (unrestricted) captures. */
export async function unrestrictedResourcesHeldBy(
  db: JobsDb,
  queue: string,
  worker: string,
): Promise<string[]> {
  const { rows } = await db.executeSql(
    `SELECT singleton_key FROM ${SCHEMA}.job
     WHERE name = $1 AND state = 'active' AND output->>'worker' = $2
       AND coalesce((output->>'restricted')::boolean, false) = false`,
    [queue, worker],
  );
  return (rows as { singleton_key: string }[]).map((r) => r.singleton_key);
}

/** The worker holding this job, or null when it is not active (expired, finished, cancelled). */
export async function holderOfJob(db: JobsDb, queue: string, jobId: string): Promise<string | null> {
  const { rows } = await db.executeSql(
    `SELECT output->>'worker' AS worker FROM ${SCHEMA}.job
     WHERE name = $1 AND id = $2::uuid AND state = 'active'`,
    [queue, jobId],
  );
  return (rows as { worker: string | null }[])[0]?.worker ?? null;
}

export async function workerHoldsAJob(db: JobsDb, queue: string, worker: string): Promise<boolean> {
  const { rows } = await db.executeSql(
    `SELECT 1 FROM ${SCHEMA}.job WHERE name = $1 AND state = 'active' AND output->>'worker' = $2 LIMIT 1`,
    [queue, worker],
  );
  return rows.length > 0;
}
