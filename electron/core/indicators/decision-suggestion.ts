import type { DecisionSuggestion, ResourceIndicators } from '@shared/contract/methods/indicators';
import type { DsaCategory, DsaKeyword } from '@shared/domain/decision';
import type { IndicatorType, LexiconCategory } from '@shared/domain/indicators';
import { LexiconCategory as LexiconCategorySchema } from '@shared/domain/indicators';
import type { Language } from '@shared/domain/resources';

/**
 * A draft of the decision's facts and keywords from a resource's coded-term hits and indicators
 * ("the page offers drugs using the coded terms Y, Z; payment to wallet W"). It is only a suggestion:
 * the reviewer sees it in the editable form, changes or deletes it, and signs; nothing here decides.
 * The text is written in the decision's language and names every term and value exactly as stored,
 * so the reviewer can check each one against the capture. Pure: same input, same text.
 */

/** What each lexicon category suggests for the DSA statement; smuggling has no DSA keyword of its own. */
const CATEGORY_RULES: Readonly<Record<LexiconCategory, { keyword: DsaKeyword; category: DsaCategory }>> = {
  drugs: {
    keyword: 'KEYWORD_PROHIBITED_PRODUCTS',
    category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  },
  weapons: {
    keyword: 'KEYWORD_PROHIBITED_PRODUCTS',
    category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
  },
  smuggling: {
    keyword: 'KEYWORD_HUMAN_TRAFFICKING',
    category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  },
  trafficking: {
    keyword: 'KEYWORD_HUMAN_TRAFFICKING',
    category: 'STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY',
  },
  minors: {
    keyword: 'KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS',
    category: 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS',
  },
  fraud: { keyword: 'KEYWORD_OTHER', category: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD' },
  payment: { keyword: 'KEYWORD_OTHER', category: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD' },
};

type Group = 'wallet' | 'contact' | 'domain';
const GROUP_OF: Readonly<Record<IndicatorType, Group>> = {
  btc: 'wallet',
  eth: 'wallet',
  trx: 'wallet',
  xmr: 'wallet',
  phone: 'contact',
  telegram: 'contact',
  whatsapp: 'contact',
  signal: 'contact',
  threema: 'contact',
  session: 'contact',
  discord: 'contact',
  email: 'contact',
  domain: 'domain',
};

/** Values named per group at most; the rest are counted ("and 4 more"). */
const NAMED_MAX = 5;

type Phrases = Readonly<{
  offers: (what: string, terms: string) => string;
  category: Readonly<Record<LexiconCategory, string>>;
  wallets: (list: string) => string;
  contacts: (list: string) => string;
  domains: (list: string) => string;
  shared: (indicator: string, resources: number, blocked: number) => string;
  more: (n: number) => string;
  listSep: string;
  quote: (s: string) => string;
  sentenceEnd: string;
}>;

const PHRASES: Readonly<Record<Language, Phrases>> = {
  en: {
    offers: (what, terms) => `The page offers ${what} using the coded terms ${terms}`,
    category: {
      drugs: 'drugs',
      smuggling: 'human smuggling',
      minors: 'contact with minors',
      weapons: 'weapons',
      fraud: 'fraudulent services',
      trafficking: 'trafficked persons',
      payment: 'anonymous payment',
    },
    wallets: (l) => `Payment is requested to the wallet(s) ${l}`,
    contacts: (l) => `Contact is offered via ${l}`,
    domains: (l) => `The page links to ${l}`,
    shared: (i, r, b) => `${i} also appears on ${r} other resource(s), ${b} of them already blocked`,
    more: (n) => `and ${n} more`,
    listSep: ', ',
    quote: (s) => `"${s}"`,
    sentenceEnd: '.',
  },
  ru: {
    offers: (what, terms) => `Страница предлагает ${what}, используя кодовые слова ${terms}`,
    category: {
      drugs: 'наркотики',
      smuggling: 'незаконную переправку людей через границу',
      minors: 'контакт с несовершеннолетними',
      weapons: 'оружие',
      fraud: 'мошеннические услуги',
      trafficking: 'торговлю людьми',
      payment: 'анонимную оплату',
    },
    wallets: (l) => `Оплата запрашивается на кошелёк (кошельки) ${l}`,
    contacts: (l) => `Для связи указаны ${l}`,
    domains: (l) => `Страница ссылается на ${l}`,
    shared: (i, r, b) => `${i} встречается ещё на других ресурсах (${r}), из них уже заблокированы: ${b}`,
    more: (n) => `и ещё ${n}`,
    listSep: ', ',
    quote: (s) => `«${s}»`,
    sentenceEnd: '.',
  },
  ar: {
    offers: (what, terms) => `تعرض الصفحة ${what} باستخدام الكلمات المشفرة ${terms}`,
    category: {
      drugs: 'مخدرات',
      smuggling: 'تهريب البشر',
      minors: 'التواصل مع القاصرين',
      weapons: 'أسلحة',
      fraud: 'خدمات احتيالية',
      trafficking: 'الاتجار بالبشر',
      payment: 'الدفع المجهول',
    },
    wallets: (l) => `يُطلب الدفع إلى المحفظة (المحافظ) ${l}`,
    contacts: (l) => `وسائل التواصل المعروضة: ${l}`,
    domains: (l) => `تربط الصفحة إلى ${l}`,
    shared: (i, r, b) => `يظهر ${i} أيضًا في موارد أخرى (${r})، المحجوب منها بالفعل: ${b}`,
    more: (n) => `و${n} أخرى`,
    listSep: '، ',
    quote: (s) => `«${s}»`,
    sentenceEnd: '.',
  },
};

/** A value as the reader should see it: the type in front (a wallet's chain, a handle's messenger). */
function labelled(type: IndicatorType, value: string): string {
  if (type === 'telegram' && !value.startsWith('+') && !value.startsWith('joinchat/'))
    return `Telegram @${value}`;
  if (type === 'phone' || type === 'email' || type === 'domain') return value;
  return `${type.toUpperCase()} ${value}`;
}

function namedList(p: Phrases, items: readonly string[]): string {
  const shown = items.slice(0, NAMED_MAX);
  const rest = items.length - shown.length;
  return [...shown, ...(rest > 0 ? [p.more(rest)] : [])].join(p.listSep);
}

export function suggestDecision(found: ResourceIndicators, language: Language): DecisionSuggestion {
  const p = PHRASES[language];
  const sentences: string[] = [];
  const keywords: DsaKeyword[] = [];
  const categories: LexiconCategory[] = [];

  // Terms grouped by lexicon category, each term once, in the order the page shows them.
  const termsByCategory = new Map<LexiconCategory, string[]>();
  const termIds = new Set<string>();
  for (const h of [...found.hits].sort((a, b) => a.offset - b.offset)) {
    const category = LexiconCategorySchema.safeParse(h.category);
    if (!category.success) continue;
    const terms = termsByCategory.get(category.data) ?? [];
    if (!terms.includes(h.term)) terms.push(h.term);
    termsByCategory.set(category.data, terms);
    termIds.add(`${h.lexiconId}@${h.lexiconVersion}:${h.termId}`);
  }
  for (const [category, terms] of termsByCategory) {
    categories.push(category);
    sentences.push(p.offers(p.category[category], namedList(p, terms.map(p.quote))));
    const rule = CATEGORY_RULES[category];
    if (!keywords.includes(rule.keyword)) keywords.push(rule.keyword);
  }

  const byGroup: Record<Group, string[]> = { wallet: [], contact: [], domain: [] };
  for (const i of found.indicators) byGroup[GROUP_OF[i.type]].push(labelled(i.type, i.value));
  if (byGroup.wallet.length > 0) sentences.push(p.wallets(namedList(p, byGroup.wallet)));
  if (byGroup.contact.length > 0) sentences.push(p.contacts(namedList(p, byGroup.contact)));
  if (byGroup.domain.length > 0) sentences.push(p.domains(namedList(p, byGroup.domain)));

  // The most widely shared indicator: the one that tells the reviewer this page is part of a network.
  const top = found.indicators.reduce<ResourceIndicators['indicators'][number] | null>(
    (best, i) => (i.sharedWith > (best?.sharedWith ?? 0) ? i : best),
    null,
  );
  if (top !== null)
    sentences.push(p.shared(labelled(top.type, top.value), top.sharedWith, top.sharedBlocked));

  const first = categories[0];
  return {
    facts: sentences.map((s) => `${s}${p.sentenceEnd}`).join(' '),
    keywords,
    category: first === undefined ? null : CATEGORY_RULES[first].category,
    terms: [...termIds].sort(),
    indicators: found.indicators.length,
  };
}
