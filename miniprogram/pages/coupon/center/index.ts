import {
  type ClaimPhase,
  claimButton,
  claimPhase,
  claimRefusalText,
  couponValueText,
} from '../../../lib/coupon-view';
import { serverClock } from '../../../lib/server-clock';
import { TapCommand } from '../../../lib/tap-command';
import type { CouponTemplate } from '../../../services/api-types';
import { dispatchClaimCoupon } from '../../../services/coupon/dispatchClaimCoupon';
import { fetchCouponCenter } from '../../../services/coupon/fetchCouponCenter';
import { fetchMyCoupons } from '../../../services/coupon/fetchMyCoupons';
import { toApiError } from '../../../services/request';

interface CenterRow {
  id: string;
  name: string;
  value: string;
  description: string;
  phase: ClaimPhase;
  startsAt: string;
  endsAt: string;
  left: number;
  button: { text: string; enabled: boolean };
  note: string;
  busy: boolean;
}

/** One tap per template and its retries share a requestId: a lost answer never claims a second coupon. */
const taps = new Map<string, TapCommand>();
function tapOf(templateId: string): TapCommand {
  let tap = taps.get(templateId);
  if (!tap) {
    tap = new TapCommand({ campaignId: templateId, requestIdPrefix: 'cl' });
    taps.set(templateId, tap);
  }
  return tap;
}

/**
 * The coupon center (领券中心): coupons live now, and those starting soon with a countdown on the server's clock
 * (a grab opens for everyone at once); "立即领取" claims one through the hot path. A template whose limit I have
 * reached shows "已领取".
 */
Page({
  data: { rows: [] as CenterRow[], loading: true, error: '' },

  onShow() {
    this.load();
  },
  onPullDownRefresh() {
    this.load().finally(() => wx.stopPullDownRefresh());
  },
  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const [templates, mine] = await Promise.all([fetchCouponCenter(), fetchMyCoupons().catch(() => [])]);
      const held = new Map<string, number>();
      for (const c of mine) held.set(c.templateId, (held.get(c.templateId) ?? 0) + 1);
      this.setData({ rows: templates.map((t) => this.rowOf(t, held.get(t.id) ?? 0)), loading: false });
    } catch (err) {
      this.setData({ loading: false, error: toApiError(err).message });
    }
  },
  rowOf(t: CouponTemplate, held: number, note = ''): CenterRow {
    const phase = claimPhase(t, serverClock.now());
    return {
      id: t.id,
      name: t.name,
      value: couponValueText(t),
      description: t.description,
      phase,
      startsAt: t.claimStartsAt,
      endsAt: t.claimEndsAt,
      left: t.left,
      button: claimButton(phase, held >= t.perUserLimit),
      note,
      busy: false,
    };
  },
  /** The countdown reached the start: the grab is open. */
  onCountdownEnd() {
    this.load();
  },
  async onClaimTap(e: WechatMiniprogram.TouchEvent) {
    const id = String(e.currentTarget.dataset.id ?? '');
    const index = this.data.rows.findIndex((r) => r.id === id);
    if (index < 0 || this.data.rows[index]?.busy) return;
    this.setData({ [`rows[${index}].busy`]: true, [`rows[${index}].note`]: '' });
    try {
      await tapOf(id).run(({ requestId }) => dispatchClaimCoupon(id, requestId));
      wx.showToast({ title: '领取成功', icon: 'success' });
      this.setData({ [`rows[${index}].note`]: '已放入「我的优惠券」' });
      await this.load();
    } catch (err) {
      const e2 = toApiError(err);
      this.setData({ [`rows[${index}].note`]: claimRefusalText(e2.code) ?? e2.message });
      if (e2.code === 'SOLD_OUT' || e2.code === 'LIMIT_EXCEEDED' || e2.code === 'ENDED') await this.load();
    } finally {
      const at = this.data.rows.findIndex((r) => r.id === id);
      if (at >= 0) this.setData({ [`rows[${at}].busy`]: false });
    }
  },
  onMineTap() {
    wx.navigateTo({ url: '/pages/coupon/mine/index' });
  },
});
