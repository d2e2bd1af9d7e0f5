import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  adminPasswordFrom,
  checkLoopbackBaseUrl,
  parseCli,
  parseDuration,
  scenarioDefaults,
} from '../harness/args.ts';
import { scenarios } from '../harness/scenarios.ts';

describe('harness arguments', () => {
  test('a scenario alone takes its defaults and the admin credentials from env', () => {
    const { scenario, options } = parseCli(['seckill-spike'], {
      ADMIN_USERNAME: 'ops',
      ADMIN_PASSWORD: 's3cret',
    });
    assert.equal(scenario, 'seckill-spike');
    assert.equal(options.baseUrl, 'http://127.0.0.1:3000');
    assert.equal(options.durationMs, scenarioDefaults['seckill-spike'].durationMs);
    assert.equal(options.users, 2000);
    assert.equal(options.stock, 500);
    assert.equal(options.adminUsername, 'ops');
    assert.equal(options.adminPassword, 's3cret');
  });

  test('flags override defaults; BASE_URL env is used when no flag is given', () => {
    const { options } = parseCli(
      [
        'groupbuy-join-storm',
        '--duration',
        '2m',
        '--rate',
        '50',
        '--users',
        '10',
        '--settle-timeout',
        '1500ms',
      ],
      { BASE_URL: 'http://localhost:4000/' },
    );
    assert.equal(options.baseUrl, 'http://localhost:4000');
    assert.equal(options.durationMs, 120_000);
    assert.equal(options.rate, 50);
    assert.equal(options.users, 10);
    assert.equal(options.settleTimeoutMs, 1500);
    const flagWins = parseCli(['soak', '--base-url', 'http://127.0.0.2:3000'], {
      BASE_URL: 'http://localhost:1',
    });
    assert.equal(flagWins.options.baseUrl, 'http://127.0.0.2:3000');
  });

  test('bad input is refused with a message', () => {
    assert.throws(() => parseCli([], {}), /exactly one scenario/);
    assert.throws(() => parseCli(['checkout'], {}), /unknown scenario "checkout"/);
    assert.throws(() => parseCli(['soak', '--rate', '0'], {}), /--rate must be a positive integer/);
    assert.throws(() => parseCli(['soak', '--rate', '1.5'], {}), /--rate/);
    assert.throws(() => parseCli(['soak', '--duration', 'soon'], {}), /bad duration/);
    assert.throws(() => parseCli(['soak', '--bogus'], {}), /Unknown option/);
  });

  test('durations', () => {
    assert.equal(parseDuration('30'), 30_000);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.throws(() => parseDuration('0s'), /positive/);
  });

  test('load only goes to loopback addresses', () => {
    assert.equal(checkLoopbackBaseUrl('http://127.0.0.1:3000'), 'http://127.0.0.1:3000');
    assert.equal(checkLoopbackBaseUrl('http://127.8.9.10:80/'), 'http://127.8.9.10');
    assert.equal(checkLoopbackBaseUrl('http://[::1]:3000'), 'http://[::1]:3000');
    assert.equal(checkLoopbackBaseUrl('http://localhost:3000/gw/'), 'http://localhost:3000/gw');
    for (const bad of [
      'http://10.0.0.5:3000',
      'http://192.168.1.2',
      'http://example.com',
      'ftp://127.0.0.1',
    ]) {
      assert.throws(() => checkLoopbackBaseUrl(bad), /loopback|http/, bad);
    }
  });

  test('--stock-buckets: 1 by default, 1-16 for the seckill scenarios, refused otherwise', () => {
    const env = { ADMIN_PASSWORD: 'x' };
    assert.equal(parseCli(['seckill-spike'], env).options.stockBuckets, 1);
    assert.equal(parseCli(['seckill-spike', '--stock-buckets', '4'], env).options.stockBuckets, 4);
    assert.equal(parseCli(['soak', '--stock-buckets', '16'], env).options.stockBuckets, 16);
    assert.throws(() => parseCli(['seckill-spike', '--stock-buckets', '17'], env), /at most 16/);
    assert.throws(() => parseCli(['seckill-spike', '--stock-buckets', '0'], env), /positive integer/);
    assert.throws(() => parseCli(['seckill-spike', '--stock-buckets', '2.5'], env), /positive integer/);
    assert.throws(
      () => parseCli(['groupbuy-join-storm', '--stock-buckets', '2'], env),
      /for seckill campaigns/,
    );
  });

  test('the campaign is a dry run unless --live-campaign is given', () => {
    const env = { ADMIN_PASSWORD: 'x' };
    assert.equal(parseCli(['seckill-spike'], env).options.dryRun, true);
    assert.equal(parseCli(['seckill-spike', '--live-campaign'], env).options.dryRun, false);
  });

  test('without ADMIN_PASSWORD the password comes from DATA_DIR/admin-password, as npm start wrote it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-args-'));
    try {
      writeFileSync(join(dir, 'admin-password'), 'generated-secret\n');
      assert.deepEqual(adminPasswordFrom({ DATA_DIR: dir }), {
        password: 'generated-secret',
        source: join(dir, 'admin-password'),
      });
      assert.equal(parseCli(['soak'], { DATA_DIR: dir }).options.adminPassword, 'generated-secret');
      assert.equal(adminPasswordFrom({ DATA_DIR: dir, ADMIN_PASSWORD: 'given' }).password, 'given');
      const none = adminPasswordFrom({ DATA_DIR: join(dir, 'absent') });
      assert.deepEqual(none, { password: '', source: 'none (set ADMIN_PASSWORD)' });
      const read: string[] = [];
      adminPasswordFrom({}, (path) => {
        read.push(path);
        return 'p';
      });
      assert.deepEqual(read, [join(process.cwd(), 'data', 'admin-password')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every scenario asks for a campaign the admin API accepts (perUserLimit 1..100)', () => {
    for (const scenario of Object.values(scenarios)) {
      assert.ok(
        scenario.campaign.perUserLimit >= 1 && scenario.campaign.perUserLimit <= 100,
        `${scenario.name}: perUserLimit ${scenario.campaign.perUserLimit}`,
      );
    }
  });
});
