/** The addresses service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { AddressId, IdParam, UserId, withParams } from '../../schemas/common.ts';
import { AddressList, AddressSnapshot, AddressView, CreateAddressBody, PatchAddressBody } from './schemas.ts';

export const addressesContract = defineContract({
  name: 'addresses',
  actions: {
    listMine: { params: Type.Object({}), result: AddressList },
    create: { params: CreateAddressBody, result: AddressView },
    patch: { params: withParams(IdParam(AddressId), PatchAddressBody), result: AddressView },
    remove: { params: IdParam(AddressId), result: Type.Object({ deleted: Type.Boolean() }) },
    snapshot: { params: Type.Object({ id: AddressId, userId: Type.String() }), result: AddressSnapshot },
    adminListForUser: { params: Type.Object({ userId: UserId }), result: AddressList },
    adminReveal: { params: IdParam(AddressId), result: AddressView },
    resealOld: { params: Type.Object({}), result: Type.Object({ resealed: Type.Integer({ minimum: 0 }) }) },
  },
  events: {},
});
