import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
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
  Select,
  Space,
  Switch,
  Table,
  Tag,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import type {
  Campaign,
  CampaignStatus,
  CampaignType,
  CreateCampaignRequest,
  UpdateCampaignRequest,
} from '../api/types.ts';
import {
  fromLevelBenefitsForm,
  type LevelBenefitForm,
  toLevelBenefitsForm,
} from '../campaign-level-benefits-form.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { YuanInput, yuanRules } from '../components/yuan-input.tsx';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { fenToYuanString, formatFen, parseYuanToFen } from '../money.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const STATUSES: CampaignStatus[] = ['scheduled', 'live', 'ended', 'stopped'];
const TYPES: CampaignType[] = ['seckill', 'groupbuy'];
const STATUS_COLORS: Record<CampaignStatus, string> = {
  scheduled: 'blue',
  live: 'green',
  ended: 'default',
  stopped: 'red',
};

interface CampaignForm {
  type: CampaignType;
  title: string;
  skuId: string;
  price: string;
  startNow: boolean;
  startsAt?: Dayjs;
  endsAt: Dayjs;
  stockTotal: number;
  perUserLimit: number;
  groupSize?: number;
  groupTtlSeconds?: number;
  dryRun: boolean;
  robotFillEnabled: boolean;
  robotFillMaxMissing: number;
  levelBenefits?: LevelBenefitForm[];
  stockBuckets?: number;
}

/** Campaigns by status and type: create (seckill or group buy), edit scheduled ones, stop, open the live view. */
export function CampaignsPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const [status, setStatus] = useState<CampaignStatus | undefined>();
  const [type, setType] = useState<CampaignType | undefined>();
  const { data, error, loading, reload } = useLoad(
    () => api.listCampaigns({ ...(status ? { status } : {}), ...(type ? { type } : {}) }),
    [api, status, type],
  );
  const products = useLoad(() => (writable ? api.listProducts() : Promise.resolve([])), [api, writable]);
  const memberLevels = useLoad(
    () => (writable ? api.memberLevels() : Promise.resolve({ windowDays: 0, levels: [] })),
    [api, writable],
  );
  const levelOptions = (memberLevels.data?.levels ?? []).map((l) => ({
    value: l.code,
    label: `${l.name} (${l.code})`,
  }));
  const [editing, setEditing] = useState<Campaign | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<CampaignForm>();
  const formType = Form.useWatch('type', form);
  const startNow = Form.useWatch('startNow', form);
  const basePerUserLimit = Form.useWatch('perUserLimit', form);

  const skuOptions = (products.data ?? [])
    .filter((p) => p.status === 'active')
    .map((p) => ({
      label: p.title,
      title: p.title,
      options: p.skus.map((s) => ({
        value: s.id,
        label: `${p.title} / ${s.name} (${formatFen(s.priceFen)})`,
      })),
    }));

  const open = (campaign: Campaign | 'new') => {
    setEditing(campaign);
    form.resetFields();
    form.setFieldsValue(
      campaign === 'new'
        ? {
            type: 'seckill',
            startNow: false,
            startsAt: dayjs().add(10, 'minute').startOf('minute'),
            endsAt: dayjs().add(70, 'minute').startOf('minute'),
            stockTotal: 100,
            perUserLimit: 1,
            groupSize: 3,
            groupTtlSeconds: 86400,
            dryRun: false,
            robotFillEnabled: false,
            robotFillMaxMissing: 1,
            levelBenefits: [],
            stockBuckets: 1,
          }
        : {
            type: campaign.type,
            title: campaign.title,
            skuId: campaign.skuId,
            price: fenToYuanString(campaign.priceFen),
            startNow: false,
            startsAt: dayjs(campaign.startsAt),
            endsAt: dayjs(campaign.endsAt),
            stockTotal: campaign.stockTotal,
            perUserLimit: campaign.perUserLimit,
            ...(campaign.groupSize ? { groupSize: campaign.groupSize } : {}),
            ...(campaign.groupTtlSeconds ? { groupTtlSeconds: campaign.groupTtlSeconds } : {}),
            dryRun: campaign.dryRun,
            robotFillEnabled: campaign.robotFill.enabled,
            robotFillMaxMissing: campaign.robotFill.maxMissing,
            levelBenefits: toLevelBenefitsForm(campaign),
            stockBuckets: campaign.stockBuckets,
          },
    );
  };

  const save = async () => {
    const v = await form.validateFields();
    const body: CreateCampaignRequest = {
      type: v.type,
      title: v.title.trim(),
      skuId: v.skuId,
      priceFen: parseYuanToFen(v.price) ?? 0,
      startsAt: (v.startNow ? dayjs() : (v.startsAt ?? dayjs())).toISOString(),
      endsAt: v.endsAt.toISOString(),
      stockTotal: v.stockTotal,
      perUserLimit: v.perUserLimit,
      ...(v.type === 'groupbuy'
        ? {
            groupSize: v.groupSize ?? 2,
            groupTtlSeconds: v.groupTtlSeconds ?? 3600,
            robotFill: { enabled: v.robotFillEnabled, maxMissing: v.robotFillMaxMissing ?? 0 },
          }
        : {}),
      ...(v.dryRun ? { dryRun: true } : {}),
      ...(v.type === 'seckill' && (v.stockBuckets ?? 1) > 1 ? { stockBuckets: v.stockBuckets } : {}),
      levelBenefits: fromLevelBenefitsForm(v.levelBenefits),
    };
    setSaving(true);
    try {
      if (editing === 'new') {
        await api.createCampaign(body);
        message.success(t('campaigns.created'));
      } else if (editing) {
        // Type, SKU, group size and stock buckets are fixed once created; the gateway refuses them in a patch.
        const patch: UpdateCampaignRequest = {
          title: body.title,
          priceFen: body.priceFen,
          startsAt: body.startsAt,
          endsAt: body.endsAt,
          stockTotal: body.stockTotal,
          perUserLimit: body.perUserLimit,
          ...(body.groupTtlSeconds !== undefined ? { groupTtlSeconds: body.groupTtlSeconds } : {}),
          ...(body.robotFill ? { robotFill: body.robotFill } : {}),
          levelBenefits: body.levelBenefits ?? [],
        };
        await api.updateCampaign(editing.id, patch);
        message.success(t('common.saved'));
      }
      setEditing(null);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const stop = (campaign: Campaign) => {
    modal.confirm({
      title: t('campaigns.stop'),
      content: t('campaigns.stopConfirm', { title: campaign.title }),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api.stopCampaign(campaign.id);
          message.success(t('campaigns.stopped'));
          await reload();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  return (
    <Card
      title={t('nav.campaigns')}
      data-testid="campaigns-page"
      extra={
        writable ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => open('new')}
            data-testid="create-campaign"
          >
            {t('campaigns.create')}
          </Button>
        ) : null
      }
    >
      <Space style={{ marginBottom: 16 }} wrap>
        <Select<CampaignStatus>
          allowClear
          placeholder={t('common.status')}
          style={{ width: 160 }}
          value={status}
          onChange={setStatus}
          options={STATUSES.map((s) => ({ value: s, label: t(`campaigns.status.${s}`) }))}
        />
        <Select<CampaignType>
          allowClear
          placeholder={t('campaigns.type')}
          style={{ width: 160 }}
          value={type}
          onChange={setType}
          options={TYPES.map((s) => ({ value: s, label: t(`campaigns.type.${s}`) }))}
        />
      </Space>
      <ErrorAlert error={error} />
      <Table<Campaign>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        scroll={{ x: true }}
        columns={[
          {
            title: t('campaigns.title'),
            dataIndex: 'title',
            render: (title: string, c: Campaign) => <Link to={`/campaigns/${c.id}/live`}>{title}</Link>,
          },
          {
            title: t('campaigns.type'),
            dataIndex: 'type',
            render: (v: CampaignType) => t(`campaigns.type.${v}`),
          },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (v: CampaignStatus) => <Tag color={STATUS_COLORS[v]}>{t(`campaigns.status.${v}`)}</Tag>,
          },
          { title: t('campaigns.price'), dataIndex: 'priceFen', render: (fen: number) => formatFen(fen) },
          {
            title: t('campaigns.stock'),
            key: 'stock',
            render: (_: unknown, c: Campaign) => `${c.stockLeft} / ${c.stockTotal}`,
          },
          {
            title: `${t('campaigns.startsAt')} – ${t('campaigns.endsAt')}`,
            key: 'window',
            render: (_: unknown, c: Campaign) => (
              <span style={{ whiteSpace: 'nowrap' }}>
                {formatDateTime(c.startsAt)}
                <br />– {formatDateTime(c.endsAt)}
              </span>
            ),
          },
          {
            title: t('campaigns.flags'),
            key: 'flags',
            render: (_: unknown, c: Campaign) => (
              <Space size={4} wrap>
                {c.killSwitch ? <Tag color="red">{t('campaigns.killSwitch')}</Tag> : null}
                {c.dryRun ? <Tag color="purple">{t('campaigns.dryRun')}</Tag> : null}
                {c.waitingRoom?.enabled ? <Tag color="orange">{t('campaigns.waitingRoom')}</Tag> : null}
                {c.robotFill?.enabled ? <Tag color="cyan">{t('campaigns.robotFill')}</Tag> : null}
                {c.stockBuckets > 1 ? (
                  <Tag color="geekblue" data-testid={`stock-buckets-tag-${c.id}`}>
                    {t('campaigns.stockBuckets')} ×{c.stockBuckets}
                  </Tag>
                ) : null}
                {c.levelBenefits.length > 0 ? (
                  <Tag color="gold" data-testid={`level-benefits-tag-${c.id}`}>
                    {t('campaigns.levelBenefits')}
                  </Tag>
                ) : null}
              </Space>
            ),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, c: Campaign) => (
              <Space>
                <Link to={`/campaigns/${c.id}/live`}>{t('campaigns.live')}</Link>
                {writable && c.status === 'scheduled' ? (
                  <Button size="small" onClick={() => open(c)}>
                    {t('common.edit')}
                  </Button>
                ) : null}
                {writable && (c.status === 'scheduled' || c.status === 'live') ? (
                  <Button size="small" danger onClick={() => stop(c)}>
                    {t('campaigns.stop')}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('campaigns.create') : t('campaigns.edit')}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        forceRender
        width={560}
      >
        <Form form={form} layout="vertical" name="campaign">
          <Form.Item name="type" label={t('campaigns.type')} rules={[{ required: true }]}>
            <Radio.Group disabled={editing !== 'new'}>
              {TYPES.map((v) => (
                <Radio.Button key={v} value={v}>
                  {t(`campaigns.type.${v}`)}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="title"
            label={t('campaigns.title')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={120} />
          </Form.Item>
          <Form.Item
            name="skuId"
            label={t('campaigns.sku')}
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              disabled={editing !== 'new'}
              options={skuOptions}
              loading={products.loading}
            />
          </Form.Item>
          <Form.Item name="price" label={t('campaigns.price')} rules={yuanRules(t)}>
            <YuanInput />
          </Form.Item>
          {editing === 'new' ? (
            <Form.Item name="startNow" label={t('campaigns.startNow')} valuePropName="checked">
              <Switch />
            </Form.Item>
          ) : null}
          {!startNow ? (
            <Form.Item
              name="startsAt"
              label={t('campaigns.startsAt')}
              rules={[{ required: true, message: t('common.required') }]}
            >
              <DatePicker showTime format="YYYY-MM-DD HH:mm:ss" />
            </Form.Item>
          ) : null}
          <Form.Item
            name="endsAt"
            label={t('campaigns.endsAt')}
            dependencies={['startsAt', 'startNow']}
            rules={[
              { required: true, message: t('common.required') },
              ({ getFieldValue }) => ({
                validator: (_, value: Dayjs | undefined) => {
                  const start: Dayjs | undefined = getFieldValue('startNow')
                    ? dayjs()
                    : getFieldValue('startsAt');
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
              name="stockTotal"
              label={t('campaigns.stockTotal')}
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
            {formType === 'seckill' ? (
              <Form.Item
                name="stockBuckets"
                label={t('campaigns.stockBuckets')}
                tooltip={t('campaigns.stockBucketsHelp')}
                rules={[{ required: true, message: t('common.required') }]}
              >
                <InputNumber
                  min={1}
                  max={16}
                  precision={0}
                  disabled={editing !== 'new'}
                  data-testid="stock-buckets"
                />
              </Form.Item>
            ) : null}
            {formType === 'groupbuy' ? (
              <>
                <Form.Item
                  name="groupSize"
                  label={t('campaigns.groupSize')}
                  rules={[{ required: true, message: t('common.required') }]}
                >
                  <InputNumber min={2} max={50} precision={0} disabled={editing !== 'new'} />
                </Form.Item>
                <Form.Item
                  name="groupTtlSeconds"
                  label={t('campaigns.groupTtlSeconds')}
                  rules={[{ required: true, message: t('common.required') }]}
                >
                  <InputNumber min={60} max={7 * 86400} precision={0} />
                </Form.Item>
                <Form.Item
                  name="robotFillEnabled"
                  label={t('campaigns.robotFill')}
                  tooltip={t('campaigns.robotFillHelp')}
                  valuePropName="checked"
                >
                  <Switch />
                </Form.Item>
                <Form.Item name="robotFillMaxMissing" label={t('campaigns.robotFillMaxMissing')}>
                  <InputNumber min={0} max={49} precision={0} />
                </Form.Item>
              </>
            ) : null}
            <Form.Item
              name="dryRun"
              label={t('campaigns.dryRun')}
              tooltip={t('campaigns.dryRunHelp')}
              valuePropName="checked"
            >
              <Switch disabled={editing !== 'new'} />
            </Form.Item>
          </Space>
          <Form.Item label={t('campaigns.levelBenefits')} tooltip={t('campaigns.levelBenefitsHelp')}>
            <Form.List name="levelBenefits">
              {(fields, { add, remove }) => (
                <>
                  {fields.map((field, i) => (
                    <Space key={field.key} align="baseline" wrap>
                      <Form.Item
                        name={[field.name, 'levelCode']}
                        rules={[{ required: true, message: t('common.required') }]}
                      >
                        <Select
                          style={{ width: 150 }}
                          placeholder={t('campaigns.levelBenefit.level')}
                          options={levelOptions}
                          loading={memberLevels.loading}
                          data-testid={`level-benefit-code-${i}`}
                        />
                      </Form.Item>
                      <Form.Item name={[field.name, 'perUserLimit']}>
                        <InputNumber
                          min={basePerUserLimit ?? 1}
                          max={100}
                          precision={0}
                          placeholder={t('campaigns.levelBenefit.perUserLimit')}
                          suffix={t('campaigns.levelBenefit.limitUnit')}
                          style={{ width: 130 }}
                          data-testid={`level-benefit-limit-${i}`}
                        />
                      </Form.Item>
                      <Form.Item name={[field.name, 'earlyAccessMinutes']}>
                        <InputNumber
                          min={1}
                          max={1440}
                          precision={0}
                          placeholder={t('campaigns.levelBenefit.earlyAccessMinutes')}
                          suffix={t('campaigns.levelBenefit.earlyUnit')}
                          style={{ width: 150 }}
                          data-testid={`level-benefit-early-${i}`}
                        />
                      </Form.Item>
                      <Button
                        type="text"
                        icon={<MinusCircleOutlined />}
                        aria-label={t('campaigns.levelBenefit.remove')}
                        onClick={() => remove(field.name)}
                        data-testid={`level-benefit-remove-${i}`}
                      />
                    </Space>
                  ))}
                  <Button
                    type="dashed"
                    icon={<PlusOutlined />}
                    onClick={() => add({})}
                    disabled={fields.length >= 10}
                    data-testid="level-benefit-add"
                  >
                    {t('campaigns.levelBenefit.add')}
                  </Button>
                </>
              )}
            </Form.List>
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
