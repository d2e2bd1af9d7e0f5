import { api } from '../request';

/** Forgets the shopper's token on this phone. */
export function dispatchLogout(): void {
  api.clearSession();
}
