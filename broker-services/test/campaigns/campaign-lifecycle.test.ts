/**
 * The campaigns service on the fast layer, called through the broker as other services call it: a campaign's
 * status follows the platform's clock (scheduled → live → ended, moved by the test instead of waited for),
 * edits a status forbids are refused with the registry's AppError and its data, and bad params are the
 * broker's ValidationError. Nothing refused changes what is stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERRORS } from '@tuanmiao/contract';
import { Errors } from 'moleculer';
import type { CallerMeta } from '../../src/broker/action.ts';
import { call } from '../../src/broker/bus.ts';
import { AppError } from '../../src/errors.ts';
import { adminLogin } from '../support/http.ts';
import { type InProcessPlatform, startInProcess } from '../support/in-process.ts';

const HOUR = 3_600_000;

/** Asserts that `call` rejects with an AppError of `code` carrying the registry's status and retryable. */
async function assertAppError(answer: Promise<unknown>, code: keyof typeof ERRORS, message: string) {
  await assert.rejects(answer, (err: unknown) => {
    assert.ok(err instanceof AppError, `an AppError, not ${String(err)}`);
    assert.deepEqual(
      { type: err.type, code: err.code, retryable: err.retryable, message: err.message, data: err.data },
      { type: code, code: ERRORS[code].status, retryable: ERRORS[code].retryable, message, data: {} },
    );
    return true;
  });
}

describe('campaigns service: status by the clock, refusals as AppError', () => {
  let p: InProcessPlatform;
  let meta: CallerMeta;

  before(async () => {
    p = await startInProcess();
    const token = await adminLogin(p.gateway, p.adminUsername, p.adminPassword);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
    meta = { admin: { id: claims.sub, username: p.adminUsername, role: 'owner' } };
  });
  after(async () => {
    await p?.stop();
  });

  test('scheduled → live → ended as the clock moves; each status refuses what it must', async () => {
    const product = await call(
      p.broker,
      'catalog.create',
      { title: 'Clock tea', skus: [{ name: '100 g', priceFen: 5000 }] },
      { meta },
    );
    const now = p.clock.now();
    const created = await call(
      p.broker,
      'campaigns.create',
      {
        type: 'seckill',
        title: 'Clock sale',
        skuId: product.skus[0]!.id,
        priceFen: 990,
        startsAt: new Date(now + HOUR).toISOString(),
        endsAt: new Date(now + 2 * HOUR).toISOString(),
        stockTotal: 10,
        perUserLimit: 1,
      },
      { meta },
    );
    assert.equal(created.status, 'scheduled');
    const get = () => call(p.broker, 'campaigns.adminGet', { id: created.id }, { meta });

    p.clock.advance(HOUR + 1000);
    assert.equal((await get()).status, 'live');
    await assertAppError(
      call(p.broker, 'campaigns.patch', { id: created.id, priceFen: 890 }, { meta }),
      'INVALID_TRANSITION',
      'Live campaigns cannot change priceFen',
    );
    assert.equal((await get()).priceFen, 990);

    p.clock.advance(HOUR);
    assert.equal((await get()).status, 'ended');
    await assertAppError(
      call(p.broker, 'campaigns.patch', { id: created.id, title: 'Too late' }, { meta }),
      'INVALID_TRANSITION',
      'A ended campaign cannot be edited',
    );
    assert.equal((await get()).title, 'Clock sale');
  });

  test('no admin in the meta is UNAUTHORIZED; an unknown id is NOT_FOUND; a malformed one a ValidationError', async () => {
    await assertAppError(
      call(p.broker, 'campaigns.adminList', {}),
      'UNAUTHORIZED',
      ERRORS.UNAUTHORIZED.message,
    );
    await assertAppError(
      call(p.broker, 'campaigns.stop', { id: `cmp_${'0'.repeat(26)}` }, { meta }),
      'NOT_FOUND',
      'No such campaign',
    );
    await assert.rejects(call(p.broker, 'campaigns.get', { id: 'cmp_1' }), (err: unknown) => {
      assert.ok(err instanceof Errors.ValidationError, `a ValidationError, not ${String(err)}`);
      assert.equal(err.code, 422);
      assert.ok(Array.isArray(err.data) && err.data.length > 0, JSON.stringify(err.data));
      return true;
    });
  });
});
