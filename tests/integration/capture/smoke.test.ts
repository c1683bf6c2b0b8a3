import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
beforeAll(async () => {
  env = await startCaptureEnv();
});
afterAll(async () => {
  await env.close();
});

test('smoke', async () => {
  for (const p of [
    '/',
    '/redirect/a',
    '/js-redirect',
    '/loop/a',
    '/iframe',
    '/dialogs',
    '/popups',
    '/download',
    '/status/404',
    '/gzip',
    '/never-ending',
  ]) {
    const t = Date.now();
    const c = await env.capture(env.site.http + p);
    console.log(
      p,
      Date.now() - t,
      c.outcome,
      c.error,
      c.finalUrl,
      c.http.status,
      JSON.stringify(c.redirects),
      JSON.stringify(c.warnings).slice(0, 600),
      c.artifacts.map((a) => a.name).join(','),
      JSON.stringify(c.downloads),
      c.dialogs.length,
      c.popups.length,
      JSON.stringify(c.network),
    );
  }
  const c = await env.capture(env.site.https + '/');
  console.log(JSON.stringify(c.tls), c.warnings, env.site.certSha256);
  expect(1).toBe(1);
});
