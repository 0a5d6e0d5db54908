// Which groups the small-group load sends to and who is in them. One group is the hot-group case
// (every send waits for the transaction before it on the group's and its members' counter rows);
// several disjoint groups, sends taking them in turn, are what a deployment with many small groups
// sees at the same total rate. The numbering is the raw reference's (GroupWorkload.plan).

/** `groups` disjoint groups of `members` members each, member i signed in as user `m<i>`. */
export class GroupLayout {
  constructor(
    readonly groups: number,
    readonly members: number,
    private readonly baseId: string,
  ) {
    if (!(groups >= 1 && members >= 2)) throw new RangeError('at least one group of two members');
  }

  /** Members over all groups (one connection each). */
  get connections(): number {
    return this.groups * this.members;
  }

  /** Group g's id: the base id itself for a single group (the ids earlier runs used). */
  groupId(g: number): string {
    return this.groups === 1 ? this.baseId : `${this.baseId}-${g}`;
  }

  /** The user ids of group g's members, the first its owner. */
  userIds(g: number): string[] {
    return Array.from({ length: this.members }, (_, j) => `m${g * this.members + j}`);
  }

  /** The group member `member` (a connection index) belongs to. */
  groupOf(member: number): number {
    return Math.floor(member / this.members);
  }

  /** The group of send n: the groups take turns. */
  groupOfSend(n: number): number {
    return n % this.groups;
  }

  /** The member (connection index) who makes send n: each group's members take turns. */
  senderOf(n: number): number {
    return this.groupOfSend(n) * this.members + (Math.floor(n / this.groups) % this.members);
  }
}
