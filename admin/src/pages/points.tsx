import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import type {
  LedgerEntry,
  LedgerSearch,
  MallItem,
  PointsReason,
  PointsReconciliation,
  PointsRules,
} from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { fenToYuanString } from '../money.ts';
import { canWrite } from '../permissions.ts';
import { newRequestId } from '../request-id.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

export const POINTS_REASONS = [
  'order_earn',
  'order_earn_reversal',
  'checkout_hold',
  'checkout_release',
  'refund_return',
  'mall_redeem',
  'expired',
  'admin_adjust',
] as const satisfies readonly PointsReason[];

/** `+120` / `-35`: a ledger movement as operators read it. */
export function signedPoints(delta: number): string {
  return delta > 0 ? `+${delta}` : String(delta);
}

/** Points: the rules, the ledger with adjustments and a reconciliation check, and the points mall. */
export function PointsPage() {
  const { t } = useI18n();
  return (
    <Card title={t('nav.points')} data-testid="points-page">
      <Tabs
        items={[
          { key: 'rules', label: t('points.tab.rules'), children: <RulesTab /> },
          { key: 'ledger', label: t('points.tab.ledger'), children: <LedgerTab /> },
          { key: 'mall', label: t('points.tab.mall'), children: <MallTab /> },
        ]}
      />
    </Card>
  );
}

interface RulesForm {
  earnPointsPerYuan: number;
  pointValueFen: number;
  maxRedeemPercent: number;
  capPoints: boolean;
  maxRedeemPoints?: number;
  expires: boolean;
  expiryDays?: number;
}

function RulesTab() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, reload } = useLoad(() => api.pointsRules(), [api]);
  const [form] = Form.useForm<RulesForm>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (!data) return;
    form.setFieldsValue({
      earnPointsPerYuan: data.earnPointsPerYuan,
      pointValueFen: data.pointValueFen,
      maxRedeemPercent: data.maxRedeemPercent,
      capPoints: data.maxRedeemPoints !== null,
      maxRedeemPoints: data.maxRedeemPoints ?? undefined,
      expires: data.expiryDays !== null,
      expiryDays: data.expiryDays ?? undefined,
    });
  }, [data, form]);
  const capPoints = Form.useWatch('capPoints', form);
  const expires = Form.useWatch('expires', form);
  const pointValueFen = Form.useWatch('pointValueFen', form);

  const save = async () => {
    const v = await form.validateFields();
    const rules: PointsRules = {
      earnPointsPerYuan: v.earnPointsPerYuan,
      pointValueFen: v.pointValueFen,
      maxRedeemPercent: v.maxRedeemPercent,
      maxRedeemPoints: v.capPoints ? (v.maxRedeemPoints ?? null) : null,
      expiryDays: v.expires ? (v.expiryDays ?? null) : null,
    };
    setSaving(true);
    try {
      await api.setPointsRules(rules);
      message.success(t('common.saved'));
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div data-testid="points-rules">
      <ErrorAlert error={error} />
      {/* Disabled until the rules are loaded: filled in later, they would overwrite what was typed meanwhile. */}
      <Form<RulesForm> form={form} layout="vertical" disabled={!writable || !data} style={{ maxWidth: 520 }}>
        <Form.Item
          name="earnPointsPerYuan"
          label={t('points.rules.earn')}
          extra={t('points.rules.earnHelp')}
          rules={[{ required: true }]}
        >
          <InputNumber min={0} max={1000} precision={0} style={{ width: '100%' }} data-testid="rules-earn" />
        </Form.Item>
        <Form.Item
          name="pointValueFen"
          label={t('points.rules.value')}
          extra={
            pointValueFen ? t('points.rules.valueHelp', { yuan: fenToYuanString(100 * pointValueFen) }) : null
          }
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={100} precision={0} style={{ width: '100%' }} data-testid="rules-value" />
        </Form.Item>
        <Form.Item
          name="maxRedeemPercent"
          label={t('points.rules.share')}
          extra={t('points.rules.shareHelp')}
          rules={[{ required: true }]}
        >
          <InputNumber min={0} max={100} precision={0} addonAfter="%" style={{ width: '100%' }} />
        </Form.Item>
        <Space align="start">
          <Form.Item name="capPoints" label={t('points.rules.cap')} valuePropName="checked">
            <Switch />
          </Form.Item>
          {capPoints ? (
            <Form.Item
              name="maxRedeemPoints"
              label={t('points.rules.capPoints')}
              rules={[{ required: true }]}
            >
              <InputNumber min={1} max={100_000_000} precision={0} />
            </Form.Item>
          ) : null}
        </Space>
        <Space align="start">
          <Form.Item name="expires" label={t('points.rules.expires')} valuePropName="checked">
            <Switch data-testid="rules-expires" />
          </Form.Item>
          {expires ? (
            <Form.Item name="expiryDays" label={t('points.rules.expiryDays')} rules={[{ required: true }]}>
              <InputNumber min={1} max={3650} precision={0} data-testid="rules-expiry-days" />
            </Form.Item>
          ) : null}
        </Space>
        {writable ? (
          <Form.Item>
            <Button type="primary" loading={saving} onClick={save} data-testid="save-rules">
              {t('common.save')}
            </Button>
          </Form.Item>
        ) : null}
      </Form>
    </div>
  );
}

interface AdjustForm {
  userId: string;
  delta: number;
  note: string;
}

function LedgerTab() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const writable = canWrite(admin.role);
  const [search, setSearch] = useState<LedgerSearch>({});
  const [rows, setRows] = useState<LedgerEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [adjusting, setAdjusting] = useState(false);
  const [saving, setSaving] = useState(false);
  const [check, setCheck] = useState<PointsReconciliation | null>(null);
  const [adjustForm] = Form.useForm<AdjustForm>();
  const [searchForm] = Form.useForm<LedgerSearch>();
  // One request id per opened adjustment form: a resend after a lost answer is not a second adjustment.
  const [requestId, setRequestId] = useState('');

  const load = async (query: LedgerSearch, after?: string) => {
    setLoading(true);
    try {
      const page = await api.pointsLedger({ ...query, ...(after ? { cursor: after } : {}) });
      setRows((before) => (after ? [...before, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the search changes only
  useEffect(() => {
    void load(search);
  }, [search, api]);

  const adjust = async () => {
    const v = await adjustForm.validateFields();
    setSaving(true);
    try {
      const done = await api.adjustPoints({
        userId: v.userId.trim(),
        delta: v.delta,
        note: v.note.trim(),
        requestId,
      });
      message.success(t('points.adjusted', { balance: String(done.balance) }));
      setAdjusting(false);
      await load(search);
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const reconcile = async () => {
    try {
      setCheck(await api.pointsReconciliation());
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <div data-testid="points-ledger">
      <Space style={{ marginBottom: 16 }} wrap>
        <Form<LedgerSearch>
          form={searchForm}
          layout="inline"
          onFinish={(v) =>
            setSearch({
              ...(v.userId?.trim() ? { userId: v.userId.trim() } : {}),
              ...(v.orderId?.trim() ? { orderId: v.orderId.trim() } : {}),
              ...(v.reason ? { reason: v.reason } : {}),
            })
          }
        >
          <Form.Item name="userId">
            <Input placeholder={t('points.ledger.userId')} allowClear data-testid="ledger-user" />
          </Form.Item>
          <Form.Item name="orderId">
            <Input placeholder={t('points.ledger.orderId')} allowClear />
          </Form.Item>
          <Form.Item name="reason">
            <Select
              allowClear
              placeholder={t('points.ledger.reason')}
              style={{ width: 160 }}
              options={POINTS_REASONS.map((r) => ({ value: r, label: t(`points.reason.${r}`) }))}
            />
          </Form.Item>
          <Button htmlType="submit" data-testid="ledger-search">
            {t('points.ledger.search')}
          </Button>
        </Form>
        {writable ? (
          <Button
            icon={<PlusOutlined />}
            onClick={() => {
              adjustForm.resetFields();
              setRequestId(newRequestId());
              setAdjusting(true);
            }}
            data-testid="adjust-points"
          >
            {t('points.adjust')}
          </Button>
        ) : null}
        <Button onClick={reconcile} data-testid="reconcile-points">
          {t('points.reconcile')}
        </Button>
      </Space>
      {check ? (
        <Typography.Paragraph data-testid="reconcile-result">
          {check.driftUsers === 0 ? (
            <Tag color="green">{t('points.reconcile.ok')}</Tag>
          ) : (
            <Tag color="red">{t('points.reconcile.drift', { count: String(check.driftUsers) })}</Tag>
          )}
        </Typography.Paragraph>
      ) : null}
      <ErrorAlert error={error} />
      <Table<LedgerEntry>
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: t('points.ledger.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at) },
          {
            title: t('points.ledger.userId'),
            dataIndex: 'userId',
            render: (id: string) => <code>{id}</code>,
          },
          {
            title: t('points.ledger.delta'),
            dataIndex: 'delta',
            render: (d: number) => <Tag color={d >= 0 ? 'green' : 'orange'}>{signedPoints(d)}</Tag>,
          },
          { title: t('points.ledger.balanceAfter'), dataIndex: 'balanceAfter' },
          {
            title: t('points.ledger.reason'),
            dataIndex: 'reason',
            render: (r: PointsReason) => t(`points.reason.${r}`),
          },
          {
            title: t('points.ledger.orderId'),
            dataIndex: 'orderId',
            render: (id?: string) => (id ? <code>{id}</code> : '-'),
          },
          { title: t('points.ledger.note'), dataIndex: 'note', render: (n?: string) => n ?? '-' },
          {
            // A refund's take-back of points the shopper had already spent: not owed, on record.
            title: t('points.ledger.shortfall'),
            dataIndex: 'shortfall',
            render: (s?: number) => (s ? <Tag color="red">{s}</Tag> : '-'),
          },
          {
            title: t('points.ledger.expiresAt'),
            dataIndex: 'expiresAt',
            render: (at?: string) => formatDateTime(at),
          },
        ]}
      />
      {cursor ? (
        <Button style={{ marginTop: 16 }} onClick={() => load(search, cursor)} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : null}
      <Modal
        open={adjusting}
        title={t('points.adjust')}
        onCancel={() => setAdjusting(false)}
        onOk={adjust}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Form<AdjustForm> form={adjustForm} layout="vertical">
          <Form.Item name="userId" label={t('points.ledger.userId')} rules={[{ required: true }]}>
            <Input placeholder="usr_…" data-testid="adjust-user" />
          </Form.Item>
          <Form.Item
            name="delta"
            label={t('points.adjust.delta')}
            extra={t('points.adjust.deltaHelp')}
            rules={[
              { required: true },
              { validator: async (_, v) => (v === 0 ? Promise.reject() : undefined) },
            ]}
          >
            <InputNumber min={-100_000_000} max={100_000_000} precision={0} data-testid="adjust-delta" />
          </Form.Item>
          <Form.Item
            name="note"
            label={t('points.ledger.note')}
            rules={[{ required: true, min: 2, max: 200 }]}
          >
            <Input data-testid="adjust-note" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

interface MallForm {
  title: string;
  description?: string;
  imageUrl?: string;
  pointsCost: number;
  stockTotal: number;
  perUserLimit: number;
}

function MallTab() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, loading, reload } = useLoad(() => api.listMallItems(), [api]);
  const [editing, setEditing] = useState<MallItem | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<MallForm>();

  const open = (item: MallItem | 'new') => {
    setEditing(item);
    form.setFieldsValue(
      item === 'new'
        ? { title: '', description: '', imageUrl: '', pointsCost: 100, stockTotal: 10, perUserLimit: 1 }
        : {
            title: item.title,
            description: item.description,
            imageUrl: item.imageUrl ?? '',
            pointsCost: item.pointsCost,
            stockTotal: item.stockTotal,
            perUserLimit: item.perUserLimit,
          },
    );
  };

  const save = async () => {
    const v = await form.validateFields();
    const body = {
      title: v.title.trim(),
      description: v.description?.trim() ?? '',
      ...(v.imageUrl?.trim() ? { imageUrl: v.imageUrl.trim() } : {}),
      pointsCost: v.pointsCost,
      stockTotal: v.stockTotal,
      perUserLimit: v.perUserLimit,
    };
    setSaving(true);
    try {
      if (editing === 'new') await api.createMallItem(body);
      else if (editing) await api.updateMallItem(editing.id, body);
      message.success(t('common.saved'));
      setEditing(null);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const setStatus = async (item: MallItem, status: MallItem['status']) => {
    try {
      await api.updateMallItem(item.id, { status });
      await reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <div data-testid="points-mall">
      {writable ? (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => open('new')}
          style={{ marginBottom: 16 }}
          data-testid="create-mall-item"
        >
          {t('points.mall.create')}
        </Button>
      ) : null}
      <ErrorAlert error={error} />
      <Table<MallItem>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        pagination={false}
        columns={[
          { title: t('points.mall.title'), dataIndex: 'title' },
          { title: t('points.mall.cost'), dataIndex: 'pointsCost' },
          {
            title: t('points.mall.stock'),
            key: 'stock',
            render: (_: unknown, i: MallItem) => `${i.stockLeft} / ${i.stockTotal}`,
          },
          { title: t('points.mall.limit'), dataIndex: 'perUserLimit' },
          {
            title: t('points.mall.status'),
            dataIndex: 'status',
            render: (s: MallItem['status']) => (
              <Tag color={s === 'active' ? 'green' : 'default'}>{t(`points.mall.status.${s}`)}</Tag>
            ),
          },
          ...(writable
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, i: MallItem) => (
                    <Space>
                      <Button size="small" onClick={() => open(i)}>
                        {t('common.edit')}
                      </Button>
                      <Button
                        size="small"
                        danger={i.status === 'active'}
                        onClick={() => setStatus(i, i.status === 'active' ? 'stopped' : 'active')}
                        data-testid={`mall-status-${i.id}`}
                      >
                        {t(i.status === 'active' ? 'points.mall.stop' : 'points.mall.resume')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={t(editing === 'new' ? 'points.mall.create' : 'points.mall.edit')}
        onCancel={() => setEditing(null)}
        onOk={save}
        confirmLoading={saving}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Form<MallForm> form={form} layout="vertical">
          <Form.Item name="title" label={t('points.mall.title')} rules={[{ required: true, max: 60 }]}>
            <Input data-testid="mall-title" />
          </Form.Item>
          <Form.Item name="description" label={t('points.mall.description')} rules={[{ max: 500 }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item
            name="imageUrl"
            label={t('points.mall.image')}
            rules={[{ pattern: /^https:\/\/\S+$/, message: t('points.mall.imageHelp') }]}
          >
            <Input placeholder="https://" />
          </Form.Item>
          <Space>
            <Form.Item name="pointsCost" label={t('points.mall.cost')} rules={[{ required: true }]}>
              <InputNumber min={1} max={100_000_000} precision={0} data-testid="mall-cost" />
            </Form.Item>
            <Form.Item
              name="stockTotal"
              label={t('points.mall.stockTotal')}
              extra={editing !== 'new' ? t('points.mall.stockHelp') : null}
              rules={[{ required: true }]}
            >
              <InputNumber min={0} max={1_000_000} precision={0} data-testid="mall-stock" />
            </Form.Item>
            <Form.Item name="perUserLimit" label={t('points.mall.limit')} rules={[{ required: true }]}>
              <InputNumber min={1} max={100} precision={0} />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
    </div>
  );
}
