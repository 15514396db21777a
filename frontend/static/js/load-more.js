// "Load more" fetches the next cards as server-rendered HTML and puts them in place.
export function enhanceLoadMore(root, enhance) {
  root.addEventListener("click", async (event) => {
    const link = event.target.closest("[data-load-more] a[data-fragment-url]");
    if (!link) return;
    event.preventDefault();
    const box = link.closest("[data-load-more]");
    link.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(link.dataset.fragmentUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      // Our own autoescaped template output, parsed inertly and then moved into the page.
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const nodes = [...doc.body.children];
      box.replaceWith(...nodes);
      nodes.forEach((node) => enhance(node));
      nodes.find((n) => n.matches?.("article"))?.querySelector("a")?.focus();
    } catch {
      window.location.href = link.href; // fall back to the plain page
    }
  });
}
