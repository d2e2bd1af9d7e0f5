import type { Address } from '../api-types';
import { api } from '../request';

/** `GET /api/addresses`: my address book, the default first. */
export async function fetchAddresses(): Promise<Address[]> {
  return (await api.request<{ items: Address[] }>({ path: '/api/addresses' })).items;
}
