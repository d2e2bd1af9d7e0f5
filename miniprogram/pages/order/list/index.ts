import { type OrderRowView, orderRowView } from '../../../lib/order-view';
import { fetchOrders } from '../../../services/order/fetchOrders';
import { toApiError } from '../../../services/request';

/** My orders, newest first, one cursor page at a time as the shopper scrolls. */
Page({
  data: {
    rows: [] as OrderRowView[],
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
      const page = await fetchOrders(this.data.nextCursor);
      this.setData({
        rows: [...this.data.rows, ...page.items.map(orderRowView)],
        nextCursor: page.nextCursor,
        finished: page.nextCursor === null,
        loading: false,
        error: '',
      });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
  onRowTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    if (id) wx.navigateTo({ url: `/pages/order/detail/index?id=${id}` });
  },
});
