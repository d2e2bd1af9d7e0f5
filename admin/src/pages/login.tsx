import { Alert, Button, Card, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { Navigate } from 'react-router';
import { useI18n } from '../i18n/context.tsx';
import { useSession } from '../session.tsx';

interface LoginForm {
  username: string;
  password: string;
}

/** Sign-in: the only page reachable without a token. */
export function LoginPage() {
  const { t, errorText, locale, setLocale } = useI18n();
  const { admin, signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (admin) return <Navigate to="/dashboard" replace />;

  const submit = async (values: LoginForm) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(values.username, values.password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f5f5f5' }}>
      <Card
        title={t('login.title')}
        style={{ width: 360 }}
        extra={
          <Button size="small" type="link" onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}>
            {t('language')}
          </Button>
        }
      >
        <Form<LoginForm> layout="vertical" onFinish={submit} name="login" requiredMark={false}>
          <Form.Item
            label={t('login.username')}
            name="username"
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            label={t('login.password')}
            name="password"
            rules={[{ required: true, message: t('common.required') }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Space direction="vertical" style={{ width: '100%' }}>
            {error ? (
              <Alert type="error" showIcon title={errorText(error)} data-testid="login-error" />
            ) : null}
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t('login.submit')}
            </Button>
          </Space>
        </Form>
      </Card>
    </div>
  );
}
