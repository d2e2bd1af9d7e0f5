import { Button, Card, Table, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../api/types.ts';
import { auditActionLabel, describeAuditDetail } from '../audit-detail.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatDateTimeSeconds } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { useSession } from '../session.tsx';

/** Who did what, when, to which object: newest first, paged by cursor. */
export function AuditLogPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (from: string | null) => {
      setLoading(true);
      try {
        const page = await api.auditLog(from ?? undefined);
        setRows((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor ?? null);
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <Card
      title={t('nav.audit')}
      data-testid="audit-page"
      extra={<Button onClick={() => void load(null)}>{t('common.refresh')}</Button>}
    >
      <ErrorAlert error={error} />
      <Table<AuditEntry>
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        columns={[
          {
            title: t('audit.at'),
            dataIndex: 'at',
            width: 170,
            render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatDateTimeSeconds(at)}</span>,
          },
          {
            title: t('audit.admin'),
            dataIndex: 'adminUsername',
            render: (name: string) => <span style={{ whiteSpace: 'nowrap' }}>{name}</span>,
          },
          {
            title: t('audit.action'),
            dataIndex: 'action',
            width: 160,
            render: (action: string) => (
              <span style={{ whiteSpace: 'nowrap' }} title={action} data-testid="audit-action">
                {auditActionLabel(action, t)}
              </span>
            ),
          },
          {
            title: t('audit.object'),
            key: 'object',
            render: (_: unknown, e: AuditEntry) => (
              <span style={{ whiteSpace: 'nowrap' }}>
                {e.objectType}
                {e.objectId ? (
                  <Typography.Text type="secondary" style={{ marginInlineStart: 6 }}>
                    {e.objectId}
                  </Typography.Text>
                ) : null}
              </span>
            ),
          },
          {
            title: t('audit.detail'),
            dataIndex: 'detail',
            render: (detail: unknown) => {
              const lines = describeAuditDetail(detail, t);
              if (lines.length === 0) return '-';
              return (
                <div data-testid="audit-detail">
                  {lines.map((line) => (
                    <div key={line.label}>
                      {line.label ? <Typography.Text type="secondary">{line.label}: </Typography.Text> : null}
                      {line.value}
                    </div>
                  ))}
                </div>
              );
            },
          },
        ]}
      />
      {cursor ? (
        <Button style={{ marginTop: 16 }} onClick={() => void load(cursor)} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : null}
    </Card>
  );
}
