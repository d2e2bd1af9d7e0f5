import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Tooltip,
} from 'antd';
import { useMemo, useState } from 'react';
import { ApiError } from '../api/client.ts';
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
  /** A new SKU's first stock; an existing SKU's stock only moves by adjustments. */
  stock?: number;
}

interface ProductForm {
  title: string;
  description?: string;
  imageUrl?: string;
  categoryId?: string;
  onSale: boolean;
  images: string[];
  skus: SkuField[];
}

interface AdjustForm {
  delta: number | null;
  reason: string;
}

/**
 * Products and their SKUs: list, create, edit, on/off sale (上下架), archive. Prices are typed in yuan and stored in
 * fen. A SKU's stock is set once when it is made; after that it only moves by relative adjustments (+N received,
 * −N taken out), each one guarded and audited on the server, so an edit never overwrites units sold meanwhile.
 */
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
  const [adjusting, setAdjusting] = useState<Sku | null>(null);
  const [adjustForm] = Form.useForm<AdjustForm>();
  const categories = useLoad(() => api.listCategories(), [api]);
  const categoryOptions = useMemo(() => {
    const all = categories.data ?? [];
    return all
      .filter((c) => !c.parentId)
      .flatMap((top) => [
        { value: top.id, label: top.name },
        ...all
          .filter((c) => c.parentId === top.id)
          .map((c) => ({ value: c.id, label: `${top.name} / ${c.name}` })),
      ]);
  }, [categories.data]);
  const categoryName = (id?: string) => categoryOptions.find((c) => c.value === id)?.label ?? '-';

  const open = (product: Product | 'new') => {
    setEditing(product);
    form.setFieldsValue(
      product === 'new'
        ? {
            title: '',
            description: '',
            imageUrl: '',
            onSale: true,
            images: [],
            skus: [{ name: '', price: '', stock: 0 }],
          }
        : {
            title: product.title,
            description: product.description ?? '',
            imageUrl: product.imageUrl ?? '',
            categoryId: product.categoryId,
            onSale: product.onSale,
            images: product.images,
            skus: product.skus.map((s) => ({ id: s.id, name: s.name, price: fenToYuanString(s.priceFen) })),
          },
    );
  };

  const save = async () => {
    const values = await form.validateFields();
    const skus = values.skus.map((s) => ({
      ...(s.id ? { id: s.id } : { stock: s.stock ?? 0 }),
      name: s.name.trim(),
      priceFen: parseYuanToFen(s.price) ?? 0,
    }));
    const images = (values.images ?? []).map((u) => u.trim()).filter((u) => u);
    const body = {
      title: values.title.trim(),
      ...(values.description ? { description: values.description } : {}),
      ...(values.imageUrl ? { imageUrl: values.imageUrl } : {}),
      ...(values.categoryId ? { categoryId: values.categoryId } : {}),
      onSale: values.onSale,
      images,
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

  const toggleOnSale = async (product: Product, onSale: boolean) => {
    try {
      await api.updateProduct(product.id, { onSale });
      await reload();
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const openAdjust = (sku: Sku) => {
    setAdjusting(sku);
    adjustForm.setFieldsValue({ delta: null, reason: '' });
  };

  const adjust = async () => {
    if (!adjusting) return;
    const values = await adjustForm.validateFields();
    try {
      const result = await api.adjustStock(adjusting.id, {
        delta: values.delta ?? 0,
        reason: values.reason.trim(),
      });
      message.success(t('products.adjusted', { stock: result.stock }));
      setAdjusting(null);
      await reload();
    } catch (err) {
      // CONFLICT is the only refusal of a well-formed adjustment: it would take the stock below zero.
      message.error(
        err instanceof ApiError && err.code === 'CONFLICT'
          ? t('products.stockBelowZero', { stock: adjusting.stock })
          : errorText(err),
      );
      await reload();
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
            title: t('products.category'),
            dataIndex: 'categoryId',
            render: (id?: string) => categoryName(id),
          },
          {
            title: t('products.skus'),
            dataIndex: 'skus',
            render: (skus: Sku[]) => (
              <Space direction="vertical" size={4}>
                {skus.map((s) => (
                  <Space key={s.id} size={4} data-testid="product-sku">
                    <Tag>
                      {s.name} {formatFen(s.priceFen)}
                    </Tag>
                    <span>
                      {t('products.stock')} <b data-testid="sku-stock">{s.stock}</b>
                    </span>
                    {writable ? (
                      <Tooltip title={t('products.adjustStock')}>
                        <Button
                          size="small"
                          type="link"
                          onClick={() => openAdjust(s)}
                          data-testid="adjust-stock"
                        >
                          ±
                        </Button>
                      </Tooltip>
                    ) : null}
                  </Space>
                ))}
              </Space>
            ),
          },
          {
            title: t('products.onSale'),
            dataIndex: 'onSale',
            render: (onSale: boolean, product: Product) =>
              writable ? (
                <Switch
                  checked={onSale}
                  checkedChildren={t('products.onSale.on')}
                  unCheckedChildren={t('products.onSale.off')}
                  onChange={(v) => void toggleOnSale(product, v)}
                  data-testid="toggle-on-sale"
                />
              ) : (
                <Tag color={onSale ? 'green' : 'default'}>
                  {t(onSale ? 'products.onSale.on' : 'products.onSale.off')}
                </Tag>
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
          <Space align="start" size="large">
            <Form.Item name="categoryId" label={t('products.category')}>
              <Select
                allowClear
                style={{ width: 240 }}
                options={categoryOptions}
                aria-label={t('products.category')}
              />
            </Form.Item>
            <Form.Item name="onSale" label={t('products.onSale')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
          <Form.List name="images">
            {(fields, { add, remove }) => (
              <Form.Item label={t('products.images')}>
                {fields.map((field) => (
                  <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
                    <Form.Item
                      name={field.name}
                      rules={[{ required: true, type: 'url', message: t('products.imageUrl') }]}
                      style={{ width: 420 }}
                    >
                      <Input placeholder="https://" aria-label={t('products.images')} />
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(field.name)} />
                  </Space>
                ))}
                {fields.length < 9 ? (
                  <Button type="dashed" onClick={() => add('')} icon={<PlusOutlined />}>
                    {t('products.addImage')}
                  </Button>
                ) : null}
              </Form.Item>
            )}
          </Form.List>
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
                    {form.getFieldValue(['skus', field.name, 'id']) ? null : (
                      <Form.Item name={[field.name, 'stock']}>
                        <InputNumber
                          min={0}
                          precision={0}
                          placeholder={t('products.initialStock')}
                          aria-label={t('products.initialStock')}
                        />
                      </Form.Item>
                    )}
                    {fields.length > 1 ? <MinusCircleOutlined onClick={() => remove(field.name)} /> : null}
                  </Space>
                ))}
                <Button
                  type="dashed"
                  onClick={() => add({ name: '', price: '', stock: 0 })}
                  icon={<PlusOutlined />}
                >
                  {t('products.addSku')}
                </Button>
                <Form.ErrorList errors={errors} />
              </>
            )}
          </Form.List>
        </Form>
      </Modal>
      <Modal
        open={adjusting !== null}
        title={
          adjusting ? t('products.adjustStockTitle', { name: adjusting.name, stock: adjusting.stock }) : ''
        }
        onCancel={() => setAdjusting(null)}
        onOk={() => void adjust()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        destroyOnHidden
        forceRender
      >
        <Form form={adjustForm} layout="vertical" name="adjust-stock">
          <Form.Item
            name="delta"
            label={t('products.adjustDelta')}
            rules={[
              {
                validator: (_, v: number | null) =>
                  typeof v === 'number' && Number.isInteger(v) && v !== 0
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('products.deltaNonZero'))),
              },
            ]}
          >
            <InputNumber
              precision={0}
              min={-1_000_000}
              max={1_000_000}
              aria-label={t('products.adjustDelta')}
            />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t('products.adjustReason')}
            rules={[{ required: true, whitespace: true, min: 2, message: t('common.required') }]}
          >
            <Input maxLength={200} aria-label={t('products.adjustReason')} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
