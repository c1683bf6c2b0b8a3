// Indicator extraction + coded-term matching throughput on one core: 1,000 generated capture texts of
// 50 KB (UTF-8) each, mixed Arabic / Russian / English prose with prices, dates and order numbers and a
// few indicators and coded terms in each, with 30 links per page. Target >= 20 MB/s of text.
import { join } from 'node:path';
import {
  compileLexicons,
  extractIndicators,
  loadLexiconDir,
  matchLexicons,
  type ExtractionLink,
} from '../electron/core/indicators/extract';

const TEXTS = Number(process.env.BENCH_INDICATORS_TEXTS ?? 1000);
const TEXT_BYTES = 50 * 1000;
const ROUNDS = 3;

// A small deterministic PRNG (mulberry32): the same corpus in every run.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = {
  en: 'the shop offers fast delivery of quality products order today and get a discount our team works every day contact us for wholesale prices new stock arrived customer reviews shipping worldwide secure payment'.split(
    ' ',
  ),
  ru: 'магазин предлагает быструю доставку качественных товаров заказывайте сегодня и получите скидку наша команда работает каждый день свяжитесь с нами для оптовых цен новое поступление отзывы покупателей'.split(
    ' ',
  ),
  ar: 'المتجر يقدم توصيل سريع لمنتجات عالية الجودة اطلب اليوم واحصل على خصم فريقنا يعمل كل يوم تواصل معنا لأسعار الجملة وصلت بضاعة جديدة آراء العملاء شحن لجميع الدول دفع آمن'.split(
    ' ',
  ),
} as const;
const NOISE = [
  '$1 299',
  '12.05.2024',
  'Order #89161234567',
  '2024-11-30',
  '15%',
  '1500 руб',
  '٢٠٢٤/١١/٣٠',
  '№ 4471',
];
const INDICATORS = [
  'BTC: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
  'USDT TRC20 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
  'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  'ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  'звоните +7 701 234 56 78',
  'واتساب +971 50 123 4567',
  'пишите @best_shop_24',
  'https://t.me/supplement_store',
  'mail: Sales@Example-Shop.com',
  'закладки по городу',
  'соль и мефедрон',
  'الثلج متوفر',
  'كريستال',
  'ice and molly',
  '❄️🍁💊',
];

function makeText(next: () => number): { text: string; links: ExtractionLink[] } {
  const parts: string[] = [];
  let bytes = 0;
  const langs = ['en', 'ru', 'ar'] as const;
  while (bytes < TEXT_BYTES) {
    const lang = langs[Math.floor(next() * 3)] ?? 'en';
    const pool = WORDS[lang];
    const line: string[] = [];
    for (let w = 0; w < 14; w++) line.push(pool[Math.floor(next() * pool.length)] ?? '');
    if (next() < 0.3) line.push(NOISE[Math.floor(next() * NOISE.length)] ?? '');
    if (next() < 0.02) line.push(INDICATORS[Math.floor(next() * INDICATORS.length)] ?? '');
    const s = `${line.join(' ')}.\n`;
    parts.push(s);
    bytes += Buffer.byteLength(s);
  }
  const links: ExtractionLink[] = [];
  for (let i = 0; i < 30; i++) {
    const r = next();
    const href =
      r < 0.6
        ? `https://shop.example/catalog/item-${i}`
        : r < 0.8
          ? `https://partner-${i % 5}.example.org/ref?id=${i}`
          : r < 0.9
            ? 'tel:+77012345678'
            : 'https://t.me/supplement_store';
    links.push({ href, text: `link ${i}` });
  }
  return { text: parts.join(''), links };
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const lexicons = compileLexicons(
    await loadLexiconDir(join(import.meta.dirname, '..', 'resources', 'lexicons')),
  );
  const next = rng(15);
  const corpus = Array.from({ length: TEXTS }, () => makeText(next));
  const totalBytes = corpus.reduce((n, c) => n + Buffer.byteLength(c.text), 0);
  const totalChars = corpus.reduce((n, c) => n + c.text.length, 0);
  // CPU time of this process (user + system) is the figure "on one core": wall time on a shared
  // machine also counts the time other processes held the core.
  const times: number[] = [];
  const walls: number[] = [];
  let found = 0;
  let hits = 0;
  for (let round = 0; round < ROUNDS; round++) {
    found = 0;
    hits = 0;
    const t = performance.now();
    const cpu = process.cpuUsage();
    for (const c of corpus) {
      found += extractIndicators(
        { text: c.text, url: 'https://shop.example/', links: c.links },
        { defaultRegion: 'RU' },
      ).length;
      hits += matchLexicons(c.text, lexicons).length;
    }
    const used = process.cpuUsage(cpu);
    times.push((used.user + used.system) / 1000);
    walls.push(performance.now() - t);
  }
  const ms = median(times);
  const mbs = totalBytes / 1e6 / (ms / 1000);
  const wallMbs = totalBytes / 1e6 / (median(walls) / 1000);
  console.log(
    `texts: ${TEXTS} x ${TEXT_BYTES / 1000} KB (${(totalBytes / 1e6).toFixed(1)} MB UTF-8, ${(totalChars / 1e6).toFixed(1)} M chars), ${ROUNDS} rounds, median`,
  );
  console.log(`indicator occurrences: ${found}, coded-term hits: ${hits}`);
  console.log(
    `extractIndicators + matchLexicons: ${(ms / 1000).toFixed(2)} s CPU = ${mbs.toFixed(1)} MB/s on one core (target >= 20 MB/s)`,
  );
  console.log(`wall clock (includes waiting for the core on a loaded machine): ${wallMbs.toFixed(1)} MB/s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
