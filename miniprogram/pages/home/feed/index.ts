import { splitCampaigns } from '../../../lib/campaign-view';
import { serverClock } from '../../../lib/server-clock';
import type { Campaign } from '../../../services/api-types';
import { fetchCampaigns } from '../../../services/campaign/fetchCampaigns';
import { toApiError } from '../../../services/request';
import { syncServerClock } from '../../../services/time/fetchServerTime';

/** Home: live campaigns (ending soonest first) and upcoming ones, with countdowns on the server's clock. */
Page({
  data: {
    loading: true,
    error: '',
    live: [] as Campaign[],
    upcoming: [] as Campaign[],
  },
  onLoad() {
    this.load();
  },
  onShow() {
    if (!this.data.loading) this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  /** A countdown reached zero: an upcoming campaign is live now, or a live one ended. */
  onPhaseChange() {
    const all = [...this.data.live, ...this.data.upcoming];
    this.setData(splitCampaigns(all, serverClock.now()));
  },
  async load() {
    try {
      const [campaigns] = await Promise.all([fetchCampaigns(), syncServerClock()]);
      this.setData({ loading: false, error: '', ...splitCampaigns(campaigns, serverClock.now()) });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
  onCouponsTap() {
    wx.navigateTo({ url: '/pages/coupon/center/index' });
  },
  onSearchTap() {
    wx.navigateTo({ url: '/pages/shop/search/index' });
  },
  onShareAppMessage() {
    return { title: '团秒：限时秒杀，好友拼团', path: '/pages/home/feed/index' };
  },
});
