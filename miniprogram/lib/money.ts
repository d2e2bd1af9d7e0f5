/** Formats integer fen for display: 1234 → "12.34". Prices stay integer fen everywhere else. */
export function formatFen(fen: number): string {
  if (!Number.isInteger(fen)) throw new TypeError(`price must be integer fen, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}${yuan}.${cents < 10 ? '0' : ''}${cents}`;
}

/** Formats integer fen with the currency sign: 1234 → "¥12.34". */
export function formatFenWithSign(fen: number): string {
  return `¥${formatFen(fen)}`;
}

/** The discount shown beside a campaign price, in tenths ("3.5折"), or '' when there is none. */
export function discountLabel(priceFen: number, originalPriceFen: number): string {
  if (originalPriceFen <= 0 || priceFen >= originalPriceFen) return '';
  const tenths = Math.floor((priceFen * 100) / originalPriceFen) / 10;
  return `${tenths}折`;
}
