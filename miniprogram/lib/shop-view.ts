/** Catalogue views without `wx`: product cards, SKU choices with their stock labels and the price they sell at. */
import type { ShopProduct, ShopSku, StockStatus } from '../services/api-types';

export const STOCK_LABELS: Readonly<Record<StockStatus, string>> = {
  available: '有货',
  few_left: '库存紧张',
  sold_out: '已售罄',
};

/** What the SKU picker shows for one choice. */
export interface SkuChoice {
  id: string;
  title: string;
  /** What it sells at now: the live campaign's price where one applies, else the regular price. */
  priceFen: number;
  /** The regular price, shown struck through beside a campaign price; 0 without a campaign. */
  originalPriceFen: number;
  campaignId: string;
  campaignType: '' | 'seckill' | 'groupbuy';
  stockStatus: StockStatus;
  stockLabel: string;
  stockLeft: number;
  disabled: boolean;
}

export function skuChoice(sku: ShopSku): SkuChoice {
  const few = sku.stockStatus === 'few_left';
  return {
    id: sku.id,
    title: sku.title,
    priceFen: sku.campaign ? sku.campaign.priceFen : sku.priceFen,
    originalPriceFen: sku.campaign ? sku.priceFen : 0,
    campaignId: sku.campaign?.id ?? '',
    campaignType: sku.campaign?.type ?? '',
    stockStatus: sku.stockStatus,
    stockLabel: few ? `仅剩 ${sku.stockLeft} 件` : STOCK_LABELS[sku.stockStatus],
    stockLeft: sku.stockLeft,
    disabled: sku.stockStatus === 'sold_out',
  };
}

/** The first SKU that can be bought, so the picker opens on a choice that works; '' when all are sold out. */
export function firstBuyableSku(product: ShopProduct): string {
  return product.skus.find((s) => s.stockStatus !== 'sold_out')?.id ?? '';
}

/** How many of a SKU the stepper allows: at least 1, at most its stock and the cart's 99. */
export function clampQuantity(quantity: number, stockLeft: number): number {
  const max = Math.max(1, Math.min(99, stockLeft));
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(max, Math.max(1, Math.floor(quantity)));
}

export interface ProductCard {
  id: string;
  title: string;
  image: string;
  priceFen: number;
  sales: number;
  soldOut: boolean;
}

export function productCard(product: ShopProduct): ProductCard {
  return {
    id: product.id,
    title: product.title,
    image: product.images[0] ?? '',
    priceFen: product.priceFen,
    sales: product.sales,
    soldOut: product.skus.length > 0 && product.skus.every((s) => s.stockStatus === 'sold_out'),
  };
}
