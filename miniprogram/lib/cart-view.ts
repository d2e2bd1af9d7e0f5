/** The cart page without `wx`: which lines are ticked, their totals in fen, and what goes to checkout. */
import type { Cart } from '../services/api-types';

export interface CartRow {
  skuId: string;
  productId: string;
  title: string;
  skuTitle: string;
  quantity: number;
  priceFen: number;
  lineFen: number;
  available: boolean;
  selected: boolean;
  stockLeft: number;
  /** Why a line cannot be bought now. */
  unavailableLabel: string;
}

export interface CartPageView {
  rows: CartRow[];
  selectedCount: number;
  selectedTotalFen: number;
  allSelected: boolean;
  /** Ticked lines that can be bought, in the cart's order. */
  checkoutItems: Array<{ skuId: string; quantity: number }>;
}

/**
 * Lines the shopper untick stay in `deselected`, so a new line (just added) starts ticked and a line that
 * becomes unavailable is left out of the total without losing the shopper's choice.
 */
export function cartPageView(cart: Cart, deselected: ReadonlySet<string>): CartPageView {
  const rows = cart.items.map((line): CartRow => {
    const selected = line.available && !deselected.has(line.skuId);
    return {
      skuId: line.skuId,
      productId: line.productId ?? '',
      title: line.title ?? line.skuId,
      skuTitle: line.skuTitle ?? '',
      quantity: line.quantity,
      priceFen: line.priceFen,
      lineFen: line.priceFen * line.quantity,
      available: line.available,
      selected,
      stockLeft: line.stockLeft,
      unavailableLabel: line.available
        ? ''
        : line.stockLeft > 0
          ? `仅剩 ${line.stockLeft} 件`
          : '已售罄或已下架',
    };
  });
  const chosen = rows.filter((r) => r.selected);
  return {
    rows,
    selectedCount: chosen.reduce((n, r) => n + r.quantity, 0),
    selectedTotalFen: chosen.reduce((sum, r) => sum + r.lineFen, 0),
    allSelected: rows.some((r) => r.available) && rows.every((r) => !r.available || r.selected),
    checkoutItems: chosen.map((r) => ({ skuId: r.skuId, quantity: r.quantity })),
  };
}

/** Checkout items in a page URL: `sku_a*2,sku_b*1` (ids are `[A-Za-z0-9_]`). */
export function encodeCheckoutItems(items: ReadonlyArray<{ skuId: string; quantity: number }>): string {
  return items.map((i) => `${i.skuId}*${i.quantity}`).join(',');
}

export function decodeCheckoutItems(text: string): Array<{ skuId: string; quantity: number }> {
  const items: Array<{ skuId: string; quantity: number }> = [];
  for (const part of decodeURIComponent(text).split(',')) {
    const match = /^([A-Za-z0-9_]+)\*([1-9][0-9]?)$/.exec(part);
    if (match) items.push({ skuId: match[1] as string, quantity: Number(match[2]) });
  }
  return items;
}
