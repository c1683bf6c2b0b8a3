import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Settings } from '@shared/contract/methods/workspace';
import { tsaStatusOf } from '@shared/domain/time-stamping';
import { AppError } from '@shared/errors/app-error';
import { chooseTsa } from '../../settings/tsa-settings';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';
import { osActor } from './foundation-commands';

/** The time-stamp authority: choosing it (or "none"), and the state of time-stamping on this workstation. */

const OID_PATTERN = /^[0-2](\.\d+)+$/;

function describeTsa(s: Settings): string {
  const status = tsaStatusOf(s);
  if (status !== 'authority')
    return `time-stamp authority: ${status === 'none' ? 'none (chosen)' : 'not chosen'} — nothing is time-stamped by an independent authority`;
  return [
    `time-stamp authority: ${s.tsaUrl ?? ''}`,
    `  trust anchor: ${s.tsaCaPem === null ? 'none given (tokens are not traced to a root)' : 'configured'}`,
    `  eIDAS qualified: ${s.tsaQualified ? 'yes' : 'no'}`,
    `  policy OID: ${s.tsaPolicyOid ?? 'any'}`,
  ].join('\n');
}

const settingsTsa: CliCommand = {
  path: ['settings', 'tsa'],
  usage: 'settings tsa [--url URL --ca FILE.pem [--qualified] [--policy OID] | --none] [--json]',
  summary:
    'choose the RFC 3161 time-stamp authority (its root certificate verifies every token) or record that there is none; without options, print the choice',
  options: {
    url: { type: 'string' },
    ca: { type: 'string' },
    qualified: { type: 'boolean' },
    policy: { type: 'string' },
    none: { type: 'boolean' },
  },
  async run(ctx) {
    const url = str(ctx, 'url');
    const ca = str(ctx, 'ca');
    const policy = str(ctx, 'policy');
    const none = ctx.values.none === true;
    const backend = await ctx.backend();
    const actor = ctx.as ?? osActor();
    if (none && (url !== undefined || ca !== undefined || policy !== undefined))
      throw new AppError('input.invalid', '--none takes no --url, --ca or --policy');
    let settings: Settings;
    if (none) settings = await chooseTsa(backend.settings, { kind: 'none' }, actor);
    else if (url !== undefined) {
      if (ca === undefined)
        throw new AppError('input.invalid', '--url needs --ca FILE.pem, the authority’s root certificate');
      if (policy !== undefined && !OID_PATTERN.test(policy))
        throw new AppError('input.invalid', `--policy is not an object identifier: ${policy}`);
      let caPem: string;
      try {
        caPem = await readFile(resolve(ctx.io.cwd, ca), 'utf8');
      } catch (error) {
        throw new AppError('input.invalid', `cannot read ${ca}: ${(error as Error).message}`);
      }
      settings = await chooseTsa(
        backend.settings,
        {
          kind: 'authority',
          url,
          caPem,
          qualified: ctx.values.qualified === true,
          policyOid: policy ?? null,
        },
        actor,
      );
    } else if (ca !== undefined || policy !== undefined || ctx.values.qualified === true)
      throw new AppError('input.invalid', '--ca, --policy and --qualified go with --url');
    else settings = await backend.settings.get();
    const value = {
      status: tsaStatusOf(settings),
      url: settings.tsaUrl,
      caConfigured: settings.tsaCaPem !== null,
      qualified: settings.tsaQualified,
      policyOid: settings.tsaPolicyOid,
    };
    print(ctx, value, describeTsa(settings));
    return EXIT.ok;
  },
};

const timestampsStatus: CliCommand = {
  path: ['timestamps', 'status'],
  usage: 'timestamps status [--json]',
  summary:
    'the time-stamp authority, the captures still waiting for a token (since when), and the newest head token',
  async run(ctx) {
    const backend = await ctx.backend();
    const status = await backend.time.status();
    const lines = [
      describeTsa(await backend.settings.get()),
      `pending time-stamps: ${status.pending.count}${status.pending.oldestAt === null ? '' : ` (oldest since ${status.pending.oldestAt})`}`,
      status.head === null
        ? 'custody log head: never time-stamped'
        : `custody log anchored up to row ${status.head.seq} at ${status.head.genTime} (${status.head.tsa})`,
    ];
    print(ctx, status, lines.join('\n'));
    return EXIT.ok;
  },
};

const auditTimestamp: CliCommand = {
  path: ['audit', 'timestamp'],
  usage: 'audit timestamp [--json]',
  summary: 'time-stamp the head of the custody log now with the configured authority (RFC 3161)',
  async run(ctx) {
    const backend = await ctx.backend();
    const result = await backend.time.stampHead('manual', ctx.as ?? osActor());
    if (result === null)
      throw new AppError(
        'input.invalid',
        'no time-stamp authority is configured (vigil settings tsa --url …)',
      );
    if (result.status === 'failed') throw new AppError(result.code, result.error);
    if (result.status === 'empty') throw new AppError('input.invalid', 'the custody log has no rows yet');
    print(
      ctx,
      result.stamp,
      `custody log anchored up to row ${result.stamp.headSeq} at ${result.stamp.genTime} (serial ${result.stamp.serialHex})`,
    );
    return EXIT.ok;
  },
};

export const TIME_COMMANDS: readonly CliCommand[] = [settingsTsa, timestampsStatus, auditTimestamp];
