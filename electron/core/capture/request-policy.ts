import { classifyAddress, isLocalName, type Resolver } from '../intake/address-policy';

/**
 * The private-network policy for every connection of one capture (DESIGN §9, issue 17): not only
 * the reported URL but each redirect hop, image, frame, fetch and websocket. A host is resolved
 * once per capture and the connection is made to that very address (network-guard.ts), so a DNS
 * answer that changes between the check and the connect (rebinding) cannot lead the browser inside.
 */
export type PolicyVerdict =
  Readonly<{ allowed: true; address: string }> | Readonly<{ allowed: false; reason: string }>;

export type RequestPolicy = Readonly<{
  decide: (host: string, port: number) => Promise<PolicyVerdict>;
}>;

export type RequestPolicyOptions = Readonly<{
  /** `host` or `host:port` entries allowed whatever their address (a lab network); nothing else is. */
  allowHosts: readonly string[];
  resolve: Resolver;
}>;

/** Lowercase, without brackets around IPv6 and without trailing dots. */
export function canonicalPolicyHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '');
}

/** Splits `HOST[:PORT]` (IPv6 in brackets when it has a port); null when it is not one. */
export function parseAllowHost(entry: string): Readonly<{ host: string; port: number | null }> | null {
  const text = entry.trim();
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^:[\]/\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m?.[1]) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  return { host: canonicalPolicyHost(m[1]), port };
}

/** Whether `host:port` is one of the explicitly allowed hosts (a host without port allows every port). */
export function isAllowedHost(allowHosts: readonly string[], host: string, port: number): boolean {
  const h = canonicalPolicyHost(host);
  return allowHosts.some((entry) => {
    const parsed = parseAllowHost(entry);
    return parsed !== null && parsed.host === h && (parsed.port === null || parsed.port === port);
  });
}

/**
 * The policy of one capture. Answers are cached per host, so every connection to a name goes to
 * the one address checked first; a name that cannot be resolved is refused, never let through.
 */
export function createRequestPolicy(opts: RequestPolicyOptions): RequestPolicy {
  // One DNS question per host and capture: every later connection reuses (is pinned to) the answer.
  const answers = new Map<string, Promise<readonly string[]>>();
  const resolveOnce = (host: string): Promise<readonly string[]> => {
    let answer = answers.get(host);
    if (!answer) {
      answer = opts.resolve(host);
      answer.catch(() => undefined);
      answers.set(host, answer);
    }
    return answer;
  };

  async function resolveChecked(host: string, allowAnyClass: boolean): Promise<PolicyVerdict> {
    let addresses: readonly string[];
    try {
      addresses = await resolveOnce(host);
    } catch (error) {
      return { allowed: false, reason: `cannot be resolved (${(error as Error).message})` };
    }
    if (addresses.length === 0) return { allowed: false, reason: 'cannot be resolved (no addresses)' };
    for (const address of addresses) {
      const cls = classifyAddress(address);
      if (cls === null) return { allowed: false, reason: `resolves to ${address}, which is not an address` };
      // One private answer is enough for a browser to end up inside the network.
      if (cls !== 'public' && !allowAnyClass)
        return { allowed: false, reason: `resolves to ${address}, a ${cls} address` };
    }
    return { allowed: true, address: addresses[0] ?? '' };
  }

  return {
    async decide(rawHost, port) {
      const host = canonicalPolicyHost(rawHost);
      const allowed = isAllowedHost(opts.allowHosts, host, port);
      const literal = classifyAddress(host);
      if (literal !== null) {
        if (literal === 'public' || allowed) return { allowed: true, address: host };
        return { allowed: false, reason: `is a ${literal} address` };
      }
      if (isLocalName(host) && !allowed) return { allowed: false, reason: 'is a local network name' };
      return resolveChecked(host, allowed);
    },
  };
}
