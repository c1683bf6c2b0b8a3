/**
 * The integration files the "postgres" test project (vitest.config.ts) runs against PostgreSQL, unchanged.
 * The in-process `vigil` of tests/helpers/cli.ts reaches the same databases (postgresBackendShim in
 * aliases.config.ts). Left out, and why:
 * - files that tamper with or inspect the SQLite file itself, or fill the disk under it, among them
 *   rpc/dispatch-store-errors (garbles a page of vigil.db) and bundle/export-guards (edits a copy's vigil.db);
 * - files that start the built CLI as a process (it opens the data dir's own SQLite file):
 *   intake/import-job, referrals/referral-cli, bundle/export-kill, and every file under cli/;
 * - capture files (Chromium; they reach the database through the same services as the ones here);
 * - repository-level files: tests/integration/db/postgres/ runs them on both engines already.
 */
export const POSTGRES_SUITES: readonly string[] = [
  'tests/integration/bridge/bridge-sessions.test.ts',
  'tests/integration/bridge/http-bridge.test.ts',
  'tests/integration/bridge/packet-serving.test.ts',
  'tests/integration/bridge/sign-in-lockout.test.ts',
  'tests/integration/bundle/anchors.test.ts',
  'tests/integration/bundle/bundle-signed-packet.test.ts',
  'tests/integration/bundle/bundle-wacz.test.ts',
  'tests/integration/bundle/bundle.test.ts',
  'tests/integration/bundle/head-timestamp-bundle.test.ts',
  'tests/integration/bundle/partial-sweep.test.ts',
  'tests/integration/bundle/wire-paths.test.ts',
  'tests/integration/custody/csr.test.ts',
  'tests/integration/custody/head-timestamps.test.ts',
  'tests/integration/custody/key-match.test.ts',
  'tests/integration/custody/key-sealer.test.ts',
  'tests/integration/custody/time-keeper.test.ts',
  'tests/integration/custody/timestamp-retry.test.ts',
  'tests/integration/handlers/contract-coverage.test.ts',
  'tests/integration/indicators/indicator-network.test.ts',
  'tests/integration/indicators/indicator-triage.test.ts',
  'tests/integration/intake/import-bulk.test.ts',
  'tests/integration/intake/import-suspected-csam.test.ts',
  'tests/integration/intake/intake-hostile.test.ts',
  'tests/integration/intake/intake.test.ts',
  'tests/integration/intake/resources-list-50k.test.ts',
  'tests/integration/media/artifact-access.test.ts',
  'tests/integration/media/hash-lists.test.ts',
  'tests/integration/media/known-items.test.ts',
  'tests/integration/media/packet-preview-blur.test.ts',
  'tests/integration/media/restricted-vault.test.ts',
  'tests/integration/media/reveal-exposure.test.ts',
  'tests/integration/media/vault-capture.test.ts',
  'tests/integration/media/vault-read.test.ts',
  'tests/integration/packet/packet-of-record.test.ts',
  'tests/integration/rechecks/recheck-chain.test.ts',
  'tests/integration/referrals/referral-flow.test.ts',
  'tests/integration/referrals/referral-queue.test.ts',
  'tests/integration/review/catalogue.test.ts',
  'tests/integration/review/decision-revision.test.ts',
  'tests/integration/review/packet-render-signed.test.ts',
  'tests/integration/review/packet-timestamp.test.ts',
  'tests/integration/review/review-flow.test.ts',
  'tests/integration/search/search-and-reveal.test.ts',
  'tests/integration/settings/settings.test.ts',
  'tests/integration/stats/stats-rpc.test.ts',
  'tests/integration/team/server-bridge.test.ts',
  'tests/integration/users/cli-sessions.test.ts',
  'tests/integration/users/org-certificates.test.ts',
  'tests/integration/users/session-keys.test.ts',
  'tests/integration/users/user-revocation.test.ts',
  'tests/integration/users/users-admin.test.ts',
  'tests/integration/users/users-locked.test.ts',
];
