import {
  type AddressForm,
  addressInputOf,
  EMPTY_ADDRESS_FORM,
  formOfAddress,
  formOfWechatAddress,
} from '../../../lib/address-view';
import { dispatchAddAddress } from '../../../services/address/dispatchAddAddress';
import { dispatchDeleteAddress } from '../../../services/address/dispatchDeleteAddress';
import { dispatchEditAddress } from '../../../services/address/dispatchEditAddress';
import { fetchAddresses } from '../../../services/address/fetchAddresses';
import { toApiError } from '../../../services/request';

/**
 * Add or edit one address: name, mobile, region from `<picker mode="region">` (its codes are what the gateway
 * keeps), street address, default; or fill the form from WeChat's address book. Editing can also delete.
 */
Page({
  data: {
    id: '',
    form: { ...EMPTY_ADDRESS_FORM } as AddressForm,
    regionText: '',
    busy: false,
    error: '',
  },
  async onLoad(query: Record<string, string | undefined>) {
    const id = query.id ?? '';
    this.setData({ id });
    wx.setNavigationBarTitle({ title: id ? '编辑地址' : '新增地址' });
    if (!id) return;
    try {
      const found = (await fetchAddresses()).find((a) => a.id === id);
      if (found) this.fill(formOfAddress(found));
      else this.setData({ error: '这个地址已不存在' });
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    }
  },
  fill(form: AddressForm) {
    this.setData({ form, regionText: (form.regionNames.length ? form.regionNames : form.region).join(' ') });
  },
  onField(event: WechatMiniprogram.Input) {
    const field = String(event.currentTarget.dataset.field ?? '');
    if (field === 'name' || field === 'phone' || field === 'detail') {
      this.setData({ [`form.${field}`]: event.detail.value });
    }
  },
  onRegionChange(event: WechatMiniprogram.PickerChange) {
    const detail = event.detail as unknown as { value: string[]; code?: string[] };
    this.fill({ ...this.data.form, region: detail.code ?? [], regionNames: detail.value });
  },
  onDefaultChange(event: WechatMiniprogram.SwitchChange) {
    this.setData({ 'form.isDefault': event.detail.value });
  },
  async onImportTap() {
    try {
      const chosen = await wx.chooseAddress();
      this.fill({ ...formOfWechatAddress(chosen), isDefault: this.data.form.isDefault });
    } catch {
      // Closed or refused: the form stays as it was.
    }
  },
  async onSaveTap() {
    if (this.data.busy) return;
    const checked = addressInputOf(this.data.form);
    if ('error' in checked) {
      this.setData({ error: checked.error });
      return;
    }
    this.setData({ busy: true, error: '' });
    try {
      if (this.data.id) await dispatchEditAddress(this.data.id, checked.input);
      else await dispatchAddAddress(checked.input);
      wx.navigateBack();
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
  async onDeleteTap() {
    if (!this.data.id || this.data.busy) return;
    const { confirm } = await wx.showModal({
      title: '删除地址',
      content: '确定删除这个地址吗？已下单的订单不受影响。',
    });
    if (!confirm) return;
    this.setData({ busy: true });
    try {
      await dispatchDeleteAddress(this.data.id);
      wx.navigateBack();
    } catch (err) {
      this.setData({ error: toApiError(err).message });
    } finally {
      this.setData({ busy: false });
    }
  },
});
