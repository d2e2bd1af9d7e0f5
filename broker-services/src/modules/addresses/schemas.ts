/** Schemas of delivery addresses, as shoppers keep them and as operators see them. */
import Type, { type Static } from 'typebox';
import { AddressId } from '../../schemas/common.ts';
import { PlainText } from '../catalog/schemas.ts';

/** China's administrative division codes (GB/T 2260): province, city, district, six digits each. */
export const RegionCodes = Type.Array(Type.String({ pattern: '^[1-9][0-9]{5}$' }), {
  minItems: 3,
  maxItems: 3,
});
export const RegionNames = Type.Array(PlainText(1, 20), { minItems: 3, maxItems: 3 });
/** A mainland mobile number. */
export const Phone = Type.String({ pattern: '^1[3-9][0-9]{9}$' });

export const AddressView = Type.Object({
  id: AddressId,
  name: Type.String(),
  phone: Type.String(),
  region: RegionCodes,
  regionNames: Type.Optional(Type.Array(Type.String())),
  detail: Type.String(),
  isDefault: Type.Boolean(),
});
export type AddressView = Static<typeof AddressView>;
export const AddressList = Type.Object({ items: Type.Array(AddressView) });

export const CreateAddressBody = Type.Object(
  {
    name: PlainText(1, 20),
    phone: Phone,
    region: RegionCodes,
    regionNames: Type.Optional(RegionNames),
    detail: PlainText(2, 120),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateAddressBody = Static<typeof CreateAddressBody>;

export const PatchAddressBody = Type.Object(
  {
    name: Type.Optional(PlainText(1, 20)),
    phone: Type.Optional(Phone),
    region: Type.Optional(RegionCodes),
    regionNames: Type.Optional(RegionNames),
    detail: Type.Optional(PlainText(2, 120)),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchAddressBody = Static<typeof PatchAddressBody>;

/** What an order keeps of its address (a snapshot, sealed in the order like the address itself). */
export const AddressSnapshot = Type.Object({
  name: Type.String(),
  phone: Type.String(),
  region: RegionCodes,
  regionNames: Type.Optional(Type.Array(Type.String())),
  detail: Type.String(),
});
export type AddressSnapshot = Static<typeof AddressSnapshot>;
