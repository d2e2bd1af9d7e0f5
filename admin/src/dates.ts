/**
 * The console's one date format, the same in zh-CN and en: `2026-11-30 01:08` (ISO order, 24-hour, with the
 * year), in the browser's time zone. Every page shows times through these functions.
 */
import dayjs from 'dayjs';

/** Date and time to the minute: `2026-11-30 01:08`; `-` for no time. */
export function formatDateTime(at: string | number | Date | null | undefined): string {
  return at === null || at === undefined ? '-' : dayjs(at).format('YYYY-MM-DD HH:mm');
}

/** Date and time to the second, where seconds matter (audit log, order history): `2026-11-30 01:08:51`. */
export function formatDateTimeSeconds(at: string | number | Date | null | undefined): string {
  return at === null || at === undefined ? '-' : dayjs(at).format('YYYY-MM-DD HH:mm:ss');
}

/** Time of day for live figures: `01:08:51`. */
export function formatClock(at: string | number | Date): string {
  return dayjs(at).format('HH:mm:ss');
}

/** Hour of day for hourly charts: `01:00`. */
export function formatHour(at: string | number | Date): string {
  return dayjs(at).format('HH:00');
}
