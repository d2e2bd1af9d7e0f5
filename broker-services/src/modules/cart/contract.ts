/** The cart service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { SkuId } from '../../schemas/common.ts';
import { CartQuantity, CartView } from './schemas.ts';

export const cartContract = defineContract({
  name: 'cart',
  actions: {
    get: { params: Type.Object({}), result: CartView },
    setItem: { params: Type.Object({ skuId: SkuId, quantity: CartQuantity }), result: CartView },
    removeBought: {
      params: Type.Object({ userId: Type.String(), skuIds: Type.Array(SkuId, { maxItems: 100 }) }),
      result: Type.Object({ removed: Type.Integer({ minimum: 0 }) }),
    },
  },
  events: {},
});
