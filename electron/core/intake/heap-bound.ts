import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How far a bulk import may let the old generation grow over what is live before it collects it
 * (bytes). Every batch's objects are garbage once it commits (a full collection after each batch
 * leaves the heap where it started), but V8 moves part of them to the old generation: allocation
 * sites that once survived a young collection are then allocated there directly (pretenuring), and
 * a batch alive across two young collections is promoted. V8 collects the old generation only when
 * it reaches a limit that grows with the heap, so without a bound a 50,000-line import held about
 * 110 MB of dead objects and a 200,000-line one 210 MB: memory grew with the file.
 */
export const IMPORT_HEAP_GROWTH_BOUND = 12 * 1024 * 1024;

/** The young generation is emptied by every scavenge on its own; only the rest accumulates. */
function tenuredBytes(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space')
      used += space.space_used_size;
  return used;
}

let collector: (() => void) | null | undefined;

/**
 * A full collection, or null where the engine offers none. `gc` exists only in a context created
 * while `--expose-gc` is set: the flag is set for one new context and cleared again, so no other
 * context (a `vm` sandbox, the renderer) gains a `gc` global.
 */
function fullCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  const own: unknown = (globalThis as { gc?: unknown }).gc;
  let fn: unknown = own;
  if (typeof fn !== 'function') {
    setFlagsFromString('--expose-gc');
    try {
      fn = runInNewContext('typeof gc === "function" ? gc : null');
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  collector =
    typeof fn === 'function'
      ? () => {
          Reflect.apply(fn, undefined, []);
        }
      : null;
  return collector;
}

export type HeapBound = Readonly<{
  /** Called between batches (nothing of a finished batch is live then); collects past the bound. */
  settle: () => void;
  /** How many full collections the bound has run so far. */
  collections: () => number;
}>;

/**
 * Keeps an import's old generation within `bound` bytes of what was live when it started (or at
 * its last collection), whatever the file's size. A collection of the heap of a backend takes a few
 * tens of milliseconds and comes every few thousand lines: about 2 % of the import's time.
 */
export function boundImportHeap(bound: number = IMPORT_HEAP_GROWTH_BOUND): HeapBound {
  let floor = tenuredBytes();
  let runs = 0;
  return {
    settle() {
      if (tenuredBytes() - floor <= bound) return;
      const collect = fullCollector();
      if (collect === null) return;
      collect();
      runs += 1;
      floor = tenuredBytes();
    },
    collections: () => runs,
  };
}
