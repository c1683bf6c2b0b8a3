import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { AppError } from '@shared/errors/app-error';

/** The server's certificate chain and key (PEM), e.g. issued by the unit's CA. */
export type BridgeTls = Readonly<{ cert: string | Buffer; key: string | Buffer }>;

export type ListenOptions = Readonly<{
  /** The address to listen on; 127.0.0.1 unless a team server is meant to be reached by others. */
  host?: string;
  port?: number;
  tls?: BridgeTls;
  /** Names clients use to reach the server (Host and Origin headers), besides the certificate's. */
  names?: readonly string[];
}>;

export type ListeningBridge = Readonly<{
  server: Server;
  port: number;
  /** `http(s)://NAME:PORT`, the address to print and to open. */
  url: string;
  secure: boolean;
  /** Host header values this server answers to; anything else is DNS rebinding or a mistake. */
  hosts: readonly string[];
  /** Origin header values of pages this server served itself. */
  origins: readonly string[];
}>;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** 127.0.0.0/8, ::1 and localhost: the addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** DNS and IP names of the certificate's subjectAltName: the names its clients will check. */
function certificateNames(cert: string | Buffer): string[] {
  let alt: string | undefined;
  try {
    alt = new X509Certificate(cert).subjectAltName;
  } catch (error) {
    throw new AppError(
      'input.invalid',
      `the TLS certificate is not readable PEM: ${(error as Error).message}`,
    );
  }
  const names: string[] = [];
  for (const part of (alt ?? '').split(',')) {
    const [kind, ...rest] = part.trim().split(':');
    const value = rest.join(':');
    if (kind === 'DNS' && value !== '' && !value.includes('*')) names.push(value);
    if (kind === 'IP Address' && value !== '') names.push(value);
  }
  return names;
}

/** An IPv6 literal is bracketed in URLs and Host headers. */
const hostPart = (name: string): string => (isIP(name) === 6 ? `[${name}]` : name);

function hostHeaders(names: readonly string[], port: number, secure: boolean): string[] {
  const defaultPort = secure ? 443 : 80;
  const out = new Set<string>();
  for (const name of names) {
    out.add(`${hostPart(name)}:${port}`);
    // Browsers leave the default port out of Host and Origin.
    if (port === defaultPort) out.add(hostPart(name));
  }
  return [...out];
}

/**
 * Plain HTTP is served on loopback only: session cookies, keys and passwords would cross the
 * network in the clear otherwise, so any other address needs a certificate and key.
 */
export function assertTlsOffLoopback(host: string, hasTls: boolean): void {
  if (hasTls || isLoopbackHost(host)) return;
  throw new AppError(
    'input.invalid',
    `listening on ${host} needs TLS (--tls-cert and --tls-key); plain HTTP is served on 127.0.0.1 only`,
  );
}

/** Binds the bridge: HTTPS with `tls`, plain HTTP on loopback only. */
export async function listenBridge(opts: ListenOptions, handler: Handler): Promise<ListeningBridge> {
  const host = opts.host ?? '127.0.0.1';
  assertTlsOffLoopback(host, opts.tls !== undefined);
  const server =
    opts.tls === undefined
      ? createServer(handler)
      : createTlsServer({ ...opts.tls, minVersion: 'TLSv1.2' }, handler);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const secure = opts.tls !== undefined;
  const certNames = opts.tls === undefined ? [] : certificateNames(opts.tls.cert);
  const given = opts.names ?? [];
  const bound = WILDCARDS.has(host) ? [] : [host];
  const loopback = isLoopbackHost(host) ? ['127.0.0.1', 'localhost'] : [];
  const names = [...new Set([...given, ...bound, ...loopback, ...certNames])];
  const shown = given[0] ?? bound[0] ?? certNames[0] ?? '127.0.0.1';
  const hosts = hostHeaders(names, port, secure);
  const scheme = secure ? 'https' : 'http';
  return {
    server,
    port,
    url: `${scheme}://${hostPart(shown)}:${port}`,
    secure,
    hosts,
    origins: hosts.map((h) => `${scheme}://${h}`),
  };
}
