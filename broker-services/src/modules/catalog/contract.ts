/** The catalog service on the bus: its actions with their params and results (see ../../broker/README.md). */
import Type from 'typebox';
import { defineContract } from '../../broker/contract.ts';
import { CategoryId, IdParam, PriceFen, ProductId, SkuId, withParams } from '../../schemas/common.ts';
import {
  BrowseQuery,
  CategoryList,
  CategoryView,
  CreateCategoryBody,
  CreateProductBody,
  PatchCategoryBody,
  PatchProductBody,
  ProductPage,
  ProductView,
  ShopProductView,
  SkuForSaleView,
  StockAdjustmentBody,
  StockAdjustmentView,
} from './schemas.ts';

export const catalogContract = defineContract({
  name: 'catalog',
  actions: {
    list: { params: Type.Object({}), result: Type.Object({ items: Type.Array(ProductView) }) },
    get: { params: IdParam(ProductId), result: ProductView },
    getSku: {
      params: IdParam(SkuId),
      result: Type.Object({
        sku: Type.Object({ id: SkuId, name: Type.String(), priceFen: PriceFen }),
        product: Type.Object({
          id: ProductId,
          title: Type.String(),
          status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
        }),
      }),
    },
    categories: { params: Type.Object({}), result: CategoryList },
    createCategory: { params: CreateCategoryBody, result: CategoryView },
    updateCategory: { params: withParams(IdParam(CategoryId), PatchCategoryBody), result: CategoryView },
    deleteCategory: { params: IdParam(CategoryId), result: Type.Null() },
    adjustStock: { params: withParams(IdParam(SkuId), StockAdjustmentBody), result: StockAdjustmentView },
    browse: { params: BrowseQuery, result: ProductPage },
    skusForSale: {
      params: Type.Object({ ids: Type.Array(SkuId, { maxItems: 100 }) }),
      result: Type.Object({ items: Type.Array(SkuForSaleView) }),
    },
    detail: { params: IdParam(ProductId), result: ShopProductView },
    create: { params: CreateProductBody, result: ProductView },
    patch: { params: withParams(IdParam(ProductId), PatchProductBody), result: ProductView },
  },
  events: {},
});
