import { useEffect, useEffectEvent } from 'react';

export type ShortcutTarget =
  'dashboard' | 'intake' | 'queue' | 'resources' | 'review' | 'audit' | 'search' | 'help';

const AFTER_G: Readonly<Record<string, ShortcutTarget>> = {
  d: 'dashboard',
  i: 'intake',
  q: 'queue',
  r: 'resources',
  v: 'review',
  a: 'audit',
};

const isTyping = (target: EventTarget | null): boolean => {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
};

/** Two-key "g x" sequences and single keys, ignored while the user types in a field. */
export function useShortcuts(onShortcut: (target: ShortcutTarget) => void): void {
  const fire = useEffectEvent(onShortcut);
  useEffect(() => {
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const key = event.key.toLowerCase();
      if (pendingG > 0 && event.timeStamp - pendingG < 1500) {
        pendingG = 0;
        const target = AFTER_G[key];
        if (target !== undefined) {
          event.preventDefault();
          fire(target);
        }
        return;
      }
      pendingG = 0;
      if (key === 'g') {
        pendingG = event.timeStamp;
      } else if (event.key === '/') {
        event.preventDefault();
        fire('search');
      } else if (event.key === '?') {
        event.preventDefault();
        fire('help');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
