import { App, Button, Card, Descriptions, Drawer, Input, Select, Space, Table, Tag, Timeline } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ORDER_STATUSES, type Order, type OrderDetail, type OrderStatus } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { ShipModal } from '../components/ship-form.tsx';
import { formatDateTimeSeconds } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { errorMessages } from '../i18n/messages.ts';
import { formatFen } from '../money.ts';
import { orderItemLabel } from '../order-items.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const STATUS_COLORS: Record<OrderStatus, string> = {
  pending_payment: 'gold',
  paid: 'green',
  cancelled: 'default',
  refunding: 'orange',
  refunded: 'purple',
  shipped: 'blue',
  completed: 'cyan',
};

const fmt = formatDateTimeSeconds;

/** Orders by status and campaign, newest first, with detail, status history, ship and refund. */
export function OrdersPage() {
  const { t, errorText, locale } = useI18n();
  /** WeChat's 发货信息录入 of a shipped order: its state, and why the last attempt failed. */
  const shippingRecordText = (r: NonNullable<OrderDetail['shippingRecord']>) => {
    const state = t(`orders.shippingRecord.${r.state}`, { attempts: r.attempts });
    if (!r.lastErrorCode || r.state === 'sent') return state;
    const why = errorMessages[locale][r.lastErrorCode] ?? r.lastErrorCode;
    return `${state} · ${why}${r.lastErrcode === undefined ? '' : ` (errcode ${r.lastErrcode})`}`;
  };
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? undefined) as OrderStatus | undefined;
  const campaignId = params.get('campaignId') ?? undefined;
  const [rows, setRows] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [shipId, setShipId] = useState<string | null>(null);
  const campaigns = useLoad(() => api.listCampaigns(), [api]);
  const products = useLoad(() => api.listProducts(), [api]);

  const load = useCallback(
    async (from: string | null) => {
      setLoading(true);
      try {
        const page = await api.listOrders({
          ...(status ? { status } : {}),
          ...(campaignId ? { campaignId } : {}),
          ...(from ? { cursor: from } : {}),
        });
        setRows((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor ?? null);
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [api, status, campaignId],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const setFilter = (key: 'status' | 'campaignId', value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };

  const detail = useLoad(() => (openId ? api.getOrder(openId) : Promise.resolve(null)), [api, openId]);

  const afterChange = async () => {
    await detail.reload();
    await load(null);
  };

  const refund = (order: OrderDetail) => {
    let reason = '';
    modal.confirm({
      title: t('orders.refund'),
      content: (
        <Space direction="vertical" style={{ width: '100%' }}>
          <span>{t('orders.refundConfirm', { id: order.id, amount: formatFen(order.totalFen) })}</span>
          <Input.TextArea
            rows={2}
            placeholder={t('orders.refundReason')}
            aria-label={t('orders.refundReason')}
            onChange={(e) => {
              reason = e.target.value;
            }}
          />
        </Space>
      ),
      okText: t('orders.refund'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        if (!reason.trim()) {
          message.error(`${t('orders.refundReason')}: ${t('common.required')}`);
          throw new Error('reason required');
        }
        try {
          await api.refundOrder(order.id, reason.trim());
          message.success(t('orders.refunded'));
          await afterChange();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  const o = detail.data;
  return (
    <Card title={t('nav.orders')} data-testid="orders-page">
      <Space style={{ marginBottom: 16 }} wrap>
        <Select<OrderStatus>
          allowClear
          placeholder={t('common.status')}
          style={{ width: 160 }}
          value={status}
          onChange={(v) => setFilter('status', v)}
          options={ORDER_STATUSES.map((s) => ({ value: s, label: t(`orders.status.${s}`) }))}
          data-testid="order-status-filter"
        />
        <Select<string>
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={t('orders.campaign')}
          style={{ width: 260 }}
          value={campaignId}
          onChange={(v) => setFilter('campaignId', v)}
          options={(campaigns.data ?? []).map((c) => ({ value: c.id, label: c.title }))}
        />
        <Button onClick={() => void load(null)}>{t('common.refresh')}</Button>
      </Space>
      <ErrorAlert error={error} />
      <Table<Order>
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        onRow={(order) => ({ onClick: () => setOpenId(order.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('orders.id'), dataIndex: 'id' },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (s: OrderStatus) => <Tag color={STATUS_COLORS[s]}>{t(`orders.status.${s}`)}</Tag>,
          },
          {
            title: t('orders.campaign'),
            dataIndex: 'campaignId',
            render: (id: string) => campaigns.data?.find((c) => c.id === id)?.title ?? id,
          },
          { title: t('orders.total'), dataIndex: 'totalFen', render: (fen: number) => formatFen(fen) },
          { title: t('common.createdAt'), dataIndex: 'createdAt', render: fmt },
          { title: t('orders.paidAt'), dataIndex: 'paidAt', render: fmt },
        ]}
      />
      {cursor ? (
        <Button style={{ marginTop: 16 }} onClick={() => void load(cursor)} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : null}
      <Drawer
        open={openId !== null}
        onClose={() => setOpenId(null)}
        size="large"
        title={`${t('orders.id')} ${openId ?? ''}`}
        extra={
          writable && o ? (
            <Space>
              {o.status === 'paid' ? (
                <Button onClick={() => setShipId(o.id)} data-testid="ship-order">
                  {t('orders.ship')}
                </Button>
              ) : null}
              {o.status === 'paid' || o.status === 'shipped' || o.status === 'completed' ? (
                <Button danger onClick={() => refund(o)} data-testid="refund-order">
                  {t('orders.refund')}
                </Button>
              ) : null}
            </Space>
          ) : null
        }
      >
        <ErrorAlert error={detail.error} />
        {o ? (
          <div data-testid="order-detail">
            <Descriptions column={1} bordered size="small">
              <Descriptions.Item label={t('common.status')}>
                <Tag color={STATUS_COLORS[o.status]} data-testid="order-detail-status">
                  {t(`orders.status.${o.status}`)}
                </Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t('orders.user')}>{o.userId}</Descriptions.Item>
              <Descriptions.Item label={t('orders.campaign')}>
                {campaigns.data?.find((c) => c.id === o.campaignId)?.title ?? o.campaignId}
              </Descriptions.Item>
              <Descriptions.Item label={t('orders.items')}>
                {o.items.map((item) => (
                  <div key={item.skuId} data-testid="order-item">
                    {orderItemLabel(item.skuId, item.title, products.data)} × {item.quantity} @{' '}
                    {formatFen(item.unitPriceFen)}
                  </div>
                ))}
              </Descriptions.Item>
              <Descriptions.Item label={t('orders.total')}>{formatFen(o.totalFen)}</Descriptions.Item>
              <Descriptions.Item label={t('common.createdAt')}>{fmt(o.createdAt)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.expiresAt')}>{fmt(o.expiresAt)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.paidAt')}>{fmt(o.paidAt)}</Descriptions.Item>
              <Descriptions.Item label={t('orders.trackingNo')}>{o.trackingNo ?? '-'}</Descriptions.Item>
              <Descriptions.Item label={t('orders.shippingRecord')}>
                <span data-testid="order-shipping-record">
                  {o.shippingRecord ? shippingRecordText(o.shippingRecord) : '-'}
                </span>
              </Descriptions.Item>
            </Descriptions>
            <h4 style={{ marginTop: 24 }}>{t('orders.transitions')}</h4>
            <Timeline
              items={(o.transitions ?? []).map((tr) => ({
                key: `${tr.at}-${tr.to}`,
                content: (
                  <>
                    <div>
                      {tr.from ? t(`orders.status.${tr.from}`) : '∅'} → {t(`orders.status.${tr.to}`)}
                    </div>
                    <div style={{ color: '#888' }}>
                      {fmt(tr.at)} · {t('orders.by')}: {tr.actor} · {tr.reason}
                    </div>
                  </>
                ),
              }))}
            />
          </div>
        ) : null}
      </Drawer>
      <ShipModal orderId={shipId} onClose={() => setShipId(null)} onShipped={() => void afterChange()} />
    </Card>
  );
}
