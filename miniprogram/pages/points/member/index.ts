import { type MemberCardView, memberCardView } from '../../../lib/member-view';
import { fetchMemberCard } from '../../../services/membership/fetchMemberCard';
import { toApiError } from '../../../services/request';

/** My member card: level, discount and benefits, growth with progress to the next level, and every level. */
Page({
  data: {
    card: null as MemberCardView | null,
    loading: false,
    error: '',
  },
  onShow() {
    this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    if (this.data.loading) return;
    this.setData({ loading: true });
    try {
      const card = await fetchMemberCard();
      this.setData({ card: memberCardView(card), loading: false, error: '' });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
});
