import type { Page } from 'puppeteer-core';
import { bounded } from './deadline';
import { cutDataUrls } from './media-withholding';

/**
 * Screenshots of a restricted capture: before the shot, every image, picture, video, canvas, svg,
 * object, embed, image input and iframe of the page (open shadow roots included) is swapped for a
 * neutral grey box of the same size, and a style sheet plus inline `!important` overrides remove
 * CSS background, border, list, mask and pseudo-element images; after the shots the page is put back as it was (the DOM artifact was read
 * before, with its media URLs). Invariant: while hidden, no pixel of any medium is painted.
 */
export const PLACEHOLDER_METHOD =
  'media replaced by neutral grey boxes of the same size before the screenshot (restricted capture)';

const HIDE = `(() => {
  const TAGS = 'img,picture,video,audio,canvas,svg,object,embed,iframe,frame,input[type=image]';
  const CSS = '*,*::before,*::after{background-image:none!important;border-image:none!important;' +
    'list-style-image:none!important;mask-image:none!important;-webkit-mask-image:none!important;' +
    'cursor:auto!important}*::before,*::after{content:none!important}';
  const PROPS = ['background-image', 'border-image-source', 'list-style-image', 'mask-image', '-webkit-mask-image', 'content'];
  const swaps = [];
  const sheets = [];
  const inline = [];
  const visit = (root) => {
    const style = document.createElement('style');
    style.textContent = CSS;
    (root.head || root).appendChild(style);
    sheets.push(style);
    for (const el of Array.from(root.querySelectorAll(TAGS))) {
      if (!el.isConnected) continue;
      if (el.parentElement && el.parentElement.closest('svg')) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      const box = document.createElement('div');
      box.setAttribute('data-vigil-placeholder', '');
      box.style.cssText = 'box-sizing:border-box;background:#9e9e9e;border:1px solid #757575;margin:0;padding:0;' +
        'display:' + (cs.display === 'inline' ? 'inline-block' : cs.display === 'none' ? 'none' : cs.display) + ';' +
        'width:' + r.width + 'px;height:' + r.height + 'px;vertical-align:' + cs.verticalAlign + ';' +
        'position:' + cs.position + ';top:' + cs.top + ';left:' + cs.left + ';right:' + cs.right + ';bottom:' + cs.bottom + ';' +
        'float:' + cs.float + ';z-index:' + cs.zIndex + ';';
      el.replaceWith(box);
      swaps.push([box, el]);
    }
    for (const el of Array.from(root.querySelectorAll('*'))) {
      if (el.shadowRoot) visit(el.shadowRoot);
      // A page rule marked !important with a higher specificity beats the sheet; an inline
      // !important beats every rule, so each element still painting an image gets one.
      const cs = getComputedStyle(el);
      for (const prop of PROPS) {
        if (!/url\\(/i.test(cs.getPropertyValue(prop))) continue;
        inline.push([el, prop, el.style.getPropertyValue(prop), el.style.getPropertyPriority(prop)]);
        el.style.setProperty(prop, prop === 'content' ? 'normal' : 'none', 'important');
      }
    }
  };
  visit(document);
  window.__vigilRestoreMedia = () => {
    for (const [el, prop, value, priority] of inline.reverse()) {
      if (value === '') el.style.removeProperty(prop);
      else el.style.setProperty(prop, value, priority);
    }
    for (const [box, el] of swaps.reverse()) box.replaceWith(el);
    for (const s of sheets) s.remove();
    delete window.__vigilRestoreMedia;
  };
  return swaps.length;
})()`;

const RESTORE = `(() => { if (window.__vigilRestoreMedia) window.__vigilRestoreMedia(); })()`;

/** Hides every medium of the page; returns how many elements were replaced. */
export async function hideMedia(page: Page, deadline: number, signal?: AbortSignal): Promise<number> {
  const n = await bounded(page.evaluate(HIDE), deadline, 'media placeholders', signal);
  return typeof n === 'number' ? n : 0;
}

export async function restoreMedia(page: Page, deadline: number, signal?: AbortSignal): Promise<void> {
  await bounded(page.evaluate(RESTORE), deadline, 'media restore', signal);
}

/** `data:` media in the DOM carry the bytes themselves: a restricted DOM keeps only that one was there. */
export function stripDataMedia(html: string): string {
  return cutDataUrls(html);
}
