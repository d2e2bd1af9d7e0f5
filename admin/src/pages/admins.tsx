import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import type { AdminAccount, AdminRole, CreateAdminRequest } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

const ROLES: AdminRole[] = ['owner', 'operator', 'viewer'];

/** Admin accounts and roles; owners only (the menu hides it from others, the server refuses them). */
export function AdminsPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const me = useAdmin();
  const { message, modal } = App.useApp();
  const { data, error, loading, reload } = useLoad(() => api.listAdmins(), [api]);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<CreateAdminRequest>();
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }));

  const change = async (id: string, patch: Parameters<typeof api.updateAdmin>[1]) => {
    try {
      await api.updateAdmin(id, patch);
      message.success(t('common.saved'));
      await reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const create = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await api.createAdmin({ ...values, username: values.username.trim() });
      message.success(t('common.saved'));
      setCreating(false);
      form.resetFields();
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const resetPassword = (account: AdminAccount) => {
    let password = '';
    modal.confirm({
      title: `${t('admins.resetPassword')} · ${account.username}`,
      content: (
        <Input.Password
          placeholder={t('admins.newPassword')}
          onChange={(e) => {
            password = e.target.value;
          }}
        />
      ),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        if (password.length < 8) {
          message.error(t('admins.passwordTooShort'));
          throw new Error('password too short');
        }
        await change(account.id, { password });
      },
    });
  };

  return (
    <Card
      title={t('nav.admins')}
      data-testid="admins-page"
      extra={
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => setCreating(true)}
          data-testid="create-admin"
        >
          {t('admins.create')}
        </Button>
      }
    >
      <ErrorAlert error={error} />
      <Table<AdminAccount>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        pagination={false}
        columns={[
          { title: t('admins.username'), dataIndex: 'username' },
          {
            title: t('admins.role'),
            dataIndex: 'role',
            render: (role: AdminRole, a: AdminAccount) => (
              <Select<AdminRole>
                value={role}
                options={roleOptions}
                style={{ width: 120 }}
                disabled={a.id === me.id}
                onChange={(next) => void change(a.id, { role: next })}
              />
            ),
          },
          {
            title: t('common.status'),
            dataIndex: 'disabled',
            render: (disabled: boolean) =>
              disabled ? (
                <Tag color="red">{t('admins.disabled')}</Tag>
              ) : (
                <Tag color="green">{t('admins.enabled')}</Tag>
              ),
          },
          {
            title: t('common.createdAt'),
            dataIndex: 'createdAt',
            render: (at: string) => formatDateTime(at),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, a: AdminAccount) => (
              <Space>
                {a.id !== me.id ? (
                  <Button size="small" onClick={() => void change(a.id, { disabled: !a.disabled })}>
                    {a.disabled ? t('admins.enable') : t('admins.disable')}
                  </Button>
                ) : null}
                <Button size="small" onClick={() => resetPassword(a)}>
                  {t('admins.resetPassword')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('admins.create')}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        forceRender
      >
        <Form form={form} layout="vertical" name="admin" initialValues={{ role: 'viewer' }}>
          <Form.Item
            name="username"
            label={t('admins.username')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input autoComplete="off" maxLength={64} />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('admins.password')}
            rules={[{ required: true, min: 8, message: t('admins.passwordTooShort') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="role" label={t('admins.role')} rules={[{ required: true }]}>
            <Select options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
