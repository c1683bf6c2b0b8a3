import type { Language } from '@shared/domain/resources';

export type ReadmeFacts = Readonly<{
  exportedAt: string;
  caseRef: string | null;
  resources: number;
  captures: number;
  decisions: number;
  packets: boolean;
  /** Custody rows kept by a workstation before it was migrated into the exporting team server. */
  migrated: boolean;
  timestamped: boolean;
  tsaFiles: boolean;
  workstationKeyId: string;
  app: string;
  /** keys/ca.pem: its subject and SHA-256 fingerprint (of the DER), to compare out of band. */
  ca: Readonly<{ subject: string; sha256: string }>;
  /** tsa/ca.pem's SHA-256 fingerprint, when the bundle carries the TSA root. */
  tsaRootSha256: string | null;
}>;

const spaced = (hex: string): string => hex.match(/.{1,16}/g)?.join(' ') ?? hex;

const ANCHORS = (f: ReadmeFacts): string[] => [
  'WHO ISSUED IT: CHECK THE CERTIFICATE AUTHORITY OUT OF BAND',
  'Every certificate in keys/ is carried by the bundle itself, so on their own they only show that the',
  'bundle is consistent: whoever controls the exporting workstation could have made all of them. What',
  "anchors it is the issuing unit's certificate authority (CA), keys/ca.pem, whose SHA-256 fingerprint is",
  `  ${spaced(f.ca.sha256)}`,
  `  (${f.ca.subject})`,
  'Obtain that fingerprint from the issuing unit by another channel (a phone call to a known number, a',
  'signed letter, their published key list) and compare it with the one computed here:',
  '  openssl x509 -in keys/ca.pem -noout -fingerprint -sha256',
  'Keep your own copy of their CA certificate and verify against it, not against the copy in here:',
  '  vigil verify <this bundle> --trust-ca THEIR-CA.pem' + (f.timestamped ? ' --tsa-ca TSA-ROOT.pem' : ''),
  ...(f.timestamped
    ? [
        "and the same for the time-stamp authority's root (tsa/ca.pem" +
          (f.tsaRootSha256 === null
            ? ', which this bundle does not carry)'
            : `, SHA-256 ${spaced(f.tsaRootSha256)})`),
        '  openssl ts -verify -in SHA256SUMS.tsr -data SHA256SUMS -CAfile TSA-ROOT.pem -untrusted tsa/tsa.pem',
      ]
    : []),
  "keys/ca.crl.pem, when present, is the CA's list of revoked certificates; a decision signed after its",
  "reviewer's certificate was revoked fails vigil verify. List it: openssl crl -in keys/ca.crl.pem -noout -text",
  '',
];

const COMMANDS = (f: ReadmeFacts): string[] => [
  '  sha256sum -c SHA256SUMS',
  '  openssl dgst -sha256 -verify keys/workstation.pub.pem -signature SHA256SUMS.sig SHA256SUMS',
  ...(f.timestamped
    ? ['  openssl ts -verify -in SHA256SUMS.tsr -data SHA256SUMS -CAfile tsa/ca.pem -untrusted tsa/tsa.pem']
    : []),
  ...(f.packets ? ['  pdfsig packets/*.pdf'] : []),
  '  vigil verify <this bundle>',
];

function english(f: ReadmeFacts): string {
  return [
    'COURT BUNDLE - digital evidence exported by Vigil',
    '',
    `Exported: ${f.exportedAt} (UTC; the file times inside the ZIP are this time, in UTC)`,
    `Case: ${f.caseRef ?? '(none)'}`,
    `Contents: ${f.resources} web resource(s), ${f.captures} capture(s), ${f.decisions} decision(s)`,
    `Made by: ${f.app}; workstation key id (SHA-256 of its public key): ${f.workstationKeyId}`,
    '',
    'WHAT IS IN HERE',
    '  manifest.json        what this bundle holds: case, resources, captures, decisions, every file with',
    '                       its SHA-256 and size, the tool version and the export time',
    '  SHA256SUMS           the SHA-256 of every file except itself, SHA256SUMS.sig and SHA256SUMS.tsr',
    "  SHA256SUMS.sig       the workstation's ECDSA P-256 signature of SHA256SUMS (DER)",
    ...(f.timestamped
      ? ['  SHA256SUMS.tsr       an RFC 3161 time-stamp of SHA256SUMS from an independent authority']
      : []),
    '  keys/                public keys and certificates: the workstation, the certificate authority',
    '                       (keys/ca.pem), and every reviewer or operator whose signature is included',
    ...(f.tsaFiles
      ? ["  tsa/                 the time-stamp authority's certificates, taken from its tokens"]
      : []),
    '  captures/<id>/       every file of each capture under its original name, the capture manifest',
    '                       (manifest.json), its signature (manifest.json.sig) and time-stamp (manifest.tsr)',
    '  custody.jsonl        the custody log rows about these items, one JSON object per line',
    ...(f.migrated
      ? [
          '  custody/migrated-<key>.jsonl  the rows a workstation kept of these items before it was moved',
          '                       into this team server; <key>.head.json is its signed head',
        ]
      : []),
    ...(f.decisions > 0
      ? ['  decisions/<id>.json  signed decision records; dsa/<id>.json the same in EU DSA form']
      : []),
    ...(f.packets ? ['  packets/<id>.pdf     review packets, signed PDF documents'] : []),
    '',
    'HOW TO CHECK IT WITH STANDARD TOOLS (in the unpacked folder)',
    ...COMMANDS(f),
    '',
    'The first command must print OK for every file; the second must print "Verified OK"',
    ...(f.timestamped ? ['and the third "Verification: OK".'] : ['.']),
    'A file that was changed, removed or added after export makes one of these checks fail.',
    'Compare the fingerprint of keys/ca.pem and tsa/ca.pem with the ones published by their owners',
    '(see the next section).',
    '',
    ...ANCHORS(f),
    'Each capture can be checked alone: in captures/<id>/ run',
    '  openssl dgst -sha256 -verify ../../keys/workstation.pub.pem -signature manifest.json.sig manifest.json',
    'and compare the SHA-256 of each file with the list in manifest.json.',
    '',
    'Custody rows: each row in custody.jsonl carries its own hash. It recomputes as',
    '  hash = sha256(prevHash + canonicalJSON(row without "hash"))',
    "where canonical JSON sorts object keys and has no spaces. The rows are the part of the workstation's",
    'log that concerns this bundle, so they need not be consecutive: each row can be checked on its own,',
    "and consecutive rows (seq n and n+1) must also link (the second row's prevHash is the first row's hash).",
    ...(f.migrated
      ? [
          'The rows in custody/migrated-<key>.jsonl are checked the same way. Each lies at or before the',
          "workstation's signed head (custody/migrated-<key>.head.json: an ECDSA signature over the canonical JSON",
          'of its seq, hash and at, by keys/workstations/<key>.pub.pem), and the workspace.migrated row in',
          'custody.jsonl names that head: the server took in exactly that log.',
        ]
      : []),
    '',
  ].join('\n');
}

function arabic(f: ReadmeFacts): string {
  return [
    'حزمة المحكمة - أدلة رقمية صدّرها برنامج Vigil',
    '',
    `وقت التصدير: ${f.exportedAt} (بالتوقيت العالمي المنسق)`,
    `القضية: ${f.caseRef ?? '-'}`,
    '',
    'للتحقق بالأدوات القياسية (داخل المجلد بعد فك الضغط):',
    ...COMMANDS(f),
    '',
    'يجب أن يطبع الأمر الأول OK لكل ملف، والثاني "Verified OK"، وأمر الختم الزمني "Verification: OK".',
    'أي ملف عُدّل أو حُذف أو أُضيف بعد التصدير يُفشل أحد هذه الفحوص.',
    'قارن بصمة keys/ca.pem و tsa/ca.pem بالبصمات التي ينشرها أصحابها.',
    `بصمة SHA-256 لـ keys/ca.pem: ${f.ca.sha256}`,
    'احصل عليها من الجهة المُصدِرة بقناة أخرى وقارنها: openssl x509 -in keys/ca.pem -noout -fingerprint -sha256',
    'كل صف في custody.jsonl يحمل بصمته: hash = sha256(prevHash + canonicalJSON(الصف دون hash))،',
    'ويمكن التحقق من كل صف بمفرده.',
    ...(f.migrated
      ? ['وتُفحص صفوف custody/migrated-*.jsonl (سجل محطة العمل قبل نقلها إلى الخادم) بالطريقة نفسها.']
      : []),
    '',
  ].join('\n');
}

function russian(f: ReadmeFacts): string {
  return [
    'СУДЕБНЫЙ ПАКЕТ - цифровые доказательства, экспортированные Vigil',
    '',
    `Время экспорта: ${f.exportedAt} (UTC)`,
    `Дело: ${f.caseRef ?? '-'}`,
    '',
    'Проверка стандартными средствами (в распакованной папке):',
    ...COMMANDS(f),
    '',
    'Первая команда должна вывести OK для каждого файла, вторая - "Verified OK", проверка метки',
    'времени - "Verification: OK". Любой файл, изменённый, удалённый или добавленный после экспорта,',
    'приводит к ошибке одной из проверок. Сверьте отпечатки keys/ca.pem и tsa/ca.pem с опубликованными.',
    `Отпечаток SHA-256 keys/ca.pem: ${f.ca.sha256}`,
    'Получите его у выпустившего подразделения по другому каналу и сравните:',
    '  openssl x509 -in keys/ca.pem -noout -fingerprint -sha256',
    'Каждая строка custody.jsonl содержит свой хеш: hash = sha256(prevHash + canonicalJSON(строка без hash));',
    'каждую строку можно проверить отдельно.',
    ...(f.migrated
      ? ['Строки custody/migrated-*.jsonl (журнал рабочей станции до переноса на сервер) проверяются так же.']
      : []),
    '',
  ].join('\n');
}

/** Plain-language instructions; English always, plus the case language when it is Arabic or Russian. */
export function readmeText(f: ReadmeFacts, language: Language): string {
  const parts = [english(f)];
  if (language === 'ar') parts.push(arabic(f));
  if (language === 'ru') parts.push(russian(f));
  return parts.join(`\n${'='.repeat(72)}\n\n`);
}
