import { z } from 'zod';
import { IsoDate } from '@shared/domain/ids';
import { StatsReport } from '@shared/domain/stats';
import { defineMethods } from '../define';

/**
 * The unit's statistics over a period (the Statistics screen; `vigil stats` prints the same report).
 * `from` and `to` are UTC calendar days, both included; resources count in the period they were
 * reported in. Every role may read them: they hold counts and times, no content and no names of people.
 */
export const statsMethods = defineMethods({
  'stats.report': {
    input: z.object({ from: IsoDate, to: IsoDate }).strict(),
    output: StatsReport,
    access: 'signed-in',
  },
});
