import { formatFen } from '../../lib/money';

/** Shows integer fen as "¥12.34"; the only place a price becomes yuan. */
Component({
  options: { virtualHost: true },
  properties: {
    fen: { type: Number, value: 0 },
    /** The "was" price: smaller, grey, struck through. */
    original: { type: Boolean, value: false },
    size: { type: String, value: 'm' },
  },
  data: { yuan: '0', cents: '00' },
  observers: {
    fen(fen: number) {
      const [yuan = '0', cents = '00'] = formatFen(Math.round(fen)).split('.');
      this.setData({ yuan, cents });
    },
  },
});
