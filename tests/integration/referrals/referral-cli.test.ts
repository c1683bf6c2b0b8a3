import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

/** The after-decision commands on a real data dir: settings, recipients, refusals, appeals (no browser). */

let dir: { path: string; remove: () => void };
let backend: Backend;
let resourceId: string;

const cli = (...args: string[]) => vigil(['--data', dir.path, ...args]);

beforeAll(async () => {
  dir = tempDir('vigil-referral-cli-');
  backend = await createBackend({ dataDir: dir.path });
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: 'https://shop.example/item/1', sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: false },
  );
  resourceId = resource.id;
}, 60_000);

afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('vigil settings / recipient / referral / appeal', () => {
  it('sets and reads named settings, refusing unknown keys and bad values with exit 2', async () => {
    expect((await cli('settings', 'get', 'recheck.consecutiveRemoved')).stdout.trim()).toBe('3');
    expect((await cli('settings', 'set', 'recheck.consecutiveRemoved', '2')).code).toBe(0);
    expect((await cli('settings', 'get', 'recheck.consecutiveRemoved')).stdout.trim()).toBe('2');
    expect((await cli('settings', 'set', 'smtp.password', 's3cret')).stdout).not.toContain('s3cret');
    const unknown = await cli('settings', 'set', 'smtp.hots', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no such setting: smtp.hots');
    const bad = await cli('settings', 'set', 'sending.hours', '25:00-26:00');
    expect(bad.code).toBe(2);
    const log = await backend.workspace.db.read((c) =>
      c.all<{ details: string }>("SELECT details FROM audit WHERE action = 'settings.changed' ORDER BY seq"),
    );
    expect(log.map((r) => r.details).join('\n')).not.toContain('s3cret');
    expect(log).toHaveLength(2);
  });

  it('adds recipients, refuses a duplicate name and a bad address', async () => {
    const add = await cli(
      'recipient',
      'add',
      'Host One',
      '--channel',
      'email',
      '--address',
      'abuse@host.example',
      '--language',
      'ru',
      '--kind',
      'hosting',
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('NOT VERIFIED');
    expect(
      (
        await cli(
          'recipient',
          'add',
          'Host One',
          '--channel',
          'email',
          '--address',
          'a@b.example',
          '--language',
          'en',
        )
      ).code,
    ).toBe(2);
    expect(
      (
        await cli(
          'recipient',
          'add',
          'Host Two',
          '--channel',
          'email',
          '--address',
          'nope',
          '--language',
          'en',
        )
      ).code,
    ).toBe(2);
    expect((await cli('recipient', 'verify', 'Host One')).stdout).toContain('verified by os:');
    const list = JSON.parse((await cli('recipient', 'list', '--json')).stdout) as {
      name: string;
      verified: boolean;
    }[];
    expect(list).toMatchObject([{ name: 'Host One', verified: true }]);
  });

  it('refuses a referral without an approval, and records an appeal', async () => {
    const r = await cli(
      'referral',
      'create',
      resourceId,
      '--recipient',
      'Host One',
      '--regime',
      'dsa-art16-notice',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no approval in force');
    expect(
      (await cli('referral', 'create', resourceId, '--recipient', 'Host One', '--regime', 'no-such')).stderr,
    ).toContain('no notice template no-such');
    expect(JSON.parse((await cli('referral', 'list', '--json')).stdout)).toEqual([]);
    const appeal = await cli('appeal', 'add', resourceId, '--text', 'Not illegal.', '--by', 'Owner');
    expect(appeal.code).toBe(0);
    expect(appeal.stdout.trim()).toMatch(/^apl_/);
    expect((await cli('appeal', 'list', resourceId)).stdout).toContain('open');
    // The complaint is evidence: kept as received.
    await expect(
      backend.workspace.db.write((tx) => tx.run("UPDATE appeals SET text = 'edited'")),
    ).rejects.toThrow(/append-only/);
    // Deciding needs a reviewer who signs.
    expect(
      (await cli('appeal', 'decide', appeal.stdout.trim(), '--outcome', 'lift', '--explanation', 'x')).code,
    ).toBe(2);
  });

  it('sends nothing from an empty queue, and refuses a reminder or escalation of no referral', async () => {
    const due = await cli('referral', 'send-due');
    expect(due.code).toBe(0);
    expect(due.stdout).toContain('no queued notice is due');
    expect(JSON.parse((await cli('referral', 'send-due', '--json')).stdout)).toEqual([]);
    const remind = await cli('referral', 'remind', 'rfl_0000000000000000000000');
    expect(remind.stderr).toContain('no referral rfl_0000000000000000000000');
    const escalate = await cli('referral', 'escalate', 'rfl_0000000000000000000000');
    expect(escalate.code).toBe(2);
    expect(escalate.stderr).toContain('--recipient is required');
    // A queued send is evidence too: never edited or deleted, only settled.
    const triggers = await backend.workspace.db.read((c) =>
      c.all<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'scheduled_send%' ORDER BY name",
      ),
    );
    expect(triggers.map((t) => t.name)).toEqual([
      'scheduled_send_outcomes_no_delete',
      'scheduled_send_outcomes_no_update',
      'scheduled_sends_no_delete',
      'scheduled_sends_no_update',
    ]);
  });
});
