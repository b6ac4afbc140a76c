// The live dashboard: a ticket from the API, a websocket, subscriptions, and resume by position
// after any drop; and an upload panel on the upload client. Plain JavaScript served as is (but for
// its settings); the client is bundled from its TypeScript by the server (routes.ts).
import { UploadClient } from '/upload-client.js';

// Filled in by the server: the slices' realtime topics with their filter keys, and whether this
// environment (local, test) hands out development tokens, in which case the page connects by itself.
const SETTINGS = /* DASHBOARD_SETTINGS */ { topics: [], devTokens: false };
const TOPICS = SETTINGS.topics.map((topic) => topic.name);
const FILTER_KEYS = Object.fromEntries(SETTINGS.topics.map((topic) => [topic.name, topic.filterKeys]));
const $ = (id) => document.getElementById(id);
const state = { socket: null, wanted: false, position: null, seen: new Set(), reconnects: 0, counts: {}, arrivals: {} };

for (const topic of TOPICS) {
  const label = document.createElement('label');
  label.innerHTML = `<input type="checkbox" name="topic" value="${topic}" checked> ${topic}`;
  label.title = `filter keys: ${FILTER_KEYS[topic].join(', ') || 'none'}`;
  $('topics').append(label);
  state.counts[topic] = 0;
  state.arrivals[topic] = [];
}

function say(text) {
  $('message').textContent = text;
}
function setState(text) {
  $('state').textContent = text;
  $('state').className = text;
}

function renderRates() {
  const now = Date.now();
  $('rates').innerHTML = TOPICS.map((topic) => {
    state.arrivals[topic] = state.arrivals[topic].filter((t) => now - t < 60_000);
    return `<tr><td>${topic}</td><td id="count-${topic}">${state.counts[topic]}</td><td>${state.arrivals[topic].length}</td></tr>`;
  }).join('');
}
setInterval(renderRates, 1000);
renderRates();

async function mint() {
  const response = await fetch('/v1/dev/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationId: $('org').value, subject: $('sub').value }),
  });
  const body = await response.json();
  if (!response.ok) {
    say(`could not mint a token: ${body.detail ?? body.title}`);
    return false;
  }
  $('token').value = body.token;
  uploads.client = null;
  say('token minted (valid 1 hour)');
  return true;
}
$('mint').addEventListener('click', mint);

/** `accountId=acc-1, accountId=acc-2, threadId=t-1` as { accountId: [...], threadId: [...] }. */
function parseFilters(text) {
  const filters = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, ...rest] = pair.split('=');
    const value = rest.join('=').trim();
    if (key.trim() && value) (filters[key.trim()] ??= []).push(value);
  }
  return filters;
}

/** Tries open() again while the page wants a connection: 1 s, then twice as long each time, at most 15 s. */
function openLater(failures = 0) {
  state.reconnects += 1;
  $('reconnects').textContent = String(state.reconnects);
  setTimeout(() => state.wanted && open(failures), Math.min(15_000, 1000 * 2 ** failures));
}

async function open(failures = 0) {
  const token = $('token').value.trim();
  let ticketResponse;
  let ticket;
  try {
    ticketResponse = await fetch('/v1/realtime/tickets', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    ticket = await ticketResponse.json();
  } catch (error) {
    // The API is out of reach (restarting, the network down): try again rather than stop for good.
    say(`cannot reach the API (${error.message}); trying again...`);
    return openLater(failures + 1);
  }
  if (ticketResponse.status >= 500 || ticketResponse.status === 429) {
    say(`the API answered ${ticketResponse.status}; trying again...`);
    return openLater(failures + 1);
  }
  if (!ticketResponse.ok) {
    say(`not allowed: ${ticket.detail ?? ticket.title}`);
    state.wanted = false;
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/v1/realtime?ticket=${encodeURIComponent(ticket.ticket)}`, [
    'tributary.v1',
  ]);
  state.socket = socket;
  socket.addEventListener('open', () => {
    setState('open');
    const checked = [...document.querySelectorAll('input[name=topic]:checked')].map((box) => box.value);
    const filters = parseFilters($('filters').value);
    const keys = Object.keys(filters);
    // A filter applies to the topics that carry its keys; the others are left out, and the page says so.
    const topics = checked.filter((topic) => keys.every((key) => FILTER_KEYS[topic].includes(key)));
    if (topics.length < checked.length)
      say(`left out (no ${keys.join('/')} to filter on): ${checked.filter((t) => !topics.includes(t)).join(', ')}`);
    if (topics.length === 0) return;
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        topics,
        ...(keys.length ? { filters } : {}),
        ...(state.position ? { resumeFrom: state.position } : {}),
      }),
    );
  });
  socket.addEventListener('message', (event) => receive(JSON.parse(event.data)));
  socket.addEventListener('close', (event) => {
    setState('closed');
    if (!state.wanted) return;
    say(`connection closed (${event.code}); resuming from ${state.position ?? 'the start'}...`);
    openLater();
  });
}

function receive(message) {
  if (message.type === 'subscribed') {
    say(`subscribed to ${message.topics.length} topic(s)${state.position ? `, resumed after ${state.position}` : ''}`);
    // A live subscription says where it starts: a drop before the first notification resumes from there.
    if (message.position) state.position = message.position;
  }
  if (message.type === 'refetch') {
    say(`must refetch: ${message.reason}`);
    state.position = null;
  }
  if (message.type === 'error') say(`error: ${message.detail}`);
  // The token runs out soon and the server will close with 4401: locally, mint a fresh one now, so
  // the reconnect that follows takes its ticket with it; elsewhere, ask for a new token.
  if (message.type === 'expiring') {
    if (SETTINGS.devTokens) mint();
    else say(`the token expires in ${message.inSeconds} s: paste a fresh one to stay connected`);
  }
  if (message.type !== 'notification' || state.seen.has(message.id)) return;
  state.seen.add(message.id);
  state.position = message.position;
  $('position').textContent = message.position;
  state.counts[message.topic] += 1;
  state.arrivals[message.topic].push(Date.now());
  $(`count-${message.topic}`).textContent = String(state.counts[message.topic]);
  const item = document.createElement('li');
  item.dataset.id = message.id;
  item.dataset.topic = message.topic;
  item.innerHTML = `<span class="meta">${message.position} · ${message.topic} · ${message.occurredAt}</span><br>`;
  item.append(JSON.stringify(message.data));
  $('log').prepend(item);
  while ($('log').children.length > 500) $('log').lastChild.remove();
  if (UPLOAD_TOPICS.includes(message.topic)) settleUpload(message);
}

// The upload panel: each file goes up through the upload client (seed 000's pool of URLs) and its
// row moves uploading -> generated (in S3, waiting for its notification) -> uploaded or rejected,
// as the websocket's attachment_uploaded and attachment_rejected say. Nothing polls.
const UPLOAD_TOPICS = ['attachment_uploaded', 'attachment_rejected'];
const uploads = {
  client: null,
  rows: new Map(),
  // A verdict can come before upload() has resolved with the attachment's id: it waits here.
  early: new Map(),
};

function uploadClient() {
  // The pool's URLs belong to the token's organization: a new token starts a new pool.
  uploads.client ??= new UploadClient({ baseUrl: '', token: () => $('token').value.trim() });
  return uploads.client;
}
$('token').addEventListener('change', () => (uploads.client = null));

function setRow(row, status, detail = '') {
  row.dataset.status = status;
  row.querySelector('.status').textContent = status;
  row.querySelector('.detail').textContent = detail;
}

async function uploadFile(file) {
  const row = document.createElement('tr');
  row.innerHTML =
    '<td class="name"></td><td class="size"></td><td class="status"></td><td class="id"></td><td class="detail"></td>';
  row.querySelector('.name').textContent = file.name;
  row.querySelector('.size').textContent = String(file.size);
  setRow(row, 'uploading');
  $('uploads').prepend(row);
  try {
    const result = await uploadClient().upload(file);
    row.dataset.attachmentId = result.attachmentId;
    row.querySelector('.id').textContent = result.attachmentId;
    uploads.rows.set(result.attachmentId, row);
    const verdict = uploads.early.get(result.attachmentId);
    uploads.early.delete(result.attachmentId);
    if (verdict) setRow(row, verdict.status, verdict.detail);
    else
      setRow(
        row,
        'generated',
        [
          result.retried ? 'in S3 (after a fresh URL)' : 'in S3, waiting for its notification',
          result.namingError ? `not named: ${result.namingError.message}` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
  } catch (error) {
    setRow(row, 'failed', error.message);
  }
}

function settleUpload(message) {
  const data = message.data ?? {};
  const attachmentId = message.filters?.attachmentId ?? data.attachmentId;
  const verdict =
    message.topic === 'attachment_uploaded'
      ? { status: 'uploaded', detail: `${data.sizeBytes} bytes, ${data.contentType}` }
      : { status: 'rejected', detail: [data.reason, data.detail].filter(Boolean).join(': ') };
  const row = uploads.rows.get(attachmentId);
  if (row) return setRow(row, verdict.status, verdict.detail);
  uploads.early.set(attachmentId, verdict);
  // Verdicts on other people's uploads pass through here too: keep only the latest few.
  if (uploads.early.size > 1000) uploads.early.delete(uploads.early.keys().next().value);
}

function uploadAll(files) {
  const connected = state.socket?.readyState === WebSocket.OPEN;
  $('upload-message').textContent = connected
    ? ''
    : 'not connected: rows will not move past generated until the page is';
  for (const file of files) uploadFile(file);
}

if (UPLOAD_TOPICS.every((topic) => TOPICS.includes(topic))) {
  $('upload-panel').hidden = false;
  $('files').addEventListener('change', (event) => {
    uploadAll([...event.target.files]);
    event.target.value = '';
  });
  const zone = $('dropzone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    uploadAll([...event.dataTransfer.files]);
  });
}

function connect() {
  state.wanted = true;
  if (!state.socket || state.socket.readyState === WebSocket.CLOSED) open();
}
$('connect').addEventListener('click', connect);
$('drop').addEventListener('click', () => state.socket?.close(4999, 'dropped from the dashboard'));
$('disconnect').addEventListener('click', () => {
  state.wanted = false;
  state.socket?.close(1000, 'bye');
});

// Locally the page needs nothing from its user: it mints a development token (for ?org=, default
// org-1, the organization `tributary start` runs its demo for) and connects. Elsewhere the token is pasted.
if (SETTINGS.devTokens) {
  const org = new URLSearchParams(location.search).get('org');
  if (org) $('org').value = org;
  mint().then((minted) => minted && connect());
} else {
  $('mint').hidden = true;
}
