import type { Language } from '@shared/domain/resources';

export type ReadmeFacts = Readonly<{
  exportedAt: string;
  caseRef: string | null;
  resources: number;
  captures: number;
  decisions: number;
  packets: boolean;
  timestamped: boolean;
  tsaFiles: boolean;
  workstationKeyId: string;
  app: string;
}>;

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
    'Compare the fingerprint of keys/ca.pem and tsa/ca.pem with the ones published by their owners.',
    '',
    'Each capture can be checked alone: in captures/<id>/ run',
    '  openssl dgst -sha256 -verify ../../keys/workstation.pub.pem -signature manifest.json.sig manifest.json',
    'and compare the SHA-256 of each file with the list in manifest.json.',
    '',
    'Custody rows: each row in custody.jsonl carries its own hash. It recomputes as',
    '  hash = sha256(prevHash + canonicalJSON(row without "hash"))',
    "where canonical JSON sorts object keys and has no spaces. The rows are the part of the workstation's",
    'log that concerns this bundle, so they need not be consecutive: each row can be checked on its own,',
    "and consecutive rows (seq n and n+1) must also link (the second row's prevHash is the first row's hash).",
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
    'كل صف في custody.jsonl يحمل بصمته: hash = sha256(prevHash + canonicalJSON(الصف دون hash))،',
    'ويمكن التحقق من كل صف بمفرده.',
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
    'Каждая строка custody.jsonl содержит свой хеш: hash = sha256(prevHash + canonicalJSON(строка без hash));',
    'каждую строку можно проверить отдельно.',
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
