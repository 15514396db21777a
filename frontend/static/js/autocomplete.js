// Suggests $accounts, @people and #topics from the JSON API while typing in a textarea.
import { getJSON } from "./http.js";

const TRIGGER = /(^|[\s(])([$@#])([\w-]{1,40})$/u;
const SOURCES = {
  $: async (q) => (await getJSON(`/api/v1/accounts?limit=6&q=${encodeURIComponent(q)}`)).items
    .map((a) => ({ insert: a.slug, label: a.name, meta: `$${a.slug}` })),
  "@": async (q) => (await getJSON(`/api/v1/users?limit=6&q=${encodeURIComponent(q)}`)).items
    .map((u) => ({ insert: u.handle, label: u.display_name, meta: `@${u.handle}` })),
  "#": async (q) => (await getJSON(`/api/v1/topics?limit=6&q=${encodeURIComponent(q)}`)).items
    .map((t) => ({ insert: t.name, label: `#${t.name}`, meta: `${t.post_count} posts` })),
};

export function enhanceAutocomplete(textarea) {
  const list = document.getElementById(textarea.getAttribute("aria-controls"));
  if (!list) return;
  let items = [];
  let active = -1;
  let match = null;
  let request = 0;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) textarea.setAttribute("aria-activedescendant", list.children[index].id);
  };

  const choose = (index) => {
    const item = items[index];
    if (!item || !match) return;
    const caret = textarea.selectionStart;
    const start = caret - match.query.length;
    const text = textarea.value;
    textarea.value = `${text.slice(0, start)}${item.insert} ${text.slice(caret)}`;
    const position = start + item.insert.length + 1;
    textarea.setSelectionRange(position, position);
    close();
    textarea.focus();
  };

  const show = (found) => {
    items = found;
    list.replaceChildren(...found.map((item, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      const label = document.createElement("span");
      label.textContent = item.label; // text only: names are user data
      const meta = document.createElement("span");
      meta.className = "suggestion__meta";
      meta.textContent = item.meta;
      li.append(label, meta);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = found.length === 0;
    textarea.setAttribute("aria-expanded", String(found.length > 0));
    highlight(found.length ? 0 : -1);
  };

  textarea.addEventListener("input", async () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const found = TRIGGER.exec(before);
    if (!found) { close(); match = null; return; }
    match = { sigil: found[2], query: found[3] };
    const mine = ++request;
    try {
      const results = await SOURCES[match.sigil](match.query);
      if (mine === request) show(results);
    } catch {
      close();
    }
  });

  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || items.length === 0) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
    else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); choose(active); }
    else if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}
