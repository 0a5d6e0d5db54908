/**
 * The sender's own copy of a message it sent, from its request and the SendResponse (docs/protocol.md
 * §5): at `res.seq` in the sender's inbox, so that the sending device records it like a push of that
 * seq and does not take its next push for a gap. Generic so that the Node and browser types both fit.
 */
export function sentMessage<
  Conversation,
  Content,
  Request extends { clientMsgId: string; conversation?: Conversation; contentType: string; content: Content },
>(
  request: Request,
  res: { messageId: number; seq: number; sentAt: number; conversationSeq: number },
  sender: { userId: string; deviceId: string },
) {
  return {
    messageId: res.messageId,
    seq: res.seq,
    conversation: request.conversation,
    sender,
    contentType: request.contentType,
    content: request.content,
    sentAt: res.sentAt,
    conversationSeq: res.conversationSeq,
    clientMsgId: request.clientMsgId,
  };
}
