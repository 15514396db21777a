// A part of a page that the server renders on its own (a form with choices the page itself
// did not read): its link works without JavaScript, and with it the part takes its place.
import { fetchFragment } from "./fragment.js";

export async function enhanceLoadFragment(slot, enhance) {
  const url = slot.dataset.loadFragment;
  if (!url || !url.startsWith("/") || url.startsWith("//")) return;
  const part = await fetchFragment(url);
  if (!part || !slot.isConnected) return;
  enhance(part);
  slot.replaceWith(part);
}
