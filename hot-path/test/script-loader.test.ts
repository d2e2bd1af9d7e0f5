/** The Lua loader: versioned command names, the header of every script, and the NOSCRIPT fallback on real Redis. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadScripts } from '../src/store/script-loader.ts';
import { disposeStore, rsv, seckillDef, storeKinds } from './helpers.ts';

test('each script is registered under <name>_<content hash> and declares each of its KEYS in its header', () => {
  const scripts = loadScripts();
  assert.ok(scripts.has('reserveSeckill') && scripts.has('joinGroup') && scripts.has('releaseReservation'));
  for (const s of scripts.values()) {
    assert.match(s.command, new RegExp(`^${s.name}_[0-9a-f]{12}$`));
    assert.doesNotMatch(s.lua, /--- @include/, 'includes are inlined');
    const source = readFileSync(
      new URL(`../src/lua/${s.name}-${s.numberOfKeys}.lua`, import.meta.url),
      'utf8',
    );
    assert.ok(source.startsWith('--[['), `${s.name} opens with its header`);
    for (let i = 1; i <= s.numberOfKeys; i++)
      assert.match(source, new RegExp(`KEYS\\[${i}\\] `), `${s.name} KEYS[${i}]`);
  }
});

test('after SCRIPT FLUSH (a Redis restart or failover) the scripts load again by themselves', async () => {
  const kind = storeKinds.find((k) => k.name === 'redis');
  assert.ok(kind);
  const store = await kind.make();
  try {
    const def = seckillDef();
    await store.loadCampaign(def);
    await (store as unknown as { redis: { script(cmd: 'FLUSH'): Promise<unknown> } }).redis.script('FLUSH');
    const r = await store.reserveSeckill({
      campaignId: def.id,
      userId: 'usr_a',
      requestId: 'req-after-flush',
      quantity: 1,
      reservationId: rsv(),
      nowMs: Date.now(),
      paymentTtlMs: 60_000,
    });
    assert.ok(r.ok);
  } finally {
    await disposeStore(store);
  }
});
