/** Schemas shared by many routes and actions: ids, money, times, errors, pagination. */
import { ERROR_CODES } from '@tuanmiao/contract/errors';
import Type, { type TObject, type TProperties } from 'typebox';

/** The largest amount a money column holds (PostgreSQL `integer`, 32-bit): every stored amount fits in it. */
export const MAX_STORED_FEN = 2_147_483_647;
/** The largest quantity one reservation may take (ReserveBody.quantity). */
export const MAX_RESERVATION_QUANTITY = 10;
/**
 * The largest unit price: a reservation of the most units at this price must still fit a money column. The
 * schemas allowed 10¹⁰ fen into 32-bit columns, and a campaign priced 2,147,483,647 fen took reservations
 * that could never become orders (their batch failed for ever and stalled settlement for everyone).
 */
export const MAX_PRICE_FEN = 200_000_000;

export const Fen = Type.Integer({
  minimum: 0,
  maximum: MAX_STORED_FEN,
  description: 'Money in integer fen (分)',
});
/** A unit price (SKU, campaign): at most MAX_PRICE_FEN, so that a whole reservation's total fits its column. */
export const PriceFen = Type.Integer({
  minimum: 0,
  maximum: MAX_PRICE_FEN,
  description: 'Unit price in integer fen (分), at most 200,000,000 (¥2,000,000)',
});
/** A sum of many amounts (GMV): reported, never stored in a money column. */
export const FenSum = Type.Integer({ minimum: 0, description: 'A sum of money in integer fen (分)' });
/** Years 1970–9999 only: earlier ones (year 0 among them) are no time of this shop, and PostgreSQL refused some
 * of them with a 500. */
export const IsoTime = Type.String({
  format: 'date-time',
  pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-',
  description: 'ISO 8601 UTC',
});
export const RequestId = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.:-]+$',
  description: 'Client-chosen idempotency key: the same user with the same requestId gets the same result',
});
export const prefixedId = (prefix: string) =>
  Type.String({
    pattern: `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`,
    description: `${prefix}_ followed by a ULID`,
  });

/** An id that may carry its campaign's ULID after its own (../ids.ts `newCampaignScopedId`); older ids do not. */
const campaignScopedId = (prefix: string) =>
  Type.String({
    pattern: `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}(_[0-9A-HJKMNP-TV-Z]{26})?$`,
    description: `${prefix}_ followed by a ULID, then (a campaign's) _ and the campaign's ULID`,
  });

export const CampaignId = prefixedId('cmp');
export const OrderId = prefixedId('ord');
export const ReservationId = campaignScopedId('rsv');
export const GroupId = campaignScopedId('grp');
export const ProductId = prefixedId('prd');
export const SkuId = prefixedId('sku');
export const CategoryId = prefixedId('cat');
export const AddressId = prefixedId('adr');
export const UserId = prefixedId('usr');
export const AdminId = prefixedId('adm');
export const CouponTemplateId = prefixedId('cpt');
export const CouponId = prefixedId('cpn');

export const IdParam = <T extends ReturnType<typeof prefixedId>>(schema: T) =>
  Type.Object({ id: schema }, { additionalProperties: false });

/**
 * An action's params: the route's path params and its body as one closed object. (`Type.Intersect` of two
 * closed objects accepts nothing at all: each side refuses the other's properties.)
 */
export function withParams<P extends TProperties, B extends TProperties>(
  params: TObject<P>,
  body: TObject<B>,
) {
  const min = (body as { minProperties?: number }).minProperties;
  return Type.Object(
    { ...params.properties, ...body.properties },
    {
      additionalProperties: false,
      ...(min !== undefined ? { minProperties: min + Object.keys(params.properties).length } : {}),
    },
  );
}

/** Every error answer: a code of the registry (`@tuanmiao/contract`), a message, and whether a retry can help. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(ERROR_CODES),
      message: Type.String(),
      retryable: Type.Boolean(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);

export const Cursor = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' });
export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

/** A lone UTF-16 surrogate or a NUL: text that neither PostgreSQL's text and JSON columns nor a reader can take. */
const ILL_FORMED_TEXT = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\0/;

/**
 * The text rule of every edge (the gateway's validators and the broker's): the JSON pointer of the first string,
 * or object key, holding a lone surrogate or a NUL, or undefined when all text is well formed. A validation
 * rule rather than a keyword on each string schema, so that no free-text field can be left without it.
 */
export function findIllFormedText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return ILL_FORMED_TEXT.test(value) ? path || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedText(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // A member's pointer is built only to report it or to descend: a request body's flat strings (every
  // reservation's) cost no string building here.
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (ILL_FORMED_TEXT.test(key)) return memberPointer(path, key);
    if (typeof v === 'string') {
      if (ILL_FORMED_TEXT.test(v)) return memberPointer(path, key);
    } else if (v !== null && typeof v === 'object') {
      const found = findIllFormedText(v, memberPointer(path, key));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The JSON pointer of member `key` of the value at `path`. */
function memberPointer(path: string, key: string): string {
  return `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** The message of the text rule, the same at both edges. */
export const ILL_FORMED_TEXT_MESSAGE = 'must be well-formed text (no lone surrogate, no NUL character)';
