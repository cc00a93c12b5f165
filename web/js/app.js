// Wiring: boot (GET /me), sign in/out, initial load, live events → store → views.

import { api } from './api.js';
import { $ } from './dom.js';
import { Live } from './live.js';
import { PresenceWatch } from './presence.js';
import { Sender } from './sender.js';
import { Uploads } from './upload.js';
import { Store } from './store.js';
import { ReadThrottle } from './read_throttle.js';
import { assistantRefusal, findAssistant, GapReloader } from './stream.js';
import { ChannelControl } from './channel_control.js';
import { ChannelsDialog } from './views/channels.js';
import { MembersDialog, NewMessageDialog } from './views/people.js';
import { Composer } from './views/composer.js';
import { ConversationHeader, Drawer } from './views/conversation.js';
import { LoginView } from './views/login.js';
import { BannedView, MuteNotice } from './views/moderation_notice.js';
import { Notifier } from './notify.js';
import { MessageList } from './views/messages.js';
import { Sidebar } from './views/sidebar.js';
import { SearchView } from './views/search.js';
import { StatusView } from './views/status.js';
import { ThreadPanel } from './views/thread.js';

const PAGE = 50;

const store = new Store();
const live = new Live({
  getResume: () => store.resumeCursor(),
  checkSession: async () => {
    try { return (await api.me()) !== null; } catch { return true; } // unreachable ≠ signed out
  },
});
const sender = new Sender(store, live, api);
const presence = new PresenceWatch({ store, live });
// A reply whose deltas were missed is read again over HTTP (docs/protocol.md §2.7).
const reloader = new GapReloader({
  fetchOne: async (roomId, id) => (await api.messages(roomId, { before: id + 1, limit: 1 })).find((m) => Number(m.id) === id) ?? null,
  apply: (m) => store.refreshMessage(m),
  stillStreaming: (key) => { const i = key.lastIndexOf(':'); return store.isStreaming(key.slice(0, i), key.slice(i + 1)); },
});

const status = new StatusView({ onRetryNow: () => live.retryNow(), onReconnect: () => live.reconnect() });
const login = new LoginView({ onSubmit: signIn });
const banned = new BannedView({ onSignIn: () => { api.logout().catch(() => {}); login.setMode('login'); login.show(); } }); // #23
const muteNotice = new MuteNotice({ store, live });
const sidebar = new Sidebar({ store, onOpen: openRoom, onStartDm: startDm });
const header = new ConversationHeader({
  store, onLeave: leaveRoom, onSettings: (id) => channelCtl.open(id),
  onMute: (roomId, muted) => withToast(api.setMuted(roomId, muted)).then((r) => store.setMuted(r.roomId, r.muted), () => {}),
});
// Channel settings, room.updated / room.removed, archived channels (issue #23).
const channelCtl = new ChannelControl({ store, live, api, notify: (text) => status.toast(text, 'info'), onLeave: leaveRoom, onError: (text) => status.toast(text) });
const notifier = new Notifier({ store, button: $('#notify-enable'), onOpen: (id) => openRoom(id) });
const drawer = new Drawer();
// Files attached in the composer upload at once, per room (issue #24).
const uploads = new Uploads({ onChange: (scope, item) => { composer.uploadsChanged(scope, item); thread.uploadsChanged(scope, item); } });
const composer = new Composer({
  onSend: (roomId, text, extra) => { sender.send(roomId, text, null, extra); forceBottom = true; },
  onTyping: (roomId, typing) => live.send({ type: 'typing', roomId, typing }),
  uploads,
});
// What a message row can do, in the room's list and in a thread alike.
const messageActions = {
  onRetry: (clientId) => sender.retry(clientId),
  onEdit: (roomId, id, text) => sender.edit(roomId, id, text).catch(sessionEnded),
  onDelete: (roomId, id) => sender.remove(roomId, id).catch(sessionEnded),
  onReact: (roomId, id, emoji, on) => sender.react(roomId, id, emoji, on).catch(sessionEnded),
  onStop: (roomId, id) => sender.stop(roomId, id).catch(sessionEnded),
  onError: (text) => status.toast(text),
};
const messages = new MessageList({
  store,
  scroller: $('#scroller'),
  list: $('#messages'),
  status: $('#history-status'),
  pill: $('#new-pill'),
  onLoadOlder: (roomId) => loadPage(roomId),
  ...messageActions,
  onAtBottom: (roomId) => { if (roomId === store.activeRoomId) markActiveRead(); },
  onThread: (roomId, id) => thread.open(roomId, id),
});
const thread = new ThreadPanel({
  store,
  fetchReplies: (roomId, parentId, before, limit) => api.replies(roomId, parentId, { before, limit }),
  onLoadError: (e) => {
    if (e.status !== 401) status.toast(e.status === 404 ? 'This message no longer exists.' : `Could not load the replies: ${e.message}`);
    else if (store.me) { endSession(); status.toast('Your session has ended. Please sign in again.', 'info'); }
  },
  onSend: (roomId, parentId, text, extra) => sender.send(roomId, text, parentId, extra),
  onClosed: () => composer.focus(),
  onAtEnd: () => markActiveRead(),
  busy: () => drawer.isOpen || document.querySelector('dialog[open]') !== null, // Escape is theirs
  ...messageActions,
  uploads,
});
const channels = new ChannelsDialog({
  loadPublic: (query) => withToast(api.publicChannels(query)),
  onCreate: async (name, opts) => { const r = await withToast(api.createChannel(name, opts)); addRoom({ ...r, names: [r.name], archived: false }); return r; },
  onJoin: async (id) => { const r = await withToast(api.joinChannel(id)); addRoom(r); return r; },
  onOpen: openRoom,
});

let forceBottom = false;

// --- store → views -------------------------------------------------------------------------------

store.addEventListener('change', (e) => {
  const t = e.detail;
  if (!store.me || !store.activeRoom) return;
  if (t.has('active')) {
    const room = store.activeRoom;
    messages.setRoom(room.id);
    composer.setRoom(room.id, room.kind === 'dm' ? room.name : `#${room.name}`);
    if (!room.loaded && !room.loading) loadPage(room.id, { initial: true });
    history.replaceState(null, '', room.id === '0' ? '#' : `#room=${encodeURIComponent(room.id)}`);
  } else if (t.has(`room:${store.activeRoomId}`) || t.has('users')) {
    messages.render();
  }
  if (forceBottom) { forceBottom = false; messages.scrollToBottom(); }
  if (t.has('rooms') || t.has('users') || t.has('active')) { sidebar.render(); header.render(); updateTitle(); }
  if (t.has('rooms')) for (const id of uploads.roomIds()) if (!store.rooms.has(id)) uploads.clear(id); // left or removed
  if (t.has('typing') || t.has('active')) header.renderTyping();
  if (t.has('users') || [...t].some((x) => x.startsWith('room:'))) resolveUsersSoon();
  if (t.has('rooms') || t.has('active') || t.has(`room:${store.activeRoomId}`)) presence.soon();
  if (t.has('thread')) thread.sync();
  if (thread.isOpen && (t.has('thread') || t.has(`room:${thread.roomId}`) || t.has('users'))) thread.render();
});

function updateTitle() {
  let n = 0;
  for (const r of store.rooms.values()) if (r.id !== store.activeRoomId || document.visibilityState !== 'visible') n += store.unread(r).n;
  document.title = n > 0 ? `(${n}) GuideOps Chat` : 'GuideOps Chat';
}

document.addEventListener('visibilitychange', () => {
  if (!store.me) return;
  markActiveRead();
  updateTitle();
});

// The read marker moved here: tell the server (the live connection, else HTTP), which tells our
// other tabs and devices, and a DM's partner ("Seen"). At most one marker per room per 1.5 s (the
// newest; the first at once: ReadThrottle), so reading a busy room stays far below the server's limit
// of 60 per 10 s; a sign-out drops the markers not sent yet (they belong to the session that ended).
// A refusal (clientId 'read') is not worth a toast: the next marker carries it.
const reads = new ReadThrottle({
  every: 1500,
  send: (roomId, id) => {
    if (!live.send({ type: 'read', roomId, id, clientId: 'read' })) api.markRead(roomId, id).catch(() => {});
  },
});
store.addEventListener('read', (e) => reads.push(e.detail.roomId, e.detail.id));

// --- live → store --------------------------------------------------------------------------------

live.addEventListener('status', (e) => status.connection(e.detail));
live.addEventListener('open', (e) => {
  store.gen = e.detail.gen;
  presence.connected(); // after resume: the new connection watches nobody yet
  sender.flush();
  if (e.detail.reconnected) resync();
});
live.addEventListener('unauthorized', () => {
  endSession();
  status.toast('Your session has ended. Please sign in again.', 'info');
});
live.addEventListener('banned', () => { endSession(); banned.show(); }); // 4003: no retry
live.addEventListener('event', (e) => {
  const { type, data } = e.detail;
  switch (type) {
    case 'message': store.receive(data); notifier.onMessage(data); break;
    case 'message.updated': store.applyUpdate(data); break;
    case 'message.deleted': store.applyDelete(data); break;
    case 'reaction': store.applyReaction(data); break;
    case 'read': store.applyRead(data); break;
    case 'reload': { // the room's history was trimmed past our cursor: load it again
      const room = store.resetRoom(data?.roomId, Number(data?.horizon));
      if (room && !room.loading) loadPage(room.id, { initial: true });
      break;
    }
    case 'history.trimmed': store.trimRoom(data?.roomId, data?.upto); break;
    case 'message.delta': {
      const r = store.applyDelta(data);
      if (r === 'gap') reloader.gap(String(data.roomId), Number(data.id));
      else if (r === 'append') reloader.progress(String(data.roomId), Number(data.id));
      break;
    }
    case 'ack': sender.onAck(data); break;
    case 'error':
      if (data?.clientId === 'presence') presence.failed();
      else if (data?.clientId === 'read') { /* a refused read marker: the next one carries it */ }
      else if (assistantRefusal(data)) {
        // busy / rate_limited: the assistant did not take the question (the message itself was sent).
        if (String(data.roomId) === store.activeRoomId) composer.notice(assistantRefusal(data));
        else status.toast(assistantRefusal(data), 'info');
      } else if (!sender.onError(data)) status.toast(data?.message || 'The server refused a request.');
      break;
    case 'typing': store.setTyping(data); break;
    case 'user.connected':
    case 'user.disconnected': store.upsertUser(data); break;
    case 'presence': for (const u of data?.users ?? []) store.upsertUser(u); break;
    case 'show.room':
    case 'room.joined': addRoom(data); break;
    case 'room.left': store.removeRoom(String(data?.id ?? data?.roomId)); break;
    case 'room.muted': store.setMuted(data?.roomId, data?.muted === true); break;
    default: break; // reconnect (handled by Live), future events
  }
});

// --- actions -------------------------------------------------------------------------------------

/** An edit or delete refused over HTTP because the session is gone: back to the login screen. */
function sessionEnded(e) {
  if (e.code === 'muted') muteNotice.show(e.until); // over HTTP (the live connection's refusals: MuteNotice)
  if (e.status === 401 && store.me) { endSession(); status.toast('Your session has ended. Please sign in again.', 'info'); }
  throw e;
}

/** Shows an API error as a toast and rethrows it. */
async function withToast(promise) {
  try {
    return await promise;
  } catch (e) {
    if (e.status === 401) { endSession(); status.toast('Your session has ended. Please sign in again.', 'info'); }
    else status.toast(e.message);
    throw e;
  }
}

function addRoom(r) {
  if (!r || r.id === undefined) return null;
  const room = store.addRoom(r);
  if (!room.loaded && !room.loading) loadPage(room.id, { initial: true });
  return room;
}

/**
 * The open room is read when its newest message is on screen in a visible tab; up to the newest
 * reply of its open thread when that is read to its end too (a reply's @mention counts until then).
 */
function markActiveRead() {
  const roomId = store.activeRoomId;
  if (document.visibilityState !== 'visible' || !messages.isAtBottom()) return;
  const t = store.threadOf(roomId);
  store.markRead(roomId, t && t.loaded && thread.isOpen && thread.isAtBottom() ? t.ids.at(-1) ?? 0 : 0);
}

async function loadPage(roomId, { initial = false } = {}) {
  const room = store.rooms.get(roomId);
  if (!room || room.loading || (!initial && (!room.hasMore || !room.loaded))) return;
  room.loading = true;
  store.touch(`room:${roomId}`);
  try {
    const page = await api.messages(roomId, { before: initial ? undefined : room.floor, limit: PAGE });
    room.loading = false;
    if (store.rooms.get(roomId) === room) store.addHistory(roomId, page, PAGE, { initial });
  } catch (e) {
    room.loading = false;
    store.touch(`room:${roomId}`);
    if (e.status === 403 || e.status === 404) store.removeRoom(roomId);
    else if (roomId === store.activeRoomId) status.toast(`Could not load messages: ${e.message}`);
  }
}

function openRoom(id) {
  drawer.close();
  store.setActive(String(id));
  composer.focus();
}

async function startDm(userId, { rethrow = false } = {}) {
  if (userId === store.me.id) return;
  try {
    const r = await withToast(api.createDm(store.me.id, userId));
    addRoom(r);
    openRoom(r.id);
  } catch (e) { if (rethrow) throw e; /* toast shown */ }
}

async function leaveRoom(id) {
  const room = store.rooms.get(id);
  if (!room || room.kind !== 'channel') return;
  try {
    await withToast(api.leaveChannel(id));
    store.removeRoom(id);
    status.toast(`You left #${room.name}.`, 'info');
  } catch { /* toast shown */ }
}

let resolving = false;
const triedUsers = new Set();
function resolveUsersSoon() {
  if (resolving) return;
  resolving = true;
  setTimeout(async () => {
    try {
      const ids = store.unknownUserIds().filter((id) => !triedUsers.has(id));
      for (let i = 0; i < ids.length; i += 100) {
        const chunk = ids.slice(i, i + 100);
        chunk.forEach((id) => triedUsers.add(id));
        const found = await api.users(chunk);
        // Names only: presence comes from the connection's watch (a snapshot, then live changes),
        // and this answer may be older than a change that arrived meanwhile.
        for (const u of Object.values(found || {})) store.upsertUser({ id: u.id, username: u.username });
      }
    } catch { /* names stay "user N"; tried again after the next sign-in */ }
    resolving = false;
  }, 50);
}

/** After a reconnect: the room list may have changed while we were away (presence comes with the
 * snapshot of the connection's presence.watch). */
async function resync() {
  try {
    const rooms = await api.rooms(store.me.id);
    const ids = new Set(rooms.map((r) => String(r.id)));
    for (const r of rooms) addRoom(r);
    for (const id of [...store.rooms.keys()]) if (!ids.has(id)) store.removeRoom(id);
  } catch { /* next reconnect tries again */ }
}

// --- session -------------------------------------------------------------------------------------

async function signIn(mode, username, password) {
  const me = mode === 'register' ? await api.register(username, password) : await api.login(username, password);
  login.hide();
  await startSession(me);
}

async function startSession(me) {
  store.setMe(me);
  $('#me-name').textContent = me.username;
  $('#me-avatar').textContent = me.username.slice(0, 1).toUpperCase();
  $('#admin-link').hidden = me.role !== 'admin' && me.role !== 'moderator';
  $('#boot').hidden = true;
  $('#app-view').hidden = false;
  try {
    const rooms = await api.rooms(me.id);
    for (const r of rooms) store.addRoom(r);
    await Promise.all([...store.rooms.keys()].map((id) => loadPage(id, { initial: true })));
  } catch (e) {
    if (e.status === 401) { endSession(); return; }
    status.toast(`Could not load your rooms: ${e.message}`);
  }
  if (store.bots.size === 0) await findAssistant(api, store);
  const wanted = new URLSearchParams(location.hash.slice(1)).get('room');
  if (wanted && store.rooms.has(wanted)) store.setActive(wanted);
  store.touch('active');
  live.start();
  composer.focus();
}

function endSession() {
  reloader.clear();
  reads.clear();
  live.stop();
  presence.stop();
  sender.clear();
  uploads.clear();
  store.setMe(null);
  thread.sync(); // the store has no open thread any more
  status.reset();
  drawer.close();
  $('#app-view').hidden = true;
  $('#boot').hidden = true;
  login.show();
}

$('#logout').addEventListener('click', async () => {
  live.stop(); // first: the server ends this session's connections (close 4002), which is no news here
  try { await api.logout(); } catch { /* signed out locally anyway */ }
  history.replaceState(null, '', '#');
  endSession();
});
$('#browse-channels').addEventListener('click', () => channels.open());

// People: "New message" (find anyone, online or not) and the open room's members; a pick opens the DM.
const pickPerson = async (u) => {
  store.upsertUser({ id: u.id, username: u.username, role: u.role }); // presence stays live-driven
  if (u.id !== store.me.id) await startDm(u.id, { rethrow: true });
};
const newMessage = new NewMessageDialog({ search: (q, limit) => api.searchUsers(q, limit), onPick: pickPerson, me: () => store.me?.id });
const members = new MembersDialog({ load: (id) => api.roomMembers(id), onPick: pickPerson, me: () => store.me?.id });
$('#new-message').addEventListener('click', () => newMessage.open());
$('#room-members').addEventListener('click', () => { if (store.activeRoom) members.open(store.activeRoom); });
new SearchView({ store, api, openRoom, loadOlder: (id) => loadPage(id), openThread: (roomId, id) => thread.open(roomId, id), onError: (text) => status.toast(text, 'info') }); // message search (#22)

async function boot() {
  let me;
  try {
    me = await api.me();
  } catch (e) {
    $('#boot').textContent = `Cannot reach the server (${e.message}). Retrying…`;
    setTimeout(boot, 3000);
    return;
  }
  if (me) await startSession(me);
  else { $('#boot').hidden = true; login.show(); }
}

boot();
