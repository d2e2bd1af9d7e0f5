import { App as AntApp, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, type ReactNode, useEffect } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Shell } from './components/shell.tsx';
import { I18nProvider, useI18n } from './i18n/context.tsx';
import { LoginPage } from './pages/login.tsx';
import { canManageAdmins } from './permissions.ts';
import { SessionProvider, useSession } from './session.tsx';

// Pages load on first visit, so the login page does not wait for the chart library.
const AfterSalePage = lazy(() =>
  import('./pages/after-sale.tsx').then((m) => ({ default: m.AfterSalePage })),
);
const PointsPage = lazy(() => import('./pages/points.tsx').then((m) => ({ default: m.PointsPage })));
const MembersPage = lazy(() => import('./pages/members.tsx').then((m) => ({ default: m.MembersPage })));
const CategoriesPage = lazy(() =>
  import('./pages/categories.tsx').then((m) => ({ default: m.CategoriesPage })),
);
const FulfilmentPage = lazy(() =>
  import('./pages/fulfilment.tsx').then((m) => ({ default: m.FulfilmentPage })),
);
const AdminsPage = lazy(() => import('./pages/admins.tsx').then((m) => ({ default: m.AdminsPage })));
const AuditLogPage = lazy(() => import('./pages/audit-log.tsx').then((m) => ({ default: m.AuditLogPage })));
const CampaignLivePage = lazy(() =>
  import('./pages/campaign-live.tsx').then((m) => ({ default: m.CampaignLivePage })),
);
const CampaignsPage = lazy(() => import('./pages/campaigns.tsx').then((m) => ({ default: m.CampaignsPage })));
const CouponsPage = lazy(() => import('./pages/coupons.tsx').then((m) => ({ default: m.CouponsPage })));
const DashboardPage = lazy(() => import('./pages/dashboard.tsx').then((m) => ({ default: m.DashboardPage })));
const OrdersPage = lazy(() => import('./pages/orders.tsx').then((m) => ({ default: m.OrdersPage })));
const ProductsPage = lazy(() => import('./pages/products.tsx').then((m) => ({ default: m.ProductsPage })));

function SignedIn() {
  const { admin } = useSession();
  if (!admin) return <Navigate to="/login" replace />;
  return <Shell />;
}

function OwnerOnly({ children }: { children: ReactNode }) {
  const { admin } = useSession();
  return admin && canManageAdmins(admin.role) ? children : <Navigate to="/dashboard" replace />;
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title="404" subTitle={t('error.notFoundPage')} />;
}

function Localized() {
  const { locale } = useI18n();
  useEffect(() => {
    dayjs.locale(locale === 'zh-CN' ? 'zh-cn' : 'en');
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <ConfigProvider locale={locale === 'zh-CN' ? zhCN : enUS}>
      <AntApp>
        <SessionProvider>
          <BrowserRouter basename="/admin">
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route element={<SignedIn />}>
                <Route path="/" element={<Navigate to="/dashboard" replace />} />
                <Route path="/dashboard" element={<DashboardPage />} />
                <Route path="/products" element={<ProductsPage />} />
                <Route path="/categories" element={<CategoriesPage />} />
                <Route path="/points" element={<PointsPage />} />
                <Route path="/members" element={<MembersPage />} />
                <Route path="/campaigns" element={<CampaignsPage />} />
                <Route path="/campaigns/:id/live" element={<CampaignLivePage />} />
                <Route path="/coupons" element={<CouponsPage />} />
                <Route path="/orders" element={<OrdersPage />} />
                <Route path="/fulfilment" element={<FulfilmentPage />} />
                <Route path="/after-sale" element={<AfterSalePage />} />
                <Route
                  path="/admins"
                  element={
                    <OwnerOnly>
                      <AdminsPage />
                    </OwnerOnly>
                  }
                />
                <Route path="/audit-log" element={<AuditLogPage />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

/** The console: locale, antd context, session, routes under /admin. */
export function ConsoleApp() {
  return (
    <I18nProvider>
      <Localized />
    </I18nProvider>
  );
}
