/** Schemas shared by many routes and actions: ids, money, times, errors, pagination. */
import Type, { type Static, type TObject, type TProperties, type TSchema } from 'typebox';

export const Fen = Type.Integer({
  minimum: 0,
  maximum: 100_000_000_00,
  description: 'Money in integer fen (分)',
});
export const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });
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

export const CampaignId = prefixedId('cmp');
export const OrderId = prefixedId('ord');
export const ReservationId = prefixedId('rsv');
export const GroupId = prefixedId('grp');
export const ProductId = prefixedId('prd');
export const SkuId = prefixedId('sku');
export const AdminId = prefixedId('adm');

export const IdParam = <T extends ReturnType<typeof prefixedId>>(schema: T) =>
  Type.Object({ id: schema }, { additionalProperties: false });

/**
 * An action's params for a route with an `:id` and a body: both in one closed object. (`Type.Intersect` of
 * `IdParam` and a closed body admits no value at all: each side refuses the other's keys.)
 */
export const IdAndBody = <I extends TSchema, P extends TProperties>(id: I, body: TObject<P>) => {
  // The body's "at least one field" stays "at least one field besides the id".
  const { minProperties } = body as { minProperties?: unknown };
  return Type.Object(
    { ...body.properties, id },
    {
      additionalProperties: false,
      ...(typeof minProperties === 'number' ? { minProperties: minProperties + 1 } : {}),
    },
  );
};

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const Cursor = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' });
export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
