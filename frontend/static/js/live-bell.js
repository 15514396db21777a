// The bell follows `notification.created`: the count is re-read from the server (the database
// is the truth), so a replayed event never counts twice.
import { getJSON } from "./http.js";

function show(bell, n) {
  bell.dataset.unreadCount = String(n);
  bell.setAttribute("aria-label", `Notifications, ${n} unread`);
  bell.classList.toggle("bell--unread", n > 0);
  let badge = bell.querySelector(".bell__count");
  if (n > 0 && !badge) {
    badge = document.createElement("span");
    badge.className = "bell__count";
    badge.setAttribute("aria-hidden", "true");
    bell.append(badge);
  }
  if (badge) {
    badge.textContent = n < 100 ? String(n) : "99+";
    badge.hidden = n === 0;
  }
}

export function enhanceLiveBell(bell) {
  let pending = null;
  document.addEventListener("tandem:notification.created", () => {
    // Optimistic +1 at once, then the true count (a burst of events costs one request).
    show(bell, Number(bell.dataset.unreadCount || 0) + 1);
    window.clearTimeout(pending);
    pending = window.setTimeout(async () => {
      try {
        const { count } = await getJSON("/api/v1/notifications/unread-count");
        if (Number.isSafeInteger(count)) show(bell, count);
      } catch {
        // Keep the optimistic count; the next page load shows the true one.
      }
    }, 300);
  });
}
