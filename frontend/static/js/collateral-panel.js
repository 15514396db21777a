// A collateral post's panel follows its verdicts live: on `collateral.changed` the panel is
// read again from the server (its stats count what this reader may see, so they are not in
// the event). The first read also brings the latest verdicts.
import { fetchFragment } from "./fragment.js";
import { watchPost } from "./live.js";

async function refresh(panel) {
  const fresh = await fetchFragment(`/posts/${panel.dataset.collateralPanel}/collateral`);
  if (fresh && panel.isConnected) panel.replaceWith(fresh);
  return fresh;
}

export function enhanceCollateralPanel(panel) {
  const postId = Number(panel.dataset.collateralPanel);
  if (!Number.isSafeInteger(postId)) return;
  watchPost(postId);
  if (panel.hasAttribute("data-collateral-load")) refresh(panel);
  document.addEventListener("tandem:collateral.changed", (event) => {
    if (event.detail.data?.post_id !== postId) return;
    const current = document.querySelector(`[data-collateral-panel="${postId}"]`);
    if (current) refresh(current);
  });
}
