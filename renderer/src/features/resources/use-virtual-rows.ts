import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
} from '@tanstack/react-virtual';
import { useLayoutEffect, useReducer, useState } from 'react';

export type VirtualRowsOptions = Readonly<{
  count: number;
  rowHeight: number;
  scrollElement: HTMLElement | null;
  overscan?: number;
}>;

/**
 * Fixed-height row virtualisation on TanStack Virtual's core class. Rows have one height, so
 * nothing is measured: 50,000 rows cost the same as 50.
 */
export function useVirtualRows(options: VirtualRowsOptions): Virtualizer<HTMLElement, Element> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const { count, rowHeight, scrollElement, overscan = 12 } = options;
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLElement, Element>({
        count,
        getScrollElement: () => null,
        estimateSize: () => rowHeight,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        overscan,
        onChange: () => rerender(),
      }),
  );
  useLayoutEffect(() => {
    virtualizer.setOptions({
      ...virtualizer.options,
      count,
      overscan,
      estimateSize: () => rowHeight,
      getScrollElement: () => scrollElement,
      onChange: () => rerender(),
    });
    virtualizer._willUpdate();
    rerender();
  }, [virtualizer, count, overscan, rowHeight, scrollElement]);
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  return virtualizer;
}
