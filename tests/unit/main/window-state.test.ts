import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
  stateOf,
} from '@main/window-state';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-window-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const screen = { x: 0, y: 0, width: 1920, height: 1040 };

describe('window state', () => {
  it('round-trips through the file', async () => {
    const file = join(dir, 'shell', 'window-state.json');
    const state = stateOf({ x: 100.4, y: 50, width: 1400, height: 900 }, true);
    await saveWindowState(file, state);
    expect(await loadWindowState(file)).toEqual({ x: 100, y: 50, width: 1400, height: 900, maximized: true });
    // The temp file of the atomic write does not stay behind.
    expect(await readdir(join(dir, 'shell'))).toEqual(['window-state.json']);
  });

  it.each([
    ['missing file', null],
    ['empty', ''],
    ['truncated JSON', '{"width":1400,"heig'],
    ['not an object', '[1,2,3]'],
    ['wrong types', '{"width":"1400","height":900,"maximized":false}'],
    ['tiny window', '{"width":10,"height":10,"maximized":false}'],
    ['absurd size', '{"width":1e9,"height":900,"maximized":false}'],
    ['NaN-ish', '{"width":null,"height":900,"maximized":false}'],
    ['unknown keys', '{"width":1400,"height":900,"maximized":false,"preload":"/tmp/x.js"}'],
    ['binary garbage', '\u0000\u00ff\u0001'],
  ])('falls back to defaults for a %s', (_what, text) => {
    expect(parseWindowState(text)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('falls back to defaults when the file is corrupt on disk', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '{"width": 14');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    expect(await loadWindowState(join(dir, 'absent.json'))).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('drops half a position', () => {
    expect(parseWindowState('{"width":1400,"height":900,"x":5,"maximized":false}')).toEqual({
      width: 1400,
      height: 900,
      maximized: false,
    });
  });

  it('keeps a position that is on a screen', () => {
    expect(fitToDisplays({ x: 100, y: 100, width: 1200, height: 800, maximized: false }, [screen])).toEqual({
      x: 100,
      y: 100,
      width: 1200,
      height: 800,
      maximized: false,
    });
  });

  it('forgets a position on a monitor that is gone and shrinks to the largest screen', () => {
    const fitted = fitToDisplays({ x: 3000, y: 200, width: 2500, height: 1400, maximized: true }, [screen]);
    expect(fitted).toEqual({ width: 1920, height: 1040, maximized: true });
  });

  it('keeps a position on a second monitor left of the primary', () => {
    const left = { x: -1280, y: 0, width: 1280, height: 1024 };
    expect(
      fitToDisplays({ x: -1200, y: 20, width: 1000, height: 700, maximized: false }, [screen, left]),
    ).toMatchObject({ x: -1200, y: 20 });
  });

  it('writes the state readable as JSON with what was asked', async () => {
    const file = join(dir, 'plain.json');
    await saveWindowState(file, DEFAULT_WINDOW_STATE);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(DEFAULT_WINDOW_STATE);
  });
});
