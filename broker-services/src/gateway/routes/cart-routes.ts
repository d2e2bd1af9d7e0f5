/** The shopper's cart. */
import { CartView, SetCartItemBody, SkuParam } from '../../modules/cart/schemas.ts';
import type { App, GatewayOptions } from '../app.ts';
import { requireShopper } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerCartRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const shopper = { preHandler: requireShopper };
  const security = [{ bearer: [] }];
  const tags = ['cart'];

  app.get(
    '/api/cart',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'My cart at today’s prices; lines off sale or short of stock are not available',
        security,
        response: { 200: CartView, ...errors(401) },
      },
    },
    async (req) => callAs(broker, req, 'cart.get', {}),
  );
  app.put(
    '/api/cart/items/:skuId',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'Set how many of a SKU are in my cart (0 removes it)',
        security,
        params: SkuParam,
        body: SetCartItemBody,
        response: { 200: CartView, ...errors(400, 401, 404, 409) },
      },
    },
    async (req) =>
      callAs(broker, req, 'cart.setItem', { skuId: req.params.skuId, quantity: req.body.quantity }),
  );
  app.delete(
    '/api/cart/items/:skuId',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'Remove a SKU from my cart',
        security,
        params: SkuParam,
        response: { 200: CartView, ...errors(400, 401) },
      },
    },
    async (req) => callAs(broker, req, 'cart.setItem', { skuId: req.params.skuId, quantity: 0 }),
  );
}
