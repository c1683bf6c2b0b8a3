import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { DialectName } from '@core/db/dialect';
import type { Session } from '@core/rpc/dispatch';
import type { ResourceSummary } from '@shared/domain/resources';
import { tempDir } from '@tests/helpers/temp-dir';

const N = 50_000;
const HOSTS = 977;

let dir: { path: string; remove: () => void };
let backend: Backend;
let session: Session;

type Page = { items: ResourceSummary[]; total: number };

const list = async (input: Record<string, unknown>): Promise<Page> => {
  const reply = await backend.dispatch(session, 'resources.list', input);
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.value as Page;
};

const timings: string[] = [];
async function timed(label: string, input: Record<string, unknown>): Promise<Page> {
  await list(input); // first run warms the page cache; the second is the one measured
  const start = performance.now();
  const page = await list(input);
  timings.push(
    `${label.padEnd(48)} ${(performance.now() - start).toFixed(1).padStart(7)} ms  total=${page.total}`,
  );
  return page;
}

/**
 * The seeding statements in each engine's SQL: resource i has id res_<i, 26 digits>, host h<i mod ?>,
 * created i seconds after 2026-01-01 and updated (i * 7919 mod N) seconds after it; every 1000th
 * resource's text holds "needle". Parameters: N, HOSTS three times, N.
 */
const SEED: Readonly<Record<DialectName, Readonly<{ resources: string; textIndex: string }>>> = {
  sqlite: {
    resources: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO resources (id, url, display_url, host, state, categories, report_count, created_at, updated_at)
       SELECT printf('res_%026d', i),
              printf('https://h%d.example/item/%d', i % ?, i),
              printf('https://h%d.example/item/%d', i % ?, i),
              printf('h%d.example', i % ?),
              CASE i % 5 WHEN 0 THEN 'captured' WHEN 1 THEN 'in_review' ELSE 'reported' END,
              CASE i % 3 WHEN 0 THEN '["drugs"]' WHEN 1 THEN '["fraud","minors"]' ELSE '[]' END,
              1 + (i * 7919) % 13,
              strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'),
              strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || ((i * 7919) % ?) || ' seconds')
       FROM n`,
    textIndex: `INSERT INTO text_index (title, body, resource_id, capture_id, kind)
       SELECT display_url, url || char(10) || CASE WHEN rowid % 1000 = 0 THEN 'needle in a haystack' ELSE 'hay' END, id, NULL, 'report'
       FROM resources`,
  },
  postgres: {
    resources: `WITH n(i) AS (SELECT generate_series(1, CAST(? AS INTEGER)))
       INSERT INTO resources (id, url, display_url, host, state, categories, report_count, created_at, updated_at)
       SELECT 'res_' || lpad(CAST(i AS TEXT), 26, '0'),
              'https://h' || (i % ?) || '.example/item/' || i,
              'https://h' || (i % ?) || '.example/item/' || i,
              'h' || (i % ?) || '.example',
              CASE i % 5 WHEN 0 THEN 'captured' WHEN 1 THEN 'in_review' ELSE 'reported' END,
              CASE i % 3 WHEN 0 THEN '["drugs"]' WHEN 1 THEN '["fraud","minors"]' ELSE '[]' END,
              1 + (i * 7919) % 13,
              to_char(TIMESTAMP '2026-01-01' + i * INTERVAL '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              to_char(TIMESTAMP '2026-01-01' + ((i * 7919) % ?) * INTERVAL '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
       FROM n`,
    textIndex: `INSERT INTO text_index (title, body, resource_id, capture_id, kind)
       SELECT display_url, url || chr(10) || CASE WHEN CAST(substr(id, 5) AS INTEGER) % 1000 = 0 THEN 'needle in a haystack' ELSE 'hay' END, id, NULL, 'report'
       FROM resources`,
  },
};

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  const user = await backend.users.create(
    { name: 'rita', role: 'reviewer', password: 'a long enough password' },
    'test',
  );
  session = { user };
  // Rows are generated inside the database: the test measures listing, not 50,000 round trips of seeding.
  await backend.workspace.db.write(async (tx) => {
    const seed = SEED[tx.dialect.name];
    await tx.run(seed.resources, [N, HOSTS, HOSTS, HOSTS, N]);
    await tx.run(seed.textIndex);
  });
}, 120_000);

afterAll(async () => {
  console.log(`resources.list on ${N} resources (second run of each query):\n${timings.join('\n')}`);
  await backend.close();
  dir.remove();
});

describe(`resources.list on ${N} resources`, () => {
  it('pages through everything in order, each row exactly once', async () => {
    const seen = new Set<string>();
    let previous: ResourceSummary | null = null;
    for (let offset = 0; offset < N; offset += 1000) {
      const page = await list({ sort: 'reportCount', direction: 'desc', offset, limit: 1000 });
      expect(page.total).toBe(N);
      expect(page.items).toHaveLength(1000);
      for (const item of page.items) {
        if (previous !== null) {
          const ordered =
            item.reportCount < previous.reportCount ||
            (item.reportCount === previous.reportCount && item.id < previous.id);
          expect(ordered, `${previous.id} then ${item.id}`).toBe(true);
        }
        seen.add(item.id);
        previous = item;
      }
    }
    expect(seen.size).toBe(N);
  });

  it('sorts and filters correctly at any depth (timings printed)', async () => {
    for (const sort of ['updatedAt', 'createdAt', 'reportCount', 'url'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        for (const offset of [0, 25_000, N - 100]) {
          const page = await timed(`sort=${sort} ${direction} offset=${offset}`, {
            sort,
            direction,
            offset,
            limit: 100,
          });
          expect(page.items).toHaveLength(100);
          const key = (r: ResourceSummary): string | number =>
            sort === 'updatedAt'
              ? r.updatedAt
              : sort === 'createdAt'
                ? r.createdAt
                : sort === 'reportCount'
                  ? r.reportCount
                  : r.url;
          for (let i = 1; i < page.items.length; i += 1) {
            const a = key(page.items[i - 1] as ResourceSummary);
            const b = key(page.items[i] as ResourceSummary);
            expect(direction === 'asc' ? a <= b : a >= b).toBe(true);
          }
        }
      }
    }

    const captured = await timed('state=captured sort=updatedAt', { state: 'captured', limit: 100 });
    expect(captured.total).toBe(N / 5);
    expect(captured.items.every((r) => r.state === 'captured')).toBe(true);

    const capturedDeep = await timed('state=captured createdAt asc offset=9900', {
      state: 'captured',
      sort: 'createdAt',
      direction: 'asc',
      offset: 9900,
      limit: 100,
    });
    expect(capturedDeep.items).toHaveLength(100);

    const minors = await timed('category=minors', { category: 'minors', limit: 100 });
    expect(minors.total).toBe(Math.floor((N + 2) / 3));
    expect(minors.items.every((r) => r.categories.includes('minors'))).toBe(true);

    const both = await timed('state=in_review category=drugs', {
      state: 'in_review',
      category: 'drugs',
      limit: 100,
    });
    expect(both.items.every((r) => r.state === 'in_review' && r.categories.includes('drugs'))).toBe(true);

    const host = await timed('text=h42.example (url)', { text: 'h42.example', limit: 100 });
    expect(host.total).toBeGreaterThan(0);
    expect(host.items.every((r) => r.url.includes('h42.example'))).toBe(true);

    const needle = await timed('text=needle (full text)', { text: 'needle', limit: 100 });
    expect(needle.total).toBe(N / 1000);
  });
});
