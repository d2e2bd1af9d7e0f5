import type { ProductCard } from '../../lib/shop-view';

/** One product in a list: image, title, lowest price, sales; a tap opens its detail. */
Component({
  properties: {
    product: { type: Object, value: {} as ProductCard },
  },
  methods: {
    onTap() {
      const product = this.data.product as ProductCard;
      if (product.id) wx.navigateTo({ url: `/pages/shop/product/index?id=${product.id}` });
    },
  },
});
