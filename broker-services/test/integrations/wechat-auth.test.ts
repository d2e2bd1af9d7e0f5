import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createWechatAuthClient, WechatAuthError } from '../../src/integrations/wechat/auth-client.ts';
import { generateWechatPayTestKeys, startWechatServer, type WechatServer } from '../support/wechat-server.ts';

const appId = 'wx0000000000test';
const appSecret = 'test-app-secret';

async function rejection(promise: Promise<unknown>): Promise<WechatAuthError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WechatAuthError, `expected WechatAuthError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('WeChat code2session client', () => {
  let server: WechatServer;

  before(async () => {
    server = await startWechatServer({ appId, appSecret, pay: generateWechatPayTestKeys() });
  });
  after(async () => {
    await server.close();
  });

  test('exchanges a fresh code for the openid, unionid and session key', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret });
    const session = await client.code2Session(server.issueCode('o_alice', 'u_alice'));
    assert.equal(session.openid, 'o_alice');
    assert.equal(session.unionid, 'u_alice');
    assert.match(session.sessionKey, /^[A-Za-z0-9+/]+=*$/);

    const noUnion = await client.code2Session(server.issueCode('o_bob'));
    assert.deepEqual(Object.keys(noUnion).sort(), ['openid', 'sessionKey']);
    assert.equal(noUnion.openid, 'o_bob');
  });

  test('an unknown code is WECHAT_CODE_INVALID (40029), not retryable', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret });
    const err = await rejection(client.code2Session('never-issued'));
    assert.equal(err.code, 'WECHAT_CODE_INVALID');
    assert.equal(err.errcode, 40029);
    assert.equal(err.retryable, false);
  });

  test('a code used twice is WECHAT_CODE_INVALID the second time (40163)', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret });
    const code = server.issueCode('o_carol');
    assert.equal((await client.code2Session(code)).openid, 'o_carol');
    const err = await rejection(client.code2Session(code));
    assert.equal(err.code, 'WECHAT_CODE_INVALID');
    assert.equal(err.errcode, 40163);
  });

  test('45011 is WECHAT_RATE_LIMITED and retryable; -1 is WECHAT_UNAVAILABLE', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret });
    try {
      server.setLoginFault('rate-limited');
      const limited = await rejection(client.code2Session(server.issueCode('o_dave')));
      assert.equal(limited.code, 'WECHAT_RATE_LIMITED');
      assert.equal(limited.errcode, 45011);
      assert.equal(limited.retryable, true);

      server.setLoginFault('busy');
      const busy = await rejection(client.code2Session(server.issueCode('o_dave')));
      assert.equal(busy.code, 'WECHAT_UNAVAILABLE');
      assert.equal(busy.retryable, true);

      server.setLoginFault('http-503');
      const down = await rejection(client.code2Session(server.issueCode('o_dave')));
      assert.equal(down.code, 'WECHAT_UNAVAILABLE');
    } finally {
      server.setLoginFault(null);
    }
  });

  test('a wrong app secret is WECHAT_LOGIN_FAILED and the secret is not in the message', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret: 'wrong-secret-value' });
    const err = await rejection(client.code2Session(server.issueCode('o_erin')));
    assert.equal(err.code, 'WECHAT_LOGIN_FAILED');
    assert.equal(err.errcode, 40125);
    assert.equal(err.retryable, false);
    assert.doesNotMatch(err.message, /wrong-secret-value/);
  });

  test('a server that does not answer in time is WECHAT_UNAVAILABLE', async () => {
    const client = createWechatAuthClient({ apiBase: server.url, appId, appSecret, timeoutMs: 200 });
    try {
      server.setLoginFault('hang');
      const err = await rejection(client.code2Session(server.issueCode('o_frank')));
      assert.equal(err.code, 'WECHAT_UNAVAILABLE');
      assert.equal(err.retryable, true);
    } finally {
      server.setLoginFault(null);
    }
  });

  test('a server that is down is WECHAT_UNAVAILABLE', async () => {
    const gone = await startWechatServer({ appId, appSecret, pay: generateWechatPayTestKeys() });
    const code = gone.issueCode('o_gina');
    await gone.close();
    const client = createWechatAuthClient({ apiBase: gone.url, appId, appSecret });
    const err = await rejection(client.code2Session(code));
    assert.equal(err.code, 'WECHAT_UNAVAILABLE');
    assert.equal(err.retryable, true);
    assert.doesNotMatch(err.message, new RegExp(appSecret));
  });
});
