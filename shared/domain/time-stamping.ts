/**
 * Whether anything Vigil seals is time-stamped by an independent authority (RFC 3161). Without one,
 * every time in a capture, packet or bundle rests on the workstation's own clock, and the UI, the
 * packet and the CLI say so ("not time-stamped by an independent authority").
 */
export type TsaStatus = 'authority' | 'none' | 'unset';

export type TsaSettings = Readonly<{ tsaUrl: string | null; tsaChoice: TsaStatus }>;

/** An older data dir with a TSA URL and no recorded choice counts as configured. */
export function tsaStatusOf(s: TsaSettings): TsaStatus {
  if (s.tsaChoice === 'none') return 'none';
  return s.tsaUrl !== null ? 'authority' : 'unset';
}
