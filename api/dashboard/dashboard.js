// The live dashboard: a ticket from the API, a websocket, subscriptions, and resume by position
// after any drop. Plain JavaScript served as is (but for the topic list); no build step.
// Filled in by the server from api/realtime/protocol.ts, the one list of realtime topics.
const TOPICS = /* REALTIME_TOPICS */ [];
const $ = (id) => document.getElementById(id);
const state = { socket: null, wanted: false, position: null, seen: new Set(), reconnects: 0, counts: {}, arrivals: {} };

for (const topic of TOPICS) {
  const label = document.createElement('label');
  label.innerHTML = `<input type="checkbox" name="topic" value="${topic}" checked> ${topic}`;
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

$('mint').addEventListener('click', async () => {
  const response = await fetch('/v1/dev/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationId: $('org').value, subject: $('sub').value }),
  });
  const body = await response.json();
  if (!response.ok) return say(`could not mint a token: ${body.detail ?? body.title}`);
  $('token').value = body.token;
  say('token minted (valid 1 hour)');
});

async function open() {
  const token = $('token').value.trim();
  const ticketResponse = await fetch('/v1/realtime/tickets', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const ticket = await ticketResponse.json();
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
    const topics = [...document.querySelectorAll('input[name=topic]:checked')].map((box) => box.value);
    const accountIds = $('accounts')
      .value.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        topics,
        ...(accountIds.length ? { filters: { accountIds } } : {}),
        ...(state.position ? { resumeFrom: state.position } : {}),
      }),
    );
  });
  socket.addEventListener('message', (event) => receive(JSON.parse(event.data)));
  socket.addEventListener('close', (event) => {
    setState('closed');
    if (!state.wanted) return;
    say(`connection closed (${event.code}); resuming from ${state.position ?? 'the start'}...`);
    state.reconnects += 1;
    $('reconnects').textContent = String(state.reconnects);
    setTimeout(() => state.wanted && open(), 1000);
  });
}

function receive(message) {
  if (message.type === 'subscribed')
    say(`subscribed to ${message.topics.length} topic(s)${state.position ? `, resumed after ${state.position}` : ''}`);
  if (message.type === 'refetch') {
    say(`must refetch: ${message.reason}`);
    state.position = null;
  }
  if (message.type === 'error') say(`error: ${message.detail}`);
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
}

$('connect').addEventListener('click', () => {
  state.wanted = true;
  if (!state.socket || state.socket.readyState === WebSocket.CLOSED) open();
});
$('drop').addEventListener('click', () => state.socket?.close(4999, 'dropped from the dashboard'));
$('disconnect').addEventListener('click', () => {
  state.wanted = false;
  state.socket?.close(1000, 'bye');
});
