/**
 * What an order line is, in the operator's words: the product and its SKU (`西湖龙井 明前特级 · 100g 罐装`),
 * found by the line's SKU among the catalog's products; the order's own title (the campaign's at purchase)
 * only when the SKU is no longer in the catalog.
 */
import type { Product } from './api/types.ts';

/** Product title and SKU name of `skuId`, or `fallback` when no product has that SKU. */
export function orderItemLabel(
  skuId: string,
  fallback: string,
  products: readonly Product[] | undefined,
): string {
  for (const product of products ?? []) {
    const sku = product.skus.find((s) => s.id === skuId);
    if (sku) return `${product.title} · ${sku.name}`;
  }
  return fallback;
}
