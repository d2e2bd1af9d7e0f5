/** A carrier's side of the tracking push (what a real carrier's server sends us), signed with the shared secret. */
import { signCarrierPush } from '../../src/modules/fulfilment/carrier-signature.ts';
import { api, type JsonResponse } from './http.ts';

export interface CarrierEvent {
  id: string;
  at: string;
  description: string;
}

/** POSTs a push the way the carrier does; `tamper` changes the signed request after signing. */
export function pushTracking(
  baseUrl: string,
  opts: {
    carrier: string;
    secret: string;
    trackingNo: string;
    events: CarrierEvent[];
    timestampSeconds?: number;
    tamper?: 'body' | 'signature';
  },
): Promise<JsonResponse> {
  const timestamp = String(opts.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const body = JSON.stringify({ trackingNo: opts.trackingNo, events: opts.events });
  let signature = signCarrierPush(opts.secret, timestamp, body);
  if (opts.tamper === 'signature') signature = signCarrierPush(`${opts.secret}x`, timestamp, body);
  const sent = opts.tamper === 'body' ? body.replace('}]', ' }]') : body;
  return api(baseUrl, 'POST', `/api/carriers/${opts.carrier}/push`, {
    body: sent,
    headers: { 'x-carrier-timestamp': timestamp, 'x-carrier-signature': signature },
  });
}
