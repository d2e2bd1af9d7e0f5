import type { Address, AddressInput } from '../api-types';
import { api } from '../request';

/** `POST /api/addresses`: adds an address (the first one becomes the default). */
export function dispatchAddAddress(input: AddressInput): Promise<Address> {
  return api.request<Address>({ method: 'POST', path: '/api/addresses', data: { ...input } });
}
