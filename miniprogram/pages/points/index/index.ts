import { type LedgerRowView, ledgerRowView } from '../../../lib/points-view';
import { fetchPoints } from '../../../services/points/fetchPoints';
import { toApiError } from '../../../services/request';

/** My points: the balance (the sum of my ledger) and the ledger, newest first, a page at a time. */
Page({
  data: {
    balance: 0,
    rows: [] as LedgerRowView[],
    nextCursor: null as string | null,
    loading: false,
    finished: false,
    error: '',
  },
  onShow() {
    this.reload();
  },
  onPullDownRefresh() {
    this.reload().finally(() => wx.stopPullDownRefresh());
  },
  onReachBottom() {
    this.loadMore();
  },
  async reload() {
    this.setData({ rows: [], nextCursor: null, finished: false });
    await this.loadMore();
  },
  async loadMore() {
    if (this.data.loading || this.data.finished) return;
    this.setData({ loading: true });
    try {
      const page = await fetchPoints(this.data.nextCursor);
      const offset = this.data.rows.length;
      this.setData({
        balance: page.balance,
        rows: [...this.data.rows, ...page.items.map((e, i) => ledgerRowView(e, offset + i))],
        nextCursor: page.nextCursor ?? null,
        finished: !page.nextCursor,
        loading: false,
        error: '',
      });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
  onMallTap() {
    wx.navigateTo({ url: '/pages/points/mall/index' });
  },
  onOrderTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    if (id) wx.navigateTo({ url: `/pages/order/detail/index?id=${id}` });
  },
});
