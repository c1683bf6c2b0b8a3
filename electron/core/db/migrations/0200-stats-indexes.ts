import type { Migration } from '../migrate';

/**
 * Covering indexes for the unit's statistics, which SQLite aggregates itself (`periodAggregates`):
 * each stage table is read once in `resource_id` order from an index that holds every column the
 * query needs, so no table row is visited. Indexes only: no data changes, nothing to migrate back.
 */
export const migration0200: Migration = {
  version: 200,
  name: 'stats-indexes',
  sql: `
CREATE INDEX IF NOT EXISTS resources_created_stats ON resources(created_at, id, categories);
CREATE INDEX IF NOT EXISTS reports_resource_received ON reports(resource_id, received_at);
CREATE INDEX IF NOT EXISTS captures_resource_started_outcome ON captures(resource_id, started_at, outcome);
CREATE INDEX IF NOT EXISTS decisions_resource_signed_decision ON decisions(resource_id, signed_at, decision);
CREATE INDEX IF NOT EXISTS referrals_resource_stats ON referrals(resource_id, id, recipient_id, regime_id);
CREATE INDEX IF NOT EXISTS referral_events_referral_state ON referral_events(referral_id, to_state, seq, at, reason);
`,
};
