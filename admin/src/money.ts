/**
 * Prices live as integer fen everywhere; the console shows and takes yuan. Conversions go through strings and
 * integers only, so 0.1 + 0.2 style float errors can never reach a stored price.
 */

/** `1234` → `'12.34'`; `-5` → `'-0.05'`. */
export function fenToYuanString(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}${yuan}.${cents.toString().padStart(2, '0')}`;
}

/** `1234567` → `'¥12,345.67'`, the form prices are shown in. */
export function formatFen(fen: number): string {
  const [whole = '0', cents = '00'] = fenToYuanString(fen).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  return `${negative ? '-' : ''}¥${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/**
 * Parses what an operator typed in yuan (`'12.34'`, `'12.3'`, `'12'`, `'¥1,299.00'`) into fen, or `null` when it
 * is not a non-negative amount with at most two decimals.
 */
export function parseYuanToFen(text: string): number | null {
  const cleaned = text.trim().replace(/^¥/, '').replace(/,/g, '');
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match) return null;
  const whole = Number(match[1]);
  const cents = Number((match[2] ?? '').padEnd(2, '0'));
  const fen = whole * 100 + cents;
  return Number.isSafeInteger(fen) ? fen : null;
}
