import { api } from '../request';

/** `DELETE /api/addresses/:id`: orders keep their own copy; a deleted default passes to another address. */
export async function dispatchDeleteAddress(addressId: string): Promise<void> {
  await api.request<unknown>({ method: 'DELETE', path: `/api/addresses/${encodeURIComponent(addressId)}` });
}
