import { campaignPhase } from '../../../lib/countdown';
import { type MyCampaignTerms, myCampaignTerms } from '../../../lib/level-benefit-view';
import { serverClock } from '../../../lib/server-clock';
import { TapCommand, type TapContext, type TapState } from '../../../lib/tap-command';
import type { Campaign, Group, GroupEntry } from '../../../services/api-types';
import { fetchCampaign } from '../../../services/campaign/fetchCampaign';
import { dispatchJoinGroup } from '../../../services/group/dispatchJoinGroup';
import { dispatchOpenGroup } from '../../../services/group/dispatchOpenGroup';
import { fetchGroups } from '../../../services/group/fetchGroups';
import { fetchMemberCardForCampaign } from '../../../services/membership/fetchMemberCardForCampaign';
import { toApiError } from '../../../services/request';
import { syncServerClock } from '../../../services/time/fetchServerTime';

function stateNotice(state: TapState): { busy: boolean; notice: string } {
  if (state.kind === 'submitting')
    return { busy: true, notice: state.attempt > 1 ? '网络有点慢，正在重试…' : '' };
  if (state.kind === 'queued') {
    const ahead = state.queuePosition !== null ? `，前面还有 ${state.queuePosition} 人` : '';
    return { busy: true, notice: `排队中${ahead}，请不要离开` };
  }
  if (state.kind === 'failed') return { busy: false, notice: state.message };
  return { busy: false, notice: '' };
}

/**
 * Group-buy detail: open a new group, or join one of the forming groups (closest to full first). Each button
 * keeps its own TapCommand so a retried tap reuses its requestId.
 */
Page({
  data: {
    id: '',
    campaign: null as Campaign | null,
    phase: 'upcoming' as 'upcoming' | 'live' | 'ended',
    terms: null as MyCampaignTerms | null,
    groups: [] as Array<Group & { slotsLeft: number }>,
    error: '',
    busy: false,
    notice: '',
  },
  taps: new Map<string, TapCommand>(),

  onLoad(query: Record<string, string | undefined>) {
    this.taps = new Map();
    this.setData({ id: query.id ?? '' });
  },
  onShow() {
    this.load();
  },
  onUnload() {
    for (const tap of this.taps.values()) tap.cancel();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    try {
      const [campaign, groups] = await Promise.all([
        fetchCampaign(this.data.id),
        fetchGroups(this.data.id),
        syncServerClock(),
      ]);
      const terms = myCampaignTerms(campaign, await fetchMemberCardForCampaign(campaign));
      this.setData({
        campaign,
        terms,
        phase: campaignPhase({ ...campaign, startsAt: terms.opensAt }, serverClock.now()),
        groups: groups.map((g) => ({ ...g, slotsLeft: Math.max(0, g.size - g.slotsTaken) })),
        error: '',
      });
      wx.setNavigationBarTitle({ title: campaign.title });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
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
  tapFor(key: string): TapCommand {
    let tap = this.taps.get(key);
    if (!tap) {
      tap = new TapCommand({
        campaignId: this.data.id,
        requestIdPrefix: 'gb',
        onState: (state) => this.setData(stateNotice(state)),
      });
      this.taps.set(key, tap);
    }
    return tap;
  },
  async enter(key: string, send: (requestId: string, admissionToken?: string) => Promise<GroupEntry>) {
    if (this.data.busy) return;
    try {
      const entry = await this.tapFor(key).run(({ requestId, admissionToken }: TapContext) =>
        send(requestId, admissionToken),
      );
      wx.navigateTo({
        url: `/pages/group/detail/index?id=${entry.group.id}&rsv=${entry.reservation.id}`,
      });
    } catch (err) {
      if (toApiError(err).code === 'GROUP_FULL' || toApiError(err).code === 'GROUP_CLOSED') this.load();
    }
  },
  onOpenTap() {
    this.enter('open', (requestId: string, admissionToken?: string) =>
      dispatchOpenGroup({
        campaignId: this.data.id,
        requestId,
        ...(admissionToken ? { admissionToken } : {}),
      }),
    );
  },
  onJoinTap(event: WechatMiniprogram.TouchEvent) {
    const groupId = String(event.currentTarget.dataset.id ?? '');
    if (!groupId) return;
    this.enter(`join:${groupId}`, (requestId: string, admissionToken?: string) =>
      dispatchJoinGroup({ groupId, requestId, ...(admissionToken ? { admissionToken } : {}) }),
    );
  },
  onShareAppMessage() {
    const title = this.data.campaign ? `拼团：${this.data.campaign.title}` : '团秒拼团';
    return { title, path: `/pages/group/campaign/index?id=${this.data.id}` };
  },
});
