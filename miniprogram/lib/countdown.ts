/** What a countdown shows: the parts of the time left until `targetMs`, never negative. */
export interface CountdownParts {
  totalMs: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  /** "HH:MM:SS", or "N天 HH:MM:SS" past a day. */
  label: string;
  done: boolean;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Splits the time from `nowMs` (server time) to `target` into parts. */
export function countdownParts(target: string | number, nowMs: number): CountdownParts {
  const targetMs = typeof target === 'number' ? target : Date.parse(target);
  const totalMs = Math.max(0, targetMs - nowMs);
  // Rounds up so the display reaches 00:00:00 exactly when the target passes, not a second before.
  const totalSeconds = Math.ceil(totalMs / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const clock = `${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}`;
  return {
    totalMs,
    days,
    hours,
    minutes,
    seconds,
    label: days > 0 ? `${days}天 ${clock}` : clock,
    done: totalMs === 0,
  };
}

/** Where a campaign stands at server time `nowMs`, from its own times and status. */
export type CampaignPhase = 'upcoming' | 'live' | 'ended';

export function campaignPhase(
  campaign: { startsAt: string; endsAt: string; status: string },
  nowMs: number,
): CampaignPhase {
  if (campaign.status === 'ended' || campaign.status === 'stopped') return 'ended';
  if (nowMs >= Date.parse(campaign.endsAt)) return 'ended';
  if (nowMs < Date.parse(campaign.startsAt)) return 'upcoming';
  return 'live';
}
