import { type CampaignCardView, campaignCardView } from '../../lib/campaign-view';
import { serverClock } from '../../lib/server-clock';
import type { Campaign } from '../../services/api-types';

/** One campaign in a list: price, discount, sold share, and a countdown to its start or end. */
Component({
  properties: {
    campaign: { type: Object, value: {} },
  },
  data: { view: null as CampaignCardView | null },
  observers: {
    campaign(campaign: Campaign) {
      this.refresh(campaign);
    },
  },
  methods: {
    refresh(campaign: Campaign) {
      if (!campaign?.id) return;
      this.setData({ view: campaignCardView(campaign, serverClock.now()) });
    },
    /** The countdown reached zero: upcoming turned live, or live ended. */
    onCountdownEnd() {
      this.refresh(this.data.campaign as Campaign);
      this.triggerEvent('phasechange', { id: (this.data.campaign as Campaign).id });
    },
    onTap() {
      const view = this.data.view;
      if (view) wx.navigateTo({ url: view.url });
    },
  },
});
