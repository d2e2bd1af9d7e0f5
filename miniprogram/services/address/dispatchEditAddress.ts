import type { Address, AddressPatch } from '../api-types';
import { api } from '../request';

/**
 * `PUT /api/addresses/:id` → the address: only the fields given change; `isDefault: true` makes it the default.
 * (The gateway's PUT alias of its PATCH route: wx.request has no PATCH.)
 */
export function dispatchEditAddress(addressId: string, patch: AddressPatch): Promise<Address> {
  return api.request<Address>({
    method: 'PUT',
    path: `/api/addresses/${encodeURIComponent(addressId)}`,
    data: { ...patch },
  });
}
