import type { Category } from '../api-types';
import { api } from '../request';

/** `GET /api/categories` → every category, top level first (`parentId` names a child's top-level one). */
export async function fetchCategories(): Promise<Category[]> {
  return (await api.request<{ items: Category[] }>({ path: '/api/categories', auth: false })).items;
}
