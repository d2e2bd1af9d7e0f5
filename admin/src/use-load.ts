import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads `fn()` now and whenever `deps` change; a stale answer (deps changed meanwhile) is dropped. */
export function useLoad<T>(fn: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(
    async () => {
      const mine = ++generation.current;
      setLoading(true);
      try {
        const value = await fn();
        if (mine === generation.current) {
          setData(value);
          setError(null);
        }
      } catch (err) {
        if (mine === generation.current) setError(err);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what fn depends on
    deps,
  );
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, loading, reload: run };
}
