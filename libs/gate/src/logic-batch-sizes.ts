import type { SendRequest, SignInRequest } from '@switchboard/proto/logic';

/** About what a send adds to a SendBatch request: its content and ids, plus framing. */
export function sendBytes(send: SendRequest): number {
  const q = send.request;
  if (!q) return 64;
  return (
    q.content.length + q.clientMsgId.length + q.contentType.length + (q.conversation?.id.length ?? 0) + 160
  );
}

/** About what a sign-in adds to a SignInBatch request: its token, ids and tags, plus framing. */
export function signInBytes(signIn: SignInRequest): number {
  const q = signIn.request;
  let bytes = signIn.gateId.length + signIn.gateBootId.length + signIn.remoteAddress.length + 64;
  if (!q) return bytes;
  bytes += q.token.length + q.appId.length + q.userId.length + q.deviceId.length + q.platform.length + 32;
  for (const tag of q.tags) bytes += tag.length + 2;
  return bytes;
}
