/**
 * @collabd/client: a typed client for collabd rooms (protocol/SPEC.md), in browsers and in Node.
 * Types: index.d.ts; message kinds and close codes: schema.generated.js (generated from the
 * Python schema by protocol/gen_schema.py).
 */
export { CollabClient, SdkError, isTerminalClose } from './client.js'
export { SessionsApi, docAt } from './rest.js'
export { parseJoin, TokenError } from './links.js'
export { decodeToken, isExpired, tokenFromHash } from './token.js'
export {
  PROTOCOL_VERSION, ProtocolError, KINDS, CLOSE_CODES, CloseCode,
  decodeFrame, encodeMessage, encodeCollab, packPayload, unpackPayload, toMap, fromMap,
  decodeAwareness, encodeAwareness,
  MSG_SYNC, MSG_AWARENESS, MSG_AUTH, MSG_QUERY_AWARENESS, MSG_COLLAB
} from './codec.js'
export { FEEDBACK } from './schema.generated.js'
