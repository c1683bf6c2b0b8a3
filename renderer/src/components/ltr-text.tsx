import type { ReactNode } from 'react';

/**
 * URLs, hashes and ids read left-to-right inside any paragraph, including Arabic ones; `bdi`
 * isolates them so surrounding punctuation doesn't jump to the wrong side.
 */
export function LtrText({
  children,
  mono = false,
  testId,
  title,
}: Readonly<{ children: ReactNode; mono?: boolean; testId?: string; title?: string }>) {
  return (
    <bdi
      dir="ltr"
      data-testid={testId}
      title={title}
      style={{
        fontFamily: mono ? '"Noto Sans Mono", ui-monospace, monospace' : undefined,
        overflowWrap: 'anywhere',
      }}
    >
      {children}
    </bdi>
  );
}
