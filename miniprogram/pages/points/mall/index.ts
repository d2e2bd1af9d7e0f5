import { type MallItemView, mallItemView, redeemedCounts } from '../../../lib/points-view';
import { newRequestId } from '../../../lib/request-id';
import { serverClock } from '../../../lib/server-clock';
import type { MallItem } from '../../../services/api-types';
import { dispatchRedemption } from '../../../services/points/dispatchRedemption';
import { fetchMallItems } from '../../../services/points/fetchMallItems';
import { fetchPointsBalance } from '../../../services/points/fetchPointsBalance';
import { fetchRedemptions } from '../../../services/points/fetchRedemptions';
import { toApiError } from '../../../services/request';

/** One redemption tap's request id per item, kept until a definitive answer: a retry is not a second redemption. */
const pending = new Map<string, string>();
let items: MallItem[] = [];
let counts: Record<string, number> = {};

/** The points mall: items with their points cost, stock and my limit; redeem one for my points. */
Page({
  data: {
    balance: 0,
    rows: [] as MallItemView[],
    loaded: false,
    busyId: '',
    error: '',
  },
  onShow() {
    this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    try {
      const [offered, balance, mine] = await Promise.all([
        fetchMallItems(),
        fetchPointsBalance(),
        fetchRedemptions(),
      ]);
      items = offered;
      counts = redeemedCounts(mine);
      this.setData({ balance, loaded: true, error: '' });
      this.render();
    } catch (err) {
      this.setData({ loaded: true, error: toApiError(err).message });
    }
  },
  render() {
    const now = serverClock.now();
    this.setData({ rows: items.map((i) => mallItemView(i, this.data.balance, counts[i.id] ?? 0, now)) });
  },
  async onRedeemTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    const row = this.data.rows.find((r) => r.id === id);
    if (row?.block !== '' || this.data.busyId) return;
    const { confirm } = await wx.showModal({
      title: '确认兑换',
      content: `用 ${row.cost} 积分兑换「${row.title}」？`,
    });
    if (!confirm) return;
    const requestId = pending.get(id) ?? newRequestId('rdm');
    pending.set(id, requestId);
    this.setData({ busyId: id });
    try {
      await dispatchRedemption(id, requestId);
      pending.delete(id);
      wx.showToast({ title: '兑换成功', icon: 'success' });
      await this.load();
    } catch (err) {
      const e = toApiError(err);
      // A definitive refusal (sold out, not enough points, over the limit) ends this tap; no answer keeps its id.
      if (!e.retryable) pending.delete(id);
      wx.showToast({ title: e.message, icon: 'none' });
      if (!e.retryable) await this.load();
    } finally {
      this.setData({ busyId: '' });
    }
  },
  onPointsTap() {
    wx.navigateTo({ url: '/pages/points/index/index' });
  },
});
