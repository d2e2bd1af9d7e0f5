import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { Category } from '../api/types.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { useI18n } from '../i18n/context.tsx';
import { canWrite } from '../permissions.ts';
import { useAdmin, useSession } from '../session.tsx';
import { useLoad } from '../use-load.ts';

interface CategoryRow extends Category {
  children?: CategoryRow[];
}

interface CategoryForm {
  name: string;
  parentId?: string;
  sortOrder?: number;
}

/** The two-level tree: top-level categories with their subcategories under them, in the operator's order. */
export function categoryTree(categories: readonly Category[]): CategoryRow[] {
  const bySort = (a: Category, b: Category) => a.sortOrder - b.sortOrder || a.id.localeCompare(b.id);
  return categories
    .filter((c) => !c.parentId)
    .sort(bySort)
    .map((top) => {
      const children = categories.filter((c) => c.parentId === top.id).sort(bySort);
      return children.length > 0 ? { ...top, children } : { ...top };
    });
}

/** Categories in two levels: create, rename and reorder, delete an empty one. */
export function CategoriesPage() {
  const { t, errorText } = useI18n();
  const { api } = useSession();
  const admin = useAdmin();
  const { message, modal } = App.useApp();
  const writable = canWrite(admin.role);
  const { data, error, loading, reload } = useLoad(() => api.listCategories(), [api]);
  const [editing, setEditing] = useState<Category | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<CategoryForm>();
  const tree = useMemo(() => categoryTree(data ?? []), [data]);
  const tops = tree.map((c) => ({ value: c.id, label: c.name }));

  const open = (category: Category | 'new', parentId?: string) => {
    setEditing(category);
    form.setFieldsValue(
      category === 'new'
        ? { name: '', parentId, sortOrder: 0 }
        : { name: category.name, parentId: category.parentId, sortOrder: category.sortOrder },
    );
  };

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      if (editing === 'new') {
        await api.createCategory({
          name: values.name.trim(),
          ...(values.parentId ? { parentId: values.parentId } : {}),
          sortOrder: values.sortOrder ?? 0,
        });
      } else if (editing) {
        await api.updateCategory(editing.id, { name: values.name.trim(), sortOrder: values.sortOrder ?? 0 });
      }
      message.success(t('common.saved'));
      setEditing(null);
      await reload();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const remove = (category: Category) => {
    modal.confirm({
      title: t('categories.delete'),
      content: t('categories.deleteConfirm', { name: category.name }),
      okText: t('categories.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api.deleteCategory(category.id);
          message.success(t('categories.deleted'));
          await reload();
        } catch (err) {
          message.error(
            err instanceof ApiError && err.code === 'CONFLICT' ? t('categories.notEmpty') : errorText(err),
          );
        }
      },
    });
  };

  return (
    <Card
      title={t('nav.categories')}
      data-testid="categories-page"
      extra={
        writable ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => open('new')}
            data-testid="create-category"
          >
            {t('categories.create')}
          </Button>
        ) : null
      }
    >
      <ErrorAlert error={error} />
      <Table<CategoryRow>
        rowKey="id"
        loading={loading}
        dataSource={tree}
        pagination={false}
        expandable={{ defaultExpandAllRows: true }}
        key={tree.length}
        columns={[
          { title: t('categories.name'), dataIndex: 'name' },
          {
            title: t('categories.level'),
            key: 'level',
            render: (_: unknown, c: CategoryRow) => (
              <Tag color={c.parentId ? 'default' : 'blue'}>
                {t(c.parentId ? 'categories.level.2' : 'categories.level.1')}
              </Tag>
            ),
          },
          { title: t('categories.sortOrder'), dataIndex: 'sortOrder' },
          { title: 'ID', dataIndex: 'id', render: (id: string) => <code>{id}</code> },
          ...(writable
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, c: CategoryRow) => (
                    <Space>
                      {c.parentId ? null : (
                        <Button size="small" onClick={() => open('new', c.id)}>
                          {t('categories.create')}
                        </Button>
                      )}
                      <Button size="small" onClick={() => open(c)}>
                        {t('common.edit')}
                      </Button>
                      <Button size="small" danger onClick={() => remove(c)}>
                        {t('categories.delete')}
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
        title={editing === 'new' ? t('categories.create') : t('categories.edit')}
        onCancel={() => setEditing(null)}
        onOk={() => void save()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        destroyOnHidden
        forceRender
      >
        <Form form={form} layout="vertical" name="category">
          <Form.Item
            name="name"
            label={t('categories.name')}
            rules={[{ required: true, whitespace: true, message: t('common.required') }]}
          >
            <Input maxLength={30} />
          </Form.Item>
          <Form.Item name="parentId" label={t('categories.parent')}>
            <Select
              allowClear
              disabled={editing !== 'new'}
              placeholder={t('categories.topLevel')}
              options={tops}
              aria-label={t('categories.parent')}
            />
          </Form.Item>
          <Form.Item name="sortOrder" label={t('categories.sortOrder')}>
            <InputNumber min={0} max={10000} precision={0} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
