/** Delivery addresses: the shopper's address book; operators see them masked, fulfilment roles in full (audited). */
import Type from 'typebox';
import {
  AddressList,
  AddressView,
  CreateAddressBody,
  PatchAddressBody,
} from '../../modules/addresses/schemas.ts';
import { AddressId, IdParam, UserId } from '../../schemas/common.ts';
import type { App, GatewayOptions } from '../app.ts';
import { READ_ROLES, requireAdmin, requireShopper, WRITE_ROLES } from '../auth.ts';
import { callAs, errors } from '../call.ts';

export async function registerAddressRoutes(app: App, opts: GatewayOptions): Promise<void> {
  const { broker } = opts;
  const shopper = { preHandler: requireShopper };
  const security = [{ bearer: [] }];
  const tags = ['addresses'];

  app.get(
    '/api/addresses',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'My addresses, the default first',
        security,
        response: { 200: AddressList, ...errors(401) },
      },
    },
    async (req) => callAs(broker, req, 'addresses.listMine', {}),
  );
  app.post(
    '/api/addresses',
    {
      ...shopper,
      schema: {
        tags,
        summary:
          'Add an address (region as province, city and district codes); the first becomes the default',
        security,
        body: CreateAddressBody,
        response: { 201: AddressView, ...errors(400, 401, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(await callAs(broker, req, 'addresses.create', req.body)),
  );
  app.patch(
    '/api/addresses/:id',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'Edit one of my addresses; isDefault: true makes it the default',
        security,
        params: IdParam(AddressId),
        body: PatchAddressBody,
        response: { 200: AddressView, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'addresses.patch', { ...req.body, ...req.params }),
  );
  // wx.request has no PATCH (its methods: GET, POST, PUT, DELETE, HEAD, OPTIONS, TRACE, CONNECT), so the
  // mini-program edits through this alias: the same body and the same action, only the given fields change.
  app.put(
    '/api/addresses/:id',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'Edit one of my addresses (the PATCH above, for clients without PATCH such as wx.request)',
        security,
        params: IdParam(AddressId),
        body: PatchAddressBody,
        response: { 200: AddressView, ...errors(400, 401, 404) },
      },
    },
    async (req) => callAs(broker, req, 'addresses.patch', { ...req.body, ...req.params }),
  );
  app.delete(
    '/api/addresses/:id',
    {
      ...shopper,
      schema: {
        tags,
        summary: 'Delete one of my addresses (orders keep their own copy)',
        security,
        params: IdParam(AddressId),
        response: { 204: Type.Null(), ...errors(400, 401, 404) },
      },
    },
    async (req, reply) => {
      await callAs(broker, req, 'addresses.remove', req.params);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/admin/users/:id/addresses',
    {
      preHandler: requireAdmin(broker, READ_ROLES),
      schema: {
        tags: ['admin'],
        summary: "A shopper's addresses, masked (138****8000)",
        security,
        params: IdParam(UserId),
        response: { 200: AddressList, ...errors(400, 401, 403) },
      },
    },
    async (req) => callAs(broker, req, 'addresses.adminListForUser', { userId: req.params.id }),
  );
  app.get(
    '/api/admin/addresses/:id',
    {
      preHandler: requireAdmin(broker, WRITE_ROLES),
      schema: {
        tags: ['admin'],
        summary: 'One address in full, for the roles that fulfil orders; every read is in the audit log',
        security,
        params: IdParam(AddressId),
        response: { 200: AddressView, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => callAs(broker, req, 'addresses.adminReveal', req.params),
  );
}
