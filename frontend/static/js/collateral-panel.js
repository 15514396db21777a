// A collateral post's panel follows its verdicts live: on `collateral.changed` the panel is
// read again from the server (its stats count what this reader may see, so they are not in
// the event). The first read also brings the latest verdicts.
//
// Verdicts can come in quick succession, and their reads may answer out of order: only the
// answer to the latest read replaces the panel (an earlier one would show older stats, and
// would leave the latest answer nothing to replace).
import { fetchFragment } from "./fragment.js";
import { watchPost } from "./live.js";

const latestRead = new Map();

async function refresh(postId) {
  const ticket = (latestRead.get(postId) ?? 0) + 1;
  latestRead.set(postId, ticket);
  const fresh = await fetchFragment(`/posts/${postId}/collateral`);
  if (!fresh || latestRead.get(postId) !== ticket) return;
  document.querySelector(`[data-collateral-panel="${postId}"]`)?.replaceWith(fresh);
}

export function enhanceCollateralPanel(panel) {
  const postId = Number(panel.dataset.collateralPanel);
  if (!Number.isSafeInteger(postId)) return;
  watchPost(postId);
  if (panel.hasAttribute("data-collateral-load")) refresh(postId);
  document.addEventListener("tandem:collateral.changed", (event) => {
    if (event.detail.data?.post_id === postId) refresh(postId);
  });
}
