// Behaviour that used to sit in inline handlers: the Content-Security-Policy allows scripts
// only from the app's own static files.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// A form posted is sent once: just after it goes (the browser has then taken the clicked
// button's name and value), its buttons are disabled and the one clicked says the work is
// under way, so a second click cannot post it again while a month's close or an import runs
// for seconds. (A form htmx sends itself is left alone: htmx cancels its submit event first.)
// A page shown again from the browser's history gets its buttons back.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || form.target) return;
  const clicked = event.submitter;
  setTimeout(() => {
    form.querySelectorAll("button, input[type=submit]").forEach((b) => {
      if (b.type !== "submit" || b.disabled) return;
      b.disabled = true;
      b.dataset.busyDisabled = "1";
    });
    if (clicked && clicked.tagName === "BUTTON" && document.body.dataset.busyText) {
      clicked.dataset.busyLabel = clicked.textContent;
      clicked.textContent = document.body.dataset.busyText;
      clicked.setAttribute("aria-busy", "true");
    }
  }, 0);
});
window.addEventListener("pageshow", () => {
  document.querySelectorAll("[data-busy-disabled]").forEach((b) => {
    b.disabled = false;
    delete b.dataset.busyDisabled;
    if (b.dataset.busyLabel !== undefined) {
      b.textContent = b.dataset.busyLabel;
      delete b.dataset.busyLabel;
      b.removeAttribute("aria-busy");
    }
  });
});

// A long picker (units, items, problems to merge into) gets a box above it that narrows its
// options by the words typed: `<select data-searchable>`.
function makeSearchable(select) {
  if (select.dataset.searchReady) return;
  select.dataset.searchReady = "1";
  const box = document.createElement("input");
  box.type = "search";
  box.className = "picker-search";
  box.placeholder = document.body.dataset.searchPlaceholder || "";
  box.setAttribute("aria-label", box.placeholder);
  select.parentNode.insertBefore(box, select);
  box.addEventListener("input", () => {
    const words = box.value.trim().toLowerCase();
    let first = null;
    for (const option of select.options) {
      const show = !option.value || !words || option.text.toLowerCase().includes(words);
      option.hidden = !show;
      if (show && option.value && first === null) first = option;
    }
    if (!select.multiple && first && words && select.selectedOptions[0]?.hidden) first.selected = true;
  });
}
document.querySelectorAll("select[data-searchable]").forEach(makeSearchable);

// After a form post that failed, the page answered the POST; a refresh would post it again.
// Turn this history entry into a GET of the same address (the errors stay on screen).
if (document.body && document.body.dataset.posted !== undefined && window.history.replaceState) {
  window.history.replaceState(null, "", window.location.href);
}

// On a narrow screen lists become cards (duban.css): each cell carries its column's name.
document.querySelectorAll(".table-wrap table").forEach((table) => {
  const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
  if (!heads.length) return;
  table.querySelectorAll("tbody tr").forEach((tr) => {
    let col = 0;
    for (const td of tr.children) {
      if (heads[col] && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[col]);
      col += td.colSpan || 1;
    }
  });
});

// Photos (a visit's): before they are sent, each image larger than 1600 px on its long side
// is redrawn at that size as a JPEG, so a phone's 5 MB photo goes as a few hundred KB.
// Without this script (or on failure) the original is sent and the server's limit applies.
const PHOTO_SIDE = 1600;
async function shrinkPhoto(file) {
  if (!file.type.startsWith("image/") || typeof createImageBitmap !== "function") return file;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size < 1024 * 1024) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.85));
  if (!blob) return file;
  return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
}
document.querySelectorAll("input[type=file][data-resize]").forEach((input) => {
  input.addEventListener("change", async () => {
    if (typeof DataTransfer !== "function" || !input.files.length) return;
    try {
      const shrunk = await Promise.all(Array.from(input.files).map(shrinkPhoto));
      const list = new DataTransfer();
      shrunk.forEach((f) => list.items.add(f));
      input.files = list.files;
    } catch (e) {
      // keep the originals: the server judges them
    }
  });
});

// On a phone a long filter form is folded under its summary (the wall comes first), unless
// the page was asked for with filters.
if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
  const asked = Array.from(new URLSearchParams(window.location.search).keys()).some(
    (k) => k !== "year" && k !== "page",
  );
  if (!asked) document.querySelectorAll("details[data-fold-narrow]").forEach((d) => { d.open = false; });
}

// A link to a folded section (a score page's rule line) opens it: on load with its address's
// #fragment, and when followed on the page.
function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (target && target.tagName === "DETAILS") target.open = true;
}
window.addEventListener("hashchange", openTarget);
openTarget();
