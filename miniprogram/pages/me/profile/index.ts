import { type OrderRowView, orderRowView } from '../../../lib/order-view';
import type { ShopperUser } from '../../../services/api-types';
import { dispatchLogout } from '../../../services/auth/dispatchLogout';
import { dispatchWechatLogin } from '../../../services/auth/dispatchWechatLogin';
import { fetchOrders } from '../../../services/order/fetchOrders';
import { fetchPointsBalance } from '../../../services/points/fetchPointsBalance';
import { api, toApiError } from '../../../services/request';

/** Me: log in with WeChat (wx.login → POST /api/auth/wechat), and my latest orders. */
Page({
  data: {
    user: null as ShopperUser | null,
    recent: [] as OrderRowView[],
    points: null as number | null,
    busy: false,
    error: '',
  },
  onShow() {
    const session = api.session();
    this.setData({ user: session?.user ?? null });
    if (session) this.loadRecent();
  },
  async loadRecent() {
    try {
      const [page, points] = await Promise.all([fetchOrders(null, 3), fetchPointsBalance()]);
      this.setData({ recent: page.items.map(orderRowView), points, error: '' });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  async onLoginTap() {
    if (this.data.busy) return;
    this.setData({ busy: true, error: '' });
    try {
      const session = await dispatchWechatLogin();
      this.setData({ user: session.user });
      await this.loadRecent();
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  onLogoutTap() {
    dispatchLogout();
    this.setData({ user: null, recent: [], points: null });
  },
  onCouponsTap() {
    wx.navigateTo({ url: '/pages/coupon/mine/index' });
  },
  onAddressesTap() {
    wx.navigateTo({ url: '/pages/address/list/index' });
  },
  onPointsTap() {
    wx.navigateTo({ url: '/pages/points/index/index' });
  },
  onMallTap() {
    wx.navigateTo({ url: '/pages/points/mall/index' });
  },
  onMemberTap() {
    wx.navigateTo({ url: '/pages/points/member/index' });
  },
  onAllOrdersTap() {
    wx.navigateTo({ url: '/pages/order/list/index' });
  },
  onOrderTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    if (id) wx.navigateTo({ url: `/pages/order/detail/index?id=${id}` });
  },
});
