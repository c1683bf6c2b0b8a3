import type { Workspace } from '@core/workspace';
import { verifyWacz } from './verify-wacz';
import type { WaczVerifyReport } from './verify-wacz';

/**
 * `vigil verify FILE.wacz` on a workstation with a data dir: the check itself needs nothing from
 * it, but a verification is a custody event (DESIGN §5), as for a bundle.
 */
export async function verifyWaczRecorded(
  ws: Workspace,
  path: string,
  actor: string,
): Promise<WaczVerifyReport> {
  const report = await verifyWacz(path);
  await ws.record((_tx, audit) =>
    audit({
      actor,
      action: 'wacz.verified',
      subject: `wacz-file:${path}`,
      details: {
        ok: report.ok,
        checks: report.checks.length,
        signerCertificateSha256: report.signer?.certificateSha256 ?? null,
        failed: report.checks
          .filter((c) => !c.ok)
          .map((c) => `${c.check} ${c.file ?? '-'}`)
          .slice(0, 50),
      },
    }),
  );
  return report;
}
