import { homedir } from 'node:os';
import { join } from 'node:path';

export type DataPaths = Readonly<{
  root: string;
  db: string;
  blobs: string;
  keys: string;
  exports: string;
  logs: string;
  backups: string;
  tmp: string;
  /** The CA private key, sealed (under the CA passphrase, or in the interim the host key): custody/ca-key.ts. */
  caKey: string;
  /** Where data dirs made before keys were sealed kept the CA key in the clear (migrated on first use). */
  caKeyClear: string;
  caCert: string;
  /** The CA's certificate revocation list (RFC 5280 §5), DER and PEM. */
  caCrlDer: string;
  caCrlPem: string;
  workstationKey: string;
  workstationPub: string;
  workstationCert: string;
  auditHead: string;
  /** Every signed head the log ever had, one JSON line each, appended (custody/audit-head.ts). */
  auditHeadHistory: string;
  /** Written when the data dir is initialised: from then on a missing database, head or key is damage. */
  marker: string;
}>;

export function dataPaths(root: string): DataPaths {
  const keys = join(root, 'keys');
  const logs = join(root, 'logs');
  return {
    root,
    db: join(root, 'vigil.db'),
    blobs: join(root, 'blobs'),
    keys,
    exports: join(root, 'exports'),
    logs,
    backups: join(root, 'backups'),
    tmp: join(root, 'tmp'),
    caKey: join(keys, 'ca.key.enc.json'),
    caKeyClear: join(keys, 'ca.key.pem'),
    caCert: join(keys, 'ca.crt.pem'),
    caCrlDer: join(keys, 'ca.crl'),
    caCrlPem: join(keys, 'ca.crl.pem'),
    workstationKey: join(keys, 'workstation.key.pem'),
    workstationPub: join(keys, 'workstation.pub.pem'),
    workstationCert: join(keys, 'workstation.crt.pem'),
    auditHead: join(logs, 'audit-head.json'),
    auditHeadHistory: join(logs, 'audit-heads.jsonl'),
    marker: join(root, 'vigil-data.json'),
  };
}

/**
 * The data dir: `--data`, then VIGIL_DATA, then the folder Electron uses for `userData` with this
 * product name, so the desktop app and the CLI find the same evidence by default.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env.VIGIL_DATA;
  if (fromEnv) return fromEnv;
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Vigil');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Vigil');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Vigil');
  }
}
