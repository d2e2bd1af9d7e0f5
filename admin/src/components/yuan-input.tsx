import { Input } from 'antd';
import type { Rule } from 'antd/es/form';
import type { MessageKey } from '../i18n/messages.ts';
import { parseYuanToFen } from '../money.ts';

/** A price typed in yuan as text (`12.34`); forms convert it with `parseYuanToFen` on submit. */
export function YuanInput(props: {
  id?: string;
  value?: string;
  onChange?: (value: string) => void;
  'aria-label'?: string;
}) {
  return (
    <Input
      id={props.id}
      prefix="¥"
      inputMode="decimal"
      value={props.value}
      aria-label={props['aria-label']}
      onChange={(e) => props.onChange?.(e.target.value)}
    />
  );
}

/** Form rules for a yuan amount: required, at most two decimals. */
export function yuanRules(t: (key: MessageKey) => string): Rule[] {
  return [
    { required: true, message: t('common.required') },
    {
      validator: (_, value: unknown) =>
        typeof value !== 'string' || value === '' || parseYuanToFen(value) !== null
          ? Promise.resolve()
          : Promise.reject(new Error(t('products.badPrice'))),
    },
  ];
}
