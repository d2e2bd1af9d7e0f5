import { type CouponRow, couponRow, MY_COUPON_TABS } from '../../../lib/coupon-view';
import { fetchMyCoupons } from '../../../services/coupon/fetchMyCoupons';
import { toApiError } from '../../../services/request';

/** My coupons (我的优惠券) by tab: unused (and those held by an unpaid order), used, expired. */
Page({
  data: { tabs: MY_COUPON_TABS, active: 0, rows: [] as CouponRow[], loading: true, error: '' },

  onShow() {
    this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    const tab = MY_COUPON_TABS[this.data.active] ?? MY_COUPON_TABS[0]!;
    this.setData({ loading: true, error: '' });
    try {
      // The unused tab also shows the coupons an unpaid order holds: they come back if that order is cancelled.
      const lists = await Promise.all(
        tab.status === 'unused'
          ? [fetchMyCoupons('unused'), fetchMyCoupons('locked')]
          : [fetchMyCoupons(tab.status)],
      );
      this.setData({ rows: lists.flat().map(couponRow), loading: false });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
  onTabTap(e: WechatMiniprogram.TouchEvent) {
    const active = Number(e.currentTarget.dataset.index ?? 0);
    if (active === this.data.active) return;
    this.setData({ active, rows: [] });
    this.load();
  },
  onCenterTap() {
    wx.navigateTo({ url: '/pages/coupon/center/index' });
  },
});
