import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestPolicy } from './request-policy';

/** One connection the policy refused: where the browser wanted to go and why it may not. */
export type BlockedConnection = Readonly<{ host: string; port: number; reason: string }>;

export type NetworkGuard = Readonly<{
  /** `socks5://127.0.0.1:PORT`, for the capture's browser context. */
  proxyServer: string;
  port: number;
  blocked: () => readonly BlockedConnection[];
  /** The address a `host:port` was connected to (the pinned answer), or null if never connected. */
  connectedAddress: (host: string, port: number) => string | null;
  close: () => Promise<void>;
}>;

// RFC 1928 reply codes.
const REP_OK = 0x00;
const REP_NOT_ALLOWED = 0x02;
const REP_HOST_UNREACHABLE = 0x04;
const REP_COMMAND_UNSUPPORTED = 0x07;

/** Bounds a client that never finishes its SOCKS greeting, so that no socket outlives its use. */
const HANDSHAKE_MS = 10_000;

type Target = Readonly<{ host: string; port: number; consumed: number }>;

/** The CONNECT request's target in `buf` (RFC 1928 §4–5), `null` if incomplete, `'bad'` if malformed. */
function parseRequest(buf: Buffer): Target | null | 'bad' | 'unsupported' {
  if (buf.length < 5) return null;
  if (buf[0] !== 0x05) return 'bad';
  if (buf[1] !== 0x01) return 'unsupported';
  const atyp = buf[3];
  let host: string;
  let at: number;
  if (atyp === 0x01) {
    if (buf.length < 10) return null;
    host = [...buf.subarray(4, 8)].join('.');
    at = 8;
  } else if (atyp === 0x03) {
    const len = buf[4] ?? 0;
    if (buf.length < 5 + len + 2) return null;
    host = buf.subarray(5, 5 + len).toString('latin1');
    at = 5 + len;
  } else if (atyp === 0x04) {
    if (buf.length < 22) return null;
    const groups: string[] = [];
    for (let i = 4; i < 20; i += 2) groups.push(buf.readUInt16BE(i).toString(16));
    host = groups.join(':');
    at = 20;
  } else return 'bad';
  return { host, port: buf.readUInt16BE(at), consumed: at + 2 };
}

function reply(socket: Socket, code: number): void {
  socket.write(Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
}

/**
 * A SOCKS5 proxy on loopback through which the capture's browser context makes every connection
 * (documents, redirect hops, subresources, frames, workers, websockets, preconnects). Chromium
 * passes host names to a SOCKS5 proxy and never resolves them itself, so the guard asks the
 * policy, connects to exactly the address it checked (DNS pinning), and refuses the rest before
 * a single byte leaves: a refused service receives no connection at all.
 */
export async function startNetworkGuard(policy: RequestPolicy): Promise<NetworkGuard> {
  const blocked: BlockedConnection[] = [];
  const connected = new Map<string, string>();
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };

  async function connect(client: Socket, target: Target, rest: Buffer): Promise<void> {
    const verdict = await policy.decide(target.host, target.port);
    if (!verdict.allowed) {
      blocked.push({ host: target.host, port: target.port, reason: verdict.reason });
      reply(client, verdict.reason.startsWith('cannot be resolved') ? REP_HOST_UNREACHABLE : REP_NOT_ALLOWED);
      client.end();
      return;
    }
    const upstream = net.connect({ host: verdict.address, port: target.port });
    track(upstream);
    upstream.once('error', () => {
      if (!client.destroyed) {
        reply(client, REP_HOST_UNREACHABLE);
        client.end();
      }
    });
    upstream.once('connect', () => {
      connected.set(`${target.host.toLowerCase()}:${target.port}`, verdict.address);
      reply(client, REP_OK);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  function handle(client: Socket): void {
    track(client);
    client.setTimeout(HANDSHAKE_MS, () => client.destroy());
    let buf = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (!greeted) {
        if (buf.length < 2) return;
        const n = buf[1] ?? 0;
        if (buf[0] !== 0x05) return void client.destroy();
        if (buf.length < 2 + n) return;
        // No authentication: only the capture's own browser knows the port, and the guard only
        // ever connects where the policy allows.
        client.write(Buffer.from([0x05, 0x00]));
        buf = buf.subarray(2 + n);
        greeted = true;
      }
      const target = parseRequest(buf);
      if (target === null) return;
      client.off('data', onData);
      // Bytes that arrive before the upstream is connected wait in the socket (pipe resumes it).
      client.pause();
      client.setTimeout(0);
      if (target === 'bad') return void client.destroy();
      if (target === 'unsupported') {
        reply(client, REP_COMMAND_UNSUPPORTED);
        return void client.end();
      }
      connect(client, target, buf.subarray(target.consumed)).catch(() => client.destroy());
    };
    client.on('data', onData);
  }

  const server = net.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    proxyServer: `socks5://127.0.0.1:${port}`,
    port,
    blocked: () => blocked,
    connectedAddress: (host, p) =>
      connected.get(`${host.toLowerCase().replace(/^\[|\]$/g, '')}:${p}`) ?? null,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
