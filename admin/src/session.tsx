import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiClient } from './api/client.ts';
import type { Admin } from './api/types.ts';

const STORAGE_KEY = 'tuanmiao.admin.session';

interface StoredSession {
  token: string;
  admin: Admin;
}

export interface Session {
  api: ApiClient;
  admin: Admin | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function readStored(): StoredSession | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    return typeof parsed.token === 'string' && parsed.admin ? (parsed as StoredSession) : null;
  } catch {
    return null;
  }
}

/** Holds the admin token (sessionStorage, per tab) and the one API client; any 401 drops the session. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | null>(readStored);
  const tokenRef = useRef<string | null>(session?.token ?? null);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    tokenRef.current = null;
    setSession(null);
  }, []);

  const api = useMemo(
    () => new ApiClient({ getToken: () => tokenRef.current, onUnauthorized: signOut }),
    [signOut],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      const res = await api.login({ username, password });
      const next = { token: res.token, admin: res.admin };
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      tokenRef.current = res.token;
      setSession(next);
    },
    [api],
  );

  // The role may have changed since the token was stored (an owner demoted this admin): ask the server.
  const hadSession = session !== null;
  useEffect(() => {
    if (!hadSession) return;
    api
      .me()
      .then((admin) => {
        const token = tokenRef.current;
        if (!token) return;
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ token, admin }));
        setSession({ token, admin });
      })
      .catch(() => {});
  }, [api, hadSession]);

  const value = useMemo<Session>(
    () => ({ api, admin: session?.admin ?? null, signIn, signOut }),
    [api, session, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in admin; only for pages behind the login guard. */
export function useAdmin(): Admin {
  const { admin } = useSession();
  if (!admin) throw new Error('useAdmin without a session');
  return admin;
}
