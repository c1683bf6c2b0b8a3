import type { Browser } from 'puppeteer-core';

/** Chromium lays out and prints the packet HTML: shaping, bidi, and (when tagged) structure and outline. */
export async function printHtml(browser: Browser, html: string, tagged: boolean): Promise<Buffer> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    // The packet is static: everything it needs is inline, so any request is a leak or a bug.
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('data:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.setContent(html, { waitUntil: 'load' });
    // A string, not a function: this module is compiled without DOM types.
    await page.evaluate('document.fonts.ready.then(() => true)');
    const pdf = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true,
      tagged,
      outline: tagged,
      timeout: 120_000,
    });
    return Buffer.from(pdf);
  } finally {
    await context.close();
  }
}
