// The copy button of a new key: the Clipboard API where the page is a secure context (HTTPS,
// localhost), else the selection and execCommand, which plain-HTTP intranets still allow.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  field.focus();
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch (error) {
    copied = document.execCommand("copy");
  }
  status.textContent = copied ? button.dataset.done : button.dataset.failed;
});
// One tap creates one token: a second tap while the first is on its way sends nothing.
document.getElementById("create-token")?.addEventListener("submit", (event) => {
  const button = event.target.querySelector("button[type=submit]");
  if (button.disabled) event.preventDefault();
  button.disabled = true;
});
