import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  InputNumber,
  Row,
  Space,
  Statistic,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { CampaignLive } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatClock, formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { formatFen } from '../money.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const POLL_MS = 2500;
/** About five minutes of history at the poll interval. */
const HISTORY_POINTS = 120;

type LiveBucket = NonNullable<CampaignLive['buckets']>[number];

interface Sample {
  time: string;
  stockLeft: number;
  reservationsPerSecond: number;
}

/** One campaign as it runs: numbers polled every 2.5 s, their history, and the operator's emergency controls. */
export function CampaignLivePage() {
  const { id = '' } = useParams();
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const campaign = useLoad(() => api.getCampaign(id), [api, id]);
  const [live, setLive] = useState<CampaignLive | null>(null);
  const [liveError, setLiveError] = useState<unknown>(null);
  const [history, setHistory] = useState<Sample[]>([]);
  const [roomEnabled, setRoomEnabled] = useState(false);
  const [roomRate, setRoomRate] = useState<number>(100);
  const inFlight = useRef(false);

  useEffect(() => {
    let stopped = false;
    setHistory([]);
    const poll = async () => {
      // A slow gateway must not pile up requests: skip a tick while the last one is still out.
      if (inFlight.current) return;
      inFlight.current = true;
      try {
        const next = await api.campaignLive(id);
        if (stopped) return;
        setLive(next);
        setLiveError(null);
        setHistory((prev) =>
          [
            ...prev,
            {
              time: formatClock(next.serverTime),
              stockLeft: next.stockLeft,
              reservationsPerSecond: next.reservationsPerSecond,
            },
          ].slice(-HISTORY_POINTS),
        );
      } catch (err) {
        if (!stopped) setLiveError(err);
      } finally {
        inFlight.current = false;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, id]);

  const c = campaign.data;
  useEffect(() => {
    if (!c) return;
    setRoomEnabled(c.waitingRoom?.enabled ?? false);
    setRoomRate(c.waitingRoom?.admissionRatePerSecond ?? 100);
  }, [c]);

  const confirmThen = (title: string, content: string, action: () => Promise<void>) => {
    modal.confirm({
      title,
      content,
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await action();
        } catch (err) {
          message.error(errorText(err));
        }
      },
    });
  };

  const toggleKillSwitch = (active: boolean) =>
    confirmThen(
      t('live.killSwitch'),
      active ? t('live.killSwitchConfirmOn') : t('live.killSwitchConfirmOff'),
      async () => {
        await api.setKillSwitch(id, { active });
        message.success(t('live.updated'));
        await campaign.reload();
      },
    );

  const applyWaitingRoom = () =>
    confirmThen(
      t('live.waitingRoom'),
      t('live.waitingRoomConfirm', {
        state: roomEnabled ? t('live.enabled') : t('live.disabled'),
        rate: roomRate,
      }),
      async () => {
        await api.setWaitingRoom(id, { enabled: roomEnabled, admissionRatePerSecond: roomRate });
        message.success(t('live.updated'));
        await campaign.reload();
      },
    );

  const prewarm = () =>
    confirmThen(t('live.prewarm'), t('live.prewarmConfirm'), async () => {
      const res = await api.prewarmCampaign(id);
      message.success(
        t('live.prewarmResult', {
          loaded: res.loaded ? t('common.yes') : t('common.no'),
          verified: res.verified ? t('common.yes') : t('common.no'),
        }),
      );
    });

  const orders = live
    ? [
        { status: t('live.pending'), count: live.ordersPending },
        { status: t('live.paid'), count: live.ordersPaid },
        { status: t('live.cancelled'), count: live.ordersCancelled },
        { status: t('live.refunded'), count: live.ordersRefunded },
      ]
    : [];
  const hasGroups = live?.groupsForming !== undefined || c?.type === 'groupbuy';

  return (
    <div data-testid="live-page">
      <Typography.Title level={4}>
        {t('live.title')} · {c?.title ?? id}{' '}
        {c ? (
          <Tag color={c.status === 'live' ? 'green' : 'default'}>{t(`campaigns.status.${c.status}`)}</Tag>
        ) : null}
        {c?.killSwitch ? <Tag color="red">{t('live.killSwitchOn')}</Tag> : null}
      </Typography.Title>
      <ErrorAlert error={campaign.error ?? liveError} />
      {c ? (
        <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('campaigns.type')}>{t(`campaigns.type.${c.type}`)}</Descriptions.Item>
          <Descriptions.Item label={t('campaigns.price')}>{formatFen(c.priceFen)}</Descriptions.Item>
          <Descriptions.Item label={t('campaigns.perUserLimit')}>{c.perUserLimit}</Descriptions.Item>
          <Descriptions.Item label={t('campaigns.startsAt')}>{formatDateTime(c.startsAt)}</Descriptions.Item>
          <Descriptions.Item label={t('campaigns.endsAt')}>{formatDateTime(c.endsAt)}</Descriptions.Item>
          <Descriptions.Item label={t('live.serverTime')}>
            {live ? formatClock(live.serverTime) : '-'}
          </Descriptions.Item>
          {c.type === 'seckill' ? (
            <Descriptions.Item label={t('campaigns.stockBuckets')}>
              <span data-testid="live-stock-buckets">{c.stockBuckets}</span>
            </Descriptions.Item>
          ) : null}
        </Descriptions>
      ) : null}
      <Row gutter={[16, 16]}>
        <Col xs={12} lg={4}>
          <Card>
            <div data-testid="live-stock-left">
              <Statistic
                title={t('campaigns.stockLeft')}
                value={live?.stockLeft ?? '-'}
                suffix={live ? `/ ${live.stockTotal}` : ''}
              />
            </div>
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <Card>
            <div data-testid="live-reserved">
              <Statistic title={t('live.reserved')} value={live?.reserved ?? '-'} />
            </div>
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <Card>
            <div data-testid="live-sold">
              <Statistic title={t('live.sold')} value={live?.sold ?? '-'} />
            </div>
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <Card>
            <div data-testid="live-unsettled">
              <Statistic title={t('live.unsettled')} value={live?.unsettled ?? '-'} />
            </div>
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <Card>
            <Statistic
              title={t('live.reservationsPerSecond')}
              value={live?.reservationsPerSecond ?? '-'}
              precision={1}
            />
          </Card>
        </Col>
        <Col xs={12} lg={4}>
          <Card>
            <div data-testid="live-paid">
              <Statistic title={t('live.paidOrders')} value={live?.ordersPaid ?? '-'} />
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={16}>
          <Card title={t('live.chart')}>
            <ResponsiveContainer width="100%" height={280}>
              <LineChart data={history}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="time" minTickGap={24} />
                <YAxis yAxisId="stock" allowDecimals={false} />
                <YAxis yAxisId="rate" orientation="right" />
                <Tooltip />
                <Legend />
                <Line
                  yAxisId="stock"
                  type="monotone"
                  dataKey="stockLeft"
                  name={t('campaigns.stockLeft')}
                  stroke="#1677ff"
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  yAxisId="rate"
                  type="monotone"
                  dataKey="reservationsPerSecond"
                  name={t('live.reservationsPerSecond')}
                  stroke="#fa541c"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('live.ordersByStatus')}>
            <ResponsiveContainer width="100%" height={hasGroups ? 150 : 280}>
              <BarChart data={orders} layout="vertical">
                <XAxis type="number" allowDecimals={false} />
                <YAxis type="category" dataKey="status" width={90} />
                <Tooltip />
                <Bar dataKey="count" fill="#52c41a" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
            {hasGroups ? (
              <Row gutter={8} style={{ marginTop: 8 }}>
                <Col span={8}>
                  <Statistic title={t('live.groupsForming')} value={live?.groupsForming ?? 0} />
                </Col>
                <Col span={8}>
                  <Statistic title={t('live.groupsSucceeded')} value={live?.groupsSucceeded ?? 0} />
                </Col>
                <Col span={8}>
                  <Statistic title={t('live.groupsFailed')} value={live?.groupsFailed ?? 0} />
                </Col>
              </Row>
            ) : null}
          </Card>
        </Col>
        {live?.buckets && live.buckets.length > 1 ? (
          <Col span={24}>
            <Card title={t('live.buckets')} size="small" data-testid="live-buckets">
              <Table<LiveBucket>
                rowKey="bucket"
                size="small"
                pagination={false}
                dataSource={live.buckets}
                columns={[
                  { title: t('live.bucket'), dataIndex: 'bucket' },
                  { title: t('live.bucketTotal'), dataIndex: 'stockTotal' },
                  { title: t('live.bucketLeft'), dataIndex: 'stockLeft' },
                  { title: t('live.bucketUnsettled'), dataIndex: 'unsettled' },
                ]}
              />
            </Card>
          </Col>
        ) : null}
        {writable && c ? (
          <Col span={24}>
            <Card title={t('live.controls')} data-testid="live-controls">
              <Space size="large" wrap align="center">
                <Space>
                  <span>{t('live.killSwitch')}</span>
                  <Switch checked={c.killSwitch} onChange={toggleKillSwitch} data-testid="kill-switch" />
                </Space>
                <Space>
                  <span>{t('live.waitingRoom')}</span>
                  <Switch checked={roomEnabled} onChange={setRoomEnabled} />
                  <span>{t('live.admissionRate')}</span>
                  <InputNumber
                    min={1}
                    max={100_000}
                    precision={0}
                    value={roomRate}
                    onChange={(v) => setRoomRate(v ?? 1)}
                  />
                  <Button onClick={applyWaitingRoom}>{t('live.applyWaitingRoom')}</Button>
                </Space>
                <Button onClick={prewarm}>{t('live.prewarm')}</Button>
              </Space>
            </Card>
          </Col>
        ) : null}
      </Row>
    </div>
  );
}
