// A part of a post's page that follows the post live: on its event (`data-live-on`, e.g.
// `collateral.changed` or `story.changed`) the part is read again from the server at its URL
// (`data-live-panel`), since what it shows is this reader's own (stats that count what they
// may see, the steps they may take) and is not in the event. `data-live-load` asks for a
// first read too (the page rendered the part without its latest rows).
//
// Events can come in quick succession, and their reads may answer out of order: only the
// answer to the latest read replaces the part (an earlier one would show an older state, and
// would leave the latest answer nothing to replace).
import { fetchFragment } from "./fragment.js";
import { watchPost } from "./live.js";

const latestRead = new Map();

async function refresh(url, enhance) {
  const ticket = (latestRead.get(url) ?? 0) + 1;
  latestRead.set(url, ticket);
  const fresh = await fetchFragment(url);
  if (!fresh || latestRead.get(url) !== ticket) return;
  const current = [...document.querySelectorAll("[data-live-panel]")].find(
    (part) => part.dataset.livePanel === url,
  );
  if (!current) return;
  enhance(fresh);
  current.replaceWith(fresh);
}

export function enhanceLivePanel(panel, enhance) {
  const url = panel.dataset.livePanel;
  const postId = Number(panel.dataset.livePostId);
  const type = panel.dataset.liveOn;
  if (!url?.startsWith("/") || url.startsWith("//") || !type) return;
  if (!Number.isSafeInteger(postId)) return;
  watchPost(postId);
  if (panel.hasAttribute("data-live-load")) refresh(url, enhance);
  document.addEventListener(`tandem:${type}`, (event) => {
    if (event.detail.data?.post_id === postId) refresh(url, enhance);
  });
}
