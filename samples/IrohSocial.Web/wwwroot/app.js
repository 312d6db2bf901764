// IrohSocial web app: plain ES module, no build step. Talks only to its own server: /api (commands), /ws/events (the
// SDK's events as JSON) and /ws/media (microphone, camera and the call's received audio and video as binary frames).
import { CallMedia } from './media.js';

const $ = (id) => document.getElementById(id);
const state = {
  me: null,
  peer: null,            // open conversation (peer id)
  messages: new Map(),   // id -> message of the open conversation
  oldest: null,          // id of the oldest loaded message (paging cursor)
  hasMore: true,
  loading: false,
  replyTo: null,
  conversations: [],
  call: null,            // { id, peer, name, direction, state, muted, video, peerVideo }
  callStartedAt: null,
  incoming: null,
  typingTimer: null,
  lastTypingSent: 0,
};
const media = new CallMedia();
window.irohsocial = { state, media };

// ---------- helpers ----------
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data?.error || data?.detail || data?.title || response.statusText);
  return data;
}
function toast(text) { const t = $('toast'); t.textContent = text; t.hidden = false; clearTimeout(toast.timer); toast.timer = setTimeout(() => t.hidden = true, 4000); }
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'testid') e.dataset.testid = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const size = (n) => n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;
const clock = (s) => `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

// ---------- routing ----------
function route() {
  const hash = location.hash || '#/messages';
  const [, tab, arg] = hash.split('/');
  for (const name of ['messages', 'calls', 'me']) {
    $(`page-${name}`).hidden = !(tab === name || (tab === 'thread' && name === 'messages'));
    document.querySelector(`nav a[data-tab=${name}]`).classList.toggle('active', tab === name || (tab === 'thread' && name === 'messages'));
  }
  if (tab === 'thread' && arg) openThread(arg);
  else if (tab === 'messages') closeThread();
  if (tab === 'calls') loadHistory();
  if (tab === 'me') loadContacts();
}
window.addEventListener('hashchange', route);

// ---------- conversations ----------
async function loadConversations() {
  state.conversations = await api('GET', '/api/conversations');
  const list = $('conversation-list');
  list.replaceChildren(...state.conversations.map((c) => el('li', {
    testid: 'conversation-item', 'data-peer': c.peer, class: c.peer === state.peer ? 'selected' : '',
    onclick: () => { location.hash = `#/thread/${c.peer}`; },
  },
  el('span', { class: 'name' }, c.name),
  c.unread > 0 ? el('span', { class: 'badge', testid: 'unread-badge' }, String(c.unread)) : el('span'),
  el('span', { class: 'snippet' }, c.lastMessage ? (c.lastMessage.direction === 'out' ? 'You: ' : '') + (c.lastMessage.content || 'attachment') : 'No messages yet'),
  el('span', { class: 'muted small' }, c.lastMessage ? time(c.lastMessage.timestamp) : ''))));
}

// ---------- thread ----------
function closeThread() {
  state.peer = null;
  $('thread-body').hidden = true;
  $('thread-empty').hidden = false;
  loadConversations();
}

async function openThread(peer) {
  if (state.peer === peer) return;
  state.peer = peer;
  state.messages.clear();
  state.oldest = null;
  state.hasMore = true;
  state.replyTo = null;
  $('reply-preview').hidden = true;
  $('typing').hidden = true;
  $('message-list').replaceChildren();
  $('thread-empty').hidden = true;
  $('thread-body').hidden = false;
  const conversation = state.conversations.find((c) => c.peer === peer);
  $('thread-name').textContent = conversation?.name ?? peer.slice(0, 10);
  await loadOlder(true);
  await markRead();
  await loadConversations();
  showPath();
}

async function showPath() {
  if (!state.peer) return;
  const path = await api('GET', `/api/conversations/${state.peer}/path`).catch(() => null);
  $('thread-path').textContent = !path || path.kind === 'none' ? 'not connected right now' : `${path.kind} · ${path.transport} · ${path.remote}`;
}

// Infinite scroll: older pages load when the list is scrolled near its top.
async function loadOlder(scrollToEnd = false) {
  if (state.loading || !state.hasMore || !state.peer) return;
  state.loading = true;
  const peer = state.peer;
  try {
    const query = new URLSearchParams({ limit: '30' });
    if (state.oldest) query.set('before', state.oldest);
    const page = await api('GET', `/api/conversations/${peer}/messages?${query}`);
    if (peer !== state.peer) return;
    state.hasMore = page.length === 30;
    if (page.length) state.oldest = page[0].id;
    const list = $('message-list');
    const previousHeight = list.scrollHeight;
    const nodes = page.filter((m) => !state.messages.has(m.id)).map((m) => { state.messages.set(m.id, m); return renderMessage(m); });
    list.prepend(...nodes);
    if (scrollToEnd) list.scrollTop = list.scrollHeight;
    else list.scrollTop += list.scrollHeight - previousHeight;
  } finally {
    state.loading = false;
  }
  // A first page that does not fill the view cannot be scrolled: keep loading until it does or history ends.
  const list = $('message-list');
  if (state.hasMore && list.scrollHeight <= list.clientHeight) await loadOlder(scrollToEnd);
}
$('message-list').addEventListener('scroll', () => { if ($('message-list').scrollTop < 60) loadOlder(); });

function renderMessage(m) {
  const quoted = m.replyTo ? state.messages.get(m.replyTo) : null;
  const node = el('div', { class: `msg ${m.direction}`, testid: 'message', 'data-id': m.id, 'data-direction': m.direction },
    m.replyTo ? el('div', { class: 'quote', testid: 'message-reply' }, '↪ ' + (quoted ? quoted.content.slice(0, 80) : 'earlier message')) : null,
    m.content ? el('div', { class: 'content', testid: 'message-content' }, m.content) : null,
    m.attachments.length ? el('div', { class: 'attachments' }, ...m.attachments.map((a) => attachmentNode(a))) : null,
    el('div', { class: 'meta' },
      el('time', {}, time(m.timestamp)),
      m.direction === 'out' ? el('span', { testid: 'message-status', class: 'status' }, m.status) : null,
      el('button', { testid: 'reply-button', onclick: () => startReply(m) }, 'Reply'),
      el('button', { testid: 'delete-button', onclick: () => deleteMessage(m.id) }, 'Delete')));
  return node;
}

function attachmentNode(a) {
  const link = el('a', { href: a.url, download: a.name, testid: 'attachment-link' }, `⤓ ${a.name} (${size(a.size)})`);
  if (!/^image\/(png|jpeg|gif|webp)$/.test(a.mimeType)) return link;
  const image = el('img', { class: 'preview', alt: a.name, src: a.url });
  image.addEventListener('error', () => image.remove()); // not here yet: the 'attachment' event re-renders it
  return el('div', {}, link, image);
}

function appendMessage(m) {
  if (state.messages.has(m.id)) return;
  if (receipts.has(m.id) && rank[receipts.get(m.id)] > rank[m.status]) m.status = receipts.get(m.id);
  state.messages.set(m.id, m);
  const list = $('message-list');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.append(renderMessage(m));
  if (atBottom || m.direction === 'out') list.scrollTop = list.scrollHeight;
}

function replaceMessage(id) {
  const m = state.messages.get(id);
  const node = document.querySelector(`[data-testid=message][data-id="${id}"]`);
  if (m && node) node.replaceWith(renderMessage(m));
}

// Receipts can overtake the answer to our own send: remember them by id and apply them when the message shows up.
const rank = { pending: 0, delivered: 1, read: 2 };
const receipts = new Map();
function setStatus(id, status) {
  if (rank[status] > rank[receipts.get(id) ?? 'pending']) receipts.set(id, status);
  const m = state.messages.get(id);
  if (!m || m.direction !== 'out') return;
  // Read is final: a late "delivered" never moves a message back.
  if (rank[status] <= rank[m.status]) return;
  m.status = status;
  const node = document.querySelector(`[data-testid=message][data-id="${id}"] [data-testid=message-status]`);
  if (node) node.textContent = status;
}

function startReply(m) {
  state.replyTo = m.id;
  $('reply-preview').hidden = false;
  $('reply-preview').querySelector('span').textContent = '↪ Replying to: ' + (m.content || 'attachment').slice(0, 80);
  $('message-input').focus();
}
$('reply-cancel').addEventListener('click', () => { state.replyTo = null; $('reply-preview').hidden = true; });

async function deleteMessage(id) {
  await api('DELETE', `/api/messages/${id}`).catch((e) => toast(e.message));
  removeMessage(id);
  loadConversations();
}
function removeMessage(id) {
  state.messages.delete(id);
  document.querySelector(`[data-testid=message][data-id="${id}"]`)?.remove();
}

async function markRead() {
  if (!state.peer || document.visibilityState === 'hidden') return;
  await api('POST', `/api/conversations/${state.peer}/read`).catch(() => { });
}

$('attach').addEventListener('change', () => { $('attach-names').textContent = [...$('attach').files].map((f) => f.name).join(', '); });
$('compose').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('message-input');
  const files = [...$('attach').files];
  if (!input.value && !files.length) return;
  const form = new FormData();
  form.set('content', input.value);
  if (state.replyTo) form.set('replyTo', state.replyTo);
  for (const f of files) form.append('files', f, f.name);
  $('send').disabled = true;
  $('send-error').textContent = '';
  try {
    const sent = await api('POST', `/api/conversations/${state.peer}/messages`, form);
    input.value = '';
    $('attach').value = '';
    $('attach-names').textContent = '';
    state.replyTo = null;
    $('reply-preview').hidden = true;
    if (sent.content !== undefined) appendMessage(sent);
    loadConversations();
    showPath();
  } catch (e) {
    $('send-error').textContent = e.message;
  } finally {
    $('send').disabled = false;
  }
});
$('message-input').addEventListener('input', () => {
  const now = Date.now();
  if (!state.peer || now - state.lastTypingSent < 2500) return;
  state.lastTypingSent = now;
  api('POST', `/api/conversations/${state.peer}/typing`).catch(() => { }); // best effort, as in the SDK
});
$('flush-outbox').addEventListener('click', async () => {
  const r = await api('POST', '/api/outbox/flush');
  $('flush-result').textContent = `Outbox: ${r.sent} sent, ${r.failed} still waiting`;
});

// ---------- me & contacts ----------
async function loadMe() {
  state.me = await api('GET', '/api/me');
  $('my-id').textContent = state.me.id;
  $('my-short-id').textContent = state.me.id.slice(0, 10);
  $('my-ticket').value = state.me.ticket;
  $('my-qr').src = '/api/me/qr.svg';
  media.configure(state.me.video);
}
async function loadContacts() {
  const contacts = await api('GET', '/api/contacts');
  $('contacts').replaceChildren(...contacts.map((c) => el('li', { testid: 'contact', onclick: () => { location.hash = `#/thread/${c.id}`; } }, `${c.name} · ${c.id.slice(0, 10)}`)));
}
async function addContact(ticket) {
  try {
    const c = await api('POST', '/api/contacts', { ticket, name: $('contact-name').value || null });
    $('add-result').textContent = `Added ${c.name}.`;
    $('add-result').className = 'small';
    $('ticket-input').value = '';
    $('contact-name').value = '';
    await loadContacts();
    await loadConversations();
  } catch (e) {
    $('add-result').textContent = e.message;
    $('add-result').className = 'small error';
  }
}
$('voice-processing').checked = localStorage.getItem('irohsocial.voiceProcessing') !== 'off';
$('voice-processing').addEventListener('change', () => localStorage.setItem('irohsocial.voiceProcessing', $('voice-processing').checked ? 'on' : 'off'));
$('add-contact').addEventListener('click', () => addContact($('ticket-input').value));
$('copy-ticket').addEventListener('click', () => navigator.clipboard?.writeText(state.me.ticket).then(() => toast('Ticket copied')));
// QR scanning uses the browser's own BarcodeDetector where it has one (Chrome on macOS, Android, ChromeOS).
if ('BarcodeDetector' in window) {
  $('scan-qr').hidden = false;
  $('scan-qr').addEventListener('click', async () => {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const video = $('scan-video');
    video.srcObject = stream; video.hidden = false; await video.play();
    const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
    for (let i = 0; i < 300; i++) {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) { stop(); $('ticket-input').value = codes[0].rawValue; return addContact(codes[0].rawValue); }
      await new Promise((r) => setTimeout(r, 100));
    }
    stop();
  });
}

// ---------- calls ----------
async function loadHistory() {
  const history = await api('GET', '/api/calls/history');
  $('call-history').replaceChildren(...history.map((r) => el('li', { testid: 'call-history-item', 'data-reason': r.reason, 'data-direction': r.direction },
    el('span', {}, `${r.direction === 'outgoing' ? '↗' : '↙'} ${r.name} · ${r.hadVideo ? 'video' : 'voice'}`),
    el('span', { class: 'muted' }, `${r.reason} · ${clock(r.durationSeconds)} · ${new Date(r.startedAt).toLocaleString()}`))));
}

async function startCall(video) {
  if (!state.peer) return;
  try {
    await media.start(video);
    const call = await api('POST', '/api/calls', { peer: state.peer, video });
    showCall(call);
  } catch (e) {
    media.stop();
    toast(e.message);
  }
}
$('call-audio').addEventListener('click', () => startCall(false));
$('call-video').addEventListener('click', () => startCall(true));

$('accept-call').addEventListener('click', async () => {
  const incoming = state.incoming;
  if (!incoming) return;
  $('incoming-call').hidden = true;
  try {
    await media.start(incoming.video);
    showCall(await api('POST', `/api/calls/${incoming.callId}/answer`, { video: incoming.video }));
  } catch (e) {
    media.stop();
    toast(e.message);
  }
});
$('reject-call').addEventListener('click', async () => {
  const incoming = state.incoming;
  $('incoming-call').hidden = true;
  if (incoming) await api('POST', `/api/calls/${incoming.callId}/reject`).catch((e) => toast(e.message));
});
$('end-call').addEventListener('click', async () => {
  if (state.call) await api('POST', `/api/calls/${state.call.id}/end`).catch((e) => toast(e.message));
});
$('mute').addEventListener('click', async () => {
  if (!state.call) return;
  showCall(await api('POST', `/api/calls/${state.call.id}/mute`, { muted: !state.call.muted }));
});
$('video-toggle').addEventListener('click', async () => {
  if (!state.call) return;
  const enabled = !state.call.video;
  try {
    if (enabled) await media.enableCamera(); else media.disableCamera();
    showCall(await api('POST', `/api/calls/${state.call.id}/video`, { enabled }));
  } catch (e) { toast(e.message); }
});

function showCall(call) {
  state.call = call;
  if (call.state === 'active' && !state.callStartedAt) state.callStartedAt = Date.now() - call.elapsedSeconds * 1000;
  $('call-overlay').hidden = false;
  $('call-peer').textContent = call.name;
  $('call-state').textContent = call.state === 'ringing' ? 'ringing…' : call.state;
  $('mute').textContent = call.muted ? 'Unmute' : 'Mute';
  $('mute').classList.toggle('on', call.muted);
  $('video-toggle').textContent = call.video ? 'Camera off' : 'Camera on';
  $('video-toggle').classList.toggle('on', !call.video);
  media.setSending(call.state === 'active');
  media.setCameraSending(call.video);
}
function endCallUi(reason) {
  state.call = null;
  state.callStartedAt = null;
  $('call-overlay').hidden = true;
  $('incoming-call').hidden = true;
  state.incoming = null;
  media.stop();
  if (reason) toast(`Call ended: ${reason}`);
  if (!$('page-calls').hidden) loadHistory();
}
setInterval(() => {
  $('call-timer').textContent = state.callStartedAt ? clock((Date.now() - state.callStartedAt) / 1000) : '00:00';
  if (state.call) $('call-latency').textContent = media.latencyText(state.serverFigures);
  $('remote-video-off').hidden = !state.call || media.remoteVideoLive;
}, 250);

// ---------- events ----------
function onEvent({ type, data }) {
  switch (type) {
    case 'received':
      if (data.peer === state.peer) { appendMessage(data.message); $('typing').hidden = true; markRead().then(loadConversations); }
      else loadConversations();
      break;
    case 'delivered': setStatus(data.id, 'delivered'); break;
    case 'read': data.ids.forEach((id) => setStatus(id, 'read')); break;
    case 'deleted': removeMessage(data.id); loadConversations(); break;
    case 'attachment': if (data.peer === state.peer) replaceMessage(data.messageId); break;
    case 'typing':
      if (data.peer === state.peer) {
        const conversation = state.conversations.find((c) => c.peer === data.peer);
        $('typing').textContent = `${conversation?.name ?? 'Peer'} is typing…`;
        $('typing').hidden = false;
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(() => { $('typing').hidden = true; }, 4000);
      }
      break;
    case 'session-reset': toast('The encrypted session with a peer was re-established (their device may have changed).'); break;
    case 'incoming':
      state.incoming = data;
      $('incoming-name').textContent = data.name;
      $('incoming-kind').textContent = data.video ? 'video call' : 'voice call';
      $('incoming-call').hidden = false;
      break;
    case 'answered':
      if (state.call?.id === data.callId) { state.callStartedAt = Date.now(); showCall({ ...state.call, state: 'active' }); }
      break;
    case 'ended':
      if (state.incoming?.callId === data.callId) { $('incoming-call').hidden = true; state.incoming = null; }
      if (state.call?.id === data.callId) endCallUi(data.detail ? `${data.reason} (${data.detail})` : data.reason);
      if (!$('page-calls').hidden) loadHistory();
      break;
    case 'stats':
      if (state.call?.id !== data.callId) break;
      state.call.peerVideo = data.peerVideo;
      state.serverFigures = data.server;
      $('call-stats').textContent = [
        `quality ${data.quality}`,
        data.path ? `${data.path.kind} · ${data.path.transport} · ${data.path.remote}${data.path.videoRemote ? ' (+video connection)' : ''}` : null,
        data.rttMs != null ? `rtt ${data.rttMs.toFixed(0)} ms` : null,
        `loss ${data.lossPercent.toFixed(1)}%`, `jitter ${data.jitterMs.toFixed(1)} ms`, `buffer ${data.jitterBufferMs.toFixed(0)} ms`,
        `audio ${data.sendKbps.toFixed(0)}/${data.receiveKbps.toFixed(0)} kbps`,
        data.video ? `video ↑${data.video.sendSize}@${data.video.sendFps.toFixed(0)} ${data.video.sendKbps.toFixed(0)} kbps ↓${data.video.receiveSize}@${data.video.receiveFps.toFixed(0)}` : null,
      ].filter(Boolean).join(' · ');
      break;
  }
}

function connectEvents(delay = 500) {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/events`);
  socket.onopen = () => {
    $('live').classList.add('on');
    delay = 500;
    // Anything missed while disconnected: reload what is on screen.
    loadConversations();
    api('GET', '/api/calls/current').then((call) => { if (call) { if (call.state === 'ringing' && call.direction === 'incoming') onEvent({ type: 'incoming', data: { callId: call.id, name: call.name, video: call.video } }); } });
  };
  socket.onmessage = (m) => onEvent(JSON.parse(m.data));
  socket.onclose = () => { $('live').classList.remove('on'); setTimeout(() => connectEvents(Math.min(delay * 2, 5000)), delay); };
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') markRead().then(loadConversations); });

await loadMe();
connectEvents();
route();
