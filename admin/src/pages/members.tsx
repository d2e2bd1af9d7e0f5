import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useI18n } from '../i18n/context.tsx';
import { fromLevelsForm, type LevelsForm, toLevelsForm } from '../member-levels-form.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

/** Member levels: thresholds, member discounts and benefits, and the window growth counts over. */
export function MembersPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, reload } = useLoad(() => api.memberLevels(), [api]);
  const [form] = Form.useForm<LevelsForm>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (data) form.setFieldsValue(toLevelsForm(data));
  }, [data, form]);

  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await api.setMemberLevels(fromLevelsForm(v));
      message.success(t('common.saved'));
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={t('nav.members')} data-testid="members-page">
      <ErrorAlert error={error} />
      <Form<LevelsForm> form={form} layout="vertical" disabled={!writable}>
        <Form.Item
          name="windowDays"
          label={t('members.windowDays')}
          extra={t('members.windowDaysHelp')}
          rules={[{ required: true }]}
          style={{ maxWidth: 360 }}
        >
          <InputNumber
            min={30}
            max={3650}
            precision={0}
            style={{ width: '100%' }}
            data-testid="window-days"
          />
        </Form.Item>
        <Form.List name="levels">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, index) => (
                <Space key={field.key} align="start" wrap data-testid={`level-${index}`}>
                  <Form.Item
                    name={[field.name, 'code']}
                    label={t('members.code')}
                    rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,19}$/ }]}
                  >
                    <Input style={{ width: 120 }} data-testid={`level-code-${index}`} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'name']}
                    label={t('members.name')}
                    rules={[{ required: true, max: 20 }]}
                  >
                    <Input style={{ width: 140 }} data-testid={`level-name-${index}`} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'threshold']}
                    label={t('members.threshold')}
                    rules={[{ required: true }]}
                  >
                    <InputNumber
                      min={0}
                      max={100_000_000}
                      precision={0}
                      data-testid={`level-threshold-${index}`}
                    />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'discountPercent']}
                    label={t('members.discount')}
                    rules={[{ required: true }]}
                  >
                    <InputNumber min={0} max={50} precision={0} addonAfter="%" />
                  </Form.Item>
                  <Form.Item name={[field.name, 'benefits']} label={t('members.benefits')}>
                    <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} style={{ width: 240 }} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'monthlyCouponTemplateId']}
                    label={t('members.monthlyCoupon')}
                    rules={[{ pattern: /^cpt_[0-9A-HJKMNP-TV-Z]{26}$/ }]}
                  >
                    <Input style={{ width: 260 }} placeholder="cpt_…" />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'levelUpCouponTemplateId']}
                    label={t('members.levelUpCoupon')}
                    tooltip={t('members.levelUpCouponHelp')}
                    rules={[{ pattern: /^cpt_[0-9A-HJKMNP-TV-Z]{26}$/ }]}
                  >
                    <Input
                      style={{ width: 260 }}
                      placeholder="cpt_…"
                      data-testid={`level-up-coupon-${index}`}
                    />
                  </Form.Item>
                  {writable && fields.length > 1 ? (
                    <Button
                      type="text"
                      icon={<MinusCircleOutlined />}
                      onClick={() => remove(field.name)}
                      style={{ marginTop: 30 }}
                      aria-label={t('members.remove')}
                    />
                  ) : null}
                </Space>
              ))}
              {writable && fields.length < 10 ? (
                <Form.Item>
                  <Button
                    type="dashed"
                    icon={<PlusOutlined />}
                    onClick={() => add({ threshold: 0, discountPercent: 0 })}
                    data-testid="add-level"
                  >
                    {t('members.addLevel')}
                  </Button>
                </Form.Item>
              ) : null}
            </>
          )}
        </Form.List>
        {writable ? (
          <Form.Item>
            <Button type="primary" loading={saving} onClick={save} data-testid="save-levels">
              {t('common.save')}
            </Button>
          </Form.Item>
        ) : null}
      </Form>
    </Card>
  );
}
