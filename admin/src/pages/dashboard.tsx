import { Card, Col, Row, Statistic, Table } from 'antd';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Dashboard, ParkedSettlementEntry, TopCampaign } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatDateTimeSeconds, formatHour } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { fenToYuanString, formatFen } from '../money.ts';
import { useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

/**
 * Every hour of the (UTC) day so far, the ones without orders as zero, so that the chart shows the day's shape;
 * each labelled by its local start `HH:00`.
 */
function hoursOfToday(dashboard: Dashboard): { hour: string; gmvYuan: number; orders: number }[] {
  const now = new Date(dashboard.serverTime);
  const byHour = new Map(dashboard.gmvByHour.map((h) => [new Date(h.hour).getTime(), h]));
  const rows = [];
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let at = first; at <= now.getTime(); at += 3_600_000) {
    const h = byHour.get(at);
    rows.push({
      hour: formatHour(at),
      gmvYuan: Number(fenToYuanString(h?.gmvFen ?? 0)),
      orders: h?.orders ?? 0,
    });
  }
  return rows;
}

/** Today at a glance: GMV, orders, conversion, live campaigns, GMV by hour and the best campaigns. */
export function DashboardPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const { data, error, loading } = useLoad(() => api.dashboard(), [api]);
  const parked = useLoad(() => api.settlementParked(), [api]);
  const hourly = data ? hoursOfToday(data) : [];
  return (
    <div data-testid="dashboard-page">
      <ErrorAlert error={error} />
      <Row gutter={[16, 16]}>
        <Col xs={12} lg={4}>
          <Card loading={loading}>
            <Statistic title={t('dashboard.todayGmv')} value={data ? formatFen(data.todayGmvFen) : '-'} />
          </Card>
        </Col>
        <Col xs={12} lg={5}>
          <Card loading={loading}>
            <Statistic title={t('dashboard.todayOrders')} value={data?.todayOrders ?? '-'} />
          </Card>
        </Col>
        <Col xs={12} lg={5}>
          <Card loading={loading}>
            <Statistic title={t('dashboard.todayPaidOrders')} value={data?.todayPaidOrders ?? '-'} />
          </Card>
        </Col>
        <Col xs={12} lg={5}>
          <Card loading={loading}>
            <Statistic
              title={t('dashboard.paidConversion')}
              value={data ? (data.paidConversion * 100).toFixed(1) : '-'}
              suffix="%"
            />
          </Card>
        </Col>
        <Col xs={12} lg={5}>
          <Card loading={loading}>
            <Statistic title={t('dashboard.liveCampaigns')} value={data?.liveCampaigns ?? '-'} />
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card title={t('dashboard.gmvByHour')}>
            <ResponsiveContainer width="100%" height={300}>
              <BarChart data={hourly}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="hour" />
                <YAxis yAxisId="gmv" />
                <YAxis yAxisId="orders" orientation="right" allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar
                  yAxisId="gmv"
                  dataKey="gmvYuan"
                  name={`${t('dashboard.gmv')} (¥)`}
                  fill="#1677ff"
                  maxBarSize={28}
                  isAnimationActive={false}
                />
                <Bar
                  yAxisId="orders"
                  dataKey="orders"
                  name={t('dashboard.orders')}
                  fill="#52c41a"
                  maxBarSize={28}
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('dashboard.topCampaigns')}>
            <Table<TopCampaign>
              rowKey="campaignId"
              size="small"
              pagination={false}
              dataSource={data?.topCampaigns ?? []}
              columns={[
                { title: t('campaigns.title'), dataIndex: 'title' },
                { title: t('dashboard.gmv'), dataIndex: 'gmvFen', render: (fen: number) => formatFen(fen) },
                { title: t('dashboard.paidOrders'), dataIndex: 'paidOrders' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24}>
          <Card title={t('dashboard.parked')} data-testid="parked-settlement">
            <ErrorAlert error={parked.error} />
            <p>{t('dashboard.parkedHint')}</p>
            <Table<ParkedSettlementEntry>
              rowKey={(e) => `${e.campaignId}:${e.streamId}`}
              size="small"
              loading={parked.loading}
              pagination={false}
              locale={{ emptyText: t('dashboard.parkedNone') }}
              dataSource={parked.data ?? []}
              columns={[
                {
                  title: t('dashboard.parkedAt'),
                  dataIndex: 'parkedAt',
                  render: (at: string) => formatDateTimeSeconds(at),
                },
                { title: t('orders.campaign'), dataIndex: 'campaignId' },
                { title: t('dashboard.parkedReservation'), dataIndex: 'reservationId' },
                { title: t('dashboard.parkedAttempts'), dataIndex: 'attempts' },
                { title: t('dashboard.parkedError'), dataIndex: 'error', ellipsis: true },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
