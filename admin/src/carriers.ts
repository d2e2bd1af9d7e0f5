/**
 * Carrier codes as WeChat's shipping records (发货信息录入) and the carriers' pushes name them, with the names an
 * operator knows. A code not listed is still shown, as itself.
 */
import type { Locale } from './i18n/messages.ts';

export const CARRIERS: ReadonlyArray<{ code: string; zh: string; en: string }> = [
  { code: 'SF', zh: '顺丰速运', en: 'SF Express' },
  { code: 'JD', zh: '京东快递', en: 'JD Logistics' },
  { code: 'EMS', zh: '中国邮政 EMS', en: 'China Post EMS' },
  { code: 'YTO', zh: '圆通速递', en: 'YTO Express' },
  { code: 'ZTO', zh: '中通快递', en: 'ZTO Express' },
  { code: 'STO', zh: '申通快递', en: 'STO Express' },
  { code: 'YD', zh: '韵达快递', en: 'Yunda Express' },
  { code: 'JTSD', zh: '极兔速递', en: 'J&T Express' },
  { code: 'DBL', zh: '德邦快递', en: 'Deppon Express' },
];

export function carrierName(code: string, locale: Locale): string {
  const carrier = CARRIERS.find((c) => c.code === code);
  if (!carrier) return code;
  return locale === 'zh-CN' ? carrier.zh : carrier.en;
}

/** A tracking number as the gateway takes it: 4–64 letters, digits and dashes. */
export const TRACKING_NO = /^[A-Za-z0-9-]{4,64}$/;
