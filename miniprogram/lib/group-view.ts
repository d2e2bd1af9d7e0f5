import type { Group } from '../services/api-types';

export const GROUP_STATUS_LABELS: Readonly<Record<Group['status'], string>> = {
  forming: '拼团中',
  succeeded: '拼团成功',
  failed: '拼团失败',
};

export interface GroupView {
  slotsLeft: number;
  statusLabel: string;
  /** One entry per slot: taken slots first, so the page draws empty seats for the missing friends. */
  seats: Array<{ key: string; taken: boolean; leader: boolean; paid: boolean }>;
  isMember: boolean;
  joinable: boolean;
}

export function groupView(group: Group, myUserId: string | null): GroupView {
  const slotsLeft = Math.max(0, group.size - group.slotsTaken);
  const seats: GroupView['seats'] = group.members.map((m) => ({
    key: m.userId,
    taken: true,
    leader: m.userId === group.leaderId,
    paid: m.paid,
  }));
  for (let i = seats.length; i < group.size; i++)
    seats.push({ key: `empty-${i}`, taken: false, leader: false, paid: false });
  const isMember = myUserId !== null && group.members.some((m) => m.userId === myUserId);
  return {
    slotsLeft,
    statusLabel: GROUP_STATUS_LABELS[group.status] ?? group.status,
    seats,
    isMember,
    joinable: group.status === 'forming' && slotsLeft > 0 && !isMember,
  };
}

/** The share card's line for a forming group. */
export function groupShareTitle(group: Group, title: string): string {
  const left = Math.max(0, group.size - group.slotsTaken);
  return left > 0 ? `还差${left}人成团！${title}` : `${title}，已成团`;
}
