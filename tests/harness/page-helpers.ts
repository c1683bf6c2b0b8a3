import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TimeoutError } from 'puppeteer-core';
import type { Page } from 'puppeteer-core';
import { SCREENS_DIR } from './ui-harness';

// Page-side code is passed as source text: the Node-side type check has no DOM types, and test
// bundlers may wrap named functions in helpers the page doesn't have.

export const tid = (id: string): string => `[data-testid="${id}"]`;

const q = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;

/** Evaluates an expression in the page and returns its JSON value. */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

export const attrOf = (page: Page, selector: string, name: string): Promise<string | null> =>
  inPage(page, `${q(selector)}?.getAttribute(${JSON.stringify(name)}) ?? null`);

export async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector);
  return inPage(page, `${q(selector)}?.textContent ?? ''`);
}

export const countOf = (page: Page, selector: string): Promise<number> =>
  inPage(page, `document.querySelectorAll(${JSON.stringify(selector)}).length`);

export const styleOf = (page: Page, selector: string, property: string): Promise<string> =>
  inPage(page, `getComputedStyle(${q(selector)}).getPropertyValue(${JSON.stringify(property)})`);

/** Horizontal centre of an element and the viewport width, to tell which side it sits on. */
export const boxOf = (page: Page, selector: string): Promise<{ centre: number; width: number }> =>
  inPage(
    page,
    `(() => { const r = ${q(selector)}.getBoundingClientRect(); return { centre: (r.left + r.right) / 2, width: innerWidth }; })()`,
  );

/**
 * Waits until `selector` shows, or an error view does; an error fails with its code so a
 * report says which backend method is missing instead of just timing out.
 */
export async function waitForOrError(
  page: Page,
  selector: string,
  timeout = 30_000,
  /** Only error views inside this element count (other sections may fail independently). */
  scope = 'body',
): Promise<void> {
  const found = await page.waitForFunction(
    `(() => {
      if (${q(selector)}) return 'ok';
      const err = document.querySelector(${JSON.stringify(`${scope} [data-testid="error-view"]`)});
      return err ? 'error:' + (err.getAttribute('data-error-code') ?? '?') : false;
    })()`,
    { timeout },
  );
  const outcome = (await found.jsonValue()) as string;
  if (outcome !== 'ok') throw new Error(`${selector} did not appear; the screen shows ${outcome}`);
}

export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForSelector(selector, { visible: true });
  await page.click(selector, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, text);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENS_DIR, { recursive: true });
  const file = path.join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export async function go(page: Page, base: string, hash: string, lang?: string): Promise<void> {
  const query = lang === undefined ? '' : `?lang=${lang}`;
  await page.goto(`${base}/${query}#${hash}`, { waitUntil: 'domcontentloaded' });
}

/** How long a select may take to show a choice that goes to the backend first (a user's role). */
const CHOICE_MS = 20_000;

/** Opens the MUI select whose hidden input carries `data-testid=inputTestId` and picks the option with `value`. */
export async function chooseOption(page: Page, inputTestId: string, value: string): Promise<void> {
  const combo = `${tid(inputTestId)}`;
  await page.waitForSelector(combo);
  const option =
    value === '*' ? 'li[role="option"]:not([data-value=""])' : `li[role="option"][data-value="${value}"]`;
  const combobox = `${q(combo)}.parentElement.querySelector('[role="combobox"]')`;
  const taken =
    value === '*'
      ? `${q(combo)}.value !== ''`
      : `${q(combo)}.value.split(',').includes(${JSON.stringify(value)})`;
  // The menu's paper has grown in when its transition is over and it is fully opaque.
  const menuSettled = `(() => {
    const paper = document.querySelector('[role="listbox"]')?.closest('.MuiPaper-root');
    return paper != null && paper.getAnimations().length === 0 && getComputedStyle(paper).opacity === '1';
  })()`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // A select whose change is saved by the backend (a user's role) is disabled until the answer;
    // a mousedown on it then opens nothing.
    await page.waitForFunction(`${combobox}.getAttribute('aria-disabled') !== 'true'`, {
      timeout: CHOICE_MS,
    });
    await page.evaluate(
      `${combobox}.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0 }))`,
    );
    await page.waitForSelector(option, { visible: true });
    // A click that lands while the menu is still growing in can miss its option.
    await page.waitForFunction(menuSettled);
    await page.click(option);
    await page.keyboard.press('Escape');
    await page.waitForFunction(`document.querySelector('[role="listbox"]') === null`);
    // A select bound to backend data shows the new value only once the change is saved and the
    // data reloaded: wait for it rather than read it at once (and never pick twice meanwhile).
    const took = await page.waitForFunction(taken, { timeout: CHOICE_MS }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof TimeoutError) return false;
        throw error;
      },
    );
    if (took) return;
  }
  throw new Error(`${inputTestId}: the option ${value} was not selected`);
}

/** Sets an input's value the way a user would (React sees an input event); for date inputs whose typing is locale-bound. */
export async function setInputValue(page: Page, selector: string, value: string): Promise<void> {
  await page.waitForSelector(selector);
  await page.evaluate(`(() => {
    const input = ${q(selector)};
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, ${JSON.stringify(value)});
    input.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
}
