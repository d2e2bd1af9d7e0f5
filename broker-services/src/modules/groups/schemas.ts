/** Group buy: groups and the open/join answers. */
import Type, { type Static } from 'typebox';
import { CampaignId, GroupId, IsoTime, RequestId } from '../../schemas/common.ts';
import { ReservationView } from '../orders/schemas.ts';

export const GroupStatus = Type.Union([
  Type.Literal('forming'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
]);
export const GroupView = Type.Object({
  id: GroupId,
  campaignId: CampaignId,
  leaderId: Type.String(),
  size: Type.Integer(),
  slotsTaken: Type.Integer(),
  members: Type.Array(Type.Object({ userId: Type.String(), paid: Type.Boolean() })),
  status: GroupStatus,
  expiresAt: IsoTime,
  sharePath: Type.String({ description: 'Mini-program page path that opens this group' }),
});
export type GroupView = Static<typeof GroupView>;

export const GroupRequestBody = Type.Object(
  { requestId: RequestId, admissionToken: Type.Optional(Type.String({ minLength: 16, maxLength: 2048 })) },
  { additionalProperties: false },
);
export const GroupAndReservation = Type.Object({ group: GroupView, reservation: ReservationView });
export const GroupList = Type.Object({ items: Type.Array(GroupView) });

/** The mini-program page that opens a group, as shared in a chat. */
export function sharePath(groupId: string): string {
  return `/pages/group/detail/index?id=${groupId}`;
}
