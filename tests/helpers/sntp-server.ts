import { createSocket } from 'node:dgram';

const NTP_UNIX_DELTA_S = 2_208_988_800;

export type SntpServer = {
  /** `127.0.0.1:PORT`, the form of the time-server setting. */
  address: string;
  /** How many requests it answered. */
  answered: () => number;
  close(): Promise<void>;
};

function writeNtpTime(buf: Buffer, offset: number, ms: number): void {
  buf.writeUInt32BE((Math.floor(ms / 1000) + NTP_UNIX_DELTA_S) >>> 0, offset);
  buf.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 2 ** 32) >>> 0, offset + 4);
}

/**
 * An SNTP server (RFC 4330) on 127.0.0.1, UDP port 0, whose clock runs `skewMs` ahead of this
 * machine's; `silent` makes it read requests and never answer.
 */
export async function startSntpServer(opts: { skewMs: number; silent?: boolean }): Promise<SntpServer> {
  const socket = createSocket('udp4');
  let answered = 0;
  socket.on('message', (request, from) => {
    if (opts.silent || request.length < 48) return;
    const reply = Buffer.alloc(48);
    reply[0] = (0 << 6) | (4 << 3) | 4; // LI 0, version 4, mode 4 (server)
    reply[1] = 1; // stratum 1
    reply.write('TEST', 12, 'latin1');
    const now = Date.now() + opts.skewMs;
    writeNtpTime(reply, 16, now); // reference time
    request.copy(reply, 24, 40, 48); // originate = the client's transmit time
    writeNtpTime(reply, 32, now); // receive
    writeNtpTime(reply, 40, Date.now() + opts.skewMs); // transmit
    answered += 1;
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
