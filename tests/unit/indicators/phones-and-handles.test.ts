import { describe, expect, test } from 'vitest';
import { extractIndicators, type CountryCode, type ExtractionLink } from '@core/indicators/extract';

function found(
  text: string,
  region: CountryCode | null,
  links: ExtractionLink[] = [],
  url = 'https://shop.example/',
) {
  return extractIndicators({ text, url, links }, { defaultRegion: region });
}
const phones = (text: string, region: CountryCode | null) =>
  found(text, region)
    .filter((f) => f.type === 'phone')
    .map((f) => [f.value, f.raw]);

describe('phone numbers → E.164', () => {
  test('ru and kk formats (+7, 8 trunk prefix, brackets, dashes)', () => {
    expect(phones('Звоните +7 (916) 123-45-67 или 8 (495) 123-45-67, WhatsApp +79161234567', 'RU')).toEqual([
      ['+79161234567', '+7 (916) 123-45-67'],
      ['+74951234567', '8 (495) 123-45-67'],
      ['+79161234567', '+79161234567'],
    ]);
    expect(phones('Алматы: 8 701 234 5678, Астана +7 (717) 255-12-34', 'KZ')).toEqual([
      ['+77012345678', '8 701 234 5678'],
      ['+77172551234', '+7 (717) 255-12-34'],
    ]);
  });
  test('ar formats: +971 / +966 / +20, Arabic-Indic and Persian digits, 00 prefix', () => {
    expect(phones('للطلب ٠٥٠١٢٣٤٥٦٧ أو +971 50 123 4567', 'AE')).toEqual([
      ['+971501234567', '٠٥٠١٢٣٤٥٦٧'],
      ['+971501234567', '+971 50 123 4567'],
    ]);
    expect(phones('جوال ۰۵۵۱۲۳۴۵۶۷ و 00966 55 123 4567', 'SA')).toEqual([
      ['+966551234567', '۰۵۵۱۲۳۴۵۶۷'],
      ['+966551234567', '00966 55 123 4567'],
    ]);
    expect(phones('مصر: ٠١٠٠١٢٣٤٥٦٧ / +20 100 123 4567', 'EG')).toEqual([
      ['+201001234567', '٠١٠٠١٢٣٤٥٦٧'],
      ['+201001234567', '+20 100 123 4567'],
    ]);
  });
  test('en formats: +44 / UK national, +1 / NANP', () => {
    expect(phones('Call 020 7946 0958 or +44 7911 123456', 'GB')).toEqual([
      ['+442079460958', '020 7946 0958'],
      ['+447911123456', '+44 7911 123456'],
    ]);
    expect(phones('Text (415) 555-2671 or +1 212-555-0123', 'US')).toEqual([
      ['+14155552671', '(415) 555-2671'],
      ['+12125550123', '+1 212-555-0123'],
    ]);
  });
  test('a national number needs the default region', () => {
    expect(phones('8 (495) 123-45-67', null)).toEqual([]);
    expect(phones('+7 (495) 123-45-67', null)).toEqual([['+74951234567', '+7 (495) 123-45-67']]);
  });
  test('no false positives: dates, prices, order numbers, wallet digits, invalid numbers', () => {
    const text = [
      'Дата 12.05.2024, 2024-11-30, ٢٠٢٤/١١/٣٠, 10:30-18:00',
      'Цена 1 299 000 руб, $1 299 000, 89 990 ₽, 4500000 AED',
      'Order #89161234567, заказ № 84951234567, ref 1234567',
      'wallet 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 0x52908400098527886E0F7030069857D2E4169EE7 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
      'pi 3.14159265, +7 000 000 00 00, 8 000 000 0000',
    ].join('\n');
    expect(phones(text, 'RU')).toEqual([]);
    // Dates that German numbering would accept as valid national numbers are still dates.
    expect(phones('Lieferung am 08.05.2024 oder 09.10.2025, Stand 05/06/2024', 'DE')).toEqual([]);
  });
  test('tel: links, with the offset of the number in the href', () => {
    const f = found('', 'RU', [{ href: 'tel:8-916-123-45-67', text: 'call' }]).filter(
      (x) => x.type === 'phone',
    );
    expect(f).toEqual([
      {
        type: 'phone',
        value: '+79161234567',
        raw: '8-916-123-45-67',
        source: 'link',
        index: 0,
        offset: 4,
        length: 15,
      },
    ]);
  });
});

describe('messengers, e-mails and linked domains', () => {
  test('Telegram links, tg://, @handles (rules), invites; normalised lower-case without @', () => {
    const text =
      'Пишите @Best_Shop24 или t.me/BestShop24, https://telegram.me/s/news_channel, tg://resolve?domain=Other_Shop, ' +
      'invite https://t.me/+AbCdEfGh12345, t.me/joinchat/AAAAAEk_x9Yabc; not handles: @abc, @_under, @bad__name, ' +
      '@trailing_, mail@example.com, t.me/share/url';
    const tg = found(text, null).filter((f) => f.type === 'telegram');
    expect(tg.map((f) => f.value)).toEqual([
      'best_shop24',
      'bestshop24',
      'news_channel',
      'other_shop',
      '+AbCdEfGh12345',
      'joinchat/AAAAAEk_x9Yabc',
    ]);
    for (const f of tg) expect(text.slice(f.offset, f.offset + f.length)).toBe(f.raw);
  });
  test('WhatsApp (wa.me is also a phone), Signal, Threema, Session, Discord', () => {
    const session = '05' + 'a1'.repeat(32);
    const text = [
      'https://wa.me/79161234567 chat.whatsapp.com/ABCdef123456GHIjkl',
      'signal.me/#p/+447911123456 https://signal.group/#CjQKIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `threema.id/ABCD1234 Session ${session.toUpperCase()}`,
      'discord.gg/Abc123 https://discord.com/invite/xyz-987',
    ].join('\n');
    const f = found(text, null).map((x) => [x.type, x.value]);
    expect(f).toEqual([
      ['whatsapp', '+79161234567'],
      ['phone', '+79161234567'],
      ['whatsapp', 'chat/ABCdef123456GHIjkl'],
      ['signal', 'p/+447911123456'],
      ['signal', 'group/CjQKIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['threema', 'ABCD1234'],
      ['session', session],
      ['discord', 'Abc123'],
      ['discord', 'xyz-987'],
    ]);
  });
  test('e-mails: domain lower-case, local part as written; mailto: links', () => {
    const f = found('Пишите Sales.Team@Example-Shop.COM.', null, [
      { href: 'mailto:Info@SHOP.example?subject=x', text: '' },
    ]);
    expect(f.filter((x) => x.type === 'email').map((x) => [x.source, x.value, x.raw])).toEqual([
      ['text', 'Sales.Team@example-shop.com', 'Sales.Team@Example-Shop.COM'],
      ['link', 'Info@shop.example', 'Info@SHOP.example?subject=x'],
    ]);
  });
  test('linked domains: registrable host of other sites, IDN as punycode, never the page own host', () => {
    const links: ExtractionLink[] = [
      { href: 'https://www.shop.example/cart', text: '' }, // own site
      { href: '/relative/path', text: '' }, // own site
      { href: 'https://pay.partner.co.uk/x', text: '' },
      { href: 'https://магазин.рф/каталог', text: '' },
      { href: 'https://t.me/bestshop24', text: '' }, // a messenger, not a domain
      { href: 'javascript:void(0)', text: '' },
    ];
    const f = found('', null, links, 'https://shop.example/item').filter((x) => x.type === 'domain');
    expect(f.map((x) => [x.index, x.value, x.raw])).toEqual([
      [2, 'partner.co.uk', 'pay.partner.co.uk'],
      [3, 'xn--80aairftm.xn--p1ai', 'магазин.рф'],
    ]);
  });
  test('the page URL is scanned for messenger links; data-* values for every text family', () => {
    const f = extractIndicators(
      {
        text: '',
        url: 'https://t.me/s/supplement_store',
        links: [],
        dataAttributes: ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
      },
      { defaultRegion: null },
    );
    expect(f.map((x) => [x.source, x.type, x.value])).toEqual([
      ['url', 'telegram', 'supplement_store'],
      ['data', 'trx', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    ]);
  });
});
