import { describe, expect, it } from 'vitest';
import {
  REFERRAL_ACTIONS,
  REFERRAL_STATES,
  allowedReferralActions,
  nextAppealState,
  nextReferralState,
} from '@shared/domain/referral';
import { deadlineSeconds, fillTemplate, TEMPLATE_FIELDS } from '@shared/domain/notice-template';
import { insideSendingWindow, parseSettingValue } from '@shared/domain/setting-keys';
import { ROLES } from '@shared/domain/users';

describe('referral transitions', () => {
  it('walks draft → sent → acknowledged → removed → reappeared → sent', () => {
    expect(nextReferralState('draft', 'send', 'investigator')).toBe('sent');
    expect(nextReferralState('sent', 'acknowledge', 'investigator')).toBe('acknowledged');
    expect(nextReferralState('acknowledged', 'record_removed', 'admin')).toBe('removed');
    expect(nextReferralState('removed', 'record_reappeared', 'investigator')).toBe('reappeared');
    expect(nextReferralState('reappeared', 'send', 'investigator')).toBe('sent');
  });

  it('refuses answers before a notice went out, and reviewers do not run referrals', () => {
    expect(allowedReferralActions('draft', 'investigator')).toEqual(['send']);
    expect(nextReferralState('draft', 'record_removed', 'investigator')).toBeNull();
    expect(nextReferralState('draft', 'send', 'reviewer')).toBeNull();
    expect(nextReferralState('removed', 'acknowledge', 'investigator')).toBeNull();
  });

  it('a lifted referral is final', () => {
    for (const role of ROLES) expect(allowedReferralActions('lifted', role)).toEqual([]);
    expect(nextReferralState('draft', 'lift', 'reviewer')).toBeNull();
  });

  it('every state has an answer for every action and role', () => {
    for (const s of REFERRAL_STATES)
      for (const a of REFERRAL_ACTIONS)
        for (const role of ROLES) {
          const next = nextReferralState(s, a, role);
          expect(next === null || REFERRAL_STATES.includes(next)).toBe(true);
        }
  });

  it('an appeal is decided once, by a reviewer', () => {
    expect(nextAppealState('open', 'lift', 'reviewer')).toBe('lifted');
    expect(nextAppealState('open', 'uphold', 'reviewer')).toBe('upheld');
    expect(nextAppealState('open', 'lift', 'admin')).toBeNull();
    expect(nextAppealState('upheld', 'lift', 'reviewer')).toBeNull();
  });
});

describe('notice templates and sending settings', () => {
  it('reads deadlines and fills placeholders, leaving unknown ones visible', () => {
    expect(deadlineSeconds('PT24H')).toBe(86_400);
    expect(deadlineSeconds('P7D')).toBe(7 * 86_400);
    expect(deadlineSeconds('PT1H30M')).toBe(5400);
    const values = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, `<${f}>`])) as Record<
      (typeof TEMPLATE_FIELDS)[number],
      string
    >;
    expect(fillTemplate('{{url}} {{referralId}} {{nope}}', values)).toBe('<url> <referralId> {{nope}}');
  });

  it('parses setting values and refuses bad ones with one line', () => {
    expect(parseSettingValue('smtp.port', '2525')).toEqual({ ok: true, value: 2525 });
    expect(parseSettingValue('smtp.port', 'x')).toMatchObject({ ok: false });
    expect(parseSettingValue('sending.hours', '18:00-08:00')).toMatchObject({ ok: false });
    expect(parseSettingValue('sending.blockedDays', 'fri,sat')).toEqual({ ok: true, value: ['fri', 'sat'] });
    expect(parseSettingValue('sending.blockedDays', 'friday')).toMatchObject({ ok: false });
    expect(parseSettingValue('recheck.consecutiveRemoved', '2')).toEqual({ ok: true, value: 2 });
  });

  it("keeps notices inside the sending hours, in the unit's time, and off blocked days", () => {
    const w = { hours: '08:00-18:00', blockedDays: ['sun'], utcOffsetMinutes: 300 };
    // Tuesday 02:59 UTC is 07:59 at UTC+5: too early; 03:00 UTC is 08:00: fine.
    expect(insideSendingWindow(new Date('2026-12-01T02:59:00Z'), w)).toBe(false);
    expect(insideSendingWindow(new Date('2026-12-01T03:00:00Z'), w)).toBe(true);
    expect(insideSendingWindow(new Date('2026-12-01T13:00:00Z'), w)).toBe(false);
    // Sunday 10:00 local.
    expect(insideSendingWindow(new Date('2026-12-06T05:00:00Z'), w)).toBe(false);
  });
});
