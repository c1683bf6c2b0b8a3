import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import type { SessionStatus } from '@shared/contract/methods/session';
import type { User } from '@shared/domain/users';

export type Session = Readonly<{
  status: SessionStatus;
  user: User;
  refresh: () => void;
}>;

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: Readonly<{ session: Session; children: ReactNode }>) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The signed-in user; only mounted below the sign-in gate, so it is never null inside the app. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionProvider');
  return session;
}
