/** Schemas of the shopper's cart. */
import Type, { type Static } from 'typebox';
import { Fen, ProductId, SkuId } from '../../schemas/common.ts';

export const MAX_CART_LINES = 50;
export const CartQuantity = Type.Integer({ minimum: 0, maximum: 99 });

export const CartLine = Type.Object({
  skuId: SkuId,
  quantity: Type.Integer({ minimum: 1 }),
  priceFen: Fen,
  /** On sale with at least this many units in stock. */
  available: Type.Boolean(),
  productId: Type.Optional(ProductId),
  title: Type.Optional(Type.String()),
  skuTitle: Type.Optional(Type.String()),
  stockLeft: Type.Integer({ minimum: 0 }),
});
export type CartLine = Static<typeof CartLine>;
export const CartView = Type.Object({
  items: Type.Array(CartLine),
  /** The available lines' total at today's prices. */
  totalFen: Fen,
});
export type CartView = Static<typeof CartView>;

export const SetCartItemBody = Type.Object({ quantity: CartQuantity }, { additionalProperties: false });
export const SkuParam = Type.Object({ skuId: SkuId }, { additionalProperties: false });
