/** How the co-host of a room is reached: its actor type (id = room id) and its event subject. */
export const COHOST_ACTOR_TYPE = "cohost";

export function cohostOutSubject(roomId: string): string {
  return `cohost.out.${roomId}`;
}
