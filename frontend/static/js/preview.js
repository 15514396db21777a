// Markdown preview: the server renders and sanitizes the draft exactly as it would publish it.
import { send } from "./http.js";

export function enhancePreview(form) {
  const button = form.querySelector("[data-preview-button]");
  const source = form.querySelector("[data-preview-source]");
  const panel = form.parentElement.querySelector("[data-preview]");
  if (!button || !source || !panel) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const body = new URLSearchParams({ body: source.value });
    const response = await send("POST", "/posts/preview", { body });
    // Sanitized server HTML, parsed inertly before it enters the page.
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    panel.querySelector("[data-preview-body]").replaceChildren(...doc.body.childNodes);
    panel.hidden = false;
  });
}
