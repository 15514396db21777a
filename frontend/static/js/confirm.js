// Asks before a destructive form is sent (delete a post), or before the one destructive
// button of a form with several (decline a win story).
export function enhanceConfirm(element) {
  if (element instanceof HTMLButtonElement) {
    element.addEventListener("click", (event) => {
      if (!window.confirm(element.dataset.confirm)) event.preventDefault();
    });
    return;
  }
  element.addEventListener("submit", (event) => {
    if (!window.confirm(element.dataset.confirm)) event.preventDefault();
  });
}
