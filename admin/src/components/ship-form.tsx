import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Select, Space } from 'antd';
import { useState } from 'react';
import type { PackageInput } from '../api/types.ts';
import { CARRIERS, TRACKING_NO } from '../carriers.ts';
import { useI18n } from '../i18n/context.tsx';
import { useSession } from '../session.tsx';

interface ShipFormValues {
  packages: PackageInput[];
}

/**
 * Ships one order: one package, or a split shipment of several, each with its carrier and tracking number. The
 * first package is the request's own `carrier` / `trackingNo`, the rest its `morePackages`.
 */
export function ShipModal(props: { orderId: string | null; onClose: () => void; onShipped: () => void }) {
  const { t, locale, errorText } = useI18n();
  const { api } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<ShipFormValues>();
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    if (!props.orderId) return;
    const { packages } = await form.validateFields();
    const [first, ...more] = packages.map((p) => ({ carrier: p.carrier, trackingNo: p.trackingNo.trim() }));
    if (!first) return;
    setSaving(true);
    try {
      await api.shipOrder(props.orderId, { ...first, ...(more.length > 0 ? { morePackages: more } : {}) });
      message.success(t('orders.shipped'));
      props.onShipped();
      props.onClose();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={props.orderId !== null}
      title={t('fulfilment.shipTitle', { id: props.orderId ?? '' })}
      onCancel={props.onClose}
      onOk={() => void submit()}
      okText={t('orders.ship')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      forceRender
      afterOpenChange={(open) => {
        if (open) form.setFieldsValue({ packages: [{ carrier: 'SF', trackingNo: '' }] });
      }}
    >
      <Form form={form} layout="vertical" name="ship" data-testid="ship-form">
        <Form.List name="packages">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, index) => (
                <Space key={field.key} align="baseline" data-testid="ship-package">
                  <span style={{ whiteSpace: 'nowrap' }}>{t('fulfilment.package', { n: index + 1 })}</span>
                  <Form.Item
                    name={[field.name, 'carrier']}
                    rules={[{ required: true, message: t('common.required') }]}
                  >
                    <Select
                      style={{ width: 160 }}
                      aria-label={t('fulfilment.carrier')}
                      options={CARRIERS.map((c) => ({
                        value: c.code,
                        label: locale === 'zh-CN' ? c.zh : c.en,
                      }))}
                    />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'trackingNo']}
                    rules={[
                      { required: true, whitespace: true, message: t('common.required') },
                      { pattern: TRACKING_NO, message: t('orders.trackingNo') },
                    ]}
                  >
                    <Input placeholder={t('orders.trackingNo')} aria-label={t('orders.trackingNo')} />
                  </Form.Item>
                  {fields.length > 1 ? <MinusCircleOutlined onClick={() => remove(field.name)} /> : null}
                </Space>
              ))}
              {fields.length < 10 ? (
                <Button
                  type="dashed"
                  onClick={() => add({ carrier: 'SF', trackingNo: '' })}
                  icon={<PlusOutlined />}
                  data-testid="add-package"
                >
                  {t('fulfilment.addPackage')}
                </Button>
              ) : null}
            </>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
