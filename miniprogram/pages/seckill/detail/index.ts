import { campaignPhase } from '../../../lib/countdown';
import { type MyCampaignTerms, myCampaignTerms } from '../../../lib/level-benefit-view';
import { purchaseView } from '../../../lib/purchase-view';
import { SeckillPurchase } from '../../../lib/seckill-purchase';
import { serverClock } from '../../../lib/server-clock';
import type { Campaign } from '../../../services/api-types';
import { fetchCampaign } from '../../../services/campaign/fetchCampaign';
import { fetchMemberCardForCampaign } from '../../../services/membership/fetchMemberCardForCampaign';
import { toApiError } from '../../../services/request';
import { syncServerClock } from '../../../services/time/fetchServerTime';

/**
 * Seckill detail: a countdown until the shopper's own opening (the start, earlier for a level with early access),
 * then the buy button. One tap makes one requestId that every
 * retry of it reuses; a waiting room shows the queue; after the reservation, "settling" until the order exists.
 */
Page({
  data: {
    id: '',
    campaign: null as Campaign | null,
    phase: 'upcoming' as 'upcoming' | 'live' | 'ended',
    terms: null as MyCampaignTerms | null,
    error: '',
    orderId: '',
    view: purchaseView({ kind: 'idle' }),
  },
  purchase: null as SeckillPurchase | null,

  onLoad(query: Record<string, string | undefined>) {
    this.setData({ id: query.id ?? '' });
    this.load();
  },
  onUnload() {
    this.purchase?.cancel();
  },
  async load() {
    try {
      const [campaign] = await Promise.all([fetchCampaign(this.data.id), syncServerClock()]);
      const terms = myCampaignTerms(campaign, await fetchMemberCardForCampaign(campaign));
      this.setData({
        campaign,
        terms,
        phase: campaignPhase({ ...campaign, startsAt: terms.opensAt }, serverClock.now()),
        error: '',
      });
      wx.setNavigationBarTitle({ title: campaign.title });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  /** The start (or end) countdown reached zero on the server's clock. */
  onCountdownEnd() {
    const { campaign, terms } = this.data;
    if (campaign)
      this.setData({
        phase: campaignPhase(
          { ...campaign, startsAt: terms?.opensAt ?? campaign.startsAt },
          serverClock.now(),
        ),
      });
  },
  async onBuyTap() {
    if (this.data.orderId) {
      wx.navigateTo({ url: `/pages/order/detail/index?id=${this.data.orderId}` });
      return;
    }
    if (this.data.view.busy || this.data.view.final) return;
    // The same instance across taps: it keeps an unanswered tap's requestId for "重试".
    this.purchase ??= new SeckillPurchase({
      campaignId: this.data.id,
      onState: (state) => this.setData({ view: purchaseView(state) }),
    });
    try {
      const orderId = await this.purchase.buy();
      this.setData({ orderId });
      wx.navigateTo({ url: `/pages/order/detail/index?id=${orderId}` });
    } catch {
      // The failed state (and its message) has already reached the page through onState.
    }
  },
  onShareAppMessage() {
    const title = this.data.campaign ? `秒杀：${this.data.campaign.title}` : '团秒秒杀';
    return { title, path: `/pages/seckill/detail/index?id=${this.data.id}` };
  },
});
