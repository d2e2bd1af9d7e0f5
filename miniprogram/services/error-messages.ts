/**
 * Every error code a shopper can meet, and the sentence they read. Codes are the gateway's error registry
 * (every one of them: `test/error-messages.test.ts` checks); NETWORK_ERROR, TIMEOUT, PAYMENT_CANCELLED,
 * PAYMENT_FAILED, RESERVATION_RELEASED, SETTLING_SLOW, CANCELLED and UNKNOWN are the mini-program's own.
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
  RESERVATIONS_PAUSED: '活动暂停下单，请稍后再试',
  WRONG_CAMPAIGN_TYPE: '活动类型不符，请返回重新进入',
  INVALID_TRANSITION: '订单状态已变化，请刷新后再试',
  AFTER_SALE_WINDOW_CLOSED: '订单已超过售后期，如有问题请联系客服',
  CONFLICT: '操作冲突，请刷新后再试',
  IDEMPOTENCY_KEY_REUSED: '请求重复，请刷新后重新下单',
  PAYLOAD_TOO_LARGE: '提交的内容太大，请精简后再试',
  URL_TOO_LONG: '请求地址太长，请返回重试',
  UNSUPPORTED_MEDIA_TYPE: '请求格式不受支持，请更新小程序后再试',
  LOGIN_LOCKED: '登录失败次数过多，请稍后再试',
  INVALID_CREDENTIALS: '账号或密码错误',
  ORDER_EXPIRED: '订单已超时关闭',
  ORDER_NOT_PAYABLE: '订单当前无法支付',
  PAYMENT_SIGNATURE_INVALID: '支付结果校验失败，请稍后查看订单',
  PAYMENT_TIMESTAMP_STALE: '支付结果已过期，请稍后查看订单',
  PAYMENT_NOTIFICATION_MALFORMED: '支付结果无法识别，请稍后查看订单',
  PAYMENT_AMOUNT_MISMATCH: '支付金额与订单不符，请联系客服',
  PAYMENT_PROVIDER_ERROR: '微信支付暂时不可用，请稍后再试',
  WECHAT_CODE_INVALID: '微信登录已失效，请重新登录',
  WECHAT_RATE_LIMITED: '登录的人太多啦，请稍后再试',
  WECHAT_UNAVAILABLE: '暂时连不上微信，请稍后再试',
  WECHAT_LOGIN_FAILED: '微信登录失败，请重试',
  DEPENDENCY_UNAVAILABLE: '服务繁忙，请稍后再试',
  CATEGORY_TOO_DEEP: '分类最多两级',
  ADDRESS_REQUIRED: '请先选择收货地址',
  ADDRESS_LIMIT: '收货地址已满 20 个，请先删除不用的地址',
  CART_FULL: '购物车已满，请先结算或移除部分商品',
  COUPON_UNAVAILABLE: '这张优惠券已被其他订单使用、已过期或尚未生效',
  COUPON_NOT_APPLICABLE: '这张优惠券不适用于所选商品',
  COUPON_EXPIRED: '这张优惠券已过期',
  COUPON_NOT_YET_VALID: '这张优惠券还没到可用时间',
  COUPON_NOT_COMBINABLE: '这张优惠券不能与秒杀价或拼团价同时使用',
  COUPON_THRESHOLD_NOT_MET: '订单金额还没达到这张优惠券的使用门槛',
  COUPON_CHOSEN_AT_CHECKOUT: '商城订单请在提交订单时选择优惠券',
  PAYMENT_STARTED: '订单已发起支付，不能再更换优惠券',
  INSUFFICIENT_POINTS: '积分不足',
  POINTS_OVER_LIMIT: '本单最多可用的积分没有这么多，请少用一些',
  CARRIER_SIGNATURE_INVALID: '物流信息校验失败',
  CARRIER_PUSH_STALE: '物流信息已过期',
  WECHAT_SHIPPING_UNAVAILABLE: '发货信息同步中，请稍后查看',
  WECHAT_SHIPPING_REFUSED: '发货信息同步失败，请联系客服',
  WECHAT_TOKEN_REFUSED: '发货信息同步失败，请联系客服',
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
