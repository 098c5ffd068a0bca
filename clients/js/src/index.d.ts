// Types of @collabd/client. The message kinds, close codes and feedback forms come from
// schema.generated.d.ts (generated from the Python schema); the rest is written by hand.
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type {
  KindMap, KindName, CollabMessage, CloseCodeName, InterviewerForm, IntervieweeForm,
  Welcome, Session, ChatMsg, ChatTyping, Signal, IceServers, RunMsg, RunResult, Question, Notes,
  FeedbackStatus, FeedbackReveal, UnmaskStatus, UnmaskResult, ErrorMessage, Recording
} from './schema.generated.js'

export * from './schema.generated.js'

export declare const PROTOCOL_VERSION: 1
export declare const MSG_SYNC: 0
export declare const MSG_AWARENESS: 1
export declare const MSG_AUTH: 2
export declare const MSG_QUERY_AWARENESS: 3
export declare const MSG_COLLAB: 100

/** A participant as the other side sees it: a pseudonym, never a real identity. */
export interface Pseudonym { id: string, name: string, color: string }
export interface You extends Pseudonym { role: 'interviewer' | 'interviewee' | 'guest' }

/** One message of a frame (SPEC 5), as the codec reads and writes it. */
export type WireMessage =
  | { type: 'sync_step1', state_vector: Uint8Array }
  | { type: 'sync_step2', update: Uint8Array }
  | { type: 'sync_update', update: Uint8Array }
  | { type: 'awareness', update: Uint8Array }
  | { type: 'auth_denied', reason: string }
  | { type: 'query_awareness' }
  | { type: 'collab', payload: CollabMessage }

/** A frame or message that breaks the spec; `kind` is the Python codec's class name. */
export declare class ProtocolError extends Error {
  kind: 'DecodeError' | 'BadPayload' | 'InvalidMessage' | 'UnknownKind'
  code: 'bad_message' | 'unknown_kind'
  inPayload: boolean
}
export declare function decodeFrame (frame: Uint8Array): WireMessage[]
export declare function encodeMessage (message: WireMessage): Uint8Array
export declare function encodeCollab (msg: Partial<CollabMessage> & { t: KindName }): Uint8Array
export declare function packPayload (msg: Partial<CollabMessage> & { t: KindName }): Uint8Array
export declare function unpackPayload (bytes: Uint8Array): CollabMessage
export declare function toMap (msg: Partial<CollabMessage> & { t: KindName }): Record<string, unknown>
export declare function fromMap (data: unknown): CollabMessage
export interface AwarenessEntry { client_id: number, clock: number, state: unknown }
export declare function decodeAwareness (update: Uint8Array): AwarenessEntry[]
export declare function encodeAwareness (entries: AwarenessEntry[]): Uint8Array

export declare class TokenError extends Error {}
export interface TokenPayload { room: string, pid: string, role: string, exp: number | null }
export interface JoinInfo extends TokenPayload { server: string, token: string }
export declare function decodeToken (token: string): TokenPayload
export declare function isExpired (payload: TokenPayload, nowMs: number): boolean
/** The token of a location hash such as `#token=v1.x.y`. */
export declare function tokenFromHash (hash: string): string | null
/** A join link (`http://host/join#token=T`, `?token=T`, a ws:// room URL) or a bare token plus
 *  `server`. */
export declare function parseJoin (linkOrToken: string, server?: string): JoinInfo

/** A request failed: `code` is the server's error code (SPEC 16.1) or the client's own. */
export declare class SdkError extends Error {
  code: string
  detail: string
}
/** True when a client must not reconnect after this close code (SPEC 16.2). */
export declare function isTerminalClose (code: number): boolean

export interface WebSocketLike {
  binaryType: string
  readyState: number
  onopen: ((ev: any) => void) | null
  onmessage: ((ev: { data: any }) => void) | null
  onerror: ((ev: any) => void) | null
  onclose: ((ev: { code: number, reason: string }) => void) | null
  send (data: Uint8Array): void
  close (code?: number, reason?: string): void
}

export interface ClientOptions {
  /** The WebSocket class: globalThis.WebSocket by default; in Node pass `ws`'s. */
  WebSocket?: new (url: string) => WebSocketLike
  /** Used to ask why a join was refused (SPEC 3.3); globalThis.fetch by default. */
  fetch?: typeof globalThis.fetch
  /** Sent in `hello.client` (default "js"). */
  clientName?: string
  /** Reconnect after a non-terminal close (default true). */
  reconnect?: boolean
  /** [first delay, longest delay] in ms of the exponential back-off (default [100, 5000]). */
  backoff?: [number, number]
  /** The Y.Doc to sync (default: a new one). */
  doc?: Y.Doc
  /** Keep retrying a connection that never got in, unless the link itself is refused
   *  (default false: `connect()` rejects at the first failure). */
  retryBeforeWelcome?: boolean
  /** Silence after which the server is asked for a sign of life (default 2500 ms). */
  probeAfterMs?: number
  /** Silence after which the socket counts as lost and is replaced (default 6000 ms). */
  staleAfterMs?: number
  /** The clock (ms) the liveness checks read (default Date.now). */
  now?: () => number
}

export interface ConnectOptions extends ClientOptions {
  /** `http(s)://host:port`: needed with a bare token, overrides a link's. */
  server?: string
  /** How long to wait for the welcome (default 10000 ms). */
  timeoutMs?: number
}

export type Status = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'paused' | 'stopped' | 'closed'

export interface CloseInfo {
  code: number
  reason: string
  /** The close code's name in SPEC 16.2, null for codes the server does not send (1006...). */
  name: CloseCodeName | null
  /** The client stopped for good: the same input would fail again. */
  terminal: boolean
}

export interface Timers {
  /** When the interview ends (ms, server clock), if it has a length. */
  endsAt: number | null
  /** When the unmask question closes. */
  unmaskDeadline: number | null
}

/** Every event `on()` takes and what its listener gets. */
/** One stored chunk of the recorded call (SPEC 14.4). */
export interface RecordedChunk {
  id: number
  /** the speaker's participant id */
  by: string
  run: number
  seq: number
  /** where it starts on the session's timeline (server time, ms) */
  ts: number
  ms: number
  /** the audio bytes, base64 */
  data: string
}

export interface ClientEvents {
  status: (status: Status) => void
  synced: () => void
  /** Any change of the client's state (status, a message, awareness). */
  change: (what: 'status' | 'message' | 'awareness') => void
  /** The doc changed; `remote` is true for the server's updates. */
  doc: (update: Uint8Array, remote: boolean) => void
  /** Every collabd message, after the client's own state took it in. */
  message: (msg: CollabMessage) => void
  /** Every frame as it arrived (ArrayBuffer), before it is decoded. */
  frame: (data: ArrayBuffer) => void
  /** A frame from the server that does not decode (it is ignored). */
  protocolError: (err: ProtocolError) => void
  welcome: (msg: Welcome) => void
  session: (msg: Session) => void
  phase: (phase: string, previous: string | null) => void
  timers: (timers: Timers) => void
  /** Each new chat message (also those replayed on reconnect), once. */
  chat: (msg: ChatMsg) => void
  typing: (msg: ChatTyping) => void
  signal: (msg: Signal) => void
  ice: (msg: IceServers) => void
  /** Each new run, once. */
  run: (msg: RunMsg) => void
  question: (msg: Question) => void
  notes: (msg: Notes) => void
  feedback: (msg: FeedbackStatus) => void
  reveal: (msg: FeedbackReveal) => void
  unmask: (msg: UnmaskStatus) => void
  unmaskResult: (msg: UnmaskResult) => void
  recording: (msg: Recording) => void
  /** An `error` message from the server (SPEC 16.1). */
  error: (msg: ErrorMessage) => void
  /** The socket closed after it had opened. */
  close: (info: CloseInfo) => void
}

export type RunReport = Omit<Partial<RunResult>, 't' | 'nonce'> & { language: string }

export declare class CollabClient {
  constructor (opts: ClientOptions & { server: string, room: string, token: string })
  /** Join and resolve once welcomed; rejects with SdkError if the join is refused. */
  static connect (linkOrToken: string, opts?: ConnectOptions): Promise<CollabClient>
  start (timeoutMs?: number): Promise<void>

  readonly server: string
  readonly room: string
  readonly url: string
  /** The room's document and its well-known roots (SPEC 10). */
  readonly doc: Y.Doc
  readonly code: Y.Text
  readonly meta: Y.Map<unknown>
  readonly board: Y.Map<Y.Map<unknown>>
  readonly awareness: Awareness

  readonly welcome: Welcome | null
  readonly you: You | null
  readonly session: Session | null
  readonly phase: string | null
  readonly timers: Timers
  readonly ice: IceServers | null
  readonly feedbackStatus: FeedbackStatus | null
  readonly reveal: FeedbackReveal | null
  readonly unmaskStatus: UnmaskStatus | null
  readonly unmaskResult: UnmaskResult | null
  /** Both recording consents, and whether the call is being recorded (SPEC 14.4). */
  readonly recording: Recording | null
  readonly question: Question | null
  readonly notes: Notes | null
  /** Every `error` the server sent, oldest first. */
  readonly errors: ErrorMessage[]
  /** Participant id -> typing in the chat. */
  readonly typing: Record<string, boolean>
  /** Chat messages in id order, without duplicates. */
  readonly chat: ChatMsg[]
  /** Every shared run in id order (only reported results: nothing here runs anyone's code). */
  readonly runs: RunMsg[]

  readonly status: Status
  readonly connected: boolean
  readonly synced: boolean
  readonly connections: number
  readonly closeInfo: CloseInfo | null
  readonly closedReason: string | null
  /** Set when the server refused the link itself (bad or expired token, unknown room...). */
  readonly refusal: { code: string, message: string } | null
  /** Connection attempts in a row that did not open. */
  readonly failures: number
  readonly everWelcomed: boolean

  on<E extends keyof ClientEvents> (event: E, listener: ClientEvents[E]): () => void
  waitFor (predicate: (client: CollabClient) => unknown, timeoutMs?: number): Promise<void>
  waitSynced (timeoutMs?: number): Promise<void>
  /** Send any collabd message; false when not connected (nothing is queued). */
  sendMessage<K extends KindName> (msg: Partial<KindMap[K]> & { t: K }): boolean

  postChat (text: string, timeoutMs?: number): Promise<ChatMsg>
  setTyping (on: boolean): void
  sendSignal (kind: 'offer' | 'answer' | 'ice' | 'hangup' | 'restart', data: Record<string, unknown>, to: string): void
  reportRun (run: RunReport, timeoutMs?: number): Promise<RunMsg>
  setQuestion (text: string, timeoutMs?: number): Promise<Question>
  saveNotes (text: string, timeoutMs?: number): Promise<Notes>
  submitFeedback (form: InterviewerForm | IntervieweeForm, timeoutMs?: number): Promise<void>
  endInterview (timeoutMs?: number): Promise<void>
  answerUnmask (answer: 'yes' | 'no' | 'withdraw', timeoutMs?: number): Promise<void>
  fetchTimeline (timeoutMs?: number): Promise<{ info: Record<string, unknown>, events: TimelineEvent[] }>
  consentRecording (yes: boolean, timeoutMs?: number): Promise<void>
  fetchRecording (timeoutMs?: number): Promise<RecordedChunk[]>
  /** Skip the back-off wait and connect now (also ends a pause). */
  reconnectNow (evenIfConnected?: boolean): void
  /** Close the socket and stay disconnected, edits kept, until reconnectNow(). */
  pause (): void
  close (): void
}

/** A replay event (SPEC 18.2); `k` tells the kind, readers skip kinds they do not know. */
export interface TimelineEvent { k: string, ts: number, [key: string]: unknown }

/** The embedder's REST API (keep the API key on your server). */
export declare class SessionsApi {
  constructor (opts: { server: string, apiKey: string, fetch?: typeof globalThis.fetch })
  createSession (body: {
    interviewer: { name: string, email: string, profile?: string, external_id?: string }
    interviewee: { name: string, email: string, profile?: string, external_id?: string }
    options?: Record<string, unknown>
  }): Promise<any>
  getSession (sid: string): Promise<any>
  endSession (sid: string): Promise<any>
  cancelSession (sid: string): Promise<any>
  timelinePage (sid: string, after?: number): Promise<{ info: Record<string, unknown>, events: TimelineEvent[], next?: number | null }>
  timeline (sid: string): Promise<{ info: Record<string, unknown>, events: TimelineEvent[] }>
}
/** The document at server time `ts` (ms; default: the end) from a timeline's events. */
export declare function docAt (events: TimelineEvent[], ts?: number): Y.Doc
