/**
 * A stand-in for the Electron preload bridge (`window.vigil`), installed into a page before the
 * renderer loads. It answers from synthetic data so the UI can be measured and its safety rules
 * checked without a backend. Kept as JavaScript source: functions passed to the page must not
 * depend on anything the test bundler adds around them.
 */
export type FakeBridgeConfig = Readonly<{
  resources: number;
  role: 'investigator' | 'reviewer' | 'admin';
  /** Page title given to every synthetic resource and capture: markup here must show as text. */
  title: string;
  blurAllMedia: boolean;
  /** Shown URL of every resource (default: its ASCII URL), e.g. an IDN host. */
  displayUrl?: string;
  /** Redirect chain of every capture (default: none). */
  redirects?: readonly Readonly<Record<string, unknown>>[];
}>;

export const FAKE_BRIDGE_SOURCE = String.raw`
(function install(config) {
  var STATES = ['reported','captured','capture_failed','in_review','approved','rejected','needs_recapture','blocked','block_verified'];
  var CATS = ['drugs','smuggling','minors','extremism','fraud','other'];
  var HASH = 'ab'.repeat(32);
  var PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  var calls = [];
  window.__vigilCalls = calls;
  function id(prefix, n) { return prefix + '_' + ('0000000000' + n.toString(36)).slice(-12); }
  function iso(n) { return new Date(Date.UTC(2026, 10, 22, 10, 0, 0) - n * 60000).toISOString(); }
  function resource(i) {
    return {
      id: id('res', i), caseRef: i % 7 === 0 ? 'CASE-7' : null,
      url: 'https://example' + (i % 50) + '.test/item/' + i, displayUrl: config.displayUrl || ('https://example' + (i % 50) + '.test/item/' + i),
      host: 'example' + (i % 50) + '.test', state: STATES[i % STATES.length], categories: [CATS[i % CATS.length]],
      reportCount: 1 + (i % 4), captureCount: i % 3, lastCapturedAt: iso(i), lastTitle: config.title + ' #' + i,
      createdAt: iso(i + 100), updatedAt: iso(i),
    };
  }
  var user = { id: id('usr', 1), name: 'bench', displayName: 'Bench User', role: config.role,
    createdAt: iso(0), disabled: false, certificateSha256: HASH };
  function capture(i) {
    return {
      id: id('cap', i), resourceId: id('res', i), url: resource(i).url, finalUrl: resource(i).url, outcome: 'complete',
      startedAt: iso(i), finishedAt: iso(i),
      http: { status: 200, headers: { 'content-type': 'text/html', 'x-note': '<script>alert(1)</script>' }, remoteAddress: '192.0.2.1:443', protocol: 'h2' },
      redirects: config.redirects || [], page: { title: config.title, lang: 'en', textLength: 10, outlinks: 0 },
      context: { operator: 'someone', workstation: 'ws1', os: 'linux', app: { name: 'Vigil', version: '0.1.0' },
        browser: { product: 'Chromium', version: '1' }, userAgent: 'UA', viewport: { width: 1280, height: 800, deviceScaleFactor: 1, isMobile: false },
        locale: 'en-GB', timeZone: 'UTC', proxy: null },
      artifacts: [{ kind: 'screenshot', name: 'screenshot.png', path: '/x', mediaType: 'image/png', bytes: 68, sha256: HASH }],
      manifestSha256: HASH, signature: { alg: 'ES256', keyId: 'k1', value: 'AA==' }, timestamp: { status: 'pending' }, warnings: [],
    };
  }
  var handlers = {
    'session.status': function () { return { initialized: true, user: user, app: { name: 'Vigil', version: '0.1.0' } }; },
    'settings.get': function () { return { language: 'en', theme: 'light', tsaUrl: null, tsaChoice: 'unset', tsaCaPem: null, tsaQualified: false, tsaPolicyOid: null, freshnessHours: 24, blurAllMedia: config.blurAllMedia,
      attachOriginals: { screenshots: true, wacz: false }, captureConcurrency: 2, browserPath: null, defaultProfile: 'default' }; },
    'resources.list': function (input) {
      var offset = input.offset || 0, limit = input.limit || 100, items = [];
      for (var i = offset; i < Math.min(config.resources, offset + limit); i++) items.push(resource(i));
      return { items: items, total: config.resources };
    },
    'resources.get': function (input) {
      var i = parseInt(String(input.id).slice(4), 36);
      var r = resource(i);
      r.categories = ['minors'];
      return { resource: r, reports: [], captures: [capture(i)], decisions: [], allowedActions: [] };
    },
    'audit.list': function () { return { rows: [], total: 0 }; },
    'media.reveal': function () { return { revealId: 'rvl_' + '0'.repeat(24) }; },
    'media.hide': function () { return { durationMs: 0 }; },
    'exposure.mine': function () { return { userName: user.name, day: '2026-01-01', reveals: 0, revealedMs: 0, open: 0,
      softLimitMs: 14400000, overLimit: false }; },
    'search.query': function () { return [{ resourceId: id('res', 1), captureId: null, url: 'https://example1.test/',
      title: config.title, snippet: 'before \uE000<i>hit</i>\uE001 after' }]; },
  };
  window.vigil = {
    invoke: function (method, input) {
      calls.push({ method: method, input: input });
      var h = handlers[method];
      if (!h) return Promise.resolve({ ok: false, error: { code: 'rpc.unknown-method', message: 'not in the fake bridge: ' + method } });
      return Promise.resolve({ ok: true, value: h(input || {}) });
    },
    subscribe: function () { return function () {}; },
    artifactUrl: function () { return 'data:image/png;base64,' + PNG; },
  };
})`;

/** The expression to evaluate before any page script runs. */
export const fakeBridgeInstaller = (config: FakeBridgeConfig): string =>
  `${FAKE_BRIDGE_SOURCE}(${JSON.stringify(config)});`;
