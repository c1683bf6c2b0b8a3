import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrate } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { dbEngines } from '@tests/helpers/db-engines';
import { tempDir } from '@tests/helpers/temp-dir';

const engines = dbEngines();
const clock = () => new Date('2026-11-22T10:00:00.000Z');

describe.each(engines)('migrations on $name', (engine) => {
  it('applies a step numbered between two applied ones (the audit_heads table of 0190)', async () => {
    const db = await engine.open();
    const dir = tempDir();
    onTestFinished(dir.remove);
    const backupDir = join(dir.path, 'backups');
    const without = MIGRATIONS.filter((m) => m.version !== 190);
    await migrate(db, without, { backupDir, clock });
    const tableExists = () =>
      db.read(async (c) => (await c.get(c.dialect.tableExistsSql, ['audit_heads'])) !== undefined);
    expect(await tableExists()).toBe(false);

    const newest = MIGRATIONS.at(-1)?.version ?? 0;
    const out = await migrate(db, MIGRATIONS, { backupDir, clock });
    expect(out).toMatchObject({ applied: [190], to: newest });
    expect(await tableExists()).toBe(true);
    expect(await migrate(db, MIGRATIONS, { backupDir, clock })).toMatchObject({
      applied: [],
    });
  });
});
