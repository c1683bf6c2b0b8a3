import { isolateText, punycodeHostOf } from '@shared/domain/display-text';
import { LtrText } from './ltr-text';

/**
 * A string the capture brought back (a page title, a text): isolated, so a U+202E or any other
 * bidi control in it stays inside it and cannot reverse the label, row or list around it; its
 * own direction comes from its first strong letter.
 */
export function CapturedText({ children, testId }: Readonly<{ children: string; testId?: string }>) {
  return (
    <bdi dir="auto" data-testid={testId} style={{ unicodeBidi: 'isolate' }}>
      {children}
    </bdi>
  );
}

/**
 * A captured or reported URL, left-to-right and isolated, with the punycode of an IDN host beside
 * it: a homograph (`аpple.com` with a Cyrillic а) shows as what it is, `xn--pple-43d.com`.
 */
export function CapturedUrl({
  url,
  mono = false,
  testId,
}: Readonly<{ url: string; mono?: boolean; testId?: string }>) {
  const ascii = punycodeHostOf(url);
  return (
    <>
      <LtrText mono={mono} testId={testId} title={isolateText(url)}>
        {url}
      </LtrText>
      {ascii === null ? null : (
        <>
          {' '}
          (
          <LtrText mono testId={testId === undefined ? undefined : `${testId}-punycode`}>
            {ascii}
          </LtrText>
          )
        </>
      )}
    </>
  );
}
