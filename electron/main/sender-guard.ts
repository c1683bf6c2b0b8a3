import { isAppUrl } from './origins';

/** What the guard needs of Electron's `IpcMainInvokeEvent`: the sending frame and its webContents. */
export type SenderLike = Readonly<{
  sender: Readonly<{ id: number }>;
  senderFrame: Readonly<{ url: string; parent: unknown }> | null;
}>;

export type SenderVerdict =
  Readonly<{ ok: true; webContentsId: number }> | Readonly<{ ok: false; reason: string }>;

/**
 * Every IPC call must come from the top frame of one of our own windows showing our own app:// page.
 * A subframe (even one on our origin), a window we did not create, a frame that navigated elsewhere or
 * a destroyed frame is refused: the invoke channel carries signed-in evidence operations.
 */
export function checkSender(event: SenderLike, ourWebContents: ReadonlySet<number>): SenderVerdict {
  const frame = event.senderFrame;
  if (frame === null) return { ok: false, reason: 'the sending frame is gone' };
  if (!ourWebContents.has(event.sender.id)) return { ok: false, reason: 'not one of our windows' };
  if (frame.parent !== null) return { ok: false, reason: 'only the top frame may call' };
  if (!isAppUrl(frame.url)) return { ok: false, reason: `foreign origin: ${describeOrigin(frame.url)}` };
  return { ok: true, webContentsId: event.sender.id };
}

function describeOrigin(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'unparsable URL';
  }
}
