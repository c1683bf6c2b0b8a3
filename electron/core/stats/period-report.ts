import type { Browser } from 'puppeteer-core';
import type { RemovalBucket, StatsReport } from '@shared/domain/stats';
import type { Language } from '@shared/domain/resources';
import { fontFaceCss } from '../packet/packet-html';
import { escapeHtml } from '../packet/packet-html-parts';
import { findFontsDir, loadFonts } from '../packet/packet-fonts';
import { printHtml } from '../packet/packet-print';

/**
 * The period report a head of unit sends up: the statistics of `vigil stats` laid out as a PDF in
 * en, ar or ru by the packet's Chromium path (its shipped fonts, so Arabic is shaped and right to
 * left as in the packet). Pure HTML from the report plus one print: counts and times only, no URL,
 * no content, no name of a person; the charts are inline SVG (nothing is fetched).
 */

type Texts = Readonly<{
  title: string;
  period: (from: string, to: string) => string;
  counts: string;
  stage: Readonly<Record<keyof StatsReport['counts'], string>>;
  removalRate: string;
  reappearanceRate: string;
  times: string;
  median: string;
  p90: string;
  cases: string;
  duration: Readonly<Record<keyof StatsReport['durations'], string>>;
  byCategory: string;
  byRecipient: string;
  byKind: string;
  byRegime: string;
  key: string;
  referred: string;
  removed: string;
  refused: string;
  reported: string;
  refusals: string;
  count: string;
  perWeek: string;
  distribution: string;
  bucket: Readonly<Record<RemovalBucket, string>>;
  none: string;
  units: Readonly<{ d: string; h: string; min: string }>;
}>;

const TEXTS: Readonly<Record<Language, Texts>> = {
  en: {
    title: 'Period report: referrals and removals',
    period: (from, to) => `Resources reported from ${from} to ${to} (UTC days, both included)`,
    counts: 'Resources per stage',
    stage: {
      reported: 'Reported',
      captured: 'Captured',
      reviewed: 'Reviewed',
      approved: 'Approved',
      referred: 'Referred',
      removed: 'Removed',
    },
    removalRate: 'Removal rate',
    reappearanceRate: 'Re-appearance rate',
    times: 'Time between stages',
    median: 'Median',
    p90: '90th percentile',
    cases: 'Cases',
    duration: {
      reportToCapture: 'Report to capture',
      captureToDecision: 'Capture to decision',
      decisionToNotice: 'Decision to notice',
      noticeToRemoval: 'Notice to removal',
    },
    byCategory: 'By category',
    byRecipient: 'By recipient',
    byKind: 'By kind of recipient',
    byRegime: 'By regime',
    key: 'Name',
    referred: 'Referred',
    removed: 'Removed',
    refused: 'Refused',
    reported: 'Reported',
    refusals: 'Refusal reasons',
    count: 'Count',
    perWeek: 'Per week (Monday, UTC): reported, referred, removed',
    distribution: 'Time from notice to removal',
    bucket: {
      under_1h: 'under 1 h',
      under_24h: '1–24 h',
      under_3d: '1–3 days',
      under_7d: '3–7 days',
      over_7d: 'over 7 days',
    },
    none: 'none',
    units: { d: 'd', h: 'h', min: 'min' },
  },
  ar: {
    title: 'تقرير الفترة: الإحالات والإزالات',
    period: (from, to) => `الموارد المبلغ عنها من ${from} إلى ${to} (أيام بالتوقيت العالمي، شاملة)`,
    counts: 'الموارد في كل مرحلة',
    stage: {
      reported: 'مبلغ عنها',
      captured: 'موثقة',
      reviewed: 'مراجعة',
      approved: 'معتمدة',
      referred: 'محالة',
      removed: 'مزالة',
    },
    removalRate: 'نسبة الإزالة',
    reappearanceRate: 'نسبة الظهور من جديد',
    times: 'المدة بين المراحل',
    median: 'الوسيط',
    p90: 'المئين التسعون',
    cases: 'الحالات',
    duration: {
      reportToCapture: 'من البلاغ إلى التوثيق',
      captureToDecision: 'من التوثيق إلى القرار',
      decisionToNotice: 'من القرار إلى الإشعار',
      noticeToRemoval: 'من الإشعار إلى الإزالة',
    },
    byCategory: 'حسب الفئة',
    byRecipient: 'حسب الجهة المستلمة',
    byKind: 'حسب نوع الجهة',
    byRegime: 'حسب النظام',
    key: 'الاسم',
    referred: 'محالة',
    removed: 'مزالة',
    refused: 'مرفوضة',
    reported: 'مبلغ عنها',
    refusals: 'أسباب الرفض',
    count: 'العدد',
    perWeek: 'حسب الأسبوع (الاثنين، بالتوقيت العالمي): مبلغ عنها، محالة، مزالة',
    distribution: 'المدة من الإشعار إلى الإزالة',
    bucket: {
      under_1h: 'أقل من ساعة',
      under_24h: '1–24 ساعة',
      under_3d: '1–3 أيام',
      under_7d: '3–7 أيام',
      over_7d: 'أكثر من 7 أيام',
    },
    none: 'لا شيء',
    units: { d: 'ي', h: 'س', min: 'د' },
  },
  ru: {
    title: 'Отчёт за период: направления и удаления',
    period: (from, to) => `Ресурсы, поступившие с ${from} по ${to} (дни UTC, включительно)`,
    counts: 'Ресурсы по этапам',
    stage: {
      reported: 'Поступило',
      captured: 'Зафиксировано',
      reviewed: 'Рассмотрено',
      approved: 'Одобрено',
      referred: 'Направлено',
      removed: 'Удалено',
    },
    removalRate: 'Доля удалённых',
    reappearanceRate: 'Доля появившихся вновь',
    times: 'Время между этапами',
    median: 'Медиана',
    p90: '90-й процентиль',
    cases: 'Случаев',
    duration: {
      reportToCapture: 'От сообщения до фиксации',
      captureToDecision: 'От фиксации до решения',
      decisionToNotice: 'От решения до уведомления',
      noticeToRemoval: 'От уведомления до удаления',
    },
    byCategory: 'По категориям',
    byRecipient: 'По получателям',
    byKind: 'По типам получателей',
    byRegime: 'По режимам',
    key: 'Название',
    referred: 'Направлено',
    removed: 'Удалено',
    refused: 'Отказано',
    reported: 'Поступило',
    refusals: 'Причины отказов',
    count: 'Количество',
    perWeek: 'По неделям (понедельник, UTC): поступило, направлено, удалено',
    distribution: 'Время от уведомления до удаления',
    bucket: {
      under_1h: 'менее 1 ч',
      under_24h: '1–24 ч',
      under_3d: '1–3 дня',
      under_7d: '3–7 дней',
      over_7d: 'более 7 дней',
    },
    none: 'нет',
    units: { d: 'д', h: 'ч', min: 'мин' },
  },
};

/** A duration the way a reader takes it in: days and hours, hours and minutes, or minutes. */
function humanDuration(seconds: number | null, t: Texts): string {
  if (seconds === null) return '—';
  const min = Math.round(seconds / 60);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return `${d} ${t.units.d} ${h} ${t.units.h}`;
  if (h > 0) return `${h} ${t.units.h} ${m} ${t.units.min}`;
  return `${m} ${t.units.min}`;
}

const percent = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
/** Numbers and dates stay left to right inside right-to-left text. */
const ltr = (s: string | number): string => `<bdi dir="ltr">${escapeHtml(String(s))}</bdi>`;

function table(head: readonly string[], rows: readonly (readonly string[])[], none: string): string {
  if (rows.length === 0) return `<p class="none">${escapeHtml(none)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map(
      (r) => `<tr>${r.map((c, i) => (i === 0 ? `<td>${c}</td>` : `<td class="n">${c}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/** Grouped bars (reported, referred, removed), one group per week, oldest on the left in every language (a time axis). */
function weekBars(report: StatsReport): string {
  const weeks = report.perWeek;
  if (weeks.length === 0) return '';
  const max = Math.max(1, ...weeks.map((w) => Math.max(w.reported, w.referred, w.removed)));
  const group = 12;
  const width = Math.max(200, weeks.length * group);
  const height = 90;
  const bars = weeks
    .map((w, i) =>
      (
        [
          [w.reported, '#7a8aa0'],
          [w.referred, '#2f5d8a'],
          [w.removed, '#2e7d4f'],
        ] as const
      )
        .map(([v, colour], k) => {
          const h = (v / max) * (height - 10);
          return `<rect x="${i * group + k * 3.5 + 1}" y="${(height - h).toFixed(1)}" width="3" height="${h.toFixed(1)}" fill="${colour}"/>`;
        })
        .join(''),
    )
    .join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img">${bars}</svg>
<div class="axis">${ltr(weeks[0]?.week ?? '')} … ${ltr(weeks.at(-1)?.week ?? '')}</div>`;
}

function distributionBars(report: StatsReport, t: Texts): string {
  const max = Math.max(1, ...report.removalDistribution.map((b) => b.count));
  return `<table class="dist">${report.removalDistribution
    .map(
      (b) =>
        `<tr><td>${escapeHtml(t.bucket[b.bucket])}</td><td class="bar"><svg viewBox="0 0 100 6" preserveAspectRatio="none"><rect width="${((b.count / max) * 100).toFixed(1)}" height="6" fill="#2f5d8a"/></svg></td><td class="n">${ltr(b.count)}</td></tr>`,
    )
    .join('')}</table>`;
}

export function periodReportHtml(report: StatsReport, language: Language, fontsCss: string): string {
  const t = TEXTS[language];
  const dir = language === 'ar' ? 'rtl' : 'ltr';
  const family = dir === 'rtl' ? "'VigilNaskh', 'VigilSans'" : "'VigilSans', 'VigilNaskh'";
  const counts = (Object.keys(t.stage) as (keyof StatsReport['counts'])[]).map((k) => [
    escapeHtml(t.stage[k]),
    ltr(report.counts[k]),
  ]);
  const durations = (Object.keys(t.duration) as (keyof StatsReport['durations'])[]).map((k) => {
    const d = report.durations[k];
    return [
      escapeHtml(t.duration[k]),
      ltr(humanDuration(d.medianSeconds, t)),
      ltr(humanDuration(d.p90Seconds, t)),
      ltr(d.count),
    ];
  });
  const tally = (rows: StatsReport['byRecipient']) =>
    rows.map((r) => [escapeHtml(r.key), ltr(r.referred), ltr(r.removed), ltr(r.refused)]);
  const tallyHead = [t.key, t.referred, t.removed, t.refused];
  return `<!doctype html><html lang="${language}" dir="${dir}"><head><meta charset="utf-8">
<title>${escapeHtml(t.title)}</title>
<style>${fontsCss}
* { font-synthesis: none; }
@page { size: A4; margin: 16mm 15mm; }
body { font-family: ${family}; font-size: 10pt; line-height: 1.4; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 11.5pt; margin: 6mm 0 2mm; break-after: avoid; }
.period { color: #333; margin-bottom: 3mm; }
.rates { display: flex; gap: 10mm; margin: 2mm 0; font-size: 11pt; }
.rates b { font-size: 13pt; }
table { border-collapse: collapse; width: 100%; break-inside: auto; }
th, td { border-bottom: 0.3pt solid #bbb; padding: 1mm 1.5mm; text-align: start; vertical-align: top; }
th { font-weight: 700; background: #f1f3f6; }
td.n, th:not(:first-child) { text-align: end; }
tr { break-inside: avoid; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
.chart { width: 100%; height: 32mm; border-bottom: 0.5pt solid #666; }
.axis { font-size: 8pt; color: #555; }
.dist td.bar { width: 60%; }
.dist svg { width: 100%; height: 3mm; }
.none { color: #666; }
</style></head><body>
<h1>${escapeHtml(t.title)}</h1>
<div class="period">${escapeHtml(t.period('\u2066' + report.from + '\u2069', '\u2066' + report.to + '\u2069'))}</div>
<div class="rates"><div>${escapeHtml(t.removalRate)}: <b>${ltr(percent(report.removalRate))}</b></div>
<div>${escapeHtml(t.reappearanceRate)}: <b>${ltr(percent(report.reappearanceRate))}</b></div></div>
<div class="cols"><div><h2>${escapeHtml(t.counts)}</h2>${table([t.key, t.count], counts, t.none)}</div>
<div><h2>${escapeHtml(t.distribution)}</h2>${distributionBars(report, t)}</div></div>
<h2>${escapeHtml(t.times)}</h2>${table([t.key, t.median, t.p90, t.cases], durations, t.none)}
<h2>${escapeHtml(t.perWeek)}</h2>${weekBars(report)}
<h2>${escapeHtml(t.byCategory)}</h2>${table(
    [t.key, t.reported, t.removed],
    report.byCategory.map((c) => [escapeHtml(c.key), ltr(c.reported), ltr(c.removed)]),
    t.none,
  )}
<h2>${escapeHtml(t.byRecipient)}</h2>${table(tallyHead, tally(report.byRecipient), t.none)}
<div class="cols"><div><h2>${escapeHtml(t.byKind)}</h2>${table(tallyHead, tally(report.byRecipientKind), t.none)}</div>
<div><h2>${escapeHtml(t.byRegime)}</h2>${table(tallyHead, tally(report.byRegime), t.none)}</div></div>
<h2>${escapeHtml(t.refusals)}</h2>${table(
    [t.key, t.count],
    report.refusalReasons.map((r) => [escapeHtml(r.key), ltr(r.count)]),
    t.none,
  )}
</body></html>`;
}

/** The period report PDF (untagged, like a notice: a document to read and forward, not evidence). */
export async function renderPeriodReportPdf(
  browser: Browser,
  report: StatsReport,
  language: Language,
  fontsDir?: string,
): Promise<Buffer> {
  const fonts = await loadFonts(findFontsDir(fontsDir));
  return printHtml(browser, periodReportHtml(report, language, fontFaceCss(fonts)), false);
}
