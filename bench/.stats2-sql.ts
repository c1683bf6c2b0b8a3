import { PERIOD_AGGREGATES_SQL } from '../electron/core/db/repositories/stats-repo';
console.log(PERIOD_AGGREGATES_SQL.replaceAll('?1', "'2026-01-01T00:00:00.000Z'").replaceAll('?2', "'2027-01-01T00:00:00.000Z'") + ';');
