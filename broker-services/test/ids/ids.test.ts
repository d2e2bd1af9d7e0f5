/**
 * Ids that lead to their campaign: a group's or reservation's id carries its campaign's ULID, so the gateway and
 * the groups service find the campaign without listing campaigns; older plain ids stay valid and name none.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { orderIdFor } from '@tuanmiao/hot-path';
import { Value } from 'typebox/value';
import { decodeTime } from 'ulid';
import { campaignOfId, newCampaignScopedId, newId, orderIdForReservation } from '../../src/ids.ts';
import { GroupId, OrderId, ReservationId } from '../../src/schemas/common.ts';

describe('campaign-scoped ids', () => {
  const campaignId = newId('cmp');

  test('a group and a reservation name their campaign', () => {
    const groupId = newCampaignScopedId('grp', campaignId);
    const reservationId = newCampaignScopedId('rsv', campaignId);
    assert.equal(campaignOfId(groupId), campaignId);
    assert.equal(campaignOfId(reservationId), campaignId);
    assert.ok(Value.Check(GroupId, groupId));
    assert.ok(Value.Check(ReservationId, reservationId));
  });

  test("a reservation's order id is its own ULID, within WeChat Pay's 32-character out_trade_no", () => {
    const reservationId = newCampaignScopedId('rsv', campaignId);
    const orderId = orderIdForReservation(reservationId);
    assert.equal(orderId, `ord_${reservationId.slice(4, 30)}`);
    assert.equal(orderIdFor(reservationId), orderId);
    assert.ok(orderId.length <= 32);
    assert.ok(Value.Check(OrderId, orderId));
    const plain = newId('rsv');
    assert.equal(orderIdForReservation(plain), `ord_${plain.slice(4)}`);
    assert.equal(orderIdFor(plain), orderIdForReservation(plain));
  });

  test('ids sort by their own creation first, whatever their campaign', () => {
    const older = newCampaignScopedId('rsv', newId('cmp'));
    const earlyCampaign = newId('cmp');
    const plain = newId('rsv');
    const newer = newCampaignScopedId('rsv', earlyCampaign);
    assert.deepEqual([newer, plain, older].sort(), [older, plain, newer]);
  });

  test('plain ids (regular orders, ids made before) stay valid and name no campaign', () => {
    const plainGroup = newId('grp');
    assert.equal(campaignOfId(plainGroup), undefined);
    assert.equal(campaignOfId(newId('ord')), undefined);
    assert.ok(Value.Check(GroupId, plainGroup));
    assert.ok(!Value.Check(GroupId, `${plainGroup}_lower`));
  });

  test('a campaign id that is not cmp_<ULID> is not carried', () => {
    const id = newCampaignScopedId('grp', 'cmp_handmade');
    assert.equal(campaignOfId(id), undefined);
    assert.ok(Value.Check(GroupId, id));
  });
});

describe('ULIDs', () => {
  test('ids made within one millisecond still sort by creation, across carries of the random part', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('rsv'));
    // 20,000 ids take a few milliseconds: most share theirs with the one before, and about one increment in 32
    // carries into the next digit of the random part.
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i++)
      assert.ok((ids[i - 1] as string) < (ids[i] as string), `${ids[i - 1]} < ${ids[i]}`);
    for (const id of ids) assert.match(id, /^rsv_[0-9A-HJKMNP-TV-Z]{26}$/);
    const first = decodeTime((ids[0] as string).slice(4));
    assert.ok(Math.abs(first - Date.now()) < 60_000);
  });
});
