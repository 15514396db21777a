// The live stream: one WebSocket per tab to /api/v1/stream (the session cookie signs it in).
// Each server event is re-dispatched on `document` as a CustomEvent named `tandem:<type>`
// (detail: {id, type, data}), so every page module subscribes to only what it needs.
// The page carries the stream's position when the server read it (data-live-after); the socket
// resumes from there, and after a drop it reconnects with exponential backoff and jitter and
// resumes from the last event id seen, so nothing between render and now is missed.
const UNAUTHORIZED = 4401;
const BASE_DELAY = 500;
const MAX_DELAY = 30000;

// [what the dot says (read by screen readers, shown in words when paused), its tooltip]
const LABELS = {
  connecting: ["Connecting to live updates", "Connecting to live updates"],
  live: ["Live updates on", "Live updates on: new posts and comments appear as they happen"],
  paused: ["Live updates paused", "Live updates paused: reconnecting, nothing will be missed"],
  "signed-out": ["Signed out", "Live updates off: you are signed out, sign in again"],
};

let socket = null;
let attempt = 0;
let timer = 0;
let stopped = false;
const watched = new Map(); // what this page asked to watch, sent again after a reconnect
const seen = new Set();

let lastId = null; // null: no known position (resume only once there is one)

function setStatus(state) {
  document.querySelectorAll("[data-live-status]").forEach((status) => {
    status.dataset.state = state;
    const [text, title] = LABELS[state];
    status.title = title;
    const label = status.querySelector("[data-live-status-text]");
    if (label) label.textContent = text;
  });
  document.body.dataset.liveState = state;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function streamUrl(path) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function schedule() {
  if (stopped || timer) return;
  // Full jitter in the upper half of the window, so a restarted server is not stampeded.
  const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** attempt);
  attempt += 1;
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  timer = window.setTimeout(() => {
    timer = 0;
    connect();
  }, delay);
}

function receive(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (!message || typeof message.type !== "string" || !Number.isSafeInteger(message.id)) return;
  if (seen.has(message.id)) return;
  seen.add(message.id);
  lastId = Math.max(lastId ?? 0, message.id);
  document.dispatchEvent(new CustomEvent(`tandem:${message.type}`, { detail: message }));
}

function connect() {
  if (stopped || socket) return;
  if (!navigator.onLine) {
    setStatus("paused");
    return; // the `online` event reconnects
  }
  const ws = new WebSocket(streamUrl(document.body.dataset.liveUrl));
  socket = ws;
  ws.addEventListener("open", () => {
    attempt = 0;
    setStatus("live");
    watched.forEach((message) => send(message));
    if (lastId !== null) send({ type: "resume", after: lastId });
  });
  ws.addEventListener("message", receive);
  ws.addEventListener("close", (event) => {
    if (socket === ws) socket = null;
    if (event.code === UNAUTHORIZED) {
      stopped = true;
      setStatus("signed-out");
      return;
    }
    if (!stopped) {
      setStatus("paused");
      schedule();
    }
  });
  // An error is always followed by `close`, which reconnects.
}

function watch(message) {
  watched.set(JSON.stringify(message), message);
  send(message);
}

/** Also receive comments and reactions for a post this page shows. */
export function watchPost(postId) {
  watch({ type: "watch", post_id: postId });
}

/** Receive every new post the user may see (feeds other than home filter them). */
export function watchCompany() {
  watch({ type: "watch", feed: "company" });
}

export function startLive() {
  if (!document.body.dataset.liveUrl || !("WebSocket" in window)) return;
  const after = Number(document.body.dataset.liveAfter ?? Number.NaN);
  lastId = Number.isSafeInteger(after) && after >= 0 ? after : null;
  setStatus("connecting");
  window.addEventListener("offline", () => {
    setStatus("paused");
    if (socket) socket.close(1000, "offline");
  });
  window.addEventListener("online", () => {
    window.clearTimeout(timer);
    timer = 0;
    attempt = 0;
    connect();
  });
  connect();
}
