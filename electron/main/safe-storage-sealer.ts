import type { KeySealer } from '../core/custody/key-sealer';

/** The part of Electron's `safeStorage` the sealer uses (injected, so it is testable without Electron). */
export type SafeStorageLike = Readonly<{
  isEncryptionAvailable: () => boolean;
  encryptString: (plain: string) => Buffer;
  decryptString: (sealed: Buffer) => string;
  /** Linux only: which secret store backs it; `basic_text` is a fixed key, no better than a 0600 file. */
  getSelectedStorageBackend?: () => string;
}>;

/**
 * The workstation key sealed by the OS keystore of the logged-in user (Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux). Null when none protects it better than the 0600 host file:
 * encryption unavailable, or Linux without a keyring (`basic_text`); the app then keeps the host file.
 */
export function safeStorageSealer(
  storage: SafeStorageLike,
  platform: NodeJS.Platform,
  notify?: (message: string) => void,
): KeySealer | null {
  if (!storage.isEncryptionAvailable()) return null;
  const backend = platform === 'linux' ? (storage.getSelectedStorageBackend?.() ?? 'unknown') : platform;
  if (backend === 'basic_text' || backend === 'unknown') return null;
  return {
    kind: 'os-keystore',
    label: `electron-safeStorage/${backend}`,
    seal: (plain) => storage.encryptString(plain),
    unseal: (sealed) => storage.decryptString(sealed),
    ...(notify ? { notify } : {}),
  };
}
