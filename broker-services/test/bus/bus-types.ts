/**
 * Compile-time checks of the typed bus: `tsc` (the root project includes this file) fails when a wrong
 * action name, params, result or event payload stops being an error. Nothing here runs.
 */
import type { ServiceBroker } from 'moleculer';
import { call, defineService, emit, type ParamsOf, type ResultOf } from '../../src/broker/bus.ts';
import { cartContract } from '../../src/modules/cart/contract.ts';

export async function busTypeChecks(broker: ServiceBroker): Promise<void> {
  const order = await call(broker, 'orders.get', { id: 'ord_x' });
  const status:
    | 'pending_payment'
    | 'paid'
    | 'cancelled'
    | 'refunding'
    | 'refunded'
    | 'shipped'
    | 'completed' = order.status;
  // @ts-expect-error an action outside the registry
  await call(broker, 'orders.nothingLikeThis', {});
  // @ts-expect-error a param the contract does not have
  await call(broker, 'orders.get', { orderId: 'ord_x' });
  // @ts-expect-error a param of the wrong type
  await call(broker, 'campaigns.killSwitch', { id: 'cmp_x', active: 'yes' });
  // @ts-expect-error the result is the contract's: campaign ids are strings
  const ids: number[] = await call(broker, 'campaigns.activeIds', {});
  // @ts-expect-error a result field the contract does not have
  (await call(broker, 'groups.checkSuccess', { id: 'grp_x' })).failed;

  await emit(broker, 'group.failed', { version: 1, groupId: 'grp_x', campaignId: 'cmp_x' });
  // @ts-expect-error a version the registry does not declare
  await emit(broker, 'group.failed', { version: 2, groupId: 'grp_x', campaignId: 'cmp_x' });
  // @ts-expect-error a payload without its fields
  await emit(broker, 'order.paid', { version: 1, orderId: 'ord_x' });
  // @ts-expect-error an event nobody declared
  await emit(broker, 'group.exploded', { version: 1 });

  const outcome: ResultOf<'payments.devConfirm'>['outcome'] = 'applied';
  // @ts-expect-error the payment outcomes are a closed set
  const wrongOutcome: ResultOf<'payments.devConfirm'>['outcome'] = 'maybe';
  const provider: ParamsOf<'orders.applyPayment'>['provider'] = 'dev';

  defineService(cartContract, {
    actions: {
      get: async () => ({ items: [], totalFen: 0 }),
      // @ts-expect-error a handler answering another shape than the contract's result
      setItem: async () => ({ items: [] }),
      removeBought: async (ctx) => ({ removed: ctx.params.skuIds.length }),
    },
    events: {
      'group.failed': async (ctx) => {
        const campaignId: string = ctx.params.campaignId;
        // @ts-expect-error the payload of group.failed has no robotFilled
        const robots: number = ctx.params.robotFilled;
        void [campaignId, robots];
      },
    },
  });
  // @ts-expect-error a service must handle every action of its contract
  defineService(cartContract, { actions: { get: async () => ({ items: [], totalFen: 0 }) } });
  void [status, ids, outcome, wrongOutcome, provider];
}
