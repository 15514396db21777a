// Asks before a destructive form is sent (delete a post), or before the one destructive
// button of a form with several (decline a win story).
export function enhanceConfirm(element) {
  const ask = (event) => {
    if (!window.confirm(element.dataset.confirm)) event.preventDefault();
  };
  element.addEventListener(element instanceof HTMLButtonElement ? "click" : "submit", ask);
}
