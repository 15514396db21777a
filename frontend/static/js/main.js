// Wires each behaviour to the elements that ask for it through data attributes.
import { enhanceAttachments } from "./attachments.js";
import { enhanceAutocomplete } from "./autocomplete.js";
import { enhanceConfirm } from "./confirm.js";
import { enhanceKindFields } from "./kind-fields.js";
import { startLive } from "./live.js";
import { enhanceLiveBell } from "./live-bell.js";
import { enhanceLiveFeed } from "./live-feed.js";
import { enhanceLivePanel } from "./live-panel.js";
import { enhanceLivePost, followReactions } from "./live-post.js";
import { enhanceLoadFragment } from "./load-fragment.js";
import { enhanceLoadMore } from "./load-more.js";
import { enhancePreview } from "./preview.js";
import { enhanceReactions } from "./reactions.js";

// Exported for the live stream: cards it inserts get the same behaviours.
export function enhance(root) {
  root.querySelectorAll("[data-autocomplete]").forEach(enhanceAutocomplete);
  root.querySelectorAll("[data-confirm]").forEach(enhanceConfirm);
  root.querySelectorAll("[data-editor]").forEach(enhancePreview);
  root.querySelectorAll("[data-kind-select]").forEach(enhanceKindFields);
  // A part read again (a live panel) brings its own slots.
  root.querySelectorAll("[data-load-fragment]").forEach((slot) => enhanceLoadFragment(slot, enhance));
  enhanceReactions(root);
}

enhance(document);
document.querySelectorAll("[data-attachments]").forEach(enhanceAttachments);
enhanceLoadMore(document, enhance);

// Live updates: each page part subscribes to the stream's events, then the socket opens.
document.querySelectorAll("[data-live-feed]").forEach((feed) => enhanceLiveFeed(feed, enhance));
document.querySelectorAll("[data-live-post]").forEach((post) => enhanceLivePost(post, enhance));
document.querySelectorAll("[data-unread-count]").forEach(enhanceLiveBell);
document.querySelectorAll("[data-live-panel]").forEach((panel) => enhanceLivePanel(panel, enhance));
followReactions();
startLive();
