import type { Session } from '../rpc/dispatch';
import type { OperatorSigner } from './cli-sessions';

/**
 * The signing keys of the UI's signed-in sessions (an app window, a bridge session). At sign-in the
 * user's password unlocks their key; it is held here, in memory only and never written anywhere,
 * until sign-out, expiry or the user's removal, so that captures the session queued are co-signed by
 * the operator when they seal (issue #12: separation of duties rests on signatures, not on a name).
 */
export type SessionKeys = Readonly<{
  hold: (session: Session, signer: OperatorSigner) => void;
  /** Drops the key (sign-out, expiry, a failed sign-in as someone else). */
  clear: (session: Session) => void;
  /**
   * Asked when a capture seals: the key of `operator` while the session that queued the capture is
   * still signed in as that operator; null once it signed out, expired or became someone else.
   */
  signerAtSeal: (session: Session, operator: string) => () => OperatorSigner | null;
}>;

export function createSessionKeys(): SessionKeys {
  // Keyed by the session object: a session dropped by its transport takes its key with it.
  const held = new WeakMap<Session, OperatorSigner>();
  return {
    hold: (session, signer) => {
      held.set(session, signer);
    },
    clear: (session) => {
      held.delete(session);
    },
    signerAtSeal: (session, operator) => () => {
      const user = session.user;
      const signer = held.get(session);
      if (user === null || user.disabled) {
        held.delete(session);
        return null;
      }
      return signer !== undefined && user.name === operator && signer.name === operator ? signer : null;
    },
  };
}
