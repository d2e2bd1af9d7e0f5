import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { errorMessages, format, type Locale, type MessageKey, messages } from './messages.ts';

const STORAGE_KEY = 'tuanmiao.admin.locale';

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** The sentence an operator reads for a failed call, whatever was thrown. */
  errorText: (err: unknown) => string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const table = messages[locale];
    const errors = errorMessages[locale];
    return {
      locale,
      setLocale,
      t: (key, vars) => format(table[key], vars),
      errorText: (err) => {
        if (err instanceof ApiError) {
          const known = errors[err.code];
          if (known === undefined)
            return format(table['error.generic'], { message: `${err.message} (${err.code})` });
          // A validation refusal names the field in its message; the operator needs that to fix the form.
          return err.code === 'VALIDATION_FAILED' && err.message !== err.code
            ? `${known}: ${err.message}`
            : known;
        }
        return format(table['error.generic'], { message: err instanceof Error ? err.message : String(err) });
      },
    };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
