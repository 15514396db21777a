// "N new posts" on a feed: posts arriving live wait behind a bar; a click inserts their cards.
import { fetchFragment } from "./fragment.js";
import { watchCompany } from "./live.js";

function belongs(feed, post) {
  const key = feed.dataset.liveKey;
  const department = feed.dataset.liveDepartment;
  if (department && post.author?.department !== department) return false;
  switch (feed.dataset.liveFeed) {
    case "home": // a home page watches nothing more: the stream sends its home feed only
    case "company":
      return true;
    case "account":
      return (post.accounts ?? []).some((account) => account.slug === key);
    case "topic":
      return (post.topics ?? []).includes(key);
    case "group":
      return post.group?.slug === key;
    case "author":
      return post.author?.handle === key;
    default:
      return false;
  }
}

export function enhanceLiveFeed(feed, enhance) {
  const bar = feed.parentElement.querySelector("[data-new-posts]");
  if (!bar) return;
  // Home gets what the user follows; any other feed shows posts the user may not follow.
  if (feed.dataset.liveFeed !== "home") watchCompany();
  const pending = new Set();

  const update = () => {
    const n = pending.size;
    bar.textContent = n === 1 ? "1 new post" : `${n} new posts`;
    bar.hidden = n === 0;
  };

  document.addEventListener("tandem:post.created", (event) => {
    const post = event.detail.data;
    if (!post || !Number.isSafeInteger(post.id) || !belongs(feed, post)) return;
    if (document.getElementById(`post-${post.id}`)) return; // already shown (our own post)
    pending.add(post.id);
    update();
  });

  document.addEventListener("tandem:post.deleted", (event) => {
    const id = event.detail.data?.id;
    pending.delete(id);
    document.getElementById(`post-${id}`)?.remove();
    update();
  });

  bar.addEventListener("click", async () => {
    const ids = [...pending].sort((a, b) => a - b);
    pending.clear();
    update();
    const cards = await Promise.all(ids.map((id) => fetchFragment(`/posts/${id}/card`)));
    let newest = null;
    cards.forEach((card) => {
      if (!card || document.getElementById(card.id)) return;
      enhance(card);
      feed.prepend(card);
      newest = card;
    });
    feed.querySelector(".empty")?.remove();
    if (newest) {
      // Keyboard and screen-reader users land on what they asked to see.
      newest.tabIndex = -1;
      newest.focus();
    }
  });
}
