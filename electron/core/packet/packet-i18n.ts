import type { CaptureOutcome } from '@shared/domain/capture-record';
import type { DecisionKind, Measure } from '@shared/domain/decision';
import type { Language, SourceType } from '@shared/domain/resources';

type TimestampStatus = 'granted' | 'pending' | 'none';

export type PacketLabels = Readonly<{
  dir: 'ltr' | 'rtl';
  title: string;
  draft: string;
  draftNotice: string;
  /** The mark of an unsigned rendering after a decision (a copy, never the packet of record). */
  copy: string;
  caseRef: string;
  resource: string;
  urlAsCaptured: string;
  urlUnicode: string;
  urlPunycode: string;
  categories: string;
  captureTime: string;
  outcome: string;
  reviewer: string;
  decision: string;
  generatedAt: string;
  captures: string;
  capture: string;
  finalUrl: string;
  startedAt: string;
  finishedAt: string;
  httpStatus: string;
  protocol: string;
  remoteAddress: string;
  operator: string;
  workstation: string;
  os: string;
  application: string;
  browser: string;
  userAgent: string;
  viewport: string;
  locale: string;
  timeZone: string;
  proxy: string;
  none: string;
  manifestSha256: string;
  signatureKey: string;
  timestamp: string;
  tsa: string;
  genTime: string;
  tsaName: string;
  tsaSerial: string;
  redirects: string;
  status: string;
  location: string;
  /** How a redirect hop happened (http, meta-refresh, script, form). */
  via: string;
  /** The page's title as captured. */
  pageTitle: string;
  tls: string;
  cipher: string;
  certSubject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  san: string;
  fingerprint: string;
  headers: string;
  name: string;
  value: string;
  warnings: string;
  /** Restricted capture: the media that were hashed and not kept, shown as hashes only. */
  withheld: string;
  withheldNotice: string;
  reason: string;
  artifacts: string;
  kind: string;
  bytes: string;
  screenshots: string;
  part: (k: number, n: number) => string;
  /** Under a captioned copy: the band is derived, the original screenshot is the evidence. */
  captionedCopy: (original: string) => string;
  custody: string;
  /** The indicators section: title, its columns, and the line when there are none. */
  indicators: string;
  indicatorWhere: string;
  noIndicators: string;
  seq: string;
  at: string;
  actor: string;
  action: string;
  hash: string;
  decisionSection: string;
  decisionId: string;
  capturesRelied: string;
  measure: string;
  targets: string;
  territorialScope: string;
  startDate: string;
  endDate: string;
  openEnded: string;
  legalBasis: string;
  instrument: string;
  article: string;
  referenceUrl: string;
  citedText: string;
  category: string;
  keywords: string;
  facts: string;
  explanation: string;
  sourceType: string;
  automatedDetection: string;
  yes: string;
  no: string;
  signedAt: string;
  decisionSignature: string;
  signatureBlock: string;
  signatureBlockText: string;
  signer: string;
  certificate: string;
  unsigned: string;
  page: (x: number, n: number) => string;
  attachmentsNote: string;
  outcomes: Readonly<Record<CaptureOutcome, string>>;
  decisions: Readonly<Record<DecisionKind, string>>;
  measures: Readonly<Record<Measure, string>>;
  sourceTypes: Readonly<Record<SourceType, string>>;
  timestampStatuses: Readonly<Record<TimestampStatus, string>>;
}>;

const en: PacketLabels = {
  dir: 'ltr',
  title: 'Evidence review packet',
  draft: 'DRAFT',
  draftNotice: 'DRAFT — no decision has been taken or signed',
  copy: 'COPY — NOT SIGNED',
  caseRef: 'Case reference',
  resource: 'Resource',
  urlAsCaptured: 'URL as captured',
  urlUnicode: 'URL (Unicode)',
  urlPunycode: 'URL (punycode)',
  categories: 'Categories',
  captureTime: 'Capture time',
  outcome: 'Outcome',
  reviewer: 'Reviewer',
  decision: 'Decision',
  generatedAt: 'Generated',
  captures: 'Captures',
  capture: 'Capture',
  finalUrl: 'Final URL',
  startedAt: 'Started',
  finishedAt: 'Finished',
  httpStatus: 'HTTP status',
  protocol: 'Protocol',
  remoteAddress: 'Remote address',
  operator: 'Operator',
  workstation: 'Workstation',
  os: 'Operating system',
  application: 'Application',
  browser: 'Browser',
  userAgent: 'User agent',
  viewport: 'Viewport',
  locale: 'Locale',
  timeZone: 'Time zone',
  proxy: 'Proxy',
  none: 'none',
  manifestSha256: 'Manifest SHA-256',
  signatureKey: 'Signing key',
  timestamp: 'Time-stamp',
  tsa: 'Time-stamp authority',
  genTime: 'Time-stamp time',
  tsaName: 'Time-stamp authority (name in the token)',
  tsaSerial: 'Time-stamp serial number',
  redirects: 'Redirect chain',
  status: 'Status',
  location: 'Location',
  via: 'How',
  pageTitle: 'Page title',
  tls: 'TLS connection',
  cipher: 'Cipher',
  certSubject: 'Certificate subject',
  issuer: 'Issuer',
  validFrom: 'Valid from',
  validTo: 'Valid to',
  san: 'Alternative names',
  fingerprint: 'SHA-256 fingerprint',
  headers: 'Response headers',
  name: 'Name',
  value: 'Value',
  warnings: 'Warnings',
  withheld: 'Withheld media (not kept)',
  withheldNotice:
    'Restricted capture (suspected_csam): these media were hashed and their bytes dropped; they are in no file of this packet or of the capture.',
  reason: 'Reason',
  artifacts: 'Artifact hash table',
  kind: 'Kind',
  bytes: 'Bytes',
  screenshots: 'Screenshots',
  part: (k, n) => `part ${k} of ${n}`,
  captionedCopy: (o) =>
    `derived copy: caption band (final URL, capture time UTC, capture id) above the unchanged pixels of ${o}, which is attached as the original`,
  custody: 'Chain of custody (excerpt)',
  indicators: 'Indicators found in the captures',
  indicatorWhere: 'Found in',
  noIndicators: 'No indicators were found in these captures.',
  seq: 'Seq',
  at: 'Time',
  actor: 'Actor',
  action: 'Action',
  hash: 'Hash',
  decisionSection: 'Decision and legal basis',
  decisionId: 'Decision id',
  capturesRelied: 'Captures relied on',
  measure: 'Measure',
  targets: 'Targets',
  territorialScope: 'Territorial scope',
  startDate: 'Start date',
  endDate: 'End date',
  openEnded: 'open-ended',
  legalBasis: 'Legal basis',
  instrument: 'Instrument',
  article: 'Article',
  referenceUrl: 'Reference',
  citedText: 'Cited text',
  category: 'Category',
  keywords: 'Keywords',
  facts: 'Facts',
  explanation: 'Explanation',
  sourceType: 'Source type',
  automatedDetection: 'Automated detection',
  yes: 'yes',
  no: 'no',
  signedAt: 'Signed at',
  decisionSignature: 'Decision record signature',
  signatureBlock: 'Signature',
  signatureBlockText:
    'This document carries an embedded PAdES signature; any PDF reader that supports signatures verifies it.',
  signer: 'Signer',
  certificate: 'Signer certificate',
  unsigned: 'This document is not signed.',
  page: (x, n) => `Page ${x} of ${n}`,
  attachmentsNote:
    'The text of record of the decision and the capture manifests are attached to this PDF as JSON files.',
  outcomes: { complete: 'complete', partial: 'partial', failed: 'failed' },
  decisions: { approve: 'approve', reject: 'reject', needs_recapture: 'needs re-capture' },
  measures: {
    block_url: 'block URL',
    block_domain: 'block domain',
    block_account: 'block account',
    remove_content: 'remove content',
  },
  sourceTypes: {
    volunteer: 'volunteer',
    citizen: 'citizen',
    trusted_flagger: 'trusted flagger',
    platform: 'platform',
    own_initiative: 'own initiative',
  },
  timestampStatuses: { granted: 'granted', pending: 'pending', none: 'none' },
};

const ar: PacketLabels = {
  dir: 'rtl',
  title: 'ملف مراجعة الأدلة',
  draft: 'مسودة',
  draftNotice: 'مسودة — لم يصدر قرار ولم يوقع بعد',
  copy: 'نسخة — غير موقعة',
  caseRef: 'مرجع القضية',
  resource: 'المورد',
  urlAsCaptured: 'الرابط كما التقط',
  urlUnicode: 'الرابط (يونيكود)',
  urlPunycode: 'الرابط (بيونيكود)',
  categories: 'الفئات',
  captureTime: 'وقت الالتقاط',
  outcome: 'النتيجة',
  reviewer: 'المراجع',
  decision: 'القرار',
  generatedAt: 'تاريخ الإنشاء',
  captures: 'الالتقاطات',
  capture: 'الالتقاط',
  finalUrl: 'الرابط النهائي',
  startedAt: 'البدء',
  finishedAt: 'الانتهاء',
  httpStatus: 'حالة HTTP',
  protocol: 'البروتوكول',
  remoteAddress: 'العنوان البعيد',
  operator: 'المشغل',
  workstation: 'محطة العمل',
  os: 'نظام التشغيل',
  application: 'التطبيق',
  browser: 'المتصفح',
  userAgent: 'وكيل المستخدم',
  viewport: 'إطار العرض',
  locale: 'اللغة المحلية',
  timeZone: 'المنطقة الزمنية',
  proxy: 'الوكيل',
  none: 'لا يوجد',
  manifestSha256: 'بصمة البيان SHA-256',
  signatureKey: 'مفتاح التوقيع',
  timestamp: 'الختم الزمني',
  tsa: 'سلطة الختم الزمني',
  genTime: 'وقت الختم',
  tsaName: 'اسم سلطة الختم الزمني (في الرمز)',
  tsaSerial: 'الرقم التسلسلي للختم الزمني',
  redirects: 'سلسلة إعادة التوجيه',
  status: 'الحالة',
  location: 'الوجهة',
  via: 'الطريقة',
  pageTitle: 'عنوان الصفحة',
  tls: 'اتصال TLS',
  cipher: 'التشفير',
  certSubject: 'صاحب الشهادة',
  issuer: 'المصدر',
  validFrom: 'صالحة من',
  validTo: 'صالحة حتى',
  san: 'الأسماء البديلة',
  fingerprint: 'البصمة SHA-256',
  headers: 'ترويسات الاستجابة',
  name: 'الاسم',
  value: 'القيمة',
  warnings: 'التحذيرات',
  withheld: 'وسائط محجوبة (لم تُحفظ)',
  withheldNotice:
    'التقاط مقيّد (اشتباه بمواد اعتداء جنسي على الأطفال): حُسبت بصمات هذه الوسائط وحُذفت بياناتها؛ لا توجد في أي ملف من هذه الحزمة أو من الالتقاط.',
  reason: 'السبب',
  artifacts: 'جدول بصمات الملفات',
  kind: 'النوع',
  bytes: 'الحجم بالبايت',
  screenshots: 'لقطات الشاشة',
  part: (k, n) => `الجزء ${k} من ${n}`,
  captionedCopy: (o) =>
    `نسخة مشتقة: شريط تعريف (الرابط النهائي، وقت الالتقاط بالتوقيت العالمي، معرّف الالتقاط) فوق بكسلات ${o} دون تغيير، والأصل مرفق`,
  custody: 'مقتطف من سجل سلسلة الحيازة',
  indicators: 'المؤشرات التي عُثر عليها في الالتقاطات',
  indicatorWhere: 'موضع العثور',
  noIndicators: 'لم يُعثر على مؤشرات في هذه الالتقاطات.',
  seq: 'التسلسل',
  at: 'الوقت',
  actor: 'الفاعل',
  action: 'الإجراء',
  hash: 'البصمة',
  decisionSection: 'القرار والأساس القانوني',
  decisionId: 'معرف القرار',
  capturesRelied: 'الالتقاطات المعتمد عليها',
  measure: 'التدبير',
  targets: 'الأهداف',
  territorialScope: 'النطاق الإقليمي',
  startDate: 'تاريخ البدء',
  endDate: 'تاريخ الانتهاء',
  openEnded: 'غير محدد',
  legalBasis: 'الأساس القانوني',
  instrument: 'الصك',
  article: 'المادة',
  referenceUrl: 'المرجع',
  citedText: 'النص المستشهد به',
  category: 'الفئة',
  keywords: 'الكلمات المفتاحية',
  facts: 'الوقائع',
  explanation: 'التعليل',
  sourceType: 'نوع المصدر',
  automatedDetection: 'كشف آلي',
  yes: 'نعم',
  no: 'لا',
  signedAt: 'وقت التوقيع',
  decisionSignature: 'توقيع سجل القرار',
  signatureBlock: 'التوقيع',
  signatureBlockText: 'هذا الملف موقع رقميا بتوقيع PAdES مضمن، ويتحقق منه أي قارئ PDF يدعم التواقيع.',
  signer: 'الموقع',
  certificate: 'شهادة الموقع',
  unsigned: 'هذا الملف غير موقع.',
  page: (x, n) => `صفحة ${x} من ${n}`,
  attachmentsNote: 'النص المعتمد للقرار وبيانات الالتقاط مرفقة بهذا الملف بصيغة JSON.',
  outcomes: { complete: 'مكتمل', partial: 'جزئي', failed: 'فاشل' },
  decisions: { approve: 'موافقة', reject: 'رفض', needs_recapture: 'يحتاج إلى إعادة الالتقاط' },
  measures: {
    block_url: 'حجب الرابط',
    block_domain: 'حجب النطاق',
    block_account: 'حجب الحساب',
    remove_content: 'إزالة المحتوى',
  },
  sourceTypes: {
    volunteer: 'متطوع',
    citizen: 'مواطن',
    trusted_flagger: 'مبلغ موثوق',
    platform: 'منصة',
    own_initiative: 'مبادرة ذاتية',
  },
  timestampStatuses: { granted: 'ممنوح', pending: 'قيد الانتظار', none: 'لا يوجد' },
};

const ru: PacketLabels = {
  dir: 'ltr',
  title: 'Пакет материалов для проверки',
  draft: 'ЧЕРНОВИК',
  draftNotice: 'ЧЕРНОВИК — решение не принято и не подписано',
  copy: 'КОПИЯ — НЕ ПОДПИСАНО',
  caseRef: 'Номер дела',
  resource: 'Ресурс',
  urlAsCaptured: 'URL при фиксации',
  urlUnicode: 'URL (Unicode)',
  urlPunycode: 'URL (punycode)',
  categories: 'Категории',
  captureTime: 'Время фиксации',
  outcome: 'Результат',
  reviewer: 'Проверяющий',
  decision: 'Решение',
  generatedAt: 'Сформировано',
  captures: 'Фиксации',
  capture: 'Фиксация',
  finalUrl: 'Конечный URL',
  startedAt: 'Начало',
  finishedAt: 'Окончание',
  httpStatus: 'Статус HTTP',
  protocol: 'Протокол',
  remoteAddress: 'Удалённый адрес',
  operator: 'Оператор',
  workstation: 'Рабочая станция',
  os: 'Операционная система',
  application: 'Приложение',
  browser: 'Браузер',
  userAgent: 'User-Agent',
  viewport: 'Окно просмотра',
  locale: 'Локаль',
  timeZone: 'Часовой пояс',
  proxy: 'Прокси',
  none: 'нет',
  manifestSha256: 'SHA-256 манифеста',
  signatureKey: 'Ключ подписи',
  timestamp: 'Метка времени',
  tsa: 'Служба меток времени',
  genTime: 'Время метки',
  tsaName: 'Служба меток времени (имя в метке)',
  tsaSerial: 'Серийный номер метки времени',
  redirects: 'Цепочка перенаправлений',
  status: 'Статус',
  location: 'Location',
  via: 'Способ',
  pageTitle: 'Заголовок страницы',
  tls: 'Соединение TLS',
  cipher: 'Шифр',
  certSubject: 'Субъект сертификата',
  issuer: 'Издатель',
  validFrom: 'Действителен с',
  validTo: 'Действителен до',
  san: 'Альтернативные имена',
  fingerprint: 'Отпечаток SHA-256',
  headers: 'Заголовки ответа',
  name: 'Имя',
  value: 'Значение',
  warnings: 'Предупреждения',
  withheld: 'Изъятые медиафайлы (не сохранены)',
  withheldNotice:
    'Ограниченный захват (подозрение на CSAM): для этих медиафайлов вычислены хеши, а их содержимое отброшено; их нет ни в одном файле этого пакета или захвата.',
  reason: 'Причина',
  artifacts: 'Таблица хешей файлов',
  kind: 'Тип',
  bytes: 'Байт',
  screenshots: 'Снимки экрана',
  part: (k, n) => `часть ${k} из ${n}`,
  captionedCopy: (o) =>
    `производная копия: полоса подписи (итоговый URL, время снимка UTC, id снимка) над неизменёнными пикселями ${o}; оригинал приложен`,
  custody: 'Выписка из журнала цепочки хранения',
  indicators: 'Индикаторы, найденные в снимках',
  indicatorWhere: 'Где найден',
  noIndicators: 'В этих снимках индикаторы не найдены.',
  seq: '№',
  at: 'Время',
  actor: 'Участник',
  action: 'Действие',
  hash: 'Хеш',
  decisionSection: 'Решение и правовое основание',
  decisionId: 'Идентификатор решения',
  capturesRelied: 'Использованные фиксации',
  measure: 'Мера',
  targets: 'Объекты',
  territorialScope: 'Территория действия',
  startDate: 'Дата начала',
  endDate: 'Дата окончания',
  openEnded: 'бессрочно',
  legalBasis: 'Правовое основание',
  instrument: 'Акт',
  article: 'Статья',
  referenceUrl: 'Ссылка',
  citedText: 'Цитируемый текст',
  category: 'Категория',
  keywords: 'Ключевые слова',
  facts: 'Факты',
  explanation: 'Обоснование',
  sourceType: 'Тип источника',
  automatedDetection: 'Автоматическое обнаружение',
  yes: 'да',
  no: 'нет',
  signedAt: 'Подписано',
  decisionSignature: 'Подпись записи решения',
  signatureBlock: 'Подпись',
  signatureBlockText:
    'Документ подписан встроенной подписью PAdES; её проверяет любая программа просмотра PDF с поддержкой подписей.',
  signer: 'Подписант',
  certificate: 'Сертификат подписанта',
  unsigned: 'Документ не подписан.',
  page: (x, n) => `Страница ${x} из ${n}`,
  attachmentsNote:
    'Юридически значимый текст решения и манифесты фиксаций вложены в этот PDF в виде файлов JSON.',
  outcomes: { complete: 'полная', partial: 'частичная', failed: 'неудачная' },
  decisions: { approve: 'одобрено', reject: 'отклонено', needs_recapture: 'требуется повторная фиксация' },
  measures: {
    block_url: 'блокировка URL',
    block_domain: 'блокировка домена',
    block_account: 'блокировка аккаунта',
    remove_content: 'удаление контента',
  },
  sourceTypes: {
    volunteer: 'волонтёр',
    citizen: 'гражданин',
    trusted_flagger: 'доверенный заявитель',
    platform: 'платформа',
    own_initiative: 'собственная инициатива',
  },
  timestampStatuses: { granted: 'получена', pending: 'ожидается', none: 'нет' },
};

export const PACKET_LABELS: Readonly<Record<Language, PacketLabels>> = { en, ar, ru };

export const packetLabels = (language: Language): PacketLabels => PACKET_LABELS[language];
