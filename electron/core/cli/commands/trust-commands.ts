import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { createTrustService } from '@core/bundle/trust-service';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { osActor } from './foundation-commands';

/** Which other units' CAs this data dir trusts for `vigil import` (foreign bundles). */

const one = (ctx: CliContext, what: string): string => {
  const [value, ...more] = ctx.positionals;
  if (value === undefined || more.length > 0) throw new AppError('input.invalid', `name exactly one ${what}`);
  return value;
};

const trustAdd: CliCommand = {
  path: ['trust', 'add'],
  usage: 'trust add CA.pem --name UNIT [--json]',
  summary:
    "trust another unit's CA for import, after comparing its SHA-256 fingerprint with the unit out of band (a custody event)",
  options: { name: { type: 'string' } },
  async run(ctx) {
    const file = resolve(ctx.io.cwd, one(ctx, 'CA certificate file (PEM)'));
    const name = str(ctx, 'name');
    if (name === undefined) throw new AppError('input.invalid', '--name UNIT is required');
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch {
      throw new AppError('input.invalid', `${file} cannot be read`);
    }
    const ws = (await ctx.backend()).workspace;
    const { ca, added } = await createTrustService(ws).add(pem, name, ctx.as ?? osActor());
    print(
      ctx,
      { ...ca, added },
      `${added ? 'trusted' : 'already trusted'}: ${ca.name} — ${ca.subject}\nSHA-256 fingerprint ${ca.sha256}`,
    );
    return EXIT.ok;
  },
};

const trustList: CliCommand = {
  path: ['trust', 'list'],
  usage: 'trust list [--history] [--json]',
  summary: 'the CAs of other units trusted for import (with --history: every trust and withdrawal)',
  options: { history: { type: 'boolean' } },
  async run(ctx) {
    const service = createTrustService((await ctx.backend()).workspace);
    if (ctx.values.history === true) {
      const rows = await service.history();
      print(
        ctx,
        rows.map(({ certificatePem: _pem, ...r }) => r),
        rows
          .map((r) => `${r.at}  ${r.action.padEnd(8)} ${r.name}  ${r.certificateSha256}  by ${r.actor}`)
          .join('\n') || 'no CA was ever trusted here',
      );
      return EXIT.ok;
    }
    const list = await service.list();
    print(
      ctx,
      list.map(({ certificatePem: _pem, ...t }) => t),
      list
        .map((t) => `${t.name}  ${t.sha256}  ${t.subject}  (trusted ${t.trustedAt} by ${t.trustedBy})`)
        .join('\n') || 'no other unit is trusted: only bundles of this data dir’s own CA are imported',
    );
    return EXIT.ok;
  },
};

const trustRemove: CliCommand = {
  path: ['trust', 'remove'],
  usage: 'trust remove UNIT|FINGERPRINT [--json]',
  summary: 'withdraw trust from a CA (a new record; the earlier one is kept, and imported evidence stays)',
  async run(ctx) {
    const which = one(ctx, 'unit name or CA fingerprint');
    const ws = (await ctx.backend()).workspace;
    const ca = await createTrustService(ws).remove(which, ctx.as ?? osActor());
    const { certificatePem: _pem, ...shown } = ca;
    print(ctx, shown, `no longer trusted: ${ca.name} — ${ca.sha256}`);
    return EXIT.ok;
  },
};

export const TRUST_COMMANDS: readonly CliCommand[] = [trustAdd, trustList, trustRemove];
