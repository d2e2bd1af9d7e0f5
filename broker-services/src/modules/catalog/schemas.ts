/** Products with their SKUs. */
import Type, { type Static } from 'typebox';
import { IsoTime, PriceFen, ProductId, SkuId } from '../../schemas/common.ts';

export const SkuView = Type.Object({ id: SkuId, name: Type.String(), priceFen: PriceFen });
export const ProductView = Type.Object({
  id: ProductId,
  title: Type.String(),
  description: Type.String(),
  imageUrl: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
  skus: Type.Array(SkuView),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ProductView = Static<typeof ProductView>;
const SkuInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 60 }), priceFen: PriceFen },
  { additionalProperties: false },
);
export const CreateProductBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    imageUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 500 })),
    skus: Type.Array(SkuInput, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;
export const PatchProductBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    imageUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 500 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])),
    skus: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.Optional(SkuId),
            name: Type.String({ minLength: 1, maxLength: 60 }),
            priceFen: PriceFen,
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 50 },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchProductBody = Static<typeof PatchProductBody>;
