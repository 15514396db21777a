// Reaction buttons toggle through the JSON API (PUT/DELETE) instead of a page reload.
import { send } from "./http.js";

export function enhanceReactions(root) {
  root.querySelectorAll("form[data-reaction]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      const pressed = button.getAttribute("aria-pressed") === "true";
      const url = `/api/v1/posts/${button.dataset.post}/reactions/${button.dataset.kind}`;
      try {
        await send(pressed ? "DELETE" : "PUT", url);
        const count = button.querySelector(".reaction__count");
        count.textContent = String(Math.max(0, Number(count.textContent) + (pressed ? -1 : 1)));
        button.setAttribute("aria-pressed", String(!pressed));
      } catch {
        form.submit();
      }
    });
  });
}
