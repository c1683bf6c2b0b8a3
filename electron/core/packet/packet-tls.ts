import type { Language } from '@shared/domain/resources';
import type { PacketCapture } from './packet-model';

/**
 * The packet's TLS lines about certificate trust: whether the browser trusted the main document's
 * certificate (and which error it found when it did not, the page being captured despite it), and
 * the certificate of every HTTPS origin the page loaded from. Plain text: packet-html.ts escapes it
 * and isolates it as a left-to-right run.
 */
type TlsLabels = Readonly<{
  certificate: string;
  trusted: string;
  untrusted: string;
  notTrusted: string;
  origins: string;
  origin: string;
  subject: string;
  validTo: string;
  status: string;
  fingerprint: string;
  none: string;
}>;

const LABELS: Readonly<Record<Language, TlsLabels>> = {
  en: {
    certificate: 'Certificate trust',
    trusted: 'trusted',
    untrusted: 'NOT trusted — the page was captured despite the certificate error',
    notTrusted: 'not trusted',
    origins: 'Certificates of every HTTPS origin the page loaded from',
    origin: 'Origin',
    subject: 'Subject',
    validTo: 'Valid to',
    status: 'Status',
    fingerprint: 'SHA-256 fingerprint',
    none: 'none',
  },
  ar: {
    certificate: 'الثقة بالشهادة',
    trusted: 'موثوقة',
    untrusted: 'غير موثوقة — التُقطت الصفحة رغم خطأ الشهادة',
    notTrusted: 'غير موثوقة',
    origins: 'شهادات كل مصدر HTTPS حمّلت منه الصفحة',
    origin: 'المصدر',
    subject: 'الجهة',
    validTo: 'صالح حتى',
    status: 'الحالة',
    fingerprint: 'البصمة SHA-256',
    none: 'لا يوجد',
  },
  ru: {
    certificate: 'Доверие к сертификату',
    trusted: 'доверенный',
    untrusted: 'НЕ доверенный — страница сохранена, несмотря на ошибку сертификата',
    notTrusted: 'недоверенный',
    origins: 'Сертификаты всех HTTPS-источников, с которых загружалась страница',
    origin: 'Источник',
    subject: 'Субъект',
    validTo: 'Действует до',
    status: 'Состояние',
    fingerprint: 'Отпечаток SHA-256',
    none: 'нет',
  },
};

/** The trust line(s) of the TLS table: label and plain-text value; none for records made before it. */
export function tlsTrustRows(capture: PacketCapture, language: Language): (readonly [string, string])[] {
  const tls = capture.tls;
  if (tls?.valid === undefined) return [];
  const L = LABELS[language];
  const verdict = tls.valid ? L.trusted : `${L.untrusted}${tls.error ? `: ${tls.error}` : ''}`;
  return [[L.certificate, verdict]];
}

/** The per-origin certificate table (headers, plain-text cells); null when the record has none. */
export function originCertificateTable(
  capture: PacketCapture,
  language: Language,
): Readonly<{ title: string; headers: string[]; rows: string[][] }> | null {
  const list = capture.certificates ?? [];
  if (list.length === 0) return null;
  const L = LABELS[language];
  return {
    title: L.origins,
    headers: [L.origin, L.subject, L.validTo, L.status, L.fingerprint],
    rows: list.map((c) => [
      c.origin,
      c.subjectName,
      c.validTo,
      c.valid ? L.trusted : `${L.notTrusted}${c.error ? `: ${c.error}` : ''}`,
      c.sha256Fingerprint ?? L.none,
    ]),
  };
}
