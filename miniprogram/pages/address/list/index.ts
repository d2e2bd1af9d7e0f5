import { addressInputOf, addressLine, formOfWechatAddress } from '../../../lib/address-view';
import { dispatchAddAddress } from '../../../services/address/dispatchAddAddress';
import { dispatchEditAddress } from '../../../services/address/dispatchEditAddress';
import { fetchAddresses } from '../../../services/address/fetchAddresses';
import type { Address } from '../../../services/api-types';
import { toApiError } from '../../../services/request';

interface AddressRow extends Address {
  line: string;
}

/**
 * My address book: the default first; add, edit, make default; import one from WeChat (`wx.chooseAddress`).
 * Opened with `?select=1` (checkout, an order waiting for its address) a tap picks the address and goes back
 * through the opener's event channel (`selected`), so the opener keeps its state (and its reservation).
 */
Page({
  data: {
    select: false,
    selectedId: '',
    rows: [] as AddressRow[],
    loaded: false,
    busy: false,
    error: '',
  },
  onLoad(query: Record<string, string | undefined>) {
    this.setData({ select: query.select === '1', selectedId: query.selected ?? '' });
  },
  onShow() {
    this.load();
  },
  async load() {
    try {
      const items = await fetchAddresses();
      this.setData({ rows: items.map((a) => ({ ...a, line: addressLine(a) })), loaded: true, error: '' });
    } catch (err) {
      this.setData({ error: toApiError(err).message, loaded: true });
    }
  },
  pick(address: Address) {
    // Opened without an opener (a shared link), the channel is empty and has no emit.
    this.getOpenerEventChannel().emit?.('selected', address);
    wx.navigateBack();
  },
  onRowTap(event: WechatMiniprogram.TouchEvent) {
    const row = this.data.rows.find((r) => r.id === event.currentTarget.dataset.id);
    if (!row) return;
    if (this.data.select) this.pick(row);
    else wx.navigateTo({ url: `/pages/address/edit/index?id=${row.id}` });
  },
  onEditTap(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/address/edit/index?id=${String(event.currentTarget.dataset.id ?? '')}` });
  },
  async onDefaultTap(event: WechatMiniprogram.TouchEvent) {
    const id = String(event.currentTarget.dataset.id ?? '');
    if (!id || this.data.busy) return;
    this.setData({ busy: true });
    try {
      await dispatchEditAddress(id, { isDefault: true });
      await this.load();
    } catch (err) {
      wx.showToast({ title: toApiError(err).message, icon: 'none' });
    } finally {
      this.setData({ busy: false });
    }
  },
  onAddTap() {
    wx.navigateTo({ url: '/pages/address/edit/index' });
  },
  /** WeChat's own address book: the shopper picks one there and it is saved here as it is. */
  async onImportTap() {
    if (this.data.busy) return;
    let chosen: WechatMiniprogram.ChooseAddressSuccessCallbackResult;
    try {
      chosen = await wx.chooseAddress();
    } catch {
      return; // The shopper closed WeChat's list, or refused the permission: nothing to import.
    }
    const checked = addressInputOf(formOfWechatAddress(chosen));
    if ('error' in checked) {
      wx.showToast({ title: checked.error, icon: 'none' });
      return;
    }
    this.setData({ busy: true });
    try {
      const added = await dispatchAddAddress(checked.input);
      if (this.data.select) this.pick(added);
      else await this.load();
    } catch (err) {
      wx.showToast({ title: toApiError(err).message, icon: 'none' });
    } finally {
      this.setData({ busy: false });
    }
  },
});
