import { App, Button, Card, Input, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { REFUND_REQUEST_STATUSES, type RefundRequest, type RefundRequestStatus } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const STATUS_COLORS: Record<RefundRequestStatus, string> = {
  pending: 'gold',
  approved: 'green',
  rejected: 'default',
};

/**
 * The after-sale queue, oldest first: 仅退款 / 退货退款 requests with the shopper's reason. Approving refunds the
 * whole order through its payment provider, exactly once (the server claims the request before refunding);
 * rejecting takes a note the shopper reads.
 */
export function AfterSalePage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const [status, setStatus] = useState<RefundRequestStatus | undefined>('pending');
  const { data, error, loading, reload } = useLoad(() => api.listRefundRequests(status), [api, status]);

  const approve = (r: RefundRequest) => {
    modal.confirm({
      title: t('afterSale.approve'),
      content: t('afterSale.approveConfirm', { id: r.id, order: r.orderId }),
      okText: t('afterSale.approve'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api.approveRefundRequest(r.id);
          message.success(t('afterSale.approved'));
          await reload();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  const reject = (r: RefundRequest) => {
    let note = '';
    modal.confirm({
      title: t('afterSale.reject'),
      content: (
        <Input.TextArea
          rows={2}
          maxLength={200}
          placeholder={t('afterSale.rejectNote')}
          aria-label={t('afterSale.rejectNote')}
          onChange={(e) => {
            note = e.target.value;
          }}
        />
      ),
      okText: t('afterSale.reject'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        if (!note.trim()) {
          message.error(`${t('afterSale.rejectNote')}: ${t('common.required')}`);
          throw new Error('note required');
        }
        try {
          await api.rejectRefundRequest(r.id, note.trim());
          message.success(t('afterSale.rejected'));
          await reload();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  return (
    <Card title={t('nav.afterSale')} data-testid="after-sale-page">
      <Space style={{ marginBottom: 16 }} wrap>
        <Select<RefundRequestStatus>
          allowClear
          placeholder={t('common.all')}
          style={{ width: 160 }}
          value={status}
          onChange={(v) => setStatus(v)}
          options={REFUND_REQUEST_STATUSES.map((s) => ({ value: s, label: t(`afterSale.status.${s}`) }))}
          data-testid="after-sale-status-filter"
        />
        <Button onClick={() => void reload()}>{t('common.refresh')}</Button>
      </Space>
      <ErrorAlert error={error} />
      <Table<RefundRequest>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        pagination={false}
        scroll={{ x: 1500 }}
        columns={[
          { title: t('afterSale.request'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          { title: t('afterSale.order'), dataIndex: 'orderId', render: (id: string) => <code>{id}</code> },
          {
            title: t('afterSale.kind'),
            dataIndex: 'kind',
            render: (kind: RefundRequest['kind']) => (
              <Tag style={{ whiteSpace: 'nowrap' }}>{t(`afterSale.kind.${kind}`)}</Tag>
            ),
          },
          { title: t('afterSale.reason'), dataIndex: 'reason', width: 220 },
          {
            // Asked after the shopper received the order (within AFTER_SALE_DAYS of completion).
            title: t('afterSale.afterReceipt'),
            dataIndex: 'afterReceipt',
            render: (after: boolean) =>
              after ? (
                <Tag color="purple">{t('afterSale.afterReceiptYes')}</Tag>
              ) : (
                t('afterSale.afterReceiptNo')
              ),
          },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (s: RefundRequestStatus) => (
              <Tag color={STATUS_COLORS[s]} data-testid="after-sale-status">
                {t(`afterSale.status.${s}`)}
              </Tag>
            ),
          },
          { title: t('afterSale.note'), dataIndex: 'note', render: (note?: string) => note ?? '-' },
          {
            title: t('common.createdAt'),
            dataIndex: 'createdAt',
            render: (at: string) => formatDateTime(at),
          },
          {
            title: t('afterSale.decidedAt'),
            dataIndex: 'decidedAt',
            render: (at?: string) => formatDateTime(at),
          },
          ...(writable
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  fixed: 'right' as const,
                  render: (_: unknown, r: RefundRequest) =>
                    r.status === 'pending' ? (
                      <Space>
                        <Button
                          size="small"
                          type="primary"
                          danger
                          onClick={() => approve(r)}
                          data-testid="approve-request"
                        >
                          {t('afterSale.approve')}
                        </Button>
                        <Button size="small" onClick={() => reject(r)} data-testid="reject-request">
                          {t('afterSale.reject')}
                        </Button>
                      </Space>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}
