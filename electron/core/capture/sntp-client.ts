import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ClockOffset } from '@shared/domain/capture-record';

/** Seconds from the NTP era (1900-01-01) to the Unix epoch (RFC 4330 section 3). */
const NTP_UNIX_DELTA_S = 2_208_988_800;
const PACKET_BYTES = 48;

export type SntpOptions = Readonly<{
  /** `host` or `host:port` (`[v6]:port`); port 123 by default. */
  server: string;
  /** The clock the capture records with: its offset is what is measured. */
  clock: () => Date;
  thresholdMs: number;
  timeoutMs?: number;
}>;

export function parseServer(server: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (v6?.[1]) return { host: v6[1], port: v6[2] ? Number(v6[2]) : 123 };
  if (isIP(server) === 6) return { host: server, port: 123 };
  const [host = '', port] = server.split(':');
  const n = port === undefined ? 123 : Number(port);
  if (host === '' || !Number.isInteger(n) || n < 1 || n > 65_535)
    throw new Error(`not a time server address: ${server}`);
  return { host, port: n };
}

function writeNtpTime(buf: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_DELTA_S;
  const fraction = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  buf.writeUInt32BE(seconds >>> 0, offset);
  buf.writeUInt32BE(fraction >>> 0, offset + 4);
}

function readNtpTime(buf: Buffer, offset: number): number {
  const seconds = buf.readUInt32BE(offset);
  const fraction = buf.readUInt32BE(offset + 4);
  return (seconds - NTP_UNIX_DELTA_S) * 1000 + (fraction / 2 ** 32) * 1000;
}

/**
 * One SNTP exchange (RFC 4330 section 5): the client sends its transmit time T1; the server answers
 * with T1 as originate, its receive time T2 and transmit time T3; T4 is the arrival here. offset =
 * ((T2 − T1) + (T3 − T4)) / 2, round trip = (T4 − T1) − (T3 − T2). T4 is T1 plus the monotonic time
 * that passed, so a clock step during the exchange cannot distort the round trip. Never throws:
 * no answer within the timeout (2 s) or a malformed answer is `unknown` with the reason.
 */
export async function measureClockOffset(opts: SntpOptions): Promise<ClockOffset> {
  const unknown = (reason: string): ClockOffset => ({ status: 'unknown', server: opts.server, reason });
  let target: { host: string; port: number };
  try {
    target = parseServer(opts.server);
  } catch (error) {
    return unknown(error instanceof Error ? error.message : String(error));
  }
  const socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
  const timeoutMs = opts.timeoutMs ?? 2_000;
  try {
    return await new Promise<ClockOffset>((resolve) => {
      const timer = setTimeout(() => resolve(unknown(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const done = (value: ClockOffset) => {
        clearTimeout(timer);
        resolve(value);
      };
      const request = Buffer.alloc(PACKET_BYTES);
      request[0] = (0 << 6) | (4 << 3) | 3; // LI 0, version 4, mode 3 (client)
      const t1 = opts.clock().getTime();
      const p1 = performance.now();
      writeNtpTime(request, 40, t1);
      const sentTransmit = request.subarray(40, 48);
      socket.on('error', (error) => done(unknown(error.message)));
      socket.on('message', (reply) => {
        const t4 = t1 + (performance.now() - p1);
        const checked = checkReply(reply, sentTransmit);
        if (checked !== null) return done(unknown(checked));
        const t2 = readNtpTime(reply, 32);
        const t3 = readNtpTime(reply, 40);
        done({
          status: 'measured',
          server: opts.server,
          offsetMs: Math.round((t2 - t1 + (t3 - t4)) / 2),
          roundTripMs: Math.max(0, Math.round(t4 - t1 - (t3 - t2))),
          thresholdMs: opts.thresholdMs,
          measuredAt: new Date(t1).toISOString(),
        });
      });
      socket.send(request, target.port, target.host, (error) => {
        if (error) done(unknown(error.message));
      });
    });
  } finally {
    socket.close();
  }
}

/** Why an answer cannot be used (RFC 4330 section 5), or null when it can. */
function checkReply(reply: Buffer, sentTransmit: Buffer): string | null {
  if (reply.length < PACKET_BYTES) return `short answer (${reply.length} bytes)`;
  const first = reply[0] ?? 0;
  const leap = first >> 6;
  const mode = first & 0b111;
  const stratum = reply[1] ?? 0;
  if (mode !== 4 && mode !== 5) return `answer in mode ${mode}, not a server reply`;
  if (leap === 3) return 'the server says its clock is not synchronised';
  if (stratum === 0) return `kiss-of-death from the server (${reply.subarray(12, 16).toString('latin1')})`;
  if (!reply.subarray(24, 32).equals(sentTransmit)) return 'the answer does not echo this request';
  if (reply.readUInt32BE(40) === 0) return 'the answer has no transmit time';
  return null;
}
