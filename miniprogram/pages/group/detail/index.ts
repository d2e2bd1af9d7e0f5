import { type GroupView, groupShareTitle, groupView } from '../../../lib/group-view';
import { sleepMs, TapCommand, type TapContext } from '../../../lib/tap-command';
import type { Campaign, Group } from '../../../services/api-types';
import { fetchCampaign } from '../../../services/campaign/fetchCampaign';
import { dispatchJoinGroup } from '../../../services/group/dispatchJoinGroup';
import { fetchGroup } from '../../../services/group/fetchGroup';
import { api, toApiError } from '../../../services/request';
import { fetchReservation } from '../../../services/seckill/fetchReservation';
import { syncServerClock } from '../../../services/time/fetchServerTime';

/**
 * The group page, the one a share card opens (`?id=<groupId>`): members, empty seats, time left, a join
 * button for friends, and — for whoever just joined (`&rsv=<reservationId>`) — the way to pay once the order
 * exists.
 */
Page({
  data: {
    id: '',
    reservationId: '',
    orderId: '',
    group: null as Group | null,
    campaign: null as Campaign | null,
    view: null as GroupView | null,
    error: '',
    busy: false,
    notice: '',
  },
  join: null as TapCommand | null,
  alive: false,

  onLoad(query: Record<string, string | undefined>) {
    this.alive = true;
    this.setData({ id: query.id ?? '', reservationId: query.rsv ?? '' });
    this.watchReservation();
  },
  onShow() {
    this.load();
  },
  onUnload() {
    this.alive = false;
    this.join?.cancel();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    try {
      const [group] = await Promise.all([fetchGroup(this.data.id), syncServerClock()]);
      const campaign = this.data.campaign ?? (await fetchCampaign(group.campaignId));
      const me = api.session()?.user.id ?? null;
      this.setData({ group, campaign, view: groupView(group, me), error: '' });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  /** Polls the new member's reservation until settlement has written its order, so they can pay. */
  async watchReservation() {
    for (let poll = 0; poll < 60 && this.alive && this.data.reservationId && !this.data.orderId; poll++) {
      try {
        const reservation = await fetchReservation(this.data.reservationId);
        if (reservation.orderId) {
          this.setData({ orderId: reservation.orderId });
          return;
        }
      } catch (err) {
        if (!toApiError(err).retryable) return;
      }
      await sleepMs(1000);
    }
  },
  onExpire() {
    this.load();
  },
  async onJoinTap() {
    if (this.data.busy || !this.data.group) return;
    const groupId = this.data.group.id;
    this.join ??= new TapCommand({
      campaignId: this.data.group.campaignId,
      requestIdPrefix: 'gb',
      onState: (state) =>
        this.setData({
          busy: state.kind === 'submitting' || state.kind === 'queued',
          notice:
            state.kind === 'failed'
              ? state.message
              : state.kind === 'queued'
                ? `排队中${state.queuePosition !== null ? `，前面还有 ${state.queuePosition} 人` : ''}`
                : '',
        }),
    });
    try {
      const entry = await this.join.run(({ requestId, admissionToken }: TapContext) =>
        dispatchJoinGroup({ groupId, requestId, ...(admissionToken ? { admissionToken } : {}) }),
      );
      this.setData({ reservationId: entry.reservation.id });
      const me = api.session()?.user.id ?? null;
      this.setData({ group: entry.group, view: groupView(entry.group, me) });
      this.watchReservation();
    } catch {
      this.load();
    }
  },
  onPayTap() {
    if (this.data.orderId) wx.navigateTo({ url: `/pages/order/detail/index?id=${this.data.orderId}` });
  },
  onShareAppMessage() {
    const title = this.data.group
      ? groupShareTitle(this.data.group, this.data.campaign?.title ?? '团秒拼团')
      : '团秒拼团';
    // The group id in the path: a friend's tap opens this very group, ready to join.
    return { title, path: `/pages/group/detail/index?id=${this.data.id}` };
  },
});
