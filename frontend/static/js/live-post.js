// An open post page: comments on it appear in the thread as they are written.
import { fetchFragment } from "./fragment.js";
import { watchPost } from "./live.js";

function repliesOf(parent) {
  let list = parent.querySelector(":scope > .comment-list--replies");
  if (!list) {
    list = document.createElement("ol");
    list.className = "comment-list comment-list--replies";
    parent.insertBefore(list, parent.querySelector(":scope > .reply"));
  }
  return list;
}

export function enhanceLivePost(section, enhance) {
  const postId = Number(section.dataset.livePost);
  if (!Number.isSafeInteger(postId)) return;
  const list = section.querySelector("[data-comment-list]");
  const title = section.querySelector("#comments-title");
  watchPost(postId);

  document.addEventListener("tandem:comment.created", async (event) => {
    const comment = event.detail.data;
    if (comment?.post_id !== postId || !Number.isSafeInteger(comment.id)) return;
    if (document.getElementById(`comment-${comment.id}`)) return;
    const item = await fetchFragment(`/posts/${postId}/comments/${comment.id}`);
    if (!item || document.getElementById(item.id)) return;
    const parent = comment.parent_id && document.getElementById(`comment-${comment.parent_id}`);
    enhance(item);
    (parent ? repliesOf(parent) : list).append(item);
    list.hidden = false;
    section.querySelector("[data-no-comments]")?.remove();
    const count = Number(section.dataset.commentCount) + 1;
    section.dataset.commentCount = String(count);
    if (title) title.textContent = `${count} comment${count === 1 ? "" : "s"}`;
  });
}

// Reaction counts follow `reaction.changed` wherever the post's buttons are on the page.
export function followReactions() {
  document.addEventListener("tandem:reaction.changed", (event) => {
    const { post_id: postId, reactions } = event.detail.data ?? {};
    if (!Number.isSafeInteger(postId) || !reactions) return;
    document.querySelectorAll(`.reaction[data-post="${postId}"]`).forEach((button) => {
      const count = button.querySelector(".reaction__count");
      if (count) count.textContent = String(Number(reactions[button.dataset.kind] ?? 0));
    });
  });
}
