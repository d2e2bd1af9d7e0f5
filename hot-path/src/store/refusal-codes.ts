/**
 * The one map from the hot path's refusal codes (negative integers returned by the Lua scripts and by the memory
 * store) to the API error codes of API.md.
 */
export const RefusalCode = {
  NOT_FOUND: -1,
  CAMPAIGN_STOPPED: -2,
  RESERVATIONS_PAUSED: -3,
  NOT_STARTED: -4,
  ENDED: -5,
  LIMIT_EXCEEDED: -6,
  SOLD_OUT: -7,
  GROUP_CLOSED: -8,
  GROUP_FULL: -9,
  ALREADY_MEMBER: -10,
  WRONG_CAMPAIGN_TYPE: -11,
  GROUP_NOT_FOUND: -12,
  REBUILD_BUSY: -13,
  IDEMPOTENCY_KEY_REUSED: -14,
  /** The hot state is behind a position already seen, or waiting for its rebuild: retry shortly (503). */
  REBUILDING: -15,
} as const;

export type RefusalCodeValue = (typeof RefusalCode)[keyof typeof RefusalCode];

/** The API error codes a reservation can be refused with. */
export type ReservationRefusal =
  | 'NOT_FOUND'
  | 'CAMPAIGN_STOPPED'
  | 'RESERVATIONS_PAUSED'
  | 'NOT_STARTED'
  | 'ENDED'
  | 'LIMIT_EXCEEDED'
  | 'SOLD_OUT'
  | 'GROUP_CLOSED'
  | 'GROUP_FULL'
  | 'ALREADY_MEMBER'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'CAMPAIGN_REBUILDING'
  | 'DEPENDENCY_UNAVAILABLE';

/** Maps a refusal code to its API error code. A seckill call on a group-buy campaign (or the reverse), an unknown
 * group and an already-used group id all read as "no such thing here" or "closed" to a shopper. */
export function toApiErrorCode(code: number): ReservationRefusal {
  switch (code) {
    case RefusalCode.NOT_FOUND:
    case RefusalCode.WRONG_CAMPAIGN_TYPE:
    case RefusalCode.GROUP_NOT_FOUND:
      return 'NOT_FOUND';
    case RefusalCode.CAMPAIGN_STOPPED:
      return 'CAMPAIGN_STOPPED';
    case RefusalCode.RESERVATIONS_PAUSED:
      return 'RESERVATIONS_PAUSED';
    case RefusalCode.NOT_STARTED:
      return 'NOT_STARTED';
    case RefusalCode.ENDED:
      return 'ENDED';
    case RefusalCode.LIMIT_EXCEEDED:
      return 'LIMIT_EXCEEDED';
    case RefusalCode.SOLD_OUT:
      return 'SOLD_OUT';
    case RefusalCode.GROUP_CLOSED:
      return 'GROUP_CLOSED';
    case RefusalCode.GROUP_FULL:
      return 'GROUP_FULL';
    case RefusalCode.ALREADY_MEMBER:
      return 'ALREADY_MEMBER';
    case RefusalCode.IDEMPOTENCY_KEY_REUSED:
      return 'IDEMPOTENCY_KEY_REUSED';
    case RefusalCode.REBUILDING:
      return 'CAMPAIGN_REBUILDING';
    default:
      throw new Error(`unknown hot-path refusal code ${code}`);
  }
}
