import { unitStats } from '../stats/stats-service';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The unit's statistics: aggregated by the database, read-only, nothing recorded. */
export function createStatsHandlers(deps: Pick<HandlerDeps, 'ws'>): HandlersOf<'stats'> {
  const { ws } = deps;
  return {
    'stats.report': (input) => unitStats(ws.db, input.from, input.to),
  };
}
