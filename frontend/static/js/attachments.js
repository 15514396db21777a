// The composer's files: picked or dropped, each uploaded at once to /api/v1/files with a
// progress bar, shown (a preview for images) with a remove button; a finished upload adds an
// `attachments` hidden field with the file's id, so the form posts it with the text.
// Without this script the composer has no file picker and works as before.
const MAX_FILES = 10;
const IMAGE = /^image\/(png|jpeg|gif|webp)$/;

const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function enhanceAttachments(box) {
  const form = box.closest("form");
  const list = box.querySelector("[data-upload-list]");
  const input = box.querySelector("[data-attach-input]");
  const submit = form.querySelector("[data-submit]");
  const maxBytes = Number(box.dataset.maxBytes) || 25_000_000;
  let pending = 0;
  box.hidden = false;

  const settle = () => {
    submit.disabled = pending > 0;
    submit.title = pending > 0 ? "Waiting for the uploads to finish" : "";
  };

  function add(file) {
    if (list.children.length >= MAX_FILES) {
      alertOn(row(file), `At most ${MAX_FILES} files per post.`);
      return;
    }
    const item = row(file);
    if (file.size > maxBytes) {
      alertOn(item, `Larger than ${formatSize(maxBytes)}.`);
      return;
    }
    upload(file, item);
  }

  function row(file) {
    const item = element("li", "upload");
    if (IMAGE.test(file.type)) {
      const preview = element("img", "upload__preview");
      preview.alt = "";
      const reader = new FileReader();
      reader.onload = () => { preview.src = reader.result; };
      reader.readAsDataURL(file);
      item.append(preview);
    } else {
      item.append(element("span", "upload__type", (file.name.split(".").pop() || "file").toUpperCase()));
    }
    const text = element("span", "upload__text");
    text.append(element("span", "upload__name", file.name), element("span", "upload__size", formatSize(file.size)));
    const progress = element("progress", "upload__progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${file.name}`);
    text.append(progress);
    const remove = element("button", "upload__remove", "×");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    item.append(text, remove);
    list.append(item);
    return item;
  }

  function alertOn(item, message) {
    item.classList.add("upload--failed");
    item.querySelector(".upload__progress")?.remove();
    item.querySelector(".upload__text").append(element("span", "upload__error", message));
    item.querySelector(".upload__remove").addEventListener("click", () => item.remove());
  }

  function upload(file, item) {
    const request = new XMLHttpRequest();
    const progress = item.querySelector(".upload__progress");
    let done = false;
    const finish = () => {
      if (!done) { done = true; pending -= 1; settle(); }
    };
    item.querySelector(".upload__remove").addEventListener("click", () => {
      request.abort();
      item.remove();
      finish();
    });
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      finish();
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (request.status === 201 && answer) {
        progress.remove();
        item.classList.add("upload--done");
        const field = element("input");
        field.type = "hidden";
        field.name = "attachments";
        field.value = String(answer.id);
        item.append(field);
        item.dataset.fileId = String(answer.id);
      } else {
        alertOn(item, answer?.error?.message ?? `Upload failed (${request.status}).`);
      }
    });
    request.addEventListener("error", () => { finish(); alertOn(item, "Upload failed: network error."); });
    const body = new FormData();
    body.append("file", file);
    request.open("POST", "/api/v1/files");
    request.setRequestHeader("X-CSRF-Token", token());
    request.setRequestHeader("Accept", "application/json");
    pending += 1;
    settle();
    request.send(body);
  }

  // An edit lists the post's files first: removing one drops its field.
  list.querySelectorAll(".upload--done").forEach((item) => {
    item.querySelector(".upload__remove")?.addEventListener("click", () => item.remove());
  });

  input.addEventListener("change", () => {
    [...input.files].forEach(add);
    input.value = "";
  });
  form.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    form.classList.add("composer--dragging");
  });
  form.addEventListener("dragleave", (event) => {
    if (!form.contains(event.relatedTarget)) form.classList.remove("composer--dragging");
  });
  form.addEventListener("drop", (event) => {
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    form.classList.remove("composer--dragging");
    [...event.dataTransfer.files].forEach(add);
  });
  form.addEventListener("submit", (event) => {
    if (pending > 0) event.preventDefault();
  });
}
