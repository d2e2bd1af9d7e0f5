import { PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Space,
  Switch,
  Table,
  Tag,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import type { AdminCouponTemplate, CouponKind, CreateCouponTemplateRequest } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { YuanInput, yuanRules } from '../components/yuan-input.tsx';
import { couponValue, redemptionPercent } from '../coupon-format.ts';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { parseYuanToFen } from '../money.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const KINDS: CouponKind[] = ['amount_off', 'percent_off', 'no_threshold'];
const STATUS_COLORS: Record<AdminCouponTemplate['status'], string> = {
  scheduled: 'blue',
  live: 'green',
  ended: 'default',
  stopped: 'red',
};

interface TemplateForm {
  name: string;
  kind: CouponKind;
  amountOff?: string;
  percentOff?: number;
  maxOff?: string;
  minSpend?: string;
  total: number;
  perUserLimit: number;
  claimStartsAt: Dayjs;
  claimEndsAt: Dayjs;
  validDays: number;
  combinesWithSeckill: boolean;
  returnedOnRefund: boolean;
}

interface IssueForm {
  userIds: string;
  reason: string;
}

/**
 * Coupon templates (优惠券): each with its live figures (left to claim, claimed, issued, used, redemption rate);
 * create one (满减, 折扣, 无门槛), stop one, issue one to a list of shoppers. Every write is audited by the gateway.
 */
export function CouponsPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, loading, reload } = useLoad(() => api.listCouponTemplates(), [api]);
  const [creating, setCreating] = useState(false);
  const [issuing, setIssuing] = useState<AdminCouponTemplate | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<TemplateForm>();
  const [issueForm] = Form.useForm<IssueForm>();
  const kind = Form.useWatch('kind', form);

  const openCreate = () => {
    form.resetFields();
    form.setFieldsValue({
      kind: 'amount_off',
      total: 1000,
      perUserLimit: 1,
      claimStartsAt: dayjs().add(10, 'minute').startOf('minute'),
      claimEndsAt: dayjs().add(1, 'day').startOf('minute'),
      validDays: 7,
      combinesWithSeckill: false,
      returnedOnRefund: false,
    });
    setCreating(true);
  };

  const create = async () => {
    const v = await form.validateFields();
    const fen = (text: string | undefined) => (text ? (parseYuanToFen(text) ?? undefined) : undefined);
    const body: CreateCouponTemplateRequest = {
      name: v.name.trim(),
      kind: v.kind,
      total: v.total,
      perUserLimit: v.perUserLimit,
      claimStartsAt: v.claimStartsAt.toISOString(),
      claimEndsAt: v.claimEndsAt.toISOString(),
      validDays: v.validDays,
      combinesWithSeckill: v.combinesWithSeckill,
      returnedOnRefund: v.returnedOnRefund,
      ...(v.kind === 'percent_off'
        ? {
            percentOff: v.percentOff ?? 10,
            ...(fen(v.maxOff) !== undefined ? { maxOffFen: fen(v.maxOff) } : {}),
            ...(fen(v.minSpend) !== undefined ? { minSpendFen: fen(v.minSpend) } : {}),
          }
        : { amountOffFen: fen(v.amountOff) ?? 0 }),
      ...(v.kind === 'amount_off' ? { minSpendFen: fen(v.minSpend) ?? 0 } : {}),
    };
    setSaving(true);
    try {
      await api.createCouponTemplate(body);
      message.success(t('coupons.created'));
      setCreating(false);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const stop = (tpl: AdminCouponTemplate) => {
    modal.confirm({
      title: t('coupons.stop'),
      content: t('coupons.stopConfirm', { name: tpl.name }),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api.stopCouponTemplate(tpl.id);
          message.success(t('coupons.stopped'));
          await reload();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  const openIssue = (tpl: AdminCouponTemplate) => {
    issueForm.resetFields();
    setIssuing(tpl);
  };

  const issue = async () => {
    if (!issuing) return;
    const v = await issueForm.validateFields();
    const userIds = [...new Set(v.userIds.split(/[\s,]+/).filter((id) => id.length > 0))];
    setSaving(true);
    try {
      const done = await api.issueCoupons(issuing.id, {
        userIds,
        reason: v.reason.trim(),
        // One key per dialog: a retried submit of the same list issues nothing twice.
        issueKey: `console-${issuing.id.slice(-8)}-${Date.now().toString(36)}`,
      });
      message.success(t('coupons.issued', { issued: done.issued, skipped: done.skipped }));
      setIssuing(null);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title={t('nav.coupons')}
      data-testid="coupons-page"
      extra={
        writable ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={openCreate} data-testid="create-coupon">
            {t('coupons.create')}
          </Button>
        ) : null
      }
    >
      <ErrorAlert error={error} />
      <Table<AdminCouponTemplate>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t('coupons.name'), dataIndex: 'name' },
          {
            title: t('coupons.value'),
            key: 'value',
            render: (_: unknown, c: AdminCouponTemplate) => couponValue(c, t),
          },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (v: AdminCouponTemplate['status']) => (
              <Tag color={STATUS_COLORS[v]}>{t(`campaigns.status.${v}`)}</Tag>
            ),
          },
          {
            title: t('coupons.claimWindow'),
            key: 'window',
            render: (_: unknown, c: AdminCouponTemplate) => (
              <span style={{ whiteSpace: 'nowrap' }}>
                {formatDateTime(c.claimStartsAt)}
                <br />– {formatDateTime(c.claimEndsAt)}
              </span>
            ),
          },
          {
            title: t('coupons.left'),
            key: 'left',
            render: (_: unknown, c: AdminCouponTemplate) => `${c.stats.left} / ${c.total}`,
          },
          {
            title: t('coupons.claimedIssued'),
            key: 'out',
            render: (_: unknown, c: AdminCouponTemplate) =>
              `${c.stats.claimed + c.stats.claimedUnsettled} / ${c.stats.issued}`,
          },
          {
            title: t('coupons.used'),
            key: 'used',
            render: (_: unknown, c: AdminCouponTemplate) =>
              `${c.stats.used} (${redemptionPercent(c.stats.redemptionRate)})`,
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, c: AdminCouponTemplate) =>
              writable && c.status !== 'stopped' ? (
                <Space>
                  <Button size="small" onClick={() => openIssue(c)}>
                    {t('coupons.issue')}
                  </Button>
                  <Button size="small" danger onClick={() => stop(c)}>
                    {t('coupons.stop')}
                  </Button>
                </Space>
              ) : null,
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('coupons.create')}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        forceRender
        width={560}
      >
        <Form form={form} layout="vertical" name="coupon">
          <Form.Item
            name="name"
            label={t('coupons.name')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={60} />
          </Form.Item>
          <Form.Item name="kind" label={t('coupons.kind')} rules={[{ required: true }]}>
            <Radio.Group>
              {KINDS.map((k) => (
                <Radio.Button key={k} value={k}>
                  {t(`coupons.kind.${k}`)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          {kind === 'percent_off' ? (
            <Space size="large" wrap>
              <Form.Item
                name="percentOff"
                label={t('coupons.percentOff')}
                rules={[{ required: true, message: t('common.required') }]}
              >
                <InputNumber min={1} max={99} precision={0} />
              </Form.Item>
              <Form.Item name="maxOff" label={t('coupons.maxOff')}>
                <YuanInput />
              </Form.Item>
              <Form.Item name="minSpend" label={t('coupons.minSpend')}>
                <YuanInput />
              </Form.Item>
            </Space>
          ) : (
            <Space size="large" wrap>
              <Form.Item name="amountOff" label={t('coupons.amountOff')} rules={yuanRules(t)}>
                <YuanInput />
              </Form.Item>
              {kind === 'amount_off' ? (
                <Form.Item name="minSpend" label={t('coupons.minSpend')} rules={yuanRules(t)}>
                  <YuanInput />
                </Form.Item>
              ) : null}
            </Space>
          )}
          <Space size="large" wrap>
            <Form.Item
              name="total"
              label={t('coupons.total')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <InputNumber min={1} max={10_000_000} precision={0} />
            </Form.Item>
            <Form.Item
              name="perUserLimit"
              label={t('campaigns.perUserLimit')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <InputNumber min={1} max={100} precision={0} />
            </Form.Item>
            <Form.Item
              name="validDays"
              label={t('coupons.validDays')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <InputNumber min={1} max={3650} precision={0} />
            </Form.Item>
          </Space>
          <Form.Item
            name="claimStartsAt"
            label={t('coupons.claimStartsAt')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <DatePicker showTime format="YYYY-MM-DD HH:mm:ss" />
          </Form.Item>
          <Form.Item
            name="claimEndsAt"
            label={t('coupons.claimEndsAt')}
            dependencies={['claimStartsAt']}
            rules={[
              { required: true, message: t('common.required') },
              ({ getFieldValue }) => ({
                validator: (_, value: Dayjs | undefined) => {
                  const start: Dayjs | undefined = getFieldValue('claimStartsAt');
                  return !value || !start || value.isAfter(start)
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('campaigns.endsBeforeStart')));
                },
              }),
            ]}
          >
            <DatePicker showTime format="YYYY-MM-DD HH:mm:ss" />
          </Form.Item>
          <Space size="large" wrap>
            <Form.Item
              name="combinesWithSeckill"
              label={t('coupons.combinesWithSeckill')}
              valuePropName="checked"
            >
              <Switch />
            </Form.Item>
            <Form.Item name="returnedOnRefund" label={t('coupons.returnedOnRefund')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
      <Modal
        open={issuing !== null}
        title={t('coupons.issueTitle', { name: issuing?.name ?? '' })}
        onCancel={() => setIssuing(null)}
        onOk={() => void issue()}
        okText={t('coupons.issue')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        forceRender
      >
        <Form form={issueForm} layout="vertical" name="issue">
          <Form.Item
            name="userIds"
            label={t('coupons.userIds')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input.TextArea rows={4} placeholder="usr_…" />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t('coupons.reason')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={200} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
