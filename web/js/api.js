// HTTP API client (docs/protocol.md §1). Same origin; the session is the HttpOnly cookie.
// Every failure is an ApiError carrying the server's {"error","message"} (or a network error).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0 = network error / timeout
    this.code = code || (status === 0 ? 'network' : 'http_error');
  }
}

const TIMEOUT_MS = 15000;

async function request(method, path, body) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  const init = { method, credentials: 'same-origin', signal: ctl.signal, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', ctl.signal.aborted ? 'The server did not answer in time.' : 'Cannot reach the server.');
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text().catch(() => '');
  let json = null;
  if (text !== '') {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  if (!res.ok) {
    const code = json && typeof json === 'object' ? json.error : undefined;
    const msg = json && typeof json === 'object' && json.message ? json.message : `Request failed (${res.status}).`;
    const err = new ApiError(res.status, code, msg);
    err.retryAfter = Number(res.headers.get('Retry-After')) || undefined;
    err.body = json && typeof json === 'object' ? json : null; // e.g. banned: reason, until; muted: until
    throw err;
  }
  if (json === undefined) throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
  return json;
}

const enc = encodeURIComponent;

export const api = {
  me: () => request('GET', '/me'),
  login: (username, password) => request('POST', '/login', { username, password }),
  register: (username, password) => request('POST', '/register', { username, password }),
  logout: () => request('POST', '/logout'),

  /** {id: {id, username, online}} for up to 100 ids. */
  users: (ids) => request('GET', `/users?${ids.map((id) => `ids[]=${enc(id)}`).join('&')}`),
  usersOnline: () => request('GET', '/users/online'),
  /** {users: [{id, username, online, role}]}: usernames starting with `q` (case-insensitive). */
  searchUsers: (q, limit = 20) => request('GET', `/users/search?q=${enc(q)}&limit=${limit}`),
  /** {roomId, count, everyone, members: [{id, username, online, role}]} (members only). */
  roomMembers: (roomId) => request('GET', `/room/${enc(roomId)}/members`),

  rooms: (userId) => request('GET', `/rooms/${enc(userId)}`),
  /** Newest first; `before` is exclusive. */
  messages: (roomId, { before, limit = 50 } = {}) => {
    const q = before === undefined || before === null ? `limit=${limit}` : `before=${before}&limit=${limit}`;
    return request('GET', `/room/${enc(roomId)}/messages?${q}`);
  },
  /** The replies in the thread of message `parentId`, newest first; `before` is exclusive. */
  replies: (roomId, parentId, { before, limit = 50 } = {}) => {
    const q = before === undefined || before === null ? `limit=${limit}` : `before=${before}&limit=${limit}`;
    return request('GET', `/room/${enc(roomId)}/messages/${enc(parentId)}/replies?${q}`);
  },
  postMessage: (roomId, message, clientId) => request('POST', `/room/${enc(roomId)}/messages`, { message, clientId }),
  /** → the updated message JSON (with `edited`). */
  editMessage: (roomId, id, message) => request('PATCH', `/room/${enc(roomId)}/messages/${enc(id)}`, { message }),
  /** → {id, roomId, deleted: true, seq}. */
  deleteMessage: (roomId, id) => request('DELETE', `/room/${enc(roomId)}/messages/${enc(id)}`),

  /** Stops the assistant's reply `id` while it streams → the final reply (`"stopped":true`). */
  react: (roomId, id, emoji, on) => request(on ? 'PUT' : 'DELETE', `/room/${enc(roomId)}/messages/${enc(id)}/reactions/${enc(emoji)}`),
  stopReply: (roomId, id) => request('POST', `/room/${enc(roomId)}/messages/${enc(id)}/stop`),
  markRead: (roomId, id) => request('POST', `/room/${enc(roomId)}/read`, { id }),
  /** → {roomId, muted}: the caller's per-room mute. */
  setMuted: (roomId, muted) => request(muted ? 'PUT' : 'DELETE', `/room/${enc(roomId)}/mute`),

  createDm: (user1, user2) => request('POST', '/room', { user1, user2 }),
  /** → {id, name, members, joined, private, topic, owner}; `topic` only when not empty. */
  createChannel: (name, { isPrivate = false, topic = '' } = {}) => request('POST', '/rooms', { name, private: Boolean(isPrivate), ...(topic ? { topic } : {}) }),
  /** A channel's settings and members: {roomId, count, members, owner, private, topic, archived, name} (issue #23). */
  channelMembers: (roomId) => request('GET', `/rooms/${enc(roomId)}/members`),
  /** Adds `userId` to the channel (owner, admin) → {roomId, userId, added}. */
  inviteMember: (roomId, userId) => request('POST', `/rooms/${enc(roomId)}/members`, { userId }),
  /** Removes `userId` (owner, admin; anyone for themselves) → {roomId, userId, removed}. */
  removeMember: (roomId, userId) => request('DELETE', `/rooms/${enc(roomId)}/members/${enc(userId)}`),
  /** Changes any of {name, topic, private, archived, owner} → the channel {id, name, topic, private, archived, owner, seq}. */
  updateChannel: (roomId, changes) => request('PATCH', `/rooms/${enc(roomId)}`, changes),
  /** Deletes the channel and its history → {id, deleted: true}. */
  deleteChannel: (roomId) => request('DELETE', `/rooms/${enc(roomId)}`),
  /** One page in name order: {channels: [{id,name,members,joined}], next: cursor|null}; `q` = name prefix. */
  publicChannels: ({ limit = 50, after, q } = {}) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (after) params.set('after', after);
    if (q) params.set('q', q);
    return request('GET', `/rooms/public?${params}`);
  },
  /** Messages with every word of `q`, newest first: {results: [message…], next: id|null} (issue #22). */
  searchMessages: ({ q, roomId, before, limit = 20 }) => {
    const params = new URLSearchParams({ q, limit: String(limit) });
    if (roomId !== undefined) params.set('roomId', roomId);
    if (before !== undefined && before !== null) params.set('before', String(before));
    return request('GET', `/search?${params}`);
  },
  joinChannel: (id) => request('POST', `/rooms/${enc(id)}/join`),
  leaveChannel: (id) => request('POST', `/rooms/${enc(id)}/leave`),
};
