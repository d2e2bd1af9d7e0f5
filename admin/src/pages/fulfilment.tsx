import { App, Button, Card, Descriptions, Drawer, Empty, Space, Table, Tabs, Tag, Timeline } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { AddressSnapshot, Order } from '../api/types.ts';
import { carrierName } from '../carriers.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { ShipModal } from '../components/ship-form.tsx';
import { formatDateTime, formatDateTimeSeconds } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { formatFen } from '../money.ts';
import { orderItemLabel } from '../order-items.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

type Queue = 'paid' | 'shipped';

/** "浙江省 杭州市 西湖区 龙井路 1 号" (codes where the names were not kept). */
export function addressText(a: AddressSnapshot): string {
  const region = a.regionNames && a.regionNames.length === 3 ? a.regionNames : a.region;
  return `${region.join(' ')} ${a.detail}`;
}

/**
 * The fulfilment queue: paid orders not yet shipped (the one that waited longest first), each with its items
 * and its address masked (138****8000); the roles that fulfil orders can show one in full, and each such view is
 * audited. Shipping takes one package or a split of several. The shipped tab shows each order's packages and
 * their tracking events, with WeChat's shipping record state.
 */
export function FulfilmentPage() {
  const { t, locale } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const { errorText } = useI18n();
  const writable = canWrite(admin.role);
  const [queue, setQueue] = useState<Queue>('paid');
  const [rows, setRows] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [shipId, setShipId] = useState<string | null>(null);
  const [trackingId, setTrackingId] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Record<string, AddressSnapshot>>({});
  const products = useLoad(() => api.listProducts(), [api]);

  const load = useCallback(
    async (from: string | null) => {
      setLoading(true);
      try {
        // To ship: the order that waited longest first. Shipped: the latest first.
        const order = queue === 'paid' ? 'oldest' : 'newest';
        const page = await api.listOrders({ status: queue, order, ...(from ? { cursor: from } : {}) });
        setRows((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor ?? null);
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [api, queue],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const reveal = async (order: Order) => {
    try {
      const full = await api.orderAddress(order.id);
      setRevealed((prev) => ({ ...prev, [order.id]: full }));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const tracking = useLoad(
    () => (trackingId ? api.orderTracking(trackingId) : Promise.resolve(null)),
    [api, trackingId],
  );
  const tracked = rows.find((r) => r.id === trackingId);

  return (
    <Card title={t('nav.fulfilment')} data-testid="fulfilment-page">
      <Tabs
        activeKey={queue}
        onChange={(key) => setQueue(key as Queue)}
        items={[
          { key: 'paid', label: t('fulfilment.queue') },
          { key: 'shipped', label: t('fulfilment.shippedTab') },
        ]}
      />
      <Space style={{ marginBottom: 16 }}>
        <Button onClick={() => void load(null)}>{t('common.refresh')}</Button>
      </Space>
      <ErrorAlert error={error} />
      <Table<Order>
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        locale={{ emptyText: <Empty description={t('fulfilment.empty')} /> }}
        data-testid={`fulfilment-${queue}`}
        columns={[
          { title: t('orders.id'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          {
            title: t('orders.items'),
            key: 'items',
            render: (_: unknown, o: Order) =>
              o.items.map((item) => (
                <div key={item.skuId}>
                  {orderItemLabel(item.skuId, item.title, products.data)} × {item.quantity}
                </div>
              )),
          },
          {
            title: t('fulfilment.address'),
            key: 'address',
            render: (_: unknown, o: Order) => {
              const full = revealed[o.id];
              const shown = full ?? o.address;
              if (!shown) return '-';
              return (
                <div data-testid="order-address">
                  <div>
                    {shown.name} {shown.phone}
                  </div>
                  <div style={{ color: '#888' }}>{addressText(shown)}</div>
                  {full ? (
                    <Tag color="orange">{t('fulfilment.revealed')}</Tag>
                  ) : writable ? (
                    <Button
                      size="small"
                      type="link"
                      onClick={() => void reveal(o)}
                      data-testid="reveal-address"
                    >
                      {t('fulfilment.reveal')}
                    </Button>
                  ) : null}
                </div>
              );
            },
          },
          {
            title: t('fulfilment.payable'),
            dataIndex: 'payableFen',
            render: (fen: number) => formatFen(fen),
          },
          queue === 'paid'
            ? { title: t('orders.paidAt'), dataIndex: 'paidAt', render: (at?: string) => formatDateTime(at) }
            : {
                title: t('orders.shippingRecord'),
                key: 'shippingRecord',
                render: (_: unknown, o: Order) =>
                  o.shippingRecord
                    ? t(`orders.shippingRecord.${o.shippingRecord.state}`, {
                        attempts: o.shippingRecord.attempts,
                      })
                    : '-',
              },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, o: Order) =>
              queue === 'paid' ? (
                writable ? (
                  <Button
                    type="primary"
                    size="small"
                    onClick={() => setShipId(o.id)}
                    data-testid="ship-order"
                  >
                    {t('orders.ship')}
                  </Button>
                ) : null
              ) : (
                <Button size="small" onClick={() => setTrackingId(o.id)} data-testid="view-tracking">
                  {t('fulfilment.tracking')}
                </Button>
              ),
          },
        ]}
      />
      {cursor ? (
        <Button style={{ marginTop: 16 }} onClick={() => void load(cursor)} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : null}
      <ShipModal orderId={shipId} onClose={() => setShipId(null)} onShipped={() => void load(null)} />
      <Drawer
        open={trackingId !== null}
        onClose={() => setTrackingId(null)}
        size="large"
        title={`${t('fulfilment.tracking')} ${trackingId ?? ''}`}
      >
        <ErrorAlert error={tracking.error} />
        {tracked?.shippedAt ? (
          <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('orders.shipped')}>
              {formatDateTimeSeconds(tracked.shippedAt)}
            </Descriptions.Item>
          </Descriptions>
        ) : null}
        {(tracking.data?.packages ?? []).map((p, index) => (
          <div
            key={`${p.carrier}-${p.trackingNo}`}
            data-testid="tracking-package"
            style={{ marginBottom: 24 }}
          >
            <h4>
              {t('fulfilment.package', { n: index + 1 })} · {carrierName(p.carrier, locale)} {p.trackingNo}
            </h4>
            {p.events.length === 0 ? (
              <div style={{ color: '#888' }}>{t('fulfilment.noEvents')}</div>
            ) : (
              <Timeline
                items={p.events.map((e, i) => ({
                  key: `${e.at}-${i}`,
                  color: i === 0 ? 'green' : 'gray',
                  content: (
                    <>
                      <div data-testid="tracking-event">{e.description}</div>
                      <div style={{ color: '#888' }}>{formatDateTimeSeconds(e.at)}</div>
                    </>
                  ),
                }))}
              />
            )}
          </div>
        ))}
      </Drawer>
    </Card>
  );
}
