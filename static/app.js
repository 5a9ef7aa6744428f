// LTS portal behaviour that htmx does not cover. Loaded with `defer`; the CSP allows no inline
// script, so everything is wired here with addEventListener.

// Copy buttons: <button type="button" data-copy="TEXT">. Delegated, so buttons that htmx swaps in
// work too. navigator.clipboard needs a secure context (HTTPS or localhost); over plain HTTP the
// older execCommand("copy") is used instead.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const text = button.getAttribute("data-copy") || "";
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  let copied = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      copied = true;
    }
  } catch {
    copied = false;
  }
  if (!copied) copied = copyWithSelection(text);
  button.textContent = copied ? "Copied" : "Select and copy by hand";
  clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(setTimeout(() => (button.textContent = label), 2000));
});

function copyWithSelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
