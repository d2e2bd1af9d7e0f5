/**
 * Every error code a shopper can meet, and the sentence they read. Codes are API.md's; NETWORK_ERROR,
 * TIMEOUT, PAYMENT_*, RESERVATION_RELEASED, SETTLING_SLOW and CANCELLED are the mini-program's own.
 */
export const SHOPPER_MESSAGES: Readonly<Record<string, string>> = {
  SOLD_OUT: '已抢光',
  LIMIT_EXCEEDED: '已达到每人限购数量',
  NOT_STARTED: '活动还没开始，请稍候',
  ENDED: '活动已结束',
  CAMPAIGN_STOPPED: '活动已暂停',
  GROUP_FULL: '这个团已经满员了，去开个新团吧',
  GROUP_CLOSED: '这个团已经结束了',
  ALREADY_MEMBER: '你已经在这个团里了',
  RATE_LIMITED: '人太多啦，请稍后再试',
  VALIDATION_FAILED: '提交的信息有误，请检查后重试',
  UNAUTHORIZED: '登录已失效，请重新登录',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '内容不存在或已下架',
  ADMISSION_REQUIRED: '活动太火爆，正在为你排队',
  QUEUED: '排队中，请不要离开',
  ORDER_EXPIRED: '订单已超时关闭',
  ORDER_NOT_PAYABLE: '订单当前无法支付',
  PAYMENT_CANCELLED: '已取消支付',
  PAYMENT_FAILED: '支付失败，请重试',
  RESERVATION_RELEASED: '下单没有成功，名额已释放',
  SETTLING_SLOW: '订单生成中，请稍后在“我的订单”查看',
  CANCELLED: '已取消',
  NETWORK_ERROR: '网络不给力，请检查网络后重试',
  TIMEOUT: '网络超时，请重试',
  INTERNAL: '服务开小差了，请稍后再试',
  UNKNOWN: '出了点问题，请稍后再试',
};

/** The sentence for `code`; an unknown code falls back on its HTTP status. */
export function shopperMessageFor(code: string, status = 0): string {
  const known = SHOPPER_MESSAGES[code];
  if (known !== undefined) return known;
  if (status >= 500) return SHOPPER_MESSAGES.INTERNAL!;
  return SHOPPER_MESSAGES.UNKNOWN!;
}

/**
 * Whether repeating the same request (same requestId) may succeed: no answer, a server fault, or "slow down".
 * A business refusal (sold out, over the limit) never is.
 */
export function isRetryableCode(code: string, status: number): boolean {
  return code === 'NETWORK_ERROR' || code === 'TIMEOUT' || code === 'RATE_LIMITED' || status >= 500;
}
