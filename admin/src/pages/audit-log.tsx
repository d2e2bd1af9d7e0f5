import { Button, Card, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
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
            render: (at: string) => dayjs(at).format('YYYY-MM-DD HH:mm:ss'),
          },
          { title: t('audit.admin'), dataIndex: 'adminUsername' },
          { title: t('audit.action'), dataIndex: 'action' },
          {
            title: t('audit.object'),
            key: 'object',
            render: (_: unknown, e: AuditEntry) => `${e.objectType}${e.objectId ? ` ${e.objectId}` : ''}`,
          },
          {
            title: t('audit.detail'),
            dataIndex: 'detail',
            render: (detail: unknown) =>
              detail === null || detail === undefined ? (
                '-'
              ) : (
                <Typography.Text code style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>
                  {JSON.stringify(detail)}
                </Typography.Text>
              ),
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
