/**
 * The script installed in every document of a capture before the page's own scripts run
 * (`Page.addScriptToEvaluateOnNewDocument`). It watches what network silence cannot show: the
 * document growing (a MutationObserver), short timers still due, and the navigations the page has
 * scheduled (a meta refresh, a timer whose callback moves the page, a form submitted from script).
 *
 * It costs an ordinary page a few wrapped calls: timers are only remembered when they are short
 * (they may still change the page) or when their source navigates. Its state lives on `window`
 * under a random, non-enumerable name per capture, so that a page does not stumble on it.
 *
 * `look()` returns a `PageLook` (page-watch.ts parses it); `settle(maxMs, quietMs)` and
 * `growth(height, maxMs, quietMs)` wait inside the page on the page's own unwrapped timers.
 */
const SOURCE = `(() => {
  const KEY = __KEY__;
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const NAV_BOUND = __NAV_BOUND__;
  const SHORT = __SHORT__;
  // Callback source that moves the page: an assignment to location, location.assign/replace,
  // a form submission, the Navigation API.
  const NAV = /location(?:\\.href)?\\s*=(?!=)|location\\.(?:assign|replace)\\s*\\(|\\.(?:submit|requestSubmit)\\s*\\(|navigation\\.navigate\\s*\\(/;
  const BUSY_TEXT = /(loading|load more|загрузк|загружа|تحميل|جار التحميل)/i;
  const now = () => performance.now();
  const st = { added: 0, mutations: 0, lastMutation: now(), loadedAt: -1, framed: false, forms: 0 };
  const timers = new Map();
  const intervals = new Map();
  const origSetTimeout = window.setTimeout;
  const origClearTimeout = window.clearTimeout;
  const origSetInterval = window.setInterval;
  const origClearInterval = window.clearInterval;
  const source = (fn) => {
    try { return typeof fn === 'function' ? Function.prototype.toString.call(fn) : String(fn); } catch (e) { return ''; }
  };
  // A page that sets the same callback again and again pays for reading its source once.
  const navigates = new WeakMap();
  const moves = (fn) => {
    if (typeof fn !== 'function') return NAV.test(source(fn));
    let known = navigates.get(fn);
    if (known === undefined) { known = NAV.test(source(fn)); navigates.set(fn, known); }
    return known;
  };
  window.setTimeout = function setTimeout(fn, delay, ...args) {
    const ms = Math.max(0, Number(delay) || 0);
    const nav = ms <= NAV_BOUND && moves(fn);
    if (!nav && ms > SHORT) return origSetTimeout.call(window, fn, delay, ...args);
    let id = 0;
    const run = typeof fn === 'function'
      ? function () { timers.delete(id); return fn.apply(this, arguments); }
      : fn;
    id = origSetTimeout.call(window, run, delay, ...args);
    timers.set(id, { due: now() + ms, nav });
    return id;
  };
  window.clearTimeout = function clearTimeout(id) {
    timers.delete(id);
    return origClearTimeout.call(window, id);
  };
  window.setInterval = function setInterval(fn, delay, ...args) {
    const ms = Math.max(0, Number(delay) || 0);
    if (ms > NAV_BOUND || !moves(fn)) return origSetInterval.call(window, fn, delay, ...args);
    let id = 0;
    const run = typeof fn === 'function'
      ? function () { const t = intervals.get(id); if (t) t.due = now() + ms; return fn.apply(this, arguments); }
      : fn;
    id = origSetInterval.call(window, run, delay, ...args);
    intervals.set(id, { due: now() + ms, period: ms });
    return id;
  };
  window.clearInterval = function clearInterval(id) {
    intervals.delete(id);
    return origClearInterval.call(window, id);
  };
  // An idle callback runs as soon as the page is idle and may load or add content: it counts as
  // a short timer until it has run.
  const idles = new Set();
  const origIdle = window.requestIdleCallback;
  const origCancelIdle = window.cancelIdleCallback;
  if (typeof origIdle === 'function') {
    window.requestIdleCallback = function requestIdleCallback(fn, options) {
      let id = 0;
      const run = typeof fn === 'function' ? function () { idles.delete(id); return fn.apply(this, arguments); } : fn;
      id = origIdle.call(window, run, options);
      idles.add(id);
      return id;
    };
    window.cancelIdleCallback = function cancelIdleCallback(id) {
      idles.delete(id);
      return origCancelIdle.call(window, id);
    };
  }
  const submit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () { st.forms += 1; return submit.apply(this, arguments); };
  const requestSubmit = HTMLFormElement.prototype.requestSubmit;
  if (requestSubmit) {
    HTMLFormElement.prototype.requestSubmit = function () { st.forms += 1; return requestSubmit.apply(this, arguments); };
  }
  new MutationObserver((records) => {
    st.mutations += records.length;
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) st.added += 1;
    st.lastMutation = now();
  }).observe(document, { childList: true, subtree: true, characterData: true });
  // The first frame after load, and a task after it: IntersectionObservers have been told by then.
  window.addEventListener('load', () => {
    st.loadedAt = now();
    requestAnimationFrame(() => origSetTimeout.call(window, () => { st.framed = true; }, 0));
  });
  const height = () => Math.max(document.documentElement ? document.documentElement.scrollHeight : 0, document.body ? document.body.scrollHeight : 0);
  const inView = (rect) => rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight;
  // A "loading…" sentinel still in view: the feed says it has more on the way.
  const busy = () => {
    for (const el of document.querySelectorAll('[aria-busy="true"], [role="progressbar"], progress')) {
      if (inView(el.getBoundingClientRect())) return true;
    }
    if (!document.body) return false;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.nodeValue || '';
      if (text.length > 80 || !BUSY_TEXT.test(text)) continue;
      range.selectNodeContents(n);
      if (inView(range.getBoundingClientRect())) return true;
    }
    return false;
  };
  const meta = () => {
    const el = document.querySelector('meta[http-equiv="refresh" i]');
    if (!el) return null;
    const m = /^\\s*(\\d+(?:\\.\\d+)?)/.exec(el.getAttribute('content') || '');
    if (!m) return null;
    const ms = Number(m[1]) * 1000;
    if (ms > NAV_BOUND) return null;
    // HTML: the refresh waits for the document to have loaded, then the delay.
    const from = st.loadedAt >= 0 ? st.loadedAt : now();
    return Math.max(0, from + ms - now());
  };
  const pendingNav = () => {
    const t = now();
    let best = null;
    const consider = (dueIn, via) => { if (best === null || dueIn < best.dueInMs) best = { dueInMs: Math.max(0, dueIn), via }; };
    if (st.forms > 0) consider(0, 'form');
    const refresh = meta();
    if (refresh !== null) consider(refresh, 'meta-refresh');
    for (const [id, timer] of timers) {
      // A string handler cannot be wrapped: it counts as run once it is overdue.
      if (timer.due < t - 100) { timers.delete(id); continue; }
      if (timer.nav) consider(timer.due - t, 'script');
    }
    for (const timer of intervals.values()) consider(timer.due - t, 'script');
    return best;
  };
  const shortTimers = () => {
    const t = now();
    let n = idles.size;
    for (const timer of timers.values()) if (!timer.nav && timer.due >= t - 100 && timer.due - t <= SHORT) n += 1;
    return n;
  };
  const look = (withBusy) => ({
    height: height(),
    added: st.added,
    sinceMutationMs: now() - st.lastMutation,
    // What the parser built before the load event is the loaded page, not a page still growing:
    // only a mutation after load is a reason to wait (a static page then costs no quiet window).
    mutatedSinceLoad: st.loadedAt < 0 || st.lastMutation > st.loadedAt,
    framed: st.framed || document.visibilityState !== 'visible',
    loaded: st.loadedAt >= 0,
    shortTimers: shortTimers(),
    busy: withBusy ? busy() : false,
    nav: pendingNav(),
  });
  const sleep = (ms) => new Promise((resolve) => origSetTimeout.call(window, resolve, ms));
  const api = {
    look,
    /** Until the document has rendered after load, stopped mutating and has no short timer due. */
    async settle(maxMs, quietMs) {
      const started = now();
      for (;;) {
        const l = look(false);
        const quiet = (l.framed || !l.loaded) && (!l.mutatedSinceLoad || l.sinceMutationMs >= quietMs) && l.shortTimers === 0;
        if (quiet || now() - started >= maxMs) return { ...l, quiet };
        await sleep(Math.min(50, Math.max(10, quietMs - l.sinceMutationMs)));
      }
    },
    /** Until the page grew past \`from\`, or has nothing left that could grow it, or maxMs passed. */
    async growth(from, maxMs, quietMs) {
      const started = now();
      for (;;) {
        const l = look(true);
        if (l.height > from + 1) return { ...l, grew: true, timedOut: false };
        const idle = (!l.mutatedSinceLoad || l.sinceMutationMs >= quietMs) && l.shortTimers === 0 && !l.busy;
        if (idle) return { ...l, grew: false, timedOut: false };
        if (now() - started >= maxMs) return { ...l, grew: false, timedOut: true };
        await sleep(50);
      }
    },
  };
  Object.defineProperty(window, KEY, { value: api, enumerable: false, configurable: false, writable: false });
})();`;

export function pageWatchScript(key: string, navBoundMs: number, shortTimerMs: number): string {
  // Replaced as whole tokens; the key is quoted as a JSON string, the bounds are integers.
  return SOURCE.replace('__KEY__', JSON.stringify(key))
    .replace('__NAV_BOUND__', String(Math.trunc(navBoundMs)))
    .replace('__SHORT__', String(Math.trunc(shortTimerMs)));
}
