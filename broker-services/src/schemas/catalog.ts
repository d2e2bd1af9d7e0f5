/** Products with their SKUs and categories, as operators edit them. */
import Type, { type Static } from 'typebox';
import { CategoryId, Fen, IsoTime, ProductId, SkuId } from './common.ts';

/** Regular stock of a SKU: units for sale at the regular price, apart from any campaign's stock. */
export const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const ImageUrl = Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' });
const Images = Type.Array(ImageUrl, { maxItems: 9 });

export const SkuView = Type.Object({ id: SkuId, name: Type.String(), priceFen: Fen, stock: Stock });
export const ProductView = Type.Object({
  id: ProductId,
  title: Type.String(),
  description: Type.String(),
  imageUrl: Type.Optional(Type.String()),
  images: Type.Array(Type.String()),
  categoryId: Type.Optional(CategoryId),
  onSale: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
  sales: Type.Integer({ minimum: 0 }),
  skus: Type.Array(SkuView),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ProductView = Static<typeof ProductView>;
const SkuInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 60 }), priceFen: Fen, stock: Type.Optional(Stock) },
  { additionalProperties: false },
);
export const CreateProductBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    imageUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 500 })),
    images: Type.Optional(Images),
    categoryId: Type.Optional(CategoryId),
    onSale: Type.Optional(Type.Boolean()),
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
    images: Type.Optional(Images),
    categoryId: Type.Optional(CategoryId),
    onSale: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])),
    skus: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.Optional(SkuId),
            name: Type.String({ minLength: 1, maxLength: 60 }),
            priceFen: Fen,
            stock: Type.Optional(Stock),
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
