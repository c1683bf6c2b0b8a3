import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

export type Rect = Readonly<{ x: number; y: number; width: number; height: number }>;

export type WindowState = Readonly<{
  width: number;
  height: number;
  /** Absent: let the OS place the window. */
  x?: number;
  y?: number;
  maximized: boolean;
}>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;

const StateFile = z
  .object({
    width: z.number().int().min(MIN_WIDTH).max(20_000),
    height: z.number().int().min(MIN_HEIGHT).max(20_000),
    x: z.number().int().min(-100_000).max(100_000).optional(),
    y: z.number().int().min(-100_000).max(100_000).optional(),
    maximized: z.boolean(),
  })
  .strict();

/** Any unreadable, corrupt or out-of-range file gives the defaults: a window must always open. */
export function parseWindowState(text: string | null): WindowState {
  if (text === null) return DEFAULT_WINDOW_STATE;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
  const parsed = StateFile.safeParse(raw);
  if (!parsed.success) return DEFAULT_WINDOW_STATE;
  const { x, y, ...rest } = parsed.data;
  // A position is only meaningful as a pair.
  return x !== undefined && y !== undefined ? { ...rest, x, y } : rest;
}

const overlap = (a: Rect, b: Rect): number =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/**
 * Fits a remembered state to the screens present now: a window saved on a monitor that is gone would
 * open invisible, so it loses its position unless a usable part of its title area is on some screen.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const largest = workAreas.reduce<Rect | null>(
    (best, a) => (best === null || a.width * a.height > best.width * best.height ? a : best),
    null,
  );
  const width = largest === null ? state.width : Math.max(MIN_WIDTH, Math.min(state.width, largest.width));
  const height =
    largest === null ? state.height : Math.max(MIN_HEIGHT, Math.min(state.height, largest.height));
  const { x, y, maximized } = state;
  if (x === undefined || y === undefined) return { width, height, maximized };
  const titleBar: Rect = { x, y, width, height: Math.min(40, height) };
  const visible = workAreas.some(
    (area) => overlap(titleBar, area) >= Math.min(100 * titleBar.height, (width * titleBar.height) / 4),
  );
  return visible ? { width, height, x, y, maximized } : { width, height, maximized };
}

export async function loadWindowState(file: string): Promise<WindowState> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return parseWindowState(text);
}

/** Written to a temp file and renamed, so a crash mid-write leaves the old state, not a torn file. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** What to remember from a window: its normal (not maximised) bounds plus the maximised flag. */
export function stateOf(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    width: Math.max(MIN_WIDTH, Math.round(normalBounds.width)),
    height: Math.max(MIN_HEIGHT, Math.round(normalBounds.height)),
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    maximized,
  };
}
