import {
  AppstoreOutlined,
  AuditOutlined,
  CarOutlined,
  CrownOutlined,
  CustomerServiceOutlined,
  DashboardOutlined,
  FireOutlined,
  GiftOutlined,
  PartitionOutlined,
  ProfileOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { Button, Layout, Menu, type MenuProps, Space, Spin, Tag, Typography } from 'antd';
import { type ReactNode, Suspense } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useI18n } from '../i18n/context.tsx';
import { canManageAdmins } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';

/** Wide enough for the longest app name and menu label of either language on one line. */
const SIDER_WIDTH = 220;

type NavItem = { key: string; icon: ReactNode; label: string } & NonNullable<MenuProps['items']>[number];

/** The signed-in frame: side navigation, who is signed in, language switch, sign out. */
export function Shell() {
  const { t, locale, setLocale } = useI18n();
  const { signOut } = useSession();
  const admin = useAdmin();
  const navigate = useNavigate();
  const location = useLocation();
  const items: NavItem[] = [
    { key: '/dashboard', icon: <DashboardOutlined />, label: t('nav.dashboard') },
    { key: '/products', icon: <AppstoreOutlined />, label: t('nav.products') },
    { key: '/categories', icon: <PartitionOutlined />, label: t('nav.categories') },
    { key: '/campaigns', icon: <FireOutlined />, label: t('nav.campaigns') },
    { key: '/coupons', icon: <GiftOutlined />, label: t('nav.coupons') },
    { key: '/orders', icon: <ProfileOutlined />, label: t('nav.orders') },
    { key: '/fulfilment', icon: <CarOutlined />, label: t('nav.fulfilment') },
    { key: '/after-sale', icon: <CustomerServiceOutlined />, label: t('nav.afterSale') },
    { key: '/points', icon: <GiftOutlined />, label: t('nav.points') },
    { key: '/members', icon: <CrownOutlined />, label: t('nav.members') },
    ...(canManageAdmins(admin.role)
      ? [{ key: '/admins', icon: <TeamOutlined />, label: t('nav.admins') }]
      : []),
    { key: '/audit-log', icon: <AuditOutlined />, label: t('nav.audit') },
  ];
  const selected = items.find((item) => location.pathname.startsWith(item.key))?.key ?? '/dashboard';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light" width={SIDER_WIDTH} data-testid="sider">
        <Typography.Title level={5} style={{ padding: '16px 24px', margin: 0, whiteSpace: 'nowrap' }}>
          {t('appName')}
        </Typography.Title>
        <Menu
          mode="inline"
          style={{ borderInlineEnd: 'none' }}
          selectedKeys={[selected]}
          items={items}
          onClick={({ key }) => navigate(key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', display: 'flex', justifyContent: 'flex-end', alignItems: 'center' }}
        >
          <Space>
            <span data-testid="current-admin">{admin.username}</span>
            <Tag color="blue">{t(`role.${admin.role}`)}</Tag>
            <Button size="small" onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}>
              {t('language')}
            </Button>
            <Button size="small" onClick={signOut}>
              {t('logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Suspense fallback={<Spin />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
