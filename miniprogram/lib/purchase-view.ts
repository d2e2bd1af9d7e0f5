import type { PurchaseState } from './seckill-purchase';

/** What the buy button and the line above it show for a purchase state. */
export interface PurchaseView {
  buttonText: string;
  buttonDisabled: boolean;
  busy: boolean;
  notice: string;
  /** A refusal that no retry will change (sold out, over the limit, ended). */
  final: boolean;
}

/** Refusals after which the buy button stays off. */
const FINAL_CODES = new Set(['SOLD_OUT', 'LIMIT_EXCEEDED', 'ENDED', 'CAMPAIGN_STOPPED', 'NOT_FOUND']);

export function purchaseView(state: PurchaseState, idleText = '立即抢购'): PurchaseView {
  switch (state.kind) {
    case 'idle':
      return { buttonText: idleText, buttonDisabled: false, busy: false, notice: '', final: false };
    case 'submitting':
      return {
        buttonText: '抢购中…',
        buttonDisabled: true,
        busy: true,
        notice: state.attempt > 1 ? '网络有点慢，正在重试…' : '',
        final: false,
      };
    case 'queued':
      return {
        buttonText: '排队中…',
        buttonDisabled: true,
        busy: true,
        notice:
          state.queuePosition !== null
            ? `排队中，前面还有 ${state.queuePosition} 人，请不要离开`
            : '排队中，请不要离开',
        final: false,
      };
    case 'settling':
      return {
        buttonText: '抢到了，正在生成订单…',
        buttonDisabled: true,
        busy: true,
        notice: '',
        final: false,
      };
    case 'ordered':
      return { buttonText: '去支付', buttonDisabled: false, busy: false, notice: '抢购成功', final: false };
    case 'failed': {
      const final = FINAL_CODES.has(state.code);
      const buttonText =
        state.code === 'SOLD_OUT'
          ? '已抢光'
          : state.code === 'LIMIT_EXCEEDED'
            ? '已达限购'
            : final
              ? '无法购买'
              : state.retryable
                ? '重试'
                : idleText;
      return { buttonText, buttonDisabled: final, busy: false, notice: state.message, final };
    }
  }
}
