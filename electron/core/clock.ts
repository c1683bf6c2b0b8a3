/** Core code takes time from an injected clock so tests can pin it and records stay reproducible. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export const isoNow = (clock: Clock): string => clock().toISOString();
