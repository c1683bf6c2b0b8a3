import { describe, expect, it } from 'vitest';
import { checkSender, type SenderLike } from '@main/sender-guard';

const ours = new Set([7]);
const topFrame = (url: string): SenderLike['senderFrame'] => ({ url, parent: null });

describe('IPC sender guard', () => {
  it('accepts the top frame of our window on the app origin', () => {
    expect(
      checkSender({ sender: { id: 7 }, senderFrame: topFrame('app://vigil/index.html#/review/res_1') }, ours),
    ).toEqual({
      ok: true,
      webContentsId: 7,
    });
  });

  it.each([
    ['https://evil.example/', 'foreign origin'],
    ['http://127.0.0.1:5173/', 'foreign origin'],
    ['file:///opt/vigil/out/renderer/index.html', 'foreign origin'],
    ['evidence://blob/' + 'a'.repeat(64), 'foreign origin'],
    ['app://vigil.evil/index.html', 'foreign origin'],
    ['app://user:pw@vigil/index.html', 'foreign origin'],
    ['about:blank', 'foreign origin'],
    ['not a url', 'unparsable'],
  ])('refuses a sender on %s', (url, reason) => {
    const verdict = checkSender({ sender: { id: 7 }, senderFrame: topFrame(url) }, ours);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain(reason);
  });

  it('refuses a webContents we did not create, even on our origin', () => {
    expect(checkSender({ sender: { id: 8 }, senderFrame: topFrame('app://vigil/index.html') }, ours).ok).toBe(
      false,
    );
  });

  it('refuses a subframe, even on our origin', () => {
    const verdict = checkSender(
      { sender: { id: 7 }, senderFrame: { url: 'app://vigil/index.html', parent: {} } },
      ours,
    );
    expect(verdict).toEqual({ ok: false, reason: 'only the top frame may call' });
  });

  it('refuses when the frame is gone', () => {
    expect(checkSender({ sender: { id: 7 }, senderFrame: null }, ours).ok).toBe(false);
  });
});
