/** Address book logic without `wx`: the form's checks, the import from `wx.chooseAddress`, one-line display. */
import type { Address, AddressInput, AddressSnapshot } from '../services/api-types';

/** A mainland mobile number, as the gateway checks it. */
const PHONE = /^1[3-9][0-9]{9}$/;
const REGION_CODE = /^[1-9][0-9]{5}$/;

export interface AddressForm {
  name: string;
  phone: string;
  /** Province, city and district codes (GB/T 2260), as `<picker mode="region">` gives them. */
  region: string[];
  regionNames: string[];
  detail: string;
  isDefault: boolean;
}

export const EMPTY_ADDRESS_FORM: AddressForm = {
  name: '',
  phone: '',
  region: [],
  regionNames: [],
  detail: '',
  isDefault: false,
};

export function formOfAddress(a: Address): AddressForm {
  return {
    name: a.name,
    phone: a.phone,
    region: [...a.region],
    regionNames: [...(a.regionNames ?? [])],
    detail: a.detail,
    isDefault: a.isDefault,
  };
}

/** The form as the gateway takes it, or the sentence that tells the shopper what to fix. */
export function addressInputOf(form: AddressForm): { input: AddressInput } | { error: string } {
  const name = form.name.trim();
  const phone = form.phone.replace(/\s+/g, '');
  const detail = form.detail.trim();
  if (name.length < 1 || name.length > 20) return { error: '请填写收货人姓名（20 字以内）' };
  if (!PHONE.test(phone)) return { error: '请填写 11 位手机号码' };
  if (form.region.length !== 3 || !form.region.every((c) => REGION_CODE.test(c))) {
    return { error: '请选择所在地区（省、市、区）' };
  }
  if (detail.length < 2 || detail.length > 120) return { error: '请填写详细地址（街道、门牌号）' };
  const regionNames =
    form.regionNames.length === 3 && form.regionNames.every((n) => n) ? form.regionNames : [];
  return {
    input: {
      name,
      phone,
      region: [...form.region],
      ...(regionNames.length === 3 ? { regionNames: [...regionNames] } : {}),
      detail,
      isDefault: form.isDefault,
    },
  };
}

/** What `wx.chooseAddress` gives (WeChat's own address book). */
export interface WechatAddress {
  userName: string;
  telNumber: string;
  provinceName: string;
  cityName: string;
  countyName: string;
  detailInfo: string;
  /** The district's code (GB/T 2260); its first two and four digits name the province and the city. */
  nationalCode: string;
}

/**
 * A WeChat address as our form: the province and city codes come from the district's own code, so they always
 * nest (a county-level city directly under a province still shares the province's first two digits).
 */
export function formOfWechatAddress(w: WechatAddress): AddressForm {
  const district = REGION_CODE.test(w.nationalCode) ? w.nationalCode : '';
  return {
    name: w.userName.trim(),
    phone: w.telNumber.replace(/[\s-]/g, ''),
    region: district ? [`${district.slice(0, 2)}0000`, `${district.slice(0, 4)}00`, district] : [],
    regionNames: district ? [w.provinceName, w.cityName, w.countyName] : [],
    detail: w.detailInfo.trim(),
    isDefault: false,
  };
}

/** "浙江省 杭州市 西湖区 龙井路 1 号" (codes where the names were not kept). */
export function addressLine(a: Pick<AddressSnapshot, 'region' | 'regionNames' | 'detail'>): string {
  const names = a.regionNames && a.regionNames.length === 3 ? a.regionNames : a.region;
  return `${names.join(' ')} ${a.detail}`;
}
