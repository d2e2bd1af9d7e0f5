import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, Modal, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import type { Product, Sku } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { YuanInput, yuanRules } from '../components/yuan-input.tsx';
import { formatDateTime } from '../dates.ts';
import { useI18n } from '../i18n/context.tsx';
import { fenToYuanString, formatFen, parseYuanToFen } from '../money.ts';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

interface SkuField {
  id?: string;
  name: string;
  price: string;
}

interface ProductForm {
  title: string;
  description?: string;
  imageUrl?: string;
  skus: SkuField[];
}

/** Products and their SKUs: list, create, edit, archive. Prices are typed in yuan and stored in fen. */
export function ProductsPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, loading, reload } = useLoad(() => api.listProducts(), [api]);
  const [editing, setEditing] = useState<Product | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<ProductForm>();

  const open = (product: Product | 'new') => {
    setEditing(product);
    form.setFieldsValue(
      product === 'new'
        ? { title: '', description: '', imageUrl: '', skus: [{ name: '', price: '' }] }
        : {
            title: product.title,
            description: product.description ?? '',
            imageUrl: product.imageUrl ?? '',
            skus: product.skus.map((s) => ({ id: s.id, name: s.name, price: fenToYuanString(s.priceFen) })),
          },
    );
  };

  const save = async () => {
    const values = await form.validateFields();
    const skus = values.skus.map((s) => ({
      ...(s.id ? { id: s.id } : {}),
      name: s.name.trim(),
      priceFen: parseYuanToFen(s.price) ?? 0,
    }));
    const body = {
      title: values.title.trim(),
      ...(values.description ? { description: values.description } : {}),
      ...(values.imageUrl ? { imageUrl: values.imageUrl } : {}),
      skus,
    };
    setSaving(true);
    try {
      if (editing === 'new') await api.createProduct(body);
      else if (editing) await api.updateProduct(editing.id, body);
      message.success(t('common.saved'));
      setEditing(null);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const toggleStatus = async (product: Product) => {
    try {
      await api.updateProduct(product.id, { status: product.status === 'active' ? 'archived' : 'active' });
      await reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  return (
    <Card
      title={t('nav.products')}
      data-testid="products-page"
      extra={
        writable ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => open('new')}
            data-testid="create-product"
          >
            {t('products.create')}
          </Button>
        ) : null
      }
    >
      <ErrorAlert error={error} />
      <Table<Product>
        rowKey="id"
        loading={loading}
        dataSource={data ?? []}
        columns={[
          { title: t('products.title'), dataIndex: 'title' },
          {
            title: t('products.skus'),
            dataIndex: 'skus',
            render: (skus: Sku[]) => (
              <Space wrap>
                {skus.map((s) => (
                  <Tag key={s.id}>
                    {s.name} {formatFen(s.priceFen)}
                  </Tag>
                ))}
              </Space>
            ),
          },
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (status: Product['status']) => (
              <Tag color={status === 'active' ? 'green' : 'default'}>{t(`products.status.${status}`)}</Tag>
            ),
          },
          {
            title: t('common.createdAt'),
            dataIndex: 'createdAt',
            render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatDateTime(at)}</span>,
          },
          ...(writable
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, product: Product) => (
                    <Space>
                      <Button size="small" onClick={() => open(product)}>
                        {t('common.edit')}
                      </Button>
                      <Button size="small" onClick={() => void toggleStatus(product)}>
                        {product.status === 'active' ? t('products.archive') : t('products.activate')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('products.create') : t('products.edit')}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        destroyOnHidden
        forceRender
      >
        <Form form={form} layout="vertical" name="product">
          <Form.Item
            name="title"
            label={t('products.title')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={120} />
          </Form.Item>
          <Form.Item name="description" label={t('products.description')}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item name="imageUrl" label={t('products.imageUrl')} rules={[{ type: 'url' }]}>
            <Input />
          </Form.Item>
          <Form.List
            name="skus"
            rules={[
              {
                validator: (_, skus: SkuField[] | undefined) =>
                  skus && skus.length > 0
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('products.skuRequired'))),
              },
            ]}
          >
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((field) => (
                  <Space key={field.key} align="baseline">
                    <Form.Item name={[field.name, 'id']} hidden>
                      <Input />
                    </Form.Item>
                    <Form.Item
                      name={[field.name, 'name']}
                      rules={[{ required: true, whitespace: true, message: t('common.required') }]}
                    >
                      <Input placeholder={t('products.skuName')} aria-label={t('products.skuName')} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'price']} rules={yuanRules(t)}>
                      <YuanInput aria-label={t('products.price')} />
                    </Form.Item>
                    {fields.length > 1 ? <MinusCircleOutlined onClick={() => remove(field.name)} /> : null}
                  </Space>
                ))}
                <Button type="dashed" onClick={() => add({ name: '', price: '' })} icon={<PlusOutlined />}>
                  {t('products.addSku')}
                </Button>
                <Form.ErrorList errors={errors} />
              </>
            )}
          </Form.List>
        </Form>
      </Modal>
    </Card>
  );
}
