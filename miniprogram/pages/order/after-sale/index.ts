import { AFTER_SALE_KINDS, AFTER_SALE_REASONS, afterSaleReason } from '../../../lib/fulfilment-view';
import type { Order, RefundRequestKind } from '../../../services/api-types';
import { dispatchRefundRequest } from '../../../services/order/dispatchRefundRequest';
import { fetchOrder } from '../../../services/order/fetchOrder';
import { toApiError } from '../../../services/request';

/**
 * After-sale request for a paid or shipped order: 仅退款 or 退货退款, a reason (chosen, with an optional note).
 * The operator approves or rejects it in the admin; an approval refunds the whole order through its provider.
 */
Page({
  data: {
    id: '',
    order: null as Order | null,
    kinds: AFTER_SALE_KINDS,
    kind: 'refund_only' as RefundRequestKind,
    reasons: AFTER_SALE_REASONS,
    reason: '',
    note: '',
    busy: false,
    done: false,
    error: '',
  },
  async onLoad(query: Record<string, string | undefined>) {
    this.setData({ id: query.id ?? '' });
    try {
      const order = await fetchOrder(this.data.id);
      // Goods not shipped yet cannot be sent back: 仅退款 is the only kind that fits.
      this.setData({ order, kind: order.status === 'shipped' ? 'return_refund' : 'refund_only' });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  onKindTap(event: WechatMiniprogram.TouchEvent) {
    const kind = String(event.currentTarget.dataset.kind ?? '') as RefundRequestKind;
    if (kind === 'return_refund' && this.data.order?.status !== 'shipped') return;
    this.setData({ kind });
  },
  onReasonTap(event: WechatMiniprogram.TouchEvent) {
    this.setData({ reason: String(event.currentTarget.dataset.reason ?? '') });
  },
  onNoteInput(event: WechatMiniprogram.Input) {
    this.setData({ note: event.detail.value });
  },
  async onSubmitTap() {
    if (this.data.busy || this.data.done) return;
    const checked = afterSaleReason(this.data.reason, this.data.note);
    if ('error' in checked) {
      this.setData({ error: checked.error });
      return;
    }
    this.setData({ busy: true, error: '' });
    try {
      await dispatchRefundRequest(this.data.id, { kind: this.data.kind, reason: checked.reason });
      this.setData({ done: true });
      wx.showToast({ title: '已提交，等待商家处理', icon: 'none' });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  onBackTap() {
    wx.navigateBack();
  },
});
