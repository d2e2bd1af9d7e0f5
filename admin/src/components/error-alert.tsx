import { Alert } from 'antd';
import { useI18n } from '../i18n/context.tsx';

/** Shows a failed load as a readable sentence; renders nothing when there is no error. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { errorText } = useI18n();
  if (!error) return null;
  return <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 16 }} />;
}
