/** Schemas of the catalogue: products with their SKUs as operators edit them; categories and products as shoppers browse them. */
import Type, { type Static } from 'typebox';
import {
  CampaignId,
  CategoryId,
  Fen,
  IsoTime,
  Limit,
  PriceFen,
  ProductId,
  SkuId,
} from '../../schemas/common.ts';

/** Regular stock of a SKU: units for sale at the regular price, apart from any campaign's stock. */
export const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });
const ImageUrl = Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' });
const Images = Type.Array(ImageUrl, { maxItems: 9 });

export const SkuView = Type.Object({ id: SkuId, name: Type.String(), priceFen: PriceFen, stock: Stock });
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
  { name: Type.String({ minLength: 1, maxLength: 60 }), priceFen: PriceFen, stock: Type.Optional(Stock) },
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
            priceFen: PriceFen,
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

/** Text a shopper or operator types: no control characters, no lone surrogates. */
export const PlainText = (min: number, max: number) =>
  Type.String({ minLength: min, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$' });

export const CategoryView = Type.Object({
  id: CategoryId,
  name: Type.String(),
  parentId: Type.Optional(CategoryId),
  sortOrder: Type.Integer(),
});
export type CategoryView = Static<typeof CategoryView>;
export const CategoryList = Type.Object({ items: Type.Array(CategoryView) });

export const CreateCategoryBody = Type.Object(
  {
    name: PlainText(1, 30),
    parentId: Type.Optional(CategoryId),
    sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type CreateCategoryBody = Static<typeof CreateCategoryBody>;

/** A category's name and place among its siblings; its level stays (move products instead). */
export const PatchCategoryBody = Type.Object(
  {
    name: Type.Optional(PlainText(1, 30)),
    sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCategoryBody = Static<typeof PatchCategoryBody>;

/**
 * A relative change of a SKU's regular stock (+N received, −N written off), applied in one guarded UPDATE, so
 * it never overwrites units that checkouts took meanwhile, as an absolute stock edit would.
 */
export const StockAdjustmentBody = Type.Object(
  {
    delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, not: { const: 0 } }),
    reason: PlainText(2, 200),
  },
  { additionalProperties: false },
);
export type StockAdjustmentBody = Static<typeof StockAdjustmentBody>;
export const StockAdjustmentView = Type.Object({
  skuId: SkuId,
  productId: ProductId,
  delta: Type.Integer(),
  stock: Stock,
});
export type StockAdjustmentView = Static<typeof StockAdjustmentView>;

export const StockStatus = Type.Union([
  Type.Literal('available'),
  Type.Literal('few_left'),
  Type.Literal('sold_out'),
]);
export type StockStatus = Static<typeof StockStatus>;

export const ShopSkuView = Type.Object({
  id: SkuId,
  title: Type.String(),
  priceFen: Fen,
  stockLeft: Type.Integer({ minimum: 0 }),
  stockStatus: StockStatus,
  campaign: Type.Optional(
    Type.Object({
      id: CampaignId,
      type: Type.Union([Type.Literal('seckill'), Type.Literal('groupbuy')]),
      priceFen: Fen,
    }),
  ),
});
export type ShopSkuView = Static<typeof ShopSkuView>;

export const ShopProductView = Type.Object({
  id: ProductId,
  title: Type.String(),
  categoryId: Type.Optional(CategoryId),
  images: Type.Array(Type.String()),
  description: Type.String(),
  priceFen: Fen,
  sales: Type.Integer({ minimum: 0 }),
  skus: Type.Array(ShopSkuView),
  onSale: Type.Boolean(),
});
export type ShopProductView = Static<typeof ShopProductView>;

export const ProductSort = Type.Union([
  Type.Literal('newest'),
  Type.Literal('price_asc'),
  Type.Literal('price_desc'),
  Type.Literal('sales'),
]);
export type ProductSort = Static<typeof ProductSort>;

export const ProductCursor = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' });

export const BrowseQuery = Type.Object(
  {
    q: Type.Optional(PlainText(1, 40)),
    categoryId: Type.Optional(CategoryId),
    sort: Type.Optional(ProductSort),
    cursor: Type.Optional(ProductCursor),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type BrowseQuery = Static<typeof BrowseQuery>;

export const ProductPage = Type.Object({
  items: Type.Array(ShopProductView),
  nextCursor: Type.Optional(Type.String()),
});
export type ProductPage = Static<typeof ProductPage>;

/** A SKU with its price, stock and whether its product is on sale (what the cart reads). */
export const SkuForSaleView = Type.Object({
  id: SkuId,
  productId: ProductId,
  /** The product's category and its parent (what a coupon's category scope matches). */
  categoryIds: Type.Array(Type.String()),
  title: Type.String(),
  skuTitle: Type.String(),
  priceFen: Fen,
  stockLeft: Type.Integer({ minimum: 0 }),
  onSale: Type.Boolean(),
});
export type SkuForSaleView = Static<typeof SkuForSaleView>;
