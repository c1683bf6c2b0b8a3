import type { BrowserContextOptions } from 'puppeteer-core';
import { systemResolver } from '../intake/address-policy';
import type { Resolver } from '../intake/address-policy';
import type { CaptureProfile } from './capture-profile';
import type { CaptureFailure } from './capture-failure';
import type { CaptureRun } from './capture-run';
import { bounded } from './deadline';
import { mainDocuments } from './main-documents';
import { startNetworkGuard } from './network-guard';
import type { BlockedConnection, NetworkGuard } from './network-guard';
import type { RecordedExchange } from './network-recorder';
import { canonicalPolicyHost, createRequestPolicy } from './request-policy';

/** A request the policy refused, as the WARC's metadata and the warnings state it. */
export type BlockedRequest = Readonly<{ url: string; host: string; port: number; reason: string }>;

const defaultPort = (u: URL): number =>
  u.port !== '' ? Number(u.port) : u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;

/**
 * The options of the capture's browser context. Unless the profile allows the private network,
 * every connection goes through the capture's network guard (a SOCKS5 proxy on loopback that
 * applies the policy and pins DNS answers); Chromium's implicit bypass of loopback is removed
 * (`<-loopback>`) so that 127.0.0.1 goes through it too. A profile with a proxy of its own leaves
 * by that proxy, which resolves names itself: only its literal target is checked then.
 */
export async function guardedContextOptions(run: CaptureRun): Promise<BrowserContextOptions> {
  const { options, guard } = await profileContextOptions(run.opts.profile, run.opts.resolve);
  if (guard) run.netGuard = guard;
  return options;
}

/**
 * The same context options for anything else that loads a page through a capture profile (a
 * re-check's light fetch): the caller owns the guard, if one was started, and closes it.
 */
export async function profileContextOptions(
  profile: CaptureProfile,
  resolve: Resolver | undefined,
): Promise<Readonly<{ options: BrowserContextOptions; guard: NetworkGuard | null }>> {
  if (profile.proxy) return { options: { proxyServer: profile.proxy }, guard: null };
  if (profile.allowPrivateNetwork) return { options: {}, guard: null };
  const guard = await startNetworkGuard(
    createRequestPolicy({ allowHosts: profile.allowHosts ?? [], resolve: resolve ?? systemResolver }),
  );
  return { options: { proxyServer: guard.proxyServer, proxyBypassList: ['<-loopback>'] }, guard };
}

/** Ends the guard and every connection through it; never rejects. */
export async function closeGuard(run: CaptureRun): Promise<void> {
  const guard = run.netGuard;
  if (!guard) return;
  await bounded(guard.close(), Date.now() + 2_000, 'network guard').catch(() => undefined);
}

function blockedOf(blocks: readonly BlockedConnection[], url: string): BlockedConnection | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const host = canonicalPolicyHost(u.hostname);
  const port = defaultPort(u);
  return blocks.find((b) => canonicalPolicyHost(b.host) === host && b.port === port);
}

/**
 * After the recorder stopped: Chromium names the guard as the remote end of every response, so
 * each is given the address the guard really connected to (the pinned answer), and every request
 * the policy refused is listed (with its URL where the browser asked for one) and warned about. A
 * capture with refused requests is `partial`: the page it holds lacks what the policy kept out.
 */
export function applyGuard(run: CaptureRun, exchanges: readonly RecordedExchange[]): BlockedRequest[] {
  const guard = run.netGuard;
  if (!guard) return [];
  for (const ex of exchanges) {
    const res = ex.response;
    if (!res || res.remotePort !== guard.port) continue;
    let u: URL;
    try {
      u = new URL(ex.url);
    } catch {
      continue;
    }
    const port = defaultPort(u);
    ex.response = {
      ...res,
      remoteAddress: guard.connectedAddress(canonicalPolicyHost(u.hostname), port),
      remotePort: port,
    };
  }
  const blocks = guard.blocked();
  const requests: BlockedRequest[] = [];
  const seen = new Set<string>();
  for (const ex of exchanges) {
    if (ex.response || ex.failed === null) continue;
    const b = blockedOf(blocks, ex.url);
    if (!b || seen.has(ex.url)) continue;
    seen.add(ex.url);
    ex.failed = `refused by the private-network policy: ${b.host} ${b.reason}`;
    requests.push({ url: ex.url, host: b.host, port: b.port, reason: b.reason });
  }
  // Connections the browser opened without a request the recorder saw (websockets, preconnects).
  for (const b of blocks) {
    if (
      requests.some((r) => canonicalPolicyHost(r.host) === canonicalPolicyHost(b.host) && r.port === b.port)
    )
      continue;
    const key = `${b.host}:${b.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    requests.push({ url: `tcp://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`, ...b });
  }
  if (requests.length > 0) {
    const hosts = [...new Set(requests.map((r) => `${r.host}:${r.port} (${r.reason})`))];
    run.warn(
      'network.blocked',
      `${requests.length} requests were refused by the private-network policy and are not in the capture: ${hosts.join('; ')}`,
    );
  }
  return requests;
}

/**
 * A main document the policy refused is not a connection failure of the site: the capture fails
 * with the policy's own code, naming the host and why.
 */
export function policyFailure(run: CaptureRun, failure: CaptureFailure | null): CaptureFailure | null {
  const guard = run.netGuard;
  if (!failure || !guard) return failure;
  const urls = [run.opts.url, ...mainDocuments(run.recorder?.exchanges ?? []).map((ex) => ex.url)];
  const b = urls.map((u) => blockedOf(guard.blocked(), u)).find((x) => x !== undefined);
  if (!b) return failure;
  return b.reason.startsWith('cannot be resolved')
    ? {
        code: 'capture.dns-failed',
        message: `${b.host} ${b.reason}; the capture refuses hosts it cannot check`,
      }
    : {
        code: 'intake.private-address',
        message: `${b.host}:${b.port} ${b.reason}; the private-network policy refused it`,
      };
}
