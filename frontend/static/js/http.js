// Same-origin requests with the page's CSRF token: every unsafe fetch goes through here.
const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export async function send(method, url, { body, json } = {}) {
  const headers = { "X-CSRF-Token": token() };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status}`);
  return response;
}

export async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}
