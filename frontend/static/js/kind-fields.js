// Fields that belong to one kind of post (a collateral post's stage and audience) are shown,
// and sent, only while that kind is chosen.
export function enhanceKindFields(select) {
  const form = select.form;
  if (!form) return;
  const sync = () => {
    form.querySelectorAll("[data-kind-fields]").forEach((fields) => {
      const off = fields.dataset.kindFields !== select.value;
      fields.hidden = off;
      fields.disabled = off;
    });
  };
  select.addEventListener("change", sync);
  sync();
}
