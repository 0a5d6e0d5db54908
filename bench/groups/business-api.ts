// Calls of the business API (docs/business-api.md) over HTTP JSON, as an app's own server makes them.

/** POSTs `body` to `<api>/<method>` with the app's key; throws, with the answer, on a non-200 status. */
export async function callApi(
  api: string,
  apiKey: string,
  method: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${api}/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Creates a group of `userIds` (the first is the owner), adding members 1,000 per call (the API's limit). */
export async function createGroup(
  api: string,
  apiKey: string,
  groupId: string,
  userIds: readonly string[],
): Promise<{ memberCount: number; large: boolean }> {
  const CHUNK = 1000;
  await callApi(api, apiKey, 'create_group', {
    groupId,
    name: groupId,
    ownerUserId: userIds[0],
    memberUserIds: userIds.slice(1, CHUNK),
  });
  for (let i = CHUNK; i < userIds.length; i += CHUNK) {
    await callApi(api, apiKey, 'add_group_members', { groupId, userIds: userIds.slice(i, i + CHUNK) });
  }
  const listed = await callApi(api, apiKey, 'list_groups', { userId: userIds[0] });
  const group = (listed['groups'] as Array<{ groupId: string; memberCount: number; large: boolean }>).find(
    (g) => g.groupId === groupId,
  );
  if (!group) throw new Error(`list_groups: no ${groupId} for its owner`);
  return { memberCount: Number(group.memberCount), large: group.large };
}
