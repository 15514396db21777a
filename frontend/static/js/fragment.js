// Server-rendered partials (a feed card, a comment) parsed into nodes: the HTML comes from our
// own templates, so user text in it is already escaped and sanitized; JS never builds markup.
export async function fetchFragment(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return null;
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  return template.content.firstElementChild;
}
