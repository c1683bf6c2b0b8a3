import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_PROFILE } from '@core/capture/capture-profile';
import type { CaptureProfile } from '@core/capture/capture-profile';
import { classifyRecheck } from '@core/rechecks/classify';
import type { ContentHashes } from '@core/rechecks/content-hashes';
import { lightFetch } from '@core/rechecks/light-fetch';
import { loadRemovalPatterns } from '@core/rechecks/removal-patterns';
import type { RecheckClassification } from '@shared/domain/recheck';
import { launchChromium } from '@tests/helpers/chromium';
import { startSwitchingPage } from '@tests/helpers/switching-page';
import type { SwitchMode, SwitchingPage } from '@tests/helpers/switching-page';
import { tempDir } from '@tests/helpers/temp-dir';

const dir = tempDir('vigil-recheck-');
let browser: Browser;
let site: SwitchingPage;
let profile: CaptureProfile;
let reviewed: ContentHashes;
const patterns = loadRemovalPatterns();

beforeAll(async () => {
  [browser, site] = await Promise.all([launchChromium(join(dir.path, 'chromium')), startSwitchingPage()]);
  // The private-network policy stays on: only the fixture's own host:port is let through.
  profile = {
    ...DESKTOP_PROFILE,
    allowHosts: [site.hostPort],
    timeouts: { ...DESKTOP_PROFILE.timeouts, navigateMs: 15_000 },
  };
  // The reviewed content: the page as first seen (a capture's text.txt and dom.html hash the same way).
  const first = await lightFetch({ browser, url: site.url, profile });
  if (first.hashes === null || first.text === null)
    throw new Error(`fixture not loaded: ${first.error ?? ''}`);

  reviewed = first.hashes;
});

afterAll(async () => {
  await Promise.all([browser?.close(), site?.close()]);
  dir.remove();
});

async function classifyAs(mode: SwitchMode): Promise<{ c: RecheckClassification; status: number | null }> {
  await site.set(mode);
  const fetched = await lightFetch({ browser, url: site.url, profile });
  return { c: classifyRecheck(fetched, reviewed, patterns).classification, status: fetched.status };
}

describe('a re-check through the capture profile', () => {
  it('classifies each answer of the page by its content', async () => {
    expect(await classifyAs('original')).toEqual({ c: 'still_there', status: 200 });
    expect(await classifyAs('not_found')).toEqual({ c: 'removed', status: 404 });
    expect(await classifyAs('unavailable')).toEqual({ c: 'removed', status: 200 });
    expect(await classifyAs('legal')).toEqual({ c: 'geo_blocked', status: 451 });
    expect(await classifyAs('changed')).toEqual({ c: 'changed', status: 200 });
  });

  it('goes through the network guard: a host the policy refuses is unreachable', async () => {
    const guarded = { ...profile, allowHosts: [] };
    const fetched = await lightFetch({ browser, url: site.url, profile: guarded });
    expect(fetched.status).toBeNull();
    expect(classifyRecheck(fetched, reviewed, patterns).classification).toBe('unreachable');
  });
});
