import { describe, expect, it } from 'vitest';
import { createPreloadBridge, type IpcRendererLike } from '../../../electron/preload/preload-bridge';

type Listener = (event: unknown, payload: unknown) => void;

function fakeIpc(reply: (channel: string, args: unknown[]) => Promise<unknown>) {
  const calls: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: (channel, ...args) => {
      calls.push({ channel, args });
      return reply(channel, args);
    },
    on: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'the ipc event object' }, payload);
  };
  return { ipc, calls, emit, listeners };
}

const SHA = 'c0ffee'.padEnd(64, '0');

describe('preload bridge', () => {
  it('exposes exactly invoke, subscribe and artifactUrl', () => {
    const bridge = createPreloadBridge(fakeIpc(() => Promise.resolve(null)).ipc);
    expect(Object.keys(bridge).sort()).toEqual(['artifactUrl', 'invoke', 'subscribe']);
  });

  it('sends method and input on the one invoke channel and returns the envelope', async () => {
    const fake = fakeIpc(() => Promise.resolve({ ok: true, value: { initialized: true } }));
    const bridge = createPreloadBridge(fake.ipc);
    await expect(bridge.invoke('session.status', undefined)).resolves.toEqual({
      ok: true,
      value: { initialized: true },
    });
    expect(fake.calls).toEqual([{ channel: 'vigil:invoke', args: ['session.status', {}] }]);
  });

  it('refuses bad method names without calling main', async () => {
    const fake = fakeIpc(() => Promise.resolve({ ok: true, value: null }));
    const bridge = createPreloadBridge(fake.ipc);
    for (const method of ['', 'x'.repeat(101), 42, null, { toString: () => 'session.status' }]) {
      const reply = await bridge.invoke(method as string, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'rpc.invalid-input' } });
    }
    expect(fake.calls).toEqual([]);
    await expect(bridge.invoke('x'.repeat(100), {})).resolves.toMatchObject({ ok: true });
  });

  it('turns IPC failures and malformed replies into envelopes', async () => {
    const throwing = createPreloadBridge(
      fakeIpc(() => Promise.reject(new Error('An object could not be cloned.'))).ipc,
    );
    await expect(throwing.invoke('session.status', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input' },
    });
    const odd = createPreloadBridge(fakeIpc(() => Promise.resolve('surprise')).ipc);
    await expect(odd.invoke('session.status', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'internal.unexpected' },
    });
  });

  it('delivers events without the IPC event object and stops after unsubscribe', () => {
    const fake = fakeIpc(() => Promise.resolve(null));
    const bridge = createPreloadBridge(fake.ipc);
    const seen: unknown[][] = [];
    const off = bridge.subscribe((...args: unknown[]) => seen.push(args));
    const event = { name: 'queue.changed', payload: { waiting: 1, running: 0, concurrency: 2 } };
    fake.emit('vigil:event', event);
    fake.emit('vigil:event', 'not an event');
    fake.emit('other-channel', event);
    expect(seen).toEqual([[event]]);
    off();
    off();
    fake.emit('vigil:event', event);
    expect(seen).toHaveLength(1);
    expect(fake.listeners.get('vigil:event')?.size).toBe(0);
  });

  it('builds evidence URLs only from a 64-character lowercase hex SHA-256', () => {
    const bridge = createPreloadBridge(fakeIpc(() => Promise.resolve(null)).ipc);
    expect(bridge.artifactUrl(SHA)).toBe(`evidence://blob/${SHA}`);
    for (const bad of [
      SHA.toUpperCase(),
      SHA.slice(1),
      `${SHA}0`,
      '../vigil.db',
      `${SHA.slice(0, 63)}/`,
      '',
      7,
    ]) {
      expect(() => bridge.artifactUrl(bad as string)).toThrow(TypeError);
    }
  });
});
