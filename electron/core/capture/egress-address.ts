import { isIP } from 'node:net';
import type { Browser } from 'puppeteer-core';
import type { EgressAddress } from '@shared/domain/capture-record';
import { errorMessage } from '@shared/errors/app-error';
import { bounded } from './deadline';

export type EgressOptions = Readonly<{
  browser: Browser;
  /** The capture profile's proxy: the question leaves the way the capture leaves. */
  proxy: string | null;
  /** A "what is my IP" endpoint answering the address as text or JSON (`{"ip": …}`); null: not asked. */
  endpoint: string | null;
  timeoutMs?: number;
}>;

/** The address in an answer: plain text, or JSON with `ip`, `address` or `origin`. */
export function parseEgressAnswer(body: string): string | null {
  const text = body.trim();
  let candidate = text.split(/\s+/)[0] ?? '';
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      const value = [o['ip'], o['address'], o['origin']].find((v) => typeof v === 'string');
      if (typeof value === 'string') candidate = value.split(',')[0]?.trim() ?? '';
    }
  } catch {
    // Not JSON: the answer is the address as text.
  }
  const bare = candidate.replace(/^\[|\]$/g, '');
  return isIP(bare) ? bare : null;
}

/**
 * Asks the endpoint, in a fresh context of the capture's own browser with the capture's proxy (so
 * a proxy or VPN the capture goes through is the one asked about), which address the request came
 * from. Never throws: no endpoint, no answer in time or an answer that is no address is `unknown`
 * with the reason. The context is its own, so the question is not part of the capture's archive.
 */
export async function askEgressAddress(opts: EgressOptions): Promise<EgressAddress> {
  const { endpoint } = opts;
  if (endpoint === null)
    return { status: 'unknown', endpoint: null, reason: 'no egress-address endpoint is configured' };
  const unknown = (reason: string): EgressAddress => ({ status: 'unknown', endpoint, reason });
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let context: Awaited<ReturnType<Browser['createBrowserContext']>> | null = null;
  try {
    context = await opts.browser.createBrowserContext(opts.proxy ? { proxyServer: opts.proxy } : {});
    const page = await context.newPage();
    const response = await bounded(
      page.goto(endpoint, { waitUntil: 'domcontentloaded', timeout: Math.max(1, deadline - Date.now()) }),
      deadline,
      'egress endpoint',
    );
    if (!response) return unknown('the endpoint gave no response');
    if (!response.ok()) return unknown(`the endpoint answered HTTP ${response.status()}`);
    const address = parseEgressAnswer(await bounded(response.text(), deadline, 'egress answer'));
    return address === null
      ? unknown('the endpoint did not answer an IP address')
      : { status: 'known', address, endpoint };
  } catch (error) {
    return unknown(errorMessage(error));
  } finally {
    if (context) await bounded(context.close(), Date.now() + 5_000, 'egress context').catch(() => undefined);
  }
}
